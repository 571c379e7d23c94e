/*
 * test_store_audit.c - unit tests of src/store/store_audit.c: the
 * hash-chained audit log. Rows are appended (NULLs, empty strings, Chinese
 * text, quotes, hostile bytes), the chain verified, then tampered with
 * through raw SQL the way an intruder with database access would — an
 * edited field, an edited field with a recomputed hash, a deleted middle,
 * first or last row, a forged row — and each must be reported at the right
 * first bad row. The limit is tested too: deleting the tail AND rewriting
 * audit_head to match is invisible from inside the database (docs/audit.md:
 * export the head hash elsewhere). Four threads on their own connections
 * append concurrently and must build one chain.
 *
 * Each test gets a fresh database from test_db_fresh() (testutil.h): a
 * temporary SQLite file, or a new PostgreSQL database when WANGGE_TEST_PG
 * is set, so every test covers both backends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "store/db.h"
#include "store/store_audit.h"
#include "store/store_meta.h"
#include "lib/str.h"
#include "testutil.h"
#include "lib/banned.h"

#define OK(call) do {                                                   \
	struct err e_ = ERR_INIT;                                       \
	if ((call) < 0)                                                 \
		fail_msg("%s: %d %s %s", #call, e_.status, e_.code, e_.msg_en); \
} while (0)
/* OK(call): the call passes `&e_`, the err declared by the macro */

/* ------------------------------------------------------------ helpers */

/* The i-th sample event: every shape a caller may hand in. */
static struct audit_entry sample(int i, char *buf, size_t n)
{
	struct audit_entry a;

	memset(&a, 0, sizeof(a));
	a.action = "test.event";
	a.result = "ok";
	switch (i % 5) {
	case 0:                                    /* every optional field absent */
		break;
	case 1:
		a.actor = "张三";
		a.role = "grid_worker";
		a.scope_code = "4401110020010101";
		snprintf(buf, n, "网格员上报第 %d 件 '事件' \"急\" \\ 反斜杠", i);
		a.detail = buf;
		break;
	case 2:                                    /* empty, not NULL */
		a.actor = "";
		a.role = "";
		a.target = "";
		a.detail = "";
		break;
	case 3:
		a.account_id = i;
		a.actor = "dispatcher1";
		a.ip = "::1";
		a.result = "denied";
		a.action = "pii.read";
		a.target = "person:42";
		break;
	default:
		a.actor = "o'brien";
		a.target = "x'); DROP TABLE audit; --";
		snprintf(buf, n, "%d%%s %%n ?", i);
		a.detail = buf;
		break;
	}
	return a;
}

static void append_samples(struct db *db, int from, int to)
{
	char buf[128];

	for (int i = from; i <= to; i++) {
		struct audit_entry a = sample(i, buf, sizeof(buf));
		OK(store_audit_append(db, &a, &e_));
	}
}

/* Verify and compare with the expectation: ret 0 or 1; when 1 the first
 * bad row and a piece of the reason. */
static void expect_verify(struct db *db, int want, int64_t want_rows, int64_t want_bad,
                          const char *want_why)
{
	struct err e = ERR_INIT;
	int64_t rows = -1, bad = -1;
	char why[AUDIT_WHY_MAX];
	int r = store_audit_verify(db, &rows, &bad, why, sizeof(why), &e);

	if (r < 0)
		fail_msg("verify: %s", e.msg_en);
	if (r != want)
		fail_msg("verify returned %d, wanted %d: %s", r, want, why);
	if (want == 0) {
		assert_int_equal(rows, want_rows);
		return;
	}
	if (bad != want_bad)
		fail_msg("first bad row %lld, wanted %lld: %s", (long long)bad, (long long)want_bad, why);
	if (want_why && !strstr(why, want_why))
		fail_msg("reason '%s' lacks '%s'", why, want_why);
}

