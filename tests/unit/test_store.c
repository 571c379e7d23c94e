/*
 * test_store.c - unit tests of src/store/: the db interface (db.c and the
 * SQLite driver: URLs, migrations, statement cache, transactions, the
 * connection pool) and the org stores built on it (store_unit.c,
 * store_staff.c).
 *
 * Each test gets a fresh database from test_db_fresh() (testutil.h): a
 * temporary SQLite file, or a new PostgreSQL database when WANGGE_TEST_PG
 * is set. Tests about SQLite URLs skip themselves on PostgreSQL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "store/db.h"
#include "store/db_int.h"      /* db_migrations[]: the latest schema version */
#include "store/store_staff.h"
#include "store/store_unit.h"
#include "testutil.h"
#include "lib/banned.h"

static int on_pg(void)
{
	return test_pg_admin() != NULL;
}

#define OK(call) do {                                                   \
	struct err e_ = ERR_INIT;                                       \
	if ((call) < 0)                                                 \
		fail_msg("%s: %d %s %s", #call, e_.status, e_.code, e_.msg_en); \
} while (0)
/* OK(call): the call passes `&e_`, the err declared by the macro */

/* ----------------------------------------------------------- fixtures */

static struct unit_rec unit(const char *code, const char *parent, int level, const char *name)
{
	struct unit_rec u;

	memset(&u, 0, sizeof(u));
	snprintf(u.code, sizeof(u.code), "%s", code);
	snprintf(u.parent, sizeof(u.parent), "%s", parent);
	u.level = level;
	snprintf(u.kind, sizeof(u.kind), "%s",
	         level == 1 ? "区" : level == 2 ? "街道" : level == 3 ? "社区" : level == 4 ? "片区" : "网格");
	snprintf(u.name, sizeof(u.name), "%s", name);
	u.households = -1;
	u.population = -1;
	u.bbox[0] = 113.2;
	u.bbox[1] = 23.1;
	u.bbox[2] = 113.3;
	u.bbox[3] = 23.2;
	u.center[0] = 113.25;
	u.center[1] = 23.15;
	u.area_m2 = 1234.5;
	return u;
}

static void put_unit(struct db *db, const char *code, const char *parent, int level, const char *name)
{
	struct unit_rec u = unit(code, parent, level, name);
	OK(store_unit_put(db, &u, NULL, 0, &e_));
}

/* A small tree: district, two towns, communities, areas and grids. */
static void seed(struct db *db)
{
	put_unit(db, "440111", "", 1, "白云区");
	put_unit(db, "440111002", "440111", 2, "京溪街道");
	put_unit(db, "440111003", "440111", 2, "同和街道");
	put_unit(db, "440111002001", "440111002", 3, "云景社区");
	put_unit(db, "440111002002", "440111002", 3, "下塘社区");
	put_unit(db, "440111003001", "440111003", 3, "同和社区");
	put_unit(db, "44011100200101", "440111002001", 4, "云景第一片区");
	put_unit(db, "4401110020010101", "44011100200101", 5, "云景第一网格");
	put_unit(db, "4401110020010102", "44011100200101", 5, "云景第二网格");
	put_unit(db, "44011100300101", "440111003001", 4, "同和100%片区");
	put_unit(db, "4401110030010101", "44011100300101", 5, "同和_网格");
}

/* Collects the codes a unit iterator yields. */
struct codes {
	char list[64][UNIT_CODE_MAX];
	int n;
	int stop_after;                 /* 0 = never */
	int with_wkb;                   /* rows that came with geometry */
};

static int collect(void *ctx, const struct unit_rec *u, const void *wkb, size_t wkb_len)
{
	struct codes *c = ctx;

	if (c->n < 64)
		snprintf(c->list[c->n], UNIT_CODE_MAX, "%s", u->code);
	c->n++;
	if (wkb && wkb_len)
		c->with_wkb++;
	return c->stop_after && c->n >= c->stop_after ? 42 : 0;
}

/* ---------------------------------------------------------------- open */

static void test_open_forms(void **state)
{
	struct test_db *f = *state;
	struct db *db = NULL;
	struct err e = ERR_INIT;
	char url[TEST_URL_MAX + 8];
	struct unit_rec u;

	if (on_pg())
		skip();
	put_unit(f->db, "440111", "", 1, "白云区");
	/* a bare path and a sqlite: URL open the same file */
	snprintf(url, sizeof(url), "sqlite:%s", f->url);
	assert_int_equal(db_open(url, &db, &e), 0);
	assert_string_equal(db_driver_name(db), "sqlite");
	assert_int_equal(store_unit_get(db, "440111", &u, &e), 0);
	assert_string_equal(u.name, "白云区");
	db_close(db);
	db_close(NULL);                                       /* fine */
}

