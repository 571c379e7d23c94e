/*
 * events.h - grid events (网格事件): intake, the closed loop, warnings and
 * supervision, and who may see what. The rules of the loop are in
 * domain/event_flow.h; this module gathers the facts (the caller's
 * capacities towards an event), applies a decided step in one transaction
 * — the event row, its event_log row, supervision and photo rows, the KPI
 * counters and the audit row — and hands writes to the group-commit writer
 * (app/writer.h). docs/events.md describes the whole flow.
 */
#ifndef WG_EVENTS_H
#define WG_EVENTS_H

#include <stdint.h>
#include "app/app.h"
#include "app/auth.h"
#include "domain/event_flow.h"
#include "geo/coord.h"
#include "store/store_event.h"

#define EV_PHOTOS_MAX 9
#define EV_TITLE_CHARS 80
#define EV_TEXT_CHARS 2000
#define EV_NEAR_METRES 100.0
#define EV_NEAR_SECONDS (24 * 3600)
#define EV_SIMILAR_MAX 5          /* near-duplicates listed: a phone shows a handful */

/* A new event as the client sent it (checked by events_report). */
struct event_new {
	const char *category;
	const char *title;            /* optional: the category's name */
	const char *description;
	double lon, lat;
	enum crs crs;
	const char *address;          /* optional */
	const char *grid;             /* optional manual grid … */
	const char *grid_reason;      /* … with its reason */
	int urgency;                  /* 1..3; 0 = 1 */
	const char *source;           /* NULL: by role (patrol; resident for residents) */
	const char *external_id;      /* hotline work-order number */
	const char *reporter_name;    /* hotline callers, residents' contact */
	const char *reporter_phone;
	const char *photos[EV_PHOTOS_MAX];
	int nphotos;
	const char *idem_key;         /* Idempotency-Key, optional */
	char body_hash[65];           /* hex SHA-256 of the request body (with idem_key only) */
	const char *ip;
};

/* One step on an event as the client sent it. */
struct event_step_in {
	enum ev_action action;
	const char *note;             /* reason / remarks */
	const char *result;           /* EA_COMPLETE */
	int minutes;                  /* EA_EXTEND_REQUEST */
	int rating;                   /* EA_RATE */
	int supervision;              /* EA_SUPERVISE */
	const char *dept;             /* EA_DISPATCH: department code, or … */
	const char *unit;             /* … a town (its office) */
	int64_t account;              /* EA_ASSIGN */
	int64_t master;               /* EA_MERGE */
	int64_t version;              /* optional: the version the client saw (409 when stale) */
	const char *photos[EV_PHOTOS_MAX];
	int nphotos;
	const char *ip;
};

/* Seed the default taxonomy when event_category is empty. */
int events_ensure_taxonomy(struct db *db, struct err *e);

/* Take a report. *replayed = 1 when the idempotency key was seen with the
 * same body (out is the event it made then). cat (may be NULL) receives the
 * category record the checks read, so that the caller need not read it
 * again for the reply. Errors: 400 for bad fields,
 * 403 event.source_forbidden (the caller's roles may not use the source),
 * 403 event.out_of_scope (the grid lies outside the caller's reach:
 * events_place_check; nothing is written), 422 event.outside (no grid at
 * that point), 409 event.idempotency_mismatch,
 * 409 event.duplicate_external (a hotline order already taken: e->param
 * holds its id). */
int events_report(struct app *a, const struct principal *p, const struct event_new *n,
                  struct event_rec *out, struct category_rec *cat, int *replayed,
                  struct err *e);

/* events_report in three steps, for a caller that does not wait for the
 * writer (the HTTP handler: http_defer):
 *   events_report_begin   the checks and the event as it will be stored
 *                         (events_report's errors but those the write
 *                         finds: the idempotency and work-order checks)
 *   events_report_submit  hand it to the writer; done(ctx, rc) follows on
 *                         the writer thread, rc -1 with e filled on failure
 *                         (inline, before it returns, when there is no
 *                         writer). -1: not handed on (e filled), no done.
 *   events_report_result  the outcome, as events_report gives it
 *   events_report_free    when done was called, or submit failed.
 * p, n, and e must live until done. */
