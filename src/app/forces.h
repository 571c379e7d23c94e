/*
 * forces.h - the forces a command centre dispatches (力量): grid workers,
 * grid leaders, station heads (from the org's posts), 最小应急单元 and
 * volunteers (their own registries), each with a status and a last known
 * position.
 *
 *   kind            id is            unit
 *   grid_worker     person id        the grid of the post
 *   grid_leader     person id        the area
 *   station_head    person id        the community (also 总站长)
 *   emergency_unit  its row id       the unit it belongs to
 *   volunteer       its row id       the community or grid
 *
 * Status: on_duty 在岗, on_patrol 巡查中, handling 处置中, off 下班/离线.
 * Available for dispatch: on_duty or on_patrol with a position reported in
 * the last FORCES_FRESH_SECONDS.
 *
 * Staff report their own status and position from the phone (grid worker,
 * grid leader and station head accounts linked to a staff record);
 * emergency units and volunteers are kept by admin/command of their unit.
 * Positions are WGS-84 (GCJ-02 and BD-09 are converted on input).
 *
 * Scope: lists need a staff grant over the unit asked for (no look upwards:
 * positions of people are personal data); changes need admin or command
 * over the unit; anything outside reads as not found. Every change writes
 * an audit row in its transaction (a position report records the status,
 * never the coordinates: the audit log is no movement trail).
 */
#ifndef WG_FORCES_H
#define WG_FORCES_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>
#include "app/auth.h"
#include "app/orgmodel.h"
#include "store/db.h"
#include "store/store_force.h"

#define FORCES_FRESH_SECONDS (4 * 3600)  /* a position older than this is stale */
#define FORCES_NEAR_MAX 50               /* most results of a nearest search */
#define FORCES_LIST_MAX 5000             /* most forces in one list reply */
#define FORCES_MEMBERS_MAX 30            /* members of an emergency unit */
#define FORCES_ITEMS_MAX 30              /* equipment items of an emergency unit */

#define AUDIT_FORCE_REPORT "force.report"
#define AUDIT_FORCE_ADD "force.add"
#define AUDIT_FORCE_UPDATE "force.update"
#define AUDIT_FORCE_DELETE "force.delete"

struct forces_actor {
	const struct principal *p;       /* NULL: the CLI or the demo */
	const char *ip;
	const struct org_model *org;     /* required */
};

/* Known kind / status names? */
int forces_kind_valid(const char *kind);
int forces_status_valid(const char *status);

/* --- the load hook ------------------------------------------------------- */
/* How much work a force has now (open events it is handling). The event
 * module installs it once at start-up, before the server takes requests;
 * without one every load reads 0. Must be thread-safe and fast: it runs
 * for every candidate of a nearest search. */
typedef int (*forces_load_fn)(void *ctx, const char *kind, int64_t ref_id);
void forces_set_load_hook(forces_load_fn fn, void *ctx);
int forces_load(const char *kind, int64_t ref_id);

/* --- reports and reads --------------------------------------------------- */
/* The caller's own status and position (has_pos 0: keep the last one).
 * 409 force.no_person when the account is not linked to a staff record,
 * 403 force.not_field_staff without a grid worker / grid leader / station
 * head grant. out gets the stored row. */
int forces_report(struct db *db, const struct forces_actor *a, const char *status, int has_pos,
                  double lon, double lat, time_t now, struct force_status_rec *out,
                  struct err *e);
/* {unit, forces:[…], truncated}: every force in the subtree of unit with
 * status and position; kind and status "" or NULL for any. */
int forces_list(struct db *db, const struct forces_actor *a, const char *unit, const char *kind,
                const char *status, int limit, time_t now, json_t **out, struct err *e);

struct force_near {
	struct force_status_rec st;
	double distance_m;
	int load;                        /* forces_load() */
};
/* The available forces nearest to (lon, lat) in the subtree of unit,
 * nearest first: at most max into out, *n set. kind "" or NULL for any. */
int forces_nearest(struct db *db, const struct forces_actor *a, const char *unit, double lon,
                   double lat, const char *kind, int max, time_t now, struct force_near *out,
                   int *n, struct err *e);
/* One force's status row as JSON {kind, id, unit, name, status, position, …}. */
json_t *forces_status_json(const struct force_status_rec *r, time_t now);

/* --- emergency units and volunteers -------------------------------------- */
/* kind is "emergency_unit" or "volunteer"; body is the request's JSON
 * object (fields in docs/api.md), validated here: unknown fields, wrong
 * types and sizes are 400 with the field named. */
int forces_entry_add(struct db *db, const struct forces_actor *a, const char *kind, json_t *body,
                     time_t now, int64_t *id, struct err *e);
int forces_entry_update(struct db *db, const struct forces_actor *a, const char *kind, int64_t id,
                        json_t *body, time_t now, struct err *e);
int forces_entry_delete(struct db *db, const struct forces_actor *a, const char *kind, int64_t id,
                        struct err *e);
/* One entry as JSON (404 force.not_found also outside the caller's read scope). */
int forces_entry_get(struct db *db, const struct forces_actor *a, const char *kind, int64_t id,
                     time_t now, json_t **out, struct err *e);
/* {unit, emergency_units|volunteers:[…]} of the subtree of unit. */
int forces_entry_list(struct db *db, const struct forces_actor *a, const char *kind,
                      const char *unit, time_t now, json_t **out, struct err *e);

/* --- shared input checks (also used by app/equipment.c) ------------------ */
/* Refuse keys of body not in allowed (NULL-terminated): 400 field.unknown. */
int forces_body_keys(json_t *body, const char *const *allowed, struct err *e);
/* Valid UTF-8 of 1..max bytes without control characters? */
int forces_text_ok(const char *s, size_t max);
/* A text field of body into dst (size n): absent leaves dst alone, null or
 * "" clears it unless required; otherwise forces_text_ok(n - 1) or 400. */
int forces_body_text(json_t *body, const char *key, int required, char *dst, size_t n,
                     struct err *e);
/* Optional {lon, lat, crs} of body -> WGS-84: *has 1 when present. Both or
 * neither; 400 naming the field otherwise. */
int forces_body_point(json_t *body, int *has, double *lon, double *lat, struct err *e);

#endif
