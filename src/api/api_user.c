/*
 * api_user.c - users and their roles, for district admins (区管理员).
 *
 *   GET    /api/v1/users?q=&after=&limit=        accounts the admin may manage, by id
 *   POST   /api/v1/users                         {username, display_name, password, phone?,
 *                                                 must_change_password?, grants?: [{role, scope, title?}]}
 *   GET    /api/v1/users/:id[?unmask=1]          one account; unmask=1 shows the phone (pii.read)
 *   POST   /api/v1/users/:id/disable             and end its sessions and API tokens
 *   POST   /api/v1/users/:id/enable
 *   POST   /api/v1/users/:id/password            {password, must_change_password?}
 *   POST   /api/v1/users/:id/grants              {role, scope, title?}
 *   DELETE /api/v1/users/:id/grants/:grant
 *
 * Every route is ROLE_ADMIN (routes.c). The rules — which scopes an admin
 * may grant, which users they may see, one transaction per change with its
 * audit row — live in app/users.c; this file turns requests into calls and
 * accounts into JSON. A user outside the admin's scope answers 404
 * user.not_found, exactly like one that does not exist.
 */
#include <string.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/app.h"
#include "app/users.h"
#include "domain/password.h"
#include "domain/role.h"
#include "domain/unit_code.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/banned.h"

#define LIST_DEFAULT 50
#define LIST_MAX 200
#define Q_MAX 64

/* ------------------------------------------------------------- JSON */

struct grants_ctx {
	struct db *db;
	const struct org_model *m;
	json_t *arr;
};

/* {id, role, role_label, scope, scope_name, scope_level, title} */
static json_t *grant_json(struct db *db, const struct org_model *m, const struct grant_rec *g)
{
	struct users_scope sc;
	struct err ignored = ERR_INIT;
	int known = users_scope(db, m, g->scope_code, &sc, &ignored) == 0;
	unsigned role = role_parse(g->role);
	json_t *j = json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)g->id, "role", g->role,
	                      "role_label", role_label(role), "scope", g->scope_code);

	json_object_set_new(j, "scope_name", known ? json_string(sc.name) : json_null());
	json_object_set_new(j, "scope_level", unit_code_level(g->scope_code) != LEVEL_NONE
	                    ? json_string(unit_level_name(unit_code_level(g->scope_code)))
	                    : json_string("department"));
	jsonx_set_str_or_null(j, "title", g->title);
	return j;
}

static int grant_row(void *ctx, const struct grant_rec *g)
{
	struct grants_ctx *c = ctx;

	json_array_append_new(c->arr, grant_json(c->db, c->m, g));
	return 0;
}

/* An account as JSON, its phone masked unless unmask. NULL with e set when
 * its grants cannot be read. */
static json_t *user_json(struct db *db, const struct org_model *m, const struct account_rec *a,
                         int unmask, struct err *e)
{
	struct grants_ctx c = {db, m, json_array()};
	char masked[sizeof(a->phone)];
	json_t *j;

	if (store_grants_of(db, a->id, grant_row, &c, e) < 0) {
		json_decref(c.arr);
		return NULL;
	}
	mask_phone(a->phone, masked, sizeof(masked));
	j = json_pack("{s:I, s:s, s:s, s:b, s:b, s:s, s:s, s:o}", "id", (json_int_t)a->id,
	              "username", a->username, "display_name", a->display_name,
	              "disabled", a->disabled, "must_change_password", a->must_change_password,
	              "created_at", a->created_at, "updated_at", a->updated_at, "grants", c.arr);
	jsonx_set_str_or_null(j, "phone", unmask ? a->phone : masked);
	json_object_set_new(j, "person_id", a->person_id > 0 ? json_integer(a->person_id) : json_null());
	return j;
}

/* ---------------------------------------------------------- helpers */

static void actor_init(struct http_req *req, struct users_actor *a, const struct org_model *m)
{
	memset(a, 0, sizeof(*a));
	a->p = req->auth;
	a->ip = http_client_ip(req);
	a->org = m;
}

/* A numeric route parameter; 400 param.invalid replied and -1 otherwise. */
static int id_or_reply(struct http_req *req, const char *name, int64_t *out)
{
	struct err e = ERR_INIT;

	if (parse_int64(http_param(req, name), 1, INT64_MAX, out) == 0)
		return 0;
	err_set_param(&e, 400, "param.invalid", name, "编号 '%s' 无效", "invalid id '%s'", name);
	http_reply_err(req, &e);
	return -1;
}

/* An optional boolean body field; 400 field.type when it is not one. */
static int body_bool(json_t *body, const char *key, int *out, struct err *e)
{
	json_t *v = json_object_get(body, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_boolean(v))
		return err_set_param(e, 400, "field.type", key, "字段 '%s' 必须是 true 或 false",
		                     "field '%s' must be true or false", key);
	*out = json_is_true(v);
	return 0;
}

