/*
 * csv.c - an RFC 4180 reader (see csv.h).
 */
#include <string.h>
#include "lib/csv.h"
#include "lib/banned.h"

void csv_init(struct csv_reader *r, const char *data, size_t len)
{
	r->p = data;
	r->end = data + len;
	r->line = 0;
	r->nl = 0;
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
		r->p += 3;
}

/* One field starting at r->p; leaves r->p on the delimiter or line end. */
static char *field(struct csv_reader *r, struct arena *a, int *bad)
{
	const char *s = r->p;
	char *out, *o;

	if (s < r->end && *s == '"') {
		/* quoted: at most as long as the raw text */
		const char *q = s + 1;

		out = o = arena_alloc(a, (size_t)(r->end - s) + 1);
		if (!out) {
			*bad = 1;
			return NULL;
		}
		for (;;) {
			if (q >= r->end) {
				*bad = 1;            /* unterminated */
				return NULL;
			}
			if (*q == '"') {
				if (q + 1 < r->end && q[1] == '"') {
					*o++ = '"';
					q += 2;
					continue;
				}
				q++;
				break;
			}
			if (*q == '\n')
				r->nl++;
			*o++ = *q++;
		}
		*o = '\0';
		if (q < r->end && *q != ',' && *q != '\n' && *q != '\r') {
			*bad = 1;                /* text after the closing quote */
			return NULL;
		}
		r->p = q;
		return out;
	}
	while (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r')
		r->p++;
	out = arena_strndup(a, s, (size_t)(r->p - s));
	if (!out)
		*bad = 1;
	return out;
}

int csv_next(struct csv_reader *r, struct arena *a, char **fields, int *n)
{
	int bad = 0;

	*n = 0;
	/* skip blank lines */
	while (r->p < r->end && (*r->p == '\n' || *r->p == '\r')) {
		if (*r->p == '\n')
			r->nl++;
		r->p++;
	}
	if (r->p >= r->end)
		return 0;
	r->line = r->nl + 1;
	for (;;) {
		char *f;

		if (*n >= CSV_MAX_FIELDS)
			return -1;
		if (!(f = field(r, a, &bad)) || bad)
			return -1;
		fields[(*n)++] = f;
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		break;
	}
	if (r->p < r->end && *r->p == '\r')
		r->p++;
	if (r->p < r->end && *r->p == '\n') {
		r->p++;
		r->nl++;
	}
	return 1;
}
