/*
 * duty.h - the command centres' duty rota (值班安排) as a use case: who is
 * on duty now, calendars, gaps, pattern changes, exceptions, swaps and the
 * shift log, under the scope rule and with an audit row per change.
 *
 * A command centre is the district or a town (level 1 or 2); the rules of
 * shifts and resolution are domain/duty_rules.h, the SQL store/store_duty.h,
 * the rules in prose docs/command-centre.md.
 *
 * Scope: reading a centre's rota needs a staff grant whose subtree holds the
 * centre or lies under it (a grid worker sees the duty of their town and of
 * the district); changing it needs admin or command over the centre;
 * deciding a swap needs command over it. A centre outside the caller's
 * scope answers 404 unit.not_found, like one that does not exist.
 *
 * duty_now() is the entry point for other modules (big screen, dispatch
 * recommendations, escalation notices): one unit -> the shift running now
 * at its town's centre, or at the district's when the town has nobody on.
 * It reads three small indexed queries and allocates nothing on success
 * paths beyond the book it frees.
 */
#ifndef WG_DUTY_H
#define WG_DUTY_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>
#include "app/auth.h"
#include "app/orgmodel.h"
#include "domain/duty_rules.h"
#include "store/db.h"
#include "store/store_duty.h"

#define DUTY_RANGE_MAX 62            /* days of one calendar request */
#define DUTY_GAP_DAYS_MAX 31         /* days ahead a gap search looks */
#define DUTY_AHEAD_MAX 366           /* days ahead a change may reach */
#define DUTY_PATTERN_SLOTS_MAX 21    /* 7 weekdays × 3 shifts */

/* Audit actions */
#define AUDIT_DUTY_PATTERN "duty.pattern_set"
#define AUDIT_DUTY_EXCEPTION_ADD "duty.exception_add"
#define AUDIT_DUTY_EXCEPTION_DELETE "duty.exception_delete"
#define AUDIT_DUTY_SWAP_REQUEST "duty.swap_request"
#define AUDIT_DUTY_SWAP_DECIDE "duty.swap_decide"
#define AUDIT_DUTY_LOG "duty.log_add"

/* Who acts: the principal (NULL for the CLI and the demo) and their address. */
struct duty_actor {
	const struct principal *p;
	const char *ip;
	const struct org_model *org;     /* current snapshot, required */
};

struct duty_person_info {
	int64_t id;
	char name[PERSON_NAME_MAX];
	char phone[PHONE_MAX];
};

/* One resolved shift with the people on it. */
struct duty_shift_view {
	char centre[DUTY_CODE_MAX];
	int64_t day;
	enum duty_shift shift;
	time_t start, end;
	struct duty_roster roster;
	struct duty_person_info people[DUTY_SLOT_MAX];   /* people[i] is roster.m[i] */
};

/* The rota rows of one centre over days [from, to], loaded once. */
struct duty_book {
	char centre[DUTY_CODE_MAX];
	int64_t from, to;
	struct duty_pattern_row *pat;
	size_t npat;
	struct duty_exception_row *ex;
	size_t nex;
	struct duty_swap_row *sw;
	size_t nsw;
	struct duty_person_info *names;  /* everybody the rows name */
	size_t nnames;
	size_t cap_pat, cap_ex, cap_sw, cap_names;
};

/* Load a centre's rows for [from, to] (day numbers). duty_book_release() it. */
int duty_book_load(struct db *db, const char *centre, int64_t from, int64_t to,
                   struct duty_book *b, struct err *e);
void duty_book_release(struct duty_book *b);
/* Resolve one shift of the book. */
void duty_book_shift(const struct duty_book *b, int64_t day, enum duty_shift s,
                     struct duty_shift_view *out);

/* Who is on duty now for `unit` (any level). */
struct duty_now {
	char unit[DUTY_CODE_MAX];        /* asked for */
	char centre[DUTY_CODE_MAX];      /* the centre answering */
	char centre_name[128];
	int fallback;                    /* the town had nobody on: the district answers */
	int found;                       /* somebody is on duty */
	struct duty_shift_view view;     /* the shift running (empty when !found) */
};

/* 404 unit.not_found for an unknown unit. No scope check: callers check. */
int duty_now(struct db *db, const struct org_model *m, const char *unit, time_t now,
             struct duty_now *out, struct err *e);

/* --- scope --------------------------------------------------------------- */
/* May p read unit `code`: a staff grant over it, or (ancestors) a grant
 * under it; department grants count for their district; a wall display
 * its own subtree (never ancestors). NULL p: yes. */
int duty_can_read(const struct principal *p, const char *code, int ancestors);
/* Does p hold admin or command over code? NULL p: yes. */
int duty_can_manage(const struct principal *p, const char *code);
/* A unit code that exists in the snapshot and that p may read: 0, or 400
 * unit.bad_code / 404 unit.not_found (also for out of scope). */
