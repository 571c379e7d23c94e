/*
 * screen.c - the command big screen's summary (see screen.h): reads the
 * per-grid counters of store/store_screen.c, rolls them up to the unit,
 * its children and the map's level through the org snapshot, adds the duty
 * rota (app/duty.h), the forces and the alerts, and keeps the resulting
 * JSON text in a small in-memory cache shared by every request thread.
 *
 * Where it sits: api/api_screen.c (HTTP) -> here -> store/store_screen.c
 * (SQL), app/duty.c (who is on duty), app/orgmodel.c (names, the tree).
 */
#include <jansson.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "app/screen.h"
#include "app/duty.h"
#include "domain/event_flow.h"
#include "domain/role.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "store/store_screen.h"
#include "lib/banned.h"

#define DAY_S 86400
#define CATEGORIES_MAX 256

/* ============================================================ time */

/* Local (China) midnight at or before t. */
static int64_t local_day_start(int64_t t)
{
	int64_t l = t + SCREEN_TZ_OFFSET;
	int64_t d = l / DAY_S - (l % DAY_S < 0);

	return d * DAY_S - SCREEN_TZ_OFFSET;
}

/* The first local midnight of t's month, and of the month after. */
static void local_month(int64_t t, int64_t *start, int64_t *next, char ym[8])
{
	time_t l = (time_t)(t + SCREEN_TZ_OFFSET);
	struct tm tm;

	gmtime_r(&l, &tm);
	snprintf(ym, 8, "%04d-%02d", tm.tm_year + 1900, tm.tm_mon + 1);
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	*start = (int64_t)timegm(&tm) - SCREEN_TZ_OFFSET;
	tm.tm_mon += 1;
	*next = (int64_t)timegm(&tm) - SCREEN_TZ_OFFSET;
}

