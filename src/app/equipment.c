/*
 * equipment.c - dispatch equipment: validation, scope and audit around
 * store/store_equipment.c (see equipment.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/audit.h"
#include "app/displays.h"
#include "app/duty.h"
#include "app/equipment.h"
#include "app/forces.h"
#include "domain/unit_code.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "store/store_audit.h"
#include "lib/banned.h"

static const struct { const char *name, *label; } kinds[] = {
	{"screen", "大屏"}, {"computer", "电脑"}, {"radio", "电台"}, {"camera", "摄像头"},
};
static const struct { const char *name, *label; } statuses[] = {
	{"online", "在线"}, {"offline", "离线"}, {"fault", "故障"},
};

static const char *kind_label(const char *k)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(k, kinds[i].name))
			return kinds[i].label;
	return "";
}

static const char *status_label(const char *s)
{
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (!strcmp(s, statuses[i].name))
			return statuses[i].label;
	return "";
}

int equipment_kind_valid(const char *kind)
{
	return kind && *kind_label(kind);
}

int equipment_status_valid(const char *status)
{
	return status && *status_label(status);
}

static int not_found(struct err *e)
{
	return err_set(e, 404, "equipment.not_found", "找不到该设备", "no such equipment");
}

/* ============================================================= JSON */

json_t *equipment_json(const struct org_model *m, const struct equipment_rec *r)
{
	const struct org_unit *u = orgmodel_find(m, r->unit);
	json_t *j = json_pack("{s:I, s:{s:s, s:s?}, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
	                      "id", (json_int_t)r->id, "unit", "code", r->unit, "name",
	                      u ? u->rec.name : NULL, "kind", r->kind, "kind_label",
	                      kind_label(r->kind), "name", r->name, "status", r->status,
	                      "status_label", status_label(r->status), "created_at", r->created_at,
	                      "updated_at", r->updated_at);

	jsonx_set_str_or_null(j, "channel", r->channel);
	jsonx_set_str_or_null(j, "talkgroup", r->talkgroup);
	json_object_set_new(j, "position", r->has_pos ? json_pack("[f, f]", r->lon, r->lat) : json_null());
	jsonx_set_str_or_null(j, "stream_url", r->stream_url);
	jsonx_set_str_or_null(j, "note", r->note);
	return j;
}

/* ============================================================ input */

static const char *const keys[] = {"unit", "kind", "name", "status", "channel", "talkgroup", "lon",
                                   "lat", "crs", "stream_url", "note", NULL};

/* rtsp://, rtmp://, http:// or https:// URL of printable ASCII, with no
 * credentials in it (user:password@ would be shown to every reader). */
static int url_ok(const char *u)
{
	static const char *const schemes[] = {"rtsp://", "rtmp://", "http://", "https://"};
	size_t len = strlen(u), host;
	int scheme = 0;

	for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (str_starts_with(u, schemes[i]))
			scheme = (int)strlen(schemes[i]);
	if (!scheme || len <= (size_t)scheme)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (u[i] <= 0x20 || u[i] >= 0x7f)
			return 0;
	host = strcspn(u + scheme, "/?#");
	return !memchr(u + scheme, '@', host);
}

/* Fields of body over r; the unit must be one the actor manages. */
static int fields(const struct equipment_actor *a, json_t *body, int creating,
                  struct equipment_rec *r, struct err *e)
{
	char unit[24] = "", kind[12] = "", status[12] = "";
	double lon, lat;
	int has;

