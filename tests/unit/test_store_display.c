/*
 * test_store_display.c - unit tests of src/store/store_display.c (the rows
 * of wall displays) on SQLite, or PostgreSQL with WANGGE_TEST_PG: a code
 * pairs once, revoking clears the pending code and keeps the token's hash
 * (so a revoked token can be told from an unknown one), the list pages
 * newest first, live displays are counted per unit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "store/store_display.h"
#include "testutil.h"
#include "lib/banned.h"

#define OK(call) do {                                                   \
	struct err e_ = ERR_INIT;                                       \
	if ((call) < 0)                                                 \
		fail_msg("%s: %d %s %s", #call, e_.status, e_.code, e_.msg_en); \
} while (0)

#define H(c) (c "000000000000000000000000000000000000000000000000000000000000000")  /* a fake 64-hex hash */

static int64_t add(struct db *db, const char *name, const char *unit, const char *pair_hash)
{
	struct display_rec d;
	int64_t id = 0;

	memset(&d, 0, sizeof(d));
	snprintf(d.name, sizeof(d.name), "%s", name);
	snprintf(d.unit, sizeof(d.unit), "%s", unit);
	snprintf(d.created_at, sizeof(d.created_at), "2026-11-26T08:00:00Z");
	snprintf(d.pair_expires_at, sizeof(d.pair_expires_at), "2026-11-27T08:00:00Z");
	OK(store_display_add(db, &d, pair_hash, &id, &e_));
	return id;
}

static int collect(void *ctx, const struct display_rec *d)
{
	int64_t *ids = ctx;
	ids[++ids[0]] = d->id;
	return ids[0] >= 8;
}

static void test_pair_once_and_revoke(void **state)
{
	struct test_db *f = *state;
	struct display_rec d;
	struct err e = ERR_INIT;
	int64_t id = add(f->db, "白云区指挥中心大屏1", "440111", H("a")), n = 0;

	OK(store_display_get(f->db, id, &d, &e_));
	assert_string_equal(d.name, "白云区指挥中心大屏1");
	assert_true(d.pair_pending);
	assert_false(d.paired);
	assert_string_equal(d.created_by_name, "");
	OK(store_display_by_pair(f->db, H("a"), &d, &e_));
	assert_int_equal(d.id, id);
	assert_int_equal(store_display_by_token(f->db, H("b"), &d, &e), -1);
	assert_int_equal(e.status, 404);
	assert_string_equal(e.code, "display.not_found");

	/* the code becomes the token, once */
	OK(store_display_pair(f->db, id, H("a"), H("b"), "2026-11-26T09:00:00Z", "2027-02-24T09:00:00Z",
	                      "10.0.0.7", "Chromium", &e_));
	e = (struct err)ERR_INIT;
	assert_int_equal(store_display_pair(f->db, id, H("a"), H("c"), "2026-11-26T09:00:01Z",
	                                    "2027-02-24T09:00:01Z", NULL, NULL, &e), -1);
	assert_int_equal(e.status, 404);
	OK(store_display_by_token(f->db, H("b"), &d, &e_));
	assert_true(d.paired);
	assert_false(d.pair_pending);
	assert_string_equal(d.paired_ip, "10.0.0.7");
	assert_string_equal(d.expires_at, "2027-02-24T09:00:00Z");
	assert_string_equal(d.last_seen_at, "2026-11-26T09:00:00Z");
	OK(store_display_touch(f->db, id, "2026-11-26T10:00:00Z", &e_));
	OK(store_display_get(f->db, id, &d, &e_));
	assert_string_equal(d.last_seen_at, "2026-11-26T10:00:00Z");

	/* a new code leaves the token working until it is used */
	OK(store_display_set_pairing(f->db, id, H("d"), "2026-11-27T10:00:00Z", &e_));
	OK(store_display_by_token(f->db, H("b"), &d, &e_));
	assert_true(d.pair_pending);
	OK(store_display_count_live(f->db, "440111", &n, &e_));
	assert_int_equal(n, 1);

	/* revoked: the code is gone, the token's row still found (to say "revoked") */
	OK(store_display_revoke(f->db, id, 0, "2026-11-26T11:00:00Z", &e_));
	OK(store_display_by_token(f->db, H("b"), &d, &e_));
	assert_string_equal(d.revoked_at, "2026-11-26T11:00:00Z");
	assert_false(d.pair_pending);
	e = (struct err)ERR_INIT;
	assert_int_equal(store_display_by_pair(f->db, H("d"), &d, &e), -1);
	assert_int_equal(e.status, 404);
	e = (struct err)ERR_INIT;
	assert_int_equal(store_display_revoke(f->db, id, 0, "2026-11-26T12:00:00Z", &e), -1);
	assert_int_equal(e.status, 404);
	e = (struct err)ERR_INIT;
	assert_int_equal(store_display_set_pairing(f->db, id, H("e"), "2026-11-27T12:00:00Z", &e), -1);
	assert_int_equal(e.status, 404);
	OK(store_display_count_live(f->db, "440111", &n, &e_));
	assert_int_equal(n, 0);
	e = (struct err)ERR_INIT;
	assert_int_equal(store_display_get(f->db, id + 1000, &d, &e), -1);
	assert_int_equal(e.status, 404);
}

static void test_list_pages(void **state)
{
	struct test_db *f = *state;
	int64_t id[12], got[16];
	char name[32];
	struct err e = ERR_INIT;

	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "大屏%d", i);
		char hash[80];
		snprintf(hash, sizeof(hash), "%064x", i + 1);
		id[i] = add(f->db, name, i % 2 ? "440111002" : "440111010", hash);
	}
	memset(got, 0, sizeof(got));
	OK(store_display_list(f->db, 0, 5, collect, got, &e_));
	assert_int_equal(got[0], 5);
	assert_int_equal(got[1], id[11]);               /* newest first */
	assert_int_equal(got[5], id[7]);
	memset(got, 0, sizeof(got));
	OK(store_display_list(f->db, id[7], 100, collect, got, &e_));
	assert_int_equal(got[1], id[6]);
	/* a callback that stops the walk: its value comes back */
	memset(got, 0, sizeof(got));
	assert_int_equal(store_display_list(f->db, 0, 100, collect, got, &e), 1);
	assert_int_equal(got[0], 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pair_once_and_revoke, test_db_setup, test_db_teardown),
		cmocka_unit_test_setup_teardown(test_list_pages, test_db_setup, test_db_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
