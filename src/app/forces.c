/*
 * forces.c - forces, their status and position, nearest available forces,
 * and the registries of emergency units and volunteers (see forces.h).
 *
 * Staff forces come from the org snapshot's current posts; emergency units
 * and volunteers from their tables; status and position of all of them
 * from force_status. A list walks the snapshot's subtree (units are ordered
 * by code, so a subtree is one run of the array) and looks each force's
 * status up in the rows of that subtree, sorted in memory.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/audit.h"
#include "app/displays.h"
#include "app/duty.h"
#include "app/forces.h"
#include "domain/password.h"
#include "domain/role.h"
#include "domain/unit_code.h"
#include "geo/coord.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "store/store_account.h"
#include "store/store_audit.h"
#include "store/store_duty.h"
#include "lib/banned.h"

static const struct { const char *name, *label; } kinds[] = {
	{"grid_worker", "网格员"},
	{"grid_leader", "网格长"},
	{"station_head", "站长"},
	{"emergency_unit", "最小应急单元"},
	{"volunteer", "志愿者"},
};
static const struct { const char *name, *label; } statuses[] = {
	{"on_duty", "在岗"},
	{"on_patrol", "巡查中"},
	{"handling", "处置中"},
	{"off", "下班"},
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))
#define NSTATUSES (sizeof(statuses) / sizeof(statuses[0]))

static const char *kind_label(const char *k)
{
	for (size_t i = 0; i < NKINDS; i++)
		if (!strcmp(k, kinds[i].name))
			return kinds[i].label;
	return "";
}

static const char *status_label(const char *s)
{
	for (size_t i = 0; i < NSTATUSES; i++)
		if (!strcmp(s, statuses[i].name))
			return statuses[i].label;
	return "";
}

int forces_kind_valid(const char *kind)
{
	return kind && *kind_label(kind);
}

int forces_status_valid(const char *status)
{
	return status && *status_label(status);
}

static int oom(struct err *e)
{
	return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
}

/* ====================================================== load hook */

static forces_load_fn load_fn;
static void *load_ctx;

void forces_set_load_hook(forces_load_fn fn, void *ctx)
{
	load_ctx = ctx;
	load_fn = fn;
}

int forces_load(const char *kind, int64_t ref_id)
{
	return load_fn ? load_fn(load_ctx, kind, ref_id) : 0;
}

/* =================================================== input checks */

int forces_body_keys(json_t *body, const char *const *allowed, struct err *e)
{
	const char *key;
	json_t *v;

	json_object_foreach(body, key, v) {
		int ok = 0;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = !strcmp(key, allowed[i]);
		if (!ok)
			return err_set_param(e, 400, "field.unknown", "body", "未知字段 '%.40s'",
			                     "unknown field '%.40s'", key);
	}
	return 0;
}

int forces_text_ok(const char *s, size_t max)
{
	size_t len = s ? strlen(s) : 0;

	if (len == 0 || len > max || !str_valid_utf8(s, len))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int phone_ok(const char *p)
{
	size_t len = strlen(p);

	for (size_t i = 0; i < len; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || p[i] == '+' || p[i] == '-' || p[i] == ' '))
			return 0;
	return len >= 5 && len <= 31;
}

int forces_body_point(json_t *body, int *has, double *lon, double *lat, struct err *e)
{
	json_t *jlon = json_object_get(body, "lon"), *jlat = json_object_get(body, "lat");
	const char *crs = NULL;
	enum crs c = CRS_WGS84;
	double x = 0, y = 0;

	*has = 0;
	if ((!jlon || json_is_null(jlon)) && (!jlat || json_is_null(jlat)))
		return 0;
	if (jsonx_number(body, "lon", 1, 73.0, 136.0, &x, e) < 0 ||
	    jsonx_number(body, "lat", 1, 3.0, 54.0, &y, e) < 0 ||
	    jsonx_string(body, "crs", 0, 8, &crs, e) < 0)
		return -1;
	if (crs && crs_parse(crs, &c) < 0)
		return err_set_param(e, 400, "field.invalid", "crs", "字段 'crs' 须为 wgs84、gcj02 或 bd09",
		                     "field 'crs' must be wgs84, gcj02 or bd09");
	coord_to_wgs84(c, x, y, lon, lat);
	*has = 1;
	return 0;
}

/* ========================================================= status */

static int status_cmp(const void *a, const void *b)
{
	const struct force_status_rec *x = a, *y = b;
	int c = strcmp(x->kind, y->kind);

	return c ? c : (x->ref_id > y->ref_id) - (x->ref_id < y->ref_id);
}

struct status_set {
	struct force_status_rec *r;
	size_t n, cap;
};

