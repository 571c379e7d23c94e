/*
 * testutil.h - helpers shared by the unit tests.
 *
 * test_db_fresh() gives each test a fresh, empty database: a temporary
 * SQLite file, or — when WANGGE_TEST_PG holds the admin URL of a
 * PostgreSQL server (scripts/pg-test-server.sh) — a new PostgreSQL
 * database, so that the same tests cover both backends. test_db_drop()
 * removes it again.
 */
#ifndef WG_TESTUTIL_H
#define WG_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "store/db.h"

#define TEST_URL_MAX 512

__attribute__((unused))
static const char *test_pg_admin(void)
{
	const char *pg = getenv("WANGGE_TEST_PG");
	return pg && *pg ? pg : NULL;
}

/* Replace the database name (path) of a postgresql:// URL. */
__attribute__((unused))
static void test_pg_url(const char *admin, const char *name, char *out, size_t n)
{
	const char *scheme = strstr(admin, "://");
	const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
	const char *query = strchr(admin, '?');
	size_t base = slash ? (size_t)(slash - admin) : strlen(admin);

	snprintf(out, n, "%.*s/%s%s", (int)base, admin, name, query ? query : "");
}

/* A fresh database; its URL (or path) goes to out. 0 on success. */
__attribute__((unused))
static int test_db_fresh(char *out, size_t n)
{
	static unsigned seq;
	const char *admin = test_pg_admin();

	if (admin) {
		struct db *db;
		struct err e = ERR_INIT;
		char name[64], sql[128];
		snprintf(name, sizeof(name), "wu_%d_%lx_%u", (int)getpid(), (long)time(NULL), seq++);
		if (db_open(admin, &db, &e) < 0)
			return -1;
		snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
		if (db_exec(db, sql, &e) < 0) {
			db_close(db);
			return -1;
		}
		db_close(db);
		test_pg_url(admin, name, out, n);
		return 0;
	}
	snprintf(out, n, "/tmp/wangge-unit-%d-%u.db", (int)getpid(), seq++);
	unlink(out);
	return 0;
}

/* Remove a database made by test_db_fresh(). */
__attribute__((unused))
static void test_db_drop(const char *url)
{
	const char *admin = test_pg_admin();
	char path[TEST_URL_MAX + 8];

	if (admin && strstr(url, "://")) {
		struct db *db;
		struct err e = ERR_INIT;
		const char *name = strrchr(url, '/');
		char sql[160];
		if (!name || db_open(admin, &db, &e) < 0)
			return;
		snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %.*s WITH (FORCE)",
		         (int)strcspn(name + 1, "?"), name + 1);
		db_exec(db, sql, &e);
		db_close(db);
		return;
	}
	unlink(url);
	snprintf(path, sizeof(path), "%s-wal", url);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", url);
	unlink(path);
}

/* A cmocka fixture holding a fresh, migrated database:
 *   cmocka_unit_test_setup_teardown(fn, test_db_setup, test_db_teardown)
 * and in the test `struct test_db *f = *state; … f->db …`. */
struct test_db {
	char url[TEST_URL_MAX];
	struct db *db;
};

__attribute__((unused))
static int test_db_setup(void **state)
{
	struct test_db *f = calloc(1, sizeof(*f));
	struct err e = ERR_INIT;

	if (!f || test_db_fresh(f->url, sizeof(f->url)) < 0 || db_open(f->url, &f->db, &e) < 0 ||
	    db_migrate(f->db, &e) < 0) {
		fprintf(stderr, "setup: %s\n", e.msg_en);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

__attribute__((unused))
static int test_db_teardown(void **state)
{
	struct test_db *f = *state;

	db_close(f->db);
	test_db_drop(f->url);
	free(f);
	return 0;
}

#endif
