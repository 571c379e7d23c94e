/*
 * api_force.c - the forces of the command centres (力量).
 *
 *   POST   /api/v1/forces/me/position               {status, lon?, lat?, crs?}: my own
 *   GET    /api/v1/forces?unit=&kind=&status=&limit= every force in the subtree
 *   GET    /api/v1/forces/nearest?lon=&lat=&crs=&unit=&kind=&limit=
 *                                                   the nearest available ones
 *   GET    /api/v1/forces/emergency-units?unit=     最小应急单元
 *   POST   /api/v1/forces/emergency-units
 *   PUT    /api/v1/forces/emergency-units/:id
 *   DELETE /api/v1/forces/emergency-units/:id
 *   GET    /api/v1/forces/volunteers?unit=          志愿者
 *   POST   /api/v1/forces/volunteers
 *   PUT    /api/v1/forces/volunteers/:id
 *   DELETE /api/v1/forces/volunteers/:id
 *
 * Rules, scope and audit: app/forces.c.
 */
#include <string.h>
#include <time.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/forces.h"
#include "domain/unit_code.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/banned.h"

#define LIST_DEFAULT 1000
#define NEAR_DEFAULT 5

static void actor_init(struct http_req *req, struct forces_actor *a, const struct org_model *m)
{
	a->p = req->auth;
	a->ip = http_client_ip(req);
	a->org = m;
}

static int id_or_reply(struct http_req *req, int64_t *out)
{
	struct err e = ERR_INIT;

	if (parse_int64(http_param(req, "id"), 1, INT64_MAX, out) == 0)
		return 0;
	err_set_param(&e, 400, "param.invalid", "id", "编号 'id' 无效", "invalid id 'id'");
	http_reply_err(req, &e);
	return -1;
}

static const char *unit_or_reply(struct http_req *req)
{
	const char *unit = http_query(req, "unit");
	struct err e = ERR_INIT;

	if (unit && *unit)
		return unit;
	err_set_param(&e, 400, "param.missing", "unit", "缺少参数 'unit'", "missing parameter 'unit'");
	http_reply_err(req, &e);
	return NULL;
}

/* ---------------------------------------------------------- report */

int api_force_report(struct http_req *req)
{
	static const char *const keys[] = {"status", "lon", "lat", "crs", NULL};
	struct forces_actor a;
	struct force_status_rec r;
	struct err e = ERR_INIT;
	const char *status = NULL;
	struct org_model *m = NULL;
	struct db *db;
	json_t *body;
	double lon = 0, lat = 0;
	int has = 0, rc = -1;
	time_t now = time(NULL);

	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	if (forces_body_keys(body, keys, &e) == 0 && jsonx_string(body, "status", 1, 16, &status, &e) == 0 &&
	    forces_body_point(body, &has, &lon, &lat, &e) == 0) {
		m = org_holder_get(&api_app(req)->org);
		actor_init(req, &a, m);
		db = db_pool_get(api_app(req)->pool);
		rc = forces_report(db, &a, status, has, lon, lat, now, &r, &e);
		db_pool_put(api_app(req)->pool, db);
		orgmodel_release(m);
	}
	json_decref(body);
	if (rc < 0)
		return http_reply_err(req, &e);
	return http_reply_json(req, 200, json_pack("{s:o}", "force", forces_status_json(&r, now)));
}

/* ------------------------------------------------------------ list */

int api_force_list(struct http_req *req)
{
	const char *unit = unit_or_reply(req);
	struct forces_actor a;
	struct err e = ERR_INIT;
	struct org_model *m;
	struct db *db;
	long long limit;
	json_t *out = NULL;
	int rc;

	if (!unit || api_query_int_or_reply(req, "limit", LIST_DEFAULT, 1, FORCES_LIST_MAX, &limit) < 0)
		return 0;
	m = org_holder_get(&api_app(req)->org);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	rc = forces_list(db, &a, unit, http_query(req, "kind"), http_query(req, "status"), (int)limit,
	                 time(NULL), &out, &e);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	return rc < 0 ? http_reply_err(req, &e) : http_reply_json(req, 200, out);
}

/* --------------------------------------------------------- nearest */

