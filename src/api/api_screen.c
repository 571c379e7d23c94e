/*
 * api_screen.c - the command big screen (指挥大屏, web/screen.html).
 *
 *   GET /api/v1/screen/summary[?unit=CODE][&level=town|community|area|grid]
 *       everything the screen shows for one unit, in one reply
 *       (docs/api.md, "Big screen"); admin, command and leader over the
 *       unit, default their broadest grant; the map's values at `level`
 *       (default: the unit's children, grids below a town)
 *
 * The figures, the scope rule and the cache are app/screen.c. A reply says
 * whether it came from the cache in X-Screen-Cache: hit | miss.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/screen.h"
#include "lib/banned.h"

int api_screen_summary(struct http_req *req)
{
	const char *level_s = http_query(req, "level");
	char unit[SCREEN_UNIT_MAX];
	enum unit_level level = LEVEL_NONE;
	struct org_model *m;
	struct err e = ERR_INIT;
	struct db *db;
	char *json = NULL;
	size_t len = 0;
	int hit = 0, rc;

	if (level_s && *level_s && !(level = unit_level_parse(level_s))) {
		err_set_param(&e, 400, "param.invalid", "level", "参数 'level' 须为 town、community、area 或 grid",
		              "parameter 'level' must be town, community, area or grid");
		return http_reply_err(req, &e);
	}
	if (!(m = api_org_or_reply(req)))
		return 0;
	rc = screen_unit(req->auth, m, http_query(req, "unit"), unit, &e);
	if (rc == 0) {
		db = db_pool_get(api_app(req)->pool);
		rc = screen_summary(api_app(req)->screen, db, m, unit, level, time(NULL), &json, &len, &hit, &e);
		db_pool_put(api_app(req)->pool, db);
	}
	orgmodel_release(m);
	if (rc < 0)
		return http_reply_err(req, &e);
	http_add_header(req, "X-Screen-Cache", hit ? "hit" : "miss");
	return http_reply_take(req, 200, "application/json; charset=utf-8", json, len);
}
