/*
 * test_str.c - unit tests of src/lib/str.c: bounded copy, strict number
 * parsing and the UTF-8 check that guards query text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/str.h"
#include "lib/banned.h"

/* ------------------------------------------------------------ str_copy */

static void test_copy_fits(void **state)
{
	char d[8];

	assert_int_equal(str_copy(d, sizeof(d), "abc"), 3);
	assert_string_equal(d, "abc");
	assert_int_equal(str_copy(d, sizeof(d), ""), 0);
	assert_string_equal(d, "");
	assert_int_equal(str_copy(d, sizeof(d), "1234567"), 7);   /* exactly fits */
	assert_string_equal(d, "1234567");
}

static void test_copy_truncates(void **state)
{
	char d[8];

	memset(d, 'x', sizeof(d));
	assert_int_equal(str_copy(d, sizeof(d), "123456789"), 7);
	assert_string_equal(d, "1234567");
	assert_int_equal(d[7], '\0');

	assert_int_equal(str_copy(d, 1, "abc"), 0);                /* room for the NUL only */
	assert_int_equal(d[0], '\0');
}

static void test_copy_zero_size(void **state)
{
	char d[2] = {'q', 'q'};

	assert_int_equal(str_copy(d, 0, "abc"), 0);                /* writes nothing */
	assert_int_equal(d[0], 'q');
	assert_int_equal(d[1], 'q');
}

/* --------------------------------------------------------- parse_int64 */

