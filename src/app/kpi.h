/*
 * kpi.h - the field's KPIs (受理数, 办结数, 办结率 …), kept incrementally in
 * kpi_agg and read back for any unit subtree and period. docs/kpi.md gives
 * every formula.
 *
 * Counters are kept per cohort: an event counts in the day (and month) it
 * was reported, for each unit above its grid (district … grid), its
 * category and source. Every change of an event applies the difference of
 * its contribution before and after, inside the transaction of the change.
 */
#ifndef WG_KPI_H
#define WG_KPI_H

#include "store/db.h"
#include "store/store_event.h"

/* Apply the change of one event to the counters (before = NULL when it is
 * new), inside the caller's transaction. */
int kpi_event_changed(struct db *db, const struct event_rec *before, const struct event_rec *after,
                      struct err *e);

/* Recompute every counter from the event table (after bulk loads: the
 * demo history, a restore). Call inside a transaction. */
int kpi_rebuild(struct db *db, struct err *e);

#endif
