/*
 * store_event.h - persistence of grid events: the event row, its timeline
 * (event_log), idempotency keys, supervision, the category taxonomy and the
 * queries behind the queue. Rules live in domain/event_flow.h and
 * app/events.c; this file only reads and writes rows.
 */
#ifndef WG_STORE_EVENT_H
#define WG_STORE_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"

#define EV_CODE_MAX 24            /* unit, department or category code */
#define EV_TITLE_MAX 256          /* bytes: 80 characters of Chinese */
#define EV_TEXT_MAX 6144          /* bytes: description, result, notes (2,000 characters) */
#define EV_ADDR_MAX 512
#define EV_NAME_MAX 96
#define EV_PHONE_MAX 32
#define EV_EXT_MAX 64
#define EV_IDEM_MAX 128
#define EV_CAT_NAME_MAX 96

struct category_rec {
	char code[EV_CODE_MAX];
	char parent[EV_CODE_MAX];     /* "" for a level-1 category */
	char name[EV_CAT_NAME_MAX];
	int minutes[3];               /* accept, handle, verify */
	int sort;
	int enabled;
};

struct event_rec {
	int64_t id;
	char source[16];
	char external_id[EV_EXT_MAX];
	char category[EV_CODE_MAX];
	char title[EV_TITLE_MAX];
	char description[EV_TEXT_MAX];
	double lon, lat;              /* WGS-84 */
	int64_t cell;                 /* store_event_cell(lon, lat) */
	char crs[8];
	char address[EV_ADDR_MAX];
	char grid[EV_CODE_MAX];
	char grid_reason[EV_ADDR_MAX];
	int urgency;
	char status[16];
	char loop[12];
	int level;
	char holder[EV_CODE_MAX];
	char dept[EV_CODE_MAX];
	int64_t assignee_id, reporter_id, handler_id, verifier_id, master_id;   /* 0 = none */
	char reporter_name[EV_NAME_MAX];
	char reporter_phone[EV_PHONE_MAX];
	char pending[16];
	int pending_minutes;
	int64_t pending_by;
	char prev_status[16];
	int64_t phase_started_at, warn_at, deadline_at, due_at, next_check_at;   /* 0 = none */
	int warning, supervision;
	int overdue;                  /* due_at passed while open (stays set) */
	int rework_count, extension_count, reopen_count, escalated;
	int rating;                   /* 0 = none */
	char rating_note[EV_ADDR_MAX];
	char result[EV_TEXT_MAX];
	char reject_reason[EV_ADDR_MAX];
	char day[12];                 /* YYYY-MM-DD, China time */
	int64_t created_at, accepted_at, closed_at, updated_at;
	int version;
};

struct event_log_rec {
	int64_t id;
	int64_t event_id;
	int64_t at;
	const char *action;
	const char *from_status;      /* NULL at creation */
	const char *to_status;
	int64_t actor_id;             /* 0 = the system */
	const char *actor_name;
	const char *role;
	const char *unit_code;
	const char *note;
	const char *detail;           /* JSON text */
	const char *photos;           /* comma-separated sha256 */
	int public_step;
	const char *grid_code;
	const char *dept_code;        /* department holding the event then, or NULL */
};

typedef int (*event_cb)(void *ctx, const struct event_rec *ev);
typedef int (*event_log_cb)(void *ctx, const struct event_log_rec *l);
typedef int (*category_cb)(void *ctx, const struct category_rec *c);

/* --- categories ----------------------------------------------------------- */
int store_category_get(struct db *db, const char *code, struct category_rec *out, struct err *e);
/* All categories, level 1 first, each group by sort then code. */
int store_category_list(struct db *db, category_cb cb, void *ctx, struct err *e);
/* Insert or update by code. */
int store_category_put(struct db *db, const struct category_rec *c, struct err *e);
int store_category_count(struct db *db, int64_t *n, struct err *e);

/* --- events --------------------------------------------------------------- */
/* Insert; ev->id is ignored unless nonzero (demo history), *id the new id. */
int store_event_insert(struct db *db, const struct event_rec *ev, int64_t *id, struct err *e);
/* 404 event.not_found. */
int store_event_get(struct db *db, int64_t id, struct event_rec *out, struct err *e);
/* Write every mutable column where id and version match, bumping version:
 * 409 event.conflict when the row moved meanwhile. */
