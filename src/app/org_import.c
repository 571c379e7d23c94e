/*
 * org_import.c - GeoJSON → validated unit set → one transaction (see
 * org_import.h and docs/import.md).
 *
 * The work happens in three passes over a `struct imp`:
 *   parse  - the file's features become `struct imp_unit`s (file order);
 *            each one is checked on its own and marked ok or not;
 *   check  - the ok units are merged with the database units they touch
 *            (their parents, siblings and children) into one set sorted by
 *            code, and the hierarchy and geometry rules run over it;
 *   write  - parents before children, in one transaction, then the org
 *            version is bumped.
 * Problems never stop a pass: each becomes a line item in the report, so
 * the user sees everything that is wrong with the file at once.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/org_import.h"
#include "geo/geojson.h"
#include "geo/geos_ctx.h"
#include "lib/buf.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/banned.h"

#define COUNT_MAX 100000000             /* households / population of one unit */
#define WKB_MAX ((size_t)64 << 20)

struct imp_unit {
	struct unit_rec rec;
	GEOSGeometry *geom;                 /* WGS-84; NULL when absent */
	const GEOSPreparedGeometry *prep;   /* of geom, made on first use */
	long feature;                       /* index in the file; -1 for a database unit */
	int ok;                             /* file unit without error: takes part in checks */
	int exists;                         /* file unit replacing a database unit */
	double area;                        /* m² */
	char group[UNIT_CODE_MAX];          /* siblings share it: the parent's code, or a
	                                     * district's city code (440100) */
	struct imp_unit *parent;            /* in the merged set, or NULL */
};

struct imp {
	const struct org_import_opts *o;
	struct org_import_report *r;
	GEOSContextHandle_t h;
	char under_prefix[UNIT_CODE_MAX];   /* codes must start with it ("" = anything) */
	struct imp_unit *file;              /* every feature, in file order */
	size_t nfile;
	struct imp_unit **byc;              /* ok file units by code */
	size_t nbyc;
	struct imp_unit *db;                /* database units the file touches */
	size_t ndb, dbcap;
	struct imp_unit **all;              /* ok file units and database units, by code */
	size_t nall;
	struct imp_unit **sib;              /* the same, by (group, code) */
	struct err *e;                      /* fatal (database) errors */
};

/* ============================================================ report */

void org_import_report_init(struct org_import_report *r)
{
	memset(r, 0, sizeof(*r));
}

void org_import_report_release(struct org_import_report *r)
{
	free(r->items);
	memset(r, 0, sizeof(*r));
}

/* Record a problem. zh and en are printf formats over the same arguments
 * (as err_set). Problems past ORG_IMPORT_MAX_PROBLEMS are only counted. */
static void note(struct org_import_report *r, enum org_severity sev, long feature, const char *code,
                 const char *mcode, const char *zh, const char *en, ...)
	__attribute__((format(printf, 6, 8)));

static void note(struct org_import_report *r, enum org_severity sev, long feature, const char *code,
                 const char *mcode, const char *zh, const char *en, ...)
{
	char mzh[ERR_MSG_MAX], men[ERR_MSG_MAX];
	struct org_problem *p;
	va_list ap;

	if (sev == ORG_ERROR)
		r->nerrors++;
	else
		r->nwarnings++;
	if (r->n >= ORG_IMPORT_MAX_PROBLEMS)
		return;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		struct org_problem *ni = realloc(r->items, cap * sizeof(*ni));
		if (!ni)
			return;                 /* counted, not listed */
		r->items = ni;
		r->cap = cap;
	}
	va_start(ap, en);
	vsnprintf(mzh, sizeof(mzh), zh, ap);
	va_end(ap);
	va_start(ap, en);
	vsnprintf(men, sizeof(men), en, ap);
	va_end(ap);
	p = &r->items[r->n];
	memset(p, 0, sizeof(*p));
	p->feature = feature;
	str_copy(p->code, sizeof(p->code), code ? code : "");
	p->severity = sev;
	p->seq = r->nerrors + r->nwarnings;
	/* "%s%.0s" prints the first argument only, "%.0s%s" the second: one
	 * argument list feeds both messages through err_set's UTF-8 repair */
	err_set(&p->err, 400, mcode, "%s%.0s", "%.0s%s", mzh, men);
	r->n++;
}

/* Record an error that a callee put in pe, then clear pe. */
static void note_err(struct org_import_report *r, enum org_severity sev, long feature,
                     const char *code, struct err *pe)
{
	note(r, sev, feature, code, pe->code, "%s%.0s", "%.0s%s", pe->msg, pe->msg_en);
	err_clear(pe);
}

static int problem_cmp(const void *a, const void *b)
{
	const struct org_problem *x = a, *y = b;
	if (x->feature != y->feature)
		return x->feature < y->feature ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

json_t *org_import_report_json(const struct org_import_report *r)
{
	json_t *units = json_object(), *problems = json_array();

	for (int l = LEVEL_DISTRICT; l <= LEVEL_GRID; l++)
		if (r->units[l])
			json_object_set_new(units, unit_level_name(l), json_pack("{s:I, s:I}",
			                    "count", (json_int_t)r->units[l], "replaced", (json_int_t)r->replaced[l]));
	for (size_t i = 0; i < r->n; i++) {
		const struct org_problem *p = &r->items[i];
		json_t *j = jsonx_error(&p->err);           /* {"error":{code, message, message_en}} */
		json_object_set_new(j, "severity", json_string(p->severity == ORG_ERROR ? "error" : "warning"));
		json_object_set_new(j, "feature", p->feature >= 0 ? json_integer(p->feature) : json_null());
		jsonx_set_str_or_null(j, "code", p->code);
		json_array_append_new(problems, j);
	}
	return json_pack("{s:b, s:b, s:I, s:I, s:I, s:o, s:o}", "valid", r->nerrors == 0,
	                 "written", r->written, "features", (json_int_t)r->nfeatures,
	                 "errors", (json_int_t)r->nerrors, "warnings", (json_int_t)r->nwarnings,
	                 "units", units, "problems", problems);
}

/* ========================================================== geometry */

/* The polygonal part of g as one valid (Multi)Polygon: g itself when it is
 * one (NULL returned, nothing to free), else a new geometry (GEOSGeom_destroy_r)
 * made by unioning its polygons; *empty set when there are none. */
static GEOSGeometry *polygonal_part(GEOSContextHandle_t h, const GEOSGeometry *g, int *empty)
{
	int type = GEOSGeomTypeId_r(h, g), n, k = 0;
	GEOSGeometry **parts, *coll, *u = NULL;

	*empty = 0;
	if (type == GEOS_POLYGON || type == GEOS_MULTIPOLYGON)
		return NULL;
	n = GEOSGetNumGeometries_r(h, g);
	if (n <= 0 || !(parts = calloc((size_t)n, sizeof(*parts)))) {
		*empty = 1;
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
		int t = GEOSGeomTypeId_r(h, p);
		if ((t == GEOS_POLYGON || t == GEOS_MULTIPOLYGON) && !GEOSisEmpty_r(h, p))
			parts[k++] = GEOSGeom_clone_r(h, p);
	}
	if (k == 0) {
		*empty = 1;
		free(parts);
		return NULL;
	}
	coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)k);
	free(parts);
	if (coll) {
		u = GEOSUnaryUnion_r(h, coll);
		GEOSGeom_destroy_r(h, coll);
	}
	if (!u)
		*empty = 1;
	return u;
}