static void test_open_refused(void **state)
{
	struct db *db = NULL;
	struct err e = ERR_INIT;

	assert_int_equal(db_open("mysql://root@localhost/wangge", &db, &e), -1);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "db.scheme");
	assert_null(db);
	err_clear(&e);
	assert_int_equal(db_open("redis://localhost:6379", &db, &e), -1);
	assert_string_equal(e.code, "db.scheme");
	err_clear(&e);
	if (on_pg())
		return;
	assert_int_equal(db_open("/nonexistent/wangge/dir/x.db", &db, &e), -1);
	assert_int_equal(e.status, 503);
	assert_string_equal(e.code, "db.open");
	err_clear(&e);
	assert_int_equal(db_open("sqlite:/nonexistent/wangge/dir/x.db", &db, &e), -1);
	assert_string_equal(e.code, "db.open");
}

/* ----------------------------------------------------------- migrations */

static void test_migrate(void **state)
{
	struct test_db *f = *state;
	int v = -1, latest = db_migrations[db_nmigrations - 1].version, n = 0;
	struct db_stmt *st;
	struct err e = ERR_INIT;

	OK(db_schema_version(f->db, &v, &e_));
	assert_int_equal(v, latest);
	/* idempotent: a second (and third) run changes nothing */
	OK(db_migrate(f->db, &e_));
	OK(db_migrate(f->db, &e_));
	OK(db_schema_version(f->db, &v, &e_));
	assert_int_equal(v, latest);
	assert_int_equal(db_prepare(f->db, "SELECT COUNT(*) FROM schema_version", &st, &e), 0);
	assert_int_equal(db_step(st, &e), DB_ROW);
	n = (int)db_col_int64(st, 0);
	db_finalize(st);
	assert_int_equal(n, db_nmigrations);
	/* versions are increasing, so "apply the missing ones" is well defined */
	for (int i = 1; i < db_nmigrations; i++)
		assert_true(db_migrations[i].version > db_migrations[i - 1].version);
}

static void test_empty_database_version(void **state)
{
	char url[TEST_URL_MAX];
	struct db *db;
	int v = -1;

	assert_int_equal(test_db_fresh(url, sizeof(url)), 0);
	OK(db_open(url, &db, &e_));
	OK(db_schema_version(db, &v, &e_));
	assert_int_equal(v, 0);
	db_close(db);
	test_db_drop(url);
}

/* ---------------------------------------------------------------- units */

static void test_unit_put_get(void **state)
{
	struct test_db *f = *state;
	struct unit_rec u = unit("4401110020010101", "", 5, "云景第一网格"), got;
	struct err e = ERR_INIT;

	seed(f->db);
	snprintf(u.parent, sizeof(u.parent), "44011100200101");
	snprintf(u.grid_type, sizeof(u.grid_type), "专属网格");
	snprintf(u.grid_subtype, sizeof(u.grid_subtype), "学校");
	u.households = 812;
	u.population = 2301;
	snprintf(u.updated_at, sizeof(u.updated_at), "2026-11-26T08:30:00Z");
	OK(store_unit_put(f->db, &u, NULL, 0, &e_));
	assert_int_equal(store_unit_get(f->db, u.code, &got, &e), 0);
	assert_string_equal(got.code, u.code);
	assert_string_equal(got.parent, "44011100200101");
	assert_int_equal(got.level, 5);
	assert_string_equal(got.kind, "网格");
	assert_string_equal(got.name, "云景第一网格");
	assert_string_equal(got.grid_type, "专属网格");
	assert_string_equal(got.grid_subtype, "学校");
	assert_int_equal(got.households, 812);
	assert_int_equal(got.population, 2301);
	assert_true(got.bbox[0] == 113.2 && got.bbox[3] == 23.2);
	assert_true(got.center[0] == 113.25 && got.center[1] == 23.15);
	assert_true(got.area_m2 == 1234.5);
	assert_string_equal(got.updated_at, "2026-11-26T08:30:00Z");

	/* unknown: households NULL reads back as -1; updated_at is filled in */
	assert_int_equal(store_unit_get(f->db, "440111", &got, &e), 0);
	assert_int_equal(got.households, -1);
	assert_int_equal(got.population, -1);
	assert_string_equal(got.parent, "");
	assert_string_equal(got.grid_type, "");
	assert_int_equal(strlen(got.updated_at), 20);

	assert_int_equal(store_unit_get(f->db, "440199", &got, &e), -1);
	assert_int_equal(e.status, 404);
	assert_string_equal(e.code, "unit.not_found");
}