int store_event_update(struct db *db, struct event_rec *ev, struct err *e);
/* The event a (source, external id) pair made, 0 when none. */
int store_event_by_external(struct db *db, const char *source, const char *ext, int64_t *id,
                            struct err *e);
/* The 0.001° square (about 110 × 100 m here) a point lies in: near-
 * duplicates are looked for in the 3 × 3 squares around a point. */
int64_t store_event_cell(double lon, double lat);
/* A near-duplicate candidate: just what the list shows. */
struct event_near_rec {
	int64_t id;
	double lon, lat;
	const char *title, *status;   /* valid until the callback returns */
};
typedef int (*event_near_cb)(void *ctx, const struct event_near_rec *r);
/* Open events of a category reported since `since` in the 3 × 3 cells
 * around (lon, lat): cell by cell, each cell's newest first, at most limit
 * of each cell, from one statement. */
int store_event_near(struct db *db, const char *category, int64_t since, double lon, double lat,
                     int limit, event_near_cb cb, void *ctx, struct err *e);
/* Events merged into master. */
int store_event_merged_into(struct db *db, int64_t master, event_cb cb, void *ctx, struct err *e);
/* Ids of open events whose next_check_at <= now, at most limit. */
int store_event_due(struct db *db, int64_t now, int limit, int64_t *ids, int *n, struct err *e);

/* The queue: every field optional (NULL/0 = any). Keyset pagination: rows
 * after the cursor (sort key, id) in the chosen order. */
struct event_filter {
	const char *status[12];       /* any of these; NULL-terminated */
	const char *loop;
	const char *category;         /* exact, or a level-1 code and its children */
	const char *under;            /* unit code: events whose grid is inside */
	const char *dept;
	const char *source;
	int64_t from, to;             /* created_at in [from, to) */
	int warning;                  /* -1 any, else exact */
	int min_warning;              /* 0 any; 1 yellow or red */
	int supervised;               /* 1: supervision > 0 */
	int64_t assignee_id;
	int64_t reporter_id;
	int pending;                  /* 1: a request is waiting */
	const char *q;                /* in title or address */
	enum { EV_SORT_NEWEST = 0, EV_SORT_DEADLINE = 1 } sort;
	int64_t after_key;            /* cursor: sort key (created_at or deadline_at) */
	int64_t after_id;             /* cursor: id; 0 = first page */
	int limit;
};
int store_event_query(struct db *db, const struct event_filter *f, event_cb cb, void *ctx,
                      struct err *e);
int store_event_count(struct db *db, const struct event_filter *f, int64_t *n, struct err *e);

/* --- timeline -------------------------------------------------------------- */
int store_event_log_add(struct db *db, const struct event_log_rec *l, int64_t *id, struct err *e);
int store_event_log_list(struct db *db, int64_t event_id, event_log_cb cb, void *ctx,
                         struct err *e);
/* Rows with id > after, in id order, at most limit (the live stream). */
int store_event_log_since(struct db *db, int64_t after, int limit, event_log_cb cb, void *ctx,
                          struct err *e);
int store_event_log_last_id(struct db *db, int64_t *id, struct err *e);

/* --- photos, supervision, idempotency --------------------------------------- */
int store_event_photo_add(struct db *db, int64_t event_id, const char *sha, int64_t log_id,
                          const char *kind, struct err *e);
typedef int (*event_photo_cb)(void *ctx, const char *sha, const char *kind, int64_t log_id);
int store_event_photos(struct db *db, int64_t event_id, event_photo_cb cb, void *ctx,
                       struct err *e);
int store_supervision_add(struct db *db, int64_t event_id, int level, const char *unit_code,
                          int64_t actor_id, const char *note, int64_t at, struct err *e);
typedef int (*supervision_cb)(void *ctx, int64_t id, int level, const char *unit, int64_t actor,
                              const char *note, int64_t at);
int store_supervisions(struct db *db, int64_t event_id, supervision_cb cb, void *ctx,
                       struct err *e);
