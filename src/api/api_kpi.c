/*
 * api_kpi.c - the KPI resource (docs/kpi.md, docs/api.md "KPIs").
 *
 *   GET /api/v1/kpi?unit=CODE&from=YYYY-MM-DD&to=YYYY-MM-DD&by=category|unit&category=CODE
 *       counters and indicators of a unit subtree over [from, to), with the
 *       环比 and 同比 totals, and rows by category or by child unit
 *   GET /api/v1/kpi/export?format=csv|xlsx&…   the same as a download
 *
 * Defaults: the caller's broadest territorial unit, this month (China
 * time). The unit is a query parameter, so the scope rule that guard.c
 * applies to `:code` is applied here: a unit outside every grant of the
 * route's roles is answered 404 unit.not_found, word for word the answer
 * for a unit that does not exist.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/auth.h"
#include "app/export.h"
#include "app/kpi.h"
#include "app/writer.h"
#include "domain/role.h"
#include "domain/unit_code.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

#define KPI_MAX_MONTHS 36            /* longest period: three years */
#define KPI_ROLES ROLE_TERRITORIAL   /* the roles of both routes (routes.c) */

/* A parsed, checked request and what its answer needs. */
struct kpi_call {
	struct kpi_request q;
	struct org_model *m;
	const struct org_unit *u;
	const char **children;           /* arena */
	const char *by_name;             /* "none" | "category" | "unit" */
	json_t *categories;              /* code -> name */
};

static int reply_unknown(struct http_req *req, const char *code)
{
	struct err e = ERR_INIT;
	err_set(&e, 404, "unit.not_found", "找不到单位 '%s'", "unknown unit '%s'", code);
	return http_reply_err(req, &e);
}

/* The caller's broadest unit among the grants of the route's roles. */
static const char *default_unit(const struct principal *p)
{
	const struct auth_grant *best = NULL;

	for (int i = 0; p && i < p->ngrants; i++) {
		const struct auth_grant *g = &p->grants[i];
		if ((g->role & KPI_ROLES) && g->level && (!best || g->level < best->level))
			best = g;
	}
	return best ? best->scope : NULL;
}

static int day_or_reply(struct http_req *req, const char *name, int32_t def, int32_t *out)
{
	const char *s = http_query(req, name);
	struct err e = ERR_INIT;

	if (!s) {
		*out = def;
		return 0;
	}
	if (kpi_day_parse(s, out) == 0)
		return 0;
	err_set_param(&e, 400, "param.invalid", name, "参数 '%s' 必须是日期 YYYY-MM-DD（%d–%d 年）",
	              "parameter '%s' must be a date YYYY-MM-DD (years %d-%d)", name, KPI_DAY_MIN_YEAR,
	              KPI_DAY_MAX_YEAR);
	http_reply_err(req, &e);
	return -1;
}

