/*
 * duty_rules.h - the rules of the command centres' duty rota (值班安排),
 * pure functions without I/O (docs/command-centre.md).
 *
 * A command centre (指挥中心) is the district or a town (镇街). Its rota has
 * three kinds of shift, in China Standard Time (UTC+8, no DST):
 *   day    白班   08:00–18:00 of the duty date
 *   night  夜班   18:00 of the duty date – 08:00 of the next day
 *   full   24小时 08:00 of the duty date – 08:00 of the next day
 * Each shift has 带班领导 (leaders) and 值班员 (officers): people of the
 * `person` table.
 *
 * Who is on a shift is resolved in three steps, always in this order:
 *   1. the weekly pattern rows valid on that date for its weekday;
 *   2. the dated exceptions of that shift, in id order: `clear` empties the
 *      shift, `remove` takes one person off, `add` puts one on;
 *   3. the approved swaps touching that shift, in id order: the giving
 *      person is replaced by the taking one in the same role (and on the
 *      swap's return leg, if any, the other way round).
 * A swap whose giving person is no longer on the shift changes nothing.
 *
 * Dates are day numbers (days since 1970-01-01), weekdays 1 (Monday) to
 * 7 (Sunday).
 */
#ifndef WG_DUTY_RULES_H
#define WG_DUTY_RULES_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define DUTY_SLOT_MAX 16             /* people on one shift at most */
#define DUTY_CST_OFFSET (8 * 3600)   /* China Standard Time - UTC, seconds */
#define DUTY_DATE_LEN 11             /* "YYYY-MM-DD" and NUL */

enum duty_shift { DUTY_SHIFT_NONE = 0, DUTY_DAY = 1, DUTY_NIGHT = 2, DUTY_FULL = 3 };
enum duty_role { DUTY_ROLE_NONE = 0, DUTY_LEADER = 1, DUTY_OFFICER = 2 };
enum duty_ex_action { DUTY_EX_NONE = 0, DUTY_EX_ADD = 1, DUTY_EX_REMOVE = 2, DUTY_EX_CLEAR = 3 };

/* One row of a weekly pattern: person on weekday's shift in role, from
 * day `from` to day `to` inclusive (to = 0: open ended). */
struct duty_pattern_row {
	int weekday;                     /* 1 Monday .. 7 Sunday */
	enum duty_shift shift;
	enum duty_role role;
	int64_t person_id;
	int64_t from, to;                /* day numbers; to 0 = open */
};

/* A dated exception to the pattern. */
struct duty_exception_row {
	int64_t id;                      /* application order */
	int64_t day;
	enum duty_shift shift;
	enum duty_ex_action action;
	enum duty_role role;             /* add: the role taken */
	int64_t person_id;               /* add, remove; 0 for clear */
};

/* An approved swap: `from` gives (day, shift) to `to`; with a return leg
 * (back_day != 0) `to` gives (back_day, back_shift) to `from`. */
struct duty_swap_row {
	int64_t id;
	int64_t day;
	enum duty_shift shift;
	int64_t from_person, to_person;
	int64_t back_day;                /* 0: a one-way swap (替班) */
	enum duty_shift back_shift;
};

struct duty_member {
	int64_t person_id;
	enum duty_role role;
	int64_t swap_id;                 /* came by this swap; 0 otherwise */
	int by_exception;                /* added by an exception */
};

/* Who is on one shift of one date. */
struct duty_roster {
	int64_t day;
	enum duty_shift shift;
	int planned;                     /* a pattern row or exception names this shift */
	struct duty_member m[DUTY_SLOT_MAX];
	int n;
};

/* --- names and times ----------------------------------------------------- */

/* "day" "night" "full" -> shift; DUTY_SHIFT_NONE when unknown. */
enum duty_shift duty_shift_parse(const char *s);
const char *duty_shift_name(enum duty_shift s);
/* 白班 夜班 24小时 */
const char *duty_shift_label(enum duty_shift s);
enum duty_role duty_role_parse(const char *s);
const char *duty_role_name(enum duty_role r);     /* "leader" "officer" */
const char *duty_role_label(enum duty_role r);    /* 带班领导 值班员 */
enum duty_ex_action duty_ex_parse(const char *s);
const char *duty_ex_name(enum duty_ex_action a);  /* "add" "remove" "clear" */

/* Day number of a civil date, and back. */
int64_t duty_days_from_civil(int y, int m, int d);
void duty_civil_from_days(int64_t days, int *y, int *m, int *d);
/* Strict "YYYY-MM-DD" (a real calendar date, year 2000–2199) -> day number:
 * 0, or -1 when malformed. */
int duty_date_parse(const char *s, int64_t *day);
/* Day number -> "YYYY-MM-DD" (out: DUTY_DATE_LEN bytes). Returns out. */
char *duty_date_format(int64_t day, char *out);
/* 1 Monday .. 7 Sunday. */
int duty_weekday(int64_t day);
/* Today's date in China Standard Time at Unix time t. */
int64_t duty_today(time_t t);
/* The shift's window in Unix seconds: [start, end). */
void duty_shift_window(int64_t day, enum duty_shift s, time_t *start, time_t *end);
/* The shifts running at Unix time t: *day is their duty date (yesterday
 * before 08:00), cands[0] the day or night shift, cands[1] the 24-hour one. */
void duty_shifts_at(time_t t, int64_t *day, enum duty_shift cands[2]);

/* --- resolution ---------------------------------------------------------- */

/* Resolve who is on (day, shift) from the pattern, the exceptions and the
 * approved swaps (any order; those of other days and shifts are ignored).
 * Leaders come first in out->m, then officers, each in the order they were
 * put on. Never fails: more than DUTY_SLOT_MAX people are cut. */
void duty_resolve(const struct duty_pattern_row *pat, size_t npat,
                  const struct duty_exception_row *ex, size_t nex,
                  const struct duty_swap_row *sw, size_t nsw,
                  int64_t day, enum duty_shift shift, struct duty_roster *out);
/* Is the person on the roster? Returns the role, or DUTY_ROLE_NONE. */
enum duty_role duty_roster_has(const struct duty_roster *r, int64_t person_id);
/* Number of members of the role on the roster. */
int duty_roster_count(const struct duty_roster *r, enum duty_role role);

/* --- gaps ---------------------------------------------------------------- */

enum duty_gap {
	DUTY_GAP_NONE = 0,
	DUTY_GAP_EMPTY = 1,              /* nobody on duty */
	DUTY_GAP_NO_LEADER = 2,          /* officers but no 带班领导 */
};

/* Gaps of one duty date, from the rosters of its three shifts: when the
 * 24-hour shift is staffed it covers the whole date and the day and night
 * shifts do not matter; otherwise each of day and night is judged alone
 * (a 24-hour shift without a leader still counts as staffed but is
 * flagged no_leader). out[DUTY_DAY], out[DUTY_NIGHT], out[DUTY_FULL]
 * receive the gap of each shift (index 0 unused). */
void duty_gaps(const struct duty_roster *day, const struct duty_roster *night,
               const struct duty_roster *full, enum duty_gap out[4]);
const char *duty_gap_name(enum duty_gap g);        /* "empty" "no_leader" */

#endif
