/*
 * duty.c - the duty rota use cases (see duty.h): loading a centre's rows
 * into a book and resolving shifts with domain/duty_rules.c, who is on duty
 * now, calendars and gaps, and the changes (pattern, exceptions, swaps, shift
 * log), each in one transaction with its audit row.
 *
 * Checks run in a fixed order so an error never tells more than the caller
 * may know: the shape of the input, then the unit and the caller's scope
 * (out of scope reads as not found), then the people and the rota.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/audit.h"
#include "app/duty.h"
#include "domain/role.h"
#include "domain/unit_code.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "store/store_audit.h"
#include "store/store_account.h"
#include "lib/banned.h"

#define LOG_LIST_MAX 500             /* shift log entries in one reply */

static int oom(struct err *e)
{
	return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
}

/* ============================================================ scope */

/* The district a department code belongs to: its digits before '-'. */
int duty_can_read(const struct principal *p, const char *code, int ancestors)
{
	char district[16];

	if (!p)
		return 1;
	for (int i = 0; i < p->ngrants; i++) {
		const struct auth_grant *g = &p->grants[i];
		if (g->role & ROLE_DISPLAY) {  /* a wall display: its own subtree only */
			if (unit_code_under(code, g->scope))
				return 1;
			continue;
		}
		if (!(g->role & ROLE_STAFF))
			continue;
		if (!g->level) {
			if (unit_code_dept_district(g->scope, district, sizeof(district)) == 0 &&
			    unit_code_under(code, district))
				return 1;
			continue;
		}
		if (unit_code_under(code, g->scope) || (ancestors && unit_code_under(g->scope, code)))
			return 1;
	}
	return 0;
}

int duty_can_manage(const struct principal *p, const char *code)
{
	return !p || auth_scope(p, ROLE_ADMIN | ROLE_COMMAND, code) != NULL;
}

static int unit_unknown(struct err *e, const char *param, const char *code)
{
	return err_set_param(e, 404, "unit.not_found", param, "找不到单位 '%s'", "unknown unit '%s'",
	                     code);
}

int duty_unit_check(const struct principal *p, const struct org_model *m, const char *code,
                    int ancestors, const char *param, struct err *e)
{
	if (unit_code_check(code, param, e) < 0)
		return -1;
	if (!orgmodel_find(m, code) || !duty_can_read(p, code, ancestors))
		return unit_unknown(e, param, code);
	return 0;
}

int duty_centre_check(const struct principal *p, const struct org_model *m, const char *code,
                      int ancestors, const char *param, struct err *e)
{
	if (duty_unit_check(p, m, code, ancestors, param, e) < 0)
		return -1;
	if (unit_code_level(code) > LEVEL_TOWN)
		return err_set_param(e, 400, "duty.not_centre", param,
		                     "'%s' 不是指挥中心：只有区和镇街设指挥中心",
		                     "'%s' is not a command centre: only the district and towns have one",
		                     code);
	return 0;
}

/* A centre the actor manages (404 out of scope, like a missing unit). */
static int managed_centre(const struct duty_actor *a, const char *centre, struct err *e)
{
	if (duty_centre_check(NULL, a->org, centre, 0, "centre", e) < 0)
		return -1;
	if (!duty_can_manage(a->p, centre))
		return unit_unknown(e, "centre", centre);
	return 0;
}

/* ============================================================= book */

static int grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *p;
	size_t nc;

	if (n < *cap)
		return 0;
	nc = *cap ? *cap * 2 : 16;
	if (!(p = realloc(*arr, nc * size)))
		return -1;
	*arr = p;
	*cap = nc;
	return 0;
}

static int name_add(struct duty_book *b, int64_t id, const char *name, const char *phone)
{
	for (size_t i = 0; i < b->nnames; i++)
		if (b->names[i].id == id)
			return 0;
	if (id <= 0)
		return 0;
	if (grow((void **)&b->names, &b->cap_names, b->nnames, sizeof(b->names[0])) < 0)
		return -1;
	b->names[b->nnames].id = id;
	str_copy(b->names[b->nnames].name, sizeof(b->names[0].name), name);
	str_copy(b->names[b->nnames].phone, sizeof(b->names[0].phone), phone);
	b->nnames++;
	return 0;
}

static int64_t day_or_zero(const char *s)
{
	int64_t d;
	return s && *s && duty_date_parse(s, &d) == 0 ? d : 0;
}

static int book_pattern(void *ctx, const struct duty_pattern_rec *r)
{
	struct duty_book *b = ctx;
	struct duty_pattern_row *p;

	if (grow((void **)&b->pat, &b->cap_pat, b->npat, sizeof(*p)) < 0 ||
	    name_add(b, r->person_id, r->name, r->phone) < 0)
		return -1;
	p = &b->pat[b->npat++];
	p->weekday = r->weekday;
	p->shift = duty_shift_parse(r->shift);
	p->role = duty_role_parse(r->role);
	p->person_id = r->person_id;
	p->from = day_or_zero(r->starts_on);
	p->to = day_or_zero(r->ends_on);
	return 0;
}

static int book_exception(void *ctx, const struct duty_exception_rec *r)
{
	struct duty_book *b = ctx;
	struct duty_exception_row *x;

	if (grow((void **)&b->ex, &b->cap_ex, b->nex, sizeof(*x)) < 0 ||
	    name_add(b, r->person_id, r->name, r->phone) < 0)
		return -1;
	x = &b->ex[b->nex++];
	x->id = r->id;
	x->day = day_or_zero(r->day);
	x->shift = duty_shift_parse(r->shift);
	x->action = duty_ex_parse(r->action);
	x->role = duty_role_parse(r->role);
	x->person_id = r->person_id;
	return 0;
}