static int status_collect(void *ctx, const struct force_status_rec *r)
{
	struct status_set *s = ctx;

	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 256;
		void *p = realloc(s->r, nc * sizeof(*s->r));
		if (!p)
			return -1;
		s->r = p;
		s->cap = nc;
	}
	s->r[s->n++] = *r;
	return 0;
}

/* Every status row under unit, sorted for status_find(). */
static int status_load(struct db *db, const char *unit, struct status_set *s, struct err *e)
{
	int rc;

	memset(s, 0, sizeof(*s));
	if ((rc = store_force_status_list(db, unit, status_collect, s, e)) != 0) {
		if (rc > 0)
			oom(e);
		free(s->r);
		s->r = NULL;
		return -1;
	}
	if (s->n)
		qsort(s->r, s->n, sizeof(*s->r), status_cmp);
	return 0;
}

static const struct force_status_rec *status_find(const struct status_set *s, const char *kind,
                                                  int64_t id)
{
	struct force_status_rec key;

	str_copy(key.kind, sizeof(key.kind), kind);
	key.ref_id = id;
	return s->n ? bsearch(&key, s->r, s->n, sizeof(*s->r), status_cmp) : NULL;
}

static int fresh(const struct force_status_rec *r, time_t now)
{
	return r && r->has_pos && now - (time_t)r->position_at <= FORCES_FRESH_SECONDS;
}

/* Adds status, status_label, position, position_at, stale and load of r
 * (or "off" and nulls without one) to j. */
static void status_into(json_t *j, const char *kind, int64_t id, const struct force_status_rec *r,
                        time_t now)
{
	char at[TIME_ISO_MAX];
	const char *st = r ? r->status : "off";

	json_object_set_new(j, "status", json_string(st));
	json_object_set_new(j, "status_label", json_string(status_label(st)));
	if (r && r->has_pos) {
		json_object_set_new(j, "position", json_pack("[f, f]", r->lon, r->lat));
		json_object_set_new(j, "position_at", json_string(time_iso((time_t)r->position_at, at)));
		json_object_set_new(j, "stale", json_boolean(!fresh(r, now)));
	} else {
		json_object_set_new(j, "position", json_null());
		json_object_set_new(j, "position_at", json_null());
		json_object_set_new(j, "stale", json_true());
	}
	json_object_set_new(j, "load", json_integer(forces_load(kind, id)));
}

static json_t *unit_brief(const struct org_model *m, const char *code)
{
	const struct org_unit *u = orgmodel_find(m, code);

	return json_pack("{s:s, s:s?}", "code", code, "name", u ? u->rec.name : NULL);
}

json_t *forces_status_json(const struct force_status_rec *r, time_t now)
{
	json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:s}", "kind", r->kind, "kind_label",
	                      kind_label(r->kind), "id", (json_int_t)r->ref_id, "unit", r->unit,
	                      "name", r->name);

	status_into(j, r->kind, r->ref_id, r, now);
	return j;
}

/* ========================================================= report */

/* The field-staff kind and unit of the caller's first such grant. */
static const struct auth_grant *field_grant(const struct principal *p, const char **kind)
{
	for (int i = 0; p && i < p->ngrants; i++) {
		unsigned r = p->grants[i].role;
		*kind = r == ROLE_GRID_WORKER ? "grid_worker" : r == ROLE_GRID_LEADER ? "grid_leader"
		      : r == ROLE_STATION_HEAD ? "station_head" : NULL;
		if (*kind)
			return &p->grants[i];
	}
	return NULL;
}

static int record(struct db *db, const struct principal *p, const char *ip, const char *action,
                  const char *target, const char *detail, struct err *e)
{
	struct audit_entry en;

	if (p)
		return audit_record(db, p, action, target, ip, "ok", detail, e);
	memset(&en, 0, sizeof(en));
	en.actor = "-";
	en.action = action;
	en.target = target;
	en.ip = ip;
	en.result = "ok";
	en.detail = detail;
	return store_audit_append(db, &en, e);
}

int forces_report(struct db *db, const struct forces_actor *a, const char *status, int has_pos,
                  double lon, double lat, time_t now, struct force_status_rec *out,
                  struct err *e)
{
	const struct auth_grant *g;
	const char *kind = NULL;
	struct account_rec acc;
	struct person_rec person;
	struct force_status_rec old;
	struct err nf = ERR_INIT;
	char target[64], detail[64];
	int ret = -1;