static void sql(struct db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sql(struct db *db, const char *fmt, ...)
{
	struct err e = ERR_INIT;
	char q[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	if (db_exec(db, q, &e) < 0)
		fail_msg("%s: %s", q, e.msg_en);
}

static int64_t count_rows(struct db *db, const char *q)
{
	struct db_stmt *st;
	struct err e = ERR_INIT;
	int64_t n;

	assert_int_equal(db_prepare(db, q, &st, &e), 0);
	assert_int_equal(db_step(st, &e), DB_ROW);
	n = db_col_int64(st, 0);
	db_finalize(st);
	return n;
}

/* A row copied out of the database, to be altered and re-hashed. */
struct owned_row {
	struct audit_row r;
	char at[64], actor[256], role[256], scope[256], action[256], target[256], ip[64];
	char result[64], detail[512], prev[AUDIT_HASH_HEX], hash[AUDIT_HASH_HEX];
	int has[8];                    /* role … detail present (not NULL) */
};

static int copy_row(void *ctx, const struct audit_row *r)
{
	struct owned_row *o = ctx;
	const struct audit_entry *a = &r->entry;

	memset(o, 0, sizeof(*o));
	o->r = *r;
	str_copy(o->at, sizeof(o->at), r->at);
	str_copy(o->prev, sizeof(o->prev), r->prev_hash);
	str_copy(o->hash, sizeof(o->hash), r->hash);
	o->r.at = o->at;
	o->r.prev_hash = o->prev;
	o->r.hash = o->hash;
#define COPY(f, buf) do { o->r.entry.f = NULL; if (a->f) { str_copy(buf, sizeof(buf), a->f); o->r.entry.f = buf; } } while (0)
	COPY(actor, o->actor);
	COPY(role, o->role);
	COPY(scope_code, o->scope);
	COPY(action, o->action);
	COPY(target, o->target);
	COPY(ip, o->ip);
	COPY(result, o->result);
	COPY(detail, o->detail);
#undef COPY
	return 1;
}

static void get_row(struct db *db, int64_t id, struct owned_row *o)
{
	struct err e = ERR_INIT;

	assert_int_equal(store_audit_list(db, id + 1, 1, copy_row, o, &e), 1);
	assert_int_equal(o->r.id, id);
}

/* Write o's detail, prev_hash and hash back over row o->r.id, as a forger
 * who knows the algorithm would. */
static void put_row(struct db *db, const struct owned_row *o)
{
	struct db_stmt *st;
	struct err e = ERR_INIT;

	assert_int_equal(db_prepare(db, "UPDATE audit SET detail = ?, prev_hash = ?, hash = ? "
	                                "WHERE id = ?", &st, &e), 0);
	db_bind_text(st, 1, o->r.entry.detail);
	db_bind_text(st, 2, o->r.prev_hash);
	db_bind_text(st, 3, o->r.hash);
	db_bind_int64(st, 4, o->r.id);
	assert_int_equal(db_step(st, &e), DB_DONE);
	db_finalize(st);
}

/* Insert a forged row: id, prev_hash and hash as given (hash NULL: the
 * right hash of the row, computed as wangge would). */
static void forge_row(struct db *db, int64_t id, const char *prev, const char *hash)
{
	struct audit_row r;
	struct db_stmt *st;
	struct err e = ERR_INIT;
	char h[AUDIT_HASH_HEX];

	memset(&r, 0, sizeof(r));
	r.id = id;
	r.at = "2026-01-01T00:00:00Z";
	r.account_id_null = 1;
	r.entry.actor = "intruder";
	r.entry.action = "user.grant";
	r.entry.result = "ok";
	r.prev_hash = prev;
	assert_int_equal(store_audit_hash(&r, h), 0);
	assert_int_equal(db_prepare(db, "INSERT INTO audit (id, at, actor, action, result, prev_hash, "
	                                "hash) VALUES (?, ?, ?, ?, ?, ?, ?)", &st, &e), 0);
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, r.at);
	db_bind_text(st, 3, r.entry.actor);
	db_bind_text(st, 4, r.entry.action);
	db_bind_text(st, 5, r.entry.result);
	db_bind_text(st, 6, prev);
	db_bind_text(st, 7, hash ? hash : h);
	assert_int_equal(db_step(st, &e), DB_DONE);
	db_finalize(st);
}

/* ------------------------------------------------------------- the hash */

/* Known answers, computed independently from the encoding in docs/audit.md
 * (Python: hashlib.blake2b(digest_size=32)). A change here breaks every
 * chain already stored. */
static void test_hash_known_answer(void **state)
{
	struct audit_row r;
	char h1[AUDIT_HASH_HEX], h2[AUDIT_HASH_HEX];

	memset(&r, 0, sizeof(r));
	r.id = 1;
	r.at = "2026-01-02T03:04:05Z";
	r.account_id_null = 1;
	r.entry.actor = "alice";
	r.entry.scope_code = "440111";
	r.entry.action = "auth.login";
	r.entry.target = "";
	r.entry.ip = "127.0.0.1";
	r.entry.result = "ok";
	r.entry.detail = "登录 \"ok\"";
	r.prev_hash = "0000000000000000000000000000000000000000000000000000000000000000";
	assert_int_equal(store_audit_hash(&r, h1), 0);
	assert_string_equal(h1, "b7709437ed96cfea5e945598d60c3dca3f760ae0bace81cd59e10c87134e8765");

	memset(&r, 0, sizeof(r));
	r.id = 2;
	r.at = "2026-01-02T03:04:06Z";
	r.entry.account_id = 17;
	r.entry.actor = "bob";
	r.entry.role = "dispatcher";
	r.entry.scope_code = "440111005";
	r.entry.action = "user.grant";
	r.entry.target = "account:9";
	r.entry.result = "denied";
	r.prev_hash = h1;
	assert_int_equal(store_audit_hash(&r, h2), 0);
	assert_string_equal(h2, "79c151a32b832536259fd578ab6395c6d0f1f22f7f9a12f32a19b5031e1b7f42");

	/* NULL and "" differ; so do fields that only trade bytes */
	r.entry.ip = "";
	assert_int_equal(store_audit_hash(&r, h1), 0);
	assert_string_not_equal(h1, h2);
	r.entry.ip = NULL;
	r.entry.target = "account:";
	r.entry.detail = "9";
	assert_int_equal(store_audit_hash(&r, h1), 0);
	assert_string_not_equal(h1, h2);
}

/* ------------------------------------------------------ append and list */

static void test_empty(void **state)
{
	struct test_db *f = *state;
	struct owned_row o;
	struct err e = ERR_INIT;

	expect_verify(f->db, 0, 0, 0, NULL);
	assert_int_equal(store_audit_list(f->db, 0, 10, copy_row, &o, &e), 0);
}

struct page {
	int64_t ids[16];
	int n;
};

static int collect_ids(void *ctx, const struct audit_row *r)
{
	struct page *p = ctx;

	if (p->n < 16)
		p->ids[p->n] = r->id;
	p->n++;
	return 0;
}

static void test_append_verify_list(void **state)
{
	struct test_db *f = *state;
	struct owned_row o;
	struct page p;
	struct err e = ERR_INIT;
	int64_t before = 0, want = 40;
	char head[128];

	append_samples(f->db, 1, 40);
	expect_verify(f->db, 0, 40, 0, NULL);
	/* audit_head: last id and hash */
	get_row(f->db, 40, &o);
	OK(store_meta_get(f->db, "audit_head", head, sizeof(head), &e_));
	assert_true(!strncmp(head, "40 ", 3) && !strcmp(head + 3, o.hash));

	/* newest first, keyset pages of 16 */
	for (int page = 0; page < 3; page++) {
		memset(&p, 0, sizeof(p));
		assert_int_equal(store_audit_list(f->db, before, 16, collect_ids, &p, &e), 0);
		assert_int_equal(p.n, page < 2 ? 16 : 8);
		for (int i = 0; i < p.n; i++)
			assert_int_equal(p.ids[i], want--);
		before = p.ids[p.n - 1];
	}
	memset(&p, 0, sizeof(p));
	assert_int_equal(store_audit_list(f->db, 1, 16, collect_ids, &p, &e), 0);
	assert_int_equal(p.n, 0);
	/* the limit is clamped, not refused */
	memset(&p, 0, sizeof(p));
	assert_int_equal(store_audit_list(f->db, 0, 0, collect_ids, &p, &e), 0);
	assert_int_equal(p.n, 1);

	/* values come back as given: NULL, "", Chinese, quotes */
	get_row(f->db, 5, &o);                        /* sample 0: all absent */
	assert_string_equal(o.r.entry.actor, "-");
	assert_null(o.r.entry.role);
	assert_null(o.r.entry.detail);
	assert_true(o.r.account_id_null);
	get_row(f->db, 6, &o);                        /* sample 1 */
	assert_string_equal(o.r.entry.actor, "张三");
	assert_string_equal(o.r.entry.detail, "网格员上报第 6 件 '事件' \"急\" \\ 反斜杠");
	get_row(f->db, 7, &o);                        /* sample 2: empty strings */
	assert_non_null(o.r.entry.target);
	assert_string_equal(o.r.entry.target, "");
	assert_string_equal(o.r.entry.actor, "");
	assert_null(o.r.entry.ip);
	get_row(f->db, 8, &o);                        /* sample 3 */
	assert_false(o.r.account_id_null);
	assert_int_equal(o.r.entry.account_id, 8);
	assert_string_equal(o.r.entry.result, "denied");
	get_row(f->db, 9, &o);                        /* sample 4 */
	assert_string_equal(o.r.entry.target, "x'); DROP TABLE audit; --");
	get_row(f->db, 1, &o);
	assert_string_equal(o.r.prev_hash, "0000000000000000000000000000000000000000000000000000000000000000");
	assert_int_equal(strlen(o.r.hash), 64);
	assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM audit"), 40);
}

static void test_hostile_text(void **state)
{
	struct test_db *f = *state;
	struct audit_entry a;
	struct owned_row o;
	struct err e = ERR_INIT;
	char *big = malloc(20001);
	int64_t len;

	assert_non_null(big);
	for (int i = 0; i < 20000; i += 2) {           /* 10,000 × "é" (2 bytes) */
		big[i] = (char)0xC3;
		big[i + 1] = (char)0xA9;
	}
	big[20000] = '\0';
	memset(&a, 0, sizeof(a));
	a.actor = "bad\xff\xfe utf8";
	a.action = "test.hostile";
	a.result = "ok";
	a.target = "\x1b[31mred\x1b[0m";
	a.ip = "a\tb\nc";
	a.detail = big;
	OK(store_audit_append(f->db, &a, &e_));
	get_row(f->db, 1, &o);
	assert_string_equal(o.r.entry.actor, "bad?? utf8");
	assert_string_equal(o.r.entry.target, "?[31mred?[0m");
	assert_string_equal(o.r.entry.ip, "a?b?c");
	/* detail cut on a character boundary: valid UTF-8, at most the maximum */
	len = count_rows(f->db, "SELECT LENGTH(detail) FROM audit WHERE id = 1");  /* characters */
	assert_int_equal(len, AUDIT_DETAIL_MAX / 2);
	free(big);

	/* action and result are required; nothing is written without them */
	memset(&a, 0, sizeof(a));
	a.action = "x";
	assert_int_equal(store_audit_append(f->db, &a, &e), -1);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "audit.incomplete");
	err_clear(&e);
	a.action = "";
	a.result = "ok";
	assert_int_equal(store_audit_append(f->db, &a, &e), -1);
	assert_string_equal(e.code, "audit.incomplete");
	expect_verify(f->db, 0, 1, 0, NULL);
}

