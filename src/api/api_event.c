/*
 * api_event.c - grid events over HTTP (docs/api.md, "Events").
 *
 *   GET  /api/v1/event-categories              the taxonomy with its time limits
 *   PUT  /api/v1/event-categories/:cat         create or edit a category (admins)
 *   POST /api/v1/events                        report (Idempotency-Key honoured)
 *   GET  /api/v1/events                        the queue: filters, keyset pages
 *   GET  /api/v1/events/:id                    detail with timeline, photos, supervision
 *                                              and the steps the caller may take now
 *   POST /api/v1/events/:id/steps              take a step {action, note, …}
 *   POST /api/v1/events/import                 12345 work orders from CSV (app/hotline.h)
 *   GET  /api/v1/events/export                 the filtered list as CSV or XLSX
 *
 * The rules are in app/events.c and domain/event_flow.c; this file turns
 * requests into calls and events into JSON. Residents see their own reports
 * and only the public steps, without staff names.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/audit.h"
#include "app/auth.h"
#include "app/events.h"
#include "app/hotline.h"
#include "app/export.h"
#include "domain/event_taxonomy.h"
#include "domain/password.h"
#include "domain/role.h"
#include "domain/unit_code.h"
#include "lib/jsonw.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "store/store_department.h"
#include "lib/banned.h"

#define QUEUE_DEFAULT 50
#define QUEUE_MAX 200
#define IDEM_KEY_MAX 128
#define REPLY_MAX (256u << 10)      /* a report's reply: the event is at most ~20 KB */

static const struct principal *caller(struct http_req *req)
{
	return req->auth;
}

static int is_resident_only(const struct principal *p)
{
	return p && (p->roles & ROLE_STAFF) == 0;
}

/* Every key of obj must be in allowed (NULL-terminated). */
static int keys_ok(json_t *obj, const char *const *allowed, struct err *e)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		int found = 0;

		for (int i = 0; allowed[i]; i++)
			if (strcmp(k, allowed[i]) == 0)
				found = 1;
		if (!found)
			return err_set_param(e, 400, "json.unknown_field", "body", "未知字段 '%.40s'",
			                     "unknown field '%.40s'", k);
	}
	return 0;
}

static void str_or_null(json_t *j, const char *key, const char *s)
{
	json_object_set_new(j, key, s && *s ? json_string(s) : json_null());
}

static void id_or_null(json_t *j, const char *key, int64_t v)
{
	json_object_set_new(j, key, v ? json_integer(v) : json_null());
}

/* Where event_fields() writes an event: a jansson object (event_json), or
 * JSON text straight into a buffer (a report's reply, the hot path:
 * lib/jsonw.h). Both give the same JSON. */
struct ev_sink {
	json_t *j;
	struct jsonw *w;
};

static void put_str(struct ev_sink *s, const char *key, const char *v)    /* NULL: null */
{
	if (s->w) {
		jw_key(s->w, key);
		jw_str(s->w, v);
	} else {
		json_object_set_new(s->j, key, v ? json_string(v) : json_null());
	}
}

static void put_int(struct ev_sink *s, const char *key, int64_t v)
{
	if (s->w) {
		jw_key(s->w, key);
		jw_int(s->w, v);
	} else {
		json_object_set_new(s->j, key, json_integer(v));
	}
}

static void put_real(struct ev_sink *s, const char *key, double v)
{
	if (s->w) {
		jw_key(s->w, key);
		jw_real(s->w, v);
	} else {
		json_object_set_new(s->j, key, json_real(v));
	}
}

static void put_bool(struct ev_sink *s, const char *key, int v)
{
	if (s->w) {
		jw_key(s->w, key);
		jw_bool(s->w, v);
	} else {
		json_object_set_new(s->j, key, json_boolean(v));
	}
}

static void put_null(struct ev_sink *s, const char *key)
{
	if (s->w) {
		jw_key(s->w, key);
		jw_null(s->w);
	} else {
		json_object_set_new(s->j, key, json_null());
	}
}

static void put_iso(struct ev_sink *s, const char *key, int64_t t)
{
	char buf[TIME_ISO_MAX];

	put_str(s, key, t ? time_iso((time_t)t, buf) : NULL);
}

static void put_str_or_null(struct ev_sink *s, const char *key, const char *v)
{
	put_str(s, key, v && *v ? v : NULL);
}

static void put_id_or_null(struct ev_sink *s, const char *key, int64_t v)
{
	if (v)
		put_int(s, key, v);
	else
		put_null(s, key);
}

static const char *unit_name(const struct org_model *m, const char *code)
{
	const struct org_unit *u = m && code && *code ? orgmodel_find(m, code) : NULL;

	return u ? u->rec.name : NULL;
}

/* An event's fields. cat_name: its category's name (NULL when gone).
 * full = staff view; else the resident's view. */