static int book_swap(void *ctx, const struct duty_swap_rec *r)
{
	struct duty_book *b = ctx;
	struct duty_swap_row *s;

	if (grow((void **)&b->sw, &b->cap_sw, b->nsw, sizeof(*s)) < 0 ||
	    name_add(b, r->from_person, r->from_name, r->from_phone) < 0 ||
	    name_add(b, r->to_person, r->to_name, r->to_phone) < 0)
		return -1;
	s = &b->sw[b->nsw++];
	s->id = r->id;
	s->day = day_or_zero(r->day);
	s->shift = duty_shift_parse(r->shift);
	s->from_person = r->from_person;
	s->to_person = r->to_person;
	s->back_day = day_or_zero(r->back_day);
	s->back_shift = duty_shift_parse(r->back_shift);
	return 0;
}

int duty_book_load(struct db *db, const char *centre, int64_t from, int64_t to,
                   struct duty_book *b, struct err *e)
{
	char f[DUTY_DATE_LEN], t[DUTY_DATE_LEN];
	int rc;

	memset(b, 0, sizeof(*b));
	str_copy(b->centre, sizeof(b->centre), centre);
	b->from = from;
	b->to = to;
	duty_date_format(from, f);
	duty_date_format(to, t);
	if ((rc = store_duty_pattern_list(db, centre, f, t, book_pattern, b, e)) == 0 &&
	    (rc = store_duty_exception_list(db, centre, f, t, book_exception, b, e)) == 0)
		rc = store_duty_swap_approved(db, centre, f, t, book_swap, b, e);
	if (rc != 0) {
		if (rc > 0)
			oom(e);
		duty_book_release(b);
		return -1;
	}
	return 0;
}

void duty_book_release(struct duty_book *b)
{
	free(b->pat);
	free(b->ex);
	free(b->sw);
	free(b->names);
	memset(b, 0, sizeof(*b));
}

void duty_book_shift(const struct duty_book *b, int64_t day, enum duty_shift s,
                     struct duty_shift_view *out)
{
	memset(out, 0, sizeof(*out));
	str_copy(out->centre, sizeof(out->centre), b->centre);
	out->day = day;
	out->shift = s;
	duty_shift_window(day, s, &out->start, &out->end);
	duty_resolve(b->pat, b->npat, b->ex, b->nex, b->sw, b->nsw, day, s, &out->roster);
	for (int i = 0; i < out->roster.n; i++) {
		out->people[i].id = out->roster.m[i].person_id;
		for (size_t k = 0; k < b->nnames; k++)
			if (b->names[k].id == out->people[i].id) {
				out->people[i] = b->names[k];
				break;
			}
	}
}

/* ============================================================== now */

/* The running shift of a centre at t into v: 1 when somebody is on. */
static int centre_now(struct db *db, const char *centre, time_t t, struct duty_shift_view *v,
                      struct err *e)
{
	struct duty_book b;
	enum duty_shift c[2];
	int64_t day;
	int found = 0;

	duty_shifts_at(t, &day, c);
	if (duty_book_load(db, centre, day, day, &b, e) < 0)
		return -1;
	for (int i = 0; i < 2 && !found; i++) {
		duty_book_shift(&b, day, c[i], v);
		found = v->roster.n > 0;
	}
	if (!found)
		duty_book_shift(&b, day, c[0], v);
	duty_book_release(&b);
	return found;
}

int duty_now(struct db *db, const struct org_model *m, const char *unit, time_t now,
             struct duty_now *out, struct err *e)
{
	const struct org_unit *u = orgmodel_find(m, unit), *town, *district;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!u)
		return unit_unknown(e, "unit", unit ? unit : "");
	str_copy(out->unit, sizeof(out->unit), unit);
	town = u->rec.level >= LEVEL_TOWN ? orgmodel_ancestor(m, u, LEVEL_TOWN) : NULL;
	if (u->rec.level == LEVEL_TOWN)
		town = u;
	district = u->rec.level == LEVEL_DISTRICT ? u : orgmodel_ancestor(m, u, LEVEL_DISTRICT);
	if (town) {
		if ((rc = centre_now(db, town->rec.code, now, &out->view, e)) < 0)
			return -1;
		str_copy(out->centre, sizeof(out->centre), town->rec.code);
		str_copy(out->centre_name, sizeof(out->centre_name), town->rec.name);
		out->found = rc;
		if (rc || !district)
			return 0;
	}
	if (district) {
		struct duty_shift_view dv;
		if ((rc = centre_now(db, district->rec.code, now, &dv, e)) < 0)
			return -1;
		if (rc || !town) {
			out->view = dv;
			out->fallback = town != NULL;
			out->found = rc;
			str_copy(out->centre, sizeof(out->centre), district->rec.code);
			str_copy(out->centre_name, sizeof(out->centre_name), district->rec.name);
		}
	}
	return 0;
}

/* ============================================================= JSON */