/* Category codes are short lower-case ASCII: [a-z0-9_], one optional dot. */
static int category_code_ok(const char *s)
{
	size_t n = strlen(s);
	int dots = 0;

	if (n == 0 || n >= EV_CODE_MAX || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (const char *p = s; *p; p++) {
		if (*p == '.')
			dots++;
		else if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return 0;
	}
	return dots <= 1;
}

/* Parse and check the query; on failure the reply is sent and -1 returned.
 * On success c->m holds a snapshot reference (call_release). */
static int call_parse_or_reply(struct http_req *req, struct kpi_call *c)
{
	const struct principal *p = req->auth;
	const char *unit = http_query(req, "unit"), *by = http_query(req, "by");
	const char *cat = http_query(req, "category");
	struct err e = ERR_INIT;
	char today[TIME_ISO_MAX];
	int32_t now, month;

	memset(c, 0, sizeof(*c));
	if (!unit || !*unit)
		unit = default_unit(p);
	if (!unit)
		return reply_unknown(req, "-"), -1;
	if (unit_code_check(unit, "unit", &e) < 0)
		return http_reply_err(req, &e), -1;
	if (!auth_scope(p, KPI_ROLES, unit))
		return reply_unknown(req, unit), -1;
	if (kpi_day_parse(time_date_today(today), &now) < 0)
		return http_reply_error(req, 500, "internal.clock", "系统时间无效", "bad system clock"), -1;
	month = kpi_day_month_start(now);
	if (day_or_reply(req, "from", month, &c->q.from) < 0 ||
	    day_or_reply(req, "to", kpi_day_add_months(month, 1), &c->q.to) < 0)
		return -1;
	if (c->q.from >= c->q.to)
		return err_set_param(&e, 400, "param.invalid", "to", "'to' 必须晚于 'from'（统计期为 [from, to)）",
		                     "'to' must come after 'from' (the period is [from, to))"),
		       http_reply_err(req, &e), -1;
	if (c->q.to > kpi_day_add_months(c->q.from, KPI_MAX_MONTHS))
		return err_set_param(&e, 400, "kpi.period_too_long", "to", "统计期不能超过 3 年",
		                     "the period must not exceed 3 years"),
		       http_reply_err(req, &e), -1;
	c->by_name = by && *by ? by : "none";
	if (!strcmp(c->by_name, "none"))
		c->q.by = KPI_BY_NONE;
	else if (!strcmp(c->by_name, "category"))
		c->q.by = KPI_BY_CATEGORY;
	else if (!strcmp(c->by_name, "unit"))
		c->q.by = KPI_BY_UNIT;
	else
		return err_set_param(&e, 400, "param.invalid", "by", "参数 'by' 必须是 category 或 unit",
		                     "parameter 'by' must be category or unit"), http_reply_err(req, &e), -1;
	if (cat && *cat && !category_code_ok(cat))
		return err_set_param(&e, 400, "param.invalid", "category", "参数 'category' 不是有效的类别编码",
		                     "parameter 'category' is not a category code"), http_reply_err(req, &e), -1;
	c->q.category = cat && *cat ? cat : NULL;
	c->q.compare = 1;
	if (!(c->m = api_org_or_reply(req)))
		return -1;
	if (!(c->u = orgmodel_find(c->m, unit)))
		return reply_unknown(req, unit), -1;
	c->q.unit = c->u->rec.code;
	if (c->q.by == KPI_BY_UNIT) {
		c->children = arena_alloc(&req->arena, (c->u->nchildren + 1) * sizeof(*c->children));
		if (!c->children)
			return http_reply_error(req, 500, "internal.oom", "内存不足", "out of memory"), -1;
		for (size_t i = 0; i < c->u->nchildren; i++)
			c->children[i] = c->m->units[c->u->children[i]].rec.code;
		c->q.children = c->children;
		c->q.nchildren = c->u->nchildren;
	}
	return 0;
}

static void call_release(struct kpi_call *c)
{
	if (c->m)
		orgmodel_release(c->m);
	json_decref(c->categories);
}

/* Run the query and load the category names. On failure the reply is sent. */
static int call_run_or_reply(struct http_req *req, struct kpi_call *c, struct kpi_result *r)
{
	struct err e = ERR_INIT;
	struct db *db;
	int rc;

	/* the writer may hold the latest deltas in memory (SQLite): write them
	 * first, so that a report or step already answered is counted; before
	 * taking a pool connection, which nobody holds while the writer works */
	if (writer_kpi_sync(api_app(req)->writer, &e) < 0)
		return http_reply_err(req, &e), -1;
	db = db_pool_get(api_app(req)->pool);
	c->categories = api_category_names(db, &e);
	rc = c->categories ? 0 : -1;
	if (rc == 0 && c->q.category && !json_object_get(c->categories, c->q.category)) {
		err_set_param(&e, 400, "param.invalid", "category", "找不到类别 '%s'", "unknown category '%s'",
		              c->q.category);
		rc = -1;
	}
	if (rc == 0)
		rc = kpi_query(db, &c->q, r, &e);
	db_pool_put(api_app(req)->pool, db);
	if (rc != 0)
		return http_reply_err(req, &e), -1;
	return 0;
}

/* Name of a row's key: the child unit's or the category's, or the code. */
static const char *row_name(const struct kpi_call *c, const char *key)
{
	if (c->q.by == KPI_BY_UNIT) {
		const struct org_unit *u = orgmodel_find(c->m, key);
		return u ? u->rec.name : key;
	}
	{
		const char *n = json_string_value(json_object_get(c->categories, key));
		return n ? n : key;
	}
}

/* ---------------------------------------------------------------- JSON */

static json_t *rate(double v)
{
	return isnan(v) ? json_null() : json_real(round(v * 10000.0) / 10000.0);
}

static json_t *kpi_json(const struct kpi_counts *c)
{
	struct kpi_indicators k;
	json_t *counters = json_object();

	kpi_indicators_of(c, &k);
	for (int i = 0; i < KPI_NFIELDS; i++)
		json_object_set_new(counters, kpi_field_column((enum kpi_field)i), json_integer(c->n[i]));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
	                 "reported", (json_int_t)k.reported, "accepted", (json_int_t)k.accepted,
	                 "rejected", (json_int_t)k.rejected, "closed", (json_int_t)k.closed,
	                 "due", (json_int_t)k.due, "overdue", (json_int_t)k.overdue,
	                 "external", (json_int_t)k.external,
	                 "close_rate", rate(k.close_rate), "on_time_rate", rate(k.on_time_rate),
	                 "rework_rate", rate(k.rework_rate),
	                 "avg_handle_seconds", isnan(k.avg_handle_seconds) ? json_null() :
	                                       json_integer((json_int_t)llround(k.avg_handle_seconds)),
	                 "self_rate", rate(k.self_rate), "satisfaction", rate(k.satisfaction),
	                 "counters", counters);
}

static json_t *period_json(int32_t from, int32_t to, const struct kpi_counts *c)
{
	char f[11], t[11];
	return json_pack("{s:s, s:s, s:o}", "from", kpi_day_format(from, f), "to", kpi_day_format(to, t),
	                 "total", kpi_json(c));
}