static void test_unit_upsert(void **state)
{
	struct test_db *f = *state;
	struct unit_rec u = unit("440111", "", 1, "白云区"), got;
	int64_t n = 0;

	OK(store_unit_put(f->db, &u, NULL, 0, &e_));
	snprintf(u.name, sizeof(u.name), "白云区（新）");
	u.population = 3740000;
	OK(store_unit_put(f->db, &u, "\x01\x02", 2, &e_));
	OK(store_unit_get(f->db, "440111", &got, &e_));
	assert_string_equal(got.name, "白云区（新）");
	assert_int_equal(got.population, 3740000);
	OK(store_unit_count(f->db, 0, NULL, &n, &e_));
	assert_int_equal(n, 1);
	/* and geometry can be cleared by a put without it */
	struct buf b;
	buf_init(&b, 1024);
	OK(store_unit_geom(f->db, "440111", &b, &e_));
	assert_int_equal(b.len, 2);
	buf_release(&b);
	OK(store_unit_put(f->db, &u, NULL, 0, &e_));
	OK(store_unit_geom(f->db, "440111", &b, &e_));
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void test_unit_fk_violation(void **state)
{
	struct test_db *f = *state;
	struct unit_rec u = unit("440111002", "440111", 2, "京溪街道"), got;
	struct err e = ERR_INIT;

	assert_int_equal(store_unit_put(f->db, &u, NULL, 0, &e), -1);   /* no 440111 yet */
	assert_int_equal(e.status, 409);
	assert_string_equal(e.code, "db.constraint");
	err_clear(&e);
	assert_int_equal(store_unit_get(f->db, "440111002", &got, &e), -1);
	assert_int_equal(e.status, 404);
	/* the cached statement still works after the failure */
	put_unit(f->db, "440111", "", 1, "白云区");
	OK(store_unit_put(f->db, &u, NULL, 0, &e_));
}

static void test_unit_geom(void **state)
{
	struct test_db *f = *state;
	struct unit_rec u = unit("440111", "", 1, "白云区");
	unsigned char wkb[300];
	struct buf b;
	struct err e = ERR_INIT;

	for (size_t i = 0; i < sizeof(wkb); i++)
		wkb[i] = (unsigned char)i;                     /* NULs and high bytes: binary-safe */
	OK(store_unit_put(f->db, &u, wkb, sizeof(wkb), &e_));
	buf_init(&b, 4096);
	assert_int_equal(buf_adds(&b, "pre"), 0);
	OK(store_unit_geom(f->db, "440111", &b, &e_));    /* appended */
	assert_int_equal(b.len, 3 + sizeof(wkb));
	assert_memory_equal(b.data + 3, wkb, sizeof(wkb));
	buf_release(&b);

	assert_int_equal(store_unit_geom(f->db, "440199", &b, &e), -1);
	assert_int_equal(e.status, 404);
	err_clear(&e);

	buf_init(&b, 100);                                     /* too small */
	assert_int_equal(store_unit_geom(f->db, "440111", &b, &e), -1);
	assert_int_equal(e.status, 500);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

static void test_unit_children(void **state)
{
	struct test_db *f = *state;
	struct codes c;

	seed(f->db);
	memset(&c, 0, sizeof(c));
	OK(store_unit_children(f->db, "440111", 0, collect, &c, &e_));
	assert_int_equal(c.n, 2);
	assert_string_equal(c.list[0], "440111002");
	assert_string_equal(c.list[1], "440111003");

	memset(&c, 0, sizeof(c));
	OK(store_unit_children(f->db, "440111002", 0, collect, &c, &e_));
	assert_int_equal(c.n, 2);                             /* not grandchildren */
	memset(&c, 0, sizeof(c));
	OK(store_unit_children(f->db, "4401110020010101", 0, collect, &c, &e_));
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof(c));
	OK(store_unit_children(f->db, "nonsense", 1, collect, &c, &e_));
	assert_int_equal(c.n, 0);

	/* the callback can stop early; its value comes back */
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	assert_int_equal(store_unit_children(f->db, "440111", 0, collect, &c, NULL), 42);
	assert_int_equal(c.n, 1);
	/* and the statement is usable again at once */
	memset(&c, 0, sizeof(c));
	OK(store_unit_children(f->db, "440111", 0, collect, &c, &e_));
	assert_int_equal(c.n, 2);
}

static void test_unit_list_and_count(void **state)
{
	struct test_db *f = *state;
	struct codes c;
	int64_t n = -1;

	seed(f->db);
	put_unit(f->db, "440112", "", 1, "黄埔区");
	put_unit(f->db, "440112001", "440112", 2, "黄埔街道");

	memset(&c, 0, sizeof(c));
	OK(store_unit_list(f->db, 0, NULL, 0, collect, &c, &e_));
	assert_int_equal(c.n, 13);
	for (int i = 1; i < c.n; i++)
		assert_true(strcmp(c.list[i - 1], c.list[i]) < 0);   /* ordered by code */

	memset(&c, 0, sizeof(c));
	OK(store_unit_list(f->db, 5, NULL, 0, collect, &c, &e_));
	assert_int_equal(c.n, 3);

	memset(&c, 0, sizeof(c));
	OK(store_unit_list(f->db, 0, "440111002", 0, collect, &c, &e_));
	assert_int_equal(c.n, 6);                             /* itself included */
	assert_string_equal(c.list[0], "440111002");

	memset(&c, 0, sizeof(c));
	OK(store_unit_list(f->db, 5, "440111003", 0, collect, &c, &e_));
	assert_int_equal(c.n, 1);
	assert_string_equal(c.list[0], "4401110030010101");

	memset(&c, 0, sizeof(c));
	OK(store_unit_list(f->db, 2, "440112", 0, collect, &c, &e_));
	assert_int_equal(c.n, 1);                             /* not 440111's towns */

	memset(&c, 0, sizeof(c));
	OK(store_unit_list(f->db, 0, "440119", 0, collect, &c, &e_));  /* next prefix: ...120 */
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof(c));
	OK(store_unit_list(f->db, 0, "999", 0, collect, &c, &e_));
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof(c));
	OK(store_unit_list(f->db, 0, "", 0, collect, &c, &e_));
	assert_int_equal(c.n, 13);

	OK(store_unit_count(f->db, 0, NULL, &n, &e_));
	assert_int_equal(n, 13);
	OK(store_unit_count(f->db, 3, "440111", &n, &e_));
	assert_int_equal(n, 3);
	OK(store_unit_count(f->db, 4, "440111002001", &n, &e_));
	assert_int_equal(n, 1);
	OK(store_unit_count(f->db, 1, NULL, &n, &e_));
	assert_int_equal(n, 2);
	OK(store_unit_count(f->db, 0, "44011", &n, &e_));
	assert_int_equal(n, 13);
}

