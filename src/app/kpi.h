/*
 * kpi.h - the field's KPIs (受理数, 办结数, 办结率 …), kept incrementally in
 * kpi_agg and read back for any unit subtree and period. docs/kpi.md gives
 * every formula.
 *
 * Counters are kept per cohort: an event counts in the day (and month) it
 * was reported, for each unit above its grid (district … grid), its
 * category and source. Every change of an event applies the difference of
 * its contribution before and after, inside the transaction of the change.
 *
 * Rows kept per (grain d|m, period, unit):
 *   (category, source)   every unit level
 *   (category, '*')      district, town, community: every source together
 *   ('*', '*')           district, town, community: everything together
 * so that a query of a large unit reads a few hundred rows.
 *
 * Writing, one event at a time (inside the caller's transaction):
 *   kpi_event_changed(db, before, after, &e);       before = NULL when new
 * Writing many (group commit: one transaction for many events):
 *   struct kpi_batch b;
 *   kpi_batch_init(&b);
 *   for each change: kpi_batch_add(&b, before, after, &e);
 *   kpi_batch_flush(&b, db, &e);                    inside the transaction
 *   kpi_batch_release(&b);
 */
#ifndef WG_KPI_H
#define WG_KPI_H

#include <stddef.h>
#include <stdint.h>
#include "domain/kpi_rules.h"
#include "store/db.h"
#include "store/store_event.h"
#include "store/store_kpi.h"

/* ================================================================ writing */

/* Deltas of many event changes, coalesced by counter row in memory. */
struct kpi_batch {
	struct store_kpi_row *rows;  /* distinct keys, in insertion order */
	size_t n, cap;
	uint32_t *slots;             /* open-addressing index into rows: i + 1, 0 = empty */
	size_t nslots;               /* power of two, > 2 × n */
};

/* Most distinct rows a batch holds (about 200 bytes each): kpi_batch_add
 * fails beyond it; flush before (kpi_batch_size). */
#define KPI_BATCH_MAX_ROWS (1u << 20)

/* An empty batch. No allocation. */
void kpi_batch_init(struct kpi_batch *b);
/* Free its memory; the batch is empty and reusable. */
void kpi_batch_release(struct kpi_batch *b);
/* Distinct counter rows waiting to be written. */
size_t kpi_batch_size(const struct kpi_batch *b);
/* Add contribution(after) − contribution(before) (before = NULL for a new
 * event, after = NULL for a removed one). Fails with 500 kpi.bad_event for
 * an event without a valid day, unit code or status, 503 kpi.batch_full
 * past KPI_BATCH_MAX_ROWS, 500 internal.oom; the batch is unchanged then. */
int kpi_batch_add(struct kpi_batch *b, const struct event_rec *before, const struct event_rec *after,
                  struct err *e);
/* Write the non-zero deltas (sorted by key, so concurrent writers lock rows
 * in one order) inside the caller's transaction, then empty the batch. On
 * failure the batch keeps its deltas (roll the transaction back). */
int kpi_batch_flush(struct kpi_batch *b, struct db *db, struct err *e);

/* Apply the change of one event to the counters (before = NULL when it is
 * new), inside the caller's transaction. A batch of one. */
int kpi_event_changed(struct db *db, const struct event_rec *before, const struct event_rec *after,
                      struct err *e);

/* Move b's non-zero rows into a new array sorted by key (*rows, *n; free()
 * it) and empty b. 500 internal.oom with b unchanged. */
int kpi_batch_take(struct kpi_batch *b, struct store_kpi_row **rows, size_t *n, struct err *e);
/* Empty a batch, keeping its memory. */
void kpi_batch_clear(struct kpi_batch *b);
/* Add every row of from to into. */
int kpi_batch_merge(struct kpi_batch *into, const struct kpi_batch *from, struct err *e);
/* From now on kpi_event_changed() on this thread adds to b instead of
 * writing (NULL: write again). The group-commit writer captures each job's
 * changes, merges those of the jobs that succeed and writes them once per
 * transaction. */
void kpi_capture(struct kpi_batch *b);

/* Recompute every counter from the event table (after bulk loads, or when
 * in doubt): in its own transaction unless the caller holds one. *events
 * (may be NULL) gets the number of events read. */
int kpi_rebuild(struct db *db, int64_t *events, struct err *e);

/* ======================================================== deferred
 * Deferred counters (SQLite, app/writer.c): the group-commit writer keeps
 * the deltas of committed events in memory and writes them about once a
 * second (one upsert per row per second instead of per batch). Each batch
 * marks the days its deltas touch in kpi_dirty, in its own transaction; the
 * flush clears them. After a crash, or when a `kpi rebuild` ran meanwhile
 * (kpi_epoch moved), the marked days are recomputed from the events
 * instead: kpi_repair_dirty. docs/kpi.md, "Deferred counters". */

/* Mark in kpi_dirty the days of b's day rows that are not in known[]. */
int kpi_mark_dirty(struct db *db, const struct kpi_batch *b, char (*known)[11], size_t nknown,
                   struct err *e);
/* Recompute the counters of one day (its day rows, and its month's rows by
 * the difference) from the events reported that day, inside the caller's
 * transaction. */
int kpi_repair_day(struct db *db, const char *day, struct err *e);
/* Repair every day marked in kpi_dirty and clear the marks, inside the
 * caller's transaction; *ndays (may be NULL) = days repaired. */
int kpi_repair_dirty(struct db *db, int *ndays, struct err *e);
/* The counters' epoch (meta kpi_epoch, "" before the first rebuild):
 * kpi_rebuild moves it. */
#define KPI_EPOCH_MAX 24
int kpi_epoch(struct db *db, char out[KPI_EPOCH_MAX], struct err *e);

/* ================================================================ reading */

enum kpi_by { KPI_BY_NONE = 0, KPI_BY_CATEGORY, KPI_BY_UNIT };

struct kpi_request {
	const char *unit;                /* a unit code */
	int32_t from, to;                /* days (kpi_day_parse), [from, to) */
	enum kpi_by by;
	const char *category;            /* NULL or "": every category; else a level-1 code
	                                    ("mdjf": it and its level-2 codes) or a level-2 code */
	const char *const *children;     /* by unit: the unit's direct children in display
	                                    order; NULL: read them from the database */
	size_t nchildren;
	int compare;                     /* also the 环比 and 同比 totals */
};

struct kpi_row {
	char key[EV_CODE_MAX];           /* a child unit's code, or a category code */
	struct kpi_counts c;
};

struct kpi_result {
	struct kpi_counts total;         /* the unit over the period */
	struct kpi_row *rows;            /* by: children in order (all of them, zeros too),
	                                    or categories with events, by code */
	size_t nrows;
	int32_t prev_from, prev_to;      /* 环比 period, when compare */
	struct kpi_counts prev;
	int32_t ly_from, ly_to;          /* 同比 period, when compare */
	struct kpi_counts last_year;
};

/* by category: with no filter the rows are level-1 categories (their level-2
 * codes summed); with a level-1 filter its level-2 codes; with a level-2
 * filter that code. Whole months are read from the month rows, the days
 * before and after them from the day rows. 400 kpi.bad_request for a bad
 * unit code or empty period. Release the result with kpi_result_release. */
int kpi_query(struct db *db, const struct kpi_request *q, struct kpi_result *out, struct err *e);
void kpi_result_release(struct kpi_result *r);

#endif