/* Repair an invalid polygon: GEOSMakeValid's "structure" method (which
 * keeps the area a ring encloses, e.g. both lobes of a bow-tie), then only
 * the polygonal part. New geometry, or NULL when nothing polygonal is left. */
static GEOSGeometry *geom_repair(GEOSContextHandle_t h, const GEOSGeometry *g)
{
	GEOSMakeValidParams *mp = GEOSMakeValidParams_create_r(h);
	GEOSGeometry *fixed = NULL, *poly;
	int empty;

	if (!mp)
		return NULL;
	GEOSMakeValidParams_setMethod_r(h, mp, GEOS_MAKE_VALID_STRUCTURE);
	GEOSMakeValidParams_setKeepCollapsed_r(h, mp, 0);
	fixed = GEOSMakeValidWithParams_r(h, g, mp);
	GEOSMakeValidParams_destroy_r(h, mp);
	if (!fixed)
		return NULL;
	poly = polygonal_part(h, fixed, &empty);
	if (poly || empty) {
		GEOSGeom_destroy_r(h, fixed);
		fixed = poly;
	}
	if (fixed && (GEOSisEmpty_r(h, fixed) || GEOSisValid_r(h, fixed) != 1)) {
		GEOSGeom_destroy_r(h, fixed);
		fixed = NULL;
	}
	return fixed;
}

static const GEOSPreparedGeometry *unit_prep(GEOSContextHandle_t h, struct imp_unit *u)
{
	if (!u->prep && u->geom)
		u->prep = GEOSPrepare_r(h, u->geom);
	return u->prep;
}

/* ===================================================== reading features */

enum unit_level org_import_level_parse(const char *s)
{
	static const struct { const char *name; enum unit_level l; } extra[] = {
		{"street", LEVEL_TOWN}, {"街道", LEVEL_TOWN}, {"镇", LEVEL_TOWN}, {"乡", LEVEL_TOWN},
		{"社区", LEVEL_COMMUNITY}, {"村", LEVEL_COMMUNITY}, {"县", LEVEL_DISTRICT},
	};
	enum unit_level l;

	if (!s)
		return LEVEL_NONE;
	if ((l = unit_level_parse(s)) != LEVEL_NONE)
		return l;
	for (int i = LEVEL_DISTRICT; i <= LEVEL_GRID; i++)
		if (!strcmp(s, unit_level_label(i)))
			return (enum unit_level)i;
	for (size_t i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		if (!strcmp(s, extra[i].name))
			return extra[i].l;
	return LEVEL_NONE;
}

/* A code-like value: a string, or a non-negative integer (DataV's adcode). */
static int read_codeish(json_t *v, char *out, size_t n)
{
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		snprintf(out, n, "%lld", (long long)json_integer_value(v));
		return 0;
	}
	if (json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) < n) {
		str_copy(out, n, json_string_value(v));
		return 0;
	}
	return -1;
}

/* First of the keys present (and not null) in obj, or NULL; *key says which. */
static json_t *first_of(json_t *obj, const char *const *keys, const char **key)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(obj, *keys);
		if (v && !json_is_null(v)) {
			*key = *keys;
			return v;
		}
	}
	return NULL;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* Kind of a unit that states none: from its name (…镇 is a 镇, …村 a 村),
 * else the level's default. */
static const char *kind_from_name(enum unit_level l, const char *name)
{
	if (l == LEVEL_DISTRICT && ends_with(name, "县")) return "县";
	if (l == LEVEL_DISTRICT && ends_with(name, "市")) return "县级市";
	if (l == LEVEL_TOWN && ends_with(name, "镇")) return "镇";
	if (l == LEVEL_TOWN && ends_with(name, "乡")) return "乡";
	if (l == LEVEL_COMMUNITY && (ends_with(name, "村") || ends_with(name, "村委会") ||
	                             ends_with(name, "村民委员会")))
		return "村";
	return unit_kind_default(l);
}

/* households / population: absent or null -> -1; a non-negative integer
 * (or a string of digits) up to COUNT_MAX. -1 when bad. */
static int read_count(json_t *v, int64_t *out)
{
	double d;

	*out = -1;
	if (!v || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		*out = json_integer_value(v);
	} else if (json_is_real(v)) {
		d = json_real_value(v);
		if (!isfinite(d) || d != floor(d) || d < 0 || d > COUNT_MAX)
			return -1;
		*out = (int64_t)d;
	} else if (!json_is_string(v) || parse_int64(json_string_value(v), 0, COUNT_MAX, out) < 0) {
		return -1;
	}
	return *out >= 0 && *out <= COUNT_MAX ? 0 : -1;
}

/* An optional short string property into out; -1 when not a string or too long. */
static int read_short(json_t *props, const char *key, char *out, size_t n)
{
	json_t *v = json_object_get(props, key);

	out[0] = '\0';
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= n ||
	    !str_valid_utf8(json_string_value(v), json_string_length(v)))
		return -1;
	str_copy(out, n, json_string_value(v));
	return 0;
}

