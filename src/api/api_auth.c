/*
 * api_auth.c - log-in and the caller's own account.
 *
 *   POST   /api/v1/auth/login        {username, password, kind: "web"|"app"}   public
 *          web: sets the HttpOnly session cookie and returns the CSRF token;
 *          app: returns the bearer token.
 *   POST   /api/v1/auth/logout       ends this session
 *   POST   /api/v1/auth/logout-all   ends every web and app session of the account
 *   GET    /api/v1/auth/me           who am I: account, roles and their scopes
 *   POST   /api/v1/auth/password     {old_password, new_password}
 *   GET    /api/v1/auth/tokens       my API tokens
 *   POST   /api/v1/auth/tokens       {name, roles: ["command", …], days}: shown once
 *   DELETE /api/v1/auth/tokens/:id   revoke one
 *   GET    /api/v1/departments       the departments (staff)
 */
#include <stdio.h>
#include <string.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/app.h"
#include "app/audit.h"
#include "domain/role.h"
#include "domain/unit_code.h"
#include "store/store_department.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

static json_t *grants_json(struct http_req *req, const struct principal *p, const struct org_model *m)
{
	json_t *arr = json_array();
	for (int i = 0; i < p->ngrants; i++) {
		const struct auth_grant *g = &p->grants[i];
		const struct org_unit *u = orgmodel_find(m, g->scope);
		struct department_rec d;
		int dept = 0;
		if (!u) {                      /* a department: its name from the database */
			struct err e = ERR_INIT;
			struct db *db = db_pool_get(api_app(req)->pool);
			dept = store_department_get(db, g->scope, &d, &e) == 0;
			db_pool_put(api_app(req)->pool, db);
		}
		json_t *j = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)g->id,
		                      "role", role_name(g->role), "role_label", role_label(g->role),
		                      "scope", g->scope);
		json_object_set_new(j, "scope_name", u ? json_string(u->rec.name) :
		                    dept ? json_string(d.name) : json_null());
		json_object_set_new(j, "scope_level", u ? json_string(unit_level_name(u->rec.level))
		                                        : json_string("department"));
		json_array_append_new(arr, j);
	}
	return arr;
}

static json_t *me_json(struct http_req *req, const struct principal *p)
{
	struct org_model *m = org_holder_get(&api_app(req)->org);
	json_t *roles = json_array();
	json_t *j;

	for (unsigned f = 1; f < (1u << ROLE_COUNT); f <<= 1)
		if (p->roles & f)
			json_array_append_new(roles, json_string(role_name(f)));
	j = json_pack("{s:I, s:s, s:s, s:s, s:b, s:o, s:o}", "id", (json_int_t)p->account_id,
	              "username", p->username, "display_name", p->display_name, "session_kind", p->kind,
	              "must_change_password", p->must_change_password, "roles", roles,
	              "grants", grants_json(req, p, m));
	orgmodel_release(m);
	return j;
}

int api_auth_login(struct http_req *req)
{
	struct err e = ERR_INIT;
	json_t *body, *out;
	const char *user = NULL, *pw = NULL, *kind = "web";
	struct principal p;
	char token[AUTH_TOKEN_MAX];
	struct db *db;
	const char *ip = http_client_ip(req);
	const char *site = http_header(req, "Sec-Fetch-Site");
	int rc;

	/* Log-in CSRF: a page elsewhere must not log the browser in (as someone
	 * else). Browsers tell in Sec-Fetch-Site, which no page can set; apps
	 * and tools send none. */
	if (site && !strcmp(site, "cross-site"))
		return http_reply_error(req, 403, "auth.csrf", "不能从其他网站登录",
		                        "log-in from another site refused");
	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	if (jsonx_string(body, "username", 1, USERNAME_MAX - 1, &user, &e) < 0 ||
	    jsonx_string(body, "password", 1, 1024, &pw, &e) < 0 ||
	    jsonx_string(body, "kind", 0, 8, &kind, &e) < 0) {
		json_decref(body);
		return http_reply_err(req, &e);
	}
	db = db_pool_get(api_app(req)->pool);
	rc = auth_login(db, user, pw, kind, ip, http_header(req, "User-Agent"), token, &p, &e);
	if (rc < 0) {
		if (e.status == 401 || e.status == 429)
			audit_record_alone(db, NULL, user, AUDIT_LOGIN_FAILED, user, ip, "failed", e.code);
		db_pool_put(api_app(req)->pool, db);
		json_decref(body);
		if (e.status == 429)
			http_add_header(req, "Retry-After", arena_strdup(&req->arena, e.param));
		e.param[0] = '\0';
		return http_reply_err(req, &e);
	}
	audit_record_alone(db, &p, NULL, AUDIT_LOGIN, p.username, ip, "ok", p.kind);
	db_pool_put(api_app(req)->pool, db);
	json_decref(body);
	out = json_pack("{s:o}", "user", me_json(req, &p));
	if (!strcmp(p.kind, "web")) {
		http_add_header(req, "Set-Cookie", arena_printf(&req->arena,
		                "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200%s", AUTH_COOKIE,
		                token, api_app(req)->cookie_secure ? "; Secure" : ""));
		json_object_set_new(out, "csrf_token", json_string(p.csrf));
	} else {
		json_object_set_new(out, "token", json_string(token));
	}
	return http_reply_json(req, 200, out);
}

