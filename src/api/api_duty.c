/*
 * api_duty.c - the duty rota of the command centres (值班安排).
 *
 *   GET    /api/v1/duty/now?unit=CODE                     who is on duty now
 *   GET    /api/v1/duty/calendar?centre=&from=&to=        resolved shifts per day
 *   GET    /api/v1/duty/gaps?unit=&days=                  shifts with nobody on duty
 *   GET    /api/v1/duty/centres/:code/pattern             the weekly pattern
 *   PUT    /api/v1/duty/centres/:code/pattern             replace it from a date
 *   POST   /api/v1/duty/centres/:code/exceptions          a dated exception
 *   DELETE /api/v1/duty/centres/:code/exceptions/:id
 *   GET    /api/v1/duty/swaps?centre=&status=&before=&limit=
 *   POST   /api/v1/duty/swaps                             ask for a swap
 *   POST   /api/v1/duty/swaps/:id/decision                approve or reject (command)
 *   GET    /api/v1/duty/log?centre=&from=&to=&shift=      shift log and hand-over notes
 *   POST   /api/v1/duty/log
 *   GET    /api/v1/duty/people?centre=                    staff to pick (appended below)
 *   GET    /api/v1/duty/exceptions?centre=&from=&to=      dated exceptions
 *
 * Roles are in routes.c; the rules and the scope checks in app/duty.c.
 * This file turns requests into calls.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/duty.h"
#include "domain/unit_code.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "store/store_account.h"
#include "lib/banned.h"

#define SWAP_LIST_DEFAULT 50
#define SWAP_LIST_MAX 200

/* ---------------------------------------------------------- helpers */

/* A date query parameter (default def when absent); 400 replied and -1 on
 * a bad one. */
static int date_query_or_reply(struct http_req *req, const char *name, int64_t def, int64_t *out)
{
	const char *s = http_query(req, name);
	struct err e = ERR_INIT;

	*out = def;
	if (!s)
		return 0;
	if (duty_date_parse(s, out) == 0)
		return 0;
	err_set_param(&e, 400, "param.invalid", name, "参数 '%s' 须为日期 YYYY-MM-DD",
	              "parameter '%s' must be a date YYYY-MM-DD", name);
	http_reply_err(req, &e);
	return -1;
}

/* A required code-like query parameter; 400 replied and NULL when absent. */
static const char *code_query_or_reply(struct http_req *req, const char *name)
{
	const char *s = http_query(req, name);
	struct err e = ERR_INIT;

	if (s && *s)
		return s;
	err_set_param(&e, 400, "param.missing", name, "缺少参数 '%s'", "missing parameter '%s'", name);
	http_reply_err(req, &e);
	return NULL;
}

static int id_or_reply(struct http_req *req, const char *name, int64_t *out)
{
	struct err e = ERR_INIT;

	if (parse_int64(http_param(req, name), 1, INT64_MAX, out) == 0)
		return 0;
	err_set_param(&e, 400, "param.invalid", name, "编号 '%s' 无效", "invalid id '%s'", name);
	http_reply_err(req, &e);
	return -1;
}

static int64_t current_day(void)
{
	enum duty_shift c[2];
	int64_t day;

	duty_shifts_at(time(NULL), &day, c);
	return day;
}

/* A date field of a JSON body: 0 and *out untouched when absent. */
static int body_date(json_t *body, const char *key, int required, int64_t *out, struct err *e)
{
	const char *s = NULL;

	if (jsonx_string(body, key, required, 10, &s, e) < 0)
		return -1;
	if (s && duty_date_parse(s, out) < 0)
		return err_set_param(e, 400, "field.invalid", key, "字段 '%s' 须为日期 YYYY-MM-DD",
		                     "field '%s' must be a date YYYY-MM-DD", key);
	return 0;
}

/* A shift field: DUTY_SHIFT_NONE when absent and not required. */
static int body_shift(json_t *body, const char *key, int required, enum duty_shift *out,
                      struct err *e)
{
	const char *s = NULL;

