/*
 * jsonw.c - JSON text writer (see jsonw.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "lib/jsonw.h"
#include "lib/str.h"
#include "lib/banned.h"

void jw_init(struct jsonw *w, struct buf *b)
{
	w->b = b;
	w->comma = 0;
	w->err = 0;
}

static void put(struct jsonw *w, const char *s, size_t n)
{
	if (!w->err && buf_add(w->b, s, n) < 0)
		w->err = 1;
}

/* Before a value or a key: the comma that separates it from the last. */
static void sep(struct jsonw *w)
{
	if (w->comma)
		put(w, ",", 1);
	w->comma = 1;
}

void jw_obj(struct jsonw *w)
{
	sep(w);
	put(w, "{", 1);
	w->comma = 0;
}

void jw_obj_end(struct jsonw *w)
{
	put(w, "}", 1);
	w->comma = 1;
}

void jw_arr(struct jsonw *w)
{
	sep(w);
	put(w, "[", 1);
	w->comma = 0;
}

void jw_arr_end(struct jsonw *w)
{
	put(w, "]", 1);
	w->comma = 1;
}

/* The characters of s, escaped as jansson's dump_string does without
 * flags: `"`, `\`, and below 0x20 (\b \f \n \r \t, else \u00XX in upper
 * case); everything else, UTF-8 included, as is. */
static void escaped(struct jsonw *w, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t run = 0;

	put(w, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char seq[6];
		size_t len = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(w, s + run, i - run);
		run = i + 1;
		seq[0] = '\\';
		switch (c) {
		case '"': seq[1] = '"'; break;
		case '\\': seq[1] = '\\'; break;
		case '\b': seq[1] = 'b'; break;
		case '\f': seq[1] = 'f'; break;
		case '\n': seq[1] = 'n'; break;
		case '\r': seq[1] = 'r'; break;
		case '\t': seq[1] = 't'; break;
		default:
			seq[1] = 'u';
			seq[2] = '0';
			seq[3] = '0';
			seq[4] = hex[c >> 4];
			seq[5] = hex[c & 15];
			len = 6;
		}
		put(w, seq, len);
	}
	put(w, s + run, n - run);
	put(w, "\"", 1);
}

void jw_key(struct jsonw *w, const char *key)
{
	sep(w);
	escaped(w, key, strlen(key));
	put(w, ":", 1);
	w->comma = 0;
}

void jw_str(struct jsonw *w, const char *s)
{
	size_t n;

	if (!s || !str_utf8_wellformed(s, n = strlen(s))) {
		jw_null(w);
		return;
	}
	sep(w);
	escaped(w, s, n);
}

void jw_int(struct jsonw *w, int64_t v)
{
	char t[24];
	int n = snprintf(t, sizeof(t), "%lld", (long long)v);

	sep(w);
	put(w, t, (size_t)n);
}

/* As jansson's jsonp_dtostr with precision 15: "%.15g", then ".0" when
 * the text has neither '.' nor an exponent, and the exponent without '+'
 * or leading zeros ("1e+20" -> "1e20", "1e-05" -> "1e-5"). Always the C
 * locale's '.': snprintf's decimal point is the locale's, and the server
 * runs in the C locale, as jansson assumes once it has swapped it back. */
void jw_real(struct jsonw *w, double v)
{
	char t[40];
	char *e;
	int n;

	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	n = snprintf(t, sizeof(t), "%.15g", v);
	if (n < 0 || (size_t)n >= sizeof(t) - 3) {
		w->err = 1;
		return;
	}
	if (!strchr(t, '.') && !strchr(t, 'e')) {
		memcpy(t + n, ".0", 3);
		n += 2;
	}
	if ((e = strchr(t, 'e'))) {
		char *start = e + 1, *end;

		if (*start == '+') {
			memmove(start, start + 1, strlen(start + 1) + 1);
		} else if (*start == '-') {
			start++;
		}
		end = start;
		while (*end == '0' && end[1])
			end++;
		if (end != start)
			memmove(start, end, strlen(end) + 1);
		n = (int)strlen(t);
	}
	sep(w);
	put(w, t, (size_t)n);
}

void jw_bool(struct jsonw *w, int v)
{
	sep(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jw_null(struct jsonw *w)
{
	sep(w);
	put(w, "null", 4);
}