static void clear_cookie(struct http_req *req)
{
	http_add_header(req, "Set-Cookie", arena_printf(&req->arena,
	                "%s=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s", AUTH_COOKIE,
	                api_app(req)->cookie_secure ? "; Secure" : ""));
}

static int logout(struct http_req *req, int all)
{
	const struct principal *p = req->auth;
	struct err e = ERR_INIT;
	struct db *db = db_pool_get(api_app(req)->pool);
	int rc = all ? auth_logout_all(db, p, &e) : auth_logout(db, p, &e);

	if (rc == 0)
		audit_record_alone(db, p, NULL, all ? AUDIT_LOGOUT_ALL : AUDIT_LOGOUT, p->username,
		                   http_client_ip(req), "ok", NULL);
	db_pool_put(api_app(req)->pool, db);
	if (rc < 0)
		return http_reply_err(req, &e);
	app_end_account_streams(api_app(req), p->account_id);   /* the others reconnect */
	if (p->via_cookie)
		clear_cookie(req);
	return http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

int api_auth_logout(struct http_req *req)
{
	return logout(req, 0);
}

int api_auth_logout_all(struct http_req *req)
{
	return logout(req, 1);
}

int api_auth_me(struct http_req *req)
{
	const struct principal *p = req->auth;
	json_t *j = me_json(req, p);

	/* A page opened in a new tab needs the CSRF token of its cookie session.
	 * Only same-origin scripts can read this reply (no CORS), so it tells an
	 * attacker's page nothing. */
	if (p->via_cookie && p->csrf[0])
		json_object_set_new(j, "csrf_token", json_string(p->csrf));
	return http_reply_json(req, 200, j);
}

/* GET /api/v1/departments: the 职能部门 (for picking a grant's scope, and
 * later for dispatching). */
static int department_row(void *ctx, const struct department_rec *d)
{
	json_array_append_new(ctx, json_pack("{s:s, s:s, s:s}", "code", d->code, "district",
	                                     d->district, "name", d->name));
	return 0;
}

int api_department_list(struct http_req *req)
{
	struct err e = ERR_INIT;
	json_t *arr = json_array();
	struct db *db = db_pool_get(api_app(req)->pool);
	int rc = store_department_list(db, department_row, arr, &e);

	db_pool_put(api_app(req)->pool, db);
	if (rc < 0) {
		json_decref(arr);
		return http_reply_err(req, &e);
	}
	return http_reply_json(req, 200, json_pack("{s:o}", "departments", arr));
}

int api_auth_password(struct http_req *req)
{
	const struct principal *p = req->auth;
	struct err e = ERR_INIT;
	json_t *body;
	const char *old_pw = NULL, *new_pw = NULL;
	struct db *db;
	int rc;

	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	if (jsonx_string(body, "old_password", 1, 1024, &old_pw, &e) < 0 ||
	    jsonx_string(body, "new_password", 1, 1024, &new_pw, &e) < 0) {
		json_decref(body);
		return http_reply_err(req, &e);
	}
	db = db_pool_get(api_app(req)->pool);
	rc = auth_change_password(db, p, old_pw, new_pw, &e);
	audit_record_alone(db, p, NULL, AUDIT_PASSWORD, p->username, http_client_ip(req),
	                   rc == 0 ? "ok" : "failed", rc == 0 ? NULL : e.code);
	db_pool_put(api_app(req)->pool, db);
	json_decref(body);
	if (rc < 0)
		return http_reply_err(req, &e);
	app_end_account_streams(api_app(req), p->account_id);
	return http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

/* ---------------------------------------------------------- API tokens */

static int token_row(void *ctx, const struct session_rec *s)
{
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)s->id, "name", s->name,
	                      "created_at", s->created_at, "expires_at", s->expires_at,
	                      "last_used_at", s->last_seen_at);
	json_t *roles = json_array();
	for (unsigned f = 1; f < (1u << ROLE_COUNT); f <<= 1)
		if ((unsigned)s->roles & f)
			json_array_append_new(roles, json_string(role_name(f)));
	json_object_set_new(j, "roles", roles);
	json_array_append_new(ctx, j);
	return 0;
}

