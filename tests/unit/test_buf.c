/*
 * test_buf.c - unit tests of src/lib/buf.c: the bounded growable buffer.
 * The contract under test: an append past `max` fails with -1 and leaves
 * the buffer exactly as it was; contents are always NUL-terminated.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "lib/buf.h"
#include "lib/banned.h"

/* Snapshot of a buffer, to prove a failed call changed nothing. */
struct snap {
	char *data;
	size_t len, cap;
	char copy[64];
};

static void snap_take(struct snap *s, const struct buf *b)
{
	s->data = b->data;
	s->len = b->len;
	s->cap = b->cap;
	memset(s->copy, 0, sizeof(s->copy));
	if (b->data)
		memcpy(s->copy, b->data, b->len + 1 < sizeof(s->copy) ? b->len + 1 : sizeof(s->copy));
}

static void snap_check(const struct snap *s, const struct buf *b)
{
	assert_ptr_equal(b->data, s->data);
	assert_int_equal(b->len, s->len);
	assert_int_equal(b->cap, s->cap);
	if (b->data)
		assert_memory_equal(b->data, s->copy,
		                    b->len + 1 < sizeof(s->copy) ? b->len + 1 : sizeof(s->copy));
}

static void test_init_empty(void **state)
{
	struct buf b;

	buf_init(&b, 100);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 100);
	buf_release(&b);                                       /* release of empty is fine */
	assert_null(b.data);
}

static void test_add_and_nul(void **state)
{
	struct buf b;

	buf_init(&b, 1024);
	assert_int_equal(buf_adds(&b, "hello"), 0);
	assert_int_equal(buf_add(&b, ", world!!", 7), 0);
	assert_int_equal(b.len, 12);
	assert_string_equal(b.data, "hello, world");
	assert_int_equal(buf_add(&b, "", 0), 0);
	assert_int_equal(b.len, 12);
	assert_int_equal(buf_add(&b, "a\0b", 3), 0);         /* binary is kept */
	assert_int_equal(b.len, 15);
	assert_memory_equal(b.data + 12, "a\0b", 4);
	buf_release(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.max, 1024);                         /* reusable with the same cap */
	assert_int_equal(buf_adds(&b, "again"), 0);
	assert_string_equal(b.data, "again");
	buf_release(&b);
}

static void test_max_reached_exactly(void **state)
{
	struct buf b;
	struct snap s;

	buf_init(&b, 10);
	assert_int_equal(buf_adds(&b, "0123456789"), 0);      /* len == max is allowed */
	assert_int_equal(b.len, 10);
	assert_string_equal(b.data, "0123456789");
	assert_true(b.cap <= 11);                              /* never allocates past max+1 */
	snap_take(&s, &b);
	assert_int_equal(buf_adds(&b, "x"), -1);
	snap_check(&s, &b);
	assert_int_equal(buf_printf(&b, "%d", 1), -1);
	snap_check(&s, &b);
	assert_int_equal(buf_add(&b, "", 0), 0);              /* nothing more is still fine */
	buf_release(&b);
}

static void test_over_max_unchanged(void **state)
{
	struct buf b;
	struct snap s;

	buf_init(&b, 8);
	assert_int_equal(buf_adds(&b, "abcde"), 0);
	snap_take(&s, &b);
	assert_int_equal(buf_adds(&b, "fghi"), -1);           /* 9 > 8: all or nothing */
	snap_check(&s, &b);
	assert_string_equal(b.data, "abcde");
	assert_int_equal(buf_adds(&b, "fgh"), 0);             /* 8 fits */
	assert_string_equal(b.data, "abcdefgh");
	buf_release(&b);

	buf_init(&b, 0);                                       /* a zero-size buffer */
	assert_int_equal(buf_adds(&b, "a"), -1);
	assert_null(b.data);
	buf_release(&b);
}

static void test_size_overflow_refused(void **state)
{
	struct buf b;
	struct snap s;

	/* with max = SIZE_MAX, len + n + 1 must not wrap to a tiny allocation */
	buf_init(&b, SIZE_MAX);
	assert_int_equal(buf_adds(&b, "abc"), 0);
	snap_take(&s, &b);
	assert_int_equal(buf_add(&b, "x", SIZE_MAX - 3), -1);
	snap_check(&s, &b);
	assert_int_equal(buf_add(&b, "x", SIZE_MAX), -1);
	snap_check(&s, &b);
	buf_release(&b);

	buf_init(&b, 100);
	assert_int_equal(buf_adds(&b, "abc"), 0);
	snap_take(&s, &b);
	assert_int_equal(buf_add(&b, "x", SIZE_MAX), -1);
	snap_check(&s, &b);
	buf_release(&b);
}

static void test_growth(void **state)
{
	struct buf b;
	char chunk[100];

	memset(chunk, 'z', sizeof(chunk));
	buf_init(&b, 1 << 20);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(buf_add(&b, chunk, sizeof(chunk)), 0);
	assert_int_equal(b.len, 100000);
	assert_true(b.cap > b.len);
	assert_true(b.cap <= (1 << 20) + 1);
	assert_int_equal(b.data[b.len], '\0');
	for (size_t i = 0; i < b.len; i++)
		if (b.data[i] != 'z')
			fail_msg("byte %zu is %d", i, b.data[i]);
	buf_release(&b);
}