	if (!forces_status_valid(status))
		return err_set_param(e, 400, "field.invalid", "status",
		                     "状态须为 on_duty、on_patrol、handling 或 off",
		                     "status must be on_duty, on_patrol, handling or off");
	if (!(g = field_grant(a->p, &kind)))
		return err_set(e, 403, "force.not_field_staff", "只有网格员、网格长和站长上报位置",
		               "only grid workers, grid leaders and station heads report positions");
	if (store_account_get(db, a->p->account_id, &acc, e) < 0)
		return -1;
	if (acc.person_id <= 0)
		return err_set(e, 409, "force.no_person", "你的账号未关联人员档案，无法上报位置",
		               "your account is not linked to a staff record: no position to report");
	if (store_duty_person(db, acc.person_id, &person, e) < 0 || db_begin(db, e) < 0)
		return -1;
	memset(out, 0, sizeof(*out));
	if (store_force_status_get(db, kind, acc.person_id, &old, &nf) == 0) {
		*out = old;
	} else if (nf.status != 404) {
		err_pass(e, &nf);
		goto out;
	}
	str_copy(out->kind, sizeof(out->kind), kind);
	out->ref_id = acc.person_id;
	str_copy(out->unit, sizeof(out->unit), g->scope);
	str_copy(out->name, sizeof(out->name), person.name);
	str_copy(out->status, sizeof(out->status), status);
	if (has_pos) {
		out->has_pos = 1;
		out->lon = lon;
		out->lat = lat;
		out->position_at = (int64_t)now;
	}
	out->updated_at = (int64_t)now;
	out->account_id = a->p->account_id;
	snprintf(target, sizeof(target), "force:%s:%lld", kind, (long long)acc.person_id);
	snprintf(detail, sizeof(detail), "status %s%s", status, has_pos ? ", position" : "");
	if (store_force_status_put(db, out, e) < 0 ||
	    record(db, a->p, a->ip, AUDIT_FORCE_REPORT, target, detail, e) < 0 || db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	return ret;
}

/* =========================================================== list */

struct list_ctx {
	const struct forces_actor *a;
	const struct status_set *st;
	const char *kind, *status;       /* filters, NULL = any */
	json_t *arr;
	int limit, truncated;
	time_t now;
};

/* Append j unless filtered out or over the limit (it is then freed). */
static void emit(struct list_ctx *c, const char *kind, json_t *j)
{
	const char *st = json_string_value(json_object_get(j, "status"));

	if ((c->kind && strcmp(c->kind, kind)) || (c->status && strcmp(c->status, st))) {
		json_decref(j);
		return;
	}
	if ((int)json_array_size(c->arr) >= c->limit) {
		c->truncated = 1;
		json_decref(j);
		return;
	}
	json_array_append_new(c->arr, j);
}

static void list_staff(struct list_ctx *c, const char *unit)
{
	const struct org_model *m = c->a->org;
	const struct org_unit *u = orgmodel_find(m, unit);
	size_t len = strlen(unit);
	int64_t chiefs[64];
	int nchiefs = 0;

	for (size_t i = (size_t)(u - m->units); i < m->nunits; i++) {
		const struct org_unit *x = &m->units[i];
		if (strncmp(x->rec.code, unit, len))
			break;                             /* past the subtree */
		for (size_t k = 0; k < x->nstaff; k++) {
			const struct post_rec *p = &x->staff[k];
			const char *kind = !strcmp(p->role, "grid_worker") ? "grid_worker"
			                 : !strcmp(p->role, "grid_leader") ? "grid_leader"
			                 : !strcmp(p->role, "station_head") || !strcmp(p->role, "chief_station_head")
			                 ? "station_head" : NULL;
			json_t *j;
			int dup = 0;
			if (!kind)
				continue;
			if (!strcmp(p->role, "chief_station_head")) {   /* one person, several posts */
				for (int q = 0; q < nchiefs; q++)
					dup |= chiefs[q] == p->person_id;
				if (dup)
					continue;
				if (nchiefs < 64)
					chiefs[nchiefs++] = p->person_id;
			}
			j = json_pack("{s:s, s:s, s:I, s:s, s:o}", "kind", kind, "kind_label", kind_label(kind),
			              "id", (json_int_t)p->person_id, "name", p->name, "unit",
			              json_pack("{s:s, s:s}", "code", x->rec.code, "name", x->rec.name));
			jsonx_set_str_or_null(j, "phone", p->phone);
			jsonx_set_str_or_null(j, "title", p->title);
			status_into(j, kind, p->person_id, status_find(c->st, kind, p->person_id), c->now);
			emit(c, kind, j);
		}
	}
}

static json_t *eu_json(const struct forces_actor *a, const struct emergency_unit_rec *r,
                       const struct force_status_rec *st, time_t now);
static json_t *vol_json(const struct forces_actor *a, const struct volunteer_rec *r,
                        const struct force_status_rec *st, time_t now);

static int list_eu_row(void *ctx, const struct emergency_unit_rec *r)
{
	struct list_ctx *c = ctx;

	emit(c, "emergency_unit", eu_json(c->a, r, status_find(c->st, "emergency_unit", r->id), c->now));
	return 0;
}

static int list_vol_row(void *ctx, const struct volunteer_rec *r)
{
	struct list_ctx *c = ctx;

	emit(c, "volunteer", vol_json(c->a, r, status_find(c->st, "volunteer", r->id), c->now));
	return 0;
}

int forces_list(struct db *db, const struct forces_actor *a, const char *unit, const char *kind,
                const char *status, int limit, time_t now, json_t **out, struct err *e)
{
	struct status_set st;
	struct list_ctx c;
	int ret = -1;

	if (duty_unit_check(a->p, a->org, unit, 0, "unit", e) < 0)
		return -1;
	if (kind && *kind && !forces_kind_valid(kind))
		return err_set_param(e, 400, "param.invalid", "kind",
		                     "参数 'kind' 须为 grid_worker、grid_leader、station_head、emergency_unit 或 volunteer",
		                     "parameter 'kind' must be grid_worker, grid_leader, station_head, emergency_unit or volunteer");
	if (status && *status && !forces_status_valid(status))
		return err_set_param(e, 400, "param.invalid", "status",
		                     "参数 'status' 须为 on_duty、on_patrol、handling 或 off",
		                     "parameter 'status' must be on_duty, on_patrol, handling or off");
	if (status_load(db, unit, &st, e) < 0)
		return -1;
	memset(&c, 0, sizeof(c));
	c.a = a;
	c.st = &st;
	c.kind = kind && *kind ? kind : NULL;
	c.status = status && *status ? status : NULL;
	c.arr = json_array();
	c.limit = limit;
	c.now = now;
	list_staff(&c, unit);
	if (store_emergency_unit_list(db, unit, list_eu_row, &c, e) != 0 ||
	    store_volunteer_list(db, unit, list_vol_row, &c, e) != 0) {
		json_decref(c.arr);
		goto out;
	}
	if (a->p && a->p->display_id) {    /* a wall display: the map layer's facts, no phones */
		static const char *const keep[] = {"kind", "kind_label", "id", "name", "unit", "status",
		                                   "status_label", "position", "position_at", "stale", NULL};
		displays_reduce(c.arr, keep);
	}
	*out = json_pack("{s:s, s:o, s:b}", "unit", unit, "forces", c.arr, "truncated", c.truncated);
	ret = 0;
out:
	free(st.r);
	return ret;
}

/* ======================================================== nearest */

static int near_cmp(const void *a, const void *b)
{
	const struct force_near *x = a, *y = b;

	if (x->distance_m != y->distance_m)
		return x->distance_m < y->distance_m ? -1 : 1;
	return status_cmp(&x->st, &y->st);
}

int forces_nearest(struct db *db, const struct forces_actor *a, const char *unit, double lon,
                   double lat, const char *kind, int max, time_t now, struct force_near *out,
                   int *n, struct err *e)
{
	struct status_set st;
	struct force_near *all = NULL;
	size_t m = 0;
	int ret = -1;

	*n = 0;
	if (duty_unit_check(a->p, a->org, unit, 0, "unit", e) < 0)
		return -1;
	if (kind && *kind && !forces_kind_valid(kind))
		return err_set_param(e, 400, "param.invalid", "kind", "参数 'kind' 无效",
		                     "parameter 'kind' is not a force kind");
	if (max < 1 || max > FORCES_NEAR_MAX)
		return err_set_param(e, 400, "param.invalid", "limit", "参数 'limit' 须在 1 到 %d 之间",
		                     "parameter 'limit' must be in [1, %d]", FORCES_NEAR_MAX);
	if (status_load(db, unit, &st, e) < 0)
		return -1;
	if (st.n && !(all = calloc(st.n, sizeof(*all)))) {
		oom(e);
		goto out;
	}
	for (size_t i = 0; i < st.n; i++) {
		const struct force_status_rec *r = &st.r[i];
		if ((kind && *kind && strcmp(kind, r->kind)) || !fresh(r, now) ||
		    (strcmp(r->status, "on_duty") && strcmp(r->status, "on_patrol")))
			continue;
		all[m].st = *r;
		all[m].distance_m = coord_distance_m(lon, lat, r->lon, r->lat);
		m++;
	}
	if (m)
		qsort(all, m, sizeof(*all), near_cmp);
	for (size_t i = 0; i < m && (int)i < max; i++) {
		out[i] = all[i];
		out[i].load = forces_load(all[i].st.kind, all[i].st.ref_id);
		(*n)++;
	}
	ret = 0;
out:
	free(all);
	free(st.r);
	return ret;
}

/* ============================================ entries: JSON output */

/* Phones of people outside the staff (volunteers, emergency-unit members)
 * are shown whole only to those who manage the unit. */
static json_t *phone_json(const struct forces_actor *a, const char *unit, const char *phone)
{
	char masked[64];

	if (!phone || !*phone)
		return json_null();
	if (duty_can_manage(a->p, unit))
		return json_string(phone);
	mask_phone(phone, masked, sizeof(masked));
	return json_string(masked);
}

static json_t *eu_json(const struct forces_actor *a, const struct emergency_unit_rec *r,
                       const struct force_status_rec *st, time_t now)
{
	json_error_t je;
	json_t *members = json_loads(r->members, 0, &je), *equip = json_loads(r->equipment, 0, &je);
	json_t *j, *v;
	size_t i;

	if (!json_is_array(members)) {
		json_decref(members);
		members = json_array();
	}
	if (!json_is_array(equip)) {
		json_decref(equip);
		equip = json_array();
	}
	json_array_foreach(members, i, v) {
		const char *ph = json_string_value(json_object_get(v, "phone"));
		if (ph)
			json_object_set_new(v, "phone", phone_json(a, r->unit, ph));
	}
	j = json_pack("{s:s, s:s, s:I, s:s, s:o, s:o, s:o, s:s, s:s}", "kind", "emergency_unit",
	              "kind_label", kind_label("emergency_unit"), "id", (json_int_t)r->id, "name",
	              r->name, "unit", unit_brief(a->org, r->unit), "members", members, "equipment",
	              equip, "created_at", r->created_at, "updated_at", r->updated_at);
	json_object_set_new(j, "leader", r->leader_name[0]
	                    ? json_pack("{s:s, s:o}", "name", r->leader_name, "phone",
	                                phone_json(a, r->unit, r->leader_phone))
	                    : json_null());
	status_into(j, "emergency_unit", r->id, st, now);
	return j;
}

static json_t *vol_json(const struct forces_actor *a, const struct volunteer_rec *r,
                        const struct force_status_rec *st, time_t now)
{
	json_t *j = json_pack("{s:s, s:s, s:I, s:s, s:o, s:o, s:s, s:s}", "kind", "volunteer",
	                      "kind_label", kind_label("volunteer"), "id", (json_int_t)r->id, "name",
	                      r->name, "unit", unit_brief(a->org, r->unit), "phone",
	                      phone_json(a, r->unit, r->phone), "created_at", r->created_at,
	                      "updated_at", r->updated_at);

	jsonx_set_str_or_null(j, "skills", r->skills);
	status_into(j, "volunteer", r->id, st, now);
	return j;
}

/* ============================================ entries: JSON input */

static const char *const eu_keys[] = {"unit", "name", "leader_name", "leader_phone", "members",
                                      "equipment", "status", "lon", "lat", "crs", NULL};
static const char *const vol_keys[] = {"unit", "name", "phone", "skills", "status", "lon", "lat",
                                       "crs", NULL};
static const char *const member_keys[] = {"name", "phone", NULL};

static int bad_text(struct err *e, const char *field, size_t max)
{
	return err_set_param(e, 400, "field.invalid", field, "字段 '%s' 须为 1 到 %zu 字节的文本，不含控制字符",
	                     "field '%s' must be 1 to %zu bytes of text without control characters",
	                     field, max);
}

static int bad_phone(struct err *e, const char *field)
{
	return err_set_param(e, 400, "field.invalid", field, "字段 '%s' 须为 5 到 31 个数字（可含 + - 空格）",
	                     "field '%s' must be 5 to 31 digits (+, - and spaces allowed)", field);
}

/* An optional text field into dst (size n): absent leaves dst, null or ""
 * clears it (when optional), otherwise checked text. */
int forces_body_text(json_t *body, const char *key, int required, char *dst, size_t n,
                      struct err *e)
{
	json_t *v = json_object_get(body, key);
	const char *s = NULL;

