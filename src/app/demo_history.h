/*
 * demo_history.h - a year of grid events for the demo district: `wangge
 * demo --events N` (default 259,000, Baiyun's yearly volume).
 *
 * Events are spread over the 365 days before `end` with a daily, weekly
 * and seasonal rhythm (domain/demo_events.h), over the grids by population
 * with a few urban-village hotspots, and over the categories by the
 * taxonomy's weights. Each one is played through the closed loop of
 * domain/event_flow.h by the demo's own staff and log-ins — accepted,
 * handled, verified and closed in the community, or escalated to the town
 * or district and dispatched to a department — with the timeline, clocks,
 * warnings and automatic supervision that app/events.c and the warning job
 * would have written, so the events of the last days are still open in
 * every status and the warning job carries on from `end`. docs/demo.md has
 * the figures.
 *
 * The same seed, count, grids and end give the same history.
 */
#ifndef WG_DEMO_HISTORY_H
#define WG_DEMO_HISTORY_H

#include <geos_c.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"
#include "store/db.h"
#include "store/store_unit.h"

/* One grid of the district as the history needs it. */
struct demo_history_grid {
	const struct unit_rec *grid;
	const struct unit_rec *community;    /* its 村/社区, for addresses */
	const GEOSGeometry *geom;            /* WGS-84 polygon, for the points */
};

struct demo_history_in {
	uint64_t seed;
	int events;                          /* how many */
	int64_t end;                         /* Unix seconds: the history runs up to here */
	GEOSContextHandle_t h;
	const struct demo_history_grid *grids;
	size_t ngrids;
};

struct demo_history_stats {
	int64_t events, logs, supervisions;  /* rows written */
	int64_t closed, rejected, open;      /* events by outcome */
	int64_t escalated, late;             /* left the community; closed after due_at */
	double seconds;
};

/* Write the history into db inside the caller's transaction, after the org,
 * the staff, the departments, the demo log-ins and the taxonomy: events
 * with explicit ids from 1, their event_log rows, event_supervision rows.
 * The caller clears the old events first (store_event_clear) and rebuilds
 * the KPI counters afterwards (kpi_rebuild). 0, or -1 with e set. */
int demo_history_write(struct db *db, const struct demo_history_in *in,
                       struct demo_history_stats *st, struct err *e);

#endif