/* YYYY-MM-DD of a China-time day number (local seconds / 86400). */
static void daynum_date(int64_t daynum, char out[12])
{
	time_t t = (time_t)(daynum * DAY_S);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 12, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

static json_t *iso_or_null(int64_t t)
{
	char buf[TIME_ISO_MAX];

	return t ? json_string(time_iso((time_t)t, buf)) : json_null();
}

/* ============================================================ figures */

/* Everything counted for one unit. */
struct figures {
	int64_t reported, closed, on_time, overdue_open, rated, rated_ok, escalated, rejected;
	int64_t open_now, overdue_now, red_now, supervised_now;
};

static void figures_add_month(struct figures *f, const struct screen_grid_counts *r)
{
	f->reported += r->reported;
	f->closed += r->closed;
	f->on_time += r->on_time;
	f->overdue_open += r->overdue_open;
	f->rated += r->rated;
	f->rated_ok += r->rated_ok;
	f->escalated += r->escalated;
	f->rejected += r->rejected;
}

static void figures_add_open(struct figures *f, const struct screen_open_row *r)
{
	f->open_now += r->open;
	f->overdue_now += r->overdue;
	f->red_now += r->red;
	f->supervised_now += r->supervised;
}

/* n / d, or JSON null when there is nothing to measure (docs/kpi.md). */
static json_t *rate(int64_t n, int64_t d)
{
	return d > 0 ? json_real((double)n / (double)d) : json_null();
}

static double rate_sort(int64_t n, int64_t d)
{
	return d > 0 ? (double)n / (double)d : -1.0;
}

/* The units of one level under the screen's unit, ordered by code, each
 * with its figures; rows of grids are credited by code prefix. */
struct unit_set {
	enum unit_level level;
	size_t prefix;                   /* code length of that level */
	const struct org_unit **u;
	struct figures *f;
	size_t n;
};

static size_t level_len(enum unit_level l)
{
	static const size_t len[] = {0, 6, 9, 12, 14, 16};

	return (unsigned)l <= LEVEL_GRID ? len[l] : 0;
}

/* First index in m->units whose code is >= code. */
static size_t lower_bound(const struct org_model *m, const char *code)
{
	size_t lo = 0, hi = m->nunits;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(m->units[mid].rec.code, code) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int unit_set_init(struct unit_set *s, const struct org_model *m, const char *lo,
                         const char *hi, enum unit_level level)
{
	size_t a = lower_bound(m, lo), b = lower_bound(m, hi), k = 0;

	memset(s, 0, sizeof(*s));
	s->level = level;
	s->prefix = level_len(level);
	s->u = calloc(b - a + 1, sizeof(*s->u));
	s->f = calloc(b - a + 1, sizeof(*s->f));
	if (!s->u || !s->f)
		return -1;
	for (size_t i = a; i < b; i++)
		if (m->units[i].rec.level == (int)level)
			s->u[k++] = &m->units[i];
	s->n = k;
	return 0;
}

static void unit_set_release(struct unit_set *s)
{
	free(s->u);
	free(s->f);
	memset(s, 0, sizeof(*s));
}

/* The figures of the unit of s holding grid `grid`, or NULL. */
static struct figures *unit_set_find(struct unit_set *s, const char *grid)
{
	size_t lo = 0, hi = s->n;

	if (strlen(grid) < s->prefix)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(s->u[mid]->rec.code, grid, s->prefix);
		if (c == 0)
			return &s->f[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* ============================================================ the build */

struct category {
	char code[SCREEN_CODE_MAX], parent[SCREEN_CODE_MAX], name[96];
	int64_t reported, closed;        /* level 1: the month's roll-up */
};

struct build {
	const struct org_model *m;
	struct figures total;
	struct unit_set kids, map;       /* map.u == NULL: same as kids */
	int separate_map;
	struct category cat[CATEGORIES_MAX];
	size_t ncat;
	int64_t src_reported[8];         /* by index in sources[] */
	int64_t loop_reported[2], loop_closed[2];
	int64_t trend_from_day;          /* day number of the first trend day */
	int64_t reported_by_day[SCREEN_TREND_DAYS], closed_by_day[SCREEN_TREND_DAYS];
	json_t *alerts;
	json_t *forces;                  /* {kind: {status: n}} */
};

static const char *const sources[] = {"patrol", "resident", "wechat", "hotline", "assigned"};
#define NSOURCES (sizeof(sources) / sizeof(sources[0]))

/* Forces (app/forces.h): kinds and statuses in display order. */
static const struct { const char *name, *label; } force_kinds[] = {
	{"grid_worker", "网格员"}, {"grid_leader", "网格长"}, {"station_head", "站长"},
	{"emergency_unit", "最小应急单元"}, {"volunteer", "志愿者"},
};
static const char *const force_statuses[] = {"on_duty", "on_patrol", "handling", "off"};

static int on_month_row(void *ctx, const struct screen_grid_counts *r)
{
	struct build *b = ctx;
	struct figures *f;

	figures_add_month(&b->total, r);
	if ((f = unit_set_find(&b->kids, r->grid)))
		figures_add_month(f, r);
	if (b->separate_map && (f = unit_set_find(&b->map, r->grid)))
		figures_add_month(f, r);
	return 0;
}

static int on_open_row(void *ctx, const struct screen_open_row *r)
{
	struct build *b = ctx;
	struct figures *f;

	figures_add_open(&b->total, r);
	if ((f = unit_set_find(&b->kids, r->grid)))
		figures_add_open(f, r);
	if (b->separate_map && (f = unit_set_find(&b->map, r->grid)))
		figures_add_open(f, r);
	return 0;
}

static int on_category(void *ctx, const char *code, const char *parent, const char *name)
{
	struct build *b = ctx;
	struct category *c;

	if (b->ncat == CATEGORIES_MAX)
		return 0;
	c = &b->cat[b->ncat++];
	memset(c, 0, sizeof(*c));
	str_copy(c->code, sizeof(c->code), code);
	str_copy(c->parent, sizeof(c->parent), parent);
	str_copy(c->name, sizeof(c->name), name);
	return 0;
}

static struct category *category_find(struct build *b, const char *code)
{
	for (size_t i = 0; i < b->ncat; i++)
		if (!strcmp(b->cat[i].code, code))
			return &b->cat[i];
	return NULL;
}

/* The level-1 category of code (itself when level 1), or NULL. */
static struct category *category_top(struct build *b, const char *code)
{
	struct category *c = category_find(b, code);

	if (c && c->parent[0])
		c = category_find(b, c->parent);
	return c;
}

static int on_mix_row(void *ctx, const struct screen_mix_row *r)
{
	struct build *b = ctx;
	struct category *c = category_top(b, r->category);

	if (c) {
		c->reported += r->reported;
		c->closed += r->closed;
	}
	for (size_t i = 0; i < NSOURCES; i++)
		if (!strcmp(sources[i], r->source))
			b->src_reported[i] += r->reported;
	b->loop_reported[r->escalated] += r->reported;
	b->loop_closed[r->escalated] += r->closed;
	return 0;
}

/* "YYYY-MM-DD" -> day number, -1 when malformed. */
static int64_t date_daynum(const char *s)
{
	struct tm tm;
	int y, mo, d;

	if (sscanf(s, "%4d-%2d-%2d", &y, &mo, &d) != 3)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	return (int64_t)timegm(&tm) / DAY_S;
}

static int on_report_day(void *ctx, const char *day, int64_t n)
{
	struct build *b = ctx;
	int64_t i = date_daynum(day) - b->trend_from_day;

	if (i >= 0 && i < SCREEN_TREND_DAYS)
		b->reported_by_day[i] += n;
	return 0;
}

static int on_close_day(void *ctx, int64_t daynum, int64_t n)
{
	struct build *b = ctx;
	int64_t i = daynum - b->trend_from_day;

	if (i >= 0 && i < SCREEN_TREND_DAYS)
		b->closed_by_day[i] += n;
	return 0;
}

/* Names of the grid and its town for an alert. */
static json_t *unit_brief_of(const struct org_model *m, const char *code, int level)
{
	const struct org_unit *u = orgmodel_find(m, code);

	if (u && level && u->rec.level > level)
		u = orgmodel_ancestor(m, u, level);
	return u ? json_pack("{s:s, s:s}", "code", u->rec.code, "name", u->rec.name) : json_null();
}

static int on_alert(void *ctx, const struct screen_alert_row *r)
{
	struct build *b = ctx;
	struct category *c = category_find(b, r->category);
	int st = ev_status_parse(r->status);
	json_t *j;

	j = json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:s, s:s, s:i, s:i, s:i, s:b, s:o, s:o, s:o, s:[f, f]}",
	              "id", (json_int_t)r->id, "title", r->title, "category", r->category,
	              "category_name", c ? c->name : r->category,
	              "grid", unit_brief_of(b->m, r->grid, 0), "town", unit_brief_of(b->m, r->grid, LEVEL_TOWN),
	              "status", r->status, "status_label", st >= 0 ? ev_status_label((enum ev_status)st) : r->status,
	              "urgency", r->urgency, "warning", r->warning, "supervision", r->supervision,
	              "overdue", r->overdue, "deadline_at", iso_or_null(r->deadline_at),
	              "due_at", iso_or_null(r->due_at), "created_at", iso_or_null(r->created_at),
	              "position", r->lon, r->lat);
	if (!j)
		return -1;
	json_array_append_new(b->alerts, j);
	return 0;
}

static int on_force(void *ctx, const char *kind, const char *status, int64_t n)
{
	struct build *b = ctx;
	json_t *k = json_object_get(b->forces, kind);

	if (!k) {
		k = json_object();
		json_object_set_new(b->forces, kind, k);
	}
	json_object_set_new(k, status, json_integer(n + json_integer_value(json_object_get(k, status))));
	return 0;
}

/* {reported, closed, due, on_time, overdue_open, rejected, close_rate,
 *  on_time_rate, satisfaction, open, overdue} of one unit. */
static json_t *figures_json(const struct figures *f)
{
	int64_t due = f->closed + f->overdue_open;

	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:I, s:I}",
	                 "reported", (json_int_t)f->reported, "closed", (json_int_t)f->closed,
	                 "due", (json_int_t)due, "on_time", (json_int_t)f->on_time,
	                 "overdue_open", (json_int_t)f->overdue_open, "rejected", (json_int_t)f->rejected,
	                 "rated", (json_int_t)f->rated,
	                 "close_rate", rate(f->closed, due), "on_time_rate", rate(f->on_time, due),
	                 "satisfaction", rate(f->rated_ok, f->rated),
	                 "open", (json_int_t)f->open_now, "overdue", (json_int_t)f->overdue_now);
}