static void test_printf(void **state)
{
	struct buf b;
	char big[1000];

	buf_init(&b, 4096);
	assert_int_equal(buf_printf(&b, "%s=%d;", "a", 1), 0);
	assert_int_equal(buf_printf(&b, "%05.1f", 3.14159), 0);
	assert_string_equal(b.data, "a=1;003.1");
	/* longer than the 256-byte fast path */
	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(buf_printf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, 9 + 1001);
	assert_int_equal(b.data[9], '[');
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(b.data[b.len], '\0');
	buf_release(&b);

	/* long printf that does not fit: refused and unchanged */
	buf_init(&b, 500);
	assert_int_equal(buf_adds(&b, "keep"), 0);
	assert_int_equal(buf_printf(&b, "%s", big), -1);
	assert_int_equal(b.len, 4);
	assert_string_equal(b.data, "keep");
	buf_release(&b);
}

static void test_detach(void **state)
{
	struct buf b;
	size_t len = 99;
	char *p;

	buf_init(&b, 64);
	assert_int_equal(buf_adds(&b, "owned"), 0);
	p = buf_detach(&b, &len);
	assert_non_null(p);
	assert_string_equal(p, "owned");
	assert_int_equal(len, 5);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
	assert_int_equal(b.max, 64);
	free(p);

	/* detaching an empty buffer still gives a freeable "" */
	p = buf_detach(&b, &len);
	assert_non_null(p);
	assert_string_equal(p, "");
	assert_int_equal(len, 0);
	free(p);
	p = buf_detach(&b, NULL);
	assert_non_null(p);
	free(p);
}

/* ------------------------------------------------------- buf_read_file */

static char *write_temp(const char *contents, size_t n)
{
	char *path = strdup("/tmp/wangge-test-buf-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, contents, n), (ssize_t)n);
	close(fd);
	return path;
}

static void test_read_file(void **state)
{
	struct buf b;
	char *path = write_temp("line one\nline two\n", 18);

	buf_init(&b, 18);                                      /* exactly the file size */
	assert_int_equal(buf_read_file(&b, path), 0);
	assert_int_equal(b.len, 18);
	assert_string_equal(b.data, "line one\nline two\n");
	buf_release(&b);
	unlink(path);
	free(path);
}

static void test_read_file_empty(void **state)
{
	struct buf b;
	char *path = write_temp("", 0);

	buf_init(&b, 10);
	assert_int_equal(buf_read_file(&b, path), 0);
	assert_non_null(b.data);                               /* "" rather than NULL */
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_release(&b);
	unlink(path);
	free(path);
}

static void test_read_file_efbig(void **state)
{
	struct buf b;
	static char big[200000];
	char *path;

	memset(big, 'B', sizeof(big));
	path = write_temp(big, sizeof(big));                  /* several fread chunks */

	buf_init(&b, 19);
	errno = 0;
	assert_int_equal(buf_read_file(&b, path), -1);
	assert_int_equal(errno, EFBIG);
	buf_release(&b);

	/* larger than max after several successful chunks: EFBIG, nothing kept */
	buf_init(&b, 150000);
	assert_int_equal(buf_adds(&b, "prefix"), 0);
	errno = 0;
	assert_int_equal(buf_read_file(&b, path), -1);
	assert_int_equal(errno, EFBIG);
	assert_int_equal(b.len, 6);
	assert_string_equal(b.data, "prefix");
	buf_release(&b);

	/* exactly max: fine */
	buf_init(&b, sizeof(big));
	assert_int_equal(buf_read_file(&b, path), 0);
	assert_int_equal(b.len, sizeof(big));
	buf_release(&b);

	unlink(path);
	free(path);
}

static void test_read_file_missing(void **state)
{
	struct buf b;

	buf_init(&b, 100);
	errno = 0;
	assert_int_equal(buf_read_file(&b, "/nonexistent/wangge/none.txt"), -1);
	assert_int_equal(errno, ENOENT);
	assert_null(b.data);
	errno = 0;
	assert_int_equal(buf_read_file(&b, "/tmp"), -1);      /* a directory */
	assert_true(errno != 0);
	assert_true(b.len == 0);
	buf_release(&b);
}

static void test_read_file_appends(void **state)
{
	struct buf b;
	char *path = write_temp("tail", 4);

	buf_init(&b, 100);
	assert_int_equal(buf_adds(&b, "head-"), 0);
	assert_int_equal(buf_read_file(&b, path), 0);
	assert_string_equal(b.data, "head-tail");
	buf_release(&b);
	unlink(path);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_add_and_nul),
		cmocka_unit_test(test_max_reached_exactly),
		cmocka_unit_test(test_over_max_unchanged),
		cmocka_unit_test(test_size_overflow_refused),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_detach),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_read_file_empty),
		cmocka_unit_test(test_read_file_efbig),
		cmocka_unit_test(test_read_file_missing),
		cmocka_unit_test(test_read_file_appends),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