	if (!v)
		return required ? err_set_param(e, 400, "field.missing", key, "缺少字段 '%s'",
		                                "missing field '%s'", key) : 0;
	if (json_is_null(v) && !required) {
		dst[0] = '\0';
		return 0;
	}
	if (jsonx_string(body, key, 1, n - 1, &s, e) < 0)
		return -1;
	if (!*s && !required) {
		dst[0] = '\0';
		return 0;
	}
	if (!forces_text_ok(s, n - 1))
		return bad_text(e, key, n - 1);
	str_copy(dst, n, s);
	return 0;
}

static int phone_field(json_t *body, const char *key, char *dst, size_t n, struct err *e)
{
	if (forces_body_text(body, key, 0, dst, n, e) < 0)
		return -1;
	if (dst[0] && !phone_ok(dst))
		return bad_phone(e, key);
	return 0;
}

/* members: [{name, phone?}] -> compact JSON text. */
static int members_field(json_t *body, char *dst, size_t n, struct err *e)
{
	json_t *arr = NULL, *v, *clean;
	size_t i;
	char *text;

	if (!json_object_get(body, "members"))
		return 0;
	if (jsonx_array(body, "members", 1, FORCES_MEMBERS_MAX, &arr, e) < 0)
		return -1;
	clean = json_array();
	json_array_foreach(arr, i, v) {
		char name[64] = "", phone[32] = "";
		if (!json_is_object(v) || forces_body_keys(v, member_keys, e) < 0 ||
		    forces_body_text(v, "name", 1, name, sizeof(name), e) < 0 ||
		    phone_field(v, "phone", phone, sizeof(phone), e) < 0) {
			json_decref(clean);
			if (!err_isset(e))
				err_set_param(e, 400, "field.type", "members", "成员须为对象 {name, phone}",
				              "a member must be an object {name, phone}");
			return -1;
		}
		json_array_append_new(clean, phone[0] ? json_pack("{s:s, s:s}", "name", name, "phone", phone)
		                                      : json_pack("{s:s}", "name", name));
	}
	text = json_dumps(clean, JSON_COMPACT);
	json_decref(clean);
	if (!text)
		return oom(e);
	if (strlen(text) >= n) {
		free(text);
		return err_set_param(e, 400, "field.too_long", "members", "成员信息过长", "members too long");
	}
	str_copy(dst, n, text);
	free(text);
	return 0;
}

/* equipment: ["灭火器", …] -> compact JSON text. */
static int items_field(json_t *body, char *dst, size_t n, struct err *e)
{
	json_t *arr = NULL, *v;
	size_t i;
	char *text;

	if (!json_object_get(body, "equipment"))
		return 0;
	if (jsonx_array(body, "equipment", 1, FORCES_ITEMS_MAX, &arr, e) < 0)
		return -1;
	json_array_foreach(arr, i, v)
		if (!json_is_string(v) || !forces_text_ok(json_string_value(v), 64))
			return err_set_param(e, 400, "field.invalid", "equipment",
			                     "装备须为 1 到 64 字节的文本", "an equipment item must be 1 to 64 bytes of text");
	if (!(text = json_dumps(arr, JSON_COMPACT)))
		return oom(e);
	if (strlen(text) >= n) {
		free(text);
		return err_set_param(e, 400, "field.too_long", "equipment", "装备清单过长", "equipment list too long");
	}
	str_copy(dst, n, text);
	free(text);
	return 0;
}

/* The unit of an entry: a code of a level the kind allows, that the actor
 * manages (404 like a missing unit otherwise). */
static int entry_unit(const struct forces_actor *a, const char *kind, const char *code,
                      struct err *e)
{
	int level = (int)unit_code_level(code);

