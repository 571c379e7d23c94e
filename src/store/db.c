/*
 * db.c - driver-independent part of the database interface: URL dispatch,
 * the per-connection statement cache, transactions, migrations and the pool.
 * Drivers (db_sqlite.c, later db_pg.c) implement struct db_driver.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/db_int.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

static const struct db_driver *drivers[] = {
	&db_sqlite_driver,
	&db_pg_driver,
};

int db_open(const char *url, struct db **out, struct err *e)
{
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		for (int k = 0; k < 3 && drivers[i]->schemes[k]; k++)
			if (str_starts_with(url, drivers[i]->schemes[k]))
				return drivers[i]->open(url, out, e);
	if (strstr(url, "://"))
		return err_set(e, 400, "db.scheme", "不支持的数据库地址 '%s'",
		               "unsupported database url '%s'", url);
	return db_sqlite_driver.open(url, out, e); /* a bare path means SQLite */
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (int i = 0; i < db->ncache; i++)
		db->drv->finalize(db->cache[i].st);
	db->ncache = 0;
	db->drv->close(db);
}

const char *db_driver_name(const struct db *db)
{
	return db->drv->name;
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out, struct err *e)
{
	if (db->drv->prepare(db, sql, out, e) < 0)
		return -1;
	(*out)->db = db;
	(*out)->cached = 0;
	return 0;
}

int db_prepare_cached(struct db *db, const char *sql, struct db_stmt **out, struct err *e)
{
	for (int i = 0; i < db->ncache; i++) {
		if (db->cache[i].key == sql) {
			*out = db->cache[i].st;
			return 0;
		}
	}
	if (db_prepare(db, sql, out, e) < 0)
		return -1;
	if (db->ncache < DB_STMT_CACHE) {
		(*out)->cached = 1;
		db->cache[db->ncache].key = sql;
		db->cache[db->ncache].st = *out;
		db->ncache++;
	}
	return 0;
}

void db_finalize(struct db_stmt *st)
{
	if (!st)
		return;
	if (st->cached)
		st->db->drv->reset(st);
	else
		st->db->drv->finalize(st);
}

int db_bind_int64(struct db_stmt *st, int i, int64_t v) { return st->db->drv->bind_int64(st, i, v); }
int db_bind_double(struct db_stmt *st, int i, double v) { return st->db->drv->bind_double(st, i, v); }
int db_bind_text(struct db_stmt *st, int i, const char *s) { return st->db->drv->bind_text(st, i, s); }
int db_bind_blob(struct db_stmt *st, int i, const void *p, size_t n) { return st->db->drv->bind_blob(st, i, p, n); }
int db_bind_null(struct db_stmt *st, int i) { return st->db->drv->bind_null(st, i); }
enum db_step db_step(struct db_stmt *st, struct err *e) { return st->db->drv->step(st, e); }
void db_reset(struct db_stmt *st) { st->db->drv->reset(st); }
int64_t db_col_int64(struct db_stmt *st, int i) { return st->db->drv->col_int64(st, i); }
double db_col_double(struct db_stmt *st, int i) { return st->db->drv->col_double(st, i); }
const char *db_col_text(struct db_stmt *st, int i) { return st->db->drv->col_text(st, i); }
const void *db_col_blob(struct db_stmt *st, int i, size_t *n) { return st->db->drv->col_blob(st, i, n); }
int db_col_is_null(struct db_stmt *st, int i) { return st->db->drv->col_is_null(st, i); }
int db_exec(struct db *db, const char *sql, struct err *e)
{
	/* ROLLBACK TO SAVEPOINT releases the locks taken since (PostgreSQL) */
	if (db->nxlocks && strncmp(sql, "ROLLBACK", 8) == 0)
		db->nxlocks = 0;
	return db->drv->exec(db, sql, e);
}

int db_begin(struct db *db, struct err *e)
{
	if (db->in_tx)
		return err_set(e, 500, "db.nested_tx", "事务嵌套", "nested transaction");
	if (db->drv->exec(db, db->drv->begin_sql, e) < 0)
		return -1;
	db->in_tx = 1;
	return 0;
}

int db_read_begin(struct db *db)
{
	struct err ignore = ERR_INIT;

	if (db->in_tx || !db->drv->begin_read_sql || db->drv->exec(db, db->drv->begin_read_sql, &ignore) < 0)
		return 0;
	db->in_tx = 1;
	return 1;
}

void db_read_end(struct db *db, int begun)
{
	struct err ignore = ERR_INIT;

	if (begun && db->in_tx) {
		db->drv->exec(db, "COMMIT", &ignore);
		db->in_tx = 0;
		db->nxlocks = 0;
	}
}