/* Inside the caller's transaction the row commits or rolls back with it. */
static void test_caller_transaction(void **state)
{
	struct test_db *f = *state;
	struct audit_entry a = {0};
	struct err e = ERR_INIT;
	char head[128];

	a.actor = "admin";
	a.action = "user.grant";
	a.result = "ok";
	OK(db_begin(f->db, &e_));
	OK(store_audit_append(f->db, &a, &e_));
	OK(store_audit_append(f->db, &a, &e_));
	db_rollback(f->db);
	assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM audit"), 0);
	assert_int_equal(store_meta_get(f->db, "audit_head", head, sizeof(head), &e), -1);
	assert_int_equal(e.status, 404);
	expect_verify(f->db, 0, 0, 0, NULL);

	OK(db_begin(f->db, &e_));
	OK(store_meta_set(f->db, "some_change", "1", &e_));
	OK(store_audit_append(f->db, &a, &e_));
	OK(db_commit(f->db, &e_));
	OK(store_audit_append(f->db, &a, &e_));    /* its own transaction */
	assert_false(db_in_tx(f->db));
	expect_verify(f->db, 0, 2, 0, NULL);
	/* the lock needs a transaction */
	err_clear(&e);
	assert_int_equal(db_lock_xact(f->db, AUDIT_LOCK_KEY, &e), -1);
	assert_string_equal(e.code, "db.no_tx");
}