static json_t *person_json(const struct duty_person_info *p, const struct duty_member *m)
{
	json_t *j = json_pack("{s:I, s:s}", "id", (json_int_t)p->id, "name", p->name);

	jsonx_set_str_or_null(j, "phone", p->phone);
	if (m && m->swap_id)
		json_object_set_new(j, "swap_id", json_integer(m->swap_id));
	if (m && m->by_exception)
		json_object_set_new(j, "by_exception", json_true());
	return j;
}

static void iso(time_t t, char *buf)
{
	time_iso(t, buf);
}

json_t *duty_shift_json(const struct duty_shift_view *v)
{
	char date[DUTY_DATE_LEN], s[TIME_ISO_MAX], en[TIME_ISO_MAX];
	json_t *leaders = json_array(), *officers = json_array();

	for (int i = 0; i < v->roster.n; i++)
		json_array_append_new(v->roster.m[i].role == DUTY_LEADER ? leaders : officers,
		                      person_json(&v->people[i], &v->roster.m[i]));
	iso(v->start, s);
	iso(v->end, en);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:b}", "date", duty_date_format(v->day, date),
	                 "shift", duty_shift_name(v->shift), "shift_label", duty_shift_label(v->shift),
	                 "start", s, "end", en, "leaders", leaders, "officers", officers,
	                 "planned", v->roster.planned);
}

json_t *duty_now_json(const struct duty_now *n)
{
	json_t *j = json_pack("{s:s, s:{s:s, s:s}, s:b, s:b}", "unit", n->unit, "centre", "code",
	                      n->centre, "name", n->centre_name, "fallback", n->fallback, "on_duty",
	                      n->found);

	json_object_set_new(j, "shift", n->found ? duty_shift_json(&n->view) : json_null());
	return j;
}

/* ============================================================ reads */

int duty_calendar(struct db *db, const struct duty_actor *a, const char *centre, int64_t from,
                  int64_t to, json_t **out, struct err *e)
{
	const struct org_unit *u;
	struct duty_book b;
	struct duty_shift_view v;
	char f[DUTY_DATE_LEN], t[DUTY_DATE_LEN];
	json_t *days;

	if (duty_centre_check(a->p, a->org, centre, 1, "centre", e) < 0)
		return -1;
	if (to < from || to - from + 1 > DUTY_RANGE_MAX)
		return err_set_param(e, 400, "param.invalid", "to", "日期范围须为 1 到 %d 天",
		                     "the date range must be 1 to %d days", DUTY_RANGE_MAX);
	if (duty_book_load(db, centre, from, to, &b, e) < 0)
		return -1;
	u = orgmodel_find(a->org, centre);
	days = json_array();
	for (int64_t d = from; d <= to; d++) {
		json_t *shifts = json_array();
		for (int s = DUTY_DAY; s <= DUTY_FULL; s++) {
			duty_book_shift(&b, d, (enum duty_shift)s, &v);
			if (v.roster.planned || v.roster.n)
				json_array_append_new(shifts, duty_shift_json(&v));
		}
		json_array_append_new(days, json_pack("{s:s, s:i, s:o}", "date", duty_date_format(d, f),
		                                      "weekday", duty_weekday(d), "shifts", shifts));
	}
	duty_book_release(&b);
	*out = json_pack("{s:s, s:s, s:s, s:s, s:o}", "centre", centre, "name", u->rec.name, "from",
	                 duty_date_format(from, f), "to", duty_date_format(to, t), "days", days);
	return 0;
}

/* Append the gaps of one centre over [from, to] to arr. */
static int centre_gaps(struct db *db, const struct org_unit *c, int64_t from, int64_t to,
                       json_t *arr, struct err *e)
{
	struct duty_book b;
	struct duty_shift_view v[4];
	enum duty_gap g[4];
	char date[DUTY_DATE_LEN], s[TIME_ISO_MAX], en[TIME_ISO_MAX];

	if (duty_book_load(db, c->rec.code, from, to, &b, e) < 0)
		return -1;
	for (int64_t d = from; d <= to; d++) {
		for (int k = DUTY_DAY; k <= DUTY_FULL; k++)
			duty_book_shift(&b, d, (enum duty_shift)k, &v[k]);
		duty_gaps(&v[DUTY_DAY].roster, &v[DUTY_NIGHT].roster, &v[DUTY_FULL].roster, g);
		for (int k = DUTY_DAY; k <= DUTY_FULL; k++) {
			if (g[k] == DUTY_GAP_NONE)
				continue;
			iso(v[k].start, s);
			iso(v[k].end, en);
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
			                                     "centre", c->rec.code, "centre_name", c->rec.name,
			                                     "date", duty_date_format(d, date),
			                                     "shift", duty_shift_name((enum duty_shift)k),
			                                     "start", s, "end", en,
			                                     "reason", duty_gap_name(g[k])));
		}
	}
	duty_book_release(&b);
	return 0;
}

