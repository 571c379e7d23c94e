/*
 * test_gzip.c - tests for src/lib/gzip.c: output is gzip that inflates back
 * to the input; incompressible input gives NULL.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>
#include "lib/gzip.h"

static void test_round_trip(void **state)
{
	size_t n = 100000, zl = 0;
	char *in = malloc(n), *back = malloc(n + 1);
	z_stream z = {0};

	for (size_t i = 0; i < n; i++)
		in[i] = "网格员 grid worker {\"code\":\"440111\"} "[i % 40];
	for (int level = 1; level <= 9; level += 8) {
		char *out = gzip_compress(in, n, level, &zl);
		assert_non_null(out);
		assert_true(zl < n / 4);
		assert_int_equal((unsigned char)out[0], 0x1f);    /* gzip magic */
		assert_int_equal((unsigned char)out[1], 0x8b);
		memset(&z, 0, sizeof(z));
		assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK);
		z.next_in = (Bytef *)out;
		z.avail_in = (uInt)zl;
		z.next_out = (Bytef *)back;
		z.avail_out = (uInt)n + 1;
		assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
		assert_int_equal(z.total_out, n);
		assert_memory_equal(back, in, n);
		inflateEnd(&z);
		free(out);
	}
	free(in);
	free(back);
}

static void test_incompressible(void **state)
{
	unsigned char in[4096];
	size_t zl = 0;
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < sizeof(in); i++) {     /* xorshift noise */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		in[i] = (unsigned char)x;
	}
	assert_null(gzip_compress(in, sizeof(in), 9, &zl));
	assert_null(gzip_compress("", 0, 1, &zl));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_incompressible),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
