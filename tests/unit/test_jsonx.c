/*
 * test_jsonx.c - unit tests of src/lib/jsonx.c: parsing untrusted JSON,
 * checked getters, and the shape of the JSON error body.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/banned.h"

static json_t *parse(const char *s, struct err *e)
{
	return jsonx_parse(s, strlen(s), e);
}

/* ---------------------------------------------------------------- parse */

static void test_parse_ok(void **state)
{
	struct err e = ERR_INIT;
	json_t *j = parse("{\"name\":\"白云区\",\"n\":[1,2.5,null,true]}", &e);

	assert_non_null(j);
	assert_false(err_isset(&e));
	assert_string_equal(json_string_value(json_object_get(j, "name")), "白云区");
	json_decref(j);

	/* len is honoured: trailing bytes beyond it are not read */
	j = jsonx_parse("{}garbage", 2, &e);
	assert_non_null(j);
	json_decref(j);
}

static void test_parse_empty(void **state)
{
	struct err e = ERR_INIT;

	assert_null(jsonx_parse("", 0, &e));
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "json.empty");
	err_clear(&e);
	assert_null(jsonx_parse(NULL, 10, &e));
	assert_string_equal(e.code, "json.empty");
	err_clear(&e);
	assert_null(jsonx_parse("{}", 0, &e));                /* zero length is empty */
	assert_string_equal(e.code, "json.empty");
}

static void test_parse_malformed_position(void **state)
{
	struct err e = ERR_INIT;

	assert_null(parse("{\"a\": 1,\n  \"b\": }", &e));
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "json.malformed");
	assert_non_null(strstr(e.msg_en, "line 2 column"));
	assert_non_null(strstr(e.msg, "第 2 行"));
	assert_true(str_valid_utf8(e.msg, strlen(e.msg)));
}

static void test_parse_malformed_various(void **state)
{
	static const char *const bad[] = {
		"{", "}", "[1,]", "{\"a\":1,}", "{'a':1}", "{\"a\" 1}", "nul", "{\"a\":01}",
		"{\"a\":NaN}", "{\"a\":Infinity}", "{\"a\":1e400}",           /* real overflow */
		"{\"a\":99999999999999999999}",                              /* int overflow */
		"{\"a\":\"\\u0000\"}",                                       /* NUL refused */
		"{\"a\":\"\xff\"}",                                          /* bad UTF-8 */
		"{\"a\":\"\\ud800\"}",                                       /* lone surrogate */
		"{} {}", "{}x", "\"just a string\"", "42", "true", "null",   /* top-level scalar */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct err e = ERR_INIT;
		json_t *j = parse(bad[i], &e);
		if (j) {
			json_decref(j);
			fail_msg("accepted %s", bad[i]);
		}
		assert_string_equal(e.code, "json.malformed");
		assert_true(str_valid_utf8(e.msg, strlen(e.msg)));
	}
}

static void test_parse_duplicate_keys(void **state)
{
	struct err e = ERR_INIT;

	assert_null(parse("{\"lat\":1,\"lat\":2}", &e));
	assert_string_equal(e.code, "json.malformed");
	assert_non_null(strstr(e.msg_en, "duplicate"));
	err_clear(&e);
	/* nested objects too */
	assert_null(parse("{\"g\":{\"type\":\"Polygon\",\"type\":\"Point\"}}", &e));
	assert_string_equal(e.code, "json.malformed");
}

static void test_parse_object(void **state)
{
	struct err e = ERR_INIT;
	json_t *j = jsonx_parse_object("{}", 2, &e);

	assert_non_null(j);
	json_decref(j);
	assert_null(jsonx_parse_object("[1,2]", 5, &e));
	assert_int_equal(e.status, 400);
	assert_string_equal(e.code, "json.not_object");
	err_clear(&e);
	assert_null(jsonx_parse_object("[", 1, &e));          /* malformed wins over not_object */
	assert_string_equal(e.code, "json.malformed");
}

/* -------------------------------------------------------------- getters */

