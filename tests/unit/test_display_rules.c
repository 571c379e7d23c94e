/*
 * test_display_rules.c - unit tests of src/domain/display_rules.c (pairing
 * codes, lifetimes and statuses of wall displays) and of the display role
 * in src/domain/role.c (named, never granted).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "domain/display_rules.h"
#include "domain/role.h"
#include "domain/unit_code.h"
#include "lib/banned.h"

static void test_code_encode(void **state)
{
	unsigned char zero[DISPLAY_CODE_BYTES] = {0}, ones[DISPLAY_CODE_BYTES];
	char code[DISPLAY_CODE_MAX], again[DISPLAY_CODE_MAX];

	(void)state;
	display_code_encode(zero, code);
	assert_string_equal(code, "000000000000");
	memset(ones, 0xff, sizeof(ones));
	display_code_encode(ones, code);
	assert_string_equal(code, "ZZZZZZZZZZZZ");
	assert_int_equal(strlen(code), DISPLAY_CODE_LEN);
	/* every character is of the alphabet, and the code reads back as itself */
	for (int b = 0; b < 256; b += 7) {
		unsigned char raw[DISPLAY_CODE_BYTES];
		for (int i = 0; i < DISPLAY_CODE_BYTES; i++)
			raw[i] = (unsigned char)(b * (i + 3) + i);
		display_code_encode(raw, code);
		assert_null(strpbrk(code, "ILOUilou"));
		assert_int_equal(display_code_normalize(code, again), 0);
		assert_string_equal(again, code);
	}
}

static void test_code_normalize(void **state)
{
	char out[DISPLAY_CODE_MAX];

	(void)state;
	assert_int_equal(display_code_normalize("ABCD-EFGH-JKMN", out), 0);
	assert_string_equal(out, "ABCDEFGHJKMN");
	/* typed by hand: case, spaces and dashes do not matter; I/L are 1, O is 0 */
	assert_int_equal(display_code_normalize(" abcd efgh-jkmn ", out), 0);
	assert_string_equal(out, "ABCDEFGHJKMN");
	assert_int_equal(display_code_normalize("OIL0-1234-5678", out), 0);
	assert_string_equal(out, "011012345678");
	/* not a code */
	assert_int_equal(display_code_normalize("ABCD-EFGH-JKM", out), -1);        /* 11 */
	assert_int_equal(display_code_normalize("ABCD-EFGH-JKMNP", out), -1);      /* 13 */
	assert_int_equal(display_code_normalize("ABCD-EFGH-JKMU", out), -1);       /* U */
	assert_int_equal(display_code_normalize("ABCD_EFGH_JKMN", out), -1);
	assert_int_equal(display_code_normalize("ABCDEFGHJKM\xc3\xa9", out), -1);
	assert_int_equal(display_code_normalize("", out), -1);
	assert_int_equal(display_code_normalize(NULL, out), -1);
	assert_int_equal(display_code_normalize("A-B-C-D-E-F-G-H-J-K-M-N--------------------", out), -1);
}

static void test_code_format(void **state)
{
	char out[DISPLAY_CODE_MAX];

	(void)state;
	display_code_format("ABCDEFGHJKMN", out);
	assert_string_equal(out, "ABCD-EFGH-JKMN");
	assert_int_equal(strlen(out), DISPLAY_CODE_SHOWN);
}

static void test_status(void **state)
{
	const time_t now = 1800000000;
	struct display_facts f;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.pair_expires = now + 60;
	assert_int_equal(display_status(&f, now), DISPLAY_PENDING);
	f.pair_expires = now;
	assert_int_equal(display_status(&f, now), DISPLAY_UNPAIRED);
	assert_false(display_token_valid(&f, now));

	f.paired = 1;
	f.expires = now + 86400;
	f.last_seen = now - 60;
	assert_int_equal(display_status(&f, now), DISPLAY_ACTIVE);
	assert_true(display_token_valid(&f, now));
	/* absolute lifetime */
	f.expires = now;
	assert_int_equal(display_status(&f, now), DISPLAY_EXPIRED);
	/* idle: DISPLAY_IDLE_DAYS without a request */
	f.expires = now + 86400;
	f.last_seen = now - (time_t)DISPLAY_IDLE_DAYS * 86400 + 1;
	assert_int_equal(display_status(&f, now), DISPLAY_ACTIVE);
	f.last_seen = now - (time_t)DISPLAY_IDLE_DAYS * 86400;
	assert_int_equal(display_status(&f, now), DISPLAY_EXPIRED);
	/* revoked wins over everything */
	f.last_seen = now;
	f.revoked = 1;
	assert_int_equal(display_status(&f, now), DISPLAY_REVOKED);
	assert_false(display_token_valid(&f, now));

	assert_string_equal(display_status_name(DISPLAY_ACTIVE), "active");
	assert_string_equal(display_status_label(DISPLAY_REVOKED), "已停用");
	assert_string_equal(display_status_name((enum display_status)99), "");
}

static void test_display_role(void **state)
{
	(void)state;
	assert_string_equal(role_name(ROLE_DISPLAY), "display");
	assert_string_equal(role_label(ROLE_DISPLAY), "大屏");
	/* never granted: not parsed, bound to no level */
	assert_int_equal(role_parse("display"), 0);
	for (int l = 0; l <= LEVEL_GRID; l++)
		assert_false(role_level_ok(ROLE_DISPLAY, l));
	/* and no group of people's roles holds it */
	assert_false(ROLE_STAFF & ROLE_DISPLAY);
	assert_false(ROLE_ANY & ROLE_DISPLAY);
	assert_int_equal(role_parse("command"), ROLE_COMMAND);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_code_encode),
		cmocka_unit_test(test_code_normalize),
		cmocka_unit_test(test_code_format),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_display_role),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
