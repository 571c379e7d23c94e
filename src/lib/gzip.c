/*
 * gzip.c - one-shot gzip compression (see gzip.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <zlib.h>
#include "lib/gzip.h"
#include "lib/banned.h"

char *gzip_compress(const void *data, size_t len, int level, size_t *out_len)
{
	z_stream z = {0};
	char *out = NULL;
	size_t cap;

	if (len > UINT32_MAX)
		return NULL;
	/* windowBits 15 + 16: a gzip header and trailer instead of zlib's */
	if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, level >= 6 ? 9 : 8, Z_DEFAULT_STRATEGY) != Z_OK)
		return NULL;
	cap = deflateBound(&z, (uLong)len) + 32;
	if (!(out = malloc(cap)))
		goto fail;
	z.next_in = (Bytef *)data;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out >= len)
		goto fail;
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
fail:
	deflateEnd(&z);
	free(out);
	return NULL;
}
