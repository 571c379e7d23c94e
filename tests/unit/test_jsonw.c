/*
 * test_jsonw.c - unit tests of src/lib/jsonw.c: the JSON text writer
 * writes exactly what jansson's json_dumps() writes for the same values
 * with the flags of http_reply_json() (JSON_COMPACT | JSON_REAL_PRECISION(15)),
 * byte for byte: strings with every control character, quotes, backslashes,
 * slashes and UTF-8; integers to both ends; reals of every shape; nesting.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include "lib/jsonw.h"
#include "lib/banned.h"

#define FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* {"k": v} written both ways must be the same text. */
static void same(json_t *v, void (*write)(struct jsonw *, const void *), const void *arg)
{
	json_t *o = json_object();
	struct buf b;
	struct jsonw w;
	char *want;

	json_object_set_new(o, "k", v);
	want = json_dumps(o, FLAGS);
	assert_non_null(want);
	buf_init(&b, 1 << 20);
	jw_init(&w, &b);
	jw_obj(&w);
	jw_key(&w, "k");
	write(&w, arg);
	jw_obj_end(&w);
	assert_int_equal(w.err, 0);
	assert_string_equal(b.data, want);
	free(want);
	buf_release(&b);
	json_decref(o);
}

static void w_str(struct jsonw *w, const void *a) { jw_str(w, a); }
static void w_int(struct jsonw *w, const void *a) { jw_int(w, *(const int64_t *)a); }
static void w_real(struct jsonw *w, const void *a) { jw_real(w, *(const double *)a); }

static void test_strings(void **state)
{
	static const char *const s[] = {
		"", "plain", "引号\"和\\反斜杠", "a/b</script>", "tab\there\nnew\rline\fform\bback",
		"del\x7f", "白云区三元里街道", "emoji 😀 𠀀", "\x01\x02\x1f end", "'single'",
	};
	char all[40];

	(void)state;
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		same(json_string(s[i]), w_str, s[i]);
	for (int c = 1; c < 0x20; c++)
		all[c - 1] = (char)c;
	all[0x1f] = '\0';
	same(json_string(all), w_str, all);
}

static void test_numbers(void **state)
{
	static const int64_t ints[] = {0, 1, -1, 42, 1700000000, INT64_MAX, INT64_MIN};
	static const double reals[] = {0.0, -0.0, 1.0, -2.0, 0.1, 0.5, 113.269484, 23.1608,
	                               113.26978200000001, 1e15, 1e16, 1e20, 1e100, 1e-5, 1.5e-7,
	                               123456789012345678.0, 1.7976931348623157e308, 5e-324,
	                               3.14159265358979, -1234.5678, 99.99};

	(void)state;
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		same(json_integer(ints[i]), w_int, &ints[i]);
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++)
		same(json_real(reals[i]), w_real, &reals[i]);
}

static void test_shapes(void **state)
{
	json_t *o = json_pack("{s:n, s:b, s:b, s:[i, s, {}, []], s:{s:{s:f}}}", "a", "t", 1, "f", 0,
	                      "arr", 1, "x", "nest", "deep", "er", 2.5);
	char *want = json_dumps(o, FLAGS);
	struct buf b;
	struct jsonw w;

	(void)state;
	buf_init(&b, 4096);
	jw_init(&w, &b);
	jw_obj(&w);
	jw_key(&w, "a");
	jw_null(&w);
	jw_key(&w, "t");
	jw_bool(&w, 1);
	jw_key(&w, "f");
	jw_bool(&w, 0);
	jw_key(&w, "arr");
	jw_arr(&w);
	jw_int(&w, 1);
	jw_str(&w, "x");
	jw_obj(&w);
	jw_obj_end(&w);
	jw_arr(&w);
	jw_arr_end(&w);
	jw_arr_end(&w);
	jw_key(&w, "nest");
	jw_obj(&w);
	jw_key(&w, "deep");
	jw_obj(&w);
	jw_key(&w, "er");
	jw_real(&w, 2.5);
	jw_obj_end(&w);
	jw_obj_end(&w);
	jw_obj_end(&w);
	assert_int_equal(w.err, 0);
	assert_string_equal(b.data, want);
	free(want);
	buf_release(&b);
	json_decref(o);
}

/* What jansson cannot make a string or a real of is written as null. */
static void test_refused_values(void **state)
{
	struct buf b;
	struct jsonw w;

	(void)state;
	buf_init(&b, 4096);
	jw_init(&w, &b);
	jw_arr(&w);
	jw_str(&w, "bad \xff utf-8");
	jw_str(&w, NULL);
	jw_real(&w, NAN);
	jw_real(&w, INFINITY);
	jw_arr_end(&w);
	assert_int_equal(w.err, 0);
	assert_string_equal(b.data, "[null,null,null,null]");
	buf_release(&b);
}

/* Past the buffer's limit the writer says so and the text stops. */
static void test_limit(void **state)
{
	struct buf b;
	struct jsonw w;

	(void)state;
	buf_init(&b, 16);
	jw_init(&w, &b);
	jw_obj(&w);
	jw_key(&w, "key");
	jw_str(&w, "a value longer than the limit");
	jw_obj_end(&w);
	assert_int_equal(w.err, 1);
	assert_true(b.len <= 16);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_refused_values),
		cmocka_unit_test(test_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
