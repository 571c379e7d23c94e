/*
 * db_sqlite.c - the SQLite driver of the db interface (the embedded default).
 *
 * Opens the file in WAL mode with foreign keys on, a busy timeout so that
 * concurrent writers wait instead of failing, and synchronous=FULL so that an
 * acknowledged commit survives power loss. Maps SQLite result codes onto
 * the interface's errors. The connections of one process to one file
 * write in turn, first come first served ("The write turnstile" below). A
 * connection may hand its WAL checkpoints to a thread of its own
 * (db_set_background_checkpoint, "Background checkpoints" below).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include "store/db_int.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/banned.h"

#define SQLITE_MAX_LOCKS 8
/* SQLite's own checkpoint size where no background checkpointer runs (the
 * command-line tools, the server's pool): see s_open */
#define WAL_AUTOCHECKPOINT 10000
/* How long a connection waits for its turn to write, then for SQLite's
 * lock (the busy timeout), before the caller gets 503 db.busy. */
#define WAIT_MS 10000

struct sqlite_ckpt;
struct turnstile;

struct sqlite_db {
	struct db base;
	sqlite3 *h;
	char path[1024];                 /* the database file, for lock files */
	int64_t lock_key[SQLITE_MAX_LOCKS];
	int lock_fd[SQLITE_MAX_LOCKS];   /* -1 when free */
	int nlocks;
	sqlite3_stmt *ctl[4];            /* ctl_sql, prepared once (s_exec) */
	struct sqlite_ckpt *ckpt;        /* background checkpointer, or NULL */
	struct turnstile *turn;          /* the file's write turnstile, or NULL (":memory:") */
	int has_turn;                    /* this connection holds it */
	int wait_ms;
	/* what it did, for db_checkpoint_stats() from any thread */
	_Atomic uint64_t n_background, n_catchup, n_inline, n_restarts;
	_Atomic int64_t wal_pages;
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

/* ------------------------------------------------ the write turnstile
 * SQLite lets one connection write a file at a time; the others wait in
 * its busy handler, which polls the lock with sleeps of growing length.
 * Beside the event writer, whose batches take the lock back to back, a
 * pool connection's write lost again and again: a log-in took up to 1.1 s
 * under a report load instead of ~90 ms. And when the writer lost, it
 * slept a poll step longer than the other's transaction.
 *
 * So in one process the connections to one file take a turn first: BEGIN
 * IMMEDIATE waits here, in arrival order, and the COMMIT or ROLLBACK that
 * ends the transaction hands the turn to the longest waiter. A writer
 * waits at most for the transactions queued before it. The wait is
 * bounded by the busy timeout, as SQLite's own is: a thread that holds the
 * turn and waits for another connection's write (which never happens in
 * the code, and would wait for SQLite's lock just the same) gets 503
 * db.busy instead of hanging. Other processes (the command-line tools)
 * still meet at SQLite's lock. One mutex serves every turnstile: it is
 * held for a few instructions twice a transaction. */

struct turn_waiter {
	struct turn_waiter *next;
	pthread_cond_t cv;
	int granted;
};

struct turnstile {
	char path[1024];
	int refs;                        /* connections open on the file */
	int held;
	int waiters;
	struct turn_waiter *head, *tail;
	struct turnstile *next;
};

static pthread_mutex_t turn_mu = PTHREAD_MUTEX_INITIALIZER;
static struct turnstile *turns;

/* The turnstile of the file at path (made absolute), shared by every
 * connection to it; NULL for a database in memory or when out of memory. */
static struct turnstile *turn_get(const char *path)
{
	char real[PATH_MAX];
	struct turnstile *t;

	if (!*path || !strcmp(path, ":memory:"))
		return NULL;
	if (!realpath(path, real))
		str_copy(real, sizeof(real), path);
	pthread_mutex_lock(&turn_mu);
	for (t = turns; t; t = t->next)
		if (!strcmp(t->path, real))
			break;
	if (!t && (t = calloc(1, sizeof(*t)))) {
		str_copy(t->path, sizeof(t->path), real);
		t->next = turns;
		turns = t;
	}
	if (t)
		t->refs++;
	pthread_mutex_unlock(&turn_mu);
	return t;
}

static void turn_put(struct turnstile *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&turn_mu);
	if (--t->refs == 0) {
		struct turnstile **pp = &turns;

		while (*pp != t)
			pp = &(*pp)->next;
		*pp = t->next;
		free(t);
	}
	pthread_mutex_unlock(&turn_mu);
}