/* -------------------------------------------------------------- tampering */

static void test_tamper_field(void **state)
{
	struct test_db *f = *state;

	append_samples(f->db, 1, 40);
	/* each edit is caught at its row; undoing it makes the chain whole again */
	sql(f->db, "UPDATE audit SET detail = 'nothing happened' WHERE id = 17");
	expect_verify(f->db, 1, 0, 17, "row 17: hash does not match its contents");
	sql(f->db, "UPDATE audit SET detail = NULL WHERE id = 17");    /* sample 2 had "" */
	expect_verify(f->db, 1, 0, 17, "hash does not match");
	sql(f->db, "UPDATE audit SET detail = '' WHERE id = 17");
	expect_verify(f->db, 0, 40, 0, NULL);

	sql(f->db, "UPDATE audit SET target = '' WHERE id = 16");       /* NULL -> "" */
	expect_verify(f->db, 1, 0, 16, "row 16: hash does not match");
	sql(f->db, "UPDATE audit SET target = NULL WHERE id = 16");
	sql(f->db, "UPDATE audit SET account_id = 1 WHERE id = 20");
	expect_verify(f->db, 1, 0, 20, "row 20");
	sql(f->db, "UPDATE audit SET account_id = NULL WHERE id = 20");
	sql(f->db, "UPDATE audit SET result = 'ok' WHERE id = 3");       /* was denied */
	expect_verify(f->db, 1, 0, 3, "row 3");
	sql(f->db, "UPDATE audit SET result = 'denied' WHERE id = 3");
	sql(f->db, "UPDATE audit SET at = '2020-01-01T00:00:00Z' WHERE id = 40");
	expect_verify(f->db, 1, 0, 40, "row 40: hash does not match");
	/* two edits: the first one is named */
	sql(f->db, "UPDATE audit SET actor = 'nobody' WHERE id = 25");
	sql(f->db, "UPDATE audit SET actor = 'nobody' WHERE id = 30");
	expect_verify(f->db, 1, 0, 25, "row 25");
}