	if (unit_code_check(code, "unit", e) < 0)
		return -1;
	if (!orgmodel_find(a->org, code) || !duty_can_manage(a->p, code))
		return err_set_param(e, 404, "unit.not_found", "unit", "找不到单位 '%s'", "unknown unit '%s'",
		                     code);
	if (!strcmp(kind, "emergency_unit") ? level < LEVEL_TOWN : level < LEVEL_COMMUNITY)
		return err_set_param(e, 400, "force.bad_unit", "unit",
		                     "%s须属于%s", "a %s belongs to a %s or below",
		                     kind_label(kind), !strcmp(kind, "emergency_unit") ? "镇街或以下单位"
		                                                                       : "村社区或以下单位");
	return 0;
}

/* Status and position fields of body over st (defaults when creating). */
static int status_fields(json_t *body, struct force_status_rec *st, time_t now, struct err *e)
{
	const char *s = NULL;
	double lon, lat;
	int has;

	if (jsonx_string(body, "status", 0, 16, &s, e) < 0)
		return -1;
	if (s && !forces_status_valid(s))
		return err_set_param(e, 400, "field.invalid", "status",
		                     "状态须为 on_duty、on_patrol、handling 或 off",
		                     "status must be on_duty, on_patrol, handling or off");
	if (s)
		str_copy(st->status, sizeof(st->status), s);
	if (forces_body_point(body, &has, &lon, &lat, e) < 0)
		return -1;
	if (has) {
		st->has_pos = 1;
		st->lon = lon;
		st->lat = lat;
		st->position_at = (int64_t)now;
	}
	return 0;
}

/* ================================================ entries: changes */

struct entry {
	struct emergency_unit_rec eu;
	struct volunteer_rec vol;
	struct force_status_rec st;
};

static int is_eu(const char *kind)
{
	return !strcmp(kind, "emergency_unit");
}

/* Fields of body over the entry; creating: unit and name required. */
static int entry_fields(const struct forces_actor *a, const char *kind, json_t *body, int creating,
                        struct entry *x, time_t now, struct err *e)
{
	char *unit = is_eu(kind) ? x->eu.unit : x->vol.unit;
	char newunit[24] = "";