/* One grant object {role, scope, title?} of a body into s (borrowed). */
static int grant_spec(json_t *obj, struct users_grant_spec *s, struct err *e)
{
	memset(s, 0, sizeof(*s));
	if (!json_is_object(obj))
		return err_set_param(e, 400, "field.type", "grants", "授权必须是对象 {role, scope, title}",
		                     "a grant must be an object {role, scope, title}");
	if (jsonx_string(obj, "role", 1, 32, &s->role, e) < 0 ||
	    jsonx_string(obj, "scope", 1, SCOPE_MAX - 1, &s->scope, e) < 0 ||
	    jsonx_string(obj, "title", 0, USERS_TITLE_MAX, &s->title, e) < 0)
		return -1;
	return 0;
}

/* Reply with {user} of account id at status, read on db after a change. */
static int reply_user(struct http_req *req, struct db *db, const struct org_model *m, int64_t id,
                      int status, int unmask)
{
	struct account_rec a;
	struct err e = ERR_INIT;
	json_t *j = NULL;

	if (store_account_get(db, id, &a, &e) == 0)
		j = user_json(db, m, &a, unmask, &e);
	if (!j)
		return http_reply_err(req, &e);
	return http_reply_json(req, status, json_pack("{s:o}", "user", j));
}

/* ------------------------------------------------------------- list */

struct list_ctx {
	struct db *db;
	const struct org_model *m;
	json_t *arr;
	struct err *e;
};

static int list_row(void *ctx, const struct account_rec *a)
{
	struct list_ctx *c = ctx;
	json_t *j = user_json(c->db, c->m, a, 0, c->e);

	if (!j)
		return -1;
	json_array_append_new(c->arr, j);
	return 0;
}

int api_user_list(struct http_req *req)
{
	const char *q = http_query(req, "q");
	long long after, limit;
	int64_t next = 0;
	struct err e = ERR_INIT;
	struct users_actor a;
	struct org_model *m;
	struct list_ctx c;
	struct db *db;
	json_t *out;
	int rc;

	if (q && (strlen(q) > Q_MAX || !str_valid_utf8(q, strlen(q))))
		return err_set_param(&e, 400, "param.invalid", "q", "参数 'q' 须为不超过 %d 字节的文本",
		                     "parameter 'q' must be text of at most %d bytes", Q_MAX),
		       http_reply_err(req, &e);
	if (api_query_int_or_reply(req, "after", 0, 0, INT64_MAX, &after) < 0 ||
	    api_query_int_or_reply(req, "limit", LIST_DEFAULT, 1, LIST_MAX, &limit) < 0)
		return 0;
	m = org_holder_get(&api_app(req)->org);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	c = (struct list_ctx){db, m, json_array(), &e};
	rc = users_list(db, &a, q, after, (int)limit, list_row, &c, &next, &e);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	if (rc != 0) {
		json_decref(c.arr);
		return http_reply_err(req, &e);
	}
	out = json_pack("{s:o}", "users", c.arr);
	json_object_set_new(out, "next_after", next ? json_integer(next) : json_null());
	return http_reply_json(req, 200, out);
}

/* ----------------------------------------------------------- create */

int api_user_create(struct http_req *req)
{
	struct users_grant_spec specs[USERS_GRANTS_MAX];
	struct users_new n;
	struct users_actor a;
	struct err e = ERR_INIT;
	struct org_model *m = NULL;
	struct db *db = NULL;
	json_t *body, *grants = NULL;
	int64_t id = 0;
	int must = 1, ret;

	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	memset(&n, 0, sizeof(n));
	if (jsonx_string(body, "username", 1, USERNAME_MAX - 1, &n.username, &e) < 0 ||
	    jsonx_string(body, "display_name", 1, 256, &n.display_name, &e) < 0 ||
	    jsonx_string(body, "password", 1, 1024, &n.password, &e) < 0 ||
	    jsonx_string(body, "phone", 0, 64, &n.phone, &e) < 0 ||
	    body_bool(body, "must_change_password", &must, &e) < 0 ||
	    jsonx_array(body, "grants", 0, USERS_GRANTS_MAX, &grants, &e) < 0)
		goto fail;
	for (size_t i = 0; grants && i < json_array_size(grants); i++)
		if (grant_spec(json_array_get(grants, i), &specs[i], &e) < 0)
			goto fail;
	n.must_change_password = must;
	n.grants = specs;
	n.ngrants = grants ? json_array_size(grants) : 0;
	m = org_holder_get(&api_app(req)->org);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	if (users_add(db, &a, &n, &id, &e) < 0)
		goto fail;
	ret = reply_user(req, db, m, id, 201, 0);
	goto out;
fail:
	ret = http_reply_err(req, &e);
out:
	if (db)
		db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	json_decref(body);
	return ret;
}