static void test_tamper_field_and_hash(void **state)
{
	struct test_db *f = *state;
	struct owned_row o;

	append_samples(f->db, 1, 40);
	/* row 17 edited and its hash recomputed: row 18's prev_hash gives it away */
	get_row(f->db, 17, &o);
	o.r.entry.detail = "rewritten";
	assert_int_equal(store_audit_hash(&o.r, o.hash), 0);
	put_row(f->db, &o);
	expect_verify(f->db, 1, 0, 18, "row 18: prev_hash does not match row 17");

	/* the whole tail from 17 on rewritten: only audit_head still disagrees */
	for (int64_t id = 18; id <= 40; id++) {
		char prev[AUDIT_HASH_HEX];
		str_copy(prev, sizeof(prev), o.hash);
		get_row(f->db, id, &o);
		str_copy(o.prev, sizeof(o.prev), prev);
		assert_int_equal(store_audit_hash(&o.r, o.hash), 0);
		put_row(f->db, &o);
	}
	expect_verify(f->db, 1, 0, 40, "row 40: hash differs from the one audit_head records");
}

static void test_delete_rows(void **state)
{
	struct test_db *f = *state;

	append_samples(f->db, 1, 40);
	sql(f->db, "DELETE FROM audit WHERE id = 17");
	expect_verify(f->db, 1, 0, 18, "row 18: prev_hash does not match row 16 (row 17 deleted?)");
	sql(f->db, "DELETE FROM audit WHERE id IN (18, 19)");
	expect_verify(f->db, 1, 0, 20, "rows 17-19 deleted?");
	sql(f->db, "DELETE FROM audit WHERE id = 1");
	expect_verify(f->db, 1, 0, 2, "row 2: first row, prev_hash is not the genesis value (row 1 deleted?)");
}