static void event_fields(struct ev_sink *j, const struct event_rec *ev, const struct org_model *m,
                         const char *cat_name, int full)
{
	enum ev_status st = (enum ev_status)ev_status_parse(ev->status);
	char phone[EV_PHONE_MAX];

	put_int(j, "id", ev->id);
	put_str(j, "status", ev->status);
	put_str(j, "status_label", ev_status_label(st) ? ev_status_label(st) : "");
	put_str(j, "category", ev->category);
	put_str_or_null(j, "category_name", cat_name);
	put_str(j, "title", ev->title);
	put_str(j, "description", ev->description);
	put_str(j, "source", ev->source);
	put_str(j, "source_label", ev_source_label(ev->source));
	put_str(j, "urgency", ev_urgency_name(ev->urgency));
	put_str(j, "urgency_label", ev_urgency_label(ev->urgency));
	put_real(j, "lon", ev->lon);
	put_real(j, "lat", ev->lat);
	put_str_or_null(j, "address", ev->address);
	put_str(j, "grid", ev->grid);
	put_str_or_null(j, "grid_name", unit_name(m, ev->grid));
	{
		char town[12], comm[16];

		snprintf(town, sizeof(town), "%.9s", ev->grid);
		snprintf(comm, sizeof(comm), "%.12s", ev->grid);
		put_str(j, "town", town);
		put_str_or_null(j, "town_name", unit_name(m, town));
		put_str(j, "community", comm);
		put_str_or_null(j, "community_name", unit_name(m, comm));
	}
	put_iso(j, "created_at", ev->created_at);
	put_iso(j, "closed_at", ev->closed_at);
	put_str_or_null(j, "reject_reason", ev->reject_reason);
	put_str_or_null(j, "result", ev->result);
	put_id_or_null(j, "rating", ev->rating);
	if (!full)
		return;
	put_str_or_null(j, "external_id", ev->external_id);
	put_str_or_null(j, "grid_reason", ev->grid_reason);
	put_str(j, "loop", ev->loop);
	put_int(j, "level", ev->level);
	put_str(j, "holder", ev->holder);
	put_str_or_null(j, "holder_name", unit_name(m, ev->holder));
	put_str_or_null(j, "dept", ev->dept);
	put_id_or_null(j, "assignee_id", ev->assignee_id);
	put_id_or_null(j, "reporter_id", ev->reporter_id);
	put_str_or_null(j, "reporter_name", ev->reporter_name);
	mask_phone(ev->reporter_phone, phone, sizeof(phone));
	put_str_or_null(j, "reporter_phone", phone);
	put_id_or_null(j, "handler_id", ev->handler_id);
	put_id_or_null(j, "verifier_id", ev->verifier_id);
	put_id_or_null(j, "master_id", ev->master_id);
	put_str_or_null(j, "pending", ev->pending);
	put_id_or_null(j, "pending_minutes", ev->pending_minutes);
	put_iso(j, "phase_started_at", ev->phase_started_at);
	put_iso(j, "deadline_at", ev->deadline_at);
	put_iso(j, "due_at", ev->due_at);
	put_str(j, "warning", ev->warning == 2 ? "red" : ev->warning == 1 ? "yellow" : "none");
	put_bool(j, "overdue", ev->overdue);
	put_int(j, "supervision", ev->supervision);
	put_int(j, "rework_count", ev->rework_count);
	put_int(j, "extension_count", ev->extension_count);
	put_int(j, "reopen_count", ev->reopen_count);
	put_bool(j, "escalated", ev->escalated);
	put_str_or_null(j, "rating_note", ev->rating_note);
	put_iso(j, "accepted_at", ev->accepted_at);
	put_iso(j, "updated_at", ev->updated_at);
	put_int(j, "version", ev->version);
}

/* An event as JSON. full = staff view; else the resident's view. */
static json_t *event_json(const struct event_rec *ev, const struct org_model *m,
                          const char *cat_name, int full)
{
	struct ev_sink s = {json_object(), NULL};

	event_fields(&s, ev, m, cat_name, full);
	return s.j;
}

/* Category of an event, for its name (NULL when gone). */
static int category_of(struct db *db, const char *code, struct category_rec *c)
{
	struct err e = ERR_INIT;

	return store_category_get(db, code, c, &e);
}

static const char *name_in(const json_t *names, const char *code)
{
	return code ? json_string_value(json_object_get(names, code)) : NULL;
}

/* ------------------------------------------------------------ categories */

static int cat_row(void *ctx, const struct category_rec *c)
{
	json_t *arr = ctx;

	json_array_append_new(arr, json_pack("{s:s, s:o, s:s, s:i, s:i, s:i, s:i, s:b}", "code", c->code,
	                                     "parent", c->parent[0] ? json_string(c->parent) : json_null(),
	                                     "name", c->name, "accept_minutes", c->minutes[0],
	                                     "handle_minutes", c->minutes[1], "verify_minutes",
	                                     c->minutes[2], "sort", c->sort, "enabled", c->enabled));
	return 0;
}

int api_event_category_list(struct http_req *req)
{
	struct app *a = api_app(req);
	struct db *db = db_pool_get(a->pool);
	struct err e = ERR_INIT;
	json_t *arr = json_array();
	int rc = store_category_list(db, cat_row, arr, &e);

	db_pool_put(a->pool, db);
	if (rc < 0) {
		json_decref(arr);
		return http_reply_err(req, &e);
	}
	return http_reply_json(req, 200, json_pack("{s:o}", "categories", arr));
}

int api_event_category_put(struct http_req *req)
{
	static const char *const keys[] = {"name", "accept_minutes", "handle_minutes",
	                                   "verify_minutes", "sort", "enabled", NULL};
	struct app *a = api_app(req);
	const char *code = http_param(req, "cat");
	struct category_rec c = {0}, parent;
	struct err e = ERR_INIT;
	const char *name = NULL, *dot;
	int64_t mins[3] = {0, 0, 0}, sort = 0, enabled = 1;
	json_t *body = NULL;
	struct db *db;
	int rc, exists;

	if (!event_category_code_ok(code))
		return http_reply_error(req, 400, "event.bad_category", "类别代码格式为 abc 或 abc.def（小写字母）",
		                        "a category code is abc or abc.def (lower-case letters)");
	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)) || keys_ok(body, keys, &e) < 0)
		goto fail;
	db = db_pool_get(a->pool);
	exists = store_category_get(db, code, &c, &e) == 0;
	err_clear(&e);
	db_pool_put(a->pool, db);
	if (exists) {
		mins[0] = c.minutes[0], mins[1] = c.minutes[1], mins[2] = c.minutes[2];
		sort = c.sort, enabled = c.enabled;
	}
	if (jsonx_string(body, "name", !exists, 60, &name, &e) < 0 ||
	    jsonx_int(body, "accept_minutes", !exists, 1, 7 * 24 * 60, &mins[0], &e) < 0 ||
	    jsonx_int(body, "handle_minutes", !exists, 1, 90 * 24 * 60, &mins[1], &e) < 0 ||
	    jsonx_int(body, "verify_minutes", !exists, 1, 30 * 24 * 60, &mins[2], &e) < 0 ||
	    jsonx_int(body, "sort", 0, 0, 100000, &sort, &e) < 0 ||
	    (!json_is_boolean(json_object_get(body, "enabled")) &&
	     jsonx_int(body, "enabled", 0, 0, 1, &enabled, &e) < 0))
		goto fail;
	if (json_is_boolean(json_object_get(body, "enabled")))
		enabled = json_is_true(json_object_get(body, "enabled"));
	if (name && (!*name || strlen(name) >= sizeof(c.name))) {
		err_set_param(&e, 400, "event.bad_field", "name", "名称不能为空", "the name is required");
		goto fail;
	}
	str_copy(c.code, sizeof(c.code), code);
	c.parent[0] = '\0';
	if ((dot = strchr(code, '.'))) {
		snprintf(c.parent, sizeof(c.parent), "%.*s", (int)(dot - code), code);
		db = db_pool_get(a->pool);
		rc = store_category_get(db, c.parent, &parent, &e);
		db_pool_put(a->pool, db);
		if (rc < 0) {
			err_clear(&e);
			err_set_param(&e, 400, "event.bad_category", "cat", "上级类别不存在，请先创建",
			              "the parent category does not exist; create it first");
			goto fail;
		}
	}
	if (name)
		str_copy(c.name, sizeof(c.name), name);
	for (int i = 0; i < 3; i++)
		c.minutes[i] = (int)mins[i];
	c.sort = (int)sort;
	c.enabled = (int)enabled;
	db = db_pool_get(a->pool);
	rc = db_begin(db, &e);
	if (rc == 0)
		rc = store_category_put(db, &c, &e);
	if (rc == 0) {
		char detail[160];

		snprintf(detail, sizeof(detail), "%s %s %d/%d/%d min%s", c.code, c.name, c.minutes[0],
		         c.minutes[1], c.minutes[2], c.enabled ? "" : " disabled");
		rc = audit_record(db, caller(req), AUDIT_CONFIG, "event_category", http_client_ip(req), "ok",
		                  detail, &e);
	}
	if (rc == 0)
		rc = db_commit(db, &e);
	if (rc < 0 && db_in_tx(db))
		db_rollback(db);
	db_pool_put(a->pool, db);
	if (rc < 0)
		goto fail;
	json_decref(body);
	{
		json_t *arr = json_array(), *one;

		cat_row(arr, &c);
		one = json_incref(json_array_get(arr, 0));
		json_decref(arr);
		return http_reply_json(req, exists ? 200 : 201, one);
	}