/* Children ranked by the month's 办结率 (units with nothing due last), then
 * 按期办结率, then by reports. */
struct ranked {
	const struct org_unit *u;
	const struct figures *f;
};

static int ranked_cmp(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	double ra = rate_sort(a->f->closed, a->f->closed + a->f->overdue_open);
	double rb = rate_sort(b->f->closed, b->f->closed + b->f->overdue_open);
	double oa = rate_sort(a->f->on_time, a->f->closed + a->f->overdue_open);
	double ob = rate_sort(b->f->on_time, b->f->closed + b->f->overdue_open);

	if (ra != rb)
		return ra < rb ? 1 : -1;
	if (oa != ob)
		return oa < ob ? 1 : -1;
	if (a->f->reported != b->f->reported)
		return a->f->reported < b->f->reported ? 1 : -1;
	return strcmp(a->u->rec.code, b->u->rec.code);
}

static json_t *children_json(const struct unit_set *s)
{
	struct ranked *r = calloc(s->n + 1, sizeof(*r));
	json_t *arr = json_array();

	if (!r || !arr) {
		free(r);
		json_decref(arr);
		return NULL;
	}
	for (size_t i = 0; i < s->n; i++) {
		r[i].u = s->u[i];
		r[i].f = &s->f[i];
	}
	qsort(r, s->n, sizeof(*r), ranked_cmp);
	for (size_t i = 0; i < s->n; i++) {
		json_t *j = figures_json(r[i].f);
		json_object_set_new(j, "code", json_string(r[i].u->rec.code));
		json_object_set_new(j, "name", json_string(r[i].u->rec.name));
		json_object_set_new(j, "rank", json_integer((json_int_t)i + 1));
		json_array_append_new(arr, j);
	}
	free(r);
	return json_pack("{s:s, s:o}", "level", unit_level_name(s->level), "units", arr);
}