/* The parent a feature names (parent_code, parent — DataV: {adcode} —, or
 * the last of DataV's acroutes) into out; "" when it names none; -1 when
 * the value is unusable. */
static int read_parent_claim(json_t *props, char *out, size_t n)
{
	static const char *const keys[] = {"parent_code", "parent", NULL};
	const char *key;
	json_t *v = first_of(props, keys, &key), *routes;

	out[0] = '\0';
	if (json_is_object(v)) {
		static const char *const inner[] = {"adcode", "code", NULL};
		v = first_of(v, inner, &key);
		if (!v)
			return 0;
	}
	if (!v && json_is_array(routes = json_object_get(props, "acroutes")) && json_array_size(routes))
		v = json_array_get(routes, json_array_size(routes) - 1);
	if (!v)
		return 0;
	return read_codeish(v, out, n);
}

/* Read the properties of feature i into u; every problem is noted. */
static void read_properties(struct imp *imp, json_t *props, long i, struct imp_unit *u, int *bad)
{
	struct org_import_report *r = imp->r;
	struct unit_rec *rec = &u->rec;
	enum unit_level lvl = (enum unit_level)rec->level, stated = LEVEL_NONE;
	const char *code = rec->code, *s;
	char claim[UNIT_CODE_MAX], expect[UNIT_CODE_MAX], expect2[UNIT_CODE_MAX];
	json_t *v;

	/* level: stated, else --level; must agree with the code */
	if ((v = json_object_get(props, "level")) && !json_is_null(v)) {
		if (!json_is_string(v) || (stated = org_import_level_parse(json_string_value(v))) == LEVEL_NONE) {
			s = json_is_string(v) ? json_string_value(v) : "?";
			note(r, ORG_ERROR, i, code, "import.bad_level",
			     "level '%.32s' 无效：应为 district、town（street）、community、area 或 grid",
			     "level '%.32s' is not a unit level: district, town (street), community, area or grid expected", s);
			*bad = 1;
		}
	}
	if (stated == LEVEL_NONE)
		stated = imp->o->level;
	if (stated != LEVEL_NONE && stated != lvl) {
		note(r, ORG_ERROR, i, code, "import.level_mismatch",
		     "层级为 %s，但 %zu 位编码属于 %s 层级", "level is %s but a %zu-digit code is a %s",
		     unit_level_name(stated), strlen(code), unit_level_name(lvl));
		*bad = 1;
	}

	/* parent: only a check, the code's prefix decides */
	if (read_parent_claim(props, claim, sizeof(claim)) < 0) {
		note(r, ORG_ERROR, i, code, "import.bad_parent", "parent/parent_code 必须是编码字符串或整数",
		     "parent/parent_code must be a code string or integer");
		*bad = 1;
	} else if (claim[0]) {
		if (lvl == LEVEL_DISTRICT) {     /* its city (440100) or, for a county under a province, 440000 */
			snprintf(expect, sizeof(expect), "%.4s00", code);
			snprintf(expect2, sizeof(expect2), "%.2s0000", code);
		} else {
			unit_code_parent(code, expect, sizeof(expect));
			str_copy(expect2, sizeof(expect2), expect);
		}
		if (strcmp(claim, expect) && strcmp(claim, expect2)) {
			note(r, ORG_ERROR, i, code, "import.parent_mismatch",
			     "上级编码 %s 与单位编码不符：编码 %s 的上级应为 %s",
			     "parent %s does not match the code: the parent of %s is %s", claim, code, expect);
			*bad = 1;
		}
	}
	if (imp->under_prefix[0] && (!str_starts_with(code, imp->under_prefix) ||
	                             !strcmp(code, imp->o->under))) {
		note(r, ORG_ERROR, i, code, "import.outside_parent_code",
		     "单位 %s 不在 --parent %s 之下", "unit %s does not lie below --parent %s", code, imp->o->under);
		*bad = 1;
	}

	/* name */
	v = json_object_get(props, "name");
	if (!json_is_string(v) || json_string_length(v) == 0 ||
	    strspn(json_string_value(v), " \t\r\n") == json_string_length(v)) {
		note(r, ORG_ERROR, i, code, "import.name_missing", "缺少名称（name 须为非空字符串）",
		     "name missing (a non-empty string is required)");
		*bad = 1;
	} else if (json_string_length(v) >= UNIT_NAME_MAX) {
		note(r, ORG_ERROR, i, code, "import.name_too_long", "名称超过 %d 字节", "name longer than %d bytes",
		     UNIT_NAME_MAX - 1);
		*bad = 1;
	} else if (!str_valid_utf8(json_string_value(v), json_string_length(v)) ||
	           strpbrk(json_string_value(v), "\t\r\n")) {
		note(r, ORG_ERROR, i, code, "import.name_invalid", "名称含有控制字符",
		     "name contains control characters");
		*bad = 1;
	} else {
		str_copy(rec->name, sizeof(rec->name), json_string_value(v));
	}

	/* kind */
	if ((v = json_object_get(props, "kind")) && !json_is_null(v)) {
		if (!json_is_string(v) || !unit_kind_valid(lvl, json_string_value(v))) {
			note(r, ORG_ERROR, i, code, "import.bad_kind", "kind '%.32s' 不适用于 %s 层级",
			     "kind '%.32s' is not valid for a %s", json_is_string(v) ? json_string_value(v) : "?",
			     unit_level_name(lvl));
			*bad = 1;
		} else {
			str_copy(rec->kind, sizeof(rec->kind), json_string_value(v));
		}
	} else {
		str_copy(rec->kind, sizeof(rec->kind), kind_from_name(lvl, rec->name));
	}

	/* grid attributes */
	if (read_short(props, "grid_type", rec->grid_type, sizeof(rec->grid_type)) < 0 ||
	    read_short(props, "grid_subtype", rec->grid_subtype, sizeof(rec->grid_subtype)) < 0) {
		note(r, ORG_ERROR, i, code, "import.bad_grid_type", "grid_type/grid_subtype 须为不超过 %d 字节的字符串",
		     "grid_type/grid_subtype must be strings of at most %d bytes", UNIT_KIND_MAX - 1);
		*bad = 1;
	} else if (lvl != LEVEL_GRID && (rec->grid_type[0] || rec->grid_subtype[0])) {
		note(r, ORG_WARNING, i, code, "import.grid_type_ignored", "非网格单位的 grid_type/grid_subtype 已忽略",
		     "grid_type/grid_subtype ignored on a unit that is not a grid");
		rec->grid_type[0] = rec->grid_subtype[0] = '\0';
	} else if (rec->grid_type[0] && strcmp(rec->grid_type, "综合网格") && strcmp(rec->grid_type, "专属网格")) {
		note(r, ORG_ERROR, i, code, "import.bad_grid_type", "grid_type '%s' 无效：应为 综合网格 或 专属网格",
		     "grid_type '%s' is not 综合网格 or 专属网格", rec->grid_type);
		*bad = 1;
	}
	if (read_count(json_object_get(props, "households"), &rec->households) < 0) {
		note(r, ORG_ERROR, i, code, "import.bad_number", "households 须为 0 到 %d 的整数",
		     "households must be an integer from 0 to %d", COUNT_MAX);
		*bad = 1;
	}
	if (read_count(json_object_get(props, "population"), &rec->population) < 0) {
		note(r, ORG_ERROR, i, code, "import.bad_number", "population 须为 0 到 %d 的整数",
		     "population must be an integer from 0 to %d", COUNT_MAX);
		*bad = 1;
	}
}

