/*
 * api_display.c - wall displays (大屏) of the command big screen
 * (docs/api.md, "Wall displays"; the rules: app/displays.h).
 *
 *   GET    /api/v1/displays[?before=ID][&limit=N]   the displays I manage (admin, command)
 *   POST   /api/v1/displays               {name, unit}: a new display and its pairing code
 *   POST   /api/v1/displays/:id/pairing   a new pairing code (replace or renew a screen)
 *   POST   /api/v1/displays/:id/revoke    revoke: its token and live streams end at once
 *   POST   /api/v1/displays/pair          {code}: the code -> the display's token (public)
 *   GET    /api/v1/displays/me            the calling display itself (display)
 *
 * A pairing code is shown once, in the reply that made it; the token once,
 * in the reply to the pairing.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/audit.h"
#include "app/displays.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/banned.h"

#define LIST_DEFAULT 50

static int id_or_reply(struct http_req *req, int64_t *out)
{
	struct err e = ERR_INIT;

	if (parse_int64(http_param(req, "id"), 1, INT64_MAX, out) == 0)
		return 0;
	err_set_param(&e, 400, "param.invalid", "id", "大屏编号 'id' 无效", "invalid display id 'id'");
	http_reply_err(req, &e);
	return -1;
}

/* {"code":"ABCD-EFGH-JKMN","path":"/screen#pair=ABCDEFGHJKMN","expires_at":…} */
static json_t *pairing_json(const char *code, const char *expires_at)
{
	char shown[DISPLAY_CODE_MAX];
	char path[64];

	display_code_format(code, shown);
	snprintf(path, sizeof(path), "/screen#pair=%s", code);
	return json_pack("{s:s, s:s, s:s, s:i}", "code", shown, "path", path, "expires_at", expires_at,
	                 "valid_hours", DISPLAY_PAIR_HOURS);
}

/* Reply {display, pairing} (status 201 or 200). */
static int reply_with_code(struct http_req *req, int status, const struct display_rec *d,
                           const char *code)
{
	struct org_model *m = org_holder_get(&api_app(req)->org);
	json_t *j = json_pack("{s:o, s:o}", "display", displays_json(d, m, time(NULL)), "pairing",
	                      pairing_json(code, d->pair_expires_at));

	orgmodel_release(m);
	return http_reply_json(req, status, j);
}

/* ------------------------------------------------------------------ list */

static int list_row(void *ctx, const struct display_rec *d)
{
	void **c = ctx;
	json_array_append_new(c[0], displays_json(d, c[1], time(NULL)));
	return 0;
}

int api_display_list(struct http_req *req)
{
	struct err e = ERR_INIT;
	long long before, limit;
	int64_t next = 0;
	struct org_model *m;
	struct db *db;
	json_t *arr;
	void *ctx[2];
	int rc;

	if (api_query_int_or_reply(req, "before", 0, 1, INT64_MAX, &before) < 0 ||
	    api_query_int_or_reply(req, "limit", LIST_DEFAULT, 1, DISPLAY_LIST_MAX, &limit) < 0)
		return 0;
	arr = json_array();
	m = org_holder_get(&api_app(req)->org);
	ctx[0] = arr;
	ctx[1] = m;
	db = db_pool_get(api_app(req)->pool);
	rc = displays_list(db, req->auth, before, (int)limit, list_row, ctx, &next, &e);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	if (rc < 0) {
		json_decref(arr);
		return http_reply_err(req, &e);
	}
	return http_reply_json(req, 200, json_pack("{s:o, s:o}", "displays", arr, "next_before",
	                                           next ? json_integer(next) : json_null()));
}

/* ---------------------------------------------------------------- create */

int api_display_create(struct http_req *req)
{
	struct err e = ERR_INIT;
	const char *name = NULL, *unit = NULL;
	char code[DISPLAY_CODE_MAX];
	struct display_rec d;
	struct org_model *m;
	struct db *db;
	json_t *body;
	int rc;

	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	if (jsonx_string(body, "name", 1, DISPLAY_NAME_MAX, &name, &e) < 0 ||
	    jsonx_string(body, "unit", 1, 20, &unit, &e) < 0) {
		json_decref(body);
		return http_reply_err(req, &e);
	}
	if (!(m = api_org_or_reply(req))) {
		json_decref(body);
		return 0;
	}
	db = db_pool_get(api_app(req)->pool);
	rc = displays_create(db, req->auth, m, name, unit, http_client_ip(req), &d, code, &e);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	json_decref(body);
	if (rc < 0)
		return http_reply_err(req, &e);
	return reply_with_code(req, 201, &d, code);
}

