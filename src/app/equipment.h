/*
 * equipment.h - dispatch equipment (调度设备) of the command centres and
 * the units below them: big screens (大屏), computers (电脑), radios (电台,
 * with channel and talkgroup), cameras (摄像头, with a WGS-84 location and
 * a stream URL), each online, offline or fault.
 *
 * Scope: reading needs a staff grant over the unit or under it (a grid
 * worker may look up the town centre's radio channel); changes need admin
 * or command over the unit. Outside the scope an item answers 404
 * equipment.not_found, like one that does not exist. Every change writes
 * an audit row in its transaction.
 */
#ifndef WG_EQUIPMENT_H
#define WG_EQUIPMENT_H

#include <jansson.h>
#include <stdint.h>
#include "app/auth.h"
#include "app/orgmodel.h"
#include "store/db.h"
#include "store/store_equipment.h"

#define EQUIPMENT_LIST_MAX 1000

#define AUDIT_EQUIPMENT_ADD "equipment.add"
#define AUDIT_EQUIPMENT_UPDATE "equipment.update"
#define AUDIT_EQUIPMENT_DELETE "equipment.delete"

struct equipment_actor {
	const struct principal *p;       /* NULL: the CLI or the demo */
	const char *ip;
	const struct org_model *org;     /* required */
};

/* Known kind / status? */
int equipment_kind_valid(const char *kind);
int equipment_status_valid(const char *status);

/* Create from a request body {unit, kind, name, status?, channel?,
 * talkgroup?, lon?, lat?, crs?, stream_url?, note?}: a camera needs a
 * location, a radio a channel. */
int equipment_add(struct db *db, const struct equipment_actor *a, json_t *body, int64_t *id,
                  struct err *e);
/* Change the fields present in body (null clears an optional one). */
int equipment_update(struct db *db, const struct equipment_actor *a, int64_t id, json_t *body,
                     struct err *e);
int equipment_delete(struct db *db, const struct equipment_actor *a, int64_t id, struct err *e);
int equipment_get(struct db *db, const struct equipment_actor *a, int64_t id, json_t **out,
                  struct err *e);
/* {unit, equipment:[…], truncated} of the subtree of unit. */
int equipment_list(struct db *db, const struct equipment_actor *a, const char *unit,
                   const char *kind, const char *status, json_t **out, struct err *e);
json_t *equipment_json(const struct org_model *m, const struct equipment_rec *r);

#endif
