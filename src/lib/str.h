/*
 * str.h - small bounded string helpers and strict number parsing.
 */
#ifndef WG_STR_H
#define WG_STR_H

#include <stddef.h>
#include <stdint.h>

/* Copy src into dst of size n, always NUL-terminating. Returns the length
 * copied; truncates silently (callers that care check the return). */
size_t str_copy(char *dst, size_t n, const char *src);

/* Strict parsers: the whole of s (no leading/trailing junk, no empty string)
 * must be a number in [min,max]. Return 0 on success, -1 otherwise. */
int parse_int64(const char *s, int64_t min, int64_t max, int64_t *out);
/* Finite doubles only: "nan", "inf" and hex floats are refused. */
int parse_double(const char *s, double min, double max, double *out);

/* True if the len bytes at s are valid UTF-8 (RFC 3629: no overlongs,
 * surrogates or code points above U+10FFFF) without C0 control characters
 * other than tab, CR and LF. */
int str_valid_utf8(const char *s, size_t len);
/* Well-formed UTF-8 (RFC 3629), whatever the characters: 1 or 0. */
int str_utf8_wellformed(const char *s, size_t len);
/* Make s valid UTF-8 in place: every byte that does not start a
 * well-formed sequence (the same rules) becomes '?'. Returns how many. */
size_t str_utf8_sanitize(char *s);

/* True if s starts with prefix. */
int str_starts_with(const char *s, const char *prefix);

#endif