static json_t *body(void)
{
	struct err e = ERR_INIT;
	json_t *j = parse("{\"s\":\"abc\",\"zh\":\"网格\",\"n\":23.5,\"i\":42,\"big\":9007199254740993,"
	                  "\"neg\":-5,\"z\":null,\"a\":[1,2,3],\"o\":{},\"t\":true,\"f\":1.0}", &e);
	assert_non_null(j);
	return j;
}

static void test_string(void **state)
{
	json_t *j = body();
	struct err e = ERR_INIT;
	const char *s = "untouched";

	assert_int_equal(jsonx_string(j, "s", 1, 3, &s, &e), 0);   /* maxlen inclusive */
	assert_string_equal(s, "abc");
	assert_int_equal(jsonx_string(j, "zh", 1, 6, &s, &e), 0);  /* bytes, not characters */
	assert_string_equal(s, "网格");
	assert_false(err_isset(&e));

	assert_int_equal(jsonx_string(j, "zh", 1, 5, &s, &e), -1);
	assert_string_equal(e.code, "field.too_long");
	assert_string_equal(e.param, "zh");
	assert_int_equal(e.status, 400);
	err_clear(&e);

	s = "untouched";
	assert_int_equal(jsonx_string(j, "missing", 0, 10, &s, &e), 0);
	assert_int_equal(jsonx_string(j, "z", 0, 10, &s, &e), 0);  /* null = missing */
	assert_string_equal(s, "untouched");
	assert_false(err_isset(&e));

	assert_int_equal(jsonx_string(j, "missing", 1, 10, &s, &e), -1);
	assert_string_equal(e.code, "field.missing");
	assert_string_equal(e.param, "missing");
	assert_string_equal(e.msg_en, "missing field 'missing'");
	err_clear(&e);
	assert_int_equal(jsonx_string(j, "z", 1, 10, &s, &e), -1);
	assert_string_equal(e.code, "field.missing");
	err_clear(&e);

	static const char *const wrong[] = {"n", "i", "a", "o", "t"};
	for (size_t k = 0; k < 5; k++) {
		assert_int_equal(jsonx_string(j, wrong[k], 1, 10, &s, &e), -1);
		assert_string_equal(e.code, "field.type");
		assert_string_equal(e.param, wrong[k]);
		err_clear(&e);
	}
	assert_string_equal(s, "untouched");
	json_decref(j);
}

static void test_string_embedded_nul(void **state)
{
	json_t *j = json_object();
	struct err e = ERR_INIT;
	const char *s = NULL;

	json_object_set_new(j, "name", json_stringn("ab\0cd", 5));
	assert_int_equal(jsonx_string(j, "name", 1, 100, &s, &e), -1);
	assert_string_equal(e.code, "field.invalid");
	assert_string_equal(e.param, "name");
	assert_null(s);
	json_decref(j);
}

static void test_number(void **state)
{
	json_t *j = body();
	struct err e = ERR_INIT;
	double d = -1;

	assert_int_equal(jsonx_number(j, "n", 1, -90, 90, &d, &e), 0);
	assert_true(d == 23.5);
	assert_int_equal(jsonx_number(j, "i", 1, 0, 42, &d, &e), 0);   /* integers are numbers */
	assert_true(d == 42);
	assert_int_equal(jsonx_number(j, "n", 1, 23.5, 23.5, &d, &e), 0);
	assert_false(err_isset(&e));

	d = -1;
	assert_int_equal(jsonx_number(j, "n", 1, -10, 10, &d, &e), -1);
	assert_string_equal(e.code, "field.range");
	assert_string_equal(e.param, "n");
	assert_string_equal(e.msg_en, "field 'n' must be in [-10, 10]");
	assert_true(d == -1);
	err_clear(&e);
	assert_int_equal(jsonx_number(j, "neg", 1, 0, 10, &d, &e), -1);
	assert_string_equal(e.code, "field.range");
	err_clear(&e);
	assert_int_equal(jsonx_number(j, "s", 1, 0, 10, &d, &e), -1);
	assert_string_equal(e.code, "field.type");
	err_clear(&e);
	assert_int_equal(jsonx_number(j, "t", 1, 0, 10, &d, &e), -1);   /* true is not 1 */
	assert_string_equal(e.code, "field.type");
	err_clear(&e);
	assert_int_equal(jsonx_number(j, "z", 1, 0, 10, &d, &e), -1);
	assert_string_equal(e.code, "field.missing");
	err_clear(&e);
	assert_int_equal(jsonx_number(j, "z", 0, 0, 10, &d, &e), 0);
	assert_true(d == -1);
	json_decref(j);
}

