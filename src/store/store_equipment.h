/*
 * store_equipment.h - persistence of dispatch equipment (调度设备: big
 * screens, computers, radios, cameras) per org unit (table equipment,
 * migration 4). Validation lives in app/equipment.c.
 */
#ifndef WG_STORE_EQUIPMENT_H
#define WG_STORE_EQUIPMENT_H

#include <stdint.h>
#include "store/db.h"

#define EQUIP_NAME_MAX 128
#define EQUIP_TAG_MAX 32             /* radio channel and talkgroup */
#define EQUIP_URL_MAX 512
#define EQUIP_NOTE_MAX 512

struct equipment_rec {
	int64_t id;
	char unit[24];
	char kind[12];                   /* screen computer radio camera */
	char name[EQUIP_NAME_MAX];
	char status[12];                 /* online offline fault */
	char channel[EQUIP_TAG_MAX];     /* radios; "" = none */
	char talkgroup[EQUIP_TAG_MAX];
	int has_pos;                     /* lon/lat set */
	double lon, lat;                 /* WGS-84 */
	char stream_url[EQUIP_URL_MAX];  /* cameras; "" = none */
	char note[EQUIP_NOTE_MAX];
	char created_at[32];
	char updated_at[32];
};

typedef int (*equipment_cb)(void *ctx, const struct equipment_rec *r);

int store_equipment_add(struct db *db, const struct equipment_rec *r, int64_t *id, struct err *e);
/* 404 equipment.not_found when absent. */
int store_equipment_get(struct db *db, int64_t id, struct equipment_rec *out, struct err *e);
/* Write every field of r over row r->id. */
int store_equipment_update(struct db *db, const struct equipment_rec *r, struct err *e);
int store_equipment_delete(struct db *db, int64_t id, struct err *e);
/* Equipment of the units under `under` (a code prefix), kind and status
 * "" for any, ordered by unit and id, at most limit. */
int store_equipment_list(struct db *db, const char *under, const char *kind, const char *status,
                         int limit, equipment_cb cb, void *ctx, struct err *e);

#endif
