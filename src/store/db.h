/*
 * db.h - the small database interface every store module talks to.
 *
 * A `struct db` is one connection; a `struct db_pool` hands connections to
 * request threads. Callers write portable SQL with `?` placeholders; the
 * driver translates (the PostgreSQL driver rewrites `?` to `$n`). Migration
 * scripts use the tokens @ID@ (auto-increment integer primary key) and
 * @BLOB@ (binary column), which each driver expands for its dialect.
 *
 * Only src/store/ includes this header's callers' SQL; no other layer sees
 * SQL or sqlite3.h.
 *
 * How to add a driver:
 *   1. implement `struct db_driver` (db_int.h) in src/store/db_<name>.c;
 *   2. give it a URL scheme and add it to `drivers[]` in db.c;
 *   3. run the whole test suite with WANGGE_TEST_DB set to such a URL.
 */
#ifndef WG_DB_H
#define WG_DB_H

#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"

struct db;
struct db_stmt;
struct db_pool;

enum db_step { DB_ERROR = -1, DB_DONE = 0, DB_ROW = 1 };

/* Open a connection. url: "sqlite:FILE", a bare path (SQLite), or a scheme a
 * driver registered. Returns 0, or -1 with 503 db.open in e. */
int db_open(const char *url, struct db **out, struct err *e);
/* Close the connection and every cached statement. NULL is fine. */
void db_close(struct db *db);
/* "sqlite" or "postgresql". */
const char *db_driver_name(const struct db *db);

/* Prepare a statement owned by the caller: release it with db_finalize().
 * A syntax error is reported here (SQLite) or by the first db_step()
 * (PostgreSQL prepares on the server when the statement first runs). */
int db_prepare(struct db *db, const char *sql, struct db_stmt **out, struct err *e);
/* Prepare once per connection and reuse: `sql` must be a string constant,
 * its address is the cache key. db_finalize() on it only resets it. */
int db_prepare_cached(struct db *db, const char *sql, struct db_stmt **out, struct err *e);
void db_finalize(struct db_stmt *st);

/* Bind parameter i (1-based). Text and blobs are copied. */
int db_bind_int64(struct db_stmt *st, int i, int64_t v);
int db_bind_double(struct db_stmt *st, int i, double v);
int db_bind_text(struct db_stmt *st, int i, const char *s);   /* NULL binds NULL */
int db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n);
int db_bind_null(struct db_stmt *st, int i);

/* Run one step: DB_ROW, DB_DONE, or DB_ERROR with e filled (409 db.constraint
 * on a constraint violation, 503 db.busy, 500 db.error otherwise). */
enum db_step db_step(struct db_stmt *st, struct err *e);
/* Rewind to run again with new bindings. */
void db_reset(struct db_stmt *st);

/* Column i (0-based) of the current row. Text/blob pointers live until the
 * next step, reset or finalize. A NULL column reads as 0 / NULL. */
int64_t db_col_int64(struct db_stmt *st, int i);
double db_col_double(struct db_stmt *st, int i);
const char *db_col_text(struct db_stmt *st, int i);
const void *db_col_blob(struct db_stmt *st, int i, size_t *n);
int db_col_is_null(struct db_stmt *st, int i);

/* Run SQL without parameters or results (may hold several statements). */
int db_exec(struct db *db, const char *sql, struct err *e);

/* Transactions. db_begin takes the write lock up front (SQLite BEGIN IMMEDIATE). */
int db_begin(struct db *db, struct err *e);
int db_commit(struct db *db, struct err *e);
void db_rollback(struct db *db);
/* A run of reads on one snapshot, where the driver gains by it (SQLite: one
 * WAL snapshot instead of one a statement; PostgreSQL: nothing, no round
 * trips added). Returns whether it began one; pass that to db_read_end().
 * A failure to begin only means the reads run one by one. */
int db_read_begin(struct db *db);
void db_read_end(struct db *db, int begun);
/* True between db_begin() and db_commit()/db_rollback() on this connection. */
int db_in_tx(const struct db *db);
/* Take the exclusive lock `key` until the current transaction ends, waiting
 * for it: serialises writers that read-then-write the same rows (the audit
 * chain). Call inside db_begin(); 500 db.no_tx otherwise. PostgreSQL:
 * pg_advisory_xact_lock(key). SQLite: nothing, BEGIN IMMEDIATE already holds
 * the database's only write lock. The keys in use, each its own: 72480001
 * migrations (db_pg.c), 72480002 the leader (cluster.h), 72480003 the audit
 * chain (store_audit.h), 72480004 the event writer (writer.h), 72480005 the
 * log-in throttle (auth.c). */
