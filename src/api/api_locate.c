/*
 * api_locate.c - "who is my grid worker": point -> grid.
 *
 *   GET  /api/v1/locate?lat=LAT&lon=LON[&crs=wgs84|gcj02|bd09]
 *        200 with the grid, its area, community, town and district and the
 *        public contacts of its grid worker, grid leader and station head;
 *        404 locate.outside when no grid contains the point.
 *   POST /api/v1/locate/batch  {"crs":"gcj02","points":[[lon,lat] | {"lon":…,"lat":…}, …]}
 *        up to 10,000 points; one result per point, in order.
 *
 * The answer of the single form is the grid's ready-made reply from the org
 * snapshot, so a lookup costs one index probe and a copy.
 */
#include <string.h>
#include "api/api.h"
#include "api/api_int.h"
#include "domain/unit_code.h"
#include "lib/jsonx.h"
#include "lib/banned.h"

#define LOCATE_BATCH_MAX 10000

int api_locate_get(struct http_req *req)
{
	double lat = 0, lon = 0, wlon, wlat;
	enum crs crs;
	struct org_model *m;
	const struct org_unit *g;

	if (api_query_double_or_reply(req, "lat", 1, -90, 90, &lat) < 0 ||
	    api_query_double_or_reply(req, "lon", 1, -180, 180, &lon) < 0 ||
	    api_query_crs_or_reply(req, &crs) < 0 || !(m = api_org_or_reply(req)))
		return 0;
	coord_to_wgs84(crs, lon, lat, &wlon, &wlat);
	if ((g = orgmodel_locate(m, wlon, wlat)))
		http_reply_bytes(req, 200, "application/json; charset=utf-8", g->locate_json, g->locate_len, 1);
	else
		http_reply_error(req, 404, "locate.outside", "该位置不在任何网格内",
		                 "the point lies outside every grid");
	orgmodel_release(m);
	return 0;
}

/* Read point i of the batch as [lon, lat] or {"lon":…, "lat":…}. */
static int batch_point(json_t *p, size_t i, double *lon, double *lat, struct err *e)
{
	json_t *jx, *jy;

	if (json_is_array(p) && json_array_size(p) == 2) {
		jx = json_array_get(p, 0);
		jy = json_array_get(p, 1);
	} else if (json_is_object(p)) {
		jx = json_object_get(p, "lon");
		jy = json_object_get(p, "lat");
	} else {
		jx = jy = NULL;
	}
	if (!json_is_number(jx) || !json_is_number(jy))
		return err_set_param(e, 400, "locate.bad_point", "points",
		                     "第 %zu 个点格式错误：应为 [经度, 纬度] 或 {\"lon\":…, \"lat\":…}",
		                     "point %zu must be [lon, lat] or {\"lon\":…, \"lat\":…}", i);
	*lon = json_number_value(jx);
	*lat = json_number_value(jy);
	if (*lon < -180 || *lon > 180 || *lat < -90 || *lat > 90)
		return err_set_param(e, 400, "locate.out_of_range", "points",
		                     "第 %zu 个点超出范围（经度 ±180，纬度 ±90）",
		                     "point %zu out of range (lon ±180, lat ±90)", i);
	return 0;
}

int api_locate_batch(struct http_req *req)
{
	struct err e = ERR_INIT;
	json_t *body, *points = NULL, *results;
	const char *crs_s = NULL;
	enum crs crs = CRS_WGS84;
	struct org_model *m;
	size_t i, n, found = 0;

	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	if (jsonx_array(body, "points", 1, LOCATE_BATCH_MAX, &points, &e) < 0 ||
	    jsonx_string(body, "crs", 0, 16, &crs_s, &e) < 0)
		goto fail;
	if (crs_s && crs_parse(crs_s, &crs) < 0) {
		err_set_param(&e, 400, "field.invalid", "crs", "字段 'crs' 必须是 wgs84、gcj02 或 bd09",
		              "field 'crs' must be wgs84, gcj02 or bd09");
		goto fail;
	}
	n = json_array_size(points);
	for (i = 0; i < n; i++) {              /* validate everything before answering */
		double lon, lat;
		if (batch_point(json_array_get(points, i), i, &lon, &lat, &e) < 0)
			goto fail;
	}
	if (!(m = api_org_or_reply(req))) {
		json_decref(body);
		return 0;
	}
	results = json_array();
	for (i = 0; i < n; i++) {
		double lon, lat, wlon, wlat;
		const struct org_unit *g, *a, *c, *t;
		const struct post_rec *w;
		json_t *r;

		batch_point(json_array_get(points, i), i, &lon, &lat, &e);
		coord_to_wgs84(crs, lon, lat, &wlon, &wlat);
		if (!(g = orgmodel_locate(m, wlon, wlat))) {
			json_array_append_new(results, json_null());
			continue;
		}
		found++;
		a = orgmodel_ancestor(m, g, LEVEL_AREA);
		c = orgmodel_ancestor(m, g, LEVEL_COMMUNITY);
		t = orgmodel_ancestor(m, g, LEVEL_TOWN);
		w = orgmodel_staff(g, "grid_worker");
		r = json_pack("{s:s, s:s}", "grid", g->rec.code, "grid_name", g->rec.name);
		json_object_set_new(r, "area", a ? json_string(a->rec.code) : json_null());
		json_object_set_new(r, "community", c ? json_string(c->rec.code) : json_null());
		json_object_set_new(r, "community_name", c ? json_string(c->rec.name) : json_null());
		json_object_set_new(r, "town", t ? json_string(t->rec.code) : json_null());
		json_object_set_new(r, "town_name", t ? json_string(t->rec.name) : json_null());
		json_object_set_new(r, "grid_worker", w ? json_pack("{s:s, s:s}", "name", w->name,
		                    "phone", w->phone) : json_null());
		json_array_append_new(results, r);
	}
	orgmodel_release(m);
	json_decref(body);
	return http_reply_json(req, 200, json_pack("{s:I, s:I, s:o}", "count", (json_int_t)n,
	                       "found", (json_int_t)found, "results", results));
fail:
	json_decref(body);
	return http_reply_err(req, &e);
}