/* Read the geometry of feature i into u (WGS-84, valid or repaired); on a
 * problem note it, set *bad and leave u->geom NULL. */
static void read_geometry(struct imp *imp, json_t *geometry, long i, struct imp_unit *u, int *bad)
{
	GEOSContextHandle_t h = imp->h;
	struct err pe = ERR_INIT;
	char reason[256];
	GEOSGeometry *g = NULL, *fixed;

	if (!geometry || json_is_null(geometry)) {
		note(imp->r, ORG_ERROR, i, u->rec.code, "geojson.no_geometry", "缺少几何（须为 Polygon 或 MultiPolygon）",
		     "geometry missing (Polygon or MultiPolygon required)");
		goto fail;
	}
	if (!(g = geojson_to_geos(h, geometry, imp->o->crs, &pe))) {
		note_err(imp->r, ORG_ERROR, i, u->rec.code, &pe);
		goto fail;
	}
	if (!geom_is_valid(h, g, reason, sizeof(reason))) {
		if (!(imp->o->flags & ORG_IMPORT_REPAIR)) {
			note(imp->r, ORG_ERROR, i, u->rec.code, "geom.invalid",
			     "多边形无效：%s（可用 --repair 修复）", "invalid polygon: %s (--repair fixes it)", reason);
			goto fail;
		}
		if (!(fixed = geom_repair(h, g))) {
			note(imp->r, ORG_ERROR, i, u->rec.code, "geom.unrepairable",
			     "多边形无效且无法修复：%s", "invalid polygon that cannot be repaired: %s", reason);
			goto fail;
		}
		note(imp->r, ORG_WARNING, i, u->rec.code, "geom.repaired",
		     "多边形无效（%s），已修复：面积 %.0f m² → %.0f m²",
		     "invalid polygon (%s) repaired: area %.0f m² -> %.0f m²", reason,
		     geom_area_m2(h, g), geom_area_m2(h, fixed));
		GEOSGeom_destroy_r(h, g);
		g = fixed;
	}
	u->area = geom_area_m2(h, g);
	if (!(u->area > 0)) {
		note(imp->r, ORG_ERROR, i, u->rec.code, "geom.empty", "多边形面积为零", "polygon has no area");
		goto fail;
	}
	u->geom = g;
	return;
fail:
	if (g)
		GEOSGeom_destroy_r(h, g);
	*bad = 1;
}

/* Read feature i into u. Units with a valid code get it even when other
 * problems make them not ok, so that duplicates are still found. */
static void read_feature(struct imp *imp, json_t *f, long i, struct imp_unit *u)
{
	static const char *const code_keys[] = {"code", "adcode", "gb", NULL};
	struct org_import_report *r = imp->r;
	const char *s, *key = "code";
	char code[UNIT_CODE_MAX];
	json_t *props, *v;
	int bad = 0;

	u->feature = i;
	u->rec.households = u->rec.population = -1;
	if (!json_is_object(f) || !(s = json_string_value(json_object_get(f, "type"))) || strcmp(s, "Feature")) {
		note(r, ORG_ERROR, i, "", "geojson.not_feature", "不是 GeoJSON Feature 对象",
		     "not a GeoJSON Feature object");
		return;
	}
	props = json_object_get(f, "properties");
	if (!json_is_object(props)) {
		note(r, ORG_ERROR, i, "", "geojson.no_properties", "Feature 缺少 properties 对象",
		     "Feature has no properties object");
		return;
	}
	if (!(v = first_of(props, code_keys, &key)) && (v = json_object_get(f, "id")))
		key = "id";
	if (!v) {
		note(r, ORG_ERROR, i, "", "import.no_code", "缺少单位编码（code、adcode 或 gb）",
		     "unit code missing (code, adcode or gb)");
		return;
	}
	if (read_codeish(v, code, sizeof(code)) < 0 || unit_code_level(code) == LEVEL_NONE) {
		if (read_codeish(v, code, sizeof(code)) < 0)
			str_copy(code, sizeof(code), "?");
		note(r, ORG_ERROR, i, code, "unit.bad_code",
		     "%s '%.24s' 不是有效的单位编码：应为区（6 位，不以 00 结尾）、镇街 9 位、村社区 12 位、片区 14 位或网格 16 位数字",
		     "%s '%.24s' is not a unit code: a district (6 digits, not ending in 00), town (9), "
		     "community (12), area (14) or grid (16 digits) expected", key, code);
		return;
	}
	str_copy(u->rec.code, sizeof(u->rec.code), code);
	u->rec.level = unit_code_level(code);
	if (u->rec.level != LEVEL_DISTRICT)
		unit_code_parent(code, u->rec.parent, sizeof(u->rec.parent));
	read_properties(imp, props, i, u, &bad);
	read_geometry(imp, json_object_get(f, "geometry"), i, u, &bad);
	u->ok = !bad;
}