static void test_unit_list_with_geom(void **state)
{
	struct test_db *f = *state;
	struct unit_rec u = unit("440111", "", 1, "白云区");
	struct codes c;

	OK(store_unit_put(f->db, &u, "WKB!", 4, &e_));
	put_unit(f->db, "440111002", "440111", 2, "京溪街道");
	memset(&c, 0, sizeof(c));
	OK(store_unit_list(f->db, 0, "440111", 1, collect, &c, &e_));
	assert_int_equal(c.n, 2);
	assert_int_equal(c.with_wkb, 1);
	memset(&c, 0, sizeof(c));
	OK(store_unit_children(f->db, "440111", 1, collect, &c, &e_));
	assert_int_equal(c.n, 1);
	assert_int_equal(c.with_wkb, 0);
}

static void test_unit_search(void **state)
{
	struct test_db *f = *state;
	struct codes c;

	seed(f->db);
	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "云景", 20, collect, &c, &e_));
	assert_int_equal(c.n, 4);
	assert_string_equal(c.list[0], "440111002001");       /* coarse levels first */
	assert_string_equal(c.list[1], "44011100200101");

	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "4401110020", 20, collect, &c, &e_));  /* code prefix */
	assert_int_equal(c.n, 5);
	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "0020", 20, collect, &c, &e_));        /* not a prefix */
	assert_int_equal(c.n, 0);

	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "网格", 2, collect, &c, &e_));
	assert_int_equal(c.n, 2);                             /* limit */

	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "不存在", 20, collect, &c, &e_));
	assert_int_equal(c.n, 0);
}

static void test_unit_search_wildcards_escaped(void **state)
{
	struct test_db *f = *state;
	struct codes c;

	seed(f->db);
	/* "%" and "_" are literal characters, not "everything" */
	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "%", 100, collect, &c, &e_));
	assert_int_equal(c.n, 1);
	assert_string_equal(c.list[0], "44011100300101");     /* 同和100%片区 */
	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "_", 100, collect, &c, &e_));
	assert_int_equal(c.n, 1);
	assert_string_equal(c.list[0], "4401110030010101");   /* 同和_网格 */
	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "%%", 100, collect, &c, &e_));
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "__", 100, collect, &c, &e_));
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "4401_1", 100, collect, &c, &e_));
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "\\", 100, collect, &c, &e_));
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "\\%", 100, collect, &c, &e_));
	assert_int_equal(c.n, 0);
	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "100%", 100, collect, &c, &e_));
	assert_int_equal(c.n, 1);
	/* quotes are data too */
	memset(&c, 0, sizeof(c));
	OK(store_unit_search(f->db, "' OR 1=1 --", 100, collect, &c, &e_));
	assert_int_equal(c.n, 0);
}

