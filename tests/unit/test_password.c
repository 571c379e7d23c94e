/*
 * test_password.c - unit tests of src/domain/password.c: the password
 * policy (length in characters and bytes, common passwords, one repeated
 * character, closeness to the user name, invalid UTF-8) and the masking of
 * phone numbers and ID card numbers, including short, odd and truncated
 * output.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "app/demo.h"
#include "domain/password.h"
#include "lib/banned.h"

/* password_check(pw, user) refuses with code; the err names the field. */
static void refused(const char *pw, const char *user, const char *code)
{
	struct err e = ERR_INIT;

	if (password_check(pw, user, &e) != -1)
		fail_msg("'%s' accepted, expected %s", pw ? pw : "(null)", code);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, code);
	assert_string_equal(e.param, "password");
	assert_true(e.msg[0] && e.msg_en[0]);
}

static void accepted(const char *pw, const char *user)
{
	struct err e = ERR_INIT;

	if (password_check(pw, user, &e) != 0)
		fail_msg("'%s' refused: %s", pw, e.msg_en);
	assert_false(err_isset(&e));        /* untouched on success */
}

static void test_length(void **state)
{
	char big[PASSWORD_MAX + 2];

	refused("", "zhang", "password.too_short");
	refused("Ab1-xyz", "zhang", "password.too_short");
	refused("Abc-12345", "zhang", "password.too_short");          /* 9 */
	accepted("Abc-123456", "zhang");                              /* 10 */
	/* characters, not bytes: 9 Chinese characters are 27 bytes, still short */
	refused("网格管理员的密码吧", "zhang", "password.too_short");
	accepted("网格化管理员的新密码", "zhang");                    /* 10 characters */

	for (size_t i = 0; i < PASSWORD_MAX; i++)
		big[i] = "Ab1-"[i % 4];
	big[PASSWORD_MAX] = '\0';
	accepted(big, "zhang");                                       /* 128 bytes */
	big[PASSWORD_MAX] = 'x';
	big[PASSWORD_MAX + 1] = '\0';
	refused(big, "zhang", "password.too_long");
}

static void test_common(void **state)
{
	refused("1234567890", "zhang", "password.common");
	refused("QWERTYUIOP", "zhang", "password.common");            /* any case */
	refused("Password123", "zhang", "password.common");
	refused("woaini1314", "zhang", "password.common");
	refused("zzzzzzzzzzzz", "zhang", "password.common");          /* one character */
	refused("网网网网网网网网网网", "zhang", "password.common");   /* one character, 3 bytes */
	accepted("1234567890-grid", "zhang");                         /* contains, not equals */
}

static void test_like_username(void **state)
{
	refused("zhangsan12!", "zhangsan12", "password.like_username");
	refused("ZHANGSAN12ab", "zhangsan12", "password.like_username");
	/* the name is a small part of a long password: fine */
	accepted("zhangsan12-lives-in-baiyun", "zhangsan12");
	accepted("Quite-Long-Pass-1", NULL);
	accepted("Quite-Long-Pass-1", "");
}

static void test_invalid(void **state)
{
	refused(NULL, "zhang", "password.invalid");
	refused("abc\xff\xfe" "defghijk", "zhang", "password.invalid");
	refused("abc\xc0\xaf" "defghijk", "zhang", "password.invalid");  /* overlong '/' */
	refused("abc\x01" "defghijkl", "zhang", "password.invalid");     /* control character */
}

static void test_demo_password(void **state)
{
	/* every demo log-in uses it: it must pass for each of their names */
	static const char *const users[] = {
		"admin", "command", "dispatcher", "station", "gridleader", "gridworker",
		"chengguan", "leader", "resident",
	};
	for (size_t i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		accepted(DEMO_PASSWORD, users[i]);
}

static void test_mask_phone(void **state)
{
	char out[64];

	mask_phone("13900000012", out, sizeof(out));
	assert_string_equal(out, "139****0012");
	mask_phone("139-0000-0012", out, sizeof(out));                /* dashes dropped */
	assert_string_equal(out, "139****0012");
	mask_phone("+86 139 0000 0012", out, sizeof(out));            /* 13 digits: first 3, last 4 */
	assert_string_equal(out, "+86 1** **** 0012");
	mask_phone("020-8666 1234", out, sizeof(out));                /* landline: spaces stay */
	assert_string_equal(out, "020**** 1234");
	mask_phone("12345", out, sizeof(out));                        /* short: last 2 only */
	assert_string_equal(out, "***45");
	mask_phone("110", out, sizeof(out));
	assert_string_equal(out, "*10");
	mask_phone("", out, sizeof(out));
	assert_string_equal(out, "");
	mask_phone(NULL, out, sizeof(out));
	assert_string_equal(out, "");

	/* bounded output: cut, always terminated, never past n */
	memset(out, 'x', sizeof(out));
	mask_phone("13900000012", out, 5);
	assert_string_equal(out, "139*");
	assert_int_equal(out[5], 'x');
	out[0] = 'x';
	mask_phone("13900000012", out, 0);
	assert_int_equal(out[0], 'x');
	/* a number is never shown whole */
	mask_phone("13912345678", out, sizeof(out));
	assert_null(strstr(out, "13912345678"));
	assert_null(strstr(out, "2345"));
}

static void test_mask_id_card(void **state)
{
	char out[64];

	mask_id_card("440111199001011234", out, sizeof(out));
	assert_string_equal(out, "440111********1234");
	mask_id_card("44011119900101123X", out, sizeof(out));
	assert_string_equal(out, "440111********123X");
	mask_id_card("440111900101123", out, sizeof(out));            /* old 15-digit */
	assert_string_equal(out, "440111*****1123");
	mask_id_card("1234567890", out, sizeof(out));                 /* too short to show any */
	assert_string_equal(out, "**********");
	mask_id_card("12", out, sizeof(out));
	assert_string_equal(out, "**");
	mask_id_card("", out, sizeof(out));
	assert_string_equal(out, "");
	mask_id_card(NULL, out, sizeof(out));
	assert_string_equal(out, "");

	memset(out, 'x', sizeof(out));
	mask_id_card("440111199001011234", out, 9);
	assert_string_equal(out, "440111**");
	assert_int_equal(out[9], 'x');
	out[0] = 'x';
	mask_id_card("440111199001011234", out, 0);
	assert_int_equal(out[0], 'x');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_common),
		cmocka_unit_test(test_like_username),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_demo_password),
		cmocka_unit_test(test_mask_phone),
		cmocka_unit_test(test_mask_id_card),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
