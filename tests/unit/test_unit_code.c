/*
 * test_unit_code.c - unit tests of src/domain/unit_code.c: levels by code
 * length, parent and child codes, subtrees, level names, labels and kinds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "domain/unit_code.h"
#include "lib/str.h"
#include "lib/banned.h"

static void test_levels_by_length(void **state)
{
	assert_int_equal(unit_code_level("440111"), LEVEL_DISTRICT);
	assert_int_equal(unit_code_level("440111002"), LEVEL_TOWN);
	assert_int_equal(unit_code_level("440111002001"), LEVEL_COMMUNITY);
	assert_int_equal(unit_code_level("44011100200101"), LEVEL_AREA);
	assert_int_equal(unit_code_level("4401110020010103"), LEVEL_GRID);
	assert_int_equal(unit_code_level("110101"), LEVEL_DISTRICT);   /* 东城区 */
	assert_int_equal(unit_code_level("000001"), LEVEL_DISTRICT);
}

static void test_invalid_codes(void **state)
{
	static const char *const bad[] = {
		"", "4", "44", "4401", "44011", "4401110", "44011100", "4401110020",
		"44011100200", "4401110020010", "440111002001010", "44011100200101031",
		"44011100200101030000",
		"44011a", "44O111", "440111 ", " 440111", "440-11", "+44011", "-44011",
		"４４０１１１",                                         /* full-width digits */
		"440100", "440000", "110100",                           /* district ending 00 */
		"44011100200101\n3",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (unit_code_level(bad[i]) != LEVEL_NONE)
			fail_msg("'%s' accepted as level %d", bad[i], unit_code_level(bad[i]));
	assert_int_equal(unit_code_level(NULL), LEVEL_NONE);
}

static void test_check(void **state)
{
	struct err e = ERR_INIT;

	assert_int_equal(unit_code_check("440111002", "code", &e), 0);
	assert_false(err_isset(&e));
	assert_int_equal(unit_code_check("4401x", "code", &e), -1);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "unit.bad_code");
	assert_string_equal(e.param, "code");
	assert_non_null(strstr(e.msg_en, "'4401x'"));
	err_clear(&e);
	assert_int_equal(unit_code_check(NULL, "under", &e), -1);
	assert_string_equal(e.param, "under");
	err_clear(&e);

	/* a long hostile value is quoted cut short, and the message stays UTF-8 */
	assert_int_equal(unit_code_check("网网网网网网网网网网网网网网网网网网网网", "code", &e), -1);
	assert_true(str_valid_utf8(e.msg, strlen(e.msg)));
	assert_true(str_valid_utf8(e.msg_en, strlen(e.msg_en)));
	assert_true(strlen(e.msg_en) < 120);
}

static void test_parent(void **state)
{
	char p[32];

	assert_int_equal(unit_code_parent("4401110020010103", p, sizeof(p)), 0);
	assert_string_equal(p, "44011100200101");
	assert_int_equal(unit_code_parent("44011100200101", p, sizeof(p)), 0);
	assert_string_equal(p, "440111002001");
	assert_int_equal(unit_code_parent("440111002001", p, sizeof(p)), 0);
	assert_string_equal(p, "440111002");
	assert_int_equal(unit_code_parent("440111002", p, sizeof(p)), 0);
	assert_string_equal(p, "440111");
	p[0] = 'x';
	assert_int_equal(unit_code_parent("440111", p, sizeof(p)), 0);
	assert_string_equal(p, "");                           /* a district is a root */

	assert_int_equal(unit_code_parent("4401", p, sizeof(p)), -1);
	assert_int_equal(unit_code_parent("440100", p, sizeof(p)), -1);
	assert_int_equal(unit_code_parent(NULL, p, sizeof(p)), -1);
}

