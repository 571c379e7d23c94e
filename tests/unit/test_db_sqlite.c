/*
 * test_db_sqlite.c - unit tests of the SQLite driver's background
 * checkpointer (src/store/db_sqlite.c, db_set_background_checkpoint):
 * switching it on and off, checkpoints on the thread "wg-checkpoint"
 * while one connection commits back to back beside short readers, a WAL
 * that keeps starting over instead of growing, every row there after
 * close and reopen, the inline backstop when a reader pins the WAL, and a
 * process killed with SIGKILL in the middle of it all; and the write
 * turnstile: connections write in the order they came, a turn not given in
 * time is 503 db.busy.
 *
 * The load tests run with small thresholds (db_sqlite_ckpt_limits), so that
 * many WAL cycles take a few seconds, and once with the server's own.
 * SQLite only: on PostgreSQL (WANGGE_TEST_PG) the call must be a no-op.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdatomic.h>
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include "store/db.h"
#include "store/db_int.h"      /* db_sqlite_ckpt_limits, db_sqlite_turn_waiters */
#include "testutil.h"
#include "lib/banned.h"

#define OK(call) do {                                                   \
	struct err e_ = ERR_INIT;                                       \
	if ((call) < 0)                                                 \
		fail_msg("%s: %d %s %s", #call, e_.status, e_.code, e_.msg_en); \
} while (0)

#define ROWS 2000              /* one 3,000-byte row a page: ~2,000 pages */
#define PER_TX 20              /* rows updated a transaction: ~20 WAL frames */
#define FRAME_BYTES (4096 + 24)
#define WAL_HEADER 32

static const struct db_sqlite_ckpt_limits SMALL = {
	.signal = 200, .step = 100, .restart = 400, .hard = 20000,
};

static int on_pg(void)
{
	return test_pg_admin() != NULL;
}

/* Threads of this process named `name` (/proc/self/task/N/comm). */
static int threads_named(const char *name)
{
	DIR *dir = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	assert_non_null(dir);
	while ((de = readdir(dir))) {
		char path[300], comm[32] = "";
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", de->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		if (fgets(comm, sizeof(comm), f))
			comm[strcspn(comm, "\n")] = 0;
		fclose(f);
		n += strcmp(comm, name) == 0;
	}
	closedir(dir);
	return n;
}

static int64_t query_int(struct db *db, const char *sql)
{
	struct db_stmt *st;
	struct err e = ERR_INIT;
	int64_t v;

	if (db_prepare(db, sql, &st, &e) < 0 || db_step(st, &e) != DB_ROW)
		fail_msg("%s: %s", sql, e.msg_en);
	v = db_col_int64(st, 0);
	db_finalize(st);
	return v;
}

static off_t wal_bytes(const char *path)
{
	char wal[TEST_URL_MAX + 8];
	struct stat sb;

	snprintf(wal, sizeof(wal), "%s-wal", path);
	return stat(wal, &sb) == 0 ? sb.st_size : -1;
}

/* ROWS rows of 3,000 random bytes, each with a counter v = 0; then an
 * empty WAL file, so that its length afterwards is the tests' doing. */
static void fill(struct db *db)
{
	OK(db_exec(db, "CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, b BLOB NOT NULL);"
	               "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
	               "INSERT INTO t SELECT i, 0, randomblob(3000) FROM n", &e_));
	assert_int_equal(query_int(db, "PRAGMA wal_checkpoint(TRUNCATE)"), 0);   /* not busy */
}

static const char SQL_BUMP[] = "UPDATE t SET v = v + 1, b = randomblob(3000) WHERE id = ?";

/* One transaction: PER_TX rows get new bytes and v + 1. */
static void bump(struct db *db, unsigned *seed)
{
	struct db_stmt *st;

	OK(db_begin(db, &e_));
	for (int i = 0; i < PER_TX; i++) {
		struct err e = ERR_INIT;

		OK(db_prepare_cached(db, SQL_BUMP, &st, &e_));
		db_bind_int64(st, 1, 1 + rand_r(seed) % ROWS);
		if (db_step(st, &e) != DB_DONE)
			fail_msg("update: %s", e.msg_en);
		db_finalize(st);
	}
	OK(db_commit(db, &e_));
}