fail:
	json_decref(body);
	return http_reply_err(req, &e);
}

/* --------------------------------------------------------------- report */

static int string_array(json_t *body, const char *key, const char **out, int max, int *n,
                        struct err *e)
{
	json_t *arr = NULL, *v;
	size_t i;

	*n = 0;
	if (jsonx_array(body, key, 0, (size_t)max + 1, &arr, e) < 0)
		return -1;
	if (!arr)
		return 0;
	if (json_array_size(arr) > (size_t)max)
		return err_set_param(e, 400, "photo.too_many", key, "每次最多 %d 张照片", "at most %d photos",
		                     max);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v))
			return err_set_param(e, 400, "json.bad_type", key, "'%s' 必须是字符串数组",
			                     "'%s' must be an array of strings", key);
		out[(*n)++] = json_string_value(v);
	}
	return 0;
}

struct similar_ctx {
	json_t *arr;
};

/* A near-duplicate's fields, for the detail (jansson) and a report's
 * reply (text) alike. */
static void similar_fields(struct ev_sink *s, const struct event_near_rec *ev, double m)
{
	put_int(s, "id", ev->id);
	put_str(s, "title", ev->title);
	put_str(s, "status", ev->status);
	put_int(s, "distance_m", (int)(m + 0.5));
}

static int similar_row(void *ctx, const struct event_near_rec *ev, double m)
{
	struct similar_ctx *c = ctx;
	struct ev_sink s = {json_object(), NULL};

	similar_fields(&s, ev, m);
	json_array_append_new(c->arr, s.j);
	return 0;
}

/* The same list as JSON text, for a report's reply. */
static int similar_text_row(void *ctx, const struct event_near_rec *ev, double m)
{
	struct ev_sink s = {NULL, ctx};

	jw_obj(s.w);
	similar_fields(&s, ev, m);
	jw_obj_end(s.w);
	return 0;
}

static json_t *similar_json(struct db *db, const struct event_rec *ev)
{
	struct similar_ctx c = {json_array()};
	struct err e = ERR_INIT;

	if (ev_status_open((enum ev_status)ev_status_parse(ev->status)))
		events_near(db, ev, similar_row, &c, &e);
	return c.arr;
}

/* A report between its handler and its reply: the handler checks it and
 * hands it to the writer (events_report_submit), the request sleeps
 * (http_defer) and its server thread serves others; the writer's commit
 * resumes it and create_reply answers. Lives in the request's arena; the
 * body (whose strings n points into) and the report go with the request. */
struct create_ctx {
	struct http_req *req;
	struct event_new n;
	json_t *body;
	struct event_report *r;
	struct err e;                 /* the write's error */
	int rc;
};

static void create_done(void *ctx, int rc)
{
	struct create_ctx *c = ctx;

	c->rc = rc;
	http_resume(c->req);
}

static void create_release(void *ctx)
{
	struct create_ctx *c = ctx;

	json_decref(c->body);
	events_report_free(c->r);
}

static void create_reply(struct http_req *req, void *ctx)
{
	struct create_ctx *c = ctx;
	struct app *a = api_app(req);
	const struct principal *p = caller(req);
	struct event_rec *ev;
	struct category_rec cat;
	struct org_model *m;
	struct db *db;
	struct buf b;
	struct jsonw w;
	struct ev_sink sink = {NULL, NULL};
	char *text;
	size_t len;
	int rd, replayed;

	if (c->rc < 0) {
		http_reply_err(req, &c->e);
		return;
	}
	if (!(ev = malloc(sizeof(*ev)))) {
		http_reply_error(req, 500, "app.oom", "内存不足", "out of memory");
		return;
	}
	events_report_result(c->r, ev, &cat, &replayed);
	m = org_holder_get(&a->org);
	/* the category events_report read for its checks, not read again; a
	 * replay answers with the stored event, whose category is the body's
	 * (no step changes it today): should they ever differ, it is read */
	if (strcmp(cat.code, ev->category) != 0) {
		db = db_pool_get(a->pool);
		if (category_of(db, ev->category, &cat) != 0)
			memset(&cat, 0, sizeof(cat));
		db_pool_put(a->pool, db);
	}
	/* the reply is written as text straight away (lib/jsonw.h): the
	 * jansson tree and its dump were a third of a report's CPU here */
	buf_init(&b, REPLY_MAX);
	jw_init(&w, &b);
	sink.w = &w;
	jw_obj(&w);
	event_fields(&sink, ev, m, cat.code[0] ? cat.name : NULL, !is_resident_only(p));
	if (!is_resident_only(p)) {
		/* residents get no near-duplicates, and so take no connection */
		struct err ne = ERR_INIT;

		jw_key(&w, "similar");
		jw_arr(&w);
		if (ev_status_open((enum ev_status)ev_status_parse(ev->status))) {
			db = db_pool_get(a->pool);
			rd = db_read_begin(db);
			events_near(db, ev, similar_text_row, &w, &ne);
			db_read_end(db, rd);
			db_pool_put(a->pool, db);
		}
		jw_arr_end(&w);
	}
	jw_obj_end(&w);
	if (m)
		orgmodel_release(m);
	if (w.err) {
		free(ev);
		buf_release(&b);
		http_reply_error(req, 500, "internal.json", "内部错误：无法生成 JSON",
		                 "internal error: cannot build JSON");
		return;
	}
	if (replayed)
		http_add_header(req, "Idempotent-Replayed", "true");
	{
		char *loc = arena_alloc(&req->arena, 64);

		if (loc) {
			snprintf(loc, 64, "/api/v1/events/%lld", (long long)ev->id);
			http_add_header(req, "Location", loc);
		}
	}
	free(ev);
	text = buf_detach(&b, &len);
	http_reply_take(req, replayed ? 200 : 201, "application/json; charset=utf-8", text, len);
}