/* -------------------------------------------------------------- get */

int api_user_get(struct http_req *req)
{
	const char *unmask = http_query(req, "unmask");
	struct users_actor a;
	struct account_rec acc;
	struct err e = ERR_INIT;
	struct org_model *m;
	struct db *db;
	json_t *j = NULL;
	int64_t id;
	int show, rc;

	if (id_or_reply(req, "id", &id) < 0)
		return 0;
	if (unmask && strcmp(unmask, "0") && strcmp(unmask, "1"))
		return err_set_param(&e, 400, "param.invalid", "unmask", "参数 'unmask' 必须是 0 或 1",
		                     "parameter 'unmask' must be 0 or 1"), http_reply_err(req, &e);
	show = unmask && !strcmp(unmask, "1");
	m = org_holder_get(&api_app(req)->org);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	rc = show ? users_read_pii(db, &a, id, &acc, &e) : users_get(db, &a, id, &acc, &e);
	if (rc == 0)
		j = user_json(db, m, &acc, show, &e);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	if (!j)
		return http_reply_err(req, &e);
	return http_reply_json(req, 200, json_pack("{s:o}", "user", j));
}

/* -------------------------------------------------- disable, enable */

static int set_disabled(struct http_req *req, int disabled)
{
	struct users_actor a;
	struct err e = ERR_INIT;
	struct org_model *m;
	struct db *db;
	int64_t id;
	int ret;

	if (id_or_reply(req, "id", &id) < 0)
		return 0;
	m = org_holder_get(&api_app(req)->org);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	if (users_set_disabled(db, &a, id, disabled, &e) < 0)
		ret = http_reply_err(req, &e);
	else
		ret = reply_user(req, db, m, id, 200, 0);
	db_pool_put(api_app(req)->pool, db);
	if (disabled && !err_isset(&e))
		app_end_account_streams(api_app(req), id);
	orgmodel_release(m);
	return ret;
}

int api_user_disable(struct http_req *req)
{
	return set_disabled(req, 1);
}

int api_user_enable(struct http_req *req)
{
	return set_disabled(req, 0);
}

/* --------------------------------------------------------- password */

int api_user_password(struct http_req *req)
{
	struct users_actor a;
	struct err e = ERR_INIT;
	const char *pw = NULL;
	struct db *db;
	json_t *body;
	int64_t id;
	int must = 1, rc;

	if (id_or_reply(req, "id", &id) < 0)
		return 0;
	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	if (jsonx_string(body, "password", 1, 1024, &pw, &e) < 0 ||
	    body_bool(body, "must_change_password", &must, &e) < 0) {
		json_decref(body);
		return http_reply_err(req, &e);
	}
	actor_init(req, &a, NULL);
	db = db_pool_get(api_app(req)->pool);
	rc = users_set_password(db, &a, id, pw, must, &e);
	db_pool_put(api_app(req)->pool, db);
	json_decref(body);
	if (rc < 0)
		return http_reply_err(req, &e);
	app_end_account_streams(api_app(req), id);     /* its sessions ended */
	return http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

/* ----------------------------------------------------------- grants */

int api_user_grant(struct http_req *req)
{
	struct users_grant_spec s;
	struct users_actor a;
	struct grant_rec g;
	struct err e = ERR_INIT;
	struct org_model *m = NULL;
	struct db *db = NULL;
	json_t *body, *j;
	int64_t id;
	int ret;

	if (id_or_reply(req, "id", &id) < 0)
		return 0;
	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	if (grant_spec(body, &s, &e) < 0)
		goto fail;
	m = org_holder_get(&api_app(req)->org);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	if (users_grant(db, &a, id, &s, &g, &e) < 0)
		goto fail;
	j = grant_json(db, m, &g);
	ret = http_reply_json(req, 201, json_pack("{s:o}", "grant", j));
	app_end_account_streams(api_app(req), id);     /* they reconnect with the wider scope */
	goto out;
fail:
	ret = http_reply_err(req, &e);
out:
	if (db)
		db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	json_decref(body);
	return ret;
}

int api_user_revoke(struct http_req *req)
{
	struct users_actor a;
	struct err e = ERR_INIT;
	struct db *db;
	int64_t id, grant;
	int rc;

	if (id_or_reply(req, "id", &id) < 0 || id_or_reply(req, "grant", &grant) < 0)
		return 0;
	actor_init(req, &a, NULL);
	db = db_pool_get(api_app(req)->pool);
	rc = users_revoke(db, &a, id, grant, &e);
	db_pool_put(api_app(req)->pool, db);
	if (rc < 0)
		return http_reply_err(req, &e);
	app_end_account_streams(api_app(req), id);     /* nothing more of that scope */
	return http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}