int db_commit(struct db *db, struct err *e)
{
	int r = db->drv->exec(db, "COMMIT", e);
	if (r < 0)
		db_rollback(db);
	db->in_tx = 0;
	db->nxlocks = 0;
	return r;
}

void db_rollback(struct db *db)
{
	struct err ignore = ERR_INIT;
	if (db->in_tx)
		db->drv->exec(db, "ROLLBACK", &ignore);
	db->in_tx = 0;
	db->nxlocks = 0;
}

int db_in_tx(const struct db *db)
{
	return db->in_tx;
}

int db_lock_xact(struct db *db, int64_t key, struct err *e)
{
	if (!db->in_tx)
		return err_set(e, 500, "db.no_tx", "加锁需要在事务中", "transaction lock outside a transaction");
	if (!db->drv->lock_xact)
		return 0;
	/* held already: the audit chain's lock is asked for once a record, so
	 * a writer batch asked PostgreSQL for it once a report (a round trip
	 * each) */
	for (int i = 0; i < db->nxlocks; i++)
		if (db->xlocks[i] == key)
			return 0;
	if (db->drv->lock_xact(db, key, e) < 0)
		return -1;
	if (db->nxlocks < DB_XLOCKS)
		db->xlocks[db->nxlocks++] = key;
	return 0;
}

/* ------------------------------------------------------------ migrations */

/* Expand @ID@, @BLOB@ and @NOROWID@ for this driver. Returns malloc'd SQL or NULL. */
static char *expand_tokens(const struct db_driver *drv, const char *sql)
{
	struct buf b;
	const char *p = sql;

	buf_init(&b, 1 << 20);
	while (*p) {
		if (str_starts_with(p, "@ID@")) {
			if (buf_adds(&b, drv->tok_id) < 0) goto fail;
			p += 4;
		} else if (str_starts_with(p, "@BLOB@")) {
			if (buf_adds(&b, drv->tok_blob) < 0) goto fail;
			p += 6;
		} else if (str_starts_with(p, "@NOROWID@")) {
			if (buf_adds(&b, drv->tok_norowid) < 0) goto fail;
			p += 9;
		} else {
			if (buf_add(&b, p, 1) < 0) goto fail;
			p++;
		}
	}
	return buf_detach(&b, NULL);
fail:
	buf_release(&b);
	return NULL;
}

int db_schema_version(struct db *db, int *out, struct err *e)
{
	struct db_stmt *st = NULL;
	int ret = -1;

	if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
	                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)", e) < 0)
		return -1;
	if (db_prepare(db, "SELECT COALESCE(MAX(version), 0) FROM schema_version", &st, e) < 0)
		return -1;
	if (db_step(st, e) != DB_ROW)
		goto out;
	*out = (int)db_col_int64(st, 0);
	ret = 0;
out:
	db_finalize(st);
	return ret;
}

static int migrate_locked(struct db *db, struct err *e);

int db_migrate(struct db *db, struct err *e)
{
	int ret;

	if (db->drv->migrate_lock_sql && db_exec(db, db->drv->migrate_lock_sql, e) < 0)
		return -1;
	ret = migrate_locked(db, e);
	if (db->drv->migrate_unlock_sql) {
		struct err ignore = ERR_INIT;
		db_exec(db, db->drv->migrate_unlock_sql, &ignore);
	}
	return ret;
}

/* db_migrate() with other instances kept out. */
static int migrate_locked(struct db *db, struct err *e)
{
	int have, i;

	if (db_schema_version(db, &have, e) < 0)
		return -1;
	for (i = 0; i < db_nmigrations; i++) {
		const struct db_migration *m = &db_migrations[i];
		struct db_stmt *st = NULL;
		char *sql, ts[TIME_ISO_MAX];

		if (m->version <= have)
			continue;
		if (!(sql = expand_tokens(db->drv, m->sql)))
			return err_set(e, 500, "db.migrate", "迁移脚本过大", "migration script too large");
		if (db_begin(db, e) < 0) {
			free(sql);
			return -1;
		}
		if (db_exec(db, sql, e) < 0 ||
		    db_prepare(db, "INSERT INTO schema_version (version, name, applied_at) "
		                   "VALUES (?, ?, ?)", &st, e) < 0) {
			free(sql);
			db_rollback(db);
			return -1;
		}
		free(sql);
		db_bind_int64(st, 1, m->version);
		db_bind_text(st, 2, m->name);
		time_iso_now(ts);
		db_bind_text(st, 3, ts);
		if (db_step(st, e) != DB_DONE) {
			db_finalize(st);
			db_rollback(db);
			return -1;
		}
		db_finalize(st);
		if (db_commit(db, e) < 0)
			return -1;
	}
	return 0;
}