static void test_parent_small_buffer(void **state)
{
	char p[32];

	memset(p, 'Z', sizeof(p));
	/* the buffer must hold the code itself (and so its parent) */
	assert_int_equal(unit_code_parent("4401110020010103", p, 16), -1);
	assert_int_equal(p[0], 'Z');                          /* nothing written */
	assert_int_equal(unit_code_parent("4401110020010103", p, 17), 0);
	assert_string_equal(p, "44011100200101");
}

static void test_child(void **state)
{
	char c[32];

	assert_int_equal(unit_code_child("440111", 2, c, sizeof(c)), 0);
	assert_string_equal(c, "440111002");
	assert_int_equal(unit_code_child("440111002", 1, c, sizeof(c)), 0);
	assert_string_equal(c, "440111002001");
	assert_int_equal(unit_code_child("440111002001", 1, c, sizeof(c)), 0);
	assert_string_equal(c, "44011100200101");
	assert_int_equal(unit_code_child("44011100200101", 3, c, sizeof(c)), 0);
	assert_string_equal(c, "4401110020010103");
	assert_int_equal(unit_code_level(c), LEVEL_GRID);

	/* bounds of the serial: 1..999 for 3 digits, 1..99 for 2 */
	assert_int_equal(unit_code_child("440111", 999, c, sizeof(c)), 0);
	assert_string_equal(c, "440111999");
	assert_int_equal(unit_code_child("440111", 1000, c, sizeof(c)), -1);
	assert_int_equal(unit_code_child("440111", 0, c, sizeof(c)), -1);
	assert_int_equal(unit_code_child("440111", -1, c, sizeof(c)), -1);
	assert_int_equal(unit_code_child("440111002001", 99, c, sizeof(c)), 0);
	assert_string_equal(c, "44011100200199");
	assert_int_equal(unit_code_child("440111002001", 100, c, sizeof(c)), -1);
	assert_int_equal(unit_code_child("44011100200101", 100, c, sizeof(c)), -1);

	/* a grid has no children; invalid parents have none either */
	assert_int_equal(unit_code_child("4401110020010103", 1, c, sizeof(c)), -1);
	assert_int_equal(unit_code_child("4401", 1, c, sizeof(c)), -1);
	assert_int_equal(unit_code_child(NULL, 1, c, sizeof(c)), -1);

	/* the output must fit */
	assert_int_equal(unit_code_child("440111", 1, c, 9), -1);
	assert_int_equal(unit_code_child("440111", 1, c, 10), 0);
	assert_string_equal(c, "440111001");
}

static void test_child_parent_round_trip(void **state)
{
	char child[32], parent[32];
	const char *codes[] = {"440111", "440111002", "440111002001", "44011100200101"};

	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(unit_code_child(codes[i], 7, child, sizeof(child)), 0);
		assert_int_equal(unit_code_level(child), unit_code_level(codes[i]) + 1);
		assert_int_equal(unit_code_parent(child, parent, sizeof(parent)), 0);
		assert_string_equal(parent, codes[i]);
		assert_true(unit_code_under(child, codes[i]));
	}
}

static void test_under(void **state)
{
	assert_true(unit_code_under("4401110020010103", "440111"));
	assert_true(unit_code_under("4401110020010103", "440111002"));
	assert_true(unit_code_under("4401110020010103", "4401110020010103"));  /* itself */
	assert_true(unit_code_under("440111002", "440111"));
	assert_false(unit_code_under("440111", "440111002"));                /* ancestor */
	assert_false(unit_code_under("440112001", "440111"));                /* sibling */
	assert_false(unit_code_under("440111003001", "440111002"));
	assert_false(unit_code_under(NULL, "440111"));
	assert_false(unit_code_under("440111", NULL));
	/* only codes: not a string prefix test */
	assert_false(unit_code_under("440111", ""));                         /* not "everything" */
	assert_false(unit_code_under("440111002", "44011"));
	assert_false(unit_code_under("4401110020", "440111"));
	assert_false(unit_code_under("440111002x", "440111002"));
	assert_false(unit_code_under("", ""));
}

