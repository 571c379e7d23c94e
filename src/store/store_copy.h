/*
 * store_copy.h - copying a whole deployment from one database to another
 * (`wangge migrate --from sqlite:FILE --to postgresql://…`) and proving the
 * copy: row counts and a checksum per table, computed the same way on both
 * sides.
 *
 * Every table wangge owns is listed in store_copy.c with its columns and
 * types, parents before children. A later migration that adds a table adds
 * a row there (the unit test fails when a table is missing from the list).
 */
#ifndef WG_STORE_COPY_H
#define WG_STORE_COPY_H

#include <stdint.h>
#include "store/db.h"

struct copy_report {
	const char *table;
	int64_t rows_from, rows_to;
	char sum_from[33], sum_to[33];   /* hex of a 128-bit order-independent checksum */
};

#define COPY_MAX_TABLES 32

/* Replace everything in `to` with the contents of `from`, in one
 * transaction on `to` (so a rerun gives the same result and a failure
 * leaves `to` as it was). Both must be at the same schema version. */
int store_copy_all(struct db *from, struct db *to, struct err *e);
/* Count and checksum every table on both sides into rep[] (COPY_MAX_TABLES),
 * *n entries. Returns 0 when they all agree, 1 when some differ, -1 on error. */
int store_copy_verify(struct db *from, struct db *to, struct copy_report *rep, int *n,
                      struct err *e);
/* Names of the tables of the schema that store_copy knows (NULL-terminated). */
extern const char *const store_copy_tables[];
/* 1 when the copy reads and writes the table (store_copy_tables lists
 * them; the unit test checks both against the schema). */
int store_copy_has_table(const char *name);

#endif
