/*
 * demo_events.h - the pure ingredients of the demo's year of grid events:
 * when events happen (hour of day by source, day of week, season, the
 * Spring Festival and Golden Week dips, storm days), which category in
 * which season, which department a category goes to, and the texts
 * (titles, results, addresses, reasons) an event carries.
 *
 * No I/O and no clock: app/demo_history.c draws from these with the demo's
 * seeded PRNG (domain/demo_names.h) and writes the events. docs/demo.md
 * describes the resulting history.
 */
#ifndef WG_DEMO_EVENTS_H
#define WG_DEMO_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include "domain/demo_names.h"

/* Sources in the order of demo_source_share: patrol resident wechat hotline assigned. */
#define DEMO_NSOURCES 5
extern const char *const demo_sources[DEMO_NSOURCES];
/* Share of a year's events per source (sums to 1). */
extern const double demo_source_share[DEMO_NSOURCES];

/* Relative rate of reports from source s in local hour h (0..23). */
double demo_hour_weight(int s, int hour);
/* Relative rate of source s on a weekday (0 Sunday .. 6 Saturday). */
double demo_weekday_weight(int s, int wday);

/* Civil date of a day number (days since 1970-01-01). */
void demo_civil_from_days(int64_t days, int *y, int *m, int *d);
/* 0 Sunday .. 6 Saturday. */
int demo_weekday(int64_t days);
/* Calendar factor of a local day, 1 on an ordinary day: the season (summer
 * busier, winter quieter), the Spring Festival (people leave the city for
 * two weeks around 春节), Golden Week and May Day. */
double demo_day_factor(int64_t days);

/* Factor of a category (level-2 code) in a month (1..12), on a storm day
 * (typhoon or rainstorm: 安全隐患, 突发事件 and water supply jump). */
double demo_category_factor(const char *code, int month, int storm);
/* Categories that pile up in urban villages (出租屋, 电动车充电 …). */
int demo_category_chronic(const char *code);
/* Urgency 1..3 drawn for a category. */
int demo_category_urgency(struct demo_rng *r, const char *code);

/* Where a category is dispatched outside the community: a department
 * suffix ("cg", "zj", "ga", "sj", "wj", "yj", "sw": 440111-<suffix>) or
 * NULL for the town's own office. */
const char *demo_category_dept(struct demo_rng *r, const char *code);

/* Texts. Each returns a static string or fills out. */
const char *demo_event_title(struct demo_rng *r, const char *code);
const char *demo_event_result(struct demo_rng *r, const char *code);
/* An address in a community (name 三元里社区 / 龙塘村) or at a 专属网格
 * (grid_name when special, else NULL). */
void demo_event_address(struct demo_rng *r, const char *community, int village,
                        const char *special_name, char *out, size_t n);
/* The description a source writes: 网格员巡查发现：…, 市民来电反映：… */
void demo_event_description(const char *source, const char *address, const char *title,
                            char *out, size_t n);
const char *demo_reject_reason(struct demo_rng *r);
const char *demo_escalate_reason(struct demo_rng *r, int to_district);
const char *demo_rework_reason(struct demo_rng *r);
const char *demo_extend_reason(struct demo_rng *r);
/* A rating's note (1 满意 2 基本满意 3 不满意), often empty. */
const char *demo_rating_note(struct demo_rng *r, int rating);

#endif