static void test_delete_tail(void **state)
{
	struct test_db *f = *state;
	struct owned_row o;
	char head[128];

	append_samples(f->db, 1, 40);
	/* the chain alone cannot see a shortened tail: rows 1..39 still link
	 * up. audit_head, moved with every append, can. */
	sql(f->db, "DELETE FROM audit WHERE id = 40");
	expect_verify(f->db, 1, 0, 40, "row 40: missing, audit_head records 40 rows (tail deleted?)");
	sql(f->db, "DELETE FROM audit WHERE id >= 35");
	expect_verify(f->db, 1, 0, 35, "row 35: missing");
	/* audit_head deleted too: reported */
	sql(f->db, "DELETE FROM meta WHERE key = 'audit_head'");
	expect_verify(f->db, 1, 0, 1, "audit_head is missing");
	/* malformed audit_head */
	sql(f->db, "INSERT INTO meta (key, value) VALUES ('audit_head', 'garbage')");
	expect_verify(f->db, 1, 0, 0, "malformed");
	/* The limit (docs/audit.md): an intruder who deletes the tail AND sets
	 * audit_head to the new last row leaves nothing to find inside the
	 * database. Only a head exported elsewhere shows it. */
	get_row(f->db, 34, &o);
	snprintf(head, sizeof(head), "34 %s", o.hash);
	OK(store_meta_set(f->db, "audit_head", head, &e_));
	expect_verify(f->db, 0, 34, 0, NULL);
	/* appending goes on from there */
	append_samples(f->db, 35, 36);
	expect_verify(f->db, 0, 36, 0, NULL);
	/* every row deleted, head kept */
	sql(f->db, "DELETE FROM audit");
	expect_verify(f->db, 1, 0, 1, "row 1: missing, audit_head records 36 rows");
}