int api_event_create(struct http_req *req)
{
	static const char *const keys[] = {"category", "title", "description", "lon", "lat", "crs",
	                                   "address", "grid", "grid_reason", "urgency", "source",
	                                   "external_id", "reporter_name", "reporter_phone", "photos",
	                                   NULL};
	struct app *a = api_app(req);
	const struct principal *p = caller(req);
	struct create_ctx *c = arena_alloc(&req->arena, sizeof(*c));
	struct event_new *n;
	struct err e = ERR_INIT;
	const char *crs = NULL, *urgency = NULL, *key;
	unsigned char hash[crypto_hash_sha256_BYTES];
	json_t *body = NULL;

	if (!c)
		return http_reply_error(req, 500, "app.oom", "内存不足", "out of memory");
	memset(c, 0, sizeof(*c));
	c->req = req;
	err_clear(&c->e);
	n = &c->n;
	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)) || keys_ok(body, keys, &e) < 0)
		goto fail;
	if (jsonx_string(body, "category", 1, 32, &n->category, &e) < 0 ||
	    jsonx_string(body, "title", 0, EV_TITLE_MAX, &n->title, &e) < 0 ||
	    jsonx_string(body, "description", 1, EV_TEXT_MAX, &n->description, &e) < 0 ||
	    jsonx_number(body, "lon", 1, -180, 180, &n->lon, &e) < 0 ||
	    jsonx_number(body, "lat", 1, -90, 90, &n->lat, &e) < 0 ||
	    jsonx_string(body, "crs", 0, 16, &crs, &e) < 0 ||
	    jsonx_string(body, "address", 0, EV_ADDR_MAX, &n->address, &e) < 0 ||
	    jsonx_string(body, "grid", 0, 24, &n->grid, &e) < 0 ||
	    jsonx_string(body, "grid_reason", 0, EV_ADDR_MAX, &n->grid_reason, &e) < 0 ||
	    jsonx_string(body, "urgency", 0, 16, &urgency, &e) < 0 ||
	    jsonx_string(body, "source", 0, 16, &n->source, &e) < 0 ||
	    jsonx_string(body, "external_id", 0, EV_EXT_MAX, &n->external_id, &e) < 0 ||
	    jsonx_string(body, "reporter_name", 0, EV_NAME_MAX, &n->reporter_name, &e) < 0 ||
	    jsonx_string(body, "reporter_phone", 0, EV_PHONE_MAX, &n->reporter_phone, &e) < 0 ||
	    string_array(body, "photos", n->photos, EV_PHOTOS_MAX, &n->nphotos, &e) < 0)
		goto fail;
	n->crs = CRS_WGS84;
	if (crs && crs_parse(crs, &n->crs) < 0) {
		err_set_param(&e, 400, "param.invalid", "crs", "坐标系必须是 wgs84、gcj02 或 bd09",
		              "crs is wgs84, gcj02 or bd09");
		goto fail;
	}
	if (urgency && (n->urgency = ev_urgency_parse(urgency)) < 0) {
		err_set_param(&e, 400, "event.bad_field", "urgency", "紧急程度必须是 normal/urgent/critical",
		              "urgency is normal, urgent or critical");
		goto fail;
	}
	/* residents report as residents, whatever they send */
	if (is_resident_only(p))
		n->source = "resident";
	key = http_header(req, "Idempotency-Key");
	if (key) {
		size_t kl = strlen(key);
		int ok = kl >= 1 && kl <= IDEM_KEY_MAX;

		for (size_t i = 0; ok && i < kl; i++)
			ok = key[i] > 0x20 && key[i] < 0x7f;
		if (!ok) {
			err_set_param(&e, 400, "event.bad_idempotency_key", "Idempotency-Key",
			              "Idempotency-Key 必须是 1 到 128 个可见 ASCII 字符",
			              "Idempotency-Key is 1 to 128 visible ASCII characters");
			goto fail;
		}
		n->idem_key = key;
		/* the body's hash tells a replay from a reuse of the key; without
		 * a key nothing compares it */
		crypto_hash_sha256(hash, (const unsigned char *)(req->body ? req->body : ""), req->body_len);
		sodium_bin2hex(n->body_hash, sizeof(n->body_hash), hash, sizeof(hash));
	}
	n->ip = http_client_ip(req);
	if (events_report_begin(a, p, n, &c->r, &e) < 0)
		goto fail;
	/* from here the request owns body and report (create_release) */
	c->body = body;
	http_defer(req, create_reply, create_release, c);
	if (events_report_submit(a, c->r, &c->e, create_done, c) < 0)
		return http_reply_err(req, &c->e);   /* the deferral is off */
	return 0;
fail:
	json_decref(body);
	return http_reply_err(req, &e);
}

/* ----------------------------------------------------------------- read */

static int parse_id(struct http_req *req, int64_t *id)
{
	const char *s = http_param(req, "id");

	if (!s || parse_int64(s, 1, INT64_MAX, id) < 0) {
		http_reply_error(req, 404, "event.not_found", "找不到该事件", "no such event");
		return -1;
	}
	return 0;
}

struct timeline_ctx {
	json_t *arr;
	int full;
};

