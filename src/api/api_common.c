/*
 * api_common.c - query-parameter parsing and snapshot access shared by the
 * handlers (see api_int.h).
 */
#include <stdio.h>
#include "api/api_int.h"
#include "store/store_event.h"
#include "lib/str.h"
#include "lib/banned.h"

int api_query_int_or_reply(struct http_req *req, const char *name, long long def,
                           long long min, long long max, long long *out)
{
	const char *s = http_query(req, name);
	int64_t v;
	struct err e = ERR_INIT;

	if (!s) {
		*out = def;
		return 0;
	}
	if (parse_int64(s, min, max, &v) < 0) {
		err_set_param(&e, 400, "param.invalid", name, "参数 '%s' 必须是 %lld 到 %lld 之间的整数",
		              "parameter '%s' must be an integer in [%lld, %lld]", name, min, max);
		http_reply_err(req, &e);
		return -1;
	}
	*out = v;
	return 0;
}

int api_query_double_or_reply(struct http_req *req, const char *name, int required,
                              double min, double max, double *out)
{
	const char *s = http_query(req, name);
	struct err e = ERR_INIT;

	if (!s && !required)
		return 0;
	if (!s) {
		err_set_param(&e, 400, "param.missing", name, "缺少参数 '%s'", "missing parameter '%s'", name);
		http_reply_err(req, &e);
		return -1;
	}
	if (parse_double(s, min, max, out) < 0) {
		err_set_param(&e, 400, "param.invalid", name, "参数 '%s' 必须是 %g 到 %g 之间的数字",
		              "parameter '%s' must be a number in [%g, %g]", name, min, max);
		http_reply_err(req, &e);
		return -1;
	}
	return 0;
}

int api_query_crs_or_reply(struct http_req *req, enum crs *out)
{
	const char *s = http_query(req, "crs");
	struct err e = ERR_INIT;

	*out = CRS_WGS84;
	if (!s || crs_parse(s, out) == 0)
		return 0;
	err_set_param(&e, 400, "param.invalid", "crs", "参数 'crs' 必须是 wgs84、gcj02 或 bd09",
	              "parameter 'crs' must be wgs84, gcj02 or bd09");
	http_reply_err(req, &e);
	return -1;
}

struct org_model *api_org_or_reply(struct http_req *req)
{
	struct org_model *m = org_holder_get(&api_app(req)->org);
	if (!m)
		http_reply_error(req, 503, "org.not_loaded", "组织数据尚未加载", "org data not loaded yet");
	return m;
}

static int category_name_row(void *ctx, const struct category_rec *c)
{
	json_object_set_new(ctx, c->code, json_string(c->name));
	return 0;
}

json_t *api_category_names(struct db *db, struct err *e)
{
	json_t *o = json_object();

	if (store_category_list(db, category_name_row, o, e) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