struct event_report;
int events_report_begin(struct app *a, const struct principal *p, const struct event_new *n,
                        struct event_report **out, struct err *e);
int events_report_submit(struct app *a, struct event_report *r, struct err *e,
                         void (*done)(void *ctx, int rc), void *ctx);
void events_report_result(const struct event_report *r, struct event_rec *out,
                          struct category_rec *cat, int *replayed);
void events_report_free(struct event_report *r);

/* 上报范围: may p report with this source into this grid (a grid code)?
 * One of p's grants must admit the source and reach the grid
 * (ev_intake_root, domain/event_flow.h); p NULL (the system) reaches every
 * grid. 0, or -1 with 403 event.out_of_scope naming param (the field that
 * placed the event: "grid" or "lon"). events_report applies it; the
 * hotline import checks each row with it before writing any. */
int events_place_check(const struct principal *p, const char *source, const char *grid,
                       const char *param, struct err *e);

/* Take a step (ev_decide's errors, plus 404 when the event is outside the
 * caller's view, 400 for a bad target). out = the event after the step. */
int events_step(struct app *a, const struct principal *p, int64_t id,
                const struct event_step_in *in, struct event_rec *out, struct err *e);

/* The caller's capacities towards an event (EV_CAP_*), given the handler's
 * grants (handler_is_grid_worker) already folded into *facts. */
unsigned events_caps(const struct principal *p, const struct event_rec *ev);
void events_facts(struct db *db, const struct event_rec *ev, struct ev_facts *f);

/* May p see this event? (territorial grant over its grid, the department
 * holding it, or its reporter.) */
int events_visible(const struct principal *p, const struct event_rec *ev);
/* Read one event the caller may see: 404 event.not_found otherwise. */
int events_get(struct db *db, const struct principal *p, int64_t id, struct event_rec *out,
               struct err *e);
/* The reporter's name and phone in full, for calling them back: the read is
 * recorded in the audit log (pii.read, target event:ID). 404 when the caller
 * may not see the event. The route decides which roles may ask. */
int events_reporter_contact(struct app *a, const struct principal *p, int64_t id, const char *ip,
                            char *name, size_t name_n, char *phone, size_t phone_n, struct err *e);

/* Narrow a queue filter to the caller's view: unit (optional, must be in
 * scope: 404 unit.not_found otherwise) for territorial roles, the
 * department for department staff, own reports for residents. */
int events_scope_filter(const struct principal *p, const char *unit, struct event_filter *f,
                        char *scope_buf, size_t n, struct err *e);

/* Open events of the same category within EV_NEAR_METRES and
 * EV_NEAR_SECONDS of ev (candidates for 合并): the EV_SIMILAR_MAX nearest,
 * nearest first, with their titles and statuses. cb runs for each; a
 * nonzero return stops. Costs 9 index scans (one a cell) and one statement
 * for the titles. */
typedef int (*events_near_cb)(void *ctx, const struct event_near_rec *ev, double metres);
int events_near(struct db *db, const struct event_rec *ev, events_near_cb cb, void *ctx,
                struct err *e);

/* The periodic warning job: move warning states and raise automatic
 * supervision for events whose clock passed a mark. Runs on the leader. */
int events_check_clocks(struct app *a, struct db *db, int64_t now, int *changed, struct err *e);

/* Make the forces' load (forces.h) the number of open events assigned to
 * each person's accounts. Once, before serving. */
void events_install_force_load(struct app *a);

/* Local (China Standard Time) date of t as YYYY-MM-DD. */
void events_day(int64_t t, char out[12]);

#endif
