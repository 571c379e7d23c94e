/*
 * test_screen.c - unit tests of the big screen's pure parts: the grid-code
 * range of a subtree (src/store/store_screen.c) and the map's default level
 * (src/app/screen.c). The figures are tested end to end in
 * tests/api/1400-screen.test.mjs, on both backends.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "app/screen.h"
#include "store/store_screen.h"
#include "lib/banned.h"

static void range(const char *code, const char *lo_want, const char *hi_want)
{
	char lo[SCREEN_CODE_MAX], hi[SCREEN_CODE_MAX];

	store_screen_range(code, lo, hi);
	assert_string_equal(lo, lo_want);
	assert_string_equal(hi, hi_want);
}

static void test_range(void **state)
{
	(void)state;
	range("440111", "440111", "440112");
	range("440111002", "440111002", "440111003");
	range("440111009", "440111009", "44011101");        /* 440111009xxx < 44011101 */
	range("440111099", "440111099", "4401111");
	range("4401110020010199", "4401110020010199", "44011100200102");
	range("999", "999", ":");                           /* past every digit */
	/* the range holds the subtree and nothing else */
	assert_true(strcmp("4401110099990199", "44011101") < 0);
	assert_true(strcmp("440111010", "44011101") >= 0);
}

static void test_child_level(void **state)
{
	(void)state;
	assert_int_equal(screen_child_level(LEVEL_DISTRICT), LEVEL_TOWN);
	assert_int_equal(screen_child_level(LEVEL_TOWN), LEVEL_COMMUNITY);
	assert_int_equal(screen_child_level(LEVEL_COMMUNITY), LEVEL_GRID);   /* areas are only a grouping */
	assert_int_equal(screen_child_level(LEVEL_AREA), LEVEL_GRID);
	assert_int_equal(screen_child_level(LEVEL_GRID), LEVEL_GRID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_range),
		cmocka_unit_test(test_child_level),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