/* *found = 1 with the body hash and event of an earlier request with this key. */
int store_idem_get(struct db *db, int64_t account, const char *key, char hash[65],
                   int64_t *event_id, int *found, struct err *e);
int store_idem_put(struct db *db, int64_t account, const char *key, const char *hash,
                   int64_t event_id, int64_t at, struct err *e);

/* --- the live stream (app/stream.c) ----------------------------------------- */
/* A timeline row with what the big screen shows of its event: the event's
 * state when the row is read (not when the step happened). Pointers live
 * until the callback returns. */
struct event_stream_rec {
	struct event_log_rec log;     /* detail and photos are not read (NULL) */
	const char *category;
	const char *category_name;
	const char *title;
	const char *status;
	const char *loop;
	const char *source;
	int urgency, warning;
	double lon, lat;              /* WGS-84 */
	int64_t reporter_id;          /* 0 = none */
};
typedef int (*event_stream_cb)(void *ctx, const struct event_stream_rec *r);
/* Rows with id > after joined with their event, in id order, at most limit.
 * The callback returns non-zero to stop (that value is returned). */
int store_event_stream_since(struct db *db, int64_t after, int limit, event_stream_cb cb,
                             void *ctx, struct err *e);
/* --- bulk loading (the demo history) ---------------------------------------- */
/*
 * Events, their timelines and supervision rows with explicit ids, written by
 * multi-row INSERTs (EV_BULK_EVENTS events, EV_BULK_LOGS log rows per
 * statement: a few thousand round trips for a year of events instead of
 * millions). Rows are copied and buffered; a batch goes out when
 * EV_BULK_EVENTS events wait, events before the rows that point at them:
 * add an event's log and supervision rows before it or after it, but
 * before the next event. Use inside a
 * transaction; store_event_bulk_finish() writes the rest and moves the id
 * generators past the ids used (db_sync_identity). No KPI counters, no audit:
 * the caller rebuilds the counters (app/kpi.h kpi_rebuild).
 * Free with store_event_bulk_free() (also after an error).
 */
#define EV_BULK_EVENTS 32
#define EV_BULK_LOGS 128
#define EV_BULK_SUPERVISIONS 64
struct event_bulk;
int store_event_bulk_new(struct db *db, struct event_bulk **out, struct err *e);
/* ev->id must be set. */
int store_event_bulk_event(struct event_bulk *b, const struct event_rec *ev, struct err *e);
/* l->id must be set; its strings are copied. */
int store_event_bulk_log(struct event_bulk *b, const struct event_log_rec *l, struct err *e);
int store_event_bulk_supervision(struct event_bulk *b, int64_t id, int64_t event_id, int level,
                                 const char *unit_code, int64_t actor_id, const char *note,
                                 int64_t at, struct err *e);
int store_event_bulk_finish(struct event_bulk *b, struct err *e);
void store_event_bulk_free(struct event_bulk *b);

/* Delete every event with its timeline, photo links, supervision rows,
 * idempotency keys and KPI counters (before the org they point at goes). */
int store_event_clear(struct db *db, struct err *e);

/* --- dispatch recommendations (派遣推荐) ------------------------------------
 * Departments of a district with their record on one category in one town:
 * events closed since `since`, dispatched to the department (dept_code),
 * whose grid lies under `town`, and how many of them closed by their due
 * time (closed_at <= due_at). Every department of the district comes back,
 * those without history with closed = 0, in department-code order; ranking
 * is the caller's. */
struct dept_record {
	char code[EV_CODE_MAX];
	char name[EV_CAT_NAME_MAX];
	int64_t closed;               /* closed events in the window */
	int64_t on_time;              /* … of which closed by due_at */
};
typedef int (*dept_record_cb)(void *ctx, const struct dept_record *r);
int store_event_dept_records(struct db *db, const char *district, const char *category,
                             const char *town, int64_t since, dept_record_cb cb, void *ctx,
                             struct err *e);

/* Open events (handling, dispatched) assigned to the accounts of person
 * person_id: a force's load. */
int store_event_person_load(struct db *db, int64_t person_id, int64_t *n, struct err *e);

#endif
