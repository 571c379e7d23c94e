/*
 * api_equipment.c - dispatch equipment (调度设备).
 *
 *   GET    /api/v1/equipment?unit=&kind=&status=     the subtree's equipment
 *   POST   /api/v1/equipment                         {unit, kind, name, …}
 *   GET    /api/v1/equipment/:id
 *   PUT    /api/v1/equipment/:id                     change the fields given
 *   DELETE /api/v1/equipment/:id
 *
 * Rules, scope and audit: app/equipment.c.
 */
#include <string.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/equipment.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/banned.h"

static void actor_init(struct http_req *req, struct equipment_actor *a, const struct org_model *m)
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

/* Reply with {equipment} of id (read back after a change). */
static int reply_one(struct http_req *req, struct db *db, const struct equipment_actor *a,
                     int64_t id, int status)
{
	struct err e = ERR_INIT;
	json_t *j = NULL;

	if (equipment_get(db, a, id, &j, &e) < 0)
		return http_reply_err(req, &e);
	return http_reply_json(req, status, json_pack("{s:o}", "equipment", j));
}

int api_equipment_list(struct http_req *req)
{
	const char *unit = http_query(req, "unit");
	struct equipment_actor a;
	struct err e = ERR_INIT;
	struct org_model *m;
	struct db *db;
	json_t *out = NULL;
	int rc;

	if (!unit || !*unit)
		return err_set_param(&e, 400, "param.missing", "unit", "缺少参数 'unit'",
		                     "missing parameter 'unit'"), http_reply_err(req, &e);
	m = org_holder_get(&api_app(req)->org);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	rc = equipment_list(db, &a, unit, http_query(req, "kind"), http_query(req, "status"), &out, &e);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	return rc < 0 ? http_reply_err(req, &e) : http_reply_json(req, 200, out);
}

/* create (id 0) or update with the body */
static int change(struct http_req *req, int64_t id)
{
	struct equipment_actor a;
	struct err e = ERR_INIT;
	struct org_model *m;
	struct db *db;
	json_t *body;
	int ret;

	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	m = org_holder_get(&api_app(req)->org);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	if ((id ? equipment_update(db, &a, id, body, &e) : equipment_add(db, &a, body, &id, &e)) < 0)
		ret = http_reply_err(req, &e);
	else
		ret = reply_one(req, db, &a, id, http_param(req, "id") ? 200 : 201);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	json_decref(body);
	return ret;
}

int api_equipment_create(struct http_req *req)
{
	return change(req, 0);
}

int api_equipment_update(struct http_req *req)
{
	int64_t id;

	return id_or_reply(req, &id) < 0 ? 0 : change(req, id);
}

int api_equipment_get(struct http_req *req)
{
	struct equipment_actor a;
	struct org_model *m;
	struct db *db;
	int64_t id;
	int ret;

	if (id_or_reply(req, &id) < 0)
		return 0;
	m = org_holder_get(&api_app(req)->org);
	actor_init(req, &a, m);
	db = db_pool_get(api_app(req)->pool);
	ret = reply_one(req, db, &a, id, 200);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	return ret;
}

int api_equipment_delete(struct http_req *req)
{
	struct equipment_actor a;
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
	rc = equipment_delete(db, &a, id, &e);
	db_pool_put(api_app(req)->pool, db);
	orgmodel_release(m);
	return rc < 0 ? http_reply_err(req, &e) : http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}
