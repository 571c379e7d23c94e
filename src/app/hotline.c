/*
 * hotline.c - 12345 work orders from CSV (see hotline.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/hotline.h"
#include "app/events.h"
#include "lib/arena.h"
#include "lib/csv.h"
#include "lib/str.h"
#include "store/store_event.h"
#include "lib/banned.h"

enum col { C_EXT, C_CAT, C_DESC, C_LON, C_LAT, C_CRS, C_TITLE, C_ADDR, C_URG, C_CALLER, C_PHONE,
           C_N };

static const struct {
	const char *zh, *en;
} names[C_N] = {
	[C_EXT] = {"工单编号", "external_id"},
	[C_CAT] = {"事件类别", "category"},
	[C_DESC] = {"诉求内容", "description"},
	[C_LON] = {"经度", "lon"},
	[C_LAT] = {"纬度", "lat"},
	[C_CRS] = {"坐标系", "crs"},
	[C_TITLE] = {"标题", "title"},
	[C_ADDR] = {"地址", "address"},
	[C_URG] = {"紧急程度", "urgency"},
	[C_CALLER] = {"来电人", "caller"},
	[C_PHONE] = {"联系电话", "phone"},
};

struct row {
	int line;
	const char *f[C_N];
	char category[EV_CODE_MAX];
	double lon, lat;
	enum crs crs;
	int urgency;
};

struct cat_names {
	struct category_rec *c;
	int n, cap;
};

static int cat_collect(void *ctx, const struct category_rec *c)
{
	struct cat_names *l = ctx;

	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 64;
		struct category_rec *nc = realloc(l->c, (size_t)cap * sizeof(*nc));

		if (!nc)
			return -1;
		l->c = nc;
		l->cap = cap;
	}
	l->c[l->n++] = *c;
	return 0;
}

static void row_error(json_t *errs, int line, const char *field, const char *code, const char *zh,
                      const char *en)
{
	if (json_array_size(errs) < 100)
		json_array_append_new(errs, json_pack("{s:i, s:s?, s:s, s:s, s:s}", "line", line, "field",
		                                      field, "code", code, "message", zh, "message_en", en));
}

/* Resolve a category given by code or by its (level-2) name. */
static const struct category_rec *find_category(const struct cat_names *l, const char *s)
{
	for (int i = 0; i < l->n; i++)
		if (l->c[i].parent[0] && l->c[i].enabled &&
		    (strcmp(l->c[i].code, s) == 0 || strcmp(l->c[i].name, s) == 0))
			return &l->c[i];
	return NULL;
}

/* Check one row; each problem becomes an entry of errs naming its line.
 * *out_of_scope is set when the row's grid lies outside the caller's reach
 * (events_place_check, as for a report through the API). Returns 1 when
 * the row is good. */
