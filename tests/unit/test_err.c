/*
 * test_err.c - unit tests of src/lib/err.c: the error context that travels
 * up the call chain (first error wins, both languages, param, and messages
 * that always stay valid UTF-8 so they can go into JSON).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/err.h"
#include "lib/str.h"
#include "lib/banned.h"

static void test_init_is_clear(void **state)
{
	struct err e = ERR_INIT;

	assert_false(err_isset(&e));
	assert_false(err_isset(NULL));
	assert_int_equal(e.status, 0);
	assert_string_equal(e.code, "");
	assert_string_equal(e.param, "");
}

static void test_set_formats_both(void **state)
{
	struct err e = ERR_INIT;

	assert_int_equal(err_set(&e, 404, "unit.not_found", "找不到单位 '%s'（第 %d 级）",
	                         "unknown unit '%s' (level %d)", "440111", 1), -1);
	assert_true(err_isset(&e));
	assert_int_equal(e.status, 404);
	assert_string_equal(e.code, "unit.not_found");
	assert_string_equal(e.msg, "找不到单位 '440111'（第 1 级）");
	assert_string_equal(e.msg_en, "unknown unit '440111' (level 1)");
	assert_string_equal(e.param, "");
}

static void test_many_args_same_order(void **state)
{
	struct err e = ERR_INIT;

	/* va_list consumed twice: the second message must see the same args */
	err_set(&e, 400, "x", "%s|%d|%g|%lld|%c", "%s|%d|%g|%lld|%c",
	        "a", -7, 2.5, (long long)1 << 40, 'z');
	assert_string_equal(e.msg, "a|-7|2.5|1099511627776|z");
	assert_string_equal(e.msg_en, e.msg);
}

static void test_first_error_wins(void **state)
{
	struct err e = ERR_INIT;

	err_set_param(&e, 400, "field.missing", "lat", "缺少字段 '%s'", "missing field '%s'", "lat");
	assert_int_equal(err_set(&e, 500, "db.error", "数据库错误", "database error"), -1);
	assert_int_equal(err_set_param(&e, 409, "db.constraint", "code", "冲突", "conflict"), -1);
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "field.missing");
	assert_string_equal(e.msg_en, "missing field 'lat'");
	assert_string_equal(e.param, "lat");
}

static void test_param(void **state)
{
	struct err e = ERR_INIT;

	assert_int_equal(err_set_param(&e, 400, "param.invalid", "limit", "参数 '%s' 无效",
	                               "parameter '%s' is invalid", "limit"), -1);
	assert_string_equal(e.param, "limit");
	assert_string_equal(e.msg, "参数 'limit' 无效");

	err_clear(&e);
	err_set_param(&e, 400, "p", NULL, "x", "x");          /* NULL param is "" */
	assert_string_equal(e.param, "");
}

static void test_clear_and_null(void **state)
{
	struct err e = ERR_INIT;

	err_set(&e, 503, "db.busy", "忙", "busy");
	err_clear(&e);
	assert_false(err_isset(&e));
	assert_string_equal(e.code, "");
	assert_string_equal(e.msg, "");
	err_set(&e, 400, "again", "再次", "again");            /* settable after clear */
	assert_string_equal(e.code, "again");

	/* a NULL err is allowed: the caller does not want details */
	assert_int_equal(err_set(NULL, 400, "x", "x", "x"), -1);
	assert_int_equal(err_set_param(NULL, 400, "x", "p", "x", "x"), -1);
	err_clear(NULL);
}

static void test_long_fields_truncated(void **state)
{
	struct err e = ERR_INIT;
	char code[200], param[200], text[1000];

	memset(code, 'c', sizeof(code) - 1);
	code[sizeof(code) - 1] = '\0';
	memset(param, 'p', sizeof(param) - 1);
	param[sizeof(param) - 1] = '\0';
	memset(text, 't', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	err_set_param(&e, 400, code, param, "%s", "%s", text);
	assert_int_equal(strlen(e.code), ERR_CODE_MAX - 1);
	assert_int_equal(strlen(e.param), ERR_PARAM_MAX - 1);
	assert_int_equal(strlen(e.msg), ERR_MSG_MAX - 1);
	assert_int_equal(strlen(e.msg_en), ERR_MSG_MAX - 1);
}

static void test_truncation_keeps_utf8(void **state)
{
	struct err e = ERR_INIT;
	char text[1201] = "";

	/* 400 times a 3-byte character: the 383-byte cut falls inside one */
	for (int i = 0; i < 400; i++)
		memcpy(text + 3 * i, "网", 4);
	err_set(&e, 400, "x", "%s", "x%s", text);
	assert_true(str_valid_utf8(e.msg, strlen(e.msg)));
	assert_true(str_valid_utf8(e.msg_en, strlen(e.msg_en)));
	assert_int_equal(strlen(e.msg) % 3, 0);               /* whole characters only */
	assert_int_equal(strlen(e.msg), 381);
	assert_int_equal(strlen(e.msg_en), 382);               /* "x" + 127 characters */
}

static void test_invalid_input_bytes_replaced(void **state)
{
	struct err e = ERR_INIT;

	/* a user-supplied code with a broken byte quoted into the message */
	err_set_param(&e, 404, "unit.not_found", "a\xff", "找不到单位 '%s'", "unknown unit '%s'",
	              "44\xC0\xAF" "01\xED\xA0\x80");
	assert_true(str_valid_utf8(e.msg, strlen(e.msg)));
	assert_true(str_valid_utf8(e.msg_en, strlen(e.msg_en)));
	assert_true(str_valid_utf8(e.param, strlen(e.param)));
	assert_string_equal(e.msg_en, "unknown unit '44??01?\?\?'");
	assert_string_equal(e.param, "a?");
	assert_string_equal(e.msg, "找不到单位 '44??01?\?\?'");
}

/* err_pass hands an inner error up, unless the caller's error is set. */
static void test_pass(void **state)
{
	struct err e = ERR_INIT, inner = ERR_INIT, first = ERR_INIT;

	(void)state;
	err_set(&inner, 503, "db.busy", "数据库繁忙", "database busy");
	assert_int_equal(err_pass(&e, &inner), -1);
	assert_int_equal(e.status, 503);
	assert_string_equal(e.code, "db.busy");
	assert_string_equal(e.msg, "数据库繁忙");
	err_set(&first, 400, "x.first", "先", "first");
	assert_int_equal(err_pass(&first, &inner), -1);
	assert_string_equal(first.code, "x.first");
	assert_int_equal(err_pass(NULL, &inner), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_is_clear),
		cmocka_unit_test(test_set_formats_both),
		cmocka_unit_test(test_many_args_same_order),
		cmocka_unit_test(test_first_error_wins),
		cmocka_unit_test(test_param),
		cmocka_unit_test(test_clear_and_null),
		cmocka_unit_test(test_long_fields_truncated),
		cmocka_unit_test(test_truncation_keeps_utf8),
		cmocka_unit_test(test_invalid_input_bytes_replaced),
		cmocka_unit_test(test_pass),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