	if (forces_body_keys(body, keys, e) < 0 ||
	    forces_body_text(body, "unit", creating, unit, sizeof(unit), e) < 0 ||
	    forces_body_text(body, "kind", creating, kind, sizeof(kind), e) < 0 ||
	    forces_body_text(body, "name", creating, r->name, sizeof(r->name), e) < 0 ||
	    forces_body_text(body, "status", 0, status, sizeof(status), e) < 0 ||
	    forces_body_text(body, "channel", 0, r->channel, sizeof(r->channel), e) < 0 ||
	    forces_body_text(body, "talkgroup", 0, r->talkgroup, sizeof(r->talkgroup), e) < 0 ||
	    forces_body_text(body, "stream_url", 0, r->stream_url, sizeof(r->stream_url), e) < 0 ||
	    forces_body_text(body, "note", 0, r->note, sizeof(r->note), e) < 0 ||
	    forces_body_point(body, &has, &lon, &lat, e) < 0)
		return -1;
	if (unit[0]) {
		if (unit_code_check(unit, "unit", e) < 0)
			return -1;
		if (!orgmodel_find(a->org, unit) || !duty_can_manage(a->p, unit))
			return err_set_param(e, 404, "unit.not_found", "unit", "找不到单位 '%s'",
			                     "unknown unit '%s'", unit);
		str_copy(r->unit, sizeof(r->unit), unit);
	}
	if (kind[0] && !equipment_kind_valid(kind))
		return err_set_param(e, 400, "field.invalid", "kind",
		                     "设备类型须为 screen、computer、radio 或 camera",
		                     "kind must be screen, computer, radio or camera");
	if (kind[0])
		str_copy(r->kind, sizeof(r->kind), kind);
	if (status[0] && !equipment_status_valid(status))
		return err_set_param(e, 400, "field.invalid", "status", "状态须为 online、offline 或 fault",
		                     "status must be online, offline or fault");
	if (status[0])
		str_copy(r->status, sizeof(r->status), status);
	if (!r->name[0])
		return err_set_param(e, 400, "field.missing", "name", "缺少字段 'name'", "missing field 'name'");
	if (has) {
		r->has_pos = 1;
		r->lon = lon;
		r->lat = lat;
	} else if (json_is_null(json_object_get(body, "lon"))) {
		r->has_pos = 0;                        /* lon: null clears the location */
	}
	if (r->stream_url[0] && !url_ok(r->stream_url))
		return err_set_param(e, 400, "field.invalid", "stream_url",
		                     "视频流地址须为 rtsp/rtmp/http(s) 地址，且不能包含账号密码",
		                     "stream_url must be an rtsp, rtmp or http(s) URL without credentials");
	if (!strcmp(r->kind, "camera") && !r->has_pos)
		return err_set_param(e, 400, "equipment.camera_location", "lon", "摄像头须有位置 (lon, lat)",
		                     "a camera needs a location (lon, lat)");
	if (!strcmp(r->kind, "radio") && !r->channel[0])
		return err_set_param(e, 400, "equipment.radio_channel", "channel", "电台须有频道 channel",
		                     "a radio needs a channel");
	return 0;
}

static int record(struct db *db, const struct equipment_actor *a, const char *action, int64_t id,
                  const struct equipment_rec *r, struct err *e)
{
	struct audit_entry en;
	char target[48], detail[200];

	snprintf(target, sizeof(target), "equipment:%lld", (long long)id);
	snprintf(detail, sizeof(detail), "%s %s %s (%s)", r->unit, r->kind, r->name, r->status);
	if (a->p)
		return audit_record(db, a->p, action, target, a->ip, "ok", detail, e);
	memset(&en, 0, sizeof(en));
	en.actor = "-";
	en.action = action;
	en.target = target;
	en.ip = a->ip;
	en.result = "ok";
	en.detail = detail;
	return store_audit_append(db, &en, e);
}

/* ========================================================== changes */

int equipment_add(struct db *db, const struct equipment_actor *a, json_t *body, int64_t *id,
                  struct err *e)
{
	struct equipment_rec r;
	int ret = -1;