static void test_org_version(void **state)
{
	struct test_db *f = *state;
	int64_t v = -1;

	OK(store_org_version(f->db, &v, &e_));
	assert_int_equal(v, 0);
	OK(store_org_bump(f->db, &e_));
	OK(store_org_bump(f->db, &e_));
	OK(store_org_version(f->db, &v, &e_));
	assert_int_equal(v, 2);
}

static void test_org_clear(void **state)
{
	struct test_db *f = *state;
	int64_t n = -1;

	seed(f->db);
	OK(db_begin(f->db, &e_));
	OK(store_org_clear(f->db, &e_));
	OK(db_commit(f->db, &e_));
	OK(store_unit_count(f->db, 0, NULL, &n, &e_));
	assert_int_equal(n, 0);
}

/* ---------------------------------------------------------------- staff */

struct posts {
	struct post_rec list[16];
	int n;
};

static int collect_post(void *ctx, const struct post_rec *p)
{
	struct posts *c = ctx;
	if (c->n < 16)
		c->list[c->n] = *p;
	c->n++;
	return 0;
}

static int64_t add_person(struct db *db, const char *name, const char *phone)
{
	struct person_rec p;
	int64_t id = -1;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%s", name);
	snprintf(p.phone, sizeof(p.phone), "%s", phone);
	OK(store_person_add(db, &p, &id, &e_));
	assert_true(id > 0);
	return id;
}

static int64_t add_post(struct db *db, int64_t person, const char *unit_code, const char *role,
                        const char *start)
{
	struct post_rec p;
	int64_t id = -1;

	memset(&p, 0, sizeof(p));
	p.person_id = person;
	snprintf(p.unit_code, sizeof(p.unit_code), "%s", unit_code);
	snprintf(p.role, sizeof(p.role), "%s", role);
	snprintf(p.start_date, sizeof(p.start_date), "%s", start);
	OK(store_post_add(db, &p, &id, &e_));
	assert_true(id > 0);
	return id;
}

static void test_staff(void **state)
{
	struct test_db *f = *state;
	const char *grid = "4401110020010101";
	int64_t zhang, li, wang, p1, p2, p3;
	struct posts c;
	struct err e = ERR_INIT;

	seed(f->db);
	zhang = add_person(f->db, "张三", "020-1234");
	li = add_person(f->db, "李四", "");
	wang = add_person(f->db, "王五", "");
	assert_true(zhang != li && li != wang);

	p1 = add_post(f->db, zhang, grid, "grid_worker", "2026-01-01");
	p2 = add_post(f->db, li, grid, "grid_worker", "2025-06-01");
	p3 = add_post(f->db, wang, "44011100200101", "grid_leader", "2026-03-01");

	memset(&c, 0, sizeof(c));
	OK(store_posts_current(f->db, grid, collect_post, &c, &e_));
	assert_int_equal(c.n, 2);
	assert_int_equal(c.list[0].id, p2);                   /* by role, then start date */
	assert_int_equal(c.list[1].id, p1);
	assert_string_equal(c.list[1].name, "张三");
	assert_string_equal(c.list[1].phone, "020-1234");
	assert_string_equal(c.list[0].phone, "");
	assert_string_equal(c.list[1].end_date, "");

	memset(&c, 0, sizeof(c));
	OK(store_posts_all_current(f->db, collect_post, &c, &e_));
	assert_int_equal(c.n, 3);
	assert_int_equal(c.list[0].id, p3);                   /* by unit code first */

	/* 李四 is replaced */
	OK(store_post_end(f->db, p2, "2026-05-31", &e_));
	memset(&c, 0, sizeof(c));
	OK(store_posts_current(f->db, grid, collect_post, &c, &e_));
	assert_int_equal(c.n, 1);
	assert_int_equal(c.list[0].id, p1);
	memset(&c, 0, sizeof(c));
	OK(store_posts_history(f->db, grid, collect_post, &c, &e_));
	assert_int_equal(c.n, 2);
	assert_int_equal(c.list[0].id, p1);                   /* newest first */
	assert_int_equal(c.list[1].id, p2);
	assert_string_equal(c.list[1].end_date, "2026-05-31");

	/* ending twice: 404, whether on another date or the same one */
	assert_int_equal(store_post_end(f->db, p2, "2026-06-30", &e), -1);
	assert_int_equal(e.status, 404);
	assert_string_equal(e.code, "post.not_found");
	err_clear(&e);
	assert_int_equal(store_post_end(f->db, p2, "2026-05-31", &e), -1);
	assert_int_equal(e.status, 404);
	err_clear(&e);
	assert_int_equal(store_post_end(f->db, 999999, "2026-05-31", &e), -1);
	assert_int_equal(e.status, 404);
	err_clear(&e);
	memset(&c, 0, sizeof(c));
	OK(store_posts_history(f->db, grid, collect_post, &c, &e_));
	assert_string_equal(c.list[1].end_date, "2026-05-31");   /* unchanged */
}