/* Wait for the turn, at most ms: 0, or -1 on time-out. */
static int turn_take(struct turnstile *t, int ms)
{
	struct turn_waiter w = {0};
	pthread_condattr_t ca;
	struct timespec until;
	int rc = 0;

	pthread_mutex_lock(&turn_mu);
	if (!t->held && !t->head) {
		t->held = 1;
		pthread_mutex_unlock(&turn_mu);
		return 0;
	}
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w.cv, &ca);
	pthread_condattr_destroy(&ca);
	if (t->tail)
		t->tail->next = &w;
	else
		t->head = &w;
	t->tail = &w;
	t->waiters++;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	while (!w.granted) {
		if (pthread_cond_timedwait(&w.cv, &turn_mu, &until) == ETIMEDOUT && !w.granted) {
			struct turn_waiter **pp = &t->head, *prev = NULL;

			while (*pp != &w) {
				prev = *pp;
				pp = &(*pp)->next;
			}
			*pp = w.next;
			if (t->tail == &w)
				t->tail = prev;
			t->waiters--;
			rc = -1;
			break;
		}
	}
	pthread_mutex_unlock(&turn_mu);
	pthread_cond_destroy(&w.cv);
	return rc;
}

/* Hand the turn to the longest waiter, or free it. */
static void turn_give(struct turnstile *t)
{
	struct turn_waiter *w;

	pthread_mutex_lock(&turn_mu);
	if ((w = t->head)) {
		t->head = w->next;
		if (!t->head)
			t->tail = NULL;
		t->waiters--;
		w->granted = 1;                 /* t->held stays: the turn passes on */
		pthread_cond_signal(&w->cv);
	} else {
		t->held = 0;
	}
	pthread_mutex_unlock(&turn_mu);
}

/* After a statement that may have ended the transaction: give the turn
 * back once the connection is out of it. */
static void turn_check(struct sqlite_db *d)
{
	if (d->has_turn && sqlite3_get_autocommit(d->h)) {
		d->has_turn = 0;
		turn_give(d->turn);
	}
}

int db_sqlite_turn_waiters(struct db *db)
{
	struct turnstile *t = db->drv == &db_sqlite_driver ? SDB(db)->turn : NULL;
	int n = 0;

	if (t) {
		pthread_mutex_lock(&turn_mu);
		n = t->waiters;
		pthread_mutex_unlock(&turn_mu);
	}
	return n;
}

void db_sqlite_set_wait_ms(struct db *db, int ms)
{
	if (db->drv != &db_sqlite_driver)
		return;
	SDB(db)->wait_ms = ms;
	sqlite3_busy_timeout(SDB(db)->h, ms);
}

/* ------------------------------------------------------------------ */

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
	d->wait_ms = WAIT_MS;
	sqlite3_busy_timeout(d->h, d->wait_ms);
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
		 * WAL file stays about that size; recovery after a crash reads it.
		 * The event writer's connection checkpoints on a thread instead
		 * (db_set_background_checkpoint). Keep in step with
		 * WAL_AUTOCHECKPOINT. */
		"PRAGMA wal_autocheckpoint=10000;", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		fail(d->h, rc, e);
		sqlite3_close(d->h);
		free(d);
		return -1;
	}
	d->turn = turn_get(path);
	*out = &d->base;
	return 0;
}

static void ckpt_stop(struct sqlite_db *d);

static void s_close(struct db *db)
{
	struct sqlite_db *d = SDB(db);

	ckpt_stop(d);
	for (int i = 0; i < d->nlocks; i++)
		if (d->lock_fd[i] >= 0)
			close(d->lock_fd[i]);
	for (int i = 0; i < 4; i++)
		sqlite3_finalize(d->ctl[i]);
	sqlite3_close(d->h);
	if (d->has_turn)                 /* closed inside a transaction: it rolled back */
		turn_give(d->turn);
	turn_put(d->turn);
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
		if (i == 1 && d->turn && !d->has_turn) {        /* BEGIN IMMEDIATE */
			if (turn_take(d->turn, d->wait_ms) < 0)
				return err_set(e, 503, "db.busy", "数据库繁忙，请稍后重试",
				               "database busy: no turn to write in %d ms", d->wait_ms);
			d->has_turn = 1;
		}
		rc = sqlite3_step(d->ctl[i]);
		rc = rc == SQLITE_DONE ? 0 : fail(d->h, rc, e);    /* the message before the reset */
		sqlite3_reset(d->ctl[i]);
		turn_check(d);
		return rc;
	}
	rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);
	rc = rc == SQLITE_OK ? 0 : fail(d->h, rc, e);
	turn_check(d);
	return rc;
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

