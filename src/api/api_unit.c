/*
 * api_unit.c - the org tree resource.
 *
 *   GET /api/v1/units?q=TEXT[&limit=N]        search by name or code prefix
 *   GET /api/v1/units/:code                   detail with path, totals, staff
 *   GET /api/v1/units/:code/children          direct children with totals and head
 *   GET /api/v1/units/:code/geojson[?level=L&crs=C&simplify=M]
 *                                             FeatureCollection for map drawing
 *   GET /api/v1/units/:code/staff[?history=1] posts held now (or ever)
 *
 * Detail and children come ready-made from the org snapshot; GeoJSON, search
 * and history read the database.
 */
#include <math.h>
#include <string.h>
#include "api/api.h"
#include "api/api_int.h"
#include "domain/unit_code.h"
#include "geo/geojson.h"
#include "geo/geos_ctx.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/banned.h"

#define JSON_CT "application/json; charset=utf-8"
#define GEOJSON_MAX_FEATURES 20000

/* The :code parameter, checked; NULL after replying 400. */
static const char *code_or_reply(struct http_req *req)
{
	const char *code = http_param(req, "code");
	struct err e = ERR_INIT;

	if (unit_code_check(code, "code", &e) < 0) {
		http_reply_err(req, &e);
		return NULL;
	}
	return code;
}

static int reply_unknown(struct http_req *req, const char *code)
{
	struct err e = ERR_INIT;
	err_set(&e, 404, "unit.not_found", "找不到单位 '%s'", "unknown unit '%s'", code);
	return http_reply_err(req, &e);
}

/* ----------------------------------------------------------- search */

struct search_ctx { json_t *arr; const struct org_model *m; };

static int search_row(void *p, const struct unit_rec *u, const void *wkb, size_t n)
{
	struct search_ctx *c = p;
	json_t *j = json_pack("{s:s, s:s, s:s, s:s}", "code", u->code, "name", u->name,
	                      "level", unit_level_name(u->level), "kind", u->kind);
	const struct org_unit *pu = orgmodel_find(c->m, u->parent);
	json_object_set_new(j, "parent", u->parent[0] ? json_string(u->parent) : json_null());
	json_object_set_new(j, "parent_name", pu ? json_string(pu->rec.name) : json_null());
	json_array_append_new(c->arr, j);
	return 0;
}

int api_unit_search(struct http_req *req)
{
	const char *q = http_query(req, "q");
	long long limit;
	struct err e = ERR_INIT;
	struct search_ctx c;
	struct db *db;
	int rc;

	if (!q || !*q)
		return err_set_param(&e, 400, "param.missing", "q", "缺少参数 'q'（名称或编码）",
		                     "missing parameter 'q' (name or code)"), http_reply_err(req, &e);
	if (strlen(q) > 64 || !str_valid_utf8(q, strlen(q)))
		return err_set_param(&e, 400, "param.invalid", "q", "参数 'q' 须为不超过 64 字节的文本",
		                     "parameter 'q' must be text of at most 64 bytes"), http_reply_err(req, &e);
	if (api_query_int_or_reply(req, "limit", 20, 1, 100, &limit) < 0)
		return 0;
	c.arr = json_array();
	c.m = org_holder_get(&api_app(req)->org);
	db = db_pool_get(api_app(req)->pool);
	rc = store_unit_search(db, q, (int)limit, search_row, &c, &e);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release((struct org_model *)c.m);
	if (rc < 0) {
		json_decref(c.arr);
		return http_reply_err(req, &e);
	}
	return http_reply_json(req, 200, json_pack("{s:s, s:o}", "q", q, "units", c.arr));
}

/* ----------------------------------------------------- detail, children */

/* Reply with the ready-made JSON of the :code unit from the snapshot: its
 * detail, or with `children` its children. */
static int reply_prebuilt(struct http_req *req, int children)
{
	const char *code = code_or_reply(req);
	struct org_model *m;
	const struct org_unit *u;

	if (!code || !(m = api_org_or_reply(req)))
		return 0;
	if (!(u = orgmodel_find(m, code)))
		reply_unknown(req, code);
	else if (children)
		http_reply_bytes(req, 200, JSON_CT, u->children_json, u->children_len, 1);
	else
		http_reply_bytes(req, 200, JSON_CT, u->detail_json, u->detail_len, 1);
	orgmodel_release(m);
	return 0;
}

int api_unit_get(struct http_req *req)
{
	return reply_prebuilt(req, 0);
}

int api_unit_children(struct http_req *req)
{
	return reply_prebuilt(req, 1);
}

/* ------------------------------------------------------------ GeoJSON */

struct geo_ctx {
	const struct org_model *m;
	json_t *features;
	enum crs crs;
	double tolerance;           /* degrees; 0 = exact */
	struct err *e;
};