static void test_staff_refused(void **state)
{
	struct test_db *f = *state;
	struct post_rec p;
	struct err e = ERR_INIT;
	int64_t id = -7, person;

	seed(f->db);
	person = add_person(f->db, "赵六", "");
	memset(&p, 0, sizeof(p));
	p.person_id = person;
	snprintf(p.unit_code, sizeof(p.unit_code), "440111");
	snprintf(p.start_date, sizeof(p.start_date), "2026-01-01");

	snprintf(p.role, sizeof(p.role), "emperor");
	assert_int_equal(store_post_add(f->db, &p, &id, &e), -1);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "post.bad_role");
	assert_string_equal(e.param, "role");
	assert_int_equal(id, -7);
	err_clear(&e);

	snprintf(p.role, sizeof(p.role), "station_head");
	snprintf(p.unit_code, sizeof(p.unit_code), "440199");      /* no such unit */
	assert_int_equal(store_post_add(f->db, &p, &id, &e), -1);
	assert_int_equal(e.status, 409);
	assert_string_equal(e.code, "db.constraint");
	err_clear(&e);

	snprintf(p.unit_code, sizeof(p.unit_code), "440111");
	p.person_id = person + 1000;                                 /* no such person */
	assert_int_equal(store_post_add(f->db, &p, &id, &e), -1);
	assert_int_equal(e.status, 409);
	assert_string_equal(e.code, "db.constraint");

	assert_true(staff_role_valid("grid_worker"));
	assert_false(staff_role_valid("Grid_worker"));
	assert_string_equal(staff_role_label("grid_worker"), "网格员");
	assert_string_equal(staff_role_label("unknown"), "unknown");
}

/* --------------------------------------------------------- transactions */

static void test_transactions(void **state)
{
	struct test_db *f = *state;
	struct unit_rec got;
	struct err e = ERR_INIT;
	int64_t n = -1;

	OK(db_begin(f->db, &e_));
	seed(f->db);
	OK(store_org_bump(f->db, &e_));
	db_rollback(f->db);
	OK(store_unit_count(f->db, 0, NULL, &n, &e_));
	assert_int_equal(n, 0);                               /* nothing left */
	OK(store_org_version(f->db, &n, &e_));
	assert_int_equal(n, 0);
	assert_int_equal(store_unit_get(f->db, "440111", &got, &e), -1);
	assert_int_equal(e.status, 404);
	err_clear(&e);

	OK(db_begin(f->db, &e_));
	assert_int_equal(db_begin(f->db, &e), -1);           /* no nesting */
	assert_string_equal(e.code, "db.nested_tx");
	err_clear(&e);
	put_unit(f->db, "440111", "", 1, "白云区");
	OK(db_commit(f->db, &e_));
	OK(store_unit_get(f->db, "440111", &got, &e_));

	db_rollback(f->db);                                   /* no transaction: harmless */
	OK(store_unit_get(f->db, "440111", &got, &e_));
}

static void test_failed_statement_in_transaction(void **state)
{
	struct test_db *f = *state;
	struct unit_rec orphan = unit("440111002", "440199", 2, "孤儿街道");
	struct err e = ERR_INIT;
	int64_t n = -1;

	OK(db_begin(f->db, &e_));
	put_unit(f->db, "440111", "", 1, "白云区");
	assert_int_equal(store_unit_put(f->db, &orphan, NULL, 0, &e), -1);
	assert_int_equal(e.status, 409);
	db_rollback(f->db);
	OK(store_unit_count(f->db, 0, NULL, &n, &e_));
	assert_int_equal(n, 0);
}

/* A transaction lock is asked of the database once a transaction (the
 * audit chain's, once a record, was a PostgreSQL round trip each); once
 * more after ROLLBACK TO SAVEPOINT, which releases what was taken since. */
static int64_t advisory_held(struct db *db, int64_t key)
{
	static const char sql[] = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
	                          "AND ((classid::bigint << 32) | objid::bigint) = ?";
	struct err e = ERR_INIT;
	struct db_stmt *st;
	int64_t n = -1;

	OK(db_prepare(db, sql, &st, &e_));
	db_bind_int64(st, 1, key);
	if (db_step(st, &e) == DB_ROW)
		n = db_col_int64(st, 0);
	db_finalize(st);
	return n;
}

