/*
 * store_force.h - persistence of the forces a command centre dispatches
 * (migration 4): 最小应急单元 (emergency_unit), 志愿者 (volunteer), and the
 * status and last known position of every force (force_status), keyed by
 * kind and id: a person id for grid workers, grid leaders and station
 * heads, the row id for emergency units and volunteers. Validation and
 * scope live in app/forces.c.
 */
#ifndef WG_STORE_FORCE_H
#define WG_STORE_FORCE_H

#include <stdint.h>
#include "store/db.h"

#define FORCE_NAME_MAX 128
#define FORCE_MEMBERS_MAX 4096       /* bytes of an emergency unit's members JSON */
#define FORCE_EQUIP_MAX 2048         /* bytes of its equipment JSON */
#define FORCE_SKILLS_MAX 256

struct force_status_rec {
	char kind[16];                   /* grid_worker grid_leader station_head emergency_unit volunteer */
	int64_t ref_id;
	char unit[24];
	char name[FORCE_NAME_MAX];
	char status[12];                 /* on_duty on_patrol handling off */
	int has_pos;
	double lon, lat;                 /* WGS-84 */
	int64_t position_at;             /* Unix seconds; 0 without a position */
	int64_t updated_at;
	int64_t account_id;              /* who reported it; 0 = none */
};

struct emergency_unit_rec {
	int64_t id;
	char unit[24];
	char name[FORCE_NAME_MAX];
	char leader_name[64];
	char leader_phone[32];
	char members[FORCE_MEMBERS_MAX]; /* JSON array text */
	char equipment[FORCE_EQUIP_MAX]; /* JSON array text */
	char created_at[32];
	char updated_at[32];
};

struct volunteer_rec {
	int64_t id;
	char unit[24];
	char name[64];
	char phone[32];
	char skills[FORCE_SKILLS_MAX];
	char created_at[32];
	char updated_at[32];
};

typedef int (*force_status_cb)(void *ctx, const struct force_status_rec *r);
typedef int (*emergency_unit_cb)(void *ctx, const struct emergency_unit_rec *r);
typedef int (*volunteer_cb)(void *ctx, const struct volunteer_rec *r);

/* --- status and position ------------------------------------------------- */
/* Insert or replace the row of (kind, ref_id). */
int store_force_status_put(struct db *db, const struct force_status_rec *r, struct err *e);
/* 404 force.not_found when absent. */
int store_force_status_get(struct db *db, const char *kind, int64_t ref_id,
                           struct force_status_rec *out, struct err *e);
int store_force_status_delete(struct db *db, const char *kind, int64_t ref_id, struct err *e);
/* Rows of units under `under` (a code prefix), ordered by kind and id. */
int store_force_status_list(struct db *db, const char *under, force_status_cb cb, void *ctx,
                            struct err *e);

/* --- emergency units ----------------------------------------------------- */
int store_emergency_unit_add(struct db *db, const struct emergency_unit_rec *r, int64_t *id,
                             struct err *e);
/* 404 force.not_found when absent. */
int store_emergency_unit_get(struct db *db, int64_t id, struct emergency_unit_rec *out,
                             struct err *e);
int store_emergency_unit_update(struct db *db, const struct emergency_unit_rec *r, struct err *e);
int store_emergency_unit_delete(struct db *db, int64_t id, struct err *e);
/* Under `under`, by unit and id. */
int store_emergency_unit_list(struct db *db, const char *under, emergency_unit_cb cb, void *ctx,
                              struct err *e);

/* --- volunteers ---------------------------------------------------------- */
int store_volunteer_add(struct db *db, const struct volunteer_rec *r, int64_t *id, struct err *e);
int store_volunteer_get(struct db *db, int64_t id, struct volunteer_rec *out, struct err *e);
int store_volunteer_update(struct db *db, const struct volunteer_rec *r, struct err *e);
int store_volunteer_delete(struct db *db, int64_t id, struct err *e);
int store_volunteer_list(struct db *db, const char *under, volunteer_cb cb, void *ctx,
                         struct err *e);

#endif