/* The map's values, compact: {level, fields:[…], units:{code:[…]}} with
 * only the units that have something (the rest are zeros). */
static json_t *map_json(const struct unit_set *s)
{
	json_t *units = json_object();

	for (size_t i = 0; i < s->n; i++) {
		const struct figures *f = &s->f[i];
		if (!f->reported && !f->open_now)
			continue;
		json_object_set_new(units, s->u[i]->rec.code,
		                    json_pack("[I, I, I, I, I, I]", (json_int_t)f->open_now,
		                              (json_int_t)f->overdue_now, (json_int_t)f->reported,
		                              (json_int_t)f->closed, (json_int_t)(f->closed + f->overdue_open),
		                              (json_int_t)f->on_time));
	}
	return json_pack("{s:s, s:[s, s, s, s, s, s], s:o}", "level", unit_level_name(s->level), "fields",
	                 "open", "overdue", "reported", "closed", "due", "on_time", "units", units);
}

static json_t *categories_json(struct build *b)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < b->ncat; i++)
		if (!b->cat[i].parent[0])
			json_array_append_new(arr, json_pack("{s:s, s:s, s:I, s:I}", "code", b->cat[i].code,
			                                     "name", b->cat[i].name, "reported",
			                                     (json_int_t)b->cat[i].reported, "closed",
			                                     (json_int_t)b->cat[i].closed));
	return arr;
}

static json_t *sources_json(const struct build *b)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < NSOURCES; i++)
		json_array_append_new(arr, json_pack("{s:s, s:s, s:I}", "source", sources[i], "label",
		                                     ev_source_label(sources[i]), "reported",
		                                     (json_int_t)b->src_reported[i]));
	return arr;
}

