/*
 * buf.c - bounded growable buffer (see buf.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/buf.h"
#include "lib/banned.h"

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = b->cap = 0;
	b->max = max;
}

void buf_release(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

static int buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	/* len + extra + 1 (the NUL) must fit in a size_t too */
	if (extra > b->max - b->len || extra >= SIZE_MAX - b->len)
		return -1;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (b->max < SIZE_MAX && cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (!p)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_add(struct buf *b, const void *p, size_t n)
{
	if (buf_grow(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_adds(struct buf *b, const char *s)
{
	return buf_add(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	char small[256];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n < sizeof(small))
		return buf_add(b, small, (size_t)n);
	if (buf_grow(b, (size_t)n) < 0)
		return -1;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p = b->data;
	if (len)
		*len = b->len;
	if (!p)
		p = calloc(1, 1);
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

int buf_read_file(struct buf *b, const char *path)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;
	size_t len0 = b->len;
	int ret = -1, saved = 0;

	if (!f)
		return -1;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0) {
		if (buf_add(b, tmp, n) < 0) {
			saved = n > b->max - b->len ? EFBIG : ENOMEM;
			goto out;
		}
	}
	if (ferror(f)) {
		saved = errno ? errno : EIO;
		goto out;
	}
	if (!b->data && buf_add(b, "", 0) < 0) {
		saved = ENOMEM;
		goto out;
	}
	ret = 0;
out:
	fclose(f);
	if (ret < 0) {
		if (b->data) {          /* drop the part read: the buffer is as it was */
			b->len = len0;
			b->data[len0] = '\0';
		}
		errno = saved;          /* fclose() may have changed it */
	}
	return ret;
}