static void test_number_never_nan(void **state)
{
	/* jansson cannot hold NaN or infinities; JSON text cannot carry them */
	assert_null(json_real(__builtin_nan("")));
	assert_null(json_real(__builtin_inf()));
}

static void test_int(void **state)
{
	json_t *j = body();
	struct err e = ERR_INIT;
	int64_t v = 7;

	assert_int_equal(jsonx_int(j, "i", 1, 0, 100, &v, &e), 0);
	assert_int_equal(v, 42);
	assert_int_equal(jsonx_int(j, "big", 1, 0, INT64_MAX, &v, &e), 0);
	assert_true(v == 9007199254740993LL);                  /* exact, not through double */
	assert_int_equal(jsonx_int(j, "neg", 1, -5, -5, &v, &e), 0);
	assert_int_equal(v, -5);
	assert_false(err_isset(&e));

	v = 7;
	assert_int_equal(jsonx_int(j, "i", 1, 0, 41, &v, &e), -1);
	assert_string_equal(e.code, "field.range");
	assert_string_equal(e.msg_en, "field 'i' must be in [0, 41]");
	assert_int_equal(v, 7);
	err_clear(&e);
	assert_int_equal(jsonx_int(j, "f", 1, 0, 10, &v, &e), -1);     /* 1.0 is a real */
	assert_string_equal(e.code, "field.type");
	err_clear(&e);
	assert_int_equal(jsonx_int(j, "n", 1, 0, 100, &v, &e), -1);
	assert_string_equal(e.code, "field.type");
	err_clear(&e);
	assert_int_equal(jsonx_int(j, "nope", 1, 0, 100, &v, &e), -1);
	assert_string_equal(e.code, "field.missing");
	err_clear(&e);
	assert_int_equal(jsonx_int(j, "nope", 0, 0, 100, &v, &e), 0);
	assert_int_equal(v, 7);
	json_decref(j);
}

static void test_array(void **state)
{
	json_t *j = body(), *a = NULL;
	struct err e = ERR_INIT;

	assert_int_equal(jsonx_array(j, "a", 1, 3, &a, &e), 0);
	assert_non_null(a);
	assert_int_equal(json_array_size(a), 3);
	a = NULL;
	assert_int_equal(jsonx_array(j, "a", 1, 2, &a, &e), -1);
	assert_int_equal(e.status, 413);
	assert_string_equal(e.code, "field.too_many");
	assert_string_equal(e.param, "a");
	assert_null(a);
	err_clear(&e);
	assert_int_equal(jsonx_array(j, "o", 1, 2, &a, &e), -1);
	assert_string_equal(e.code, "field.type");
	err_clear(&e);
	assert_int_equal(jsonx_array(j, "zz", 1, 2, &a, &e), -1);
	assert_string_equal(e.code, "field.missing");
	err_clear(&e);
	assert_int_equal(jsonx_array(j, "zz", 0, 2, &a, &e), 0);
	assert_null(a);
	json_decref(j);
}

static void test_getters_on_non_object(void **state)
{
	json_t *arr = json_array();
	struct err e = ERR_INIT;
	const char *s = NULL;

	assert_int_equal(jsonx_string(arr, "x", 1, 10, &s, &e), -1);
	assert_string_equal(e.code, "field.missing");
	err_clear(&e);
	assert_int_equal(jsonx_string(NULL, "x", 0, 10, &s, &e), 0);
	assert_null(s);
	json_decref(arr);
}

