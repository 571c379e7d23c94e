/*
 * str.c - bounded string helpers and strict number parsing (see str.h).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lib/str.h"
#include "lib/banned.h"

size_t str_copy(char *dst, size_t n, const char *src)
{
	size_t len;

	if (n == 0)
		return 0;
	len = strlen(src);
	if (len >= n)
		len = n - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return len;
}

int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;
	const char *p;

	if (!s || !*s || strlen(s) > 64)
		return -1;
	for (p = s; *p; p++) /* digits, sign, dot, exponent only */
		if (!strchr("0123456789+-.eE", *p))
			return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0. */
static int utf8_seq(const unsigned char *p, const unsigned char *e)
{
	unsigned c = *p;
	unsigned lo = 0x80, hi = 0xBF;
	int n;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) n = 1;
	else if (c >= 0xE0 && c <= 0xEF) n = 2;
	else if (c >= 0xF0 && c <= 0xF4) n = 3;
	else return 0;
	if (c == 0xE0) lo = 0xA0;          /* overlong */
	if (c == 0xED) hi = 0x9F;          /* surrogates */
	if (c == 0xF0) lo = 0x90;          /* overlong */
	if (c == 0xF4) hi = 0x8F;          /* above U+10FFFF */
	if (e - p <= n || p[1] < lo || p[1] > hi)
		return 0;
	for (int i = 2; i <= n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n + 1;
}

int str_valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;

	while (p < e) {
		int n = utf8_seq(p, e);
		if (!n || (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r'))
			return 0;
		p += n;
	}
	return 1;
}

int str_utf8_wellformed(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *e = p + len;

	while (p < e) {
		int n = *p < 0x80 ? 1 : utf8_seq(p, e);
		if (!n)
			return 0;
		p += n;
	}
	return 1;
}

size_t str_utf8_sanitize(char *s)
{
	unsigned char *p = (unsigned char *)s, *e = p + strlen(s);
	size_t bad = 0;

	while (p < e) {
		int n = utf8_seq(p, e);
		if (!n) {
			*p++ = '?';
			bad++;
		} else {
			p += n;
		}
	}
	return bad;
}

int str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}