static int geo_row(void *p, const struct unit_rec *u, const void *wkb, size_t n)
{
	struct geo_ctx *c = p;
	GEOSContextHandle_t h = geo_ctx();
	GEOSGeometry *g, *s = NULL;
	const struct org_unit *ou = orgmodel_find(c->m, u->code);
	json_t *props, *geom;

	if (json_array_size(c->features) >= GEOJSON_MAX_FEATURES)
		return err_set(c->e, 413, "geojson.too_many", "要素过多，请缩小范围",
		               "too many features, narrow the request"), 1;
	if (!wkb || !(g = geom_from_wkb(h, wkb, n)))
		return 0;                        /* units without a polygon are not drawn */
	if (c->tolerance > 0)
		s = GEOSTopologyPreserveSimplify_r(h, g, c->tolerance);
	geom = geojson_from_geos(h, s ? s : g, c->crs, 6);
	if (s)
		GEOSGeom_destroy_r(h, s);
	GEOSGeom_destroy_r(h, g);
	props = json_pack("{s:s, s:s, s:s, s:s}", "code", u->code, "name", u->name,
	                  "level", unit_level_name(u->level), "kind", u->kind);
	if (ou) {
		const struct post_rec *head = orgmodel_head(ou);
		json_object_set_new(props, "households", json_integer(u->level == LEVEL_GRID ?
		                    (u->households > 0 ? u->households : 0) : ou->sum_households));
		json_object_set_new(props, "population", json_integer(u->level == LEVEL_GRID ?
		                    (u->population > 0 ? u->population : 0) : ou->sum_population));
		json_object_set_new(props, "grids", json_integer(u->level == LEVEL_GRID ? 1 : ou->n_grids));
		json_object_set_new(props, "head", orgmodel_contact_json(head));
	}
	{
		double cx, cy;
		coord_from_wgs84(c->crs, u->center[0], u->center[1], &cx, &cy);
		json_object_set_new(props, "center", json_pack("[f,f]", round(cx * 1e6) / 1e6,
		                                               round(cy * 1e6) / 1e6));
	}
	json_array_append_new(c->features, json_pack("{s:s, s:s, s:o, s:o}", "type", "Feature",
	                      "id", u->code, "properties", props, "geometry", geom ? geom : json_null()));
	return 0;
}

/* Default simplification (degrees) for drawing the units below u: a
 * quarter of a pixel when u's extent fills a 1,000-pixel map, so shapes keep
 * their look and simplifying neighbours separately opens no visible gaps
 * (about 10 m for a district, under a metre for a town). */
static double auto_tolerance(const struct org_unit *u)
{
	double w = u->rec.bbox[2] - u->rec.bbox[0], h = u->rec.bbox[3] - u->rec.bbox[1];
	double t = (w > h ? w : h) / 4000.0;
	return t > 0 && t < 0.01 ? t : 0;
}

int api_unit_geojson(struct http_req *req)
{
	const char *code = code_or_reply(req), *lv;
	struct org_model *m;
	const struct org_unit *u;
	struct geo_ctx c = {0};
	struct err e = ERR_INIT;
	struct db *db;
	int level, rc;
	double simplify_m = -1;

	if (!code || !(m = api_org_or_reply(req)))
		return 0;
	c.m = m;
	c.e = &e;
	if (!(u = orgmodel_find(m, code))) {
		reply_unknown(req, code);
		goto out;
	}
	level = u->rec.level + 1;
	if ((lv = http_query(req, "level"))) {
		if (!strcmp(lv, "self"))
			level = u->rec.level;
		else if ((level = unit_level_parse(lv)) == LEVEL_NONE || level < u->rec.level) {
			err_set_param(&e, 400, "param.invalid", "level",
			              "参数 'level' 必须是 self、town、community、area 或 grid，且不高于该单位",
			              "parameter 'level' must be self, town, community, area or grid, not above the unit");
			http_reply_err(req, &e);
			goto out;
		}
	}
	if (level > LEVEL_GRID) {
		level = LEVEL_GRID;              /* a grid's "children": itself */
	}
	if (api_query_crs_or_reply(req, &c.crs) < 0 ||
	    api_query_double_or_reply(req, "simplify", 0, 0, 1000, &simplify_m) < 0)
		goto out;
	c.tolerance = simplify_m >= 0 ? simplify_m / 111000.0 : auto_tolerance(u);
	c.features = json_array();
	db = db_pool_get(api_app(req)->pool);
	rc = store_unit_list(db, level, code, 1, geo_row, &c, &e);
	db_pool_put(api_app(req)->pool, db);
	if (rc != 0) {
		json_decref(c.features);
		http_reply_err(req, &e);
		goto out;
	}
	http_reply_json(req, 200, json_pack("{s:s, s:o, s:{s:s, s:s, s:s, s:s}}", "type", "FeatureCollection",
	                "features", c.features, "wangge", "unit", code, "level", unit_level_name(level),
	                "crs", crs_name(c.crs), "name", u->rec.name));
out:
	orgmodel_release(m);
	return 0;
}

/* -------------------------------------------------------------- staff */

static int staff_row(void *p, const struct post_rec *r)
{
	json_t *j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:s}", "post_id", (json_int_t)r->id,
	                      "person_id", (json_int_t)r->person_id, "role", r->role,
	                      "role_label", staff_role_label(r->role), "name", r->name,
	                      "start_date", r->start_date);
	jsonx_set_str_or_null(j, "phone", r->phone);
	jsonx_set_str_or_null(j, "title", r->title);
	jsonx_set_str_or_null(j, "end_date", r->end_date);
	json_array_append_new(p, j);
	return 0;
}

int api_unit_staff(struct http_req *req)
{
	const char *code = code_or_reply(req);
	long long history;
	struct err e = ERR_INIT;
	struct unit_rec u;
	struct db *db;
	json_t *arr;
	int rc;

	if (!code || api_query_int_or_reply(req, "history", 0, 0, 1, &history) < 0)
		return 0;
	arr = json_array();
	db = db_pool_get(api_app(req)->pool);
	rc = store_unit_get(db, code, &u, &e);
	if (rc == 0)
		rc = history ? store_posts_history(db, code, staff_row, arr, &e)
		             : store_posts_current(db, code, staff_row, arr, &e);
	db_pool_put(api_app(req)->pool, db);
	if (rc != 0) {
		json_decref(arr);
		return http_reply_err(req, &e);
	}
	return http_reply_json(req, 200, json_pack("{s:s, s:s, s:o}", "unit", code, "name", u.name, "staff", arr));
}