int db_lock_xact(struct db *db, int64_t key, struct err *e);

/* Bring the schema to the newest version, each migration in its own
 * transaction. Called by every command that opens a database. */
int db_migrate(struct db *db, struct err *e);
/* Current schema version (0 for an empty database). */
int db_schema_version(struct db *db, int *out, struct err *e);

/* After inserting rows with explicit ids into table.column (an @ID@ column),
 * move the id generator past them (PostgreSQL setval; nothing on SQLite).
 * table and column are identifiers from the code, never from input. */
int db_sync_identity(struct db *db, const char *table, const char *column, struct err *e);

/* --- WAL checkpoints (SQLite) ------------------------------------------- */
/* on = 1: this connection's WAL checkpoints run on a thread of their own
 * ("wg-checkpoint", with its own connection to the same file) instead of
 * inside the commits that cross SQLite's autocheckpoint size, so a commit
 * does not wait for ~40 MB to be copied and synced; on = 0: stop the
 * thread (join it) and go back to SQLite's autocheckpoint. db_close() stops
 * it too. For a connection that commits often and whose latency matters
 * (the event writer); the policy, and when the committing connection still
 * checkpoints a little itself, is described in db_sqlite.c. Call it while
 * no other thread uses the connection (the hook runs inside its commits:
 * before handing it to its thread, or from that thread). PostgreSQL,
 * or SQLite without a WAL file (":memory:"): nothing, 0. Returns 0, or -1
 * with 500 db.checkpoint in e when the thread or its connection cannot
 * start (the connection then keeps SQLite's autocheckpoint). */
int db_set_background_checkpoint(struct db *db, int on, struct err *e);

/* What the background checkpointer of a connection did (all zero without
 * one). Safe to read from any thread while the connection is in use. */
struct db_checkpoint_stats {
	uint64_t background;         /* checkpoint passes run by the thread */
	uint64_t catchup;            /* the last few pages copied by the connection itself so the WAL could start over */
	uint64_t inline_;            /* backstop: the WAL reached its limit, the connection checkpointed */
	uint64_t restarts;           /* times the WAL started over from its beginning */
	int64_t wal_pages;           /* WAL length in pages after the connection's last commit */
};
void db_checkpoint_stats(struct db *db, struct db_checkpoint_stats *out);

/* --- between instances -------------------------------------------------- */
/* Cross-instance notifications (PostgreSQL LISTEN/NOTIFY). Channel names are
 * [a-z0-9_], at most 48 bytes; payloads at most 7,900 bytes. On SQLite they
 * are no-ops: one wangge instance serves one database file. */
int db_notify(struct db *db, const char *channel, const char *payload, struct err *e);
int db_listen(struct db *db, const char *channel, struct err *e);
/* Wait up to timeout_ms for a notification on a listening connection:
 * 1 with channel and payload copied, 0 on time-out, -1 when the connection
 * is lost (e filled). On SQLite: sleeps and returns 0. */
int db_wait_notification(struct db *db, int timeout_ms, char *channel, size_t cn,
                         char *payload, size_t pn, struct err *e);
/* Try to take the exclusive, session-level lock `key` without waiting: *got
 * = 1 when this connection now holds it. PostgreSQL: an advisory lock, freed
 * when the session ends (so a crashed holder frees it). SQLite: flock() on
 * "<file>.lock<key>", freed when the process ends. */
int db_try_lock(struct db *db, int64_t key, int *got, struct err *e);
int db_unlock(struct db *db, int64_t key, struct err *e);

/* --- pool --------------------------------------------------------------- */
/* n connections to url. */
int db_pool_open(const char *url, int n, struct db_pool **out, struct err *e);
void db_pool_close(struct db_pool *p);
/* Borrow a connection (waits while all are busy); give it back with put. */
struct db *db_pool_get(struct db_pool *p);
void db_pool_put(struct db_pool *p, struct db *db);

#endif