static json_t *trend_json(const struct build *b)
{
	json_t *days = json_array(), *rep = json_array(), *clo = json_array();
	char d[12];

	for (int i = 0; i < SCREEN_TREND_DAYS; i++) {
		daynum_date(b->trend_from_day + i, d);
		json_array_append_new(days, json_string(d));
		json_array_append_new(rep, json_integer(b->reported_by_day[i]));
		json_array_append_new(clo, json_integer(b->closed_by_day[i]));
	}
	return json_pack("{s:o, s:o, s:o}", "days", days, "reported", rep, "closed", clo);
}

static json_t *forces_json(const struct build *b)
{
	json_t *arr = json_array();
	json_int_t all = 0, avail = 0;

	for (size_t i = 0; i < sizeof(force_kinds) / sizeof(force_kinds[0]); i++) {
		json_t *k = json_object_get(b->forces, force_kinds[i].name);
		json_t *j = json_pack("{s:s, s:s}", "kind", force_kinds[i].name, "label", force_kinds[i].label);
		json_int_t total = 0;
		for (size_t s = 0; s < sizeof(force_statuses) / sizeof(force_statuses[0]); s++) {
			json_int_t n = json_integer_value(json_object_get(k, force_statuses[s]));
			json_object_set_new(j, force_statuses[s], json_integer(n));
			total += n;
			if (s < 2)
				avail += n;
		}
		json_object_set_new(j, "total", json_integer(total));
		all += total;
		json_array_append_new(arr, j);
	}
	return json_pack("{s:I, s:I, s:o}", "total", all, "available", avail, "by_kind", arr);
}

/* Who is on duty for the unit: duty_now_json, or null without a rota. */
static json_t *duty_json(struct db *db, const struct org_model *m, const char *unit, time_t now)
{
	struct duty_now n;
	struct err e = ERR_INIT;

	if (duty_now(db, m, unit, now, &n, &e) < 0)
		return json_null();
	return duty_now_json(&n);
}

/* The ancestors of u, the district first: [{code, name}]. */
static json_t *path_json(const struct org_model *m, const struct org_unit *u)
{
	json_t *arr = json_array();

	for (long i = u->parent; i >= 0; i = m->units[i].parent)
		json_array_insert_new(arr, 0, json_pack("{s:s, s:s}", "code", m->units[i].rec.code, "name",
		                                        m->units[i].rec.name));
	return arr;
}

enum unit_level screen_child_level(enum unit_level l)
{
	switch (l) {
	case LEVEL_DISTRICT: return LEVEL_TOWN;
	case LEVEL_TOWN: return LEVEL_COMMUNITY;
	default: return LEVEL_GRID;
	}
}

int screen_build(struct db *db, const struct org_model *m, const char *unit,
                 enum unit_level map_level, time_t now, int64_t log_head, json_t **out,
                 struct err *e)
{
	const struct org_unit *u = orgmodel_find(m, unit), *parent;
	struct build *b = calloc(1, sizeof(*b));
	char lo[SCREEN_CODE_MAX], hi[SCREEN_CODE_MAX], ym[8], today_s[12], iso[TIME_ISO_MAX];
	int64_t today = local_day_start(now), month0, month1, trend0;
	enum unit_level child;
	json_t *j = NULL;
	int ret = -1;

	if (!b)
		return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
	if (!u) {
		err_set_param(e, 404, "unit.not_found", "unit", "找不到单位 '%s'", "unknown unit '%s'", unit);
		goto out;
	}
	b->m = m;
	b->alerts = json_array();
	b->forces = json_object();
	child = screen_child_level((enum unit_level)u->rec.level);
	if (map_level == LEVEL_NONE)
		map_level = child;
	store_screen_range(unit, lo, hi);
	if (unit_set_init(&b->kids, m, lo, hi, child) < 0 ||
	    ((b->separate_map = map_level != child) && unit_set_init(&b->map, m, lo, hi, map_level) < 0)) {
		err_set(e, 500, "internal.oom", "内存不足", "out of memory");
		goto out;
	}
	local_month(now, &month0, &month1, ym);
	trend0 = today - (SCREEN_TREND_DAYS - 1) * (int64_t)DAY_S;
	b->trend_from_day = (trend0 + SCREEN_TZ_OFFSET) / DAY_S;
	daynum_date((today + SCREEN_TZ_OFFSET) / DAY_S, today_s);