static void test_int_valid(void **state)
{
	int64_t v = 0;

	assert_int_equal(parse_int64("0", 0, 10, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(parse_int64("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_int64("-17", -100, 100, &v), 0);
	assert_int_equal(v, -17);
	assert_int_equal(parse_int64("007", 0, 100, &v), 0);
	assert_int_equal(v, 7);
	assert_int_equal(parse_int64("9223372036854775807", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MAX);
	assert_int_equal(parse_int64("-9223372036854775808", INT64_MIN, INT64_MAX, &v), 0);
	assert_true(v == INT64_MIN);
}

static void test_int_bounds_inclusive(void **state)
{
	int64_t v = 99;

	assert_int_equal(parse_int64("1", 1, 5, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(parse_int64("5", 1, 5, &v), 0);
	assert_int_equal(v, 5);
	v = 99;
	assert_int_equal(parse_int64("0", 1, 5, &v), -1);
	assert_int_equal(parse_int64("6", 1, 5, &v), -1);
	assert_int_equal(parse_int64("-1", 0, 5, &v), -1);
	assert_int_equal(v, 99);                                   /* untouched on failure */
}

static void test_int_refused(void **state)
{
	static const char *const bad[] = {
		"", " ", "-", "+", "+1", " 1", "1 ", "1\n", "\t1", "1a", "a1", "0x10", "1e3",
		"1.0", "1,000", "--1", "-+1", "- 1", "١", /* Arabic-Indic digit one */
		"9223372036854775808",                                     /* INT64_MAX + 1 */
		"-9223372036854775809",                                    /* INT64_MIN - 1 */
		"99999999999999999999999999",
	};
	int64_t v = 1234;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_int64(bad[i], INT64_MIN, INT64_MAX, &v) != -1)
			fail_msg("parse_int64 accepted '%s'", bad[i]);
		assert_int_equal(v, 1234);
	}
	assert_int_equal(parse_int64(NULL, 0, 1, &v), -1);
}

/* -------------------------------------------------------- parse_double */

static void test_double_valid(void **state)
{
	double v = 0;

	assert_int_equal(parse_double("23.1291", -90, 90, &v), 0);
	assert_true(v == 23.1291);
	assert_int_equal(parse_double("-113.5", -180, 180, &v), 0);
	assert_true(v == -113.5);
	assert_int_equal(parse_double("1e2", 0, 1000, &v), 0);
	assert_true(v == 100.0);
	assert_int_equal(parse_double("1E-2", 0, 1, &v), 0);
	assert_true(v == 0.01);
	assert_int_equal(parse_double(".5", 0, 1, &v), 0);
	assert_true(v == 0.5);
	assert_int_equal(parse_double("5.", 0, 10, &v), 0);
	assert_true(v == 5.0);
	assert_int_equal(parse_double("+5", 0, 10, &v), 0);          /* strtod's own sign */
	assert_true(v == 5.0);
	assert_int_equal(parse_double("-0", -1, 1, &v), 0);
	assert_true(v == 0.0);
}

static void test_double_bounds(void **state)
{
	double v = 7;

	assert_int_equal(parse_double("90", -90, 90, &v), 0);
	assert_true(v == 90);
	assert_int_equal(parse_double("-90", -90, 90, &v), 0);
	assert_true(v == -90);
	v = 7;
	assert_int_equal(parse_double("90.0000001", -90, 90, &v), -1);
	assert_int_equal(parse_double("-90.0000001", -90, 90, &v), -1);
	assert_int_equal(parse_double("1e3", -90, 90, &v), -1);
	assert_true(v == 7);
}

static void test_double_refused(void **state)
{
	static const char *const bad[] = {
		"", "nan", "NaN", "-nan", "inf", "-inf", "INF", "infinity", "0x1p3", "0X10",
		"1e999", "-1e999", "1e", "e5", ".", "-", "+", "1.2.3", "1e5e5", " 1", "1 ",
		"1,5", "1_000", "١", "12abc", "--1",
		/* longer than 64 bytes */
		"0.00000000000000000000000000000000000000000000000000000000000000001",
	};
	double v = 42;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_double(bad[i], -1e308, 1e308, &v) != -1)
			fail_msg("parse_double accepted '%s'", bad[i]);
		assert_true(v == 42);
	}
	assert_int_equal(parse_double(NULL, 0, 1, &v), -1);
}

/* ------------------------------------------------------ str_valid_utf8 */

#define VALID(lit) str_valid_utf8(lit, sizeof(lit) - 1)

static void test_utf8_valid(void **state)
{
	assert_true(VALID(""));
	assert_true(VALID("plain ascii 123 ~"));
	assert_true(VALID("白云区"));
	assert_true(VALID("京溪街道 · 网格"));
	assert_true(VALID("tab\there\nline\r\n"));
	assert_true(VALID("\xC2\x80"));                      /* U+0080, smallest 2-byte */
	assert_true(VALID("\xDF\xBF"));                      /* U+07FF */
	assert_true(VALID("\xE0\xA0\x80"));                  /* U+0800, smallest 3-byte */
	assert_true(VALID("\xED\x9F\xBF"));                  /* U+D7FF, just below surrogates */
	assert_true(VALID("\xEE\x80\x80"));                  /* U+E000, just above */
	assert_true(VALID("\xEF\xBF\xBD"));                  /* U+FFFD */
	assert_true(VALID("\xF0\x90\x80\x80"));              /* U+10000, smallest 4-byte */
	assert_true(VALID("\xF0\x9F\x98\x80"));              /* emoji */
	assert_true(VALID("\xF4\x8F\xBF\xBF"));              /* U+10FFFF, the last one */
}

static void test_utf8_len_bounds_check(void **state)
{
	/* only len bytes are looked at */
	assert_true(str_valid_utf8("ab\x01", 2));
	assert_false(str_valid_utf8("ab\x01", 3));
	/* a sequence cut by len is truncated */
	assert_false(str_valid_utf8("\xE7\x99\xBD", 2));
	assert_true(str_valid_utf8("\xE7\x99\xBD", 3));
}

static void test_utf8_overlong(void **state)
{
	assert_false(VALID("\xC0\x80"));                     /* NUL, 2 bytes */
	assert_false(VALID("\xC0\xAF"));                     /* '/', 2 bytes */
	assert_false(VALID("\xC1\xBF"));
	assert_false(VALID("\xE0\x80\xAF"));                 /* '/', 3 bytes */
	assert_false(VALID("\xE0\x9F\xBF"));                 /* U+07FF in 3 bytes */
	assert_false(VALID("\xF0\x80\x80\xAF"));             /* '/', 4 bytes */
	assert_false(VALID("\xF0\x8F\xBF\xBF"));             /* U+FFFF in 4 bytes */
}

static void test_utf8_surrogates_and_range(void **state)
{
	/* jansson refuses these, so accepting them would turn a 400 into a 500 */
	assert_false(VALID("\xED\xA0\x80"));                 /* U+D800 */
	assert_false(VALID("\xED\xBF\xBF"));                 /* U+DFFF */
	assert_false(VALID("\xED\xA0\xBD\xED\xB8\x80"));     /* CESU-8 pair */
	assert_false(VALID("\xF4\x90\x80\x80"));             /* U+110000 */
	assert_false(VALID("\xF5\x80\x80\x80"));
	assert_false(VALID("\xF8\x88\x80\x80\x80"));         /* old 5-byte form */
	assert_false(VALID("\xFE"));
	assert_false(VALID("\xFF"));
}

static void test_utf8_truncated_and_stray(void **state)
{
	assert_false(VALID("\xC3"));
	assert_false(VALID("\xE7\x99"));
	assert_false(VALID("\xF0\x9F\x98"));
	assert_false(VALID("ok\xE7\x99"));
	assert_false(VALID("\x80"));                         /* stray continuation */
	assert_false(VALID("a\xBFz"));
	assert_false(VALID("\xE7\x41\xBD"));                 /* ASCII inside a sequence */
	assert_false(VALID("\xC3\xC3\xA9"));
}

static void test_utf8_controls(void **state)
{
	char nul[] = {'a', '\0', 'b'};

	assert_false(str_valid_utf8(nul, sizeof(nul)));      /* embedded NUL */
	assert_false(VALID("\x01"));
	assert_false(VALID("bell\a"));
	assert_false(VALID("esc\x1b[31m"));
	assert_false(VALID("\x1f"));
	assert_true(VALID(" "));
}

/* ------------------------------------------------------ str_starts_with */

static void test_starts_with(void **state)
{
	assert_true(str_starts_with("/vendor/echarts/x.js", "/vendor/"));
	assert_true(str_starts_with("abc", ""));
	assert_true(str_starts_with("abc", "abc"));
	assert_false(str_starts_with("ab", "abc"));
	assert_false(str_starts_with("xabc", "abc"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_fits),
		cmocka_unit_test(test_copy_truncates),
		cmocka_unit_test(test_copy_zero_size),
		cmocka_unit_test(test_int_valid),
		cmocka_unit_test(test_int_bounds_inclusive),
		cmocka_unit_test(test_int_refused),
		cmocka_unit_test(test_double_valid),
		cmocka_unit_test(test_double_bounds),
		cmocka_unit_test(test_double_refused),
		cmocka_unit_test(test_utf8_valid),
		cmocka_unit_test(test_utf8_len_bounds_check),
		cmocka_unit_test(test_utf8_overlong),
		cmocka_unit_test(test_utf8_surrogates_and_range),
		cmocka_unit_test(test_utf8_truncated_and_stray),
		cmocka_unit_test(test_utf8_controls),
		cmocka_unit_test(test_starts_with),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