int db_sync_identity(struct db *db, const char *table, const char *column, struct err *e)
{
	char sql[512];

	if (!db->drv->sync_identity_sql)
		return 0;
	for (const char *p = table; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return err_set(e, 500, "db.bad_identifier", "标识符无效", "bad identifier '%s'", table);
	for (const char *p = column; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return err_set(e, 500, "db.bad_identifier", "标识符无效", "bad identifier '%s'", column);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	snprintf(sql, sizeof(sql), db->drv->sync_identity_sql, table, column, column, table);
#pragma GCC diagnostic pop
	return db_exec(db, sql, e);
}

/* ------------------------------------------------- between instances */

static int channel_ok(const char *c, struct err *e)
{
	size_t n = c ? strlen(c) : 0;
	if (n == 0 || n > 48)
		goto bad;
	for (size_t i = 0; i < n; i++)
		if (!((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= '0' && c[i] <= '9') || c[i] == '_'))
			goto bad;
	return 0;
bad:
	return err_set(e, 400, "db.bad_channel", "通知通道名无效", "invalid notification channel '%.64s'",
	               c ? c : "");
}

int db_notify(struct db *db, const char *channel, const char *payload, struct err *e)
{
	if (channel_ok(channel, e) < 0)
		return -1;
	if (payload && strlen(payload) > 7900)
		return err_set(e, 400, "db.payload_too_big", "通知内容过长", "notification payload too long");
	return db->drv->notify ? db->drv->notify(db, channel, payload ? payload : "", e) : 0;
}

int db_listen(struct db *db, const char *channel, struct err *e)
{
	if (channel_ok(channel, e) < 0)
		return -1;
	return db->drv->listen ? db->drv->listen(db, channel, e) : 0;
}

int db_wait_notification(struct db *db, int timeout_ms, char *channel, size_t cn,
                         char *payload, size_t pn, struct err *e)
{
	return db->drv->wait_notification(db, timeout_ms, channel, cn, payload, pn, e);
}

int db_try_lock(struct db *db, int64_t key, int *got, struct err *e)
{
	return db->drv->try_lock(db, key, got, e);
}

int db_unlock(struct db *db, int64_t key, struct err *e)
{
	return db->drv->unlock(db, key, e);
}

/* ------------------------------------------------------- WAL checkpoints */

int db_set_background_checkpoint(struct db *db, int on, struct err *e)
{
	return db->drv->background_checkpoint ? db->drv->background_checkpoint(db, on, e) : 0;
}

void db_checkpoint_stats(struct db *db, struct db_checkpoint_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (db && db->drv->checkpoint_stats)
		db->drv->checkpoint_stats(db, out);
}

/* ------------------------------------------------------------------ pool */

struct db_pool {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int n, nfree;
	struct db **all;
	struct db **free;
};

int db_pool_open(const char *url, int n, struct db_pool **out, struct err *e)
{
	struct db_pool *p = calloc(1, sizeof(*p));

	if (!p || n < 1)
		goto fail;
	p->all = calloc((size_t)n, sizeof(*p->all));
	p->free = calloc((size_t)n, sizeof(*p->free));
	if (!p->all || !p->free)
		goto fail;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	for (p->n = 0; p->n < n; p->n++) {
		if (db_open(url, &p->all[p->n], e) < 0) {
			db_pool_close(p);
			return -1;
		}
		p->free[p->nfree++] = p->all[p->n];
	}
	*out = p;
	return 0;
fail:
	if (p) {
		free(p->all);
		free(p->free);
		free(p);
	}
	return err_set(e, 500, "db.pool", "无法创建数据库连接池", "cannot create database pool");
}

void db_pool_close(struct db_pool *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->n; i++)
		db_close(p->all[i]);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->all);
	free(p->free);
	free(p);
}

struct db *db_pool_get(struct db_pool *p)
{
	struct db *db;

	pthread_mutex_lock(&p->mu);
	while (p->nfree == 0)
		pthread_cond_wait(&p->cv, &p->mu);
	db = p->free[--p->nfree];
	pthread_mutex_unlock(&p->mu);
	if (db->drv->check)
		db->drv->check(db);   /* reconnect after a server restart; errors surface on use */
	return db;
}

void db_pool_put(struct db_pool *p, struct db *db)
{
	if (!db)
		return;
	if (db->in_tx)
		db_rollback(db);
	pthread_mutex_lock(&p->mu);
	p->free[p->nfree++] = db;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}