int api_force_nearest(struct http_req *req)
{
	struct force_near near[FORCES_NEAR_MAX];
	const char *unit = http_query(req, "unit");
	struct forces_actor a;
	struct err e = ERR_INIT;
	struct org_model *m;
	struct db *db;
	enum crs crs;
	double lon = 0, lat = 0, wlon, wlat;
	long long limit;
	int n = 0, rc;
	json_t *arr;
	time_t now = time(NULL);

	if (api_query_double_or_reply(req, "lon", 1, -180, 180, &lon) < 0 ||
	    api_query_double_or_reply(req, "lat", 1, -90, 90, &lat) < 0 ||
	    api_query_crs_or_reply(req, &crs) < 0 ||
	    api_query_int_or_reply(req, "limit", NEAR_DEFAULT, 1, FORCES_NEAR_MAX, &limit) < 0)
		return 0;
	coord_to_wgs84(crs, lon, lat, &wlon, &wlat);
	m = org_holder_get(&api_app(req)->org);
	if (!unit || !*unit) {                     /* the town of the point */
		const struct org_unit *g = orgmodel_locate(m, wlon, wlat), *t;
		t = g ? orgmodel_ancestor(m, g, LEVEL_TOWN) : NULL;
		unit = t ? t->rec.code : NULL;
	}
	if (!unit) {
		orgmodel_release(m);
		return err_set_param(&e, 400, "param.missing", "unit", "该点不在任何网格内，请给出参数 'unit'",
		                     "the point is in no grid: give parameter 'unit'"), http_reply_err(req, &e);
	}
	unit = arena_strdup(&req->arena, unit);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	rc = forces_nearest(db, &a, unit, wlon, wlat, http_query(req, "kind"), (int)limit, now, near, &n, &e);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	if (rc < 0)
		return http_reply_err(req, &e);
	arr = json_array();
	for (int i = 0; i < n; i++) {
		json_t *j = forces_status_json(&near[i].st, now);
		json_object_set_new(j, "distance_m", json_integer((json_int_t)(near[i].distance_m + 0.5)));
		json_object_set_new(j, "load", json_integer(near[i].load));
		json_array_append_new(arr, j);
	}
	return http_reply_json(req, 200, json_pack("{s:s, s:[f, f], s:o}", "unit", unit, "point", wlon,
	                                           wlat, "forces", arr));
}

/* ------------------------------------- emergency units, volunteers */

static int entry_list(struct http_req *req, const char *kind)
{
	const char *unit = unit_or_reply(req);
	struct forces_actor a;
	struct err e = ERR_INIT;
	struct org_model *m;
	struct db *db;
	json_t *out = NULL;
	int rc;

	if (!unit)
		return 0;
	m = org_holder_get(&api_app(req)->org);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	rc = forces_entry_list(db, &a, kind, unit, time(NULL), &out, &e);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	return rc < 0 ? http_reply_err(req, &e) : http_reply_json(req, 200, out);
}

/* Create (id 0) or update, then reply with the entry read back. */
static int entry_change(struct http_req *req, const char *kind, int64_t id)
{
	struct forces_actor a;
	struct err e = ERR_INIT;
	struct org_model *m;
	struct db *db;
	json_t *body, *out = NULL;
	int status = id ? 200 : 201, rc;
	time_t now = time(NULL);

	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	m = org_holder_get(&api_app(req)->org);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	rc = id ? forces_entry_update(db, &a, kind, id, body, now, &e)
	        : forces_entry_add(db, &a, kind, body, now, &id, &e);
	if (rc == 0)
		rc = forces_entry_get(db, &a, kind, id, now, &out, &e);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	json_decref(body);
	if (rc < 0)
		return http_reply_err(req, &e);
	return http_reply_json(req, status, json_pack("{s:o}", "force", out));
}

static int entry_delete(struct http_req *req, const char *kind)
{
	struct forces_actor a;
	struct err e = ERR_INIT;
	struct org_model *m;
	struct db *db;
	int64_t id;
	int rc;

	if (id_or_reply(req, &id) < 0)
		return 0;
	m = org_holder_get(&api_app(req)->org);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	rc = forces_entry_delete(db, &a, kind, id, &e);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	return rc < 0 ? http_reply_err(req, &e) : http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

int api_force_eu_list(struct http_req *req) { return entry_list(req, "emergency_unit"); }
int api_force_eu_create(struct http_req *req) { return entry_change(req, "emergency_unit", 0); }
int api_force_eu_delete(struct http_req *req) { return entry_delete(req, "emergency_unit"); }
int api_force_vol_list(struct http_req *req) { return entry_list(req, "volunteer"); }
int api_force_vol_create(struct http_req *req) { return entry_change(req, "volunteer", 0); }
int api_force_vol_delete(struct http_req *req) { return entry_delete(req, "volunteer"); }

int api_force_eu_update(struct http_req *req)
{
	int64_t id;
	return id_or_reply(req, &id) < 0 ? 0 : entry_change(req, "emergency_unit", id);
}

int api_force_vol_update(struct http_req *req)
{
	int64_t id;
	return id_or_reply(req, &id) < 0 ? 0 : entry_change(req, "volunteer", id);
}