static int timeline_row(void *ctx, const struct event_log_rec *l)
{
	struct timeline_ctx *c = ctx;
	char at[TIME_ISO_MAX];
	int a = ev_action_parse(l->action);
	int from = ev_status_parse(l->from_status), to = ev_status_parse(l->to_status);
	json_t *j;

	if (!c->full && !l->public_step)
		return 0;
	j = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s}", "id", (json_int_t)l->id, "at",
	              time_iso((time_t)l->at, at), "action", l->action, "action_label",
	              a >= 0 ? ev_action_label((enum ev_action)a)
	              : strcmp(l->action, "warning") == 0 ? "预警"
	              : strcmp(l->action, "notify") == 0 ? "通知值班" : l->action,
	              "from", l->from_status ? json_string(l->from_status) : json_null(), "to", l->to_status);
	json_object_set_new(j, "to_label", json_string(to >= 0 ? ev_status_label((enum ev_status)to) : ""));
	if (from >= 0)
		json_object_set_new(j, "from_label", json_string(ev_status_label((enum ev_status)from)));
	str_or_null(j, "note", l->note);
	if (c->full) {
		str_or_null(j, "actor", l->actor_name);
		id_or_null(j, "actor_id", l->actor_id);
		str_or_null(j, "role", l->role);
		if (l->role)
			json_object_set_new(j, "role_label", json_string(role_label(role_parse(l->role))));
		str_or_null(j, "unit", l->unit_code);
		if (l->detail) {
			json_error_t je;
			json_t *d = json_loads(l->detail, 0, &je);

			json_object_set_new(j, "detail", d ? d : json_null());
		}
		json_object_set_new(j, "public", json_boolean(l->public_step));
	} else if (l->role) {
		/* residents see who acted by role, never by name */
		json_object_set_new(j, "actor", json_string(role_label(role_parse(l->role))));
	}
	if (l->photos) {
		json_t *ph = json_array();
		const char *s = l->photos;

		while (*s) {
			const char *c2 = strchr(s, ',');
			size_t len = c2 ? (size_t)(c2 - s) : strlen(s);

			json_array_append_new(ph, json_stringn(s, len));
			s += len + (c2 ? 1 : 0);
		}
		json_object_set_new(j, "photos", ph);
	}
	json_array_append_new(c->arr, j);
	return 0;
}

static int photo_row(void *ctx, const char *sha, const char *kind, int64_t log_id)
{
	char url[96];

	snprintf(url, sizeof(url), "/api/v1/photos/%s", sha);
	json_array_append_new(ctx, json_pack("{s:s, s:s, s:s}", "sha256", sha, "kind", kind, "url", url));
	(void)log_id;
	return 0;
}

static int sup_row(void *ctx, int64_t id, int level, const char *unit, int64_t actor,
                   const char *note, int64_t at)
{
	char ts[TIME_ISO_MAX];

	json_array_append_new(ctx, json_pack("{s:I, s:i, s:s, s:s, s:o, s:o, s:s}", "id", (json_int_t)id,
	                                     "level", level, "level_label",
	                                     level == 3 ? "红牌" : level == 2 ? "黄牌" : "普通", "unit", unit,
	                                     "actor_id", actor ? json_integer(actor) : json_null(), "note",
	                                     note ? json_string(note) : json_null(), "at",
	                                     time_iso((time_t)at, ts)));
	return 0;
}

static json_t *allowed_json(uint32_t bits)
{
	json_t *arr = json_array();

	for (int a = EA_ACCEPT; a < EA_NACTION; a++)
		if (bits & (1u << a))
			json_array_append_new(arr, json_pack("{s:s, s:s}", "action", ev_action_name((enum ev_action)a),
			                                     "label", ev_action_label((enum ev_action)a)));
	return arr;
}

/* GET /api/v1/events/:id/contact: the reporter's phone in full (pii.read). */
int api_event_contact(struct http_req *req)
{
	struct err e = ERR_INIT;
	char name[EV_NAME_MAX], phone[EV_PHONE_MAX];
	int64_t id;

	if (parse_id(req, &id) < 0)
		return 0;
	if (events_reporter_contact(api_app(req), caller(req), id, http_client_ip(req), name, sizeof(name),
	                            phone, sizeof(phone), &e) < 0)
		return http_reply_err(req, &e);
	return http_reply_json(req, 200, json_pack("{s:I, s:o, s:o}", "id", (json_int_t)id,
	                                           "reporter_name", name[0] ? json_string(name) : json_null(),
	                                           "reporter_phone", phone[0] ? json_string(phone) : json_null()));
}

int api_event_get(struct http_req *req)
{
	struct app *a = api_app(req);
	const struct principal *p = caller(req);
	struct event_rec *ev = malloc(sizeof(*ev));
	struct category_rec cat;
	struct err e = ERR_INIT;
	struct org_model *m;
	struct db *db;
	struct timeline_ctx tl;
	struct ev_facts f;
	int64_t id;
	int full = !is_resident_only(p), rd;
	json_t *j;

	if (!ev)
		return http_reply_error(req, 500, "app.oom", "内存不足", "out of memory");
	if (parse_id(req, &id) < 0) {
		free(ev);
		return 0;
	}
	db = db_pool_get(a->pool);
	rd = db_read_begin(db);           /* the event and all around it on one snapshot */
	if (events_get(db, p, id, ev, &e) < 0) {
		db_read_end(db, rd);
		db_pool_put(a->pool, db);
		free(ev);
		return http_reply_err(req, &e);
	}
	m = org_holder_get(&a->org);
	j = event_json(ev, m, category_of(db, ev->category, &cat) == 0 ? cat.name : NULL, full);
	tl.arr = json_array();
	tl.full = full;
	store_event_log_list(db, ev->id, timeline_row, &tl, &e);
	json_object_set_new(j, "timeline", tl.arr);
	{
		json_t *ph = json_array();

		store_event_photos(db, ev->id, photo_row, ph, &e);
		json_object_set_new(j, "photos", ph);
	}
	events_facts(db, ev, &f);
	json_object_set_new(j, "allowed", allowed_json(ev_allowed(&f, events_caps(p, ev))));
	if (full) {
		json_t *sup = json_array();

		store_supervisions(db, ev->id, sup_row, sup, &e);
		json_object_set_new(j, "supervisions", sup);
		json_object_set_new(j, "similar", similar_json(db, ev));
	}
	db_read_end(db, rd);
	db_pool_put(a->pool, db);
	if (m)
		orgmodel_release(m);
	free(ev);
	if (err_isset(&e))
		return http_reply_err(req, &e);
	return http_reply_json(req, 200, j);
}

/* The queue. */
struct queue_ctx {
	json_t *arr;
	json_t *cats;                    /* category code -> name */
	const struct org_model *m;
	int full;
	int n;
	int64_t last_key, last_id;
	int sort;
};

