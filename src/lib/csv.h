/*
 * csv.h - reading CSV (RFC 4180: comma-separated, fields optionally in
 * double quotes with "" for a quote, CRLF or LF line ends), as exported by
 * Excel and by the 12345 hotline platform. A UTF-8 byte-order mark at the
 * start is skipped. Fields are copied into the caller's arena.
 */
#ifndef WG_CSV_H
#define WG_CSV_H

#include <stddef.h>
#include "lib/arena.h"

#define CSV_MAX_FIELDS 64

struct csv_reader {
	const char *p, *end;
	int line;                    /* line the record just read starts on (1-based) */
	int nl;                      /* lines consumed so far */
};

void csv_init(struct csv_reader *r, const char *data, size_t len);
/* Read the next record into fields (at most CSV_MAX_FIELDS; more is an
 * error). Returns 1 with *n set, 0 at the end, -1 on a malformed record
 * (an unterminated quote, text after a closing quote, too many fields or
 * no memory). Blank lines are skipped. */
int csv_next(struct csv_reader *r, struct arena *a, char **fields, int *n);

#endif