static int check_row(struct row *r, const struct cat_names *cats, struct org_model *m,
                     const struct principal *p, json_t *errs, int *out_of_scope)
{
	const struct category_rec *c;
	const struct org_unit *grid;
	struct err se = ERR_INIT;
	double wlon, wlat;
	int ok = 1;

	if (!r->f[C_EXT] || !*r->f[C_EXT] || strlen(r->f[C_EXT]) >= EV_EXT_MAX) {
		row_error(errs, r->line, names[C_EXT].zh, "csv.missing", "缺少工单编号（或过长）",
		          "work-order number missing or too long");
		ok = 0;
	}
	if (!r->f[C_CAT] || !(c = find_category(cats, r->f[C_CAT]))) {
		row_error(errs, r->line, names[C_CAT].zh, "event.bad_category", "事件类别不是已启用的小类",
		          "category is not an enabled level-2 category (code or name)");
		ok = 0;
	} else {
		str_copy(r->category, sizeof(r->category), c->code);
	}
	if (!r->f[C_DESC] || !*r->f[C_DESC]) {
		row_error(errs, r->line, names[C_DESC].zh, "csv.missing", "缺少诉求内容",
		          "description missing");
		ok = 0;
	}
	r->crs = CRS_WGS84;
	if (r->f[C_CRS] && *r->f[C_CRS] && crs_parse(r->f[C_CRS], &r->crs) < 0) {
		row_error(errs, r->line, names[C_CRS].zh, "param.invalid", "坐标系必须是 wgs84、gcj02 或 bd09",
		          "crs is wgs84, gcj02 or bd09");
		ok = 0;
	}
	if (!r->f[C_LON] || !r->f[C_LAT] || parse_double(r->f[C_LON], -180, 180, &r->lon) < 0 ||
	    parse_double(r->f[C_LAT], -90, 90, &r->lat) < 0) {
		row_error(errs, r->line, names[C_LON].zh, "param.invalid", "经纬度无效",
		          "invalid longitude/latitude");
		ok = 0;
	} else {
		coord_to_wgs84(r->crs, r->lon, r->lat, &wlon, &wlat);
		if (!(grid = orgmodel_locate(m, wlon, wlat))) {
			row_error(errs, r->line, names[C_LON].zh, "event.outside", "该位置不在本区任何网格内",
			          "the point lies in no grid of this district");
			ok = 0;
		} else if (events_place_check(p, "hotline", grid->rec.code, "lon", &se) < 0) {
			row_error(errs, r->line, names[C_LON].zh, se.code, se.msg, se.msg_en);
			*out_of_scope = 1;
			ok = 0;
		}
	}
	r->urgency = 1;
	if (r->f[C_URG] && *r->f[C_URG] && (r->urgency = ev_urgency_parse(r->f[C_URG])) < 0) {
		row_error(errs, r->line, names[C_URG].zh, "event.bad_field", "紧急程度必须是 一般、紧急 或 特急",
		          "urgency is 一般, 紧急 or 特急 (normal, urgent, critical)");
		ok = 0;
	}
	return ok;
}