static void test_forged_rows(void **state)
{
	struct test_db *f = *state;
	struct owned_row o;

	append_samples(f->db, 1, 40);
	get_row(f->db, 40, &o);
	/* a forged row with a made-up hash */
	forge_row(f->db, 41, o.hash, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
	expect_verify(f->db, 1, 0, 41, "row 41: hash does not match its contents");
	sql(f->db, "DELETE FROM audit WHERE id = 41");
	expect_verify(f->db, 0, 40, 0, NULL);
	/* chained to the wrong row */
	forge_row(f->db, 41, "0000000000000000000000000000000000000000000000000000000000000000", NULL);
	expect_verify(f->db, 1, 0, 41, "row 41: prev_hash does not match row 40");
	sql(f->db, "DELETE FROM audit WHERE id = 41");
	/* perfectly chained, by someone who knows the algorithm: audit_head
	 * did not move, so the row is not covered */
	forge_row(f->db, 41, o.hash, NULL);
	expect_verify(f->db, 1, 0, 41, "row 41: not covered by audit_head, which ends at row 40");
	sql(f->db, "DELETE FROM audit WHERE id = 41");
	/* far beyond the end */
	forge_row(f->db, 100, o.hash, NULL);
	expect_verify(f->db, 1, 0, 100, "rows 41-99");
	sql(f->db, "DELETE FROM audit WHERE id = 100");
	/* in a gap made for it: row 17 replaced */
	sql(f->db, "DELETE FROM audit WHERE id = 17");
	get_row(f->db, 16, &o);
	forge_row(f->db, 17, o.hash, NULL);
	expect_verify(f->db, 1, 0, 18, "row 18: prev_hash does not match row 17");
}

/* ------------------------------------------------------------ concurrency */

#define THREADS 4
#define PER_THREAD 200

struct appender {
	const char *url;
	int n;                         /* which thread */
	int errors;
	char err[256];
};

/* Append PER_THREAD rows on a connection of its own, every other one in a
 * transaction of the caller (with a second write in it). */
static void *append_many(void *arg)
{
	struct appender *ap = arg;
	struct db *db = NULL;
	struct err e = ERR_INIT;
	char actor[32], detail[64];

	if (db_open(ap->url, &db, &e) < 0) {
		ap->errors++;
		snprintf(ap->err, sizeof(ap->err), "%s", e.msg_en);
		return NULL;
	}
	snprintf(actor, sizeof(actor), "thread%d", ap->n);
	for (int i = 0; i < PER_THREAD; i++) {
		struct audit_entry a = {0};
		int r;

		snprintf(detail, sizeof(detail), "事件 %d/%d", ap->n, i);
		a.actor = actor;
		a.action = "test.concurrent";
		a.result = "ok";
		a.detail = detail;
		if (i % 2) {
			r = store_audit_append(db, &a, &e);
		} else {
			r = db_begin(db, &e);
			if (r == 0)
				r = store_meta_set(db, actor, detail, &e);
			if (r == 0)
				r = store_audit_append(db, &a, &e);
			if (r == 0)
				r = db_commit(db, &e);
			else
				db_rollback(db);
		}
		if (r < 0) {
			ap->errors++;
			snprintf(ap->err, sizeof(ap->err), "%s", e.msg_en);
			err_clear(&e);
		}
	}
	db_close(db);
	return NULL;
}

static void test_concurrent_appends(void **state)
{
	struct test_db *f = *state;
	pthread_t t[THREADS];
	struct appender ap[THREADS];

	for (int i = 0; i < THREADS; i++) {
		memset(&ap[i], 0, sizeof(ap[i]));
		ap[i].url = f->url;
		ap[i].n = i;
		assert_int_equal(pthread_create(&t[i], NULL, append_many, &ap[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		if (ap[i].errors)
			fail_msg("thread %d: %d errors, last: %s", i, ap[i].errors, ap[i].err);
	}
	expect_verify(f->db, 0, THREADS * PER_THREAD, 0, NULL);
	assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM audit"), THREADS * PER_THREAD);
	assert_int_equal(count_rows(f->db, "SELECT MAX(id) FROM audit"), THREADS * PER_THREAD);
	assert_int_equal(count_rows(f->db, "SELECT COUNT(DISTINCT actor) FROM audit"), THREADS);
	assert_int_equal(count_rows(f->db, "SELECT COUNT(*) FROM audit WHERE actor = 'thread2'"),
	                 PER_THREAD);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, test_db_setup, test_db_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_known_answer),
		T(test_empty),
		T(test_append_verify_list),
		T(test_hostile_text),
		T(test_caller_transaction),
		T(test_tamper_field),
		T(test_tamper_field_and_hash),
		T(test_delete_rows),
		T(test_delete_tail),
		T(test_forged_rows),
		T(test_concurrent_appends),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