	if (forces_body_keys(body, is_eu(kind) ? eu_keys : vol_keys, e) < 0 ||
	    forces_body_text(body, "unit", creating, newunit, sizeof(newunit), e) < 0)
		return -1;
	if (newunit[0]) {
		if (entry_unit(a, kind, newunit, e) < 0)
			return -1;
		str_copy(unit, 24, newunit);
	}
	if (is_eu(kind)) {
		if (forces_body_text(body, "name", creating, x->eu.name, sizeof(x->eu.name), e) < 0 ||
		    forces_body_text(body, "leader_name", 0, x->eu.leader_name, sizeof(x->eu.leader_name), e) < 0 ||
		    phone_field(body, "leader_phone", x->eu.leader_phone, sizeof(x->eu.leader_phone), e) < 0 ||
		    members_field(body, x->eu.members, sizeof(x->eu.members), e) < 0 ||
		    items_field(body, x->eu.equipment, sizeof(x->eu.equipment), e) < 0)
			return -1;
		if (!x->eu.name[0])
			return bad_text(e, "name", sizeof(x->eu.name) - 1);
	} else {
		if (forces_body_text(body, "name", creating, x->vol.name, sizeof(x->vol.name), e) < 0 ||
		    phone_field(body, "phone", x->vol.phone, sizeof(x->vol.phone), e) < 0 ||
		    forces_body_text(body, "skills", 0, x->vol.skills, sizeof(x->vol.skills), e) < 0)
			return -1;
		if (!x->vol.name[0])
			return bad_text(e, "name", sizeof(x->vol.name) - 1);
	}
	if (status_fields(body, &x->st, now, e) < 0)
		return -1;
	str_copy(x->st.kind, sizeof(x->st.kind), kind);
	str_copy(x->st.unit, sizeof(x->st.unit), unit);
	str_copy(x->st.name, sizeof(x->st.name), is_eu(kind) ? x->eu.name : x->vol.name);
	x->st.updated_at = (int64_t)now;
	x->st.account_id = a->p ? a->p->account_id : 0;
	return 0;
}

static int kind_ok(const char *kind, struct err *e)
{
	if (kind && (!strcmp(kind, "emergency_unit") || !strcmp(kind, "volunteer")))
		return 0;
	return err_set(e, 500, "internal.kind", "内部错误：未知类型", "internal error: unknown kind");
}

static int entry_load(struct db *db, const char *kind, int64_t id, struct entry *x, struct err *e)
{
	struct err nf = ERR_INIT;

	memset(x, 0, sizeof(*x));
	if (is_eu(kind) ? store_emergency_unit_get(db, id, &x->eu, e) < 0
	                : store_volunteer_get(db, id, &x->vol, e) < 0)
		return -1;
	if (store_force_status_get(db, kind, id, &x->st, &nf) < 0 && nf.status != 404)
		return err_pass(e, &nf);
	if (nf.status == 404)
		str_copy(x->st.status, sizeof(x->st.status), "off");
	x->st.ref_id = id;
	return 0;
}

static const char *entry_unit_of(const char *kind, const struct entry *x)
{
	return is_eu(kind) ? x->eu.unit : x->vol.unit;
}

int forces_entry_add(struct db *db, const struct forces_actor *a, const char *kind, json_t *body,
                     time_t now, int64_t *id, struct err *e)
{
	struct entry *x = calloc(1, sizeof(*x));
	char target[64];
	int ret = -1, in_tx = 0;

	if (!x)
		return oom(e);
	if (kind_ok(kind, e) < 0)
		goto out;
	str_copy(x->st.status, sizeof(x->st.status), is_eu(kind) ? "on_duty" : "off");
	if (entry_fields(a, kind, body, 1, x, now, e) < 0 || db_begin(db, e) < 0)
		goto out;
	in_tx = 1;
	if (is_eu(kind) ? store_emergency_unit_add(db, &x->eu, id, e) < 0
	                : store_volunteer_add(db, &x->vol, id, e) < 0)
		goto out;
	x->st.ref_id = *id;
	snprintf(target, sizeof(target), "force:%s:%lld", kind, (long long)*id);
	if (store_force_status_put(db, &x->st, e) < 0 ||
	    record(db, a->p, a->ip, AUDIT_FORCE_ADD, target, x->st.name, e) < 0 || db_commit(db, e) < 0)
		goto out;
	in_tx = 0;
	ret = 0;
out:
	if (in_tx)
		db_rollback(db);
	free(x);
	return ret;
}

/* Load an entry the actor manages: 404 force.not_found otherwise. */
static int entry_managed(struct db *db, const struct forces_actor *a, const char *kind, int64_t id,
                         struct entry *x, struct err *e)
{
	if (entry_load(db, kind, id, x, e) < 0)
		return -1;
	if (!duty_can_manage(a->p, entry_unit_of(kind, x)))
		return err_set(e, 404, "force.not_found", "找不到该力量", "no such force");
	return 0;
}

int forces_entry_update(struct db *db, const struct forces_actor *a, const char *kind, int64_t id,
                        json_t *body, time_t now, struct err *e)
{
	struct entry *x = calloc(1, sizeof(*x));
	char target[64];
	int ret = -1;

	if (!x)
		return oom(e);
	if (kind_ok(kind, e) < 0 || db_begin(db, e) < 0)
		goto done;
	if (entry_managed(db, a, kind, id, x, e) < 0 || entry_fields(a, kind, body, 0, x, now, e) < 0)
		goto out;
	if (is_eu(kind) ? store_emergency_unit_update(db, &x->eu, e) < 0
	                : store_volunteer_update(db, &x->vol, e) < 0)
		goto out;
	snprintf(target, sizeof(target), "force:%s:%lld", kind, (long long)id);
	if (store_force_status_put(db, &x->st, e) < 0 ||
	    record(db, a->p, a->ip, AUDIT_FORCE_UPDATE, target, x->st.name, e) < 0 || db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
done:
	free(x);
	return ret;
}

int forces_entry_delete(struct db *db, const struct forces_actor *a, const char *kind, int64_t id,
                        struct err *e)
{
	struct entry *x = calloc(1, sizeof(*x));
	char target[64];
	int ret = -1;

	if (!x)
		return oom(e);
	if (kind_ok(kind, e) < 0 || db_begin(db, e) < 0)
		goto done;
	if (entry_managed(db, a, kind, id, x, e) < 0 ||
	    store_force_status_delete(db, kind, id, e) < 0 ||
	    (is_eu(kind) ? store_emergency_unit_delete(db, id, e) < 0 : store_volunteer_delete(db, id, e) < 0))
		goto out;
	snprintf(target, sizeof(target), "force:%s:%lld", kind, (long long)id);
	if (record(db, a->p, a->ip, AUDIT_FORCE_DELETE, target,
	           is_eu(kind) ? x->eu.name : x->vol.name, e) < 0 || db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
done:
	free(x);
	return ret;
}

int forces_entry_get(struct db *db, const struct forces_actor *a, const char *kind, int64_t id,
                     time_t now, json_t **out, struct err *e)
{
	struct entry *x = calloc(1, sizeof(*x));
	int ret = -1;

	if (!x)
		return oom(e);
	if (kind_ok(kind, e) < 0 || entry_load(db, kind, id, x, e) < 0)
		goto out;
	if (!duty_can_read(a->p, entry_unit_of(kind, x), 0)) {
		err_set(e, 404, "force.not_found", "找不到该力量", "no such force");
		goto out;
	}
	*out = is_eu(kind) ? eu_json(a, &x->eu, &x->st, now) : vol_json(a, &x->vol, &x->st, now);
	ret = 0;
out:
	free(x);
	return ret;
}

int forces_entry_list(struct db *db, const struct forces_actor *a, const char *kind,
                      const char *unit, time_t now, json_t **out, struct err *e)
{
	struct status_set st;
	struct list_ctx c;
	int rc;

	if (kind_ok(kind, e) < 0 || duty_unit_check(a->p, a->org, unit, 0, "unit", e) < 0 ||
	    status_load(db, unit, &st, e) < 0)
		return -1;
	memset(&c, 0, sizeof(c));
	c.a = a;
	c.st = &st;
	c.arr = json_array();
	c.limit = FORCES_LIST_MAX;
	c.now = now;
	rc = is_eu(kind) ? store_emergency_unit_list(db, unit, list_eu_row, &c, e)
	                 : store_volunteer_list(db, unit, list_vol_row, &c, e);
	free(st.r);
	if (rc != 0) {
		json_decref(c.arr);
		return -1;
	}
	*out = json_pack("{s:s, s:o, s:b}", "unit", unit, is_eu(kind) ? "emergency_units" : "volunteers",
	                 c.arr, "truncated", c.truncated);
	return 0;
}