int duty_gaps_list(struct db *db, const struct duty_actor *a, const char *unit, int days,
                   time_t now, json_t **out, struct err *e)
{
	const struct org_unit *u, *c;
	enum duty_shift cand[2];
	char f[DUTY_DATE_LEN], t[DUTY_DATE_LEN];
	int64_t from, to;
	json_t *arr;

	if (duty_unit_check(a->p, a->org, unit, 1, "unit", e) < 0)
		return -1;
	if (days < 1 || days > DUTY_GAP_DAYS_MAX)
		return err_set_param(e, 400, "param.invalid", "days", "参数 'days' 须在 1 到 %d 之间",
		                     "parameter 'days' must be in [1, %d]", DUTY_GAP_DAYS_MAX);
	duty_shifts_at(now, &from, cand);
	to = from + days - 1;
	u = orgmodel_find(a->org, unit);
	c = u->rec.level <= LEVEL_TOWN ? u : orgmodel_ancestor(a->org, u, LEVEL_TOWN);
	arr = json_array();
	if (!c || centre_gaps(db, c, from, to, arr, e) < 0)
		goto fail;
	if (c->rec.level == LEVEL_DISTRICT)        /* and every town below it */
		for (size_t i = 0; i < c->nchildren; i++) {
			const struct org_unit *town = &a->org->units[c->children[i]];
			if (town->rec.level == LEVEL_TOWN && duty_can_read(a->p, town->rec.code, 1) &&
			    centre_gaps(db, town, from, to, arr, e) < 0)
				goto fail;
		}
	*out = json_pack("{s:s, s:s, s:s, s:o}", "unit", unit, "from", duty_date_format(from, f), "to",
	                 duty_date_format(to, t), "gaps", arr);
	return 0;
fail:
	if (!err_isset(e))
		err_set(e, 500, "internal.error", "内部错误", "internal error");
	json_decref(arr);
	return -1;
}

static int pattern_row_json(void *ctx, const struct duty_pattern_rec *r)
{
	json_t *j = json_pack("{s:I, s:i, s:s, s:s, s:{s:I, s:s}, s:s}", "id", (json_int_t)r->id,
	                      "weekday", r->weekday, "shift", r->shift, "role", r->role, "person",
	                      "id", (json_int_t)r->person_id, "name", r->name, "starts_on", r->starts_on);

	jsonx_set_str_or_null(json_object_get(j, "person"), "phone", r->phone);
	jsonx_set_str_or_null(j, "ends_on", r->ends_on);
	json_array_append_new(ctx, j);
	return 0;
}

int duty_pattern_get(struct db *db, const struct duty_actor *a, const char *centre,
                     time_t now, json_t **out, struct err *e)
{
	char today[DUTY_DATE_LEN];
	enum duty_shift c[2];
	int64_t day;
	json_t *rows;

	if (duty_centre_check(a->p, a->org, centre, 0, "centre", e) < 0)
		return -1;
	duty_shifts_at(now, &day, c);
	rows = json_array();
	if (store_duty_pattern_list(db, centre, duty_date_format(day, today), "9999-12-31",
	                            pattern_row_json, rows, e) != 0) {
		json_decref(rows);
		return -1;
	}
	*out = json_pack("{s:s, s:s, s:o}", "centre", centre, "name",
	                 orgmodel_find(a->org, centre)->rec.name, "rows", rows);
	return 0;
}

/* ========================================================== changes */

/* The first day a change may touch: the current duty date (yesterday
 * before 08:00, while last night's shift still runs). */
static int64_t first_open_day(time_t now)
{
	enum duty_shift c[2];
	int64_t day;

	duty_shifts_at(now, &day, c);
	return day;
}

static int day_open(int64_t day, time_t now, const char *param, struct err *e)
{
	int64_t first = first_open_day(now);

	if (day < first)
		return err_set_param(e, 400, "duty.past", param, "不能修改已结束的班次",
		                     "shifts that have ended cannot be changed");
	if (day > first + DUTY_AHEAD_MAX)
		return err_set_param(e, 400, "duty.too_far", param, "最多只能安排 %d 天以内的班次",
		                     "shifts can be planned at most %d days ahead", DUTY_AHEAD_MAX);
	return 0;
}

static int person_exists(struct db *db, int64_t id, struct person_rec *p, struct err *e)
{
	struct person_rec tmp;
	struct err inner = ERR_INIT;

	if (store_duty_person(db, id, p ? p : &tmp, &inner) == 0)
		return 0;
	if (inner.status == 404)
		return err_set_param(e, 400, "duty.unknown_person", "person_id", "找不到人员 %lld",
		                     "no such person %lld", (long long)id);
	*e = inner;
	return -1;
}

static int audit_centre(struct db *db, const struct duty_actor *a, const char *action,
                        const char *target, const char *detail, struct err *e)
{
	struct audit_entry en;

	if (a->p)
		return audit_record(db, a->p, action, target, a->ip, "ok", detail, e);
	memset(&en, 0, sizeof(en));
	en.actor = "-";
	en.action = action;
	en.target = target;
	en.ip = a->ip;
	en.result = "ok";
	en.detail = detail;
	return store_audit_append(db, &en, e);
}

int duty_pattern_set(struct db *db, const struct duty_actor *a, const char *centre, int64_t starts,
                     const struct duty_slot_spec *slots, int nslots, time_t now, int *rows,
                     struct err *e)
{
	char sd[DUTY_DATE_LEN], before[DUTY_DATE_LEN], target[48], detail[160];
	struct duty_pattern_rec r;
	int ret = -1, n = 0;