	*out = DUTY_SHIFT_NONE;
	if (jsonx_string(body, key, required, 8, &s, e) < 0)
		return -1;
	if (s && !(*out = duty_shift_parse(s)))
		return err_set_param(e, 400, "field.invalid", key, "字段 '%s' 须为 day、night 或 full",
		                     "field '%s' must be day, night or full", key);
	return 0;
}

/* A pool connection and the org snapshot (never NULL once the server
 * serves: app_open loads the first one; without one every unit reads as
 * not found). */
#define WITH_DB(req, m, db) \
	struct org_model *m = org_holder_get(&api_app(req)->org); \
	struct db *db = db_pool_get(api_app(req)->pool)

#define DONE_DB(req, m, db) \
	do { \
		db_pool_put(api_app(req)->pool, db); \
		orgmodel_release(m); \
	} while (0)

static void actor_init(struct http_req *req, struct duty_actor *a, const struct org_model *m)
{
	a->p = req->auth;
	a->ip = http_client_ip(req);
	a->org = m;
}

/* -------------------------------------------------------------- now */

int api_duty_now(struct http_req *req)
{
	const char *unit = code_query_or_reply(req, "unit");
	struct err e = ERR_INIT;
	struct duty_now n;
	int rc;

	if (!unit)
		return 0;
	WITH_DB(req, m, db);
	rc = duty_unit_check(req->auth, m, unit, 1, "unit", &e);
	if (rc == 0)
		rc = duty_now(db, m, unit, time(NULL), &n, &e);
	DONE_DB(req, m, db);
	if (rc < 0)
		return http_reply_err(req, &e);
	return http_reply_json(req, 200, duty_now_json(&n));
}

/* ------------------------------------------------- calendar and gaps */

int api_duty_calendar(struct http_req *req)
{
	const char *centre = code_query_or_reply(req, "centre");
	struct duty_actor a;
	struct err e = ERR_INIT;
	int64_t from, to;
	json_t *out = NULL;
	int rc;

	if (!centre || date_query_or_reply(req, "from", current_day(), &from) < 0 ||
	    date_query_or_reply(req, "to", from + 6, &to) < 0)
		return 0;
	WITH_DB(req, m, db);
	actor_init(req, &a, m);
	rc = duty_calendar(db, &a, centre, from, to, &out, &e);
	DONE_DB(req, m, db);
	return rc < 0 ? http_reply_err(req, &e) : http_reply_json(req, 200, out);
}

int api_duty_gaps(struct http_req *req)
{
	const char *unit = code_query_or_reply(req, "unit");
	struct duty_actor a;
	struct err e = ERR_INIT;
	long long days;
	json_t *out = NULL;
	int rc;

	if (!unit || api_query_int_or_reply(req, "days", 7, 1, DUTY_GAP_DAYS_MAX, &days) < 0)
		return 0;
	WITH_DB(req, m, db);
	actor_init(req, &a, m);
	rc = duty_gaps_list(db, &a, unit, (int)days, time(NULL), &out, &e);
	DONE_DB(req, m, db);
	return rc < 0 ? http_reply_err(req, &e) : http_reply_json(req, 200, out);
}

/* ---------------------------------------------------------- pattern */

int api_duty_pattern_get(struct http_req *req)
{
	struct duty_actor a;
	struct err e = ERR_INIT;
	json_t *out = NULL;
	int rc;

	WITH_DB(req, m, db);
	actor_init(req, &a, m);
	rc = duty_pattern_get(db, &a, http_param(req, "code"), time(NULL), &out, &e);
	DONE_DB(req, m, db);
	return rc < 0 ? http_reply_err(req, &e) : http_reply_json(req, 200, out);
}

/* The ids of a people array into ids[] (at most DUTY_SLOT_MAX). */
static int people(json_t *slot, const char *key, int64_t *ids, int *n, struct err *e)
{
	json_t *arr = NULL, *v;
	size_t i;

	*n = 0;
	if (jsonx_array(slot, key, 0, DUTY_SLOT_MAX, &arr, e) < 0)
		return -1;
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return err_set_param(e, 400, "field.type", key, "字段 '%s' 须为人员编号数组",
			                     "field '%s' must be an array of person ids", key);
		ids[(*n)++] = json_integer_value(v);
	}
	return 0;
}

