/*
 * store_screen.h - the read-only queries behind the command big screen
 * (指挥大屏, app/screen.h): a unit's events of the month by grid, by
 * category and source, its open events, the reports and closings of the
 * last days, the alerts, and its forces by kind and status.
 *
 * Every query takes the unit's subtree as a grid-code range [lo, hi)
 * (unit codes nest by prefix, docs/codes.md: everything under 440111002 is
 * 440111002 <= grid_code < 440111003; store_screen_range() computes it) and
 * a time range in Unix seconds, so each is served by an index: the covering
 * event_screen (created_at, id, …) and event_closed (closed_at, …) for a
 * town or the district, event_community and event_open_community (open
 * events) for a community and what is in it (migration 10). No LIKE.
 *
 * Rows come back through callbacks; a callback returning non-zero stops the
 * query, which then returns -1 with e untouched.
 */
#ifndef WG_STORE_SCREEN_H
#define WG_STORE_SCREEN_H

#include <stdint.h>
#include "store/db.h"

#define SCREEN_CODE_MAX 24

/* The grid-code range [lo, hi) of the subtree of unit code `code`: lo is
 * the code, hi the code with its last digit raised (trailing 9s dropped
 * first: 4401119 -> 440112). Both buffers SCREEN_CODE_MAX bytes. */
void store_screen_range(const char *code, char *lo, char *hi);

/* Counters of one grid's events reported in a period (the cohort rule of
 * docs/kpi.md: an event counts in the period it was reported). */
struct screen_grid_counts {
	char grid[SCREEN_CODE_MAX];
	int64_t reported;                /* every event, merged ones too */
	int64_t closed;                  /* status closed */
	int64_t on_time;                 /* closed, closed_at <= due_at (or no due_at) */
	int64_t overdue_open;            /* open (not rejected, closed, merged) and overdue = 1 */
	int64_t open;                    /* open */
	int64_t rated;                   /* has a resident's rating */
	int64_t rated_ok;                /* rated 满意 (1) or 基本满意 (2) */
	int64_t escalated;               /* ever left the internal loop (外循环) */
	int64_t rejected;                /* 不予受理 */
};
typedef int (*screen_grid_counts_cb)(void *ctx, const struct screen_grid_counts *r);
/* Events of grids in [lo, hi) reported in [from, to), one row per grid. */
int store_screen_period_by_grid(struct db *db, const char *lo, const char *hi, int64_t from,
                                int64_t to, screen_grid_counts_cb cb, void *ctx, struct err *e);

/* Events reported in a period by category (level 2 code), source and loop. */
struct screen_mix_row {
	char category[SCREEN_CODE_MAX];
	char source[16];
	int escalated;                   /* 0 internal loop only, 1 went external */
	int64_t reported, closed;
};
typedef int (*screen_mix_cb)(void *ctx, const struct screen_mix_row *r);
int store_screen_period_mix(struct db *db, const char *lo, const char *hi, int64_t from, int64_t to,
                            screen_mix_cb cb, void *ctx, struct err *e);

/* Open events now, one row per grid. */
struct screen_open_row {
	char grid[SCREEN_CODE_MAX];
	int64_t open;
	int64_t overdue;                 /* overdue = 1 or warning = 2 (red: past its phase limit) */
	int64_t red;                     /* warning = 2 */
	int64_t supervised;              /* supervision 黄牌 or 红牌 (>= 2) */
};
typedef int (*screen_open_cb)(void *ctx, const struct screen_open_row *r);
int store_screen_open_by_grid(struct db *db, const char *lo, const char *hi, screen_open_cb cb,
                              void *ctx, struct err *e);

/* Reports per local day (the event's `day`, YYYY-MM-DD) among events
 * reported in [from, to). */
typedef int (*screen_day_cb)(void *ctx, const char *day, int64_t n);
int store_screen_reports_by_day(struct db *db, const char *lo, const char *hi, int64_t from,
                                int64_t to, screen_day_cb cb, void *ctx, struct err *e);
/* Closings per China-time day number ((closed_at + 8 h) / 1 day) among
 * events closed in [from, to) and still closed. */
typedef int (*screen_daynum_cb)(void *ctx, int64_t daynum, int64_t n);
int store_screen_closings_by_day(struct db *db, const char *lo, const char *hi, int64_t from,
                                 int64_t to, screen_daynum_cb cb, void *ctx, struct err *e);

/* Open events that are red (warning 2), overdue or under 黄牌/红牌
 * supervision, earliest deadline first, at most limit. */
struct screen_alert_row {
	int64_t id;
	char title[256];
	char category[SCREEN_CODE_MAX];
	char grid[SCREEN_CODE_MAX];
	char status[16];
	int urgency, warning, supervision, overdue, level;
	int64_t deadline_at, due_at, created_at;   /* 0 = none */
	double lon, lat;
};
typedef int (*screen_alert_cb)(void *ctx, const struct screen_alert_row *r);
int store_screen_alerts(struct db *db, const char *lo, const char *hi, int limit, screen_alert_cb cb,
                        void *ctx, struct err *e);

/* Forces of units in [lo, hi) by kind and status. */
typedef int (*screen_force_cb)(void *ctx, const char *kind, const char *status, int64_t n);
int store_screen_forces(struct db *db, const char *lo, const char *hi, screen_force_cb cb, void *ctx,
                        struct err *e);

/* Every category: code, parent ("" for level 1), name, in display order. */
typedef int (*screen_category_cb)(void *ctx, const char *code, const char *parent, const char *name);
int store_screen_categories(struct db *db, screen_category_cb cb, void *ctx, struct err *e);

/* The newest event_log id (0 when empty): every committed change of any
 * event moves it, so a cached summary older than it may be stale. */
int store_screen_log_head(struct db *db, int64_t *out, struct err *e);

#endif