/* Parse the file into imp->file. File-level problems are noted; returns
 * -1 only when out of memory. */
static int parse_file(struct imp *imp, const char *text, size_t len)
{
	struct err pe = ERR_INIT;
	json_t *root, *features = NULL, *single = NULL;
	const char *type;
	size_t n;
	int ret = 0;

	if (!(root = jsonx_parse(text, len, &pe))) {
		note_err(imp->r, ORG_ERROR, -1, "", &pe);
		return 0;
	}
	type = json_string_value(json_object_get(root, "type"));
	if (json_is_array(root)) {
		features = root;                         /* DataV: a bare array of Features */
	} else if (type && !strcmp(type, "FeatureCollection")) {
		features = json_object_get(root, "features");
		if (!json_is_array(features)) {
			note(imp->r, ORG_ERROR, -1, "", "geojson.no_features", "FeatureCollection 缺少 features 数组",
			     "FeatureCollection has no features array");
			goto out;
		}
	} else if (type && !strcmp(type, "Feature")) {
		features = single = json_pack("[O]", root);
	} else {
		note(imp->r, ORG_ERROR, -1, "", "geojson.not_collection",
		     "须为 GeoJSON FeatureCollection、Feature 或 Feature 数组（DataV）",
		     "a GeoJSON FeatureCollection, a Feature or an array of Features (DataV) is expected");
		goto out;
	}
	n = json_array_size(features);
	imp->r->nfeatures = n;
	if (n == 0) {
		note(imp->r, ORG_ERROR, -1, "", "import.empty", "文件中没有要素", "the file holds no features");
		goto out;
	}
	if (n > ORG_IMPORT_MAX_FEATURES) {
		note(imp->r, ORG_ERROR, -1, "", "import.too_many_features", "要素超过 %d 个",
		     "more than %d features", ORG_IMPORT_MAX_FEATURES);
		goto out;
	}
	if (!(imp->file = calloc(n, sizeof(*imp->file)))) {
		ret = err_set(imp->e, 500, "import.oom", "内存不足", "out of memory");
		goto out;
	}
	imp->nfile = n;
	for (size_t i = 0; i < n; i++)
		read_feature(imp, json_array_get(features, i), (long)i, &imp->file[i]);
out:
	json_decref(single);
	json_decref(root);
	return ret;
}

/* ============================================= the set and its context */

static int byc_cmp(const void *a, const void *b)
{
	const struct imp_unit *x = *(struct imp_unit *const *)a, *y = *(struct imp_unit *const *)b;
	int c = strcmp(x->rec.code, y->rec.code);
	if (c)
		return c;
	return x->feature < y->feature ? -1 : x->feature > y->feature;
}

static int group_cmp(const void *a, const void *b)
{
	const struct imp_unit *x = *(struct imp_unit *const *)a, *y = *(struct imp_unit *const *)b;
	int c = strcmp(x->group, y->group);
	return c ? c : strcmp(x->rec.code, y->rec.code);
}

static int code_key_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(struct imp_unit *const *)elem)->rec.code);
}

static struct imp_unit *find_in(struct imp_unit **arr, size_t n, const char *code)
{
	struct imp_unit **p = n ? bsearch(code, arr, n, sizeof(*arr), code_key_cmp) : NULL;
	return p ? *p : NULL;
}

static void set_group(struct imp_unit *u)
{
	if (u->rec.level == LEVEL_DISTRICT)
		snprintf(u->group, sizeof(u->group), "%.4s00", u->rec.code);
	else
		str_copy(u->group, sizeof(u->group), u->rec.parent);
}

/* Index the units that have a code; report duplicates and keep the first
 * of each. Then keep only the ok ones in imp->byc. */
static int index_file(struct imp *imp)
{
	size_t i, j, k = 0;

	if (imp->nfile && !(imp->byc = calloc(imp->nfile, sizeof(*imp->byc))))
		return err_set(imp->e, 500, "import.oom", "内存不足", "out of memory");
	for (i = 0; i < imp->nfile; i++)
		if (imp->file[i].rec.code[0])
			imp->byc[k++] = &imp->file[i];
	if (k)
		qsort(imp->byc, k, sizeof(*imp->byc), byc_cmp);
	for (i = 0; i < k; i = j) {              /* sorted by (code, feature): the first one wins */
		struct imp_unit *first = imp->byc[i];
		for (j = i + 1; j < k && !strcmp(imp->byc[j]->rec.code, first->rec.code); j++) {
			note(imp->r, ORG_ERROR, imp->byc[j]->feature, first->rec.code, "import.duplicate_code",
			     "编码 %s 重复：第 %ld 个要素已使用", "duplicate code %s: feature #%ld has it already",
			     first->rec.code, first->feature);
			imp->byc[j]->ok = 0;
		}
	}
	imp->nbyc = 0;
	for (i = 0; i < k; i++)
		if (imp->byc[i]->ok) {
			set_group(imp->byc[i]);
			imp->byc[imp->nbyc++] = imp->byc[i];
		}
	return 0;
}

/* store callback: keep a database unit the file touches (once per code;
 * units the file brings mark those as replacing instead). */
static int db_add(void *ctx, const struct unit_rec *rec, const void *wkb, size_t n)
{
	struct imp *imp = ctx;
	struct imp_unit *f = find_in(imp->byc, imp->nbyc, rec->code), *u;

	if (f) {
		f->exists = 1;
		return 0;
	}
	if (imp->ndb == imp->dbcap) {
		size_t cap = imp->dbcap ? imp->dbcap * 2 : 256;
		struct imp_unit *nd = realloc(imp->db, cap * sizeof(*nd));
		if (!nd)
			return err_set(imp->e, 500, "import.oom", "内存不足", "out of memory"), 1;
		imp->db = nd;
		imp->dbcap = cap;
	}
	u = &imp->db[imp->ndb++];
	memset(u, 0, sizeof(*u));
	u->rec = *rec;
	u->feature = -1;
	u->ok = 1;
	if (wkb && n && (u->geom = geom_from_wkb(imp->h, wkb, n)))
		u->area = geom_area_m2(imp->h, u->geom);
	set_group(u);
	return 0;
}

