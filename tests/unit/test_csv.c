/*
 * test_csv.c - unit tests of src/lib/csv.c: RFC 4180 quoting, line ends,
 * a byte-order mark, blank lines, line numbers, malformed records.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/csv.h"
#include "lib/banned.h"

struct fixture {
	struct arena a;
	struct csv_reader r;
	char *f[CSV_MAX_FIELDS];
	int n;
};

static int next(struct fixture *x)
{
	return csv_next(&x->r, &x->a, x->f, &x->n);
}

static void start(struct fixture *x, const char *s)
{
	arena_init(&x->a, 1 << 20);
	csv_init(&x->r, s, strlen(s));
}

static void test_plain_and_quoted(void **state)
{
	struct fixture x;

	start(&x, "\xEF\xBB\xBF" "a,b,c\r\n1,\"x, y\",\"say \"\"hi\"\"\"\n");
	assert_int_equal(next(&x), 1);
	assert_int_equal(x.n, 3);
	assert_string_equal(x.f[0], "a");               /* the BOM is gone */
	assert_int_equal(x.r.line, 1);
	assert_int_equal(next(&x), 1);
	assert_int_equal(x.n, 3);
	assert_string_equal(x.f[1], "x, y");
	assert_string_equal(x.f[2], "say \"hi\"");
	assert_int_equal(x.r.line, 2);
	assert_int_equal(next(&x), 0);
	arena_release(&x.a);
}

static void test_empty_fields_newlines_and_blank_lines(void **state)
{
	struct fixture x;

	start(&x, "a,,\n\n\"two\nlines\",z\r\n\r\nlast");
	assert_int_equal(next(&x), 1);
	assert_int_equal(x.n, 3);
	assert_string_equal(x.f[1], "");
	assert_string_equal(x.f[2], "");
	assert_int_equal(next(&x), 1);
	assert_int_equal(x.r.line, 3);                  /* the blank line 2 is skipped */
	assert_string_equal(x.f[0], "two\nlines");
	assert_int_equal(next(&x), 1);
	assert_int_equal(x.r.line, 6);                  /* after a field spanning two lines */
	assert_string_equal(x.f[0], "last");            /* no final line end */
	assert_int_equal(next(&x), 0);
	arena_release(&x.a);
}

static void test_malformed(void **state)
{
	static const char *const bad[] = {"\"unterminated,a\n", "\"closed\"junk,b\n"};
	struct fixture x;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		start(&x, bad[i]);
		assert_int_equal(next(&x), -1);
		arena_release(&x.a);
	}
	/* too many fields */
	{
		char many[CSV_MAX_FIELDS * 2 + 8];
		size_t k = 0;

		for (int i = 0; i <= CSV_MAX_FIELDS; i++) {
			many[k++] = 'x';
			many[k++] = ',';
		}
		many[k] = '\0';
		start(&x, many);
		assert_int_equal(next(&x), -1);
		arena_release(&x.a);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_quoted),
		cmocka_unit_test(test_empty_fields_newlines_and_blank_lines),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
