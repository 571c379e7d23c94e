/*
 * kpi_rules.h - what one grid event contributes to the KPI counters, the
 * indicators derived from the counters, and the calendar arithmetic of KPI
 * periods (pure rules, no I/O). docs/kpi.md gives every formula.
 *
 * Cohort rule: an event counts in the day (and month) it was reported, for
 * each unit above its grid, its category and source, whatever happens to it
 * later. Its contribution is a vector of counters (enum kpi_field, the
 * columns of kpi_agg); every change of the event applies contribution(after)
 * − contribution(before) to its cohort's rows (app/kpi.c).
 */
#ifndef WG_KPI_RULES_H
#define WG_KPI_RULES_H

#include <stddef.h>
#include <stdint.h>
#include "domain/event_flow.h"

/* The counters, in the column order of kpi_agg (migration v3). */
enum kpi_field {
	KPI_REPORTED = 0,      /* every event (merged ones too): 上报数 */
	KPI_ACCEPTED,          /* accepted or registered (accepted_at set): 受理数 */
	KPI_REJECTED,          /* status rejected: 不予受理数 */
	KPI_CLOSED,            /* status closed: 办结数 */
	KPI_CLOSED_ON_TIME,    /* closed, closed_at <= due_at (or no due_at) */
	KPI_CLOSED_INTERNAL,   /* closed in the internal loop (自办) */
	KPI_CLOSED_LATE,       /* closed after due_at */
	KPI_OVERDUE_OPEN,      /* open with the overdue flag set */
	KPI_REWORK,            /* closed with rework_count > 0 (返工) */
	KPI_ESCALATED,         /* ever left the internal loop: 外循环数 */
	KPI_HANDLE_SECONDS,    /* closed: closed_at − accepted_at */
	KPI_RATED,             /* a resident's rating exists */
	KPI_RATE_GOOD,         /* 满意 */
	KPI_RATE_OK,           /* 基本满意 */
	KPI_RATE_BAD,          /* 不满意 */
	KPI_NFIELDS
};

struct kpi_counts {
	int64_t n[KPI_NFIELDS];
};

/* The facts of an event its contribution depends on. */
struct kpi_facts {
	enum ev_status status;
	enum ev_loop loop;             /* at close */
	int escalated;                 /* ever left the internal loop */
	int overdue;                   /* due_at passed while open (set by the clock job) */
	int rework_count;
	int rating;                    /* 0 none, 1 满意 2 基本满意 3 不满意 */
	int64_t accepted_at, closed_at, due_at;   /* Unix seconds, 0 = none */
};

/* kpi_agg column of a field ("reported" …). */
const char *kpi_field_column(enum kpi_field f);

/* The counters one event contributes (each 0 or 1, handle_seconds >= 0).
 * A merged event counts as reported only: its master carries the rest. */
void kpi_contribution(const struct kpi_facts *f, struct kpi_counts *out);
/* acc += sign × c. */
void kpi_counts_add(struct kpi_counts *acc, const struct kpi_counts *c, int sign);
/* True when every counter is 0. */
int kpi_counts_zero(const struct kpi_counts *c);

/* The field's indicators. A rate whose denominator is 0 is NaN (shown as
 * null / "-"): there is nothing to measure, which is not 0%. */
struct kpi_indicators {
	int64_t reported;              /* 上报数 */
	int64_t accepted;              /* 受理数 */
	int64_t rejected;              /* 不予受理数 */
	int64_t closed;                /* 办结数 */
	int64_t due;                   /* 应办结数 = closed + overdue_open */
	int64_t overdue;               /* 超期数 = closed_late + overdue_open */
	int64_t external;              /* 外循环数 = escalated */
	double close_rate;             /* 办结率 = closed / due */
	double on_time_rate;           /* 按期办结率 = closed_on_time / due */
	double rework_rate;            /* 返工率 = rework / closed */
	double avg_handle_seconds;     /* 平均处置时长 = handle_seconds / closed */
	double self_rate;              /* 自办率 = closed_internal / closed */
	double satisfaction;           /* 群众满意率 = (rate_good + rate_ok) / rated */
};
void kpi_indicators_of(const struct kpi_counts *c, struct kpi_indicators *out);

/* --- periods --------------------------------------------------------------- */
/* Days are counted from 1970-01-01 (day 0). */
#define KPI_DAY_MIN_YEAR 2000
#define KPI_DAY_MAX_YEAR 2199

/* Parse "YYYY-MM-DD" (exactly; a real calendar date in the years above)
 * into *day. -1 when it is not one. */
int kpi_day_parse(const char *s, int32_t *day);
/* Day as "YYYY-MM-DD" into out (11 bytes). Returns out. */
char *kpi_day_format(int32_t day, char out[11]);
/* The first day of day's month. */
int32_t kpi_day_month_start(int32_t day);
/* The same day of the month n months later (n < 0: earlier), moved back to
 * the month's last day when that month is shorter (03-31 − 1 month = 02-28). */
int32_t kpi_day_add_months(int32_t day, int n);
/* True when day is the first of its month. */
int kpi_day_is_month_start(int32_t day);

/* A part of a period read from one grain: periods in [from, to). */
struct kpi_span {
	char grain;                    /* 'd' day rows, 'm' month rows */
	int32_t from, to;              /* days; for 'm' both are firsts of months */
};

/* Split [from, to) into at most 3 spans: the days before the first whole
 * month, the whole months, the days after the last one. Returns how many
 * (0 when from >= to). */
int kpi_split_period(int32_t from, int32_t to, struct kpi_span out[3]);

/* 环比: the period just before [from, to) with the same length: whole
 * months when from and to are both firsts of months (a calendar month is
 * compared with the month before), else the same number of days. */
void kpi_previous_period(int32_t from, int32_t to, int32_t *pfrom, int32_t *pto);
/* 同比: the same period a year earlier (02-29 becomes 02-28). */
void kpi_last_year_period(int32_t from, int32_t to, int32_t *pfrom, int32_t *pto);

/* --- units ----------------------------------------------------------------- */
/* Code length of a unit level 1 (district) .. 5 (grid): 6 9 12 14 16; 0 otherwise. */
size_t kpi_level_code_len(int level);
/* Levels whose counters also hold roll-up rows (category '*' = every
 * category, source '*' = every source): district, town, community. Below
 * them a unit has few rows and is read from its plain rows. */
#define KPI_ROLLUP_MAX_LEVEL 3
#define KPI_ALL "*"

#endif