/* Add the database unit `code` (with its geometry) unless the file has it;
 * absent is fine. */
static int db_add_one(struct imp *imp, struct db *db, const char *code)
{
	struct unit_rec rec;
	struct err pe = ERR_INIT;
	struct buf wkb;
	int ret = -1;

	if (find_in(imp->byc, imp->nbyc, code))
		return 0;
	if (store_unit_get(db, code, &rec, &pe) < 0) {
		if (pe.status == 404)
			return 0;
		return err_set(imp->e, pe.status, pe.code, "%s%.0s", "%.0s%s", pe.msg, pe.msg_en);
	}
	buf_init(&wkb, WKB_MAX);
	if (store_unit_geom(db, code, &wkb, imp->e) == 0 && db_add(imp, &rec, wkb.data, wkb.len) == 0)
		ret = 0;
	buf_release(&wkb);
	return ret;
}

/* Load the database units the file touches: each parent and all its
 * children (the file units' siblings), and the file units' own children. */
static int load_context(struct imp *imp, struct db *db)
{
	struct imp_unit **g;
	size_t i, k;
	int ret = -1;

	if (!imp->nbyc)
		return 0;
	if (!(g = malloc(imp->nbyc * sizeof(*g))))
		return err_set(imp->e, 500, "import.oom", "内存不足", "out of memory");
	memcpy(g, imp->byc, imp->nbyc * sizeof(*g));
	qsort(g, imp->nbyc, sizeof(*g), group_cmp);
	for (i = 0; i < imp->nbyc; i++) {
		if (i > 0 && !strcmp(g[i]->group, g[i - 1]->group))
			continue;
		if (g[i]->rec.level == LEVEL_DISTRICT) {
			char prefix[8];
			snprintf(prefix, sizeof(prefix), "%.4s", g[i]->rec.code);
			if (store_unit_list(db, LEVEL_DISTRICT, prefix, 1, db_add, imp, imp->e) != 0)
				goto out;
			continue;
		}
		if (db_add_one(imp, db, g[i]->group) < 0 ||
		    store_unit_children(db, g[i]->group, 1, db_add, imp, imp->e) != 0)
			goto out;
	}
	for (i = 0; i < imp->nbyc; i++)
		if (imp->byc[i]->rec.level < LEVEL_GRID &&
		    store_unit_children(db, imp->byc[i]->rec.code, 1, db_add, imp, imp->e) != 0)
			goto out;

	/* merge, dropping database units listed twice */
	if (!(imp->all = malloc((imp->nbyc + imp->ndb) * sizeof(*imp->all))) ||
	    !(imp->sib = malloc((imp->nbyc + imp->ndb) * sizeof(*imp->sib)))) {
		err_set(imp->e, 500, "import.oom", "内存不足", "out of memory");
		goto out;
	}
	for (i = 0; i < imp->nbyc; i++)
		imp->all[i] = imp->byc[i];
	for (i = 0; i < imp->ndb; i++)
		imp->all[imp->nbyc + i] = &imp->db[i];
	k = imp->nbyc + imp->ndb;
	qsort(imp->all, k, sizeof(*imp->all), byc_cmp);
	imp->nall = 0;
	for (i = 0; i < k; i++)
		if (!imp->nall || strcmp(imp->all[imp->nall - 1]->rec.code, imp->all[i]->rec.code))
			imp->all[imp->nall++] = imp->all[i];
	for (i = 0; i < imp->nall; i++) {
		struct imp_unit *u = imp->all[i];
		u->parent = u->rec.parent[0] ? find_in(imp->all, imp->nall, u->rec.parent) : NULL;
		imp->sib[i] = u;
	}
	qsort(imp->sib, imp->nall, sizeof(*imp->sib), group_cmp);
	ret = 0;
out:
	free(g);
	return ret;
}

/* ============================================================ checks */

/* Classify an area against the tolerances: 0 ignore, 1 warning, 2 error. */
static int severity_of(double m2, double of_m2, double frac)
{
	if (!(m2 > ORG_IMPORT_SLIVER_M2))
		return 0;
	return m2 > frac * of_m2 ? 2 : 1;
}

static void check_parents(struct imp *imp)
{
	for (size_t i = 0; i < imp->nbyc; i++) {
		struct imp_unit *u = imp->byc[i];
		if (u->rec.level != LEVEL_DISTRICT && !u->parent)
			note(imp->r, ORG_ERROR, u->feature, u->rec.code, "import.missing_parent",
			     "上级单位 %s 既不在文件中，也不在数据库中", "parent unit %s is neither in the file nor in the database",
			     u->rec.parent);
	}
}

/* Does u stick out of its parent p? */
static void check_outside(struct imp *imp, struct imp_unit *u, struct imp_unit *p)
{
	GEOSContextHandle_t h = imp->h;
	const GEOSPreparedGeometry *pp = unit_prep(h, p);
	GEOSGeometry *d;
	double m2;
	int sev;

	if (pp && GEOSPreparedContains_r(h, pp, u->geom) == 1)
		return;
	if (!(d = GEOSDifference_r(h, u->geom, p->geom))) {
		note(imp->r, ORG_ERROR, u->feature >= 0 ? u->feature : p->feature, u->rec.code, "geom.topology",
		     "无法计算与上级 %s 的差集：%s", "cannot compute the difference with parent %s: %s",
		     p->rec.code, geo_last_error());
		return;
	}
	m2 = geom_area_m2(h, d);
	GEOSGeom_destroy_r(h, d);
	if (!(sev = severity_of(m2, u->area, ORG_IMPORT_OUTSIDE_FRAC)))
		return;
	if (u->feature >= 0)
		note(imp->r, sev == 2 ? ORG_ERROR : ORG_WARNING, u->feature, u->rec.code, "geom.outside_parent",
		     "有 %.0f m²（面积的 %.3g%%）位于上级单位 %s %s 之外",
		     "%.0f m² (%.3g%% of its area) lies outside its parent %s %s",
		     m2, 100 * m2 / u->area, p->rec.code, p->rec.name);
	else
		note(imp->r, sev == 2 ? ORG_ERROR : ORG_WARNING, p->feature, u->rec.code, "geom.outside_parent",
		     "数据库中已有的下级单位 %s %s 有 %.0f m²（面积的 %.3g%%）位于新边界之外",
		     "existing unit %s %s in the database has %.0f m² (%.3g%% of its area) outside the new boundary",
		     u->rec.code, u->rec.name, m2, 100 * m2 / u->area);
}