	if (store_screen_categories(db, on_category, b, e) < 0 ||
	    store_screen_period_by_grid(db, lo, hi, month0, month1, on_month_row, b, e) < 0 ||
	    store_screen_period_mix(db, lo, hi, month0, month1, on_mix_row, b, e) < 0 ||
	    store_screen_open_by_grid(db, lo, hi, on_open_row, b, e) < 0 ||
	    store_screen_reports_by_day(db, lo, hi, trend0, today + DAY_S, on_report_day, b, e) < 0 ||
	    store_screen_closings_by_day(db, lo, hi, trend0, today + DAY_S, on_close_day, b, e) < 0 ||
	    store_screen_alerts(db, lo, hi, SCREEN_ALERTS_MAX, on_alert, b, e) < 0 ||
	    store_screen_forces(db, lo, hi, on_force, b, e) < 0) {
		if (!err_isset(e))
			err_set(e, 500, "internal.json", "内部错误：无法生成 JSON", "internal error: cannot build JSON");
		goto out;
	}

	parent = u->parent >= 0 ? &m->units[u->parent] : NULL;
	j = json_pack("{s:{s:s, s:s, s:s, s:i}, s:o, s:s, s:I, s:{s:s, s:s, s:o}}",
	              "unit", "code", u->rec.code, "name", u->rec.name, "level_name",
	              unit_level_name((enum unit_level)u->rec.level), "level", u->rec.level,
	              "parent", parent ? json_pack("{s:s, s:s}", "code", parent->rec.code, "name",
	                                           parent->rec.name) : json_null(),
	              "generated_at", time_iso(now, iso), "log_head", (json_int_t)log_head,
	              "period", "month", ym, "today", today_s, "month_start", iso_or_null(month0));
	if (!j) {
		err_set(e, 500, "internal.json", "内部错误：无法生成 JSON", "internal error: cannot build JSON");
		goto out;
	}
	{
		struct figures *t = &b->total;
		int64_t due = t->closed + t->overdue_open;
		json_t *tiles = json_pack(
			"{s:I, s:I, s:I, s:o, s:o, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I}",
			"reported_today", (json_int_t)b->reported_by_day[SCREEN_TREND_DAYS - 1],
			"open", (json_int_t)t->open_now,
			"closed_today", (json_int_t)b->closed_by_day[SCREEN_TREND_DAYS - 1],
			"close_rate", rate(t->closed, due), "on_time_rate", rate(t->on_time, due),
			"overdue", (json_int_t)t->overdue_now, "satisfaction", rate(t->rated_ok, t->rated),
			"red", (json_int_t)t->red_now, "supervised", (json_int_t)t->supervised_now,
			"month_reported", (json_int_t)t->reported, "month_closed", (json_int_t)t->closed,
			"month_due", (json_int_t)due, "month_on_time", (json_int_t)t->on_time);
		json_object_set_new(j, "tiles", tiles);
		json_object_set_new(j, "month", figures_json(t));
	}
	json_object_set_new(j, "path", path_json(m, u));
	json_object_set_new(j, "by_category", categories_json(b));
	json_object_set_new(j, "by_source", sources_json(b));
	json_object_set_new(j, "loop", json_pack("{s:{s:I, s:I}, s:{s:I, s:I}}", "internal", "reported",
	                                         (json_int_t)b->loop_reported[0], "closed",
	                                         (json_int_t)b->loop_closed[0], "external", "reported",
	                                         (json_int_t)b->loop_reported[1], "closed",
	                                         (json_int_t)b->loop_closed[1]));
	json_object_set_new(j, "trend", trend_json(b));
	json_object_set_new(j, "children", children_json(&b->kids));
	json_object_set_new(j, "map", map_json(b->separate_map ? &b->map : &b->kids));
	json_object_set_new(j, "duty", duty_json(db, m, unit, now));
	json_object_set_new(j, "forces", forces_json(b));
	json_object_set_new(j, "alerts", b->alerts);
	b->alerts = NULL;
	*out = j;
	j = NULL;
	ret = 0;
out:
	json_decref(j);
	json_decref(b->alerts);
	json_decref(b->forces);
	unit_set_release(&b->kids);
	unit_set_release(&b->map);
	free(b);
	return ret;
}