	*rows = 0;
	if (managed_centre(a, centre, e) < 0 || day_open(starts, now, "starts_on", e) < 0)
		return -1;
	if (nslots < 0 || nslots > DUTY_PATTERN_SLOTS_MAX)
		return err_set_param(e, 400, "field.too_many", "slots", "班次最多 %d 个",
		                     "at most %d slots", DUTY_PATTERN_SLOTS_MAX);
	for (int i = 0; i < nslots; i++) {
		const struct duty_slot_spec *s = &slots[i];
		if (s->weekday < 1 || s->weekday > 7 || s->shift == DUTY_SHIFT_NONE)
			return err_set_param(e, 400, "field.invalid", "slots",
			                     "第 %d 个班次的星期或班型无效", "slot %d: bad weekday or shift", i + 1);
		if (s->nleaders + s->nofficers > DUTY_SLOT_MAX || s->nleaders < 0 || s->nofficers < 0)
			return err_set_param(e, 400, "field.too_many", "slots", "每个班次最多 %d 人",
			                     "at most %d people per shift", DUTY_SLOT_MAX);
		for (int k = 0; k < i; k++) {
			const struct duty_slot_spec *o = &slots[k];
			if (o->weekday != s->weekday)
				continue;
			if (o->shift == s->shift)
				return err_set_param(e, 400, "duty.duplicate_slot", "slots",
				                     "星期 %d 的%s重复", "weekday %d: %s shift given twice",
				                     s->weekday, duty_shift_label(s->shift));
			if (o->shift == DUTY_FULL || s->shift == DUTY_FULL)
				return err_set_param(e, 400, "duty.overlap", "slots",
				                     "星期 %d 的24小时班与白班/夜班重叠",
				                     "weekday %d: a 24-hour shift overlaps day or night", s->weekday);
		}
		for (int x = 0; x < s->nleaders + s->nofficers; x++) {
			int64_t id = x < s->nleaders ? s->leaders[x] : s->officers[x - s->nleaders];
			for (int y = 0; y < x; y++)
				if ((y < s->nleaders ? s->leaders[y] : s->officers[y - s->nleaders]) == id)
					return err_set_param(e, 400, "duty.duplicate_person", "slots",
					                     "人员 %lld 在同一班次出现两次",
					                     "person %lld appears twice on one shift", (long long)id);
			if (person_exists(db, id, NULL, e) < 0)
				return -1;
		}
	}
	duty_date_format(starts, sd);
	duty_date_format(starts - 1, before);
	if (db_begin(db, e) < 0)
		return -1;
	if (store_duty_pattern_cut(db, centre, sd, before, e) < 0)
		goto out;
	for (int i = 0; i < nslots; i++) {
		const struct duty_slot_spec *s = &slots[i];
		for (int x = 0; x < s->nleaders + s->nofficers; x++) {
			memset(&r, 0, sizeof(r));
			str_copy(r.centre, sizeof(r.centre), centre);
			r.weekday = s->weekday;
			str_copy(r.shift, sizeof(r.shift), duty_shift_name(s->shift));
			str_copy(r.role, sizeof(r.role), duty_role_name(x < s->nleaders ? DUTY_LEADER : DUTY_OFFICER));
			r.person_id = x < s->nleaders ? s->leaders[x] : s->officers[x - s->nleaders];
			str_copy(r.starts_on, sizeof(r.starts_on), sd);
			r.created_by = a->p ? a->p->account_id : 0;
			if (store_duty_pattern_add(db, &r, e) < 0)
				goto out;
			n++;
		}
	}
	snprintf(target, sizeof(target), "centre:%s", centre);
	snprintf(detail, sizeof(detail), "from %s: %d shifts, %d rows", sd, nslots, n);
	if (audit_centre(db, a, AUDIT_DUTY_PATTERN, target, detail, e) < 0 || db_commit(db, e) < 0)
		goto out;
	*rows = n;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	return ret;
}

int duty_exception_add(struct db *db, const struct duty_actor *a, const char *centre,
                       const struct duty_exception_spec *s, time_t now, int64_t *id,
                       struct err *e)
{
	struct duty_exception_rec r;
	char target[48], detail[200];
	int ret = -1;