int duty_unit_check(const struct principal *p, const struct org_model *m, const char *code,
                    int ancestors, const char *param, struct err *e);
/* As duty_unit_check and the unit must be a centre (district or town):
 * 400 duty.not_centre otherwise. */
int duty_centre_check(const struct principal *p, const struct org_model *m, const char *code,
                      int ancestors, const char *param, struct err *e);

/* --- JSON ---------------------------------------------------------------- */
/* {date, shift, shift_label, start, end, leaders:[{id,name,phone,swap_id?}],
 *  officers:[…], planned} ; new reference. */
json_t *duty_shift_json(const struct duty_shift_view *v);
/* {unit, centre:{code,name}, fallback, on_duty, shift:{…}|null}; new reference. */
json_t *duty_now_json(const struct duty_now *n);

/* --- reads --------------------------------------------------------------- */
/* {centre, name, from, to, days:[{date, weekday, shifts:[…]}]} */
int duty_calendar(struct db *db, const struct duty_actor *a, const char *centre, int64_t from,
                  int64_t to, json_t **out, struct err *e);
/* Shifts in [today, today + days) with nobody (or no leader) on duty, at
 * the centre of unit, or at every centre under it when it is the district:
 * {from, to, gaps:[{centre, centre_name, date, shift, start, end, reason}]} */
int duty_gaps_list(struct db *db, const struct duty_actor *a, const char *unit, int days,
                   time_t now, json_t **out, struct err *e);
/* The pattern rows of a centre still valid today or later. */
int duty_pattern_get(struct db *db, const struct duty_actor *a, const char *centre,
                     time_t now, json_t **out, struct err *e);

/* --- changes ------------------------------------------------------------- */
struct duty_slot_spec {
	int weekday;                     /* 1..7 */
	enum duty_shift shift;
	int64_t leaders[DUTY_SLOT_MAX];
	int nleaders;
	int64_t officers[DUTY_SLOT_MAX];
	int nofficers;
};

/* Replace the weekly pattern of a centre from day `starts` on (not before
 * the current duty date). */
int duty_pattern_set(struct db *db, const struct duty_actor *a, const char *centre, int64_t starts,
                     const struct duty_slot_spec *slots, int nslots, time_t now, int *rows,
                     struct err *e);

struct duty_exception_spec {
	int64_t day;
	enum duty_shift shift;
	enum duty_ex_action action;
	enum duty_role role;             /* add */
	int64_t person_id;               /* add, remove */
	const char *note;
};
int duty_exception_add(struct db *db, const struct duty_actor *a, const char *centre,
                       const struct duty_exception_spec *s, time_t now, int64_t *id,
                       struct err *e);
/* 404 duty.exception_not_found when it is not the centre's. */
int duty_exception_delete(struct db *db, const struct duty_actor *a, const char *centre,
                          int64_t id, time_t now, struct err *e);

struct duty_swap_spec {
	const char *centre;
	int64_t day;
	enum duty_shift shift;
	int64_t from_person;             /* 0: the caller's own person */
	int64_t to_person;
	int64_t back_day;                /* 0: one way */
	enum duty_shift back_shift;
	const char *reason;
};
int duty_swap_request(struct db *db, const struct duty_actor *a, const struct duty_swap_spec *s,
                      time_t now, int64_t *id, struct err *e);
/* Approve or reject a pending swap (command over its centre; 404
 * duty.swap_not_found otherwise). An approval checks again that the giving
 * person is still on the shift and the taking one is not (409 duty.swap_stale). */
int duty_swap_decide(struct db *db, const struct duty_actor *a, int64_t id, int approve,
                     const char *note, struct err *e);
/* Swaps of a centre, newest first. */
int duty_swap_list(struct db *db, const struct duty_actor *a, const char *centre,
                   const char *status, int64_t before, int limit, json_t **out, struct err *e);
/* {id, centre, date, shift, from:{…}, to:{…}, back_date, back_shift, reason, status, …} */
json_t *duty_swap_json(const struct duty_swap_rec *r);
int duty_swap_get_json(struct db *db, int64_t id, json_t **out, struct err *e);

/* A shift log entry or hand-over note (kind "log" | "handover") on a shift
 * of the current or the two previous duty dates; by a person on that shift
 * or a manager of the centre. day 0 / shift NONE: the shift running now. */
int duty_log_add(struct db *db, const struct duty_actor *a, const char *centre, int64_t day,
                 enum duty_shift shift, const char *kind, const char *text, time_t now,
                 int64_t *id, struct err *e);
int duty_log_list(struct db *db, const struct duty_actor *a, const char *centre, int64_t from,
                  int64_t to, enum duty_shift shift, json_t **out, struct err *e);

#endif