/* --------------------------------------------------------------- pairing */

int api_display_pairing(struct http_req *req)
{
	struct err e = ERR_INIT;
	char code[DISPLAY_CODE_MAX];
	struct display_rec d;
	struct db *db;
	int64_t id;
	int rc;

	if (id_or_reply(req, &id) < 0)
		return 0;
	db = db_pool_get(api_app(req)->pool);
	rc = displays_new_pairing(db, req->auth, id, http_client_ip(req), &d, code, &e);
	db_pool_put(api_app(req)->pool, db);
	if (rc < 0)
		return http_reply_err(req, &e);
	return reply_with_code(req, 200, &d, code);
}

/* ---------------------------------------------------------------- revoke */

int api_display_revoke(struct http_req *req)
{
	struct err e = ERR_INIT;
	struct display_rec d;
	struct org_model *m;
	struct db *db;
	int64_t id;
	json_t *j;
	int rc;

	if (id_or_reply(req, &id) < 0)
		return 0;
	db = db_pool_get(api_app(req)->pool);
	rc = displays_revoke(db, req->auth, id, http_client_ip(req), &d, &e);
	if (rc == 0)                       /* committed: its live streams end now, everywhere */
		app_end_display_streams(api_app(req), db, id, NULL);
	db_pool_put(api_app(req)->pool, db);
	if (rc < 0)
		return http_reply_err(req, &e);
	m = org_holder_get(&api_app(req)->org);
	j = json_pack("{s:o}", "display", displays_json(&d, m, time(NULL)));
	orgmodel_release(m);
	return http_reply_json(req, 200, j);
}

/* ------------------------------------------------------------------ pair */

int api_display_pair(struct http_req *req)
{
	struct err e = ERR_INIT;
	const char *code = NULL, *ip = http_client_ip(req);
	const char *site = http_header(req, "Sec-Fetch-Site");
	char token[AUTH_TOKEN_MAX];
	struct display_rec d;
	struct principal p;
	struct org_model *m;
	struct db *db;
	json_t *body, *j;
	int rc;

	/* as for log-in: a page elsewhere must not pair the browser */
	if (site && !strcmp(site, "cross-site"))
		return http_reply_error(req, 403, "auth.csrf", "不能从其他网站配对大屏",
		                        "pairing from another site refused");
	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	if (jsonx_string(body, "code", 1, DISPLAY_CODE_INPUT_MAX, &code, &e) < 0) {
		json_decref(body);
		return http_reply_err(req, &e);
	}
	db = db_pool_get(api_app(req)->pool);
	rc = displays_pair(db, code, ip, http_header(req, "User-Agent"), token, &d, &p, &e);
	if (rc == 0)                       /* paired anew: the screen it replaces stops */
		app_end_display_streams(api_app(req), db, d.id, p.display_tag);
	else if (e.status == 404 || e.status == 429)
		audit_record_alone(db, NULL, "-", AUDIT_DISPLAY_PAIR_FAILED, "-", ip, "failed", e.code);
	db_pool_put(api_app(req)->pool, db);
	json_decref(body);
	if (rc < 0) {
		if (e.status == 429)
			http_add_header(req, "Retry-After", arena_strdup(&req->arena, e.param));
		if (e.status == 429)
			e.param[0] = '\0';
		return http_reply_err(req, &e);
	}
	m = org_holder_get(&api_app(req)->org);
	j = json_pack("{s:s, s:o}", "token", token, "display", displays_self_json(&d, m));
	orgmodel_release(m);
	return http_reply_json(req, 200, j);
}

/* -------------------------------------------------------------------- me */

int api_display_me(struct http_req *req)
{
	const struct principal *p = req->auth;
	struct err e = ERR_INIT;
	struct display_rec d;
	struct org_model *m;
	struct db *db;
	json_t *j;
	int rc;

	db = db_pool_get(api_app(req)->pool);
	rc = store_display_get(db, p->display_id, &d, &e);
	db_pool_put(api_app(req)->pool, db);
	if (rc < 0)
		return http_reply_err(req, &e);
	m = org_holder_get(&api_app(req)->org);
	j = json_pack("{s:o}", "display", displays_self_json(&d, m));
	orgmodel_release(m);
	return http_reply_json(req, 200, j);
}