	if (managed_centre(a, centre, e) < 0 || day_open(s->day, now, "date", e) < 0)
		return -1;
	if (s->shift == DUTY_SHIFT_NONE)
		return err_set_param(e, 400, "field.invalid", "shift", "班型须为 day、night 或 full",
		                     "shift must be day, night or full");
	if (s->action == DUTY_EX_NONE)
		return err_set_param(e, 400, "field.invalid", "action", "调整方式须为 add、remove 或 clear",
		                     "action must be add, remove or clear");
	if (s->action == DUTY_EX_ADD && s->role == DUTY_ROLE_NONE)
		return err_set_param(e, 400, "field.invalid", "role", "加人须指定角色 leader 或 officer",
		                     "adding someone needs a role: leader or officer");
	if (s->action != DUTY_EX_CLEAR && s->person_id <= 0)
		return err_set_param(e, 400, "field.missing", "person_id", "缺少字段 'person_id'",
		                     "missing field 'person_id'");
	if (s->action != DUTY_EX_CLEAR && person_exists(db, s->person_id, NULL, e) < 0)
		return -1;
	memset(&r, 0, sizeof(r));
	str_copy(r.centre, sizeof(r.centre), centre);
	duty_date_format(s->day, r.day);
	str_copy(r.shift, sizeof(r.shift), duty_shift_name(s->shift));
	str_copy(r.action, sizeof(r.action), duty_ex_name(s->action));
	if (s->action == DUTY_EX_ADD)
		str_copy(r.role, sizeof(r.role), duty_role_name(s->role));
	r.person_id = s->action == DUTY_EX_CLEAR ? 0 : s->person_id;
	str_copy(r.note, sizeof(r.note), s->note ? s->note : "");
	r.created_by = a->p ? a->p->account_id : 0;
	if (db_begin(db, e) < 0)
		return -1;
	if (store_duty_exception_add(db, &r, id, e) < 0)
		goto out;
	snprintf(target, sizeof(target), "duty_exception:%lld", (long long)*id);
	snprintf(detail, sizeof(detail), "%s %s %s %s person %lld", centre, r.day, r.shift, r.action,
	         (long long)r.person_id);
	if (audit_centre(db, a, AUDIT_DUTY_EXCEPTION_ADD, target, detail, e) < 0 || db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	return ret;
}

int duty_exception_delete(struct db *db, const struct duty_actor *a, const char *centre,
                          int64_t id, time_t now, struct err *e)
{
	struct duty_exception_rec r;
	char target[48], detail[200];
	int64_t day;
	int ret = -1;

	if (managed_centre(a, centre, e) < 0)
		return -1;
	if (db_begin(db, e) < 0)
		return -1;
	if (store_duty_exception_get(db, id, &r, e) < 0)
		goto out;
	if (strcmp(r.centre, centre)) {
		err_set(e, 404, "duty.exception_not_found", "找不到该值班调整", "no such duty exception");
		goto out;
	}
	if (duty_date_parse(r.day, &day) < 0 || day_open(day, now, "id", e) < 0)
		goto out;
	if (store_duty_exception_delete(db, id, e) < 0)
		goto out;
	snprintf(target, sizeof(target), "duty_exception:%lld", (long long)id);
	snprintf(detail, sizeof(detail), "%s %s %s %s person %lld", centre, r.day, r.shift, r.action,
	         (long long)r.person_id);
	if (audit_centre(db, a, AUDIT_DUTY_EXCEPTION_DELETE, target, detail, e) < 0 ||
	    db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	return ret;
}

/* ============================================================ swaps */

/* The person linked to the caller's account, or 0. */
static int caller_person(struct db *db, const struct principal *p, int64_t *out, struct err *e)
{
	struct account_rec acc;

	*out = 0;
	if (!p)
		return 0;
	if (store_account_get(db, p->account_id, &acc, e) < 0)
		return -1;
	*out = acc.person_id;
	return 0;
}

/* Who is on (day, shift) of a centre now, approved swaps included. */
static int roster_of(struct db *db, const char *centre, int64_t day, enum duty_shift s,
                     struct duty_roster *out, struct err *e)
{
	struct duty_book b;
	struct duty_shift_view v;

	if (duty_book_load(db, centre, day, day, &b, e) < 0)
		return -1;
	duty_book_shift(&b, day, s, &v);
	*out = v.roster;
	duty_book_release(&b);
	return 0;
}

/* The giving person is on the leg and the taking one is not. */
static int leg_ok(struct db *db, const char *centre, int64_t day, enum duty_shift s, int64_t giver,
                  int64_t taker, const char *code, struct err *e)
{
	struct duty_roster r;

	if (roster_of(db, centre, day, s, &r, e) < 0)
		return -1;
	if (duty_roster_has(&r, giver) == DUTY_ROLE_NONE)
		return err_set(e, 409, code, "人员 %lld 不在该班次（%s）",
		               "person %lld is not on that shift (%s)", (long long)giver,
		               duty_shift_name(s));
	if (duty_roster_has(&r, taker) != DUTY_ROLE_NONE)
		return err_set(e, 409, code, "人员 %lld 已在该班次（%s）",
		               "person %lld is already on that shift (%s)", (long long)taker,
		               duty_shift_name(s));
	return 0;
}

int duty_swap_request(struct db *db, const struct duty_actor *a, const struct duty_swap_spec *s,
                      time_t now, int64_t *id, struct err *e)
{
	struct duty_swap_rec r;
	char target[48], detail[200];
	int64_t me, from;
	int pending, ret = -1;

	if (duty_centre_check(a->p, a->org, s->centre, 1, "centre", e) < 0 ||
	    day_open(s->day, now, "date", e) < 0)
		return -1;
	if (s->shift == DUTY_SHIFT_NONE)
		return err_set_param(e, 400, "field.invalid", "shift", "班型须为 day、night 或 full",
		                     "shift must be day, night or full");
	if (s->back_day && (s->back_shift == DUTY_SHIFT_NONE || day_open(s->back_day, now, "back_date", e) < 0))
		return err_isset(e) ? -1 : err_set_param(e, 400, "field.invalid", "back_shift",
		                                         "还班须指定班型 day、night 或 full",
		                                         "a return leg needs back_shift: day, night or full");
	if (s->back_day == s->day && s->back_shift == s->shift)
		return err_set_param(e, 400, "field.invalid", "back_date", "还班不能是同一班次",
		                     "the return leg cannot be the same shift");
	if (caller_person(db, a->p, &me, e) < 0)
		return -1;
	from = s->from_person > 0 ? s->from_person : me;
	if (from <= 0)
		return err_set(e, 409, "duty.no_person", "你的账号未关联人员档案，不能申请换班",
		               "your account is not linked to a staff record: no swap possible");
	if (from != me && !duty_can_manage(a->p, s->centre))
		return err_set_param(e, 403, "duty.not_yours", "from_person_id",
		                     "只能为自己申请换班", "you can only ask to swap your own shifts");
	if (s->to_person == from)
		return err_set_param(e, 400, "field.invalid", "to_person_id", "不能与自己换班",
		                     "you cannot swap with yourself");
	if (person_exists(db, from, NULL, e) < 0 || person_exists(db, s->to_person, NULL, e) < 0)
		return -1;
	if (db_begin(db, e) < 0)
		return -1;
	if (leg_ok(db, s->centre, s->day, s->shift, from, s->to_person, "duty.not_on_duty", e) < 0 ||
	    (s->back_day && leg_ok(db, s->centre, s->back_day, s->back_shift, s->to_person, from,
	                           "duty.not_on_duty", e) < 0))
		goto out;
	memset(&r, 0, sizeof(r));
	str_copy(r.centre, sizeof(r.centre), s->centre);
	duty_date_format(s->day, r.day);
	str_copy(r.shift, sizeof(r.shift), duty_shift_name(s->shift));
	if (store_duty_swap_pending(db, r.centre, r.day, r.shift, from, &pending, e) < 0)
		goto out;
	if (pending) {
		err_set(e, 409, "duty.swap_pending", "该班次已有待审批的换班申请",
		        "a swap of that shift is already waiting for approval");
		goto out;
	}
	r.from_person = from;
	r.to_person = s->to_person;
	if (s->back_day) {
		duty_date_format(s->back_day, r.back_day);
		str_copy(r.back_shift, sizeof(r.back_shift), duty_shift_name(s->back_shift));
	}
	str_copy(r.reason, sizeof(r.reason), s->reason ? s->reason : "");
	r.requested_by = a->p ? a->p->account_id : 0;
	if (store_duty_swap_add(db, &r, id, e) < 0)
		goto out;
	snprintf(target, sizeof(target), "duty_swap:%lld", (long long)*id);
	snprintf(detail, sizeof(detail), "%s %s %s: %lld -> %lld%s%s", r.centre, r.day, r.shift,
	         (long long)from, (long long)r.to_person, r.back_day[0] ? ", back " : "", r.back_day);
	if (audit_centre(db, a, AUDIT_DUTY_SWAP_REQUEST, target, detail, e) < 0 || db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	return ret;
}

int duty_swap_decide(struct db *db, const struct duty_actor *a, int64_t id, int approve,
                     const char *note, struct err *e)
{
	struct duty_swap_rec r;
	char target[48], detail[160];
	int64_t day, back = 0;
	int ret = -1;

	if (db_begin(db, e) < 0)
		return -1;
	if (store_duty_swap_get(db, id, &r, e) < 0)
		goto out;
	if (a->p && !auth_scope(a->p, ROLE_COMMAND, r.centre)) {
		err_set(e, 404, "duty.swap_not_found", "找不到该换班申请", "no such swap");
		goto out;
	}
	if (strcmp(r.status, "pending")) {
		err_set(e, 409, "duty.swap_decided", "该换班申请已处理", "the swap was already decided");
		goto out;
	}
	if (approve) {
		if (duty_date_parse(r.day, &day) < 0 || (r.back_day[0] && duty_date_parse(r.back_day, &back) < 0)) {
			err_set(e, 500, "duty.bad_row", "换班记录损坏", "corrupt swap row");
			goto out;
		}
		if (leg_ok(db, r.centre, day, duty_shift_parse(r.shift), r.from_person, r.to_person,
		           "duty.swap_stale", e) < 0 ||
		    (back && leg_ok(db, r.centre, back, duty_shift_parse(r.back_shift), r.to_person,
		                    r.from_person, "duty.swap_stale", e) < 0))
			goto out;
	}
	if (store_duty_swap_decide(db, id, approve ? "approved" : "rejected",
	                           a->p ? a->p->account_id : 0, note, e) < 0)
		goto out;
	snprintf(target, sizeof(target), "duty_swap:%lld", (long long)id);
	snprintf(detail, sizeof(detail), "%s %s %s: %s", r.centre, r.day, r.shift,
	         approve ? "approved" : "rejected");
	if (audit_centre(db, a, AUDIT_DUTY_SWAP_DECIDE, target, detail, e) < 0 || db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	return ret;
}

json_t *duty_swap_json(const struct duty_swap_rec *r)
{
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:{s:I, s:s}, s:{s:I, s:s}, s:s, s:s}",
	                      "id", (json_int_t)r->id, "centre", r->centre, "date", r->day,
	                      "shift", r->shift, "from", "id", (json_int_t)r->from_person, "name",
	                      r->from_name, "to", "id", (json_int_t)r->to_person, "name", r->to_name,
	                      "status", r->status, "created_at", r->created_at);

	jsonx_set_str_or_null(j, "back_date", r->back_day);
	jsonx_set_str_or_null(j, "back_shift", r->back_shift);
	jsonx_set_str_or_null(j, "reason", r->reason);
	jsonx_set_str_or_null(j, "decided_at", r->decided_at);
	jsonx_set_str_or_null(j, "decision_note", r->decision_note);
	json_object_set_new(j, "requested_by", r->requested_by ? json_integer(r->requested_by) : json_null());
	json_object_set_new(j, "decided_by", r->decided_by ? json_integer(r->decided_by) : json_null());
	return j;
}

int duty_swap_get_json(struct db *db, int64_t id, json_t **out, struct err *e)
{
	struct duty_swap_rec r;

	if (store_duty_swap_get(db, id, &r, e) < 0)
		return -1;
	*out = duty_swap_json(&r);
	return 0;
}

static int swap_row(void *ctx, const struct duty_swap_rec *r)
{
	json_array_append_new(ctx, duty_swap_json(r));
	return 0;
}

int duty_swap_list(struct db *db, const struct duty_actor *a, const char *centre,
                   const char *status, int64_t before, int limit, json_t **out, struct err *e)
{
	json_t *arr;

	if (duty_centre_check(a->p, a->org, centre, 1, "centre", e) < 0)
		return -1;
	if (status && strcmp(status, "pending") && strcmp(status, "approved") && strcmp(status, "rejected"))
		return err_set_param(e, 400, "param.invalid", "status",
		                     "参数 'status' 须为 pending、approved 或 rejected",
		                     "parameter 'status' must be pending, approved or rejected");
	arr = json_array();
	if (store_duty_swap_list(db, centre, status, before, limit, swap_row, arr, e) != 0) {
		json_decref(arr);
		return -1;
	}
	*out = json_pack("{s:s, s:o}", "centre", centre, "swaps", arr);
	return 0;
}

/* ============================================================== log */

int duty_log_add(struct db *db, const struct duty_actor *a, const char *centre, int64_t day,
                 enum duty_shift shift, const char *kind, const char *text, time_t now,
                 int64_t *id, struct err *e)
{
	struct duty_log_rec r;
	struct duty_roster ro;
	enum duty_shift c[2];
	char target[48], detail[96];
	int64_t cur, me;
	size_t len = text ? strlen(text) : 0;
	int ret = -1;

	if (duty_centre_check(a->p, a->org, centre, 1, "centre", e) < 0)
		return -1;
	if (!kind || (strcmp(kind, "log") && strcmp(kind, "handover")))
		return err_set_param(e, 400, "field.invalid", "kind", "类型须为 log 或 handover",
		                     "kind must be log or handover");
	if (len == 0 || len > DUTY_LOG_MAX || !str_valid_utf8(text, len))
		return err_set_param(e, 400, "field.invalid", "text", "内容须为 1 到 %d 字节的文本",
		                     "text must be 1 to %d bytes of text", DUTY_LOG_MAX);
	duty_shifts_at(now, &cur, c);
	if (!day)
		day = cur;
	if (day > cur || day < cur - 2)
		return err_set_param(e, 400, "duty.log_window", "date",
		                     "值班日志只能写当前或前两天的班次",
		                     "the log takes entries for the current and the two previous duty dates only");
	if (db_begin(db, e) < 0)
		return -1;
	if (shift == DUTY_SHIFT_NONE) {              /* the shift running now, staffed first */
		shift = c[0];
		if (roster_of(db, centre, day, c[0], &ro, e) < 0)
			goto out;
		if (!ro.n) {
			if (roster_of(db, centre, day, c[1], &ro, e) < 0)
				goto out;
			if (ro.n)
				shift = c[1];
		}
	}
	if (!duty_can_manage(a->p, centre)) {
		if (caller_person(db, a->p, &me, e) < 0 || roster_of(db, centre, day, shift, &ro, e) < 0)
			goto out;
		if (!me || duty_roster_has(&ro, me) == DUTY_ROLE_NONE) {
			err_set(e, 403, "duty.not_on_shift", "只有该班次的值班人员或指挥中心可以写值班日志",
			        "only the people on that shift or the centre's command may write its log");
			goto out;
		}
	}
	memset(&r, 0, sizeof(r));
	str_copy(r.centre, sizeof(r.centre), centre);
	duty_date_format(day, r.day);
	str_copy(r.shift, sizeof(r.shift), duty_shift_name(shift));
	str_copy(r.kind, sizeof(r.kind), kind);
	r.body = text;
	r.author_id = a->p ? a->p->account_id : 0;
	str_copy(r.author_name, sizeof(r.author_name), a->p ? a->p->display_name : "-");
	if (store_duty_log_add(db, &r, id, e) < 0)
		goto out;
	snprintf(target, sizeof(target), "duty_log:%lld", (long long)*id);
	snprintf(detail, sizeof(detail), "%s %s %s %s", centre, r.day, r.shift, kind);
	if (audit_centre(db, a, AUDIT_DUTY_LOG, target, detail, e) < 0 || db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	return ret;
}

static int log_row(void *ctx, const struct duty_log_rec *r)
{
	json_array_append_new(ctx, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
	                                     (json_int_t)r->id, "date", r->day, "shift", r->shift,
	                                     "kind", r->kind, "text", r->body ? r->body : "",
	                                     "author", r->author_name, "created_at", r->created_at));
	return 0;
}

int duty_log_list(struct db *db, const struct duty_actor *a, const char *centre, int64_t from,
                  int64_t to, enum duty_shift shift, json_t **out, struct err *e)
{
	char f[DUTY_DATE_LEN], t[DUTY_DATE_LEN];
	json_t *arr;

	if (duty_centre_check(a->p, a->org, centre, 1, "centre", e) < 0)
		return -1;
	if (to < from || to - from + 1 > DUTY_RANGE_MAX)
		return err_set_param(e, 400, "param.invalid", "to", "日期范围须为 1 到 %d 天",
		                     "the date range must be 1 to %d days", DUTY_RANGE_MAX);
	arr = json_array();
	if (store_duty_log_list(db, centre, duty_date_format(from, f), duty_date_format(to, t),
	                        shift ? duty_shift_name(shift) : NULL, LOG_LIST_MAX, log_row, arr, e) != 0) {
		json_decref(arr);
		return -1;
	}
	*out = json_pack("{s:s, s:s, s:s, s:o}", "centre", centre, "from", f, "to", t, "entries", arr);
	return 0;
}
