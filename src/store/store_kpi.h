/*
 * store_kpi.h - SQL of the KPI counters (table kpi_agg, migration v3):
 * adding deltas to rows (a portable upsert, many rows per statement),
 * summing rows for a query, and reading events page by page for a rebuild.
 * The rules (what an event contributes, which rows a query reads) are in
 * domain/kpi_rules.h and app/kpi.c.
 */
#ifndef WG_STORE_KPI_H
#define WG_STORE_KPI_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"
#include "store/store_event.h"

/* Counters of a row, in the column order of kpi_agg (reported … rate_bad);
 * the same order as enum kpi_field (domain/kpi_rules.h). */
#define STORE_KPI_NCOUNTERS 15
#define STORE_KPI_PERIOD_MAX 11     /* "YYYY-MM-DD" */
#define STORE_KPI_UNIT_MAX 17       /* 16-digit grid code */
#define STORE_KPI_SOURCE_MAX 16

/* One row of kpi_agg: its key and counters (absolute, or a delta to add). */
struct store_kpi_row {
	char grain;                           /* 'd' or 'm' */
	char period[STORE_KPI_PERIOD_MAX];
	char unit[STORE_KPI_UNIT_MAX];
	char category[EV_CODE_MAX];           /* or "*" (every category) */
	char source[STORE_KPI_SOURCE_MAX];    /* or "*" (every source) */
	int64_t n[STORE_KPI_NCOUNTERS];
};

/* Add each row's counters to the stored row of its key, creating it when
 * missing (INSERT … ON CONFLICT DO UPDATE SET c = kpi_agg.c + excluded.c),
 * up to 64 rows per statement. Keys must be distinct; pass them sorted, so
 * that concurrent writers lock rows in the same order (no deadlocks on
 * PostgreSQL). Run it inside the caller's transaction. */
int store_kpi_add(struct db *db, struct store_kpi_row *const *rows, size_t n, struct err *e);
/* Delete every counter (before a rebuild). */
int store_kpi_clear(struct db *db, struct err *e);
/* Refresh the planner's statistics of kpi_agg (after bulk loads). */
int store_kpi_analyze(struct db *db, struct err *e);
/* Rows in kpi_agg (tests and the benchmark). */
int store_kpi_count(struct db *db, int64_t *n, struct err *e);

/* Days (YYYY-MM-DD) whose counters may miss deltas held in a server's
 * memory (app/kpi.h, "Deferred counters"): marked in the transaction that
 * commits the events, cleared with the flush that writes the deltas. */
int store_kpi_dirty_mark(struct db *db, const char *day, struct err *e);
typedef int (*store_kpi_day_cb)(void *ctx, const char *day);
int store_kpi_dirty_list(struct db *db, store_kpi_day_cb cb, void *ctx, struct err *e);
int store_kpi_dirty_clear(struct db *db, struct err *e);
/* The day rows (grain 'd') of one day, every unit, category and source. */
typedef int (*store_kpi_row_cb)(void *ctx, const struct store_kpi_row *r);
int store_kpi_day_rows(struct db *db, const char *day, store_kpi_row_cb cb, void *ctx,
                       struct err *e);
/* The events reported on a day (their `day`), with the columns of
 * store_kpi_event_page; from created_at in [t0, t1), which must contain
 * the day. */
int store_kpi_event_day(struct db *db, const char *day, int64_t t0, int64_t t1, event_cb cb,
                        void *ctx, struct err *e);

/* Events with id > after_id in id order, at most limit, with only the
 * columns the counters need (id, source, category, grid, status, loop,
 * escalated, overdue, rework_count, rating, day, accepted_at, closed_at,
 * due_at); *last = the last id passed to cb (unchanged when none). */
int store_kpi_event_page(struct db *db, int64_t after_id, int limit, event_cb cb, void *ctx,
                         int64_t *last, struct err *e);

/* What store_kpi_sum reads. */
enum store_kpi_cat {
	STORE_KPI_CAT_ALL = 0,     /* roll-up rows: category '*' */
	STORE_KPI_CAT_EACH,        /* every row but category '*' (codes sort above '*') */
	STORE_KPI_CAT_UNDER,       /* `category` and the codes below it ("mdjf" and "mdjf.*") */
};
enum store_kpi_group {
	STORE_KPI_GROUP_NONE = 0,
	STORE_KPI_GROUP_CATEGORY,
	STORE_KPI_GROUP_UNIT,
};
struct store_kpi_sel {
	char grain;                           /* 'd' or 'm' */
	const char *const *periods;           /* rows of these periods (any number) … */
	size_t nperiods;
	const char *const *units;             /* … and these units (any number) */
	size_t nunits;
	enum store_kpi_cat cat;
	const char *category;                 /* STORE_KPI_CAT_UNDER */
	int rollup;                           /* 1: source '*' rows; 0: every row but source '*' */
	enum store_kpi_group group;
};
/* The sums of the selected rows, one call per group (key = unit or category
 * code, "" with STORE_KPI_GROUP_NONE); nothing when no row matches. More
 * than 64 periods or 32 units are read in several statements, so a key may
 * come more than once: add the calls up. A callback returning non-zero
 * stops the walk (that value is returned). Periods and units are listed,
 * not given as ranges, so that every key column of the primary key is an
 * equality: each (period, unit) costs one index seek, whatever else the
 * table holds. */
typedef int (*store_kpi_cb)(void *ctx, const char *key, const int64_t n[STORE_KPI_NCOUNTERS]);
int store_kpi_sum(struct db *db, const struct store_kpi_sel *s, store_kpi_cb cb, void *ctx,
                  struct err *e);

#endif
