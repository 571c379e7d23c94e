/*
 * gzip.h - gzip (RFC 1952) compression of a buffer in one call, for
 * Content-Encoding: gzip replies (zlib underneath).
 */
#ifndef WG_GZIP_H
#define WG_GZIP_H

#include <stddef.h>

/* Compress len bytes at level (1 fast .. 9 small). Returns a malloc'd buffer
 * (free() it) with its length in *out_len, or NULL when zlib fails, the
 * input is larger than 4 GiB, or the result would not be smaller. */
char *gzip_compress(const void *data, size_t len, int level, size_t *out_len);

#endif