/* ------------------------------------------------------- switching it */

static void test_on_off(void **state)
{
	struct test_db *f = *state;
	struct db *mem = NULL;
	struct db_checkpoint_stats s;
	int before = threads_named("wg-checkpoint");

	OK(db_set_background_checkpoint(f->db, 1, &e_));
	db_checkpoint_stats(f->db, &s);
	if (on_pg()) {                   /* PostgreSQL checkpoints by itself */
		assert_int_equal(threads_named("wg-checkpoint"), before);
		assert_int_equal(s.background + s.catchup + s.inline_ + s.restarts, 0);
		OK(db_set_background_checkpoint(f->db, 0, &e_));
		return;
	}
	assert_int_equal(threads_named("wg-checkpoint"), before + 1);
	/* the WAL hook replaced SQLite's autocheckpoint on this connection */
	assert_int_equal(query_int(f->db, "PRAGMA wal_autocheckpoint"), 0);
	OK(db_set_background_checkpoint(f->db, 1, &e_));   /* again: still one */
	assert_int_equal(threads_named("wg-checkpoint"), before + 1);
	OK(db_exec(f->db, "CREATE TABLE x (a INTEGER); INSERT INTO x VALUES (1)", &e_));
	db_checkpoint_stats(f->db, &s);
	assert_true(s.wal_pages > 0);    /* the hook saw the commit */

	OK(db_set_background_checkpoint(f->db, 0, &e_));
	assert_int_equal(threads_named("wg-checkpoint"), before);
	assert_int_equal(query_int(f->db, "PRAGMA wal_autocheckpoint"), 10000);
	OK(db_set_background_checkpoint(f->db, 0, &e_));   /* off twice is fine */

	/* on again, then db_close() stops it (the fixture closes) */
	OK(db_set_background_checkpoint(f->db, 1, &e_));
	assert_int_equal(threads_named("wg-checkpoint"), before + 1);

	/* no WAL file, no thread */
	OK(db_open(":memory:", &mem, &e_));
	OK(db_set_background_checkpoint(mem, 1, &e_));
	assert_int_equal(threads_named("wg-checkpoint"), before + 1);
	db_close(mem);
}

/* ------------------------------------------------------ steady load */

struct reader {
	const char *url;
	atomic_int stop;
	atomic_long reads;
};

/* Short read transactions, like the HTTP workers': each holds a WAL
 * snapshot for a moment. */
static void *reader_main(void *arg)
{
	struct reader *r = arg;
	struct db *db = NULL;
	struct err e = ERR_INIT;
	unsigned seed = 7;

	if (db_open(r->url, &db, &e) < 0)
		return NULL;
	while (!atomic_load(&r->stop)) {
		int begun = db_read_begin(db);
		struct db_stmt *st;

		for (int i = 0; i < 3; i++) {
			if (db_prepare_cached(db, "SELECT v FROM t WHERE id = ?", &st, &e) < 0)
				break;
			db_bind_int64(st, 1, 1 + rand_r(&seed) % ROWS);
			db_step(st, &e);
			db_finalize(st);
		}
		db_read_end(db, begun);
		atomic_fetch_add(&r->reads, 1);
		usleep(300);
	}
	db_close(db);
	return NULL;
}

/*
 * One connection commits `ntx` transactions back to back, with the
 * background checkpointer on and a reader beside it. The WAL must keep
 * starting over (it never ends at a checkpoint on its own under such load:
 * the catch-up does it), stay far below what was written, and every update
 * must be there after close and reopen, with the WAL file gone.
 */