static void test_level_names(void **state)
{
	static const struct { enum unit_level l; const char *name, *label, *kind; } lv[] = {
		{LEVEL_DISTRICT, "district", "区", "区"},
		{LEVEL_TOWN, "town", "镇街", "街道"},
		{LEVEL_COMMUNITY, "community", "村社区", "社区"},
		{LEVEL_AREA, "area", "片区", "片区"},
		{LEVEL_GRID, "grid", "网格", "网格"},
	};
	for (size_t i = 0; i < 5; i++) {
		assert_string_equal(unit_level_name(lv[i].l), lv[i].name);
		assert_string_equal(unit_level_label(lv[i].l), lv[i].label);
		assert_string_equal(unit_kind_default(lv[i].l), lv[i].kind);
		assert_int_equal(unit_level_parse(lv[i].name), lv[i].l);
		assert_true(unit_kind_valid(lv[i].l, unit_kind_default(lv[i].l)));
	}
	assert_string_equal(unit_level_name(LEVEL_NONE), "");
	assert_string_equal(unit_level_name((enum unit_level)6), "");
	assert_string_equal(unit_level_name((enum unit_level)-1), "");
	assert_string_equal(unit_level_label((enum unit_level)42), "");
	assert_string_equal(unit_kind_default((enum unit_level)42), "");
	assert_int_equal(unit_level_parse("District"), LEVEL_NONE);
	assert_int_equal(unit_level_parse(""), LEVEL_NONE);
	assert_int_equal(unit_level_parse("网格"), LEVEL_NONE);
	assert_int_equal(unit_level_parse(NULL), LEVEL_NONE);
}

static void test_kinds(void **state)
{
	assert_true(unit_kind_valid(LEVEL_DISTRICT, "县"));
	assert_true(unit_kind_valid(LEVEL_DISTRICT, "县级市"));
	assert_true(unit_kind_valid(LEVEL_TOWN, "镇"));
	assert_true(unit_kind_valid(LEVEL_TOWN, "乡"));
	assert_true(unit_kind_valid(LEVEL_COMMUNITY, "村"));
	assert_false(unit_kind_valid(LEVEL_TOWN, "社区"));         /* kind of another level */
	assert_false(unit_kind_valid(LEVEL_GRID, "片区"));
	assert_false(unit_kind_valid(LEVEL_AREA, ""));
	assert_false(unit_kind_valid(LEVEL_AREA, NULL));
	assert_false(unit_kind_valid(LEVEL_NONE, "区"));
	assert_false(unit_kind_valid((enum unit_level)9, "区"));
	assert_false(unit_kind_valid(LEVEL_DISTRICT, "区 "));
}

static void test_dept_district(void **state)
{
	char out[16], tiny[4];

	(void)state;
	assert_int_equal(unit_code_dept_district("440111-cg", out, sizeof(out)), 0);
	assert_string_equal(out, "440111");
	assert_int_equal(unit_code_dept_district("440111-", out, sizeof(out)), 0);
	assert_string_equal(out, "440111");
	/* no dash, not a district before it, a town, too small a buffer */
	assert_int_equal(unit_code_dept_district("440111", out, sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(unit_code_dept_district("44011x-cg", out, sizeof(out)), -1);
	assert_int_equal(unit_code_dept_district("440111002-cg", out, sizeof(out)), -1);
	assert_int_equal(unit_code_dept_district("-cg", out, sizeof(out)), -1);
	assert_int_equal(unit_code_dept_district("440111-cg", tiny, sizeof(tiny)), -1);
	assert_int_equal(unit_code_dept_district(NULL, out, sizeof(out)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels_by_length),
		cmocka_unit_test(test_invalid_codes),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_parent),
		cmocka_unit_test(test_parent_small_buffer),
		cmocka_unit_test(test_child),
		cmocka_unit_test(test_child_parent_round_trip),
		cmocka_unit_test(test_under),
		cmocka_unit_test(test_dept_district),
		cmocka_unit_test(test_level_names),
		cmocka_unit_test(test_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
