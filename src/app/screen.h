/*
 * screen.h - the command big screen's summary (指挥大屏, "一屏观全局"): one
 * JSON document with everything the screen at /screen shows for a unit —
 * KPI tiles, the month by category, source, loop and child unit, a 30-day
 * trend, open and overdue events per unit for the map, who is on duty, the
 * forces by kind, and the alerts — computed from the event table
 * (store/store_screen.h) and cached in memory.
 *
 * Figures (docs/kpi.md, the cohort rule: an event counts in the period it
 * was reported; docs/api.md "Big screen" lists every field):
 *   应办结 due        = closed + open-and-overdue            (month cohort)
 *   办结率 close_rate = closed / due                          (null when due = 0)
 *   按期办结率        = closed with closed_at <= due_at / due
 *   满意率            = (满意 + 基本满意) / rated
 *   today's reports   = events reported today (China time)
 *   closed today      = events closed today, whatever day they were reported
 *   open, overdue now = open events now (overdue = 1 or warning = 2)
 *
 * Cache: one summary per (unit, map level), kept SCREEN_CACHE_MS. Within
 * max(SCREEN_FRESH_MS, SCREEN_COST_FACTOR × the time computing it took) it
 * is served as is; after that, until SCREEN_CACHE_MS, only while no event
 * changed since it was computed (the newest event_log id, one index
 * look-up). So a quiet unit is computed every 5 s at most, a busy one as
 * often as its cost allows (a district summary that takes 0.2 s at most
 * once a second). Concurrent requests for the same key wait for one
 * computation, so 50 screens on one unit cost one. Thread-safe.
 */
#ifndef WG_SCREEN_H
#define WG_SCREEN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "app/auth.h"
#include "app/orgmodel.h"
#include "domain/unit_code.h"
#include "store/db.h"

#define SCREEN_CACHE_MS 5000         /* longest a summary is served from memory */
#define SCREEN_FRESH_MS 1000         /* served without a look at the database … */
#define SCREEN_COST_FACTOR 5         /* … or this many times its computing time */
#define SCREEN_CACHE_SLOTS 64        /* (unit, level) pairs kept */
#define SCREEN_ALERTS_MAX 20         /* alerts listed */
#define SCREEN_TREND_DAYS 30         /* days of the trend, today included */
#define SCREEN_TZ_OFFSET (8 * 3600)  /* China Standard Time, UTC+8, no DST */

struct screen_cache;

/* A new, empty cache; NULL when out of memory. screen_cache_free() it. */
struct screen_cache *screen_cache_new(void);
/* Free the cache and its entries. NULL is fine. No call may be running. */
void screen_cache_free(struct screen_cache *c);

/* The unit a screen shows: `code` when given, else the caller's broadest
 * admin / command / leader grant (the district before a town), or a wall
 * display's unit. The caller
 * needs one of those roles over it: 400 unit.bad_code for a malformed
 * code, 404 unit.not_found for an unknown one or one outside the scope.
 * out: SCREEN_UNIT_MAX bytes. */
#define SCREEN_UNIT_MAX 24
int screen_unit(const struct principal *p, const struct org_model *m, const char *code,
                char *out, struct err *e);

/* The level the map colours for `unit` by default: towns for the district,
 * communities for a town, grids below (a grid: itself). */
enum unit_level screen_child_level(enum unit_level l);

/* The summary of `unit` with the map at `map_level` (LEVEL_NONE: the
 * default; it must lie below the unit, or be grid: 400 param.invalid),
 * as JSON text. *out is malloc'd (free() it), *len its length, *hit 1 when
 * it came from the cache. db is used for look-ups and computations. */
int screen_summary(struct screen_cache *c, struct db *db, const struct org_model *m,
                   const char *unit, enum unit_level map_level, time_t now, char **out,
                   size_t *len, int *hit, struct err *e);

/* Compute a summary without the cache (tests, benches). New reference. */
int screen_build(struct db *db, const struct org_model *m, const char *unit,
                 enum unit_level map_level, time_t now, int64_t log_head, json_t **out,
                 struct err *e);

#endif