static int slot_spec(json_t *v, struct duty_slot_spec *s, struct err *e)
{
	static const char *const keys[] = {"weekday", "shift", "leaders", "officers", NULL};
	const char *key;
	json_t *x;
	int64_t wd = 0;

	memset(s, 0, sizeof(*s));
	if (!json_is_object(v))
		return err_set_param(e, 400, "field.type", "slots",
		                     "班次须为对象 {weekday, shift, leaders, officers}",
		                     "a slot must be an object {weekday, shift, leaders, officers}");
	json_object_foreach(v, key, x) {
		int ok = 0;
		for (int i = 0; keys[i]; i++)
			ok |= !strcmp(key, keys[i]);
		if (!ok)
			return err_set_param(e, 400, "field.unknown", "slots", "未知字段 '%.40s'",
			                     "unknown field '%.40s'", key);
	}
	if (jsonx_int(v, "weekday", 1, 1, 7, &wd, e) < 0 || body_shift(v, "shift", 1, &s->shift, e) < 0 ||
	    people(v, "leaders", s->leaders, &s->nleaders, e) < 0 ||
	    people(v, "officers", s->officers, &s->nofficers, e) < 0)
		return -1;
	s->weekday = (int)wd;
	return 0;
}

int api_duty_pattern_put(struct http_req *req)
{
	struct duty_slot_spec *slots = NULL;
	struct duty_actor a;
	struct err e = ERR_INIT;
	json_t *body, *arr = NULL;
	int64_t starts = current_day();
	int n = 0, rows = 0, rc = -1;
	size_t i;

	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	if (body_date(body, "starts_on", 0, &starts, &e) < 0 ||
	    jsonx_array(body, "slots", 1, DUTY_PATTERN_SLOTS_MAX, &arr, &e) < 0)
		goto out;
	if (!(slots = calloc(json_array_size(arr) + 1, sizeof(*slots)))) {
		err_set(&e, 500, "internal.oom", "内存不足", "out of memory");
		goto out;
	}
	for (i = 0; i < json_array_size(arr); i++, n++)
		if (slot_spec(json_array_get(arr, i), &slots[i], &e) < 0)
			goto out;
	{
		WITH_DB(req, m, db);
		actor_init(req, &a, m);
		rc = duty_pattern_set(db, &a, http_param(req, "code"), starts, slots, n, time(NULL), &rows, &e);
		DONE_DB(req, m, db);
	}
out:
	free(slots);
	json_decref(body);
	if (rc < 0)
		return http_reply_err(req, &e);
	return http_reply_json(req, 200, json_pack("{s:s, s:i}", "centre", http_param(req, "code"), "rows", rows));
}

/* ------------------------------------------------------- exceptions */