struct cand {
	struct imp_unit **v;
	size_t n, cap;
};

static void cand_add(void *item, void *userdata)
{
	struct cand *c = userdata;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct imp_unit **nv = realloc(c->v, cap * sizeof(*nv));
		if (!nv)
			return;
		c->v = nv;
		c->cap = cap;
	}
	c->v[c->n++] = item;
}

/* Overlaps between a and b (a from the file; b from the file or the database). */
static void check_pair(struct imp *imp, struct imp_unit *a, struct imp_unit *b)
{
	GEOSContextHandle_t h = imp->h;
	const GEOSPreparedGeometry *pa = unit_prep(h, a);
	GEOSGeometry *x;
	double m2, smaller = a->area < b->area ? a->area : b->area;
	int sev;

	if (pa && GEOSPreparedIntersects_r(h, pa, b->geom) != 1)
		return;
	if (!(x = GEOSIntersection_r(h, a->geom, b->geom))) {
		note(imp->r, ORG_ERROR, a->feature, a->rec.code, "geom.topology", "无法计算与 %s 的交集：%s",
		     "cannot compute the intersection with %s: %s", b->rec.code, geo_last_error());
		return;
	}
	m2 = geom_area_m2(h, x);
	GEOSGeom_destroy_r(h, x);
	if (!(sev = severity_of(m2, smaller, ORG_IMPORT_OVERLAP_FRAC)))
		return;
	if (b->feature >= 0)
		note(imp->r, sev == 2 ? ORG_ERROR : ORG_WARNING, a->feature, a->rec.code, "geom.overlap",
		     "与第 %ld 个要素 %s %s 重叠 %.0f m²（较小者面积的 %.3g%%）",
		     "overlaps feature #%ld %s %s by %.0f m² (%.3g%% of the smaller)",
		     b->feature, b->rec.code, b->rec.name, m2, 100 * m2 / smaller);
	else
		note(imp->r, sev == 2 ? ORG_ERROR : ORG_WARNING, a->feature, a->rec.code, "geom.overlap",
		     "与数据库中已有的单位 %s %s 重叠 %.0f m²（较小者面积的 %.3g%%）",
		     "overlaps existing unit %s %s by %.0f m² (%.3g%% of the smaller)",
		     b->rec.code, b->rec.name, m2, 100 * m2 / smaller);
}

/* Overlaps among the siblings sib[lo..hi): an STRtree over their extents,
 * so only pairs whose boxes meet are tested exactly. */
static void check_siblings(struct imp *imp, size_t lo, size_t hi)
{
	GEOSContextHandle_t h = imp->h;
	GEOSSTRtree *tree;
	struct cand c = {0};
	size_t i, j, nfile = 0;

	for (i = lo; i < hi; i++)
		nfile += imp->sib[i]->feature >= 0;
	if (!nfile || hi - lo < 2 || !(tree = GEOSSTRtree_create_r(h, 10)))
		return;
	for (i = lo; i < hi; i++)
		if (imp->sib[i]->geom)
			GEOSSTRtree_insert_r(h, tree, imp->sib[i]->geom, imp->sib[i]);
	for (i = lo; i < hi; i++) {
		struct imp_unit *a = imp->sib[i];
		if (a->feature < 0 || !a->geom)
			continue;
		c.n = 0;
		GEOSSTRtree_query_r(h, tree, a->geom, cand_add, &c);
		for (j = 0; j < c.n; j++) {
			struct imp_unit *b = c.v[j];
			/* each pair once: file pairs from the one first in code order */
			if (b == a || (b->feature >= 0 && strcmp(b->rec.code, a->rec.code) < 0))
				continue;
			check_pair(imp, a, b);
		}
	}
	free(c.v);
	GEOSSTRtree_destroy_r(h, tree);
}

/* Is parent p covered by its children sib[lo..hi)? Checked when the file
 * brings p or every one of those children. */
static void check_gap(struct imp *imp, struct imp_unit *p, size_t lo, size_t hi)
{
	GEOSContextHandle_t h = imp->h;
	GEOSGeometry **parts, *coll, *un = NULL, *d = NULL;
	long feature = p->feature;
	size_t i, n = hi - lo;
	double m2;
	int sev, all_file = 1;

	for (i = lo; i < hi; i++) {
		if (!imp->sib[i]->geom)
			return;                   /* coverage unknowable */
		if (imp->sib[i]->feature < 0)
			all_file = 0;
		else if (feature < 0)
			feature = imp->sib[i]->feature;
	}
	if (p->feature < 0 && !all_file)
		return;
	if (!(parts = calloc(n, sizeof(*parts))))
		return;
	for (i = 0; i < n; i++)
		parts[i] = GEOSGeom_clone_r(h, imp->sib[lo + i]->geom);
	coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n);
	free(parts);
	if (coll && (un = GEOSUnaryUnion_r(h, coll)))
		d = GEOSDifference_r(h, p->geom, un);
	GEOSGeom_destroy_r(h, coll);
	if (un)
		GEOSGeom_destroy_r(h, un);
	if (!d) {
		note(imp->r, ORG_ERROR, feature, p->rec.code, "geom.topology", "无法计算下级单位的覆盖范围：%s",
		     "cannot compute the coverage by its children: %s", geo_last_error());
		return;
	}
	m2 = geom_area_m2(h, d);
	GEOSGeom_destroy_r(h, d);
	if (!(sev = severity_of(m2, p->area, ORG_IMPORT_GAP_FRAC)))
		return;
	if (imp->o->flags & ORG_IMPORT_PARTIAL)
		sev = 1;
	note(imp->r, sev == 2 ? ORG_ERROR : ORG_WARNING, feature, p->rec.code, "geom.gap",
	     "%s %s 有 %.0f m²（%.3g%%）未被其 %zu 个下级单位覆盖",
	     "%s %s: %.0f m² (%.3g%%) not covered by its %zu children",
	     p->rec.code, p->rec.name, m2, 100 * m2 / p->area, n);
}