static int queue_row(void *ctx, const struct event_rec *ev)
{
	struct queue_ctx *c = ctx;
	json_t *j = event_json(ev, c->m, name_in(c->cats, ev->category), c->full);

	json_object_del(j, "description");
	json_array_append_new(c->arr, j);
	c->n++;
	c->last_id = ev->id;
	c->last_key = c->sort == EV_SORT_DEADLINE ? (ev->deadline_at ? ev->deadline_at : INT64_MAX)
	              : ev->created_at;
	return 0;
}

/* "after" cursor: "<key>.<id>" */
static int parse_cursor(const char *s, int64_t *key, int64_t *id)
{
	const char *dot = s ? strchr(s, '.') : NULL;
	char k[24];

	if (!dot || dot - s >= (long)sizeof(k) || dot == s)
		return -1;
	memcpy(k, s, (size_t)(dot - s));
	k[dot - s] = '\0';
	return parse_int64(k, INT64_MIN, INT64_MAX, key) < 0 || parse_int64(dot + 1, 1, INT64_MAX, id) < 0
	       ? -1 : 0;
}

static int parse_day(const char *s, int64_t *out)
{
	struct tm tm;
	int y, mo, d;
	char extra;

	if (!s || sscanf(s, "%4d-%2d-%2d%c", &y, &mo, &d, &extra) != 3 || y < 2000 || y > 2100 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	*out = (int64_t)timegm(&tm) - 8 * 3600;       /* midnight, China time */
	return 0;
}

/* The queue's filters from the query string, narrowed to the caller's
 * view; -1 when a reply (400/404) was sent. limit_max: the largest page. */
static int queue_filter(struct http_req *req, struct event_filter *f, char *scope, size_t n,
                        long long limit_default, long long limit_max)
{
	const struct principal *p = caller(req);
	struct err e = ERR_INIT;
	const char *s;
	long long limit;

	memset(f, 0, sizeof(*f));
	f->warning = -1;
	if (api_query_int_or_reply(req, "limit", limit_default, 1, limit_max, &limit) < 0)
		return -1;
	f->limit = (int)limit;
	if ((s = http_query(req, "status"))) {
		/* comma-separated list of statuses, or "open" */
		char *copy = arena_strdup(&req->arena, s), *save = NULL, *tok;
		int k = 0;

		if (!copy)
			return (http_reply_error(req, 500, "app.oom", "内存不足", "out of memory"), -1);
		if (strcmp(s, "open") == 0) {
			static const char *const open[] = {"reported", "handling", "escalated", "registered",
			                                   "dispatched", "verifying", "verified"};
			for (k = 0; k < 7; k++)
				f->status[k] = open[k];
		} else {
			for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
				if (ev_status_parse(tok) < 0 || k >= 11)
					return (http_reply_error(req, 400, "param.invalid", "status 取值无效",
					                        "status is a list of known statuses, or 'open'"), -1);
				f->status[k++] = tok;
			}
		}
	}
	if ((s = http_query(req, "loop"))) {
		if (strcmp(s, "internal") && strcmp(s, "external"))
			return (http_reply_error(req, 400, "param.invalid", "loop 必须是 internal 或 external",
			                        "loop is internal or external"), -1);
		f->loop = s;
	}
	if ((s = http_query(req, "category"))) {
		if (!event_category_code_ok(s))
			return (http_reply_error(req, 400, "param.invalid", "category 格式无效",
			                        "category is a category code"), -1);
		f->category = s;
	}
	if ((s = http_query(req, "source"))) {
		if (!ev_source_ok(s))
			return (http_reply_error(req, 400, "param.invalid", "source 取值无效",
			                        "source is patrol, resident, wechat, hotline or assigned"), -1);
		f->source = s;
	}
	if ((s = http_query(req, "from")) && parse_day(s, &f->from) < 0)
		return (http_reply_error(req, 400, "param.invalid", "from 必须是 YYYY-MM-DD",
		                        "from is a date YYYY-MM-DD"), -1);
	if ((s = http_query(req, "to"))) {
		if (parse_day(s, &f->to) < 0)
			return (http_reply_error(req, 400, "param.invalid", "to 必须是 YYYY-MM-DD",
			                        "to is a date YYYY-MM-DD"), -1);
		f->to += 24 * 3600;                         /* inclusive day */
	}
	if ((s = http_query(req, "warning"))) {
		if (strcmp(s, "yellow") == 0)
			f->warning = 1;
		else if (strcmp(s, "red") == 0)
			f->warning = 2;
		else if (strcmp(s, "any") == 0)
			f->min_warning = 1;
		else if (strcmp(s, "none") == 0)
			f->warning = 0;
		else
			return (http_reply_error(req, 400, "param.invalid", "warning 必须是 none/yellow/red/any",
			                        "warning is none, yellow, red or any"), -1);
	}
	if ((s = http_query(req, "supervised")))
		f->supervised = strcmp(s, "1") == 0 || strcmp(s, "true") == 0;
	if ((s = http_query(req, "pending")))
		f->pending = strcmp(s, "1") == 0 || strcmp(s, "true") == 0;
	if ((s = http_query(req, "assignee"))) {
		if (strcmp(s, "me") == 0)
			f->assignee_id = p->account_id;
		else if (parse_int64(s, 1, INT64_MAX, &f->assignee_id) < 0)
			return (http_reply_error(req, 400, "param.invalid", "assignee 必须是账号 id 或 me",
			                        "assignee is an account id or 'me'"), -1);
	}
	if ((s = http_query(req, "mine")) && strcmp(s, "1") == 0)
		f->reporter_id = p->account_id;
	if ((s = http_query(req, "q"))) {
		if (strlen(s) > 64 || !str_valid_utf8(s, strlen(s)))
			return (http_reply_error(req, 400, "param.invalid", "q 不超过 64 字节",
			                        "q is at most 64 bytes of text"), -1);
		f->q = s;
	}
	if ((s = http_query(req, "sort"))) {
		if (strcmp(s, "deadline") == 0)
			f->sort = EV_SORT_DEADLINE;
		else if (strcmp(s, "newest") != 0)
			return (http_reply_error(req, 400, "param.invalid", "sort 必须是 newest 或 deadline",
			                        "sort is newest or deadline"), -1);
	}
	if ((s = http_query(req, "after")) && parse_cursor(s, &f->after_key, &f->after_id) < 0)
		return (http_reply_error(req, 400, "param.invalid", "after 游标无效",
		                        "after is the next_cursor of the previous page"), -1);
	if (events_scope_filter(p, http_query(req, "unit"), f, scope, n, &e) < 0)
		return (http_reply_err(req, &e), -1);
	return 0;
}