static void test_lock_xact_once(void **state)
{
	struct test_db *f = *state;
	struct err e = ERR_INIT;
	const int64_t key = 72489999;

	assert_int_equal(db_lock_xact(f->db, key, &e), -1);  /* outside a transaction */
	assert_string_equal(e.code, "db.no_tx");
	OK(db_begin(f->db, &e_));
	OK(db_lock_xact(f->db, key, &e_));
	OK(db_lock_xact(f->db, key, &e_));
	if (on_pg())
		assert_int_equal(advisory_held(f->db, key), 1);
	OK(db_exec(f->db, "SAVEPOINT s", &e_));
	OK(db_exec(f->db, "ROLLBACK TO SAVEPOINT s", &e_));
	OK(db_lock_xact(f->db, key, &e_));
	if (on_pg())
		assert_int_equal(advisory_held(f->db, key), 1);
	OK(db_commit(f->db, &e_));
	if (on_pg())
		assert_int_equal(advisory_held(f->db, key), 0);

	/* taken first inside a savepoint rolled back: asked for again */
	OK(db_begin(f->db, &e_));
	OK(db_exec(f->db, "SAVEPOINT s", &e_));
	OK(db_lock_xact(f->db, key, &e_));
	OK(db_exec(f->db, "ROLLBACK TO SAVEPOINT s", &e_));
	if (on_pg())
		assert_int_equal(advisory_held(f->db, key), 0);
	OK(db_lock_xact(f->db, key, &e_));
	if (on_pg())
		assert_int_equal(advisory_held(f->db, key), 1);
	db_rollback(f->db);
	OK(db_begin(f->db, &e_));                             /* a new transaction asks again */
	OK(db_lock_xact(f->db, key, &e_));
	if (on_pg())
		assert_int_equal(advisory_held(f->db, key), 1);
	db_rollback(f->db);
}

/* ------------------------------------------------------ raw interface */

static void test_prepare_cached(void **state)
{
	struct test_db *f = *state;
	static const char sql_a[] = "SELECT ? + 1";
	static const char sql_b[] = "SELECT ? + 1";           /* same text, another constant */
	struct db_stmt *a1, *a2, *b;
	struct err e = ERR_INIT;

	assert_int_equal(db_prepare_cached(f->db, sql_a, &a1, &e), 0);
	db_bind_int64(a1, 1, 41);
	assert_int_equal(db_step(a1, &e), DB_ROW);
	assert_int_equal(db_col_int64(a1, 0), 42);
	db_finalize(a1);                                      /* only resets */
	assert_int_equal(db_prepare_cached(f->db, sql_a, &a2, &e), 0);
	assert_ptr_equal(a1, a2);                             /* reused */
	db_bind_int64(a2, 1, 1);
	assert_int_equal(db_step(a2, &e), DB_ROW);
	assert_int_equal(db_col_int64(a2, 0), 2);
	db_finalize(a2);
	assert_int_equal(db_prepare_cached(f->db, sql_b, &b, &e), 0);
	assert_ptr_not_equal(b, a1);
	db_finalize(b);

	/* after finalize, bindings are cleared: an unbound ? is NULL */
	assert_int_equal(db_prepare_cached(f->db, sql_a, &a1, &e), 0);
	assert_int_equal(db_step(a1, &e), DB_ROW);
	assert_true(db_col_is_null(a1, 0));
	assert_null(db_col_text(a1, 0));
	assert_int_equal(db_col_int64(a1, 0), 0);
	db_finalize(a1);
}

static void test_prepare_cache_overflow(void **state)
{
	struct test_db *f = *state;
	static char sql[DB_STMT_CACHE + 10][40];

	/* more distinct constants than the cache holds: all still work (and,
	 * under ASan, none leaks) */
	for (int i = 0; i < DB_STMT_CACHE + 10; i++)
		snprintf(sql[i], sizeof(sql[i]), "SELECT %d", i);
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < DB_STMT_CACHE + 10; i++) {
			struct db_stmt *st;
			struct err e = ERR_INIT;
			assert_int_equal(db_prepare_cached(f->db, sql[i], &st, &e), 0);
			assert_int_equal(db_step(st, &e), DB_ROW);
			assert_int_equal(db_col_int64(st, 0), i);
			db_finalize(st);
		}
}

static void test_errors(void **state)
{
	struct test_db *f = *state;
	struct db_stmt *st = NULL;
	struct err e = ERR_INIT;

	/* a syntax error surfaces at prepare (SQLite) or at the first step
	 * (PostgreSQL prepares lazily, on the server) */
	if (db_prepare(f->db, "SELEC nonsense", &st, &e) == 0) {
		assert_int_equal(db_step(st, &e), DB_ERROR);
		db_finalize(st);
	}
	assert_int_equal(e.status, 500);
	assert_string_equal(e.code, "db.error");
	err_clear(&e);
	assert_int_equal(db_exec(f->db, "INSERT INTO no_such_table VALUES (1)", &e), -1);
	assert_int_equal(e.status, 500);
	err_clear(&e);
	assert_int_equal(db_exec(f->db, "INSERT INTO meta (key, value) VALUES ('org_version', '9')", &e), -1);
	assert_int_equal(e.status, 409);                      /* primary key */
	assert_string_equal(e.code, "db.constraint");
}

