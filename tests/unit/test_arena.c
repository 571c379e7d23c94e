/*
 * test_arena.c - unit tests of src/lib/arena.c: the per-request bump
 * allocator (cap, alignment, chunking, strdup/printf, size overflow).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "lib/arena.h"
#include "lib/banned.h"

static void test_alloc_aligned(void **state)
{
	struct arena a;
	size_t sizes[] = {1, 3, 15, 16, 17, 31, 100, 1, 7, 9000, 2, 20000, 5};

	arena_init(&a, 0);
	assert_null(a.head);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned char *p = arena_alloc(&a, sizes[i]);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 16, 0);
		memset(p, 0xAB, sizes[i]);                          /* ASan: really that big */
	}
	arena_release(&a);
	assert_null(a.head);
	assert_int_equal(a.used, 0);
}

static void test_no_overlap(void **state)
{
	struct arena a;
	char *p[200];

	arena_init(&a, 0);
	for (int i = 0; i < 200; i++) {                        /* spans several chunks */
		p[i] = arena_alloc(&a, 100);
		assert_non_null(p[i]);
		memset(p[i], i, 100);
	}
	for (int i = 0; i < 200; i++)
		for (int j = 0; j < 100; j++)
			if ((unsigned char)p[i][j] != (unsigned char)i)
				fail_msg("allocation %d overwritten at %d", i, j);
	assert_int_equal(a.used, 200 * 112);                   /* 100 rounded up to 112 */
	arena_release(&a);
}

static void test_cap(void **state)
{
	struct arena a;

	arena_init(&a, 64);
	assert_non_null(arena_alloc(&a, 32));
	assert_non_null(arena_alloc(&a, 17));                  /* rounds to 32: used 64 */
	assert_int_equal(a.used, 64);
	assert_null(arena_alloc(&a, 1));                       /* cap reached */
	assert_int_equal(a.used, 64);
	assert_null(arena_strdup(&a, "x"));
	assert_null(arena_printf(&a, "%d", 1));
	arena_release(&a);
	/* after release the arena is empty and usable with the same cap */
	assert_int_equal(a.max, 64);
	assert_non_null(arena_alloc(&a, 64));
	assert_null(arena_alloc(&a, 1));
	arena_release(&a);

	arena_init(&a, 100);
	assert_null(arena_alloc(&a, 101));                     /* bigger than the cap */
	assert_int_equal(a.used, 0);
	assert_null(a.head);
	arena_release(&a);
}

static void test_huge_sizes(void **state)
{
	struct arena a;

	/* rounding, the cap check and the chunk size must not wrap around */
	arena_init(&a, 1 << 20);
	assert_non_null(arena_alloc(&a, 32));
	assert_null(arena_alloc(&a, SIZE_MAX));
	assert_null(arena_alloc(&a, SIZE_MAX - 8));
	assert_null(arena_alloc(&a, SIZE_MAX - 40));
	assert_int_equal(a.used, 32);
	arena_release(&a);

	arena_init(&a, 0);                                     /* uncapped */
	assert_null(arena_alloc(&a, SIZE_MAX));
	assert_null(arena_alloc(&a, SIZE_MAX - 15));
	assert_null(arena_alloc(&a, SIZE_MAX - 40));
	assert_null(arena_strndup(&a, "x", SIZE_MAX));
	assert_int_equal(a.used, 0);
	/* still usable afterwards */
	char *p = arena_alloc(&a, 10);
	assert_non_null(p);
	memset(p, 1, 10);
	arena_release(&a);
}

static void test_big_allocation_own_chunk(void **state)
{
	struct arena a;
	char *small, *big, *after;

	arena_init(&a, 0);
	small = arena_strdup(&a, "small");
	big = arena_alloc(&a, 100000);                         /* > chunk size */
	assert_non_null(big);
	memset(big, 'x', 100000);
	after = arena_strdup(&a, "after");
	assert_string_equal(small, "small");
	assert_string_equal(after, "after");
	arena_release(&a);
}

static void test_strdup(void **state)
{
	struct arena a;
	const char *src = "白云区 Baiyun";
	char *p, *q;

	arena_init(&a, 0);
	p = arena_strdup(&a, src);
	assert_non_null(p);
	assert_ptr_not_equal(p, src);
	assert_string_equal(p, src);
	q = arena_strndup(&a, "abcdef", 3);
	assert_string_equal(q, "abc");
	q = arena_strndup(&a, "abc", 0);
	assert_string_equal(q, "");
	q = arena_strdup(&a, "");
	assert_string_equal(q, "");
	arena_release(&a);
}

static void test_printf(void **state)
{
	struct arena a;
	char *p;
	char big[5000];

	arena_init(&a, 0);
	p = arena_printf(&a, "%s-%04d-%.2f", "grid", 42, 1.005);
	assert_string_equal(p, "grid-0042-1.00");
	p = arena_printf(&a, "%s", "");
	assert_string_equal(p, "");
	memset(big, 'y', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	p = arena_printf(&a, "<%s>", big);
	assert_int_equal(strlen(p), 5001);
	assert_int_equal(p[0], '<');
	assert_int_equal(p[5000], '>');
	arena_release(&a);

	arena_init(&a, 100);                                   /* printf bigger than the cap */
	assert_null(arena_printf(&a, "%s", big));
	assert_int_equal(a.used, 0);
	arena_release(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_aligned),
		cmocka_unit_test(test_no_overlap),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_huge_sizes),
		cmocka_unit_test(test_big_allocation_own_chunk),
		cmocka_unit_test(test_strdup),
		cmocka_unit_test(test_printf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
