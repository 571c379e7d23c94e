/*
 * test_store_copy.c - tests for src/store/store_copy.c: every table of the
 * schema is copied, a copy verifies, a rerun gives the same result, and a
 * difference is detected.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "store/db.h"
#include "store/store_copy.h"
#include "store/store_staff.h"
#include "store/store_unit.h"
#include "testutil.h"

static void open_fresh(char *url, struct db **db)
{
	struct err e = ERR_INIT;
	assert_int_equal(test_db_fresh(url, TEST_URL_MAX), 0);
	assert_int_equal(db_open(url, db, &e), 0);
	assert_int_equal(db_migrate(*db, &e), 0);
}

/* The schema's tables must all be in store_copy_tables (SQLite catalogue). */
static void test_every_table_is_copied(void **state)
{
	char path[TEST_URL_MAX];
	struct db *db;
	struct db_stmt *st;
	struct err e = ERR_INIT;
	int n = 0;

	snprintf(path, sizeof(path), "/tmp/wangge-copy-schema-%d.db", (int)getpid());
	unlink(path);
	assert_int_equal(db_open(path, &db, &e), 0);
	assert_int_equal(db_migrate(db, &e), 0);
	assert_int_equal(db_prepare(db, "SELECT name FROM sqlite_master WHERE type = 'table' "
	                                "AND name NOT LIKE 'sqlite_%' AND name <> 'schema_version'", &st, &e), 0);
	while (db_step(st, &e) == DB_ROW) {
		const char *t = db_col_text(st, 0);
		int found = 0;
		for (int i = 0; store_copy_tables[i]; i++)
			found |= !strcmp(store_copy_tables[i], t);
		if (!found)
			fail_msg("table '%s' is missing from store_copy.c's table list", t);
		if (!store_copy_has_table(t))
			fail_msg("table '%s' is listed but store_copy.c does not copy it", t);
		n++;
	}
	db_finalize(st);
	assert_true(n >= 4);
	db_close(db);
	test_db_drop(path);
}

static void fill(struct db *db)
{
	struct err e = ERR_INIT;
	struct unit_rec u = {0};
	struct person_rec p = {0};
	struct post_rec post = {0};
	int64_t id;
	unsigned char wkb[21] = {1, 1, 0, 0, 0};   /* POINT(0 0) as WKB: enough for a blob */

	assert_int_equal(db_begin(db, &e), 0);
	snprintf(u.code, sizeof(u.code), "440111");
	snprintf(u.kind, sizeof(u.kind), "区");
	snprintf(u.name, sizeof(u.name), "白云区");
	u.level = 1;
	u.households = -1;
	u.population = 1234567;
	u.center[0] = 113.123456789012345;
	u.center[1] = 23.1;
	assert_int_equal(store_unit_put(db, &u, wkb, sizeof(wkb), &e), 0);
	snprintf(u.code, sizeof(u.code), "440111002");
	snprintf(u.parent, sizeof(u.parent), "440111");
	snprintf(u.kind, sizeof(u.kind), "街道");
	snprintf(u.name, sizeof(u.name), "三元里街道");
	u.level = 2;
	assert_int_equal(store_unit_put(db, &u, NULL, 0, &e), 0);
	snprintf(p.name, sizeof(p.name), "测试人");
	snprintf(p.phone, sizeof(p.phone), "139-0000-0001");
	assert_int_equal(store_person_add(db, &p, &id, &e), 0);
	post.person_id = id;
	snprintf(post.unit_code, sizeof(post.unit_code), "440111002");
	snprintf(post.role, sizeof(post.role), "leader_group");
	snprintf(post.title, sizeof(post.title), "组长");
	snprintf(post.start_date, sizeof(post.start_date), "2024-01-01");
	assert_int_equal(store_post_add(db, &post, &id, &e), 0);
	assert_int_equal(db_commit(db, &e), 0);
}

static void test_copy_verify_rerun(void **state)
{
	char a_url[TEST_URL_MAX], b_url[TEST_URL_MAX];
	struct db *a, *b;
	struct err e = ERR_INIT;
	struct copy_report rep[COPY_MAX_TABLES];
	struct person_rec p = {0};
	int n;
	int64_t id;

	open_fresh(a_url, &a);
	open_fresh(b_url, &b);
	fill(a);
	assert_int_equal(store_copy_all(a, b, &e), 0);
	assert_int_equal(store_copy_verify(a, b, rep, &n, &e), 0);
	assert_int_equal(n, 28);
	assert_int_equal(store_copy_all(a, b, &e), 0);      /* rerun: same result */
	assert_int_equal(store_copy_verify(a, b, rep, &n, &e), 0);
	/* ids continue after the copied ones on the target */
	snprintf(p.name, sizeof(p.name), "后来者");
	assert_int_equal(store_person_add(b, &p, &id, &e), 0);
	assert_true(id >= 2);
	/* now they differ: verify says so */
	assert_int_equal(store_copy_verify(a, b, rep, &n, &e), 1);
	db_close(a);
	db_close(b);
	test_db_drop(a_url);
	test_db_drop(b_url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_table_is_copied),
		cmocka_unit_test(test_copy_verify_rerun),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
