/*
 * db_sqlite.c - the SQLite driver of the db interface (the embedded default).
 *
 * Opens the file in WAL mode with foreign keys on, a busy timeout so that
 * concurrent writers wait instead of failing, and synchronous=FULL so that an
 * acknowledged commit survives power loss. Maps SQLite result codes onto
 * the interface's errors.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <sys/file.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "store/db_int.h"
#include "lib/str.h"
#include "lib/banned.h"

#define SQLITE_MAX_LOCKS 8

struct sqlite_db {
	struct db base;
	sqlite3 *h;
	char path[1024];                 /* the database file, for lock files */
	int64_t lock_key[SQLITE_MAX_LOCKS];
	int lock_fd[SQLITE_MAX_LOCKS];   /* -1 when free */
	int nlocks;
	sqlite3_stmt *ctl[4];            /* ctl_sql, prepared once (s_exec) */
};

/* Transaction control runs twice or more a request (a read snapshot, the
 * session check, each writer batch): prepared once a connection instead of
 * parsed by sqlite3_exec each time. */
static const char *const ctl_sql[4] = {"BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"};

struct sqlite_stmt {
	struct db_stmt base;
	sqlite3_stmt *h;
};

#define SDB(d)  ((struct sqlite_db *)(d))
#define SST(s)  (((struct sqlite_stmt *)(s))->h)

static int fail(sqlite3 *h, int rc, struct err *e)
{
	const char *m = h ? sqlite3_errmsg(h) : sqlite3_errstr(rc);
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return err_set(e, 409, "db.constraint", "数据约束冲突：%s", "constraint violated: %s", m);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return err_set(e, 503, "db.busy", "数据库繁忙，请稍后重试", "database busy: %s", m);
	case SQLITE_FULL:
		return err_set(e, 507, "db.full", "磁盘空间不足", "disk full: %s", m);
	case SQLITE_CANTOPEN:
	case SQLITE_NOTADB:
		return err_set(e, 503, "db.open", "无法打开数据库：%s", "cannot open database: %s", m);
	default:
		return err_set(e, 500, "db.error", "数据库错误：%s", "database error: %s", m);
	}
}

/* Process-wide settings, once, before the library initialises: no memory
 * statistics (they take a global mutex on every allocation, which showed
 * up as lock contention at a few thousand writes a second). */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static void s_config(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_initialize();
}

static int s_open(const char *url, struct db **out, struct err *e)
{
	struct sqlite_db *d = calloc(1, sizeof(*d));
	const char *path = str_starts_with(url, "sqlite:") ? url + 7 : url;
	int rc;

	pthread_once(&config_once, s_config);
	if (!d)
		return err_set(e, 500, "db.oom", "内存不足", "out of memory");
	d->base.drv = &db_sqlite_driver;
	str_copy(d->path, sizeof(d->path), path);
	rc = sqlite3_open_v2(path, &d->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                     SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		fail(d->h, rc, e);
		sqlite3_close(d->h);
		free(d);
		return -1;
	}
	sqlite3_busy_timeout(d->h, 10000);
	sqlite3_extended_result_codes(d->h, 1);
	rc = sqlite3_exec(d->h,
		"PRAGMA journal_mode=WAL;"
		"PRAGMA synchronous=FULL;"
		"PRAGMA foreign_keys=ON;"
		"PRAGMA temp_store=MEMORY;"
		"PRAGMA cache_size=-32000;"
		/* Checkpoint every 10,000 WAL pages (~40 MB) instead of 1,000: a
		 * page written by many commits in between (the ends of the
		 * append-only indexes, the district's KPI rows) is copied into the
		 * database once per checkpoint, so report intake spends ~20 % less
		 * writer CPU a report (docs/performance.md, "Report intake"). The
		 * WAL file stays about that size; recovery after a crash reads it. */
		"PRAGMA wal_autocheckpoint=10000;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		fail(d->h, rc, e);
		sqlite3_close(d->h);
		free(d);
		return -1;
	}
	*out = &d->base;
	return 0;
}

static void s_close(struct db *db)
{
	struct sqlite_db *d = SDB(db);
	for (int i = 0; i < d->nlocks; i++)
		if (d->lock_fd[i] >= 0)
			close(d->lock_fd[i]);
	for (int i = 0; i < 4; i++)
		sqlite3_finalize(d->ctl[i]);
	sqlite3_close(d->h);
	free(db);
}

static int s_prepare(struct db *db, const char *sql, struct db_stmt **out, struct err *e)
{
	struct sqlite_stmt *st = calloc(1, sizeof(*st));
	int rc;

	if (!st)
		return err_set(e, 500, "db.oom", "内存不足", "out of memory");
	rc = sqlite3_prepare_v3(SDB(db)->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->h, NULL);
	if (rc != SQLITE_OK) {
		fail(SDB(db)->h, rc, e);
		free(st);
		return -1;
	}
	*out = &st->base;
	return 0;
}

static void s_finalize(struct db_stmt *st)
{
	sqlite3_finalize(SST(st));
	free(st);
}