int hotline_import(struct app *a, const struct principal *p, const char *csv, size_t len,
                   const char *ip, json_t **report, struct err *e)
{
	struct arena ar;
	struct csv_reader rd;
	struct cat_names cats = {0};
	struct org_model *m = NULL;
	struct row *rows = NULL;
	struct event_rec *ev = NULL;
	char *fields[CSV_MAX_FIELDS];
	int col[C_N], nf, nrows = 0, rc = -1, got, created = 0, first_outside = 0;
	json_t *errs = json_array(), *skipped = json_array(), *made = json_array();
	struct db *db;

	*report = NULL;
	arena_init(&ar, len * 2 + 65536);
	csv_init(&rd, csv, len);
	for (int i = 0; i < C_N; i++)
		col[i] = -1;
	/* header */
	if ((got = csv_next(&rd, &ar, fields, &nf)) <= 0) {
		err_set(e, 400, "csv.invalid", "文件为空或不是 CSV", "the file is empty or not CSV");
		goto out;
	}
	for (int i = 0; i < nf; i++)
		for (int c = 0; c < C_N; c++)
			if (strcmp(fields[i], names[c].zh) == 0 || strcmp(fields[i], names[c].en) == 0)
				col[c] = i;
	for (int c = 0; c <= C_LAT; c++)
		if (col[c] < 0) {
			err_set_param(e, 400, "csv.missing_column", names[c].en, "缺少列“%s”",
			              "column '%s' is missing", c == C_EXT ? "工单编号" : names[c].zh);
			goto out;
		}
	db = db_pool_get(a->pool);
	got = store_category_list(db, cat_collect, &cats, e);
	db_pool_put(a->pool, db);
	if (got < 0)
		goto out;
	if (!(m = org_holder_get(&a->org))) {
		err_set(e, 503, "org.not_loaded", "组织架构尚未加载", "the org model is not loaded yet");
		goto out;
	}
	if (!(rows = calloc(HOTLINE_MAX_ROWS, sizeof(*rows))) || !(ev = malloc(sizeof(*ev)))) {
		err_set(e, 500, "app.oom", "内存不足", "out of memory");
		goto out;
	}
	/* check every row first */
	while ((got = csv_next(&rd, &ar, fields, &nf)) != 0) {
		struct row *r;

		if (got < 0) {
			row_error(errs, rd.line, NULL, "csv.malformed", "CSV 格式错误（引号不配对或字段过多）",
			          "malformed CSV (unbalanced quotes or too many fields)");
			break;
		}
		if (nrows == HOTLINE_MAX_ROWS) {
			err_set(e, 413, "csv.too_many_rows", "一次最多导入 10000 条工单",
			        "at most 10,000 work orders per file");
			goto out;
		}
		r = &rows[nrows++];
		r->line = rd.line;
		for (int c = 0; c < C_N; c++)
			r->f[c] = col[c] >= 0 && col[c] < nf && *fields[col[c]] ? fields[col[c]] : NULL;
		{
			int outside = 0;

			check_row(r, &cats, m, p, errs, &outside);
			if (outside && !first_outside)
				first_outside = r->line;
		}
		for (int k = 0; k < nrows - 1 && r->f[C_EXT]; k++)
			if (rows[k].f[C_EXT] && strcmp(rows[k].f[C_EXT], r->f[C_EXT]) == 0) {
				row_error(errs, r->line, names[C_EXT].zh, "csv.duplicate", "工单编号在文件中重复",
				          "the same work-order number twice in the file");
				break;
			}
	}
	if (first_outside) {
		/* work orders of other places: refused like a report there, with
		 * every bad line listed (the scope errors and any others) */
		err_set(e, 403, "event.out_of_scope", "第 %d 行等工单的位置不在您的管辖范围内，未导入任何工单",
		        "the work order on line %d (and any others listed) lies outside your scope; "
		        "nothing was imported", first_outside);
		snprintf(e->param, sizeof(e->param), "%d", first_outside);
		*report = json_pack("{s:O}", "errors", errs);
		goto out;
	}
	if (json_array_size(errs) > 0) {
		json_t *first = json_array_get(errs, 0);

		err_set(e, 400, "csv.invalid", "文件有 %zu 处错误，未导入任何工单",
		        "%zu errors in the file; nothing was imported", json_array_size(errs));
		snprintf(e->param, sizeof(e->param), "%lld",
		         (long long)json_integer_value(json_object_get(first, "line")));
		*report = json_pack("{s:O}", "errors", errs);
		goto out;
	}
	/* then each order: one event each */
	for (int i = 0; i < nrows; i++) {
		struct row *r = &rows[i];
		struct event_new n;
		struct err re = ERR_INIT;
		int replayed;

		memset(&n, 0, sizeof(n));
		n.category = r->category;
		n.title = r->f[C_TITLE];
		n.description = r->f[C_DESC];
		n.lon = r->lon;
		n.lat = r->lat;
		n.crs = r->crs;
		n.address = r->f[C_ADDR];
		n.urgency = r->urgency;
		n.source = "hotline";
		n.external_id = r->f[C_EXT];
		n.reporter_name = r->f[C_CALLER];
		n.reporter_phone = r->f[C_PHONE];
		n.ip = ip;
		if (events_report(a, p, &n, ev, NULL, &replayed, &re) < 0) {
			if (strcmp(re.code, "event.duplicate_external") == 0) {
				json_array_append_new(skipped, json_pack("{s:i, s:s, s:I}", "line", r->line,
				                                         "external_id", r->f[C_EXT], "event_id",
				                                         (json_int_t)strtoll(re.param, NULL, 10)));
				continue;
			}
			/* a row that checked out but failed to write: stop here and
			 * say which rows went in */
			*e = re;
			*report = json_pack("{s:i, s:O, s:O, s:i}", "created", created, "events", made,
			                    "skipped", skipped, "failed_line", r->line);
			goto out;
		}
		created++;
		json_array_append_new(made, json_pack("{s:i, s:s, s:I}", "line", r->line, "external_id",
		                                      r->f[C_EXT], "id", (json_int_t)ev->id));
	}
	*report = json_pack("{s:i, s:O, s:O}", "created", created, "events", made, "skipped", skipped);
	rc = 0;
out:
	if (m)
		orgmodel_release(m);
	free(rows);
	free(ev);
	free(cats.c);
	arena_release(&ar);
	json_decref(errs);
	json_decref(skipped);
	json_decref(made);
	return rc;
}