/* First index in sib of group `code`, or nall. */
static size_t group_start(struct imp *imp, const char *code)
{
	size_t lo = 0, hi = imp->nall;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (strcmp(imp->sib[mid]->group, code) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void check_all(struct imp *imp)
{
	size_t i, j;

	check_parents(imp);
	for (i = 0; i < imp->nall; i++) {
		struct imp_unit *u = imp->all[i], *p = u->parent;
		if (p && u->geom && p->geom && (u->feature >= 0 || p->feature >= 0))
			check_outside(imp, u, p);
	}
	for (i = 0; i < imp->nall; i = j) {
		for (j = i + 1; j < imp->nall && !strcmp(imp->sib[j]->group, imp->sib[i]->group); j++)
			;
		check_siblings(imp, i, j);
	}
	for (i = 0; i < imp->nall; i++) {
		struct imp_unit *p = imp->all[i];
		size_t lo, hi;
		if (p->rec.level == LEVEL_GRID || !p->geom)
			continue;
		lo = group_start(imp, p->rec.code);
		for (hi = lo; hi < imp->nall && !strcmp(imp->sib[hi]->group, p->rec.code); hi++)
			;
		if (hi > lo)
			check_gap(imp, p, lo, hi);
	}
}

/* ============================================================= write */

/* Write every ok file unit, parents first, and bump the org version: one
 * transaction. */
static int write_units(struct imp *imp, struct db *db)
{
	GEOSContextHandle_t h = imp->h;
	struct buf wkb;
	int ret = -1;

	buf_init(&wkb, WKB_MAX);
	if (db_begin(db, imp->e) < 0)
		goto out;
	for (size_t i = 0; i < imp->nbyc; i++) {          /* by code: a parent's code is a prefix */
		struct imp_unit *u = imp->byc[i];
		wkb.len = 0;
		if (geom_bbox(h, u->geom, u->rec.bbox) < 0 || geom_inside_point(h, u->geom, u->rec.center) < 0 ||
		    geom_to_wkb(h, u->geom, &wkb) < 0) {
			err_set(imp->e, 500, "import.geometry", "无法处理单位 %s 的几何", "cannot process the geometry of %s",
			        u->rec.code);
			goto rollback;
		}
		u->rec.area_m2 = u->area;
		u->rec.updated_at[0] = '\0';
		if (store_unit_put(db, &u->rec, wkb.data, wkb.len, imp->e) < 0)
			goto rollback;
	}
	if (store_org_bump(db, imp->e) < 0 || db_commit(db, imp->e) < 0)
		goto rollback;
	imp->r->written = 1;
	ret = 0;
	goto out;
rollback:
	db_rollback(db);
out:
	buf_release(&wkb);
	return ret;
}

/* ========================================================== the run */

/* --parent CODE -> the prefix every code must start with. A unit code is
 * used as is; a city or province code (440100, 440000) without its zeros. */
static int under_prefix(const char *under, char *out, size_t n)
{
	size_t len = strlen(under);

	out[0] = '\0';
	if (!len)
		return 0;
	if (unit_code_level(under) != LEVEL_NONE) {
		str_copy(out, n, under);
		return 0;
	}
	if (len != 6 || strspn(under, "0123456789") != 6 || strcmp(under + 4, "00"))
		return -1;
	str_copy(out, n, under);
	while (len >= 2 && !strcmp(out + len - 2, "00"))
		out[len -= 2] = '\0';
	return len ? 0 : -1;
}

static void imp_release(struct imp *imp)
{
	GEOSContextHandle_t h = imp->h;

	for (size_t i = 0; i < imp->nfile; i++) {
		if (imp->file[i].prep)
			GEOSPreparedGeom_destroy_r(h, imp->file[i].prep);
		if (imp->file[i].geom)
			GEOSGeom_destroy_r(h, imp->file[i].geom);
	}
	for (size_t i = 0; i < imp->ndb; i++) {
		if (imp->db[i].prep)
			GEOSPreparedGeom_destroy_r(h, imp->db[i].prep);
		if (imp->db[i].geom)
			GEOSGeom_destroy_r(h, imp->db[i].geom);
	}
	free(imp->file);
	free(imp->byc);
	free(imp->db);
	free(imp->all);
	free(imp->sib);
}

int org_import_run(struct db *db, const char *text, size_t len, const struct org_import_opts *o,
                   struct org_import_report *r, struct err *e)
{
	struct imp imp;
	int ret = -1;

	memset(&imp, 0, sizeof(imp));
	imp.o = o;
	imp.r = r;
	imp.e = e;
	imp.h = geo_ctx();
	if (len > ORG_IMPORT_MAX_BYTES) {
		err_set(e, 413, "import.too_large", "文件超过 %zu MiB", "file larger than %zu MiB",
		        ORG_IMPORT_MAX_BYTES >> 20);
		goto out;
	}
	if (under_prefix(o->under, imp.under_prefix, sizeof(imp.under_prefix)) < 0) {
		err_set_param(e, 400, "import.bad_parent", "parent", "上级编码 '%.24s' 无效",
		              "invalid parent code '%.24s'", o->under);
		goto out;
	}
	if (parse_file(&imp, text, len) < 0 || index_file(&imp) < 0 || load_context(&imp, db) < 0)
		goto out;
	check_all(&imp);
	if (r->n)
		qsort(r->items, r->n, sizeof(*r->items), problem_cmp);
	for (size_t i = 0; i < imp.nbyc; i++) {
		r->units[imp.byc[i]->rec.level]++;
		r->replaced[imp.byc[i]->rec.level] += imp.byc[i]->exists;
	}
	if (r->nerrors) {
		err_set(e, 422, "import.invalid", "发现 %zu 个错误，未写入任何数据",
		        "%zu errors found, nothing written", r->nerrors);
		goto out;
	}
	if (!(o->flags & ORG_IMPORT_DRY_RUN) && write_units(&imp, db) < 0)
		goto out;
	ret = 0;
out:
	imp_release(&imp);
	return ret;
}
