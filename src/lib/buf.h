/*
 * buf.h - a growable byte buffer with a hard maximum (curl's dynbuf).
 *
 * Every buffer is created with the largest size it may ever reach; an append
 * that would pass it fails with -1 and leaves the buffer as it was
 * (the caller turns that into 413 or a clear error). Contents are always
 * NUL-terminated so text can be used directly.
 */
#ifndef WG_BUF_H
#define WG_BUF_H

#include <stddef.h>

struct buf {
	char *data;      /* NUL-terminated contents, or NULL when empty */
	size_t len;      /* bytes used, excluding the NUL */
	size_t cap;      /* bytes allocated */
	size_t max;      /* most bytes `len` may reach */
};

/* Empty buffer that may grow to max bytes. No allocation. */
void buf_init(struct buf *b, size_t max);
/* Free the contents; the buffer is empty and reusable. */
void buf_release(struct buf *b);
/* Append n bytes; -1 when max would be passed or memory runs out. */
int buf_add(struct buf *b, const void *p, size_t n);
int buf_adds(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Give the contents to the caller (free() them) and empty the buffer. */
char *buf_detach(struct buf *b, size_t *len);
/* Append a whole file, the buffer staying within max bytes. -1 with errno
 * set on failure (EFBIG when it does not fit), the contents as they were. */
int buf_read_file(struct buf *b, const char *path);

#endif