int api_event_list(struct http_req *req)
{
	struct app *a = api_app(req);
	const struct principal *p = caller(req);
	struct event_filter f;
	struct queue_ctx c = {0};
	struct err e = ERR_INIT;
	char scope[EV_CODE_MAX], cursor[64];
	const char *s;
	struct org_model *m;
	struct db *db;
	int rc;
	json_t *j;

	if (queue_filter(req, &f, scope, sizeof(scope), QUEUE_DEFAULT, QUEUE_MAX) < 0)
		return 0;

	m = org_holder_get(&a->org);
	c.arr = json_array();
	c.m = m;
	c.full = !is_resident_only(p);
	c.sort = f.sort;
	db = db_pool_get(a->pool);
	c.cats = api_category_names(db, &e);   /* a few dozen rows, once a request */
	rc = c.cats ? store_event_query(db, &f, queue_row, &c, &e) : -1;
	db_pool_put(a->pool, db);
	json_decref(c.cats);
	if (m)
		orgmodel_release(m);
	if (rc < 0) {
		json_decref(c.arr);
		return http_reply_err(req, &e);
	}
	j = json_pack("{s:o}", "events", c.arr);
	if ((s = http_query(req, "count")) && strcmp(s, "1") == 0) {
		/* count=1: how many match the filters in all (the workbench's tab counts) */
		int64_t total = 0;

		db = db_pool_get(a->pool);
		rc = store_event_count(db, &f, &total, &e);
		db_pool_put(a->pool, db);
		if (rc < 0) {
			json_decref(j);
			return http_reply_err(req, &e);
		}
		json_object_set_new(j, "count", json_integer(total));
	}
	if (c.n == f.limit) {
		snprintf(cursor, sizeof(cursor), "%lld.%lld", (long long)c.last_key, (long long)c.last_id);
		json_object_set_new(j, "next_cursor", json_string(cursor));
	} else {
		json_object_set_new(j, "next_cursor", json_null());
	}
	return http_reply_json(req, 200, j);
}

/* ---------------------------------------------------------------- steps */

int api_event_step(struct http_req *req)
{
	static const char *const keys[] = {"action", "note", "result", "minutes", "rating",
	                                   "supervision", "dept", "unit", "account", "master",
	                                   "version", "photos", NULL};
	struct app *a = api_app(req);
	const struct principal *p = caller(req);
	struct event_step_in in;
	struct event_rec *ev = NULL;
	struct category_rec cat;
	struct err e = ERR_INIT;
	const char *action = NULL;
	int64_t id, minutes = 0, rating = 0, sup = 0, account = 0, master = 0, version = 0;
	struct org_model *m;
	struct db *db;
	struct ev_facts f;
	json_t *body = NULL, *j;
	int act;

	memset(&in, 0, sizeof(in));
	if (parse_id(req, &id) < 0)
		return 0;
	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)) || keys_ok(body, keys, &e) < 0)
		goto fail;
	if (jsonx_string(body, "action", 1, 32, &action, &e) < 0 ||
	    jsonx_string(body, "note", 0, EV_TEXT_MAX, &in.note, &e) < 0 ||
	    jsonx_string(body, "result", 0, EV_TEXT_MAX, &in.result, &e) < 0 ||
	    jsonx_int(body, "minutes", 0, 1, EV_EXTEND_MAX_MINUTES, &minutes, &e) < 0 ||
	    jsonx_int(body, "rating", 0, 1, 3, &rating, &e) < 0 ||
	    jsonx_int(body, "supervision", 0, 1, 3, &sup, &e) < 0 ||
	    jsonx_string(body, "dept", 0, 32, &in.dept, &e) < 0 ||
	    jsonx_string(body, "unit", 0, 24, &in.unit, &e) < 0 ||
	    jsonx_int(body, "account", 0, 1, INT64_MAX, &account, &e) < 0 ||
	    jsonx_int(body, "master", 0, 1, INT64_MAX, &master, &e) < 0 ||
	    jsonx_int(body, "version", 0, 1, INT64_MAX, &version, &e) < 0 ||
	    string_array(body, "photos", in.photos, EV_PHOTOS_MAX, &in.nphotos, &e) < 0)
		goto fail;
	act = ev_action_parse(action);
	if (act <= EA_REPORT) {
		err_set_param(&e, 400, "event.bad_action", "action", "未知的操作 '%.32s'",
		              "unknown action '%.32s'", action);
		goto fail;
	}
	in.action = (enum ev_action)act;
	in.minutes = (int)minutes;
	in.rating = (int)rating;
	in.supervision = (int)sup;
	in.account = account;
	in.master = master;
	in.version = version;
	in.ip = http_client_ip(req);
	if (!(ev = malloc(sizeof(*ev)))) {
		err_set(&e, 500, "app.oom", "内存不足", "out of memory");
		goto fail;
	}
	if (events_step(a, p, id, &in, ev, &e) < 0)
		goto fail;
	json_decref(body);
	m = org_holder_get(&a->org);
	db = db_pool_get(a->pool);
	j = event_json(ev, m, category_of(db, ev->category, &cat) == 0 ? cat.name : NULL,
	               !is_resident_only(p));
	events_facts(db, ev, &f);
	json_object_set_new(j, "allowed", allowed_json(ev_allowed(&f, events_caps(p, ev))));
	db_pool_put(a->pool, db);
	if (m)
		orgmodel_release(m);
	free(ev);
	return http_reply_json(req, 200, j);
fail:
	free(ev);
	json_decref(body);
	return http_reply_err(req, &e);
}

/* ------------------------------------------------------ hotline import */

/* POST /api/v1/events/import: a CSV of 12345 work orders (app/hotline.h). */
int api_event_import(struct http_req *req)
{
	struct err e = ERR_INIT;
	json_t *report = NULL;

	if (!req->body || req->body_len == 0)
		return http_reply_error(req, 400, "csv.invalid", "请上传 CSV 文件", "send the CSV file as the body");
	if (!str_valid_utf8(req->body, req->body_len))
		return http_reply_error(req, 400, "csv.encoding", "CSV 必须是 UTF-8 编码（Excel 请另存为“CSV UTF-8”）",
		                        "the CSV must be UTF-8 (in Excel: save as 'CSV UTF-8')");
	if (hotline_import(api_app(req), caller(req), req->body, req->body_len, http_client_ip(req), &report,
	                   &e) < 0) {
		json_t *j = jsonx_error(&e);

		if (report)
			json_object_update(json_object_get(j, "error"), report);
		json_decref(report);
		return http_reply_json(req, e.status, j);
	}
	return http_reply_json(req, 200, report);
}

