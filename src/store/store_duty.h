/*
 * store_duty.h - persistence of the command centres' duty rota: weekly
 * pattern rows, dated exceptions, swaps and shift log entries (tables
 * duty_pattern, duty_exception, duty_swap, duty_log; migration 4).
 *
 * Dates are "YYYY-MM-DD" text (China Standard Time), which compares the
 * same in SQLite and PostgreSQL; shift, role, action and status are the
 * names of domain/duty_rules.h. The rules that make these rows a rota live
 * in domain/duty_rules.c and app/duty.c; this module only reads and writes.
 * Rows read back carry the name and phone of the people they name, joined
 * from `person`.
 */
#ifndef WG_STORE_DUTY_H
#define WG_STORE_DUTY_H

#include <stdint.h>
#include "store/db.h"
#include "store/store_staff.h"

#define DUTY_CODE_MAX 24
#define DUTY_NOTE_MAX 512            /* bytes of a note, reason or decision note */
#define DUTY_LOG_MAX 4000            /* bytes of a shift log entry */

struct duty_pattern_rec {
	int64_t id;
	char centre[DUTY_CODE_MAX];
	int weekday;                     /* 1 Monday .. 7 Sunday */
	char shift[8];                   /* day night full */
	char role[12];                   /* leader officer */
	int64_t person_id;
	char starts_on[DATE_MAX];
	char ends_on[DATE_MAX];          /* "" = open */
	int64_t created_by;
	char name[PERSON_NAME_MAX];      /* joined */
	char phone[PHONE_MAX];
};

struct duty_exception_rec {
	int64_t id;
	char centre[DUTY_CODE_MAX];
	char day[DATE_MAX];
	char shift[8];
	char action[8];                  /* add remove clear */
	char role[12];                   /* add: leader officer; else "" */
	int64_t person_id;               /* 0 for clear */
	char note[DUTY_NOTE_MAX];
	int64_t created_by;
	char created_at[32];
	char name[PERSON_NAME_MAX];      /* joined */
	char phone[PHONE_MAX];
};

struct duty_swap_rec {
	int64_t id;
	char centre[DUTY_CODE_MAX];
	char day[DATE_MAX];
	char shift[8];
	int64_t from_person, to_person;
	char back_day[DATE_MAX];         /* "" = one way */
	char back_shift[8];
	char reason[DUTY_NOTE_MAX];
	char status[12];                 /* pending approved rejected */
	int64_t requested_by, decided_by;
	char decided_at[32];
	char decision_note[DUTY_NOTE_MAX];
	char created_at[32];
	char from_name[PERSON_NAME_MAX], from_phone[PHONE_MAX];   /* joined */
	char to_name[PERSON_NAME_MAX], to_phone[PHONE_MAX];
};

struct duty_log_rec {
	int64_t id;
	char centre[DUTY_CODE_MAX];
	char day[DATE_MAX];
	char shift[8];
	char kind[12];                   /* log handover */
	const char *body;                /* read: valid during the callback */
	int64_t author_id;
	char author_name[64];
	char created_at[32];
};

typedef int (*duty_pattern_cb)(void *ctx, const struct duty_pattern_rec *r);
typedef int (*duty_exception_cb)(void *ctx, const struct duty_exception_rec *r);
typedef int (*duty_swap_cb)(void *ctx, const struct duty_swap_rec *r);
typedef int (*duty_log_cb)(void *ctx, const struct duty_log_rec *r);

/* --- people -------------------------------------------------------------- */
/* One person by id; 404 duty.unknown_person when absent. */
int store_duty_person(struct db *db, int64_t id, struct person_rec *out, struct err *e);

/* --- pattern ------------------------------------------------------------- */
/* Pattern rows of a centre valid on some day of [from, to], by id. */
int store_duty_pattern_list(struct db *db, const char *centre, const char *from, const char *to,
                            duty_pattern_cb cb, void *ctx, struct err *e);
/* Make room for a new pattern starting on `starts`: rows starting on or
 * after it are deleted, rows running into it end on `day_before`. */
int store_duty_pattern_cut(struct db *db, const char *centre, const char *starts,
                           const char *day_before, struct err *e);
int store_duty_pattern_add(struct db *db, const struct duty_pattern_rec *r, struct err *e);

/* --- exceptions ---------------------------------------------------------- */
int store_duty_exception_add(struct db *db, const struct duty_exception_rec *r, int64_t *id,
                             struct err *e);
/* 404 duty.exception_not_found when absent. */
int store_duty_exception_get(struct db *db, int64_t id, struct duty_exception_rec *out,
                             struct err *e);
int store_duty_exception_delete(struct db *db, int64_t id, struct err *e);
/* Exceptions of a centre on days [from, to], by id. */
int store_duty_exception_list(struct db *db, const char *centre, const char *from, const char *to,
                              duty_exception_cb cb, void *ctx, struct err *e);

/* --- swaps --------------------------------------------------------------- */
int store_duty_swap_add(struct db *db, const struct duty_swap_rec *r, int64_t *id, struct err *e);
/* 404 duty.swap_not_found when absent. */
int store_duty_swap_get(struct db *db, int64_t id, struct duty_swap_rec *out, struct err *e);
/* Approved swaps of a centre with either leg on a day of [from, to], by id. */
int store_duty_swap_approved(struct db *db, const char *centre, const char *from, const char *to,
                             duty_swap_cb cb, void *ctx, struct err *e);
/* Swaps of a centre, status NULL for any, newest first, ids below
 * `before` (0: no bound), at most limit. */
int store_duty_swap_list(struct db *db, const char *centre, const char *status, int64_t before,
                         int limit, duty_swap_cb cb, void *ctx, struct err *e);
/* Is there a pending swap of this person on this shift? *out 1 or 0. */
int store_duty_swap_pending(struct db *db, const char *centre, const char *day, const char *shift,
                            int64_t from_person, int *out, struct err *e);
/* Decide a pending swap: status approved|rejected. 409 duty.swap_decided
 * when it is no longer pending (another dispatcher was quicker). */
int store_duty_swap_decide(struct db *db, int64_t id, const char *status, int64_t by,
                           const char *note, struct err *e);

/* --- shift log ----------------------------------------------------------- */
int store_duty_log_add(struct db *db, const struct duty_log_rec *r, int64_t *id, struct err *e);
/* Entries of a centre on days [from, to] (shift NULL: every shift), oldest
 * first, at most limit. */
int store_duty_log_list(struct db *db, const char *centre, const char *from, const char *to,
                        const char *shift, int limit, duty_log_cb cb, void *ctx, struct err *e);

/* --- demo ---------------------------------------------------------------- */
/* Delete every rota row, log entry, equipment, force and status (before
 * the people and units they name are rebuilt). Inside a transaction. */
int store_command_clear(struct db *db, struct err *e);

#endif