/* ------------------------------------------------- Background checkpoints */

/*
 * A checkpoint copies the newest version of every page in the WAL back into
 * the database file and, once it has reached the end of the WAL, syncs that
 * file. SQLite runs one inside the COMMIT that leaves the WAL longer than
 * wal_autocheckpoint pages, on the committing thread: for the event writer
 * ~40 MB copied and synced while every request of the next batches waited,
 * the main part of report intake's p99 (docs/performance.md).
 *
 * db_set_background_checkpoint() replaces that, for one connection, with a
 * WAL hook (sqlite3_wal_hook: called after each of the connection's commits,
 * the write lock already released, with the WAL's length in pages) and a
 * thread, "wg-checkpoint", with a connection of its own that runs PASSIVE
 * checkpoints (sqlite3_wal_checkpoint_v2): they copy the frames no reader
 * still needs, never wait for a lock and never invoke the busy handler, so
 * the writer keeps committing meanwhile.
 *
 * Copying is not all: the WAL file only starts over from its beginning when
 * a writer begins a transaction while every frame is in the database (the
 * last checkpoint reached the WAL's end) and then, at its first frame, finds
 * no reader holding a snapshot of the WAL; otherwise the commit appends. A
 * checkpoint running beside a writer that commits back to back never ends
 * at the WAL's end (the writer appended while it copied), so under steady
 * load the WAL would only grow. Hence the rule, on WAL pages (the limits in
 * db_sqlite_ckpt_limits):
 *
 *   >= signal    a commit wakes the idle thread when at least `step` frames
 *                are not yet in the database. The thread runs passes until
 *                one reaches the WAL's end (the writer's next transaction
 *                then starts the WAL over), one makes no progress (a reader
 *                holds the rest), or CKPT_PASSES have run; after a pass that
 *                stopped short it syncs the database file itself, so that
 *                the last, complete checkpoint has little left to sync.
 *   >= restart   the thread is idle and fewer than `step` frames are left:
 *                the committing connection copies them itself (a catch-up:
 *                a batch or two of pages and one small sync) so that its
 *                next transaction starts the WAL over. Only under steady
 *                load: with pauses between commits the thread's passes reach
 *                the end before the WAL is this long.
 *   >= hard      the thread cannot keep up: the committing connection waits
 *                for the thread's pass and checkpoints inline, as SQLite's
 *                autocheckpoint did, which also slows the writer down to
 *                what the disk takes. A reader that holds a snapshot for
 *                long pins the WAL whoever checkpoints.
 *
 * One checkpoint runs at a time (SQLite's checkpoint lock; `busy` below keeps
 * the thread and the connection from colliding on it). Other connections
 * (the pool, the command-line tools) keep SQLite's autocheckpoint.
 */

#define CKPT_PASSES 4                    /* passes per wake-up at most */

struct db_sqlite_ckpt_limits db_sqlite_ckpt_limits = {
	.signal = 4000,                  /* 16 MB of 4 KB pages */
	.step = 250,                     /* a catch-up copies at most this: ~1 MB, ~3 ms */
	.restart = 8000,
	.hard = 50000,                   /* 200 MB */
};

struct sqlite_ckpt {
	struct sqlite_db *d;             /* the connection whose WAL it checkpoints */
	sqlite3 *h;                      /* the thread's own connection */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t wake;             /* want or stop set */
	pthread_cond_t idle;             /* busy cleared */
	struct db_sqlite_ckpt_limits lim;
	int want;                        /* the hook asks for passes */
	int busy;                        /* the thread or the hook is checkpointing */
	int stop;
	unsigned gen;                    /* WAL restarts seen by the hook */
	int backfilled;                  /* frames of this WAL (gen) known to be in the database */
	int last_pages;                  /* the hook's previous WAL length */
};

