/*
 * kpi.c - incremental KPI counters (see kpi.h). Placeholder until the
 * counters land: applies nothing.
 */
#include "app/kpi.h"
#include "lib/banned.h"

int kpi_event_changed(struct db *db, const struct event_rec *before, const struct event_rec *after,
                      struct err *e)
{
	(void)db, (void)before, (void)after, (void)e;
	return 0;
}

int kpi_rebuild(struct db *db, struct err *e)
{
	(void)db, (void)e;
	return 0;
}