	memset(&r, 0, sizeof(r));
	str_copy(r.status, sizeof(r.status), "online");
	if (fields(a, body, 1, &r, e) < 0 || db_begin(db, e) < 0)
		return -1;
	if (store_equipment_add(db, &r, id, e) < 0 || record(db, a, AUDIT_EQUIPMENT_ADD, *id, &r, e) < 0 ||
	    db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	return ret;
}

/* Load an item the actor manages (404 otherwise). */
static int load_managed(struct db *db, const struct equipment_actor *a, int64_t id,
                        struct equipment_rec *r, struct err *e)
{
	if (store_equipment_get(db, id, r, e) < 0)
		return -1;
	if (!duty_can_manage(a->p, r->unit))
		return not_found(e);
	return 0;
}

int equipment_update(struct db *db, const struct equipment_actor *a, int64_t id, json_t *body,
                     struct err *e)
{
	struct equipment_rec r;
	int ret = -1;

	if (db_begin(db, e) < 0)
		return -1;
	if (load_managed(db, a, id, &r, e) < 0 || fields(a, body, 0, &r, e) < 0 ||
	    store_equipment_update(db, &r, e) < 0 || record(db, a, AUDIT_EQUIPMENT_UPDATE, id, &r, e) < 0 ||
	    db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	return ret;
}

int equipment_delete(struct db *db, const struct equipment_actor *a, int64_t id, struct err *e)
{
	struct equipment_rec r;
	int ret = -1;

	if (db_begin(db, e) < 0)
		return -1;
	if (load_managed(db, a, id, &r, e) < 0 || store_equipment_delete(db, id, e) < 0 ||
	    record(db, a, AUDIT_EQUIPMENT_DELETE, id, &r, e) < 0 || db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	return ret;
}

/* ============================================================ reads */

int equipment_get(struct db *db, const struct equipment_actor *a, int64_t id, json_t **out,
                  struct err *e)
{
	struct equipment_rec r;

	if (store_equipment_get(db, id, &r, e) < 0)
		return -1;
	if (!duty_can_read(a->p, r.unit, 1))
		return not_found(e);
	*out = equipment_json(a->org, &r);
	return 0;
}

struct list_ctx {
	const struct org_model *m;
	json_t *arr;
};

static int list_row(void *ctx, const struct equipment_rec *r)
{
	struct list_ctx *c = ctx;

	json_array_append_new(c->arr, equipment_json(c->m, r));
	return 0;
}

int equipment_list(struct db *db, const struct equipment_actor *a, const char *unit,
                   const char *kind, const char *status, json_t **out, struct err *e)
{
	struct list_ctx c = {a->org, NULL};
	int truncated;

	if (duty_unit_check(a->p, a->org, unit, 1, "unit", e) < 0)
		return -1;
	if (kind && *kind && !equipment_kind_valid(kind))
		return err_set_param(e, 400, "param.invalid", "kind",
		                     "参数 'kind' 须为 screen、computer、radio 或 camera",
		                     "parameter 'kind' must be screen, computer, radio or camera");
	if (status && *status && !equipment_status_valid(status))
		return err_set_param(e, 400, "param.invalid", "status",
		                     "参数 'status' 须为 online、offline 或 fault",
		                     "parameter 'status' must be online, offline or fault");
	c.arr = json_array();
	if (store_equipment_list(db, unit, kind, status, EQUIPMENT_LIST_MAX + 1, list_row, &c, e) != 0) {
		json_decref(c.arr);
		return -1;
	}
	if ((truncated = json_array_size(c.arr) > EQUIPMENT_LIST_MAX))
		json_array_remove(c.arr, EQUIPMENT_LIST_MAX);
	if (a->p && a->p->display_id) {    /* a wall display: the map layer's facts, no stream addresses */
		static const char *const keep[] = {"id", "unit", "kind", "kind_label", "name", "status",
		                                   "status_label", "position", NULL};
		displays_reduce(c.arr, keep);
	}
	*out = json_pack("{s:s, s:o, s:b}", "unit", unit, "equipment", c.arr, "truncated", truncated);
	return 0;
}