static void steady_load(const char *url, const struct db_sqlite_ckpt_limits *lim, int ntx)
{
	struct db_sqlite_ckpt_limits saved = db_sqlite_ckpt_limits;
	struct reader r = {.url = url};
	struct db_checkpoint_stats s;
	struct db *db = NULL;
	pthread_t rt;
	unsigned seed = 42;
	int64_t frames = 0, last = 0, max_pages = 0;
	off_t max_bytes = 0;

	OK(db_open(url, &db, &e_));
	fill(db);
	db_sqlite_ckpt_limits = *lim;
	OK(db_set_background_checkpoint(db, 1, &e_));
	db_sqlite_ckpt_limits = saved;
	assert_int_equal(pthread_create(&rt, NULL, reader_main, &r), 0);

	for (int i = 0; i < ntx; i++) {
		off_t bytes;

		bump(db, &seed);
		db_checkpoint_stats(db, &s);
		/* frames written: the growth, or the whole WAL after a restart */
		frames += s.wal_pages >= last ? s.wal_pages - last : s.wal_pages;
		last = s.wal_pages;
		if (s.wal_pages > max_pages)
			max_pages = s.wal_pages;
		if ((bytes = wal_bytes(url)) > max_bytes)
			max_bytes = bytes;
	}
	atomic_store(&r.stop, 1);
	pthread_join(rt, NULL);
	db_checkpoint_stats(db, &s);
	print_message("  %d transactions, %lld frames written, WAL at most %lld pages (%lld bytes); "
	              "%llu background passes, %llu catch-ups, %llu inline, %llu restarts; %ld reads\n",
	              ntx, (long long)frames, (long long)max_pages, (long long)max_bytes,
	              (unsigned long long)s.background, (unsigned long long)s.catchup,
	              (unsigned long long)s.inline_, (unsigned long long)s.restarts, atomic_load(&r.reads));

	/* the checkpoints ran on the other thread */
	assert_int_equal(threads_named("wg-checkpoint"), 1);
	assert_true(s.background > 0);
	/* the WAL started over again and again and stayed bounded: below the
	 * backstop plus a few transactions whatever the machine's load (the
	 * figures printed above show how far below), far below what went
	 * through; the file is as long as the longest WAL, not longer */
	assert_true(s.restarts >= 3);
	assert_true(max_pages <= lim->hard + 10 * (PER_TX + 5));
	assert_true(frames >= 3 * max_pages);
	assert_true(max_bytes <= WAL_HEADER + (off_t)max_pages * FRAME_BYTES);

	db_close(db);
	assert_int_equal(threads_named("wg-checkpoint"), 0);
	/* the last connection closed: SQLite checkpointed and removed the WAL */
	assert_int_equal(wal_bytes(url), -1);

	OK(db_open(url, &db, &e_));
	assert_int_equal(query_int(db, "SELECT count(*) FROM t"), ROWS);
	assert_int_equal(query_int(db, "SELECT sum(v) FROM t"), (int64_t)ntx * PER_TX);
	assert_int_equal(query_int(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	db_close(db);
}

static void test_steady_load_small_limits(void **state)
{
	struct test_db *f = *state;

	if (on_pg())
		skip();
	db_close(f->db);                 /* the test opens its own connections */
	f->db = NULL;
	steady_load(f->url, &SMALL, 1500);
	OK(db_open(f->url, &f->db, &e_));
}

static void test_steady_load_server_limits(void **state)
{
	struct test_db *f = *state;

	if (on_pg())
		skip();
	db_close(f->db);
	f->db = NULL;
	/* ~30,000 frames: about four cycles of the server's 8,000 */
	steady_load(f->url, &db_sqlite_ckpt_limits, 1500);
	OK(db_open(f->url, &f->db, &e_));
}

/* ------------------------------------------------------------ pauses */

/*
 * Commits with pauses between them, as report intake below saturation:
 * the thread's passes reach the WAL's end by themselves, the WAL starts
 * over without the committing connection checkpointing at all.
 */
static void test_pauses(void **state)
{
	struct test_db *f = *state;
	struct db_sqlite_ckpt_limits saved = db_sqlite_ckpt_limits;
	struct db_checkpoint_stats s;
	unsigned seed = 3;

	if (on_pg())
		skip();
	fill(f->db);
	db_sqlite_ckpt_limits = SMALL;
	OK(db_set_background_checkpoint(f->db, 1, &e_));
	db_sqlite_ckpt_limits = saved;
	for (int i = 0; i < 300; i++) {
		bump(f->db, &seed);
		usleep(2000);
	}
	db_checkpoint_stats(f->db, &s);
	print_message("  %llu background passes, %llu catch-ups, %llu inline, %llu restarts\n",
	              (unsigned long long)s.background, (unsigned long long)s.catchup,
	              (unsigned long long)s.inline_, (unsigned long long)s.restarts);
	assert_true(s.restarts >= 3);
	/* most restarts, if not all, needed no catch-up */
	assert_true(s.catchup < s.restarts);
}

/* ---------------------------------------------------------- backstop */

/*
 * A reader holding one snapshot pins the WAL: no checkpoint may copy past
 * it, so the WAL grows until `hard`, where the committing connection
 * checkpoints inline. Once the reader lets go, that inline checkpoint
 * reaches the end and the WAL starts over.
 */
static void test_backstop(void **state)
{
	struct test_db *f = *state;
	struct db_sqlite_ckpt_limits saved = db_sqlite_ckpt_limits;
	struct db_sqlite_ckpt_limits lim = {.signal = 200, .step = 50, .restart = 400, .hard = 1000};
	struct db_checkpoint_stats s;
	struct db *db = NULL, *rd = NULL;
	unsigned seed = 1;
	uint64_t restarts;
	int i;

	if (on_pg())
		skip();
	db_close(f->db);
	f->db = NULL;
	OK(db_open(f->url, &db, &e_));
	fill(db);
	db_sqlite_ckpt_limits = lim;
	OK(db_set_background_checkpoint(db, 1, &e_));
	db_sqlite_ckpt_limits = saved;

	OK(db_open(f->url, &rd, &e_));
	OK(db_exec(rd, "BEGIN", &e_));
	assert_int_equal(query_int(rd, "SELECT count(*) FROM t"), ROWS);   /* the snapshot */

	for (i = 0; i < 200; i++) {      /* ~4,000 frames */
		bump(db, &seed);
		db_checkpoint_stats(db, &s);
	}
	assert_true(s.wal_pages > lim.hard);   /* pinned: it could only grow */
	assert_true(s.inline_ > 0);
	restarts = s.restarts;

	OK(db_exec(rd, "COMMIT", &e_));
	for (i = 0; i < 50; i++)
		bump(db, &seed);
	db_checkpoint_stats(db, &s);
	assert_true(s.restarts > restarts);
	assert_true(s.wal_pages < lim.hard);
	db_close(rd);
	db_close(db);
	OK(db_open(f->url, &db, &e_));
	assert_int_equal(query_int(db, "SELECT sum(v) FROM t"), 250 * PER_TX);
	f->db = db;
}

/* -------------------------------------------------------------- kill */

/*
 * A child process commits with the checkpointer on (small limits: a
 * checkpoint or a restart every few commits) and reports each commit on a
 * pipe; it is killed with SIGKILL mid-run. Every commit it reported is in
 * the database afterwards, at most the one in flight more, and the file is
 * sound.
 */
static void test_kill(void **state)
{
	struct test_db *f = *state;
	struct db *db = NULL;
	int fds[2], acked = 0, n, status;
	pid_t pid;

	if (on_pg())
		skip();
	db_close(f->db);
	f->db = NULL;
	OK(db_open(f->url, &db, &e_));
	fill(db);
	db_close(db);
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct err e = ERR_INIT;
		unsigned seed = 5;

		close(fds[0]);
		db_sqlite_ckpt_limits = SMALL;
		if (db_open(f->url, &db, &e) < 0 || db_set_background_checkpoint(db, 1, &e) < 0)
			_exit(2);
		for (int i = 1; i <= 20000; i++) {   /* a bound, should the parent be gone */
			bump(db, &seed);
			if (write(fds[1], &i, sizeof(i)) != sizeof(i))
				_exit(3);
		}
		_exit(0);
	}
	close(fds[1]);
	while (acked < 800 && read(fds[0], &n, sizeof(n)) == sizeof(n))
		acked = n;
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	while (read(fds[0], &n, sizeof(n)) == sizeof(n))   /* reported before it died */
		acked = n;
	close(fds[0]);
	assert_true(WIFSIGNALED(status));
	assert_true(acked >= 800);

	OK(db_open(f->url, &db, &e_));
	n = (int)query_int(db, "SELECT sum(v) FROM t") / PER_TX;
	print_message("  %d commits reported, %d in the database\n", acked, n);
	assert_true(n >= acked && n <= acked + 1);
	assert_int_equal(query_int(db, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
	f->db = db;
}

/* ------------------------------------------------- the write turnstile */

struct turn_arg {
	const char *url;
	int rc;
};

/* A second connection writes "b" in a transaction of its own. */
static void *write_b(void *p)
{
	struct turn_arg *a = p;
	struct err e = ERR_INIT;
	struct db *db;

	a->rc = -1;
	if (db_open(a->url, &db, &e) < 0)
		return NULL;
	if (db_begin(db, &e) == 0 && db_exec(db, "INSERT INTO w (who) VALUES ('b')", &e) == 0 &&
	    db_commit(db, &e) == 0)
		a->rc = 0;
	else
		fprintf(stderr, "write_b: %s\n", e.msg_en);
	db_close(db);
	return NULL;
}

/* Wait (without a time limit of the test's own) until n connections
 * wait for their turn. */
static void wait_for_waiters(struct db *db, int n)
{
	for (int i = 0; db_sqlite_turn_waiters(db) != n; i++) {
		if (i == 30000)
			fail_msg("no connection came to wait in 30 s");
		usleep(1000);
	}
}

/* A connection that commits and at once begins again (the event writer's
 * batches) lets the connection that came to wait meanwhile write first:
 * without the turnstile it took SQLite's lock again while the other slept
 * in the busy handler, and the rows were a1 a2 b. */
static void test_turns_in_order(void **state)
{
	struct test_db *f = *state;
	struct turn_arg a = {.url = f->url};
	struct err e = ERR_INIT;
	pthread_t th;
	struct db_stmt *st;
	char order[16] = "";

	if (on_pg())
		skip();
	OK(db_exec(f->db, "CREATE TABLE w (id INTEGER PRIMARY KEY, who TEXT NOT NULL)", &e_));
	OK(db_begin(f->db, &e_));
	OK(db_exec(f->db, "INSERT INTO w (who) VALUES ('a1')", &e_));
	assert_int_equal(pthread_create(&th, NULL, write_b, &a), 0);
	wait_for_waiters(f->db, 1);
	OK(db_commit(f->db, &e_));
	OK(db_begin(f->db, &e_));            /* waits for b's transaction */
	OK(db_exec(f->db, "INSERT INTO w (who) VALUES ('a2')", &e_));
	OK(db_commit(f->db, &e_));
	pthread_join(th, NULL);
	assert_int_equal(a.rc, 0);
	OK(db_prepare(f->db, "SELECT who FROM w ORDER BY id", &st, &e_));
	for (size_t n = 0; db_step(st, &e) == DB_ROW; n = strlen(order))
		snprintf(order + n, sizeof(order) - n, "%s ", db_col_text(st, 0));
	db_finalize(st);
	assert_string_equal(order, "a1 b a2 ");
	assert_int_equal(db_sqlite_turn_waiters(f->db), 0);
}

/* A turn not given within the wait is 503 db.busy, nothing waits on;
 * a connection closed inside its transaction gives its turn back. */
static void test_turn_wait_bounded(void **state)
{
	struct test_db *f = *state;
	struct err e = ERR_INIT;
	struct db *other;

	if (on_pg())
		skip();
	OK(db_open(f->url, &other, &e_));
	db_sqlite_set_wait_ms(other, 200);
	OK(db_begin(f->db, &e_));
	assert_int_equal(db_begin(other, &e), -1);
	assert_int_equal(e.status, 503);
	assert_string_equal(e.code, "db.busy");
	assert_int_equal(db_sqlite_turn_waiters(f->db), 0);
	OK(db_commit(f->db, &e_));
	OK(db_begin(other, &e_));
	OK(db_commit(other, &e_));

	OK(db_begin(other, &e_));
	db_close(other);                     /* inside the transaction */
	db_sqlite_set_wait_ms(f->db, 200);
	OK(db_begin(f->db, &e_));            /* the turn came back */
	OK(db_commit(f->db, &e_));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, test_db_setup, test_db_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_on_off),
		T(test_steady_load_small_limits),
		T(test_steady_load_server_limits),
		T(test_pauses),
		T(test_backstop),
		T(test_kill),
		T(test_turns_in_order),
		T(test_turn_wait_bounded),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