int api_auth_tokens(struct http_req *req)
{
	const struct principal *p = req->auth;
	struct err e = ERR_INIT;
	json_t *arr = json_array();
	struct db *db = db_pool_get(api_app(req)->pool);
	int rc = store_session_tokens(db, p->account_id, token_row, arr, &e);

	db_pool_put(api_app(req)->pool, db);
	if (rc < 0) {
		json_decref(arr);
		return http_reply_err(req, &e);
	}
	return http_reply_json(req, 200, json_pack("{s:o}", "tokens", arr));
}

int api_auth_token_create(struct http_req *req)
{
	const struct principal *p = req->auth;
	struct err e = ERR_INIT;
	json_t *body, *roles = NULL, *out;
	const char *name = NULL;
	int64_t days = 90, id = 0;
	unsigned mask = 0;
	char token[AUTH_TOKEN_MAX];
	struct db *db;
	int rc;

	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	if (jsonx_string(body, "name", 1, 60, &name, &e) < 0 ||
	    jsonx_array(body, "roles", 0, ROLE_COUNT, &roles, &e) < 0 ||
	    jsonx_int(body, "days", 0, 1, 365, &days, &e) < 0)
		goto fail;
	if (!*name) {
		err_set_param(&e, 400, "field.invalid", "name", "令牌名称不能为空", "token name is empty");
		goto fail;
	}
	for (size_t i = 0; roles && i < json_array_size(roles); i++) {
		unsigned f = role_parse(json_string_value(json_array_get(roles, i)));
		if (!f) {
			err_set_param(&e, 400, "field.invalid", "roles", "未知角色", "unknown role in 'roles'");
			goto fail;
		}
		mask |= f;
	}
	db = db_pool_get(api_app(req)->pool);
	if ((rc = db_begin(db, &e)) == 0) {
		rc = auth_token_create(db, p, name, mask, (int)days, token, &id, &e);
		if (rc == 0)
			rc = audit_record(db, p, AUDIT_TOKEN_CREATE, name, http_client_ip(req), "ok", NULL, &e);
		rc = rc == 0 ? db_commit(db, &e) : (db_rollback(db), -1);
	}
	db_pool_put(api_app(req)->pool, db);
	if (rc < 0)
		goto fail;
	/* name lives in body: build the reply before letting body go */
	out = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)id, "name", name, "token", token,
	                "note", "此令牌只显示这一次，请妥善保存 / shown once, keep it safe");
	json_decref(body);
	return http_reply_json(req, 201, out);
fail:
	json_decref(body);
	return http_reply_err(req, &e);
}

int api_auth_token_revoke(struct http_req *req)
{
	const struct principal *p = req->auth;
	struct err e = ERR_INIT;
	int64_t id;
	char now[TIME_ISO_MAX];
	struct db *db;
	int rc;

	if (parse_int64(http_param(req, "id"), 1, INT64_MAX, &id) < 0)
		return http_reply_error(req, 400, "param.invalid", "令牌编号无效", "invalid token id");
	db = db_pool_get(api_app(req)->pool);
	if ((rc = db_begin(db, &e)) == 0) {
		rc = store_session_revoke(db, id, p->account_id, time_iso_now(now), &e);
		if (rc == 0)
			rc = audit_record(db, p, AUDIT_TOKEN_REVOKE, http_param(req, "id"), http_client_ip(req),
			                  "ok", NULL, &e);
		rc = rc == 0 ? db_commit(db, &e) : (db_rollback(db), -1);
	}
	db_pool_put(api_app(req)->pool, db);
	if (rc < 0)
		return http_reply_err(req, &e);
	app_end_account_streams(api_app(req), p->account_id);
	return http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}