/* ============================================================ scope */

/* a wall display (app/displays.h) is bound to the unit it shows */
#define SCREEN_ROLES (ROLE_ADMIN | ROLE_COMMAND | ROLE_LEADER | ROLE_DISPLAY)

int screen_unit(const struct principal *p, const struct org_model *m, const char *code,
                char *out, struct err *e)
{
	const struct auth_grant *best = NULL;

	if (!code || !*code) {
		for (int i = 0; p && i < p->ngrants; i++) {
			const struct auth_grant *g = &p->grants[i];
			if ((g->role & SCREEN_ROLES) && g->level > 0 && (!best || g->level < best->level))
				best = g;
		}
		if (!best)
			return err_set_param(e, 404, "unit.not_found", "unit", "没有可显示的单位",
			                     "no unit to show");
		code = best->scope;
	} else if (unit_code_check(code, "unit", e) < 0) {
		return -1;
	}
	if (!orgmodel_find(m, code) || (p && !auth_scope(p, SCREEN_ROLES, code)))
		return err_set_param(e, 404, "unit.not_found", "unit", "找不到单位 '%s'", "unknown unit '%s'",
		                     code);
	str_copy(out, SCREEN_UNIT_MAX, code);
	return 0;
}

/* ============================================================ cache */

struct entry {
	char unit[SCREEN_UNIT_MAX];
	enum unit_level level;
	char *json;                      /* malloc'd, NULL until computed */
	size_t len;
	uint64_t at_us;                  /* when computed (monotonic) */
	uint64_t used_us;                /* last served, for eviction */
	int64_t head;                    /* event_log head read before computing */
	uint64_t cost_us;                /* how long computing it took */
	int computing;                   /* a thread is computing it now */
};

struct screen_cache {
	pthread_mutex_t mu;
	pthread_cond_t cv;               /* a computation finished */
	struct entry e[SCREEN_CACHE_SLOTS];
};

struct screen_cache *screen_cache_new(void)
{
	struct screen_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	return c;
}