int api_duty_exception_add(struct http_req *req)
{
	static const char *const keys[] = {"date", "shift", "action", "role", "person_id", "note", NULL};
	struct duty_exception_spec s;
	struct duty_actor a;
	struct err e = ERR_INIT;
	const char *action = NULL, *role = NULL, *key;
	json_t *body, *v;
	int64_t id = 0;
	int rc = -1;

	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	memset(&s, 0, sizeof(s));
	json_object_foreach(body, key, v) {
		int ok = 0;
		for (int i = 0; keys[i]; i++)
			ok |= !strcmp(key, keys[i]);
		if (!ok) {
			err_set_param(&e, 400, "field.unknown", "body", "未知字段 '%.40s'", "unknown field '%.40s'", key);
			goto out;
		}
	}
	if (body_date(body, "date", 1, &s.day, &e) < 0 || body_shift(body, "shift", 1, &s.shift, &e) < 0 ||
	    jsonx_string(body, "action", 1, 8, &action, &e) < 0 ||
	    jsonx_string(body, "role", 0, 8, &role, &e) < 0 ||
	    jsonx_int(body, "person_id", 0, 1, INT64_MAX, &s.person_id, &e) < 0 ||
	    jsonx_string(body, "note", 0, DUTY_NOTE_MAX - 1, &s.note, &e) < 0)
		goto out;
	if (s.note && !str_valid_utf8(s.note, strlen(s.note))) {
		err_set_param(&e, 400, "field.invalid", "note", "字段 'note' 须为文本", "field 'note' must be text");
		goto out;
	}
	s.action = duty_ex_parse(action);
	s.role = duty_role_parse(role);
	if (role && !s.role) {
		err_set_param(&e, 400, "field.invalid", "role", "角色须为 leader 或 officer",
		              "role must be leader or officer");
		goto out;
	}
	{
		WITH_DB(req, m, db);
		actor_init(req, &a, m);
		rc = duty_exception_add(db, &a, http_param(req, "code"), &s, time(NULL), &id, &e);
		DONE_DB(req, m, db);
	}
out:
	json_decref(body);
	if (rc < 0)
		return http_reply_err(req, &e);
	return http_reply_json(req, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

int api_duty_exception_delete(struct http_req *req)
{
	struct duty_actor a;
	struct err e = ERR_INIT;
	int64_t id;
	int rc;

	if (id_or_reply(req, "id", &id) < 0)
		return 0;
	WITH_DB(req, m, db);
	actor_init(req, &a, m);
	rc = duty_exception_delete(db, &a, http_param(req, "code"), id, time(NULL), &e);
	DONE_DB(req, m, db);
	return rc < 0 ? http_reply_err(req, &e) : http_reply_json(req, 200, json_pack("{s:b}", "ok", 1));
}

/* ------------------------------------------------------------ swaps */

int api_duty_swap_list(struct http_req *req)
{
	const char *centre = code_query_or_reply(req, "centre");
	const char *status = http_query(req, "status");
	struct duty_actor a;
	struct err e = ERR_INIT;
	long long before, limit;
	json_t *out = NULL;
	int rc;

	if (!centre || api_query_int_or_reply(req, "before", 0, 0, INT64_MAX, &before) < 0 ||
	    api_query_int_or_reply(req, "limit", SWAP_LIST_DEFAULT, 1, SWAP_LIST_MAX, &limit) < 0)
		return 0;
	WITH_DB(req, m, db);
	actor_init(req, &a, m);
	rc = duty_swap_list(db, &a, centre, status, before, (int)limit, &out, &e);
	DONE_DB(req, m, db);
	return rc < 0 ? http_reply_err(req, &e) : http_reply_json(req, 200, out);
}

int api_duty_swap_create(struct http_req *req)
{
	static const char *const keys[] = {"centre", "date", "shift", "from_person_id", "to_person_id",
	                                   "back_date", "back_shift", "reason", NULL};
	struct duty_swap_spec s;
	struct duty_actor a;
	struct err e = ERR_INIT;
	const char *key;
	json_t *body, *v, *out = NULL;
	int64_t id = 0;
	int rc = -1;

	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	memset(&s, 0, sizeof(s));
	json_object_foreach(body, key, v) {
		int ok = 0;
		for (int i = 0; keys[i]; i++)
			ok |= !strcmp(key, keys[i]);
		if (!ok) {
			err_set_param(&e, 400, "field.unknown", "body", "未知字段 '%.40s'", "unknown field '%.40s'", key);
			goto out;
		}
	}
	if (jsonx_string(body, "centre", 1, 16, &s.centre, &e) < 0 ||
	    body_date(body, "date", 1, &s.day, &e) < 0 || body_shift(body, "shift", 1, &s.shift, &e) < 0 ||
	    jsonx_int(body, "from_person_id", 0, 1, INT64_MAX, &s.from_person, &e) < 0 ||
	    jsonx_int(body, "to_person_id", 1, 1, INT64_MAX, &s.to_person, &e) < 0 ||
	    body_date(body, "back_date", 0, &s.back_day, &e) < 0 ||
	    body_shift(body, "back_shift", 0, &s.back_shift, &e) < 0 ||
	    jsonx_string(body, "reason", 0, DUTY_NOTE_MAX - 1, &s.reason, &e) < 0)
		goto out;
	if (s.reason && !str_valid_utf8(s.reason, strlen(s.reason))) {
		err_set_param(&e, 400, "field.invalid", "reason", "字段 'reason' 须为文本", "field 'reason' must be text");
		goto out;
	}
	if (!s.back_day && s.back_shift) {
		err_set_param(&e, 400, "field.missing", "back_date", "还班须同时给出 back_date 和 back_shift",
		              "a return leg needs both back_date and back_shift");
		goto out;
	}
	{
		WITH_DB(req, m, db);
		actor_init(req, &a, m);
		rc = duty_swap_request(db, &a, &s, time(NULL), &id, &e);
		if (rc == 0)
			rc = duty_swap_get_json(db, id, &out, &e);
		DONE_DB(req, m, db);
	}
out:
	json_decref(body);
	if (rc < 0)
		return http_reply_err(req, &e);
	return http_reply_json(req, 201, json_pack("{s:o}", "swap", out));
}

int api_duty_swap_decide(struct http_req *req)
{
	static const char *const keys[] = {"approve", "note", NULL};
	struct duty_actor a;
	struct err e = ERR_INIT;
	const char *note = NULL, *key;
	json_t *body, *v, *out = NULL;
	int64_t id;
	int rc = -1;

	if (id_or_reply(req, "id", &id) < 0)
		return 0;
	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	json_object_foreach(body, key, v) {
		int ok = 0;
		for (int i = 0; keys[i]; i++)
			ok |= !strcmp(key, keys[i]);
		if (!ok) {
			err_set_param(&e, 400, "field.unknown", "body", "未知字段 '%.40s'", "unknown field '%.40s'", key);
			goto out;
		}
	}
	if (!json_is_boolean(json_object_get(body, "approve"))) {
		err_set_param(&e, 400, "field.type", "approve", "字段 'approve' 须为 true 或 false",
		              "field 'approve' must be true or false");
		goto out;
	}
	if (jsonx_string(body, "note", 0, DUTY_NOTE_MAX - 1, &note, &e) < 0)
		goto out;
	if (note && !str_valid_utf8(note, strlen(note))) {
		err_set_param(&e, 400, "field.invalid", "note", "字段 'note' 须为文本", "field 'note' must be text");
		goto out;
	}
	{
		WITH_DB(req, m, db);
		actor_init(req, &a, m);
		rc = duty_swap_decide(db, &a, id, json_is_true(json_object_get(body, "approve")), note, &e);
		if (rc == 0)
			rc = duty_swap_get_json(db, id, &out, &e);
		DONE_DB(req, m, db);
	}
out:
	json_decref(body);
	if (rc < 0)
		return http_reply_err(req, &e);
	return http_reply_json(req, 200, json_pack("{s:o}", "swap", out));
}

/* -------------------------------------------------------------- log */

int api_duty_log_list(struct http_req *req)
{
	const char *centre = code_query_or_reply(req, "centre"), *sh = http_query(req, "shift");
	enum duty_shift shift = duty_shift_parse(sh);
	struct duty_actor a;
	struct err e = ERR_INIT;
	int64_t from, to;
	json_t *out = NULL;
	int rc;

	if (!centre || date_query_or_reply(req, "from", current_day(), &from) < 0 ||
	    date_query_or_reply(req, "to", from, &to) < 0)
		return 0;
	if (sh && !shift)
		return err_set_param(&e, 400, "param.invalid", "shift", "参数 'shift' 须为 day、night 或 full",
		                     "parameter 'shift' must be day, night or full"), http_reply_err(req, &e);
	WITH_DB(req, m, db);
	actor_init(req, &a, m);
	rc = duty_log_list(db, &a, centre, from, to, shift, &out, &e);
	DONE_DB(req, m, db);
	return rc < 0 ? http_reply_err(req, &e) : http_reply_json(req, 200, out);
}

int api_duty_log_add(struct http_req *req)
{
	static const char *const keys[] = {"centre", "date", "shift", "kind", "text", NULL};
	struct duty_actor a;
	struct err e = ERR_INIT;
	const char *centre = NULL, *kind = NULL, *text = NULL, *key;
	enum duty_shift shift = DUTY_SHIFT_NONE;
	json_t *body, *v;
	int64_t day = 0, id = 0;
	int rc = -1;

	if (!(body = jsonx_parse_object(req->body, req->body_len, &e)))
		return http_reply_err(req, &e);
	json_object_foreach(body, key, v) {
		int ok = 0;
		for (int i = 0; keys[i]; i++)
			ok |= !strcmp(key, keys[i]);
		if (!ok) {
			err_set_param(&e, 400, "field.unknown", "body", "未知字段 '%.40s'", "unknown field '%.40s'", key);
			goto out;
		}
	}
	if (jsonx_string(body, "centre", 1, 16, &centre, &e) < 0 || body_date(body, "date", 0, &day, &e) < 0 ||
	    body_shift(body, "shift", 0, &shift, &e) < 0 || jsonx_string(body, "kind", 1, 12, &kind, &e) < 0 ||
	    jsonx_string(body, "text", 1, DUTY_LOG_MAX, &text, &e) < 0)
		goto out;
	{
		WITH_DB(req, m, db);
		actor_init(req, &a, m);
		rc = duty_log_add(db, &a, centre, day, shift, kind, text, time(NULL), &id, &e);
		DONE_DB(req, m, db);
	}
out:
	json_decref(body);
	if (rc < 0)
		return http_reply_err(req, &e);
	return http_reply_json(req, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

/* ================================================ people, exceptions
 *
 * Two reads for the duty page (web/duty.html), appended:
 *
 *   GET /api/v1/duty/people?centre=CODE                    whom to pick
 *   GET /api/v1/duty/exceptions?centre=CODE&from=&to=      dated exceptions
 *
 * The people of a centre are those its rota names (pattern rows from two
 * months back to a year ahead, exceptions and approved swaps in that
 * window, with their pattern role) and the current posts of the centre's
 * unit and, for a town, of its communities (站长, 总站长): the staff a
 * pattern, an exception or a swap may name. `me` is the caller's own staff
 * record (null when the account has none), so the page can offer swaps of
 * the caller's own shifts. Readable by every staff member who may read the
 * centre's calendar, which shows the same names and phones (so the centre
 * is a query parameter, like the calendar's: the route guard would hold a
 * `:code` to the caller's own subtree, and town staff read the district).
 */

#define PEOPLE_BACK_DAYS 62              /* rota rows this far back still count */
#define PEOPLE_MAX 1000                  /* people in one answer */

/* The entry of person id in people (index by id string), added when new. */
static json_t *people_entry(json_t *people, json_t *index, int64_t id, const char *name,
                            const char *phone)
{
	char key[24];
	json_t *p;

	snprintf(key, sizeof(key), "%lld", (long long)id);
	if ((p = json_object_get(index, key)))
		return p;
	if (json_array_size(people) >= PEOPLE_MAX)
		return NULL;
	p = json_pack("{s:I, s:s, s:n, s:[]}", "id", (json_int_t)id, "name", name, "rota", "posts");
	jsonx_set_str_or_null(p, "phone", phone);
	json_object_set(index, key, p);
	json_array_append_new(people, p);
	return p;
}

/* Add the current posts of u (only `role` when not NULL) to people. */
static void people_posts(json_t *people, json_t *index, const struct org_unit *u, const char *role)
{
	for (size_t i = 0; i < u->nstaff; i++) {
		const struct post_rec *s = &u->staff[i];
		json_t *p;

		if (role && strcmp(s->role, role) && strcmp(s->role, "chief_station_head"))
			continue;
		if (!(p = people_entry(people, index, s->person_id, s->name, s->phone)))
			return;
		json_array_append_new(json_object_get(p, "posts"),
		                      json_pack("{s:s, s:s, s:s, s:s, s:s}", "role", s->role, "role_label",
		                                staff_role_label(s->role), "unit", u->rec.code, "unit_name",
		                                u->rec.name, "title", s->title));
	}
}

int api_duty_people(struct http_req *req)
{
	const char *code = code_query_or_reply(req, "centre");
	const struct principal *who = req->auth;
	struct account_rec acc;
	struct duty_book b;
	struct err e = ERR_INIT;
	json_t *people, *index, *out = NULL;
	int64_t today = current_day(), me = 0;
	int rc;

	if (!code)
		return 0;
	WITH_DB(req, m, db);
	rc = duty_centre_check(req->auth, m, code, 1, "centre", &e);
	if (rc == 0 && who && (rc = store_account_get(db, who->account_id, &acc, &e)) == 0)
		me = acc.person_id;
	if (rc == 0 && (rc = duty_book_load(db, code, today - PEOPLE_BACK_DAYS, today + DUTY_AHEAD_MAX, &b, &e)) == 0) {
		const struct org_unit *u = orgmodel_find(m, code);

		people = json_array();
		index = json_object();
		for (size_t i = 0; i < b.nnames; i++)
			people_entry(people, index, b.names[i].id, b.names[i].name, b.names[i].phone);
		for (size_t i = 0; i < b.npat; i++) {
			char key[24];
			json_t *p, *r;

			snprintf(key, sizeof(key), "%lld", (long long)b.pat[i].person_id);
			if (!(p = json_object_get(index, key)))
				continue;
			r = json_object_get(p, "rota");
			if (json_is_null(r) || b.pat[i].role == DUTY_LEADER)
				json_object_set_new(p, "rota", json_string(b.pat[i].role == DUTY_LEADER ? "leader" : "officer"));
		}
		people_posts(people, index, u, NULL);
		if (u->rec.level == LEVEL_TOWN)
			for (size_t i = 0; i < u->nchildren; i++)
				people_posts(people, index, &m->units[u->children[i]], "station_head");
		duty_book_release(&b);
		json_decref(index);
		out = json_pack("{s:s, s:s, s:o, s:o}", "centre", code, "name", u->rec.name, "me",
		                me > 0 ? json_integer(me) : json_null(), "people", people);
	}
	DONE_DB(req, m, db);
	return rc < 0 ? http_reply_err(req, &e) : http_reply_json(req, 200, out);
}

static int exception_row_json(void *ctx, const struct duty_exception_rec *r)
{
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)r->id, "date", r->day,
	                      "shift", r->shift, "action", r->action, "created_at", r->created_at);

	jsonx_set_str_or_null(j, "role", r->role);
	json_object_set_new(j, "person", r->person_id > 0
	                    ? json_pack("{s:I, s:s}", "id", (json_int_t)r->person_id, "name", r->name)
	                    : json_null());
	jsonx_set_str_or_null(j, "note", r->note);
	return json_array_append_new(ctx, j) < 0;
}

int api_duty_exception_list(struct http_req *req)
{
	const char *code = code_query_or_reply(req, "centre");
	struct err e = ERR_INIT;
	char f[DUTY_DATE_LEN], t[DUTY_DATE_LEN];
	int64_t from, to;
	json_t *arr, *out = NULL;
	int rc;

	if (!code || date_query_or_reply(req, "from", current_day(), &from) < 0 ||
	    date_query_or_reply(req, "to", from + 6, &to) < 0)
		return 0;
	if (to < from || to - from + 1 > DUTY_RANGE_MAX) {
		err_set_param(&e, 400, "param.invalid", "to", "日期范围须为 1 到 %d 天",
		              "the date range must be 1 to %d days", DUTY_RANGE_MAX);
		return http_reply_err(req, &e);
	}
	arr = json_array();
	WITH_DB(req, m, db);
	rc = duty_centre_check(req->auth, m, code, 1, "centre", &e);
	if (rc == 0 && (rc = store_duty_exception_list(db, code, duty_date_format(from, f),
	                                               duty_date_format(to, t), exception_row_json,
	                                               arr, &e)) > 0) {
		err_set(&e, 500, "internal.oom", "内存不足", "out of memory");
		rc = -1;
	}
	DONE_DB(req, m, db);
	if (rc < 0) {
		json_decref(arr);
		return http_reply_err(req, &e);
	}
	out = json_pack("{s:s, s:s, s:s, s:o}", "centre", code, "from", f, "to", t, "exceptions", arr);
	return http_reply_json(req, 200, out);
}