static int ok(int rc) { return rc == SQLITE_OK ? 0 : -1; }
static int s_bind_int64(struct db_stmt *st, int i, int64_t v) { return ok(sqlite3_bind_int64(SST(st), i, v)); }
static int s_bind_double(struct db_stmt *st, int i, double v) { return ok(sqlite3_bind_double(SST(st), i, v)); }
static int s_bind_text(struct db_stmt *st, int i, const char *s)
{
	return ok(s ? sqlite3_bind_text(SST(st), i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(SST(st), i));
}
static int s_bind_blob(struct db_stmt *st, int i, const void *p, size_t n)
{
	return ok(sqlite3_bind_blob64(SST(st), i, p, n, SQLITE_TRANSIENT));
}
static int s_bind_null(struct db_stmt *st, int i) { return ok(sqlite3_bind_null(SST(st), i)); }

static enum db_step s_step(struct db_stmt *st, struct err *e)
{
	int rc = sqlite3_step(SST(st));
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	fail(SDB(st->db)->h, rc, e);
	sqlite3_reset(SST(st));
	return DB_ERROR;
}

static void s_reset(struct db_stmt *st)
{
	sqlite3_reset(SST(st));
	sqlite3_clear_bindings(SST(st));
}

static int64_t s_col_int64(struct db_stmt *st, int i) { return sqlite3_column_int64(SST(st), i); }
static double s_col_double(struct db_stmt *st, int i) { return sqlite3_column_double(SST(st), i); }
static const char *s_col_text(struct db_stmt *st, int i) { return (const char *)sqlite3_column_text(SST(st), i); }
static const void *s_col_blob(struct db_stmt *st, int i, size_t *n)
{
	const void *p = sqlite3_column_blob(SST(st), i);
	*n = (size_t)sqlite3_column_bytes(SST(st), i);
	return p;
}
static int s_col_is_null(struct db_stmt *st, int i) { return sqlite3_column_type(SST(st), i) == SQLITE_NULL; }

static int s_exec(struct db *db, const char *sql, struct err *e)
{
	struct sqlite_db *d = SDB(db);
	int rc;

	for (int i = 0; i < 4; i++) {
		if (strcmp(sql, ctl_sql[i]) != 0)
			continue;
		if (!d->ctl[i] && (rc = sqlite3_prepare_v3(d->h, sql, -1, SQLITE_PREPARE_PERSISTENT,
		                                           &d->ctl[i], NULL)) != SQLITE_OK)
			return fail(d->h, rc, e);
		rc = sqlite3_step(d->ctl[i]);
		rc = rc == SQLITE_DONE ? 0 : fail(d->h, rc, e);    /* the message before the reset */
		sqlite3_reset(d->ctl[i]);
		return rc;
	}
	rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : fail(d->h, rc, e);
}

/* --------------------------------------------- notifications and locks */

static int s_wait_notification(struct db *db, int timeout_ms, char *channel, size_t cn,
                               char *payload, size_t pn, struct err *e)
{
	if (timeout_ms > 0)
		usleep((useconds_t)timeout_ms * 1000u);
	return 0;
}

static int s_try_lock(struct db *db, int64_t key, int *got, struct err *e)
{
	struct sqlite_db *d = SDB(db);
	char path[1100];
	int fd, i;

	*got = 0;
	for (i = 0; i < d->nlocks; i++)
		if (d->lock_key[i] == key && d->lock_fd[i] >= 0) {
			*got = 1;
			return 0;
		}
	if (d->nlocks >= SQLITE_MAX_LOCKS)
		return err_set(e, 500, "db.locks", "锁过多", "too many locks");
	snprintf(path, sizeof(path), "%s.lock%lld", d->path, (long long)key);
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return err_set(e, 500, "db.lock", "无法打开锁文件", "cannot open lock file '%s'", path);
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		return 0;
	}
	d->lock_key[d->nlocks] = key;
	d->lock_fd[d->nlocks] = fd;
	d->nlocks++;
	*got = 1;
	return 0;
}

static int s_unlock(struct db *db, int64_t key, struct err *e)
{
	struct sqlite_db *d = SDB(db);
	for (int i = 0; i < d->nlocks; i++)
		if (d->lock_key[i] == key && d->lock_fd[i] >= 0) {
			close(d->lock_fd[i]);
			d->lock_fd[i] = d->lock_fd[--d->nlocks];
			d->lock_key[i] = d->lock_key[d->nlocks];
			return 0;
		}
	return 0;
}

const struct db_driver db_sqlite_driver = {
	.name = "sqlite",
	.schemes = {"sqlite:"},
	.tok_id = "INTEGER PRIMARY KEY",
	.tok_blob = "BLOB",
	.tok_norowid = " WITHOUT ROWID",
	.open = s_open,
	.close = s_close,
	.prepare = s_prepare,
	.finalize = s_finalize,
	.bind_int64 = s_bind_int64,
	.bind_double = s_bind_double,
	.bind_text = s_bind_text,
	.bind_blob = s_bind_blob,
	.bind_null = s_bind_null,
	.step = s_step,
	.reset = s_reset,
	.col_int64 = s_col_int64,
	.col_double = s_col_double,
	.col_text = s_col_text,
	.col_blob = s_col_blob,
	.col_is_null = s_col_is_null,
	.exec = s_exec,
	.begin_sql = "BEGIN IMMEDIATE",
	/* each statement outside a transaction takes and drops its own WAL
	 * snapshot (locks, the wal-index header): one for a run of reads */
	.begin_read_sql = "BEGIN",
	.wait_notification = s_wait_notification,
	.try_lock = s_try_lock,
	.unlock = s_unlock,
};