void screen_cache_free(struct screen_cache *c)
{
	if (!c)
		return;
	for (int i = 0; i < SCREEN_CACHE_SLOTS; i++)
		free(c->e[i].json);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

/* The slot of (unit, level), or a new one (the least recently used idle
 * slot is recycled); NULL when every slot is being computed. Under mu. */
static struct entry *slot(struct screen_cache *c, const char *unit, enum unit_level level)
{
	struct entry *victim = NULL;

	for (int i = 0; i < SCREEN_CACHE_SLOTS; i++) {
		struct entry *x = &c->e[i];
		if (x->unit[0] && x->level == level && !strcmp(x->unit, unit))
			return x;
		if (!x->computing && (!victim || !x->unit[0] || (victim->unit[0] && x->used_us < victim->used_us)))
			victim = x;
	}
	if (!victim)
		return NULL;
	free(victim->json);
	memset(victim, 0, sizeof(*victim));
	str_copy(victim->unit, sizeof(victim->unit), unit);
	victim->level = level;
	return victim;
}

/* How long an entry is served without a look at the database: at least
 * SCREEN_FRESH_MS, SCREEN_COST_FACTOR times what computing it cost, so a
 * busy district recomputes its summary at most a fifth of the time; never
 * more than SCREEN_CACHE_MS. */
static uint64_t fresh_us(const struct entry *x)
{
	uint64_t f = x->cost_us * SCREEN_COST_FACTOR;

	if (f < SCREEN_FRESH_MS * 1000ull)
		f = SCREEN_FRESH_MS * 1000ull;
	return f < SCREEN_CACHE_MS * 1000ull ? f : SCREEN_CACHE_MS * 1000ull;
}

static int copy_out(struct entry *x, char **out, size_t *len, uint64_t now_us, struct err *e)
{
	if (!(*out = malloc(x->len + 1)))
		return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
	memcpy(*out, x->json, x->len + 1);
	*len = x->len;
	x->used_us = now_us;
	return 0;
}

/* Compute (unit, level) into JSON text; *head gets the log head read first. */
static int compute(struct db *db, const struct org_model *m, const char *unit, enum unit_level level,
                   time_t now, char **json, size_t *len, int64_t *head, struct err *e)
{
	json_t *j = NULL;

	if (store_screen_log_head(db, head, e) < 0 || screen_build(db, m, unit, level, now, *head, &j, e) < 0)
		return -1;
	*json = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
	json_decref(j);
	if (!*json)
		return err_set(e, 500, "internal.json", "内部错误：无法生成 JSON", "internal error: cannot build JSON");
	*len = strlen(*json);
	return 0;
}

int screen_summary(struct screen_cache *c, struct db *db, const struct org_model *m,
                   const char *unit, enum unit_level map_level, time_t now, char **out,
                   size_t *len, int *hit, struct err *e)
{
	const struct org_unit *u = orgmodel_find(m, unit);
	struct entry *x;
	int64_t head = -1;
	uint64_t t0;
	char *json = NULL;
	size_t n = 0;
	int ret = -1;

	*hit = 0;
	if (!u)
		return err_set_param(e, 404, "unit.not_found", "unit", "找不到单位 '%s'", "unknown unit '%s'", unit);
	if (map_level == LEVEL_NONE)
		map_level = screen_child_level((enum unit_level)u->rec.level);
	if (map_level < (enum unit_level)u->rec.level || (map_level == (enum unit_level)u->rec.level && map_level != LEVEL_GRID))
		return err_set_param(e, 400, "param.invalid", "level", "地图层级须低于所选单位",
		                     "the map level must lie below the unit");

	pthread_mutex_lock(&c->mu);
	for (;;) {
		uint64_t now_us = time_mono_us();
		if (!(x = slot(c, unit, map_level))) {
			/* every slot busy: compute without caching */
			pthread_mutex_unlock(&c->mu);
			if (compute(db, m, unit, map_level, now, out, len, &head, e) < 0)
				return -1;
			return 0;
		}
		if (x->computing) {
			pthread_cond_wait(&c->cv, &c->mu);
			continue;
		}
		if (x->json && now_us - x->at_us < fresh_us(x)) {
			ret = copy_out(x, out, len, now_us, e);
			*hit = ret == 0;
			goto unlock;
		}
		if (x->json && now_us - x->at_us < SCREEN_CACHE_MS * 1000ull && head < 0) {
			/* still young: reuse it unless an event changed since */
			uint64_t at = x->at_us;
			pthread_mutex_unlock(&c->mu);
			if (store_screen_log_head(db, &head, e) < 0)
				return -1;
			pthread_mutex_lock(&c->mu);
			if ((x = slot(c, unit, map_level)) && x->json && x->at_us == at && head <= x->head) {
				ret = copy_out(x, out, len, time_mono_us(), e);
				*hit = ret == 0;
				goto unlock;
			}
			continue;
		}
		break;
	}
	/* compute it, once: others asking for the same key wait on cv */
	x->computing = 1;
	pthread_mutex_unlock(&c->mu);
	t0 = time_mono_us();
	ret = compute(db, m, unit, map_level, now, &json, &n, &head, e);
	pthread_mutex_lock(&c->mu);
	x->computing = 0;
	if (ret == 0) {
		free(x->json);
		x->json = json;
		x->len = n;
		x->head = head;
		x->at_us = time_mono_us();
		x->cost_us = x->at_us - t0;
		ret = copy_out(x, out, len, x->at_us, e);
	}
	pthread_cond_broadcast(&c->cv);
unlock:
	pthread_mutex_unlock(&c->mu);
	return ret;
}