/* ----------------------------------------------------------------- pool */

struct reader {
	struct db_pool *pool;
	int errors, rows;
};

static void *read_many(void *arg)
{
	struct reader *r = arg;

	for (int i = 0; i < 40; i++) {
		struct db *db = db_pool_get(r->pool);
		struct err e = ERR_INIT;
		struct unit_rec u;
		struct codes c;
		int64_t n;

		memset(&c, 0, sizeof(c));
		if (store_unit_get(db, "440111002001", &u, &e) < 0 || strcmp(u.name, "云景社区"))
			r->errors++;
		if (store_unit_children(db, "440111", 0, collect, &c, &e) < 0 || c.n != 2)
			r->errors++;
		if (store_unit_count(db, 0, NULL, &n, &e) < 0 || n < 11)
			r->errors++;
		r->rows += c.n;
		db_pool_put(r->pool, db);
	}
	return NULL;
}

static void *write_some(void *arg)
{
	struct reader *r = arg;

	for (int i = 0; i < 10; i++) {
		struct db *db = db_pool_get(r->pool);
		struct err e = ERR_INIT;
		if (db_begin(db, &e) < 0 || store_org_bump(db, &e) < 0 || db_commit(db, &e) < 0) {
			r->errors++;
			db_rollback(db);
		}
		db_pool_put(r->pool, db);
	}
	return NULL;
}

static void test_pool_threads(void **state)
{
	struct test_db *f = *state;
	struct db_pool *pool;
	pthread_t t[7];
	struct reader r[7];
	int64_t v = -1;

	seed(f->db);
	OK(db_pool_open(f->url, 3, &pool, &e_));            /* fewer connections than threads */
	for (int i = 0; i < 7; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].pool = pool;
		assert_int_equal(pthread_create(&t[i], NULL, i == 6 ? write_some : read_many, &r[i]), 0);
	}
	for (int i = 0; i < 7; i++) {
		pthread_join(t[i], NULL);
		if (r[i].errors)
			fail_msg("thread %d: %d errors", i, r[i].errors);
	}
	for (int i = 0; i < 6; i++)
		assert_int_equal(r[i].rows, 80);
	db_pool_close(pool);
	OK(store_org_version(f->db, &v, &e_));
	assert_int_equal(v, 10);
}

static void test_pool_put_rolls_back(void **state)
{
	struct test_db *f = *state;
	struct db_pool *pool;
	struct db *db;
	int64_t n = -1;

	OK(db_pool_open(f->url, 1, &pool, &e_));
	db = db_pool_get(pool);
	OK(db_begin(db, &e_));
	put_unit(db, "440111", "", 1, "白云区");
	db_pool_put(pool, db);                                /* forgot to commit */
	db = db_pool_get(pool);
	OK(db_begin(db, &e_));                                /* not "nested" */
	OK(db_commit(db, &e_));
	OK(store_unit_count(db, 0, NULL, &n, &e_));
	assert_int_equal(n, 0);
	db_pool_put(pool, db);
	db_pool_close(pool);
}

static void test_pool_open_refused(void **state)
{
	struct db_pool *pool = NULL;
	struct err e = ERR_INIT;

	assert_int_equal(db_pool_open("mysql://x/y", 2, &pool, &e), -1);
	assert_string_equal(e.code, "db.scheme");
	assert_null(pool);
	err_clear(&e);
	assert_int_equal(db_pool_open("/tmp/whatever.db", 0, &pool, &e), -1);
	assert_int_equal(e.status, 500);
	assert_null(pool);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, test_db_setup, test_db_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_open_forms),
		T(test_open_refused),
		T(test_migrate),
		T(test_empty_database_version),
		T(test_unit_put_get),
		T(test_unit_upsert),
		T(test_unit_fk_violation),
		T(test_unit_geom),
		T(test_unit_children),
		T(test_unit_list_and_count),
		T(test_unit_list_with_geom),
		T(test_unit_search),
		T(test_unit_search_wildcards_escaped),
		T(test_org_version),
		T(test_org_clear),
		T(test_staff),
		T(test_staff_refused),
		T(test_transactions),
		T(test_lock_xact_once),
		T(test_failed_statement_in_transaction),
		T(test_prepare_cached),
		T(test_prepare_cache_overflow),
		T(test_errors),
		T(test_pool_threads),
		T(test_pool_put_rolls_back),
		T(test_pool_open_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