/* Sync the database file through the thread's connection: SQLite syncs it
 * only after a checkpoint that reached the WAL's end. Not with an fd of our
 * own: closing any descriptor of the file drops the process's POSIX locks
 * on it, SQLite's included. */
static void ckpt_sync_db(sqlite3 *h)
{
	sqlite3_file *f = NULL;

	if (sqlite3_file_control(h, "main", SQLITE_FCNTL_FILE_POINTER, &f) == SQLITE_OK &&
	    f && f->pMethods)
		f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
}

static void *ckpt_main(void *arg)
{
	struct sqlite_ckpt *c = arg;
	int last_rc = SQLITE_OK;

	pthread_mutex_lock(&c->mu);
	for (;;) {
		while (!c->want && !c->stop)
			pthread_cond_wait(&c->wake, &c->mu);
		if (c->stop)
			break;
		c->want = 0;                 /* busy stays set until the passes end */
		for (int pass = 0; pass < CKPT_PASSES && !c->stop; pass++) {
			unsigned gen = c->gen;
			int before = c->backfilled, log = -1, done = -1, rc;

			pthread_mutex_unlock(&c->mu);
			rc = sqlite3_wal_checkpoint_v2(c->h, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
			if (rc == SQLITE_OK && done > before && done < log)
				ckpt_sync_db(c->h);
			pthread_mutex_lock(&c->mu);
			if (rc != SQLITE_OK || log < 0) {
				/* SQLITE_BUSY: another connection is checkpointing
				 * (a pool connection's autocheckpoint, another
				 * process); errors are logged once each, the
				 * backstop keeps the WAL bounded meanwhile */
				if (rc != SQLITE_BUSY && rc != last_rc)
					log_warn("checkpoint of '%s' failed: %s", c->d->path,
					         rc != SQLITE_OK ? sqlite3_errstr(rc) : "not in WAL mode");
				last_rc = rc;
				break;
			}
			last_rc = rc;
			atomic_fetch_add(&c->d->n_background, 1);
			if (gen != c->gen)
				break;               /* the WAL started over meanwhile */
			c->backfilled = done;
			if (done >= log || done <= before)
				break;               /* at the end, or readers hold the rest */
		}
		c->busy = 0;
		pthread_cond_broadcast(&c->idle);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* The WAL hook of a connection with a background checkpointer: runs on the
 * committing thread after each commit, `pages` the WAL's length. Always
 * SQLITE_OK: the commit has happened; a checkpoint that failed is tried
 * again after a later commit. */
static int ckpt_hook(void *arg, sqlite3 *h, const char *name, int pages)
{
	struct sqlite_db *d = arg;
	struct sqlite_ckpt *c = d->ckpt;
	_Atomic uint64_t *count = NULL;  /* set when this connection checkpoints */
	int log = -1, done = -1, left, rc;
	unsigned gen;

	atomic_store(&d->wal_pages, pages);
	pthread_mutex_lock(&c->mu);
	if (pages < c->last_pages) {     /* the WAL started over */
		c->gen++;
		c->backfilled = 0;
		atomic_fetch_add(&d->n_restarts, 1);
	}
	c->last_pages = pages;
	/* an estimate from before a restart this hook did not see (another
	 * connection restarted the WAL and wrote more than we had): start anew */
	if (c->backfilled > pages)
		c->backfilled = 0;
	left = pages - c->backfilled;
	if (pages >= c->lim.hard) {
		while (c->busy)
			pthread_cond_wait(&c->idle, &c->mu);
		count = &d->n_inline;
	} else if (pages >= c->lim.signal && !c->busy && left > 0) {
		if (left >= c->lim.step) {
			c->want = c->busy = 1;
			pthread_cond_signal(&c->wake);
		} else if (pages >= c->lim.restart) {
			count = &d->n_catchup;
		}
	}
	if (!count) {
		pthread_mutex_unlock(&c->mu);
		return SQLITE_OK;
	}
	c->busy = 1;                     /* the thread stays out meanwhile */
	gen = c->gen;
	pthread_mutex_unlock(&c->mu);

	rc = sqlite3_wal_checkpoint_v2(h, name, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
	atomic_fetch_add(count, 1);

	pthread_mutex_lock(&c->mu);
	if (rc == SQLITE_OK && done >= 0 && gen == c->gen)
		c->backfilled = done;
	c->busy = 0;
	pthread_cond_broadcast(&c->idle);
	pthread_mutex_unlock(&c->mu);
	return SQLITE_OK;
}

/* Stop the checkpointer of d, if any, and give the connection SQLite's
 * autocheckpoint back. */
static void ckpt_stop(struct sqlite_db *d)
{
	struct sqlite_ckpt *c = d->ckpt;

	if (!c)
		return;
	pthread_mutex_lock(&c->mu);
	c->stop = 1;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->mu);
	pthread_join(c->thread, NULL);
	/* replaces our hook: SQLite's autocheckpoint is a WAL hook too */
	sqlite3_wal_autocheckpoint(d->h, WAL_AUTOCHECKPOINT);
	d->ckpt = NULL;
	sqlite3_close(c->h);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->wake);
	pthread_cond_destroy(&c->idle);
	free(c);
}

/* True when the connection's main database is a file in WAL mode. */
static int in_wal_mode(sqlite3 *h)
{
	const char *file = sqlite3_db_filename(h, "main");
	sqlite3_stmt *st = NULL;
	int wal = 0;

	if (!file || !*file)
		return 0;                    /* in memory, or a temporary database */
	if (sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		const char *mode = (const char *)sqlite3_column_text(st, 0);
		wal = mode && strcmp(mode, "wal") == 0;
	}
	sqlite3_finalize(st);
	return wal;
}

static int ckpt_start(struct sqlite_db *d, struct err *e)
{
	struct sqlite_ckpt *c;
	const char *file;
	int rc;

	if (d->ckpt || !in_wal_mode(d->h))
		return 0;
	if (!(c = calloc(1, sizeof(*c))))
		return err_set(e, 500, "db.oom", "内存不足", "out of memory");
	c->d = d;
	c->lim = db_sqlite_ckpt_limits;
	file = sqlite3_db_filename(d->h, "main");
	rc = sqlite3_open_v2(file, &c->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(c->h, WAIT_MS);
		/* it never writes rows, so no autocheckpoint of its own; its
		 * checkpoints sync as the writer's commits do; reading the mode
		 * opens the WAL, which a checkpoint needs */
		rc = sqlite3_exec(c->h, "PRAGMA synchronous=FULL;"
		                        "PRAGMA wal_autocheckpoint=0;"
		                        "PRAGMA journal_mode=WAL;", NULL, NULL, NULL);
	}
	if (rc != SQLITE_OK) {
		err_set(e, 500, "db.checkpoint", "无法启动后台检查点：%s",
		        "cannot start the background checkpointer: %s",
		        c->h ? sqlite3_errmsg(c->h) : sqlite3_errstr(rc));
		goto fail;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->wake, NULL);
	pthread_cond_init(&c->idle, NULL);
	if (pthread_create(&c->thread, NULL, ckpt_main, c) != 0) {
		pthread_mutex_destroy(&c->mu);
		pthread_cond_destroy(&c->wake);
		pthread_cond_destroy(&c->idle);
		err_set(e, 500, "db.checkpoint", "无法启动后台检查点线程",
		        "cannot start the checkpoint thread");
		goto fail;
	}
	/* named here rather than by the thread itself: it has the name as
	 * soon as this returns (top -H, the unit test) */
	pthread_setname_np(c->thread, "wg-checkpoint");
	d->ckpt = c;
	/* replaces SQLite's autocheckpoint on this connection */
	sqlite3_wal_hook(d->h, ckpt_hook, d);
	return 0;
fail:
	sqlite3_close(c->h);
	free(c);
	return -1;
}

static int s_background_checkpoint(struct db *db, int on, struct err *e)
{
	if (!on) {
		ckpt_stop(SDB(db));
		return 0;
	}
	return ckpt_start(SDB(db), e);
}

static void s_checkpoint_stats(struct db *db, struct db_checkpoint_stats *out)
{
	struct sqlite_db *d = SDB(db);

	out->background = atomic_load(&d->n_background);
	out->catchup = atomic_load(&d->n_catchup);
	out->inline_ = atomic_load(&d->n_inline);
	out->restarts = atomic_load(&d->n_restarts);
	out->wal_pages = atomic_load(&d->wal_pages);
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
	.background_checkpoint = s_background_checkpoint,
	.checkpoint_stats = s_checkpoint_stats,
};