int api_kpi_get(struct http_req *req)
{
	struct kpi_call c;
	struct kpi_result r = {0};
	json_t *rows, *out;
	char f[11], t[11];

	if (call_parse_or_reply(req, &c) < 0 || call_run_or_reply(req, &c, &r) < 0)
		goto out;
	rows = json_array();
	for (size_t i = 0; i < r.nrows; i++) {
		json_t *j = kpi_json(&r.rows[i].c);
		json_object_set_new(j, "code", json_string(r.rows[i].key));
		json_object_set_new(j, "name", json_string(row_name(&c, r.rows[i].key)));
		json_array_append_new(rows, j);
	}
	out = json_pack("{s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}",
	                "unit", orgmodel_unit_brief(c.u),
	                "from", kpi_day_format(c.q.from, f), "to", kpi_day_format(c.q.to, t),
	                "by", c.by_name,
	                "category", c.q.category ? json_string(c.q.category) : json_null(),
	                "total", kpi_json(&r.total),
	                "previous", period_json(r.prev_from, r.prev_to, &r.prev),
	                "last_year", period_json(r.ly_from, r.ly_to, &r.last_year),
	                "rows", rows);
	if (c.q.category)
		json_object_set(out, "category_name", json_object_get(c.categories, c.q.category));
	http_reply_json(req, 200, out);
out:
	kpi_result_release(&r);
	call_release(&c);
	return 0;
}

/* -------------------------------------------------------------- export */

static const char *const export_head[] = {
	"名称", "编码", "上报数", "受理数", "不予受理数", "办结数", "应办结数", "办结率(%)",
	"按期办结率(%)", "超期数", "返工率(%)", "平均处置时长(小时)", "自办率(%)", "外循环数",
	"群众满意率(%)",
};
#define EXPORT_NCOLS (sizeof(export_head) / sizeof(export_head[0]))

/* A rate as a percentage with 2 decimals; NaN stays NaN (an empty cell). */
static double pct(double v)
{
	return isnan(v) ? v : round(v * 10000.0) / 100.0;
}

static void export_kpi_row(struct export *x, const char *name, const char *code,
                           const struct kpi_counts *c)
{
	struct kpi_indicators k;

	kpi_indicators_of(c, &k);
	export_text(x, name);
	export_text(x, code);
	export_integer(x, k.reported);
	export_integer(x, k.accepted);
	export_integer(x, k.rejected);
	export_integer(x, k.closed);
	export_integer(x, k.due);
	export_number(x, pct(k.close_rate));
	export_number(x, pct(k.on_time_rate));
	export_integer(x, k.overdue);
	export_number(x, pct(k.rework_rate));
	export_number(x, isnan(k.avg_handle_seconds) ? k.avg_handle_seconds :
	                 round(k.avg_handle_seconds / 36.0) / 100.0);
	export_number(x, pct(k.self_rate));
	export_integer(x, k.external);
	export_number(x, pct(k.satisfaction));
	export_end_row(x);
}

int api_kpi_export(struct http_req *req)
{
	struct kpi_call c;
	struct kpi_result r = {0};
	enum export_format fmt;
	struct export *x = NULL;
	struct err e = ERR_INIT;
	char f[11], t[11], *data = NULL;
	const char *type, *name, *disp;
	size_t len;

	if (export_format_parse(http_query(req, "format"), &fmt) < 0) {
		err_set_param(&e, 400, "param.invalid", "format", "参数 'format' 必须是 csv 或 xlsx",
		              "parameter 'format' must be csv or xlsx");
		http_reply_err(req, &e);
		return 0;
	}
	if (call_parse_or_reply(req, &c) < 0 || call_run_or_reply(req, &c, &r) < 0)
		goto out;
	if (!(x = export_begin(fmt, "事件指标", export_head, EXPORT_NCOLS, &e))) {
		http_reply_err(req, &e);
		goto out;
	}
	for (size_t i = 0; i < r.nrows; i++)
		export_kpi_row(x, row_name(&c, r.rows[i].key), r.rows[i].key, &r.rows[i].c);
	export_kpi_row(x, r.nrows ? "合计" : c.u->rec.name, c.u->rec.code, &r.total);
	if (export_finish(x, &data, &len, &type, &e) < 0) {
		http_reply_err(req, &e);
		goto out;
	}
	/* 白云区事件指标_2026-05-01至2026-05-31 (the last day included) */
	name = arena_printf(&req->arena, "%s事件指标_%s至%s", c.u->rec.name, kpi_day_format(c.q.from, f),
	                    kpi_day_format(c.q.to - 1, t));
	if (!name || !(disp = export_disposition(&req->arena, name, fmt))) {
		free(data);
		http_reply_error(req, 500, "internal.oom", "内存不足", "out of memory");
		goto out;
	}
	http_add_header(req, "Content-Disposition", disp);
	http_reply_take(req, 200, type, data, len);
out:
	kpi_result_release(&r);
	call_release(&c);
	return 0;
}
