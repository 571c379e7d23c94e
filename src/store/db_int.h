/*
 * db_int.h - what a database driver implements. Private to src/store/.
 */
#ifndef WG_DB_INT_H
#define WG_DB_INT_H

#include "store/db.h"

#define DB_STMT_CACHE 64
#define DB_XLOCKS 4                        /* transaction locks remembered (db_lock_xact) */

struct db_driver {
	const char *name;                  /* "sqlite" */
	const char *schemes[3];            /* URL prefixes it answers: "sqlite:" */
	const char *tok_id;                /* expansion of @ID@ */
	const char *tok_blob;              /* expansion of @BLOB@ */
	const char *tok_norowid;           /* of @NOROWID@, after a table's ")": clustered on its key */
	int (*open)(const char *url, struct db **out, struct err *e);   /* whole URL */
	void (*close)(struct db *db);
	int (*prepare)(struct db *db, const char *sql, struct db_stmt **out, struct err *e);
	void (*finalize)(struct db_stmt *st);
	int (*bind_int64)(struct db_stmt *st, int i, int64_t v);
	int (*bind_double)(struct db_stmt *st, int i, double v);
	int (*bind_text)(struct db_stmt *st, int i, const char *s);
	int (*bind_blob)(struct db_stmt *st, int i, const void *p, size_t n);
	int (*bind_null)(struct db_stmt *st, int i);
	enum db_step (*step)(struct db_stmt *st, struct err *e);
	void (*reset)(struct db_stmt *st);
	int64_t (*col_int64)(struct db_stmt *st, int i);
	double (*col_double)(struct db_stmt *st, int i);
	const char *(*col_text)(struct db_stmt *st, int i);
	const void *(*col_blob)(struct db_stmt *st, int i, size_t *n);
	int (*col_is_null)(struct db_stmt *st, int i);
	int (*exec)(struct db *db, const char *sql, struct err *e);
	const char *begin_sql;             /* "BEGIN IMMEDIATE" */
	const char *begin_read_sql;        /* a read snapshot for several queries; NULL: none needed */
	const char *migrate_lock_sql;      /* serialises concurrent migrations, or NULL */
	const char *migrate_unlock_sql;
	/* Give a connection back in working order after a server restart
	 * (NULL when not needed). 0 when usable. */
	int (*check)(struct db *db);
	int (*notify)(struct db *db, const char *channel, const char *payload, struct err *e);
	int (*listen)(struct db *db, const char *channel, struct err *e);
	int (*wait_notification)(struct db *db, int timeout_ms, char *channel, size_t cn,
	                         char *payload, size_t pn, struct err *e);
	/* After rows were inserted with explicit values in an auto-increment
	 * column: SQL (with %s for table, then column) that moves the id
	 * generator past them, or NULL when the dialect needs nothing. */
	const char *sync_identity_sql;
	int (*try_lock)(struct db *db, int64_t key, int *got, struct err *e);
	int (*unlock)(struct db *db, int64_t key, struct err *e);
	/* Transaction-level lock (db_lock_xact), or NULL when the dialect's
	 * write transaction already serialises writers. */
	int (*lock_xact)(struct db *db, int64_t key, struct err *e);
	/* db_set_background_checkpoint / db_checkpoint_stats, or NULL when
	 * the database checkpoints by itself (PostgreSQL) */
	int (*background_checkpoint)(struct db *db, int on, struct err *e);
	void (*checkpoint_stats)(struct db *db, struct db_checkpoint_stats *out);
};

/* Thresholds of the SQLite background checkpointer, in WAL pages (their
 * meaning: db_sqlite.c, "Background checkpoints"). Read when
 * db_set_background_checkpoint() starts a checkpointer; the unit tests make
 * them small. */
struct db_sqlite_ckpt_limits {
	int signal;                        /* wake the thread from this length on */
	int step;                          /* ... when at least this many frames wait */
	int restart;                       /* the connection copies the last few itself */
	int hard;                          /* backstop: the connection checkpoints inline */
};
extern struct db_sqlite_ckpt_limits db_sqlite_ckpt_limits;

/* The write turnstile of db_sqlite.c, for its tests: how many connections
 * of this process wait for their turn to write the file of db; and the
 * longest a connection waits for its turn or SQLite's lock (busy timeout,
 * 10 s by default). */
int db_sqlite_turn_waiters(struct db *db);
void db_sqlite_set_wait_ms(struct db *db, int ms);

struct db_cache_entry {
	const char *key;                   /* SQL constant's address */
	struct db_stmt *st;
};

/* Every driver's connection struct starts with this. */
struct db {
	const struct db_driver *drv;
	struct db_cache_entry cache[DB_STMT_CACHE];
	int ncache;
	int in_tx;                         /* inside db_begin .. commit/rollback */
	int64_t xlocks[DB_XLOCKS];         /* db_lock_xact keys this transaction holds */
	int nxlocks;
};

/* Every driver's statement struct starts with this. */
struct db_stmt {
	struct db *db;
	int cached;                        /* owned by db->cache: finalize only resets */
};

extern const struct db_driver db_sqlite_driver;
extern const struct db_driver db_pg_driver;

/* Migration list (migrations.c). */
struct db_migration {
	int version;
	const char *name;
	const char *sql;                   /* may use @ID@ and @BLOB@ */
};
extern const struct db_migration db_migrations[];
extern const int db_nmigrations;

#endif
