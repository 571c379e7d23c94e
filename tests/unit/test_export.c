/*
 * test_export.c - unit tests of src/app/export.c: CSV bytes (BOM, RFC 4180
 * quoting, formula-injection prefix, numbers), XLSX as a zip, limits, and
 * the Content-Disposition of a Chinese file name.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>
#include "app/export.h"
#include "lib/banned.h"

static const char *const head3[] = {"名称", "数量", "备注"};

static char *finish(struct export *x, size_t *len, const char **type)
{
	struct err e = ERR_INIT;
	char *data = NULL;

	if (export_finish(x, &data, len, type, &e) < 0)
		fail_msg("export_finish: %s %s", e.code, e.msg_en);
	return data;
}

static void test_format_parse(void **state)
{
	enum export_format f;

	assert_int_equal(export_format_parse(NULL, &f), 0);
	assert_int_equal(f, EXPORT_CSV);
	assert_int_equal(export_format_parse("xlsx", &f), 0);
	assert_int_equal(f, EXPORT_XLSX);
	assert_int_equal(export_format_parse("xls", &f), -1);
	assert_int_equal(export_format_parse("CSV ", &f), -1);
	assert_string_equal(export_format_ext(EXPORT_XLSX), "xlsx");
	assert_string_equal(export_content_type(EXPORT_CSV), "text/csv; charset=utf-8");
}

static void test_csv_basic(void **state)
{
	struct err e = ERR_INIT;
	struct export *x = export_begin(EXPORT_CSV, "表", head3, 3, &e);
	const char *type;
	size_t len;
	char *data;

	assert_non_null(x);
	export_text(x, "三元里街道");
	export_integer(x, 42);
	export_number(x, 98.5);
	export_end_row(x);
	export_text(x, "负数");
	export_integer(x, -3);               /* a number: never prefixed */
	export_number(x, NAN);               /* nothing to measure: empty */
	export_end_row(x);
	export_text(x, "短行");              /* the rest of the row is padded */
	export_end_row(x);
	data = finish(x, &len, &type);
	assert_string_equal(type, "text/csv; charset=utf-8");
	assert_int_equal(len, strlen(data));
	assert_string_equal(data, "\xef\xbb\xbf名称,数量,备注\r\n三元里街道,42,98.5\r\n负数,-3,\r\n短行,,\r\n");
	free(data);
}

static void test_csv_quoting(void **state)
{
	struct err e = ERR_INIT;
	struct export *x = export_begin(EXPORT_CSV, NULL, head3, 3, &e);
	const char *type;
	size_t len;
	char *data;

	export_text(x, "a,b");
	export_text(x, "say \"hi\"");
	export_text(x, "two\nlines");
	export_end_row(x);
	export_text(x, NULL);
	export_text(x, "");
	export_text(x, "plain");
	export_text(x, "dropped: past the header's width");
	export_end_row(x);
	data = finish(x, &len, &type);
	assert_string_equal(data, "\xef\xbb\xbf名称,数量,备注\r\n\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n,,plain\r\n");
	free(data);
}

static void test_csv_injection(void **state)
{
	static const char *const head1[] = {"x"};
	static const char *const cells[] = {"=1+1", "+86 138", "-2", "@SUM(A1)", "\tx", "\rx",
	                                    "=HYPERLINK(\"http://x\",\"y\")", "a=1", "'quoted"};
	static const char *const want =
		"\xef\xbb\xbfx\r\n'=1+1\r\n'+86 138\r\n'-2\r\n'@SUM(A1)\r\n'\tx\r\n\"'\rx\"\r\n"
		"\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\na=1\r\n'quoted\r\n";
	struct err e = ERR_INIT;
	struct export *x = export_begin(EXPORT_CSV, NULL, head1, 1, &e);
	const char *type;
	size_t len;
	char *data;

	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		export_text(x, cells[i]);
		export_end_row(x);
	}
	data = finish(x, &len, &type);
	assert_string_equal(data, want);
	free(data);
}

static void test_csv_header_injection(void **state)
{
	static const char *const head[] = {"=cmd", "ok"};
	struct err e = ERR_INIT;
	struct export *x = export_begin(EXPORT_CSV, NULL, head, 2, &e);
	const char *type;
	size_t len;
	char *data = finish(x, &len, &type);

	assert_string_equal(data, "\xef\xbb\xbf'=cmd,ok\r\n");
	free(data);
}

static void test_xlsx_zip(void **state)
{
	struct err e = ERR_INIT;
	struct export *x = export_begin(EXPORT_XLSX, "事件[指标]:2026/05", head3, 3, &e);
	const char *type;
	size_t len;
	char *data;

	assert_non_null(x);
	for (int i = 0; i < 100; i++) {
		export_text(x, "三元里街道");
		export_integer(x, i);
		export_number(x, i / 3.0);
		export_end_row(x);
	}
	export_text(x, "=1+1");              /* a string cell: Excel does not evaluate it */
	export_end_row(x);
	data = finish(x, &len, &type);
	assert_string_equal(type, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
	assert_true(len > 1000);
	assert_memory_equal(data, "PK\x03\x04", 4);
	free(data);
}

static void test_abandon(void **state)
{
	struct err e = ERR_INIT;
	struct export *x = export_begin(EXPORT_XLSX, "x", head3, 3, &e);

	export_text(x, "a");
	export_free(x);                       /* the temporary file goes too */
	export_free(NULL);
	x = export_begin(EXPORT_CSV, "x", head3, 0, &e);
	assert_null(x);
	assert_int_equal(e.status, 500);
}

static void test_disposition(void **state)
{
	struct arena a;
	const char *d;

	arena_init(&a, 1 << 16);
	d = export_disposition(&a, "白云区事件指标_2026-05-01至2026-05-31", EXPORT_XLSX);
	assert_non_null(d);
	assert_string_equal(d, "attachment; filename=\"_2026-05-01_2026-05-31.xlsx\"; "
	                    "filename*=UTF-8''%E7%99%BD%E4%BA%91%E5%8C%BA%E4%BA%8B%E4%BB%B6%E6%8C%87%E6%A0%87"
	                    "_2026-05-01%E8%87%B32026-05-31.xlsx");
	d = export_disposition(&a, "a\"b;c d", EXPORT_CSV);   /* nothing that could end the value */
	assert_string_equal(d, "attachment; filename=\"a_b_c_d.csv\"; filename*=UTF-8''a%22b%3Bc%20d.csv");
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_csv_basic),
		cmocka_unit_test(test_csv_quoting),
		cmocka_unit_test(test_csv_injection),
		cmocka_unit_test(test_csv_header_injection),
		cmocka_unit_test(test_xlsx_zip),
		cmocka_unit_test(test_abandon),
		cmocka_unit_test(test_disposition),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