/* -------------------------------------------------------------- export */

#define EVENTS_EXPORT_MAX 200000
#define EXPORT_PAGE 1000

struct export_ctx {
	struct export *x;
	json_t *cats;                    /* category code -> name */
	json_t *depts;                   /* department code -> name */
	const struct org_model *m;
	int n;
	int64_t last_key, last_id;
	int sort;
};

static int dept_name_row(void *ctx, const struct department_rec *d)
{
	json_object_set_new(ctx, d->code, json_string(d->name));
	return 0;
}

/* Department code -> name. */
static json_t *department_names(struct db *db, struct err *e)
{
	json_t *o = json_object();

	if (store_department_list(db, dept_name_row, o, e) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *name_or_code(const struct org_model *m, const char *code)
{
	const char *n = unit_name(m, code);

	return n ? n : code;
}

static void export_time(struct export *x, int64_t t)
{
	char buf[32];
	time_t local = (time_t)(t + 8 * 3600);
	struct tm tm;

	if (!t) {
		export_empty(x);
		return;
	}
	gmtime_r(&local, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M", &tm);
	export_text(x, buf);
}

static int export_row(void *ctx, const struct event_rec *ev)
{
	struct export_ctx *c = ctx;
	enum ev_status st = (enum ev_status)ev_status_parse(ev->status);
	char town[12], comm[16];

	snprintf(town, sizeof(town), "%.9s", ev->grid);
	snprintf(comm, sizeof(comm), "%.12s", ev->grid);
	export_integer(c->x, ev->id);
	export_text(c->x, ev_status_label(st) ? ev_status_label(st) : ev->status);
	export_text(c->x, name_in(c->cats, ev->category) ? name_in(c->cats, ev->category) : ev->category);
	export_text(c->x, ev->title);
	export_text(c->x, ev_source_label(ev->source));
	export_text(c->x, ev_urgency_label(ev->urgency));
	export_text(c->x, name_or_code(c->m, town));
	export_text(c->x, name_or_code(c->m, comm));
	export_text(c->x, name_or_code(c->m, ev->grid));
	export_text(c->x, ev->address);
	export_text(c->x, strcmp(ev->loop, "external") == 0 ? "外循环" : "内循环");
	/* a department, or a town whose office it was dispatched to */
	export_text(c->x, name_in(c->depts, ev->dept) ? name_in(c->depts, ev->dept) : name_or_code(c->m, ev->dept));
	export_time(c->x, ev->created_at);
	export_time(c->x, ev->deadline_at);
	export_time(c->x, ev->due_at);
	export_time(c->x, ev->closed_at);
	export_text(c->x, ev->overdue ? "是" : "否");
	export_integer(c->x, ev->supervision);
	export_integer(c->x, ev->rework_count);
	if (ev->rating)
		export_text(c->x, ev->rating == 1 ? "满意" : ev->rating == 2 ? "基本满意" : "不满意");
	else
		export_empty(c->x);
	export_text(c->x, ev->external_id);
	export_end_row(c->x);
	c->n++;
	c->last_id = ev->id;
	c->last_key = c->sort == EV_SORT_DEADLINE ? ev->deadline_at : ev->created_at;
	return 0;
}

/* GET /api/v1/events/export?format=csv|xlsx&<the queue's filters>: the
 * whole list the filters select (at most 200,000 rows), for Excel. */
int api_event_export(struct http_req *req)
{
	static const char *const headers[] = {
		"编号", "状态", "类别", "标题", "来源", "紧急程度", "镇街", "村/社区", "网格", "地址",
		"循环", "派遣部门", "上报时间", "本环节期限", "应办结时间", "办结时间", "超期", "督办级别",
		"返工次数", "群众评价", "12345工单号",
	};
	struct app *a = api_app(req);
	struct event_filter f;
	struct export_ctx c = {0};
	struct err e = ERR_INIT;
	enum export_format fmt = EXPORT_CSV;
	char scope[EV_CODE_MAX], *data = NULL;
	const char *ctype = NULL, *disp;
	size_t len = 0;
	struct org_model *m;
	struct db *db;
	int rc = 0;

	if (is_resident_only(caller(req)))
		return http_reply_error(req, 403, "auth.forbidden", "无权导出", "residents may not export lists");
	if (export_format_parse(http_query(req, "format"), &fmt) < 0)
		return http_reply_error(req, 400, "param.invalid", "format 必须是 csv 或 xlsx",
		                        "format is csv or xlsx");
	if (queue_filter(req, &f, scope, sizeof(scope), EXPORT_PAGE, EXPORT_PAGE) < 0)
		return 0;
	f.limit = EXPORT_PAGE;
	if (!(c.x = export_begin(fmt, "事件", headers, sizeof(headers) / sizeof(headers[0]), &e)))
		return http_reply_err(req, &e);
	m = org_holder_get(&a->org);
	c.m = m;
	c.sort = f.sort;
	db = db_pool_get(a->pool);
	/* the cells name categories and departments as the workbench does */
	if (!(c.cats = api_category_names(db, &e)) || !(c.depts = department_names(db, &e)))
		rc = -1;
	/* page through with the queue's own keyset cursor */
	while (rc == 0) {
		int before = c.n;

		if ((rc = store_event_query(db, &f, export_row, &c, &e)) < 0)
			break;
		if (c.n - before < EXPORT_PAGE || c.n >= EVENTS_EXPORT_MAX)
			break;
		f.after_key = c.last_key;
		f.after_id = c.last_id;
	}
	db_pool_put(a->pool, db);
	json_decref(c.cats);
	json_decref(c.depts);
	if (m)
		orgmodel_release(m);
	if (rc < 0) {
		export_free(c.x);
		return http_reply_err(req, &e);
	}
	if (export_finish(c.x, &data, &len, &ctype, &e) < 0)
		return http_reply_err(req, &e);
	disp = export_disposition(&req->arena, "网格事件", fmt);
	if (disp)
		http_add_header(req, "Content-Disposition", disp);
	return http_reply_take(req, 200, ctype, data, len);
}