static void test_first_getter_error_kept(void **state)
{
	json_t *j = body();
	struct err e = ERR_INIT;
	double d;
	int64_t v;

	jsonx_number(j, "s", 1, 0, 1, &d, &e);
	jsonx_int(j, "nope", 1, 0, 1, &v, &e);
	assert_string_equal(e.code, "field.type");
	assert_string_equal(e.param, "s");
	json_decref(j);
}

/* ---------------------------------------------------------------- error */

static void check_error_shape(json_t *j, const char *code, const char *param)
{
	json_t *inner;
	const char *k;
	json_t *v;

	assert_non_null(j);
	assert_true(json_is_object(j));
	assert_int_equal(json_object_size(j), 1);
	inner = json_object_get(j, "error");
	assert_true(json_is_object(inner));
	json_object_foreach(inner, k, v) {
		if (strcmp(k, "code") && strcmp(k, "message") && strcmp(k, "message_en") &&
		    strcmp(k, "param"))
			fail_msg("unexpected key '%s'", k);
		assert_true(json_is_string(v));
	}
	assert_string_equal(json_string_value(json_object_get(inner, "code")), code);
	assert_true(json_string_length(json_object_get(inner, "message")) > 0);
	assert_true(json_string_length(json_object_get(inner, "message_en")) > 0);
	if (param)
		assert_string_equal(json_string_value(json_object_get(inner, "param")), param);
	else
		assert_null(json_object_get(inner, "param"));
}

static void test_error_shape(void **state)
{
	struct err e = ERR_INIT;
	json_t *j;

	err_set_param(&e, 400, "field.range", "lat", "字段 '%s' 超出范围", "field '%s' out of range", "lat");
	j = jsonx_error(&e);
	check_error_shape(j, "field.range", "lat");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "message")),
	                    "字段 'lat' 超出范围");
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "message_en")),
	                    "field 'lat' out of range");
	json_decref(j);

	err_clear(&e);
	err_set(&e, 404, "unit.not_found", "找不到", "not found");
	j = jsonx_error(&e);
	check_error_shape(j, "unit.not_found", NULL);
	json_decref(j);
}

static void test_error_defaults(void **state)
{
	struct err e = ERR_INIT;
	json_t *j = jsonx_error(&e);                           /* nothing set: internal */

	check_error_shape(j, "internal", NULL);
	json_decref(j);
}

static void test_error_with_hostile_text(void **state)
{
	struct err e = ERR_INIT;
	char *s;
	json_t *j;

	/* quotes, backslashes, control bytes and broken UTF-8 from user input:
	 * the body must still be produced and be valid JSON */
	err_set_param(&e, 404, "unit.not_found", "co\"de", "找不到单位 '%s'", "unknown unit '%s'",
	              "\"}\\\n\x01\xff\xED\xA0\x80</script>");
	j = jsonx_error(&e);
	check_error_shape(j, "unit.not_found", "co\"de");
	s = json_dumps(j, JSON_COMPACT);
	assert_non_null(s);
	json_decref(j);
	{
		struct err e2 = ERR_INIT;
		json_t *back = jsonx_parse(s, strlen(s), &e2);
		assert_non_null(back);
		json_decref(back);
	}
	free(s);
}

static void test_set_str_or_null(void **state)
{
	json_t *o = json_object();

	jsonx_set_str_or_null(o, "a", "x");
	jsonx_set_str_or_null(o, "b", "");
	jsonx_set_str_or_null(o, "c", NULL);
	assert_string_equal(json_string_value(json_object_get(o, "a")), "x");
	assert_true(json_is_null(json_object_get(o, "b")));
	assert_true(json_is_null(json_object_get(o, "c")));
	json_decref(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_malformed_position),
		cmocka_unit_test(test_parse_malformed_various),
		cmocka_unit_test(test_parse_duplicate_keys),
		cmocka_unit_test(test_parse_object),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_string_embedded_nul),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_number_never_nan),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_array),
		cmocka_unit_test(test_getters_on_non_object),
		cmocka_unit_test(test_first_getter_error_kept),
		cmocka_unit_test(test_error_shape),
		cmocka_unit_test(test_error_defaults),
		cmocka_unit_test(test_error_with_hostile_text),
		cmocka_unit_test(test_set_str_or_null),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
