/*
 * demo.c - the demo district generator behind `wangge demo` (see demo.h).
 *
 * Four stages, each deterministic in the seed:
 *   1. plan: the org tree without geometry. Towns come from app/baiyun.c;
 *      grids and areas are apportioned over the communities by weights
 *      (streets denser than towns), codes are derived with unit_code_child(),
 *      names, 专属网格 and households are drawn from domain/demo_names.
 *   2. cut: nested Voronoi tessellation, top down. The district outline is
 *      cut at the real town centres; every town, community and area is then
 *      cut into its children around well-spread seeds relaxed by Lloyd
 *      iterations, one exact arrangement per level (geo/tessellate.h).
 *   3. merge: bottom up, every unit's polygon becomes the union of its
 *      children's, so the levels nest exactly and the grids tile the district
 *      without gaps or overlaps.
 *   4. write: one transaction that clears the old org data, writes units,
 *      people and posts, the departments and the demo log-ins, and bumps
 *      the org version.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/audit.h"
#include "app/auth.h"
#include "app/baiyun.h"
#include "app/demo.h"
#include "app/duty.h"
#include "app/events.h"
#include "app/kpi.h"
#include "domain/demo_names.h"
#include "domain/unit_code.h"
#include "geo/geojson.h"
#include "geo/geos_ctx.h"
#include "geo/tessellate.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "store/db.h"
#include "store/store_account.h"
#include "store/store_audit.h"
#include "store/store_department.h"
#include "store/store_duty.h"
#include "store/store_equipment.h"
#include "store/store_force.h"
#include "store/store_event.h"
#include "store/store_staff.h"
#include "store/store_unit.h"
#include "store/store_user.h"
#include "lib/banned.h"

#define OUTLINE_FILE_MAX (64 << 20)  /* bytes of an outline GeoJSON file */
#define WKB_MAX (64 << 20)           /* bytes of one unit's WKB */
#define SPECIAL_GRIDS 48             /* 专属网格, including the landmarks */
#define REPLACED_GRIDS 72            /* grids whose first 网格员 was replaced */
#define STEM_MAX 32

/* A unit being generated. */
struct dunit {
	struct unit_rec rec;
	GEOSGeometry *geom;              /* owned */
	size_t parent;                   /* index in the level above */
	size_t child0, nchild;           /* children: [child0, child0 + nchild) below */
	int village;                     /* communities: 村 rather than 社区 */
	int special;                     /* grids: 专属网格 */
	int replaced;                    /* grids: a past 网格员 was replaced */
	char stem[STEM_MAX];             /* communities: place-name stem */
};

struct demo {
	GEOSContextHandle_t h;
	uint64_t seed;
	int lloyd;
	GEOSGeometry *outline;           /* WGS-84, owned */
	struct dunit *lv[LEVEL_GRID + 1];/* lv[1] the district … lv[5] the grids */
	size_t n[LEVEL_GRID + 1];
	char (*stems)[STEM_MAX];         /* community stems taken, for uniqueness */
	size_t nstems;
};

static int oom(struct err *e)
{
	return err_set(e, 500, "demo.oom", "内存不足", "out of memory");
}

static int geos_fail(struct err *e, const char *what)
{
	return err_set(e, 500, "demo.geometry", "演示数据几何计算失败（%s）：%s",
	               "demo geometry failed (%s): %s", what, geo_last_error());
}

/* ================================================================ plan */

static int stem_taken(const struct demo *d, const char *s)
{
	for (size_t i = 0; i < d->nstems; i++)
		if (!strcmp(d->stems[i], s))
			return 1;
	return 0;
}

static void stem_take(struct demo *d, const char *s)
{
	str_copy(d->stems[d->nstems++], STEM_MAX, s);
}

/* A town's name without 街道/镇: 三元里街道 -> 三元里. */
static void town_stem(const char *name, char *out, size_t n)
{
	size_t len = str_copy(out, n, name);

	if (len > strlen("街道") && !strcmp(out + len - strlen("街道"), "街道"))
		out[len - strlen("街道")] = '\0';
	else if (len > strlen("镇") && !strcmp(out + len - strlen("镇"), "镇"))
		out[len - strlen("镇")] = '\0';
}

/* Name a community: a town's first after the town itself (its stem was
 * taken up front so no other community gets it), the rest from fresh stems
 * (urban for 社区, rural for 村), unique in the district. */
static void name_community(struct demo *d, struct demo_rng *r, struct dunit *c, int first,
                           const char *tstem)
{
	if (first) {
		str_copy(c->stem, sizeof(c->stem), tstem);   /* taken up front */
	} else {
		do
			demo_place_stem(r, c->village ? DEMO_PLACE_VILLAGE : DEMO_PLACE_URBAN,
			                c->stem, sizeof(c->stem));
		while (stem_taken(d, c->stem));
		stem_take(d, c->stem);
	}
	snprintf(c->rec.name, sizeof(c->rec.name), "%s%s", c->stem, c->village ? "村" : "社区");
}

static void unit_init(struct dunit *u, const char *code, const char *parent, int level,
                      const char *kind)
{
	memset(u, 0, sizeof(*u));
	str_copy(u->rec.code, sizeof(u->rec.code), code);
	str_copy(u->rec.parent, sizeof(u->rec.parent), parent);
	u->rec.level = level;
	str_copy(u->rec.kind, sizeof(u->rec.kind), kind);
	u->rec.households = -1;
	u->rec.population = -1;
}

/* Choose k distinct indexes of [0, n) into mark[] (partial Fisher–Yates),
 * skipping those already marked. */
static int pick_distinct(struct demo_rng *r, size_t n, size_t k, int *mark)
{
	size_t *ix = malloc(n * sizeof(*ix)), m = 0;

	if (!ix)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!mark[i])
			ix[m++] = i;
	for (size_t i = 0; i < k && i < m; i++) {
		size_t j = i + (size_t)demo_rng_range(r, 0, (int)(m - i - 1)), t = ix[i];
		ix[i] = ix[j];
		ix[j] = t;
		mark[ix[i]] = 1;
	}
	free(ix);
	return 0;
}

/* Grids of town t: [*g0, *g1). Grids are stored in code order, so a town's
 * grids are contiguous. */
static void town_grids(const struct demo *d, size_t t, size_t *g0, size_t *g1)
{
	const struct dunit *town = &d->lv[LEVEL_TOWN][t];
	const struct dunit *c0 = &d->lv[LEVEL_COMMUNITY][town->child0];
	const struct dunit *c1 = &d->lv[LEVEL_COMMUNITY][town->child0 + town->nchild - 1];
	const struct dunit *a0 = &d->lv[LEVEL_AREA][c0->child0];
	const struct dunit *a1 = &d->lv[LEVEL_AREA][c1->child0 + c1->nchild - 1];

	*g0 = a0->child0;
	*g1 = a1->child0 + a1->nchild;
}

/* 专属网格: two landmarks (the airport in 人和镇, 白云站 in 棠景街道) and
 * the rest spread at random, each with a subtype fitting its town. */
static int plan_specials(struct demo *d, struct err *e)
{
	static const struct { const char *town, *name; enum demo_special type; } landmarks[] = {
		{"440111103", "白云国际机场专属网格", DEMO_SPECIAL_TRANSPORT},
		{"440111007", "白云站专属网格", DEMO_SPECIAL_TRANSPORT},
	};
	struct demo_rng r;
	size_t ng = d->n[LEVEL_GRID];
	int *mark = calloc(ng, sizeof(*mark)), ret = -1;

	if (!mark)
		return oom(e);
	demo_rng_init(&r, d->seed, demo_stream("special"));
	for (size_t l = 0; l < sizeof(landmarks) / sizeof(landmarks[0]); l++) {
		for (size_t t = 0; t < d->n[LEVEL_TOWN]; t++) {
			struct dunit *g;
			size_t g0, g1;
			if (strcmp(d->lv[LEVEL_TOWN][t].rec.code, landmarks[l].town))
				continue;
			town_grids(d, t, &g0, &g1);
			g = &d->lv[LEVEL_GRID][g0 + (size_t)demo_rng_range(&r, 0, (int)(g1 - g0 - 1))];
			mark[g - d->lv[LEVEL_GRID]] = 2;
			g->special = 1;
			str_copy(g->rec.name, sizeof(g->rec.name), landmarks[l].name);
			str_copy(g->rec.grid_subtype, sizeof(g->rec.grid_subtype),
			         demo_special_label(landmarks[l].type));
			g->rec.households = demo_special_households(&r, landmarks[l].type);
		}
	}
	if (pick_distinct(&r, ng, SPECIAL_GRIDS - sizeof(landmarks) / sizeof(landmarks[0]), mark) < 0) {
		oom(e);
		goto out;
	}
	for (size_t i = 0; i < ng; i++) {
		struct dunit *g = &d->lv[LEVEL_GRID][i];
		const struct dunit *a = &d->lv[LEVEL_AREA][g->parent];
		const struct dunit *c = &d->lv[LEVEL_COMMUNITY][a->parent];
		const struct dunit *t = &d->lv[LEVEL_TOWN][c->parent];
		enum demo_special type;
		if (mark[i] != 1)
			continue;
		type = demo_special_pick(&r, !strcmp(t->rec.kind, "镇"));
		g->special = 1;
		demo_special_name(&r, type, c->stem, g->rec.name, sizeof(g->rec.name));
		str_copy(g->rec.grid_subtype, sizeof(g->rec.grid_subtype), demo_special_label(type));
		g->rec.households = demo_special_households(&r, type);
	}
	ret = 0;
out:
	free(mark);
	return ret;
}

/* Grid names, types, households and population; sums up the tree. */
static void plan_grid_attrs(struct demo *d)
{
	struct demo_rng r;

	demo_rng_init(&r, d->seed, demo_stream("households"));
	for (size_t c = 0; c < d->n[LEVEL_COMMUNITY]; c++) {
		struct dunit *cu = &d->lv[LEVEL_COMMUNITY][c];
		int serial = 0;
		for (size_t a = cu->child0; a < cu->child0 + cu->nchild; a++) {
			struct dunit *au = &d->lv[LEVEL_AREA][a];
			for (size_t g = au->child0; g < au->child0 + au->nchild; g++) {
				struct dunit *gu = &d->lv[LEVEL_GRID][g];
				double per = demo_rng_uniform(&r, 2.6, 3.2);
				if (gu->special) {
					str_copy(gu->rec.grid_type, sizeof(gu->rec.grid_type), "专属网格");
				} else {
					str_copy(gu->rec.grid_type, sizeof(gu->rec.grid_type), "综合网格");
					snprintf(gu->rec.name, sizeof(gu->rec.name), "%s第%d网格",
					         cu->rec.name, ++serial);
					gu->rec.households = demo_rng_range(&r, 300, 500);
				}
				gu->rec.population = llround((double)gu->rec.households * per);
			}
		}
	}
	/* sums, bottom up */
	for (int l = LEVEL_AREA; l >= LEVEL_DISTRICT; l--) {
		for (size_t i = 0; i < d->n[l]; i++) {
			struct dunit *u = &d->lv[l][i];
			u->rec.households = u->rec.population = 0;
			for (size_t k = u->child0; k < u->child0 + u->nchild; k++) {
				u->rec.households += d->lv[l + 1][k].rec.households;
				u->rec.population += d->lv[l + 1][k].rec.population;
			}
		}
	}
}

/* Per-community counts of grids and areas. Streets' 社区 are the densest,
 * villages the sparsest; every community has at least 3 grids, every area
 * 1–99 grids and about three on average. */
static int plan_counts(struct demo *d, int *grids, int *areas, struct err *e)
{
	size_t nc = d->n[LEVEL_COMMUNITY];
	double *w = malloc(nc * sizeof(*w));
	int *lo = malloc(nc * sizeof(*lo)), *hi = malloc(nc * sizeof(*hi)), ret = -1;
	struct demo_rng r;

	if (!w || !lo || !hi) {
		oom(e);
		goto out;
	}
	demo_rng_init(&r, d->seed, demo_stream("counts"));
	for (size_t c = 0; c < nc; c++) {
		const struct dunit *cu = &d->lv[LEVEL_COMMUNITY][c];
		int street = !strcmp(d->lv[LEVEL_TOWN][cu->parent].rec.kind, "街道");
		w[c] = cu->village ? demo_rng_uniform(&r, 0.45, 0.95)
		                   : street ? demo_rng_uniform(&r, 0.9, 1.5) : demo_rng_uniform(&r, 0.7, 1.2);
		lo[c] = 3;
		hi[c] = 60;
	}
	if (demo_apportion(BAIYUN_GRIDS, w, lo, hi, nc, grids) < 0)
		goto bad;
	for (size_t c = 0; c < nc; c++) {
		w[c] = grids[c];
		lo[c] = (grids[c] + 5) / 6;
		hi[c] = grids[c] < 99 ? grids[c] : 99;
	}
	if (demo_apportion(BAIYUN_AREAS, w, lo, hi, nc, areas) < 0)
		goto bad;
	ret = 0;
	goto out;
bad:
	err_set(e, 500, "demo.plan", "无法分配网格数量", "cannot apportion the grids");
out:
	free(w);
	free(lo);
	free(hi);
	return ret;
}

/* Stage 1: the org tree, without geometry. */
static int plan(struct demo *d, struct err *e)
{
	struct demo_rng r;
	int *grids = NULL, *areas = NULL, ret = -1;
	size_t nc = 0, ci = 0, ai = 0, gi = 0;

	for (size_t t = 0; t < baiyun_ntowns; t++)
		nc += (size_t)baiyun_towns[t].communities;
	if (nc != BAIYUN_COMMUNITIES) {
		err_set(e, 500, "demo.plan", "村社区数量不符", "community counts do not add up");
		return -1;
	}
	d->n[LEVEL_DISTRICT] = 1;
	d->n[LEVEL_TOWN] = baiyun_ntowns;
	d->n[LEVEL_COMMUNITY] = nc;
	d->n[LEVEL_AREA] = BAIYUN_AREAS;
	d->n[LEVEL_GRID] = BAIYUN_GRIDS;
	for (int l = LEVEL_DISTRICT; l <= LEVEL_GRID; l++)
		if (!(d->lv[l] = calloc(d->n[l], sizeof(struct dunit))))
			return oom(e);
	if (!(d->stems = calloc(nc + baiyun_ntowns, sizeof(*d->stems))) ||
	    !(grids = calloc(nc, sizeof(*grids))) || !(areas = calloc(nc, sizeof(*areas)))) {
		oom(e);
		goto out;
	}

	/* district and towns */
	unit_init(&d->lv[LEVEL_DISTRICT][0], BAIYUN_CODE, "", LEVEL_DISTRICT, "区");
	str_copy(d->lv[LEVEL_DISTRICT][0].rec.name, UNIT_NAME_MAX, BAIYUN_NAME);
	d->lv[LEVEL_DISTRICT][0].nchild = baiyun_ntowns;
	for (size_t t = 0; t < baiyun_ntowns; t++) {
		struct dunit *u = &d->lv[LEVEL_TOWN][t];
		unit_init(u, baiyun_towns[t].code, BAIYUN_CODE, LEVEL_TOWN, baiyun_towns[t].kind);
		str_copy(u->rec.name, sizeof(u->rec.name), baiyun_towns[t].name);
	}

	/* communities: 社区 serials 001…, 村 serials 201… as in the statistical codes */
	demo_rng_init(&r, d->seed, demo_stream("names"));
	for (size_t t = 0; t < baiyun_ntowns; t++) {
		char tstem[STEM_MAX];
		town_stem(baiyun_towns[t].name, tstem, sizeof(tstem));
		stem_take(d, tstem);
	}
	for (size_t t = 0; t < baiyun_ntowns; t++) {
		const struct baiyun_town *bt = &baiyun_towns[t];
		struct dunit *tu = &d->lv[LEVEL_TOWN][t];
		int nsq = bt->communities - bt->villages;
		char tstem[STEM_MAX];

		town_stem(bt->name, tstem, sizeof(tstem));
		tu->child0 = ci;
		tu->nchild = (size_t)bt->communities;
		for (int k = 0; k < bt->communities; k++, ci++) {
			struct dunit *c = &d->lv[LEVEL_COMMUNITY][ci];
			char code[UNIT_CODE_MAX];
			int village = k >= nsq;
			if (unit_code_child(bt->code, village ? 200 + (k - nsq) + 1 : k + 1, code,
			                    sizeof(code)) < 0) {
				err_set(e, 500, "demo.plan", "编码超出范围", "code out of range");
				goto out;
			}
			unit_init(c, code, bt->code, LEVEL_COMMUNITY, village ? "村" : "社区");
			c->village = village;
			c->parent = t;
			name_community(d, &r, c, k == 0, tstem);
		}
	}

	/* areas and grids */
	if (plan_counts(d, grids, areas, e) < 0)
		goto out;
	demo_rng_init(&r, d->seed, demo_stream("areas"));
	for (size_t c = 0; c < nc; c++) {
		struct dunit *cu = &d->lv[LEVEL_COMMUNITY][c];
		int na = areas[c], *per = calloc((size_t)na, sizeof(int)), *lo = calloc((size_t)na, sizeof(int));
		double *w = calloc((size_t)na, sizeof(double));
		int ok = per && lo && w;

		for (int a = 0; ok && a < na; a++) {
			w[a] = demo_rng_uniform(&r, 0.7, 1.3);
			lo[a] = 1;
		}
		ok = ok && demo_apportion(grids[c], w, lo, NULL, (size_t)na, per) == 0;
		cu->child0 = ai;
		cu->nchild = (size_t)na;
		for (int a = 0; ok && a < na; a++, ai++) {
			struct dunit *au = &d->lv[LEVEL_AREA][ai];
			char code[UNIT_CODE_MAX];
			ok = per[a] <= 99 && unit_code_child(cu->rec.code, a + 1, code, sizeof(code)) == 0;
			if (!ok)
				break;
			unit_init(au, code, cu->rec.code, LEVEL_AREA, "片区");
			snprintf(au->rec.name, sizeof(au->rec.name), "第%d片区", a + 1);
			au->parent = c;
			au->child0 = gi;
			au->nchild = (size_t)per[a];
			for (int g = 0; ok && g < per[a]; g++, gi++) {
				struct dunit *gu = &d->lv[LEVEL_GRID][gi];
				ok = unit_code_child(au->rec.code, g + 1, code, sizeof(code)) == 0;
				unit_init(gu, code, au->rec.code, LEVEL_GRID, "网格");
				gu->parent = ai;
			}
		}
		free(per);
		free(lo);
		free(w);
		if (!ok) {
			err_set(e, 500, "demo.plan", "片区或网格编码分配失败", "cannot lay out areas and grids");
			goto out;
		}
	}
	if (ai != BAIYUN_AREAS || gi != BAIYUN_GRIDS) {
		err_set(e, 500, "demo.plan", "片区或网格数量不符", "area or grid counts do not add up");
		goto out;
	}
	if (plan_specials(d, e) < 0)
		goto out;
	plan_grid_attrs(d);
	ret = 0;
out:
	free(grids);
	free(areas);
	return ret;
}

/* ============================================================= outline */

/* Add the polygon of one GeoJSON geometry to parts. */
static int outline_add(GEOSContextHandle_t h, json_t *geometry, enum crs crs, GEOSGeometry **parts,
                       size_t *n, struct err *e)
{
	GEOSGeometry *g = geojson_to_geos(h, geometry, crs, e);
	char reason[256];

	if (!g)
		return -1;
	if (!geom_is_valid(h, g, reason, sizeof(reason))) {
		GEOSGeometry *v = GEOSMakeValid_r(h, g);
		GEOSGeom_destroy_r(h, g);
		if (!(g = v))
			return err_set(e, 400, "demo.outline_invalid", "边界无效：%s", "outline is invalid: %s",
			               reason);
	}
	parts[(*n)++] = g;
	return 0;
}

/*
 * Read the outline file: a GeoJSON FeatureCollection, a DataV-style bare
 * array of Features, a single Feature or a bare geometry, Polygon or
 * MultiPolygon in `crs`. Several features are merged into one. Returns a new
 * WGS-84 geometry noded on the tessellation grid, or NULL with e set.
 */
static GEOSGeometry *outline_load(GEOSContextHandle_t h, const char *path, enum crs crs,
                                  struct err *e)
{
	struct buf b;
	json_t *root = NULL, *features = NULL;
	json_error_t jerr;
	GEOSGeometry **parts = NULL, *coll = NULL, *out = NULL;
	size_t n = 0, nf;
	const char *type;
	double area = 0;

	buf_init(&b, OUTLINE_FILE_MAX);
	if (buf_read_file(&b, path) < 0) {
		err_set(e, 400, "demo.outline_read", "无法读取边界文件 '%s'：%s",
		        "cannot read outline '%s': %s", path, strerror(errno));
		goto out;
	}
	if (!(root = json_loadb(b.data ? b.data : "", b.len, 0, &jerr))) {
		err_set(e, 400, "demo.outline_json", "边界文件 '%s' 不是有效的 JSON（第 %d 行：%s）",
		        "outline '%s' is not valid JSON (line %d: %s)", path, jerr.line, jerr.text);
		goto out;
	}
	type = json_string_value(json_object_get(root, "type"));
	if (json_is_array(root))
		features = root;
	else if (type && !strcmp(type, "FeatureCollection"))
		features = json_object_get(root, "features");
	nf = features ? json_array_size(features) : 1;
	if (features && (!json_is_array(features) || nf == 0)) {
		err_set(e, 400, "demo.outline_empty", "边界文件 '%s' 中没有要素",
		        "outline '%s' has no features", path);
		goto out;
	}
	if (!(parts = calloc(nf, sizeof(*parts)))) {
		oom(e);
		goto out;
	}
	if (!features) {
		json_t *g = type && !strcmp(type, "Feature") ? json_object_get(root, "geometry") : root;
		if (outline_add(h, g, crs, parts, &n, e) < 0)
			goto out;
	} else {
		for (size_t i = 0; i < nf; i++)
			if (outline_add(h, json_object_get(json_array_get(features, i), "geometry"), crs,
			                parts, &n, e) < 0)
				goto out;
	}
	if (!(coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts, (unsigned)n))) {
		geos_fail(e, "outline");
		goto out;
	}
	n = 0;                           /* owned by coll */
	if (!(out = GEOSUnaryUnionPrec_r(h, coll, TESS_GRID))) {
		geos_fail(e, "outline union");
		goto out;
	}
	GEOSArea_r(h, out, &area);
	if (area <= 0) {
		err_set(e, 400, "demo.outline_empty", "边界文件 '%s' 的面积为零",
		        "outline '%s' has no area", path);
		GEOSGeom_destroy_r(h, out);
		out = NULL;
	}
out:
	while (n > 0)
		GEOSGeom_destroy_r(h, parts[--n]);
	free(parts);
	if (coll)
		GEOSGeom_destroy_r(h, coll);
	json_decref(root);
	buf_release(&b);
	return out;
}

/* ============================================================ geometry */

static double bbox_overlap(const double a[4], const double b[4])
{
	double w = fmin(a[2], b[2]) - fmax(a[0], b[0]), hgt = fmin(a[3], b[3]) - fmax(a[1], b[1]);
	double inter = w > 0 && hgt > 0 ? w * hgt : 0;
	double uni = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
	return uni > 0 ? inter / uni : 0;
}

/*
 * Town seeds: the real centres. For an outline that is not Baiyun's (its
 * box overlaps the built-in outline's by less than half) they are first
 * mapped box to box; a seed still outside the outline takes the nearest of a
 * set of sample points inside it.
 */
static int town_seeds(struct demo *d, double *xy, struct err *e)
{
	size_t n = d->n[LEVEL_TOWN], ns = 8 * n;
	const GEOSPreparedGeometry *prep = NULL;
	double ref[4] = {INFINITY, INFINITY, -INFINITY, -INFINITY}, box[4], *sxy = NULL;
	int *used = NULL, ret = -1;

	for (size_t i = 0; i < baiyun_outline_len; i++) {
		ref[0] = fmin(ref[0], baiyun_outline[i][0]);
		ref[1] = fmin(ref[1], baiyun_outline[i][1]);
		ref[2] = fmax(ref[2], baiyun_outline[i][0]);
		ref[3] = fmax(ref[3], baiyun_outline[i][1]);
	}
	if (geom_bbox(d->h, d->outline, box) < 0 || !(prep = GEOSPrepare_r(d->h, d->outline))) {
		geos_fail(e, "outline box");
		goto out;
	}
	for (size_t t = 0; t < n; t++) {
		xy[2 * t] = baiyun_towns[t].lon;
		xy[2 * t + 1] = baiyun_towns[t].lat;
		if (bbox_overlap(ref, box) < 0.5) {
			xy[2 * t] = box[0] + (xy[2 * t] - ref[0]) / (ref[2] - ref[0]) * (box[2] - box[0]);
			xy[2 * t + 1] = box[1] + (xy[2 * t + 1] - ref[1]) / (ref[3] - ref[1]) * (box[3] - box[1]);
		}
	}
	for (size_t t = 0; t < n; t++) {
		GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(d->h, xy[2 * t], xy[2 * t + 1]);
		int in = pt && GEOSPreparedContains_r(d->h, prep, pt) == 1;
		size_t best = ns;
		double bd = INFINITY;

		if (pt)
			GEOSGeom_destroy_r(d->h, pt);
		if (in)
			continue;
		if (!sxy) {
			if (!(sxy = malloc(2 * ns * sizeof(*sxy))) || !(used = calloc(ns, sizeof(*used)))) {
				oom(e);
				goto out;
			}
			if (tessellate_sample(d->h, d->outline, ns, d->seed ^ demo_stream("towns"), sxy, e) < 0)
				goto out;
		}
		for (size_t s = 0; s < ns; s++) {
			double dx = sxy[2 * s] - xy[2 * t], dy = sxy[2 * s + 1] - xy[2 * t + 1];
			if (!used[s] && dx * dx + dy * dy < bd) {
				bd = dx * dx + dy * dy;
				best = s;
			}
		}
		if (best == ns) {
			err_set(e, 500, "demo.towns", "无法在边界内放置镇街", "cannot place the towns inside the outline");
			goto out;
		}
		used[best] = 1;
		xy[2 * t] = sxy[2 * best];
		xy[2 * t + 1] = sxy[2 * best + 1];
	}
	ret = 0;
out:
	if (prep)
		GEOSPreparedGeom_destroy_r(d->h, prep);
	free(sxy);
	free(used);
	return ret;
}

/* Stage 2, one level: cut every unit of level lv-1 into its children. The
 * towns are cut at fixed seeds without relaxation, so they keep their real
 * relative sizes; lower levels get well-spread, relaxed seeds. */
static int cut_level(struct demo *d, int lv, struct err *e)
{
	size_t nup = d->n[lv - 1], ndown = d->n[lv];
	struct tess_part *parts = calloc(nup, sizeof(*parts));
	double *xy = calloc(2 * ndown, sizeof(*xy));
	GEOSGeometry **cells = calloc(ndown, sizeof(*cells));
	int ret = -1;

	if (!parts || !xy || !cells) {
		oom(e);
		goto out;
	}
	for (size_t i = 0; i < nup; i++) {
		struct dunit *u = &d->lv[lv - 1][i];
		const GEOSGeometry *region = lv == LEVEL_TOWN ? d->outline : u->geom;
		double *s = xy + 2 * u->child0;
		if (lv == LEVEL_TOWN) {
			if (town_seeds(d, s, e) < 0)
				goto out;
		} else if (tessellate_sample(d->h, region, u->nchild, d->seed ^ demo_stream(u->rec.code),
		                             s, e) < 0 ||
		           tessellate_relax(d->h, region, s, u->nchild, d->lloyd, e) < 0) {
			goto out;
		}
		parts[i].region = region;
		parts[i].seeds = s;
		parts[i].n = u->nchild;
		parts[i].cells = cells + u->child0;
	}
	if (tessellate_parts(d->h, parts, nup, TESS_GRID, e) < 0)
		goto out;
	for (size_t j = 0; j < ndown; j++) {
		d->lv[lv][j].geom = cells[j];
		cells[j] = NULL;
	}
	ret = 0;
out:
	free(parts);
	free(xy);
	free(cells);
	return ret;
}

/* Stage 3: every unit above the grids becomes the union of its children;
 * then bounding box, inside point and area of every unit. */
static int merge_up(struct demo *d, struct err *e)
{
	const GEOSGeometry **kids = NULL;
	size_t most = 0;
	int ret = -1;

	for (int l = LEVEL_DISTRICT; l < LEVEL_GRID; l++)
		for (size_t i = 0; i < d->n[l]; i++)
			most = d->lv[l][i].nchild > most ? d->lv[l][i].nchild : most;
	if (!(kids = malloc((most ? most : 1) * sizeof(*kids))))
		return oom(e);
	for (int l = LEVEL_AREA; l >= LEVEL_DISTRICT; l--) {
		for (size_t i = 0; i < d->n[l]; i++) {
			struct dunit *u = &d->lv[l][i];
			GEOSGeometry *m;
			for (size_t k = 0; k < u->nchild; k++)
				kids[k] = d->lv[l + 1][u->child0 + k].geom;
			if (!(m = tessellate_merge(d->h, kids, u->nchild))) {
				geos_fail(e, u->rec.code);
				goto out;
			}
			if (u->geom)
				GEOSGeom_destroy_r(d->h, u->geom);
			u->geom = m;
		}
	}
	for (int l = LEVEL_DISTRICT; l <= LEVEL_GRID; l++) {
		for (size_t i = 0; i < d->n[l]; i++) {
			struct unit_rec *r = &d->lv[l][i].rec;
			const GEOSGeometry *g = d->lv[l][i].geom;
			if (geom_bbox(d->h, g, r->bbox) < 0 || geom_inside_point(d->h, g, r->center) < 0) {
				geos_fail(e, r->code);
				goto out;
			}
			r->area_m2 = geom_area_m2(d->h, g);
		}
	}
	ret = 0;
out:
	free(kids);
	return ret;
}

/* =============================================================== staff */

struct staff {
	struct db *db;
	struct demo_rng r;
	int64_t serial;                  /* person number, for the phone */
	int persons, posts;
};

/* A random day in [from, to] as YYYY-MM-DD. */
static void random_date(struct demo_rng *r, int64_t from, int64_t to, char *out, size_t n)
{
	demo_date_format(from + demo_rng_range(r, 0, (int)(to - from)), out, n);
}

static int64_t ymd(int y, int m, int dd)
{
	return demo_days_from_civil(y, m, dd);
}

/* A new fictional person; female with probability female_share. */
static int staff_person(struct staff *s, double female_share, int64_t *id, struct err *e)
{
	struct person_rec p;
	enum demo_gender g = demo_gender_pick(&s->r, female_share);

	memset(&p, 0, sizeof(p));
	demo_person_name(&s->r, g, p.name, sizeof(p.name));
	demo_phone((uint64_t)s->serial++, p.phone, sizeof(p.phone));
	str_copy(p.gender, sizeof(p.gender), demo_gender_label(g));
	if (store_person_add(s->db, &p, id, e) < 0)
		return -1;
	s->persons++;
	return 0;
}

static int staff_post(struct staff *s, int64_t person, const char *unit, const char *role,
                      const char *title, const char *start, const char *end, struct err *e)
{
	struct post_rec p;

	memset(&p, 0, sizeof(p));
	p.person_id = person;
	str_copy(p.unit_code, sizeof(p.unit_code), unit);
	str_copy(p.role, sizeof(p.role), role);
	str_copy(p.title, sizeof(p.title), title);
	str_copy(p.start_date, sizeof(p.start_date), start);
	str_copy(p.end_date, sizeof(p.end_date), end ? end : "");
	if (store_post_add(s->db, &p, NULL, e) < 0)
		return -1;
	s->posts++;
	return 0;
}

/* One new person in one post. */
static int staff_hire(struct staff *s, double female_share, const char *unit, const char *role,
                      const char *title, const char *start, const char *end, struct err *e)
{
	int64_t id;

	if (staff_person(s, female_share, &id, e) < 0)
		return -1;
	return staff_post(s, id, unit, role, title, start, end, e);
}

/* Each town's 领导小组: a 组长, one or two 副组长 and 成员, 5–8 people. */
static int staff_leaders(struct demo *d, struct staff *s, struct err *e)
{
	for (size_t t = 0; t < d->n[LEVEL_TOWN]; t++) {
		int size = demo_rng_range(&s->r, 5, 8), deputies = size >= 7 ? 2 : 1;
		char start[DATE_MAX];
		random_date(&s->r, ymd(2021, 3, 1), ymd(2023, 6, 30), start, sizeof(start));
		for (int k = 0; k < size; k++) {
			const char *title = k == 0 ? "组长" : k <= deputies ? "副组长" : "成员";
			if (staff_hire(s, 0.35, d->lv[LEVEL_TOWN][t].rec.code, "leader_group", title, start,
			               NULL, e) < 0)
				return -1;
		}
	}
	return 0;
}

/*
 * 总站长 of two 城中村 (urban villages) that grew over several communities:
 * in 三元里街道 and 石井街道, the town's first community and its nearest
 * neighbours. One person, one post row per community covered.
 */
static int staff_chiefs(struct demo *d, struct staff *s, struct err *e)
{
	static const struct { const char *town; int span; } villages[] = {
		{"440111002", 3}, {"440111014", 2},
	};

	for (size_t v = 0; v < sizeof(villages) / sizeof(villages[0]); v++) {
		for (size_t t = 0; t < d->n[LEVEL_TOWN]; t++) {
			const struct dunit *tu = &d->lv[LEVEL_TOWN][t];
			const struct dunit *first = &d->lv[LEVEL_COMMUNITY][tu->child0];
			size_t cover[4] = {tu->child0}, nc = 1;
			char title[64], start[DATE_MAX];
			int64_t id;

			if (strcmp(tu->rec.code, villages[v].town))
				continue;
			while (nc < (size_t)villages[v].span && nc < tu->nchild) {
				size_t best = tu->child0;
				double bd = INFINITY;
				for (size_t c = tu->child0; c < tu->child0 + tu->nchild; c++) {
					const double *p = d->lv[LEVEL_COMMUNITY][c].rec.center;
					double dx = p[0] - first->rec.center[0], dy = p[1] - first->rec.center[1];
					int taken = 0;
					for (size_t k = 0; k < nc; k++)
						taken |= cover[k] == c;
					if (!taken && dx * dx + dy * dy < bd) {
						bd = dx * dx + dy * dy;
						best = c;
					}
				}
				cover[nc++] = best;
			}
			snprintf(title, sizeof(title), "%s村总站长", first->stem);
			random_date(&s->r, ymd(2019, 1, 1), ymd(2022, 12, 31), start, sizeof(start));
			if (staff_person(s, 0.25, &id, e) < 0)
				return -1;
			for (size_t k = 0; k < nc; k++)
				if (staff_post(s, id, d->lv[LEVEL_COMMUNITY][cover[k]].rec.code,
				               "chief_station_head", title, start, NULL, e) < 0)
					return -1;
		}
	}
	return 0;
}

/* Everybody: leaders, 总站长, a 站长 per community, a 网格长 per area and a
 * 专职网格员 per grid, with an ended post before the current one on a few
 * grids so that history exists. */
static int write_staff(struct demo *d, struct db *db, struct demo_stats *st, struct err *e)
{
	struct staff s;
	int *replaced = calloc(d->n[LEVEL_GRID], sizeof(*replaced)), ret = -1;
	char start[DATE_MAX], end[DATE_MAX];

	memset(&s, 0, sizeof(s));
	s.db = db;
	demo_rng_init(&s.r, d->seed, demo_stream("staff"));
	if (!replaced || pick_distinct(&s.r, d->n[LEVEL_GRID], REPLACED_GRIDS, replaced) < 0) {
		oom(e);
		goto out;
	}
	if (staff_leaders(d, &s, e) < 0 || staff_chiefs(d, &s, e) < 0)
		goto out;
	for (size_t c = 0; c < d->n[LEVEL_COMMUNITY]; c++) {
		random_date(&s.r, ymd(2018, 6, 1), ymd(2024, 6, 30), start, sizeof(start));
		if (staff_hire(&s, 0.45, d->lv[LEVEL_COMMUNITY][c].rec.code, "station_head", "站长",
		               start, NULL, e) < 0)
			goto out;
	}
	for (size_t a = 0; a < d->n[LEVEL_AREA]; a++) {
		random_date(&s.r, ymd(2019, 1, 1), ymd(2024, 9, 30), start, sizeof(start));
		if (staff_hire(&s, 0.5, d->lv[LEVEL_AREA][a].rec.code, "grid_leader", "网格长", start,
		               NULL, e) < 0)
			goto out;
	}
	for (size_t g = 0; g < d->n[LEVEL_GRID]; g++) {
		const char *code = d->lv[LEVEL_GRID][g].rec.code;
		if (replaced[g]) {
			int64_t from = ymd(2018, 3, 1) + demo_rng_range(&s.r, 0, 3 * 365);
			int64_t to = from + 365 + demo_rng_range(&s.r, 0, (int)(ymd(2024, 3, 31) - from - 365));
			demo_date_format(from, start, sizeof(start));
			demo_date_format(to, end, sizeof(end));
			if (staff_hire(&s, 0.62, code, "grid_worker", "专职网格员", start, end, e) < 0)
				goto out;
			demo_date_format(to + 1, start, sizeof(start));
		} else {
			random_date(&s.r, ymd(2019, 1, 1), ymd(2024, 10, 31), start, sizeof(start));
		}
		if (staff_hire(&s, 0.62, code, "grid_worker", "专职网格员", start, NULL, e) < 0)
			goto out;
	}
	st->persons = s.persons;
	st->posts = s.posts;
	ret = 0;
out:
	free(replaced);
	return ret;
}

/* ============================================================= log-ins */

/* 职能部门 of the district, the scopes of department staff. */
static const struct { const char *code, *name; } departments[] = {
	{BAIYUN_CODE "-cg", "城管"},
	{BAIYUN_CODE "-zj", "住建"},
	{BAIYUN_CODE "-ga", "公安"},
	{BAIYUN_CODE "-sj", "市场监管"},
	{BAIYUN_CODE "-wj", "卫健"},
	{BAIYUN_CODE "-yj", "应急"},
	{BAIYUN_CODE "-sw", "水务"},
};

/* Where a demo log-in's grant lies. */
enum login_at { AT_DISTRICT, AT_TOWN, AT_COMMUNITY, AT_AREA, AT_GRID, AT_CHENGGUAN };

#define LOGIN_TOWN "440111002"           /* 三元里街道 */

/* One demo log-in per role. Those with a post are linked to the person
 * holding it in their unit and take that person's name and phone. */
static const struct login_spec {
	const char *username, *display_name, *role, *title;
	enum login_at at;
	const char *post;                /* store_staff.h post role, or NULL */
} login_specs[DEMO_LOGINS] = {
	{"admin", "演示管理员", "admin", "系统管理员", AT_DISTRICT, NULL},
	{"command", "演示值班长", "command", "区指挥中心值班长", AT_DISTRICT, NULL},
	{"dispatcher", "演示调度员", "command", "调度员", AT_TOWN, NULL},
	{"station", NULL, "station_head", "站长", AT_COMMUNITY, "station_head"},
	{"gridleader", NULL, "grid_leader", "网格长", AT_AREA, "grid_leader"},
	{"gridworker", NULL, "grid_worker", "专职网格员", AT_GRID, "grid_worker"},
	{"chengguan", "演示城管受理员", "department", "受理员", AT_CHENGGUAN, NULL},
	{"leader", "演示区领导", "leader", "区领导", AT_DISTRICT, NULL},
	{"resident", "演示居民", "resident", NULL, AT_DISTRICT, NULL},
};

/* The unit a log-in is granted: the district, 三元里街道 (or the first town
 * when an outline file brings other towns), its first community, that
 * community's first area, that area's first grid. */
static const struct dunit *login_unit(const struct demo *d, enum login_at at)
{
	const struct dunit *u = &d->lv[LEVEL_TOWN][0];

	if (at == AT_DISTRICT)
		return &d->lv[LEVEL_DISTRICT][0];
	for (size_t t = 0; t < d->n[LEVEL_TOWN]; t++)
		if (!strcmp(d->lv[LEVEL_TOWN][t].rec.code, LOGIN_TOWN))
			u = &d->lv[LEVEL_TOWN][t];
	for (int l = LEVEL_TOWN; l < LEVEL_TOWN + (int)(at - AT_TOWN); l++)
		u = &d->lv[l + 1][u->child0];     /* first child, one level down */
	return u;
}

struct holder {
	const char *role;
	struct post_rec post;            /* found when post.person_id > 0 */
};

static int holder_find(void *ctx, const struct post_rec *p)
{
	struct holder *h = ctx;

	if (strcmp(p->role, h->role))
		return 0;
	h->post = *p;
	return 1;
}

/* Hash DEMO_PASSWORD once per log-in (each hash has its own salt). Slow on
 * purpose (Argon2id), so it runs before the write transaction. */
static int hash_logins(char (*hashes)[PWHASH_MAX], struct err *e)
{
	for (size_t i = 0; i < DEMO_LOGINS; i++)
		if (auth_hash_password(DEMO_PASSWORD, hashes[i], e) < 0)
			return -1;
	return 0;
}

/* Create or reset one demo log-in: account, link, password, its one grant,
 * and an audit row. Fills out. */
static int write_login(struct demo *d, struct db *db, const struct login_spec *ls,
                       const char *hash, struct demo_login *out, struct err *e)
{
	const struct dunit *u = ls->at == AT_CHENGGUAN ? NULL : login_unit(d, ls->at);
	struct holder h = {ls->post, {0}};
	struct account_rec a;
	struct grant_rec g;
	struct audit_entry en;
	struct err nf = ERR_INIT;
	char target[48], detail[160];

	memset(out, 0, sizeof(*out));
	str_copy(out->username, sizeof(out->username), ls->username);
	str_copy(out->role, sizeof(out->role), ls->role);
	str_copy(out->title, sizeof(out->title), ls->title ? ls->title : "");
	str_copy(out->scope, sizeof(out->scope), u ? u->rec.code : departments[0].code);
	str_copy(out->scope_name, sizeof(out->scope_name), u ? u->rec.name : departments[0].name);
	if (ls->post && store_posts_current(db, u->rec.code, holder_find, &h, e) < 0)
		return -1;
	str_copy(out->display_name, sizeof(out->display_name),
	         h.post.person_id > 0 ? h.post.name : ls->display_name);

	memset(&a, 0, sizeof(a));
	str_copy(a.username, sizeof(a.username), ls->username);
	str_copy(a.display_name, sizeof(a.display_name), out->display_name);
	str_copy(a.phone, sizeof(a.phone), h.post.person_id > 0 ? h.post.phone : "");
	str_copy(a.password_hash, sizeof(a.password_hash), hash);
	a.person_id = h.post.person_id;
	if (store_account_by_name(db, ls->username, &a, &nf) == 0) {
		/* there from an earlier run: reset it */
		if (store_user_set_profile(db, a.id, out->display_name, h.post.person_id,
		                           h.post.person_id > 0 ? h.post.phone : "", e) < 0 ||
		    store_account_set_password(db, a.id, hash, 0, e) < 0 ||
		    store_account_set_disabled(db, a.id, 0, e) < 0 ||
		    store_user_clear_grants(db, a.id, e) < 0)
			return -1;
	} else if (nf.status != 404) {
		return err_pass(e, &nf);
	} else if (store_account_add(db, &a, &a.id, e) < 0) {
		return -1;
	}
	memset(&g, 0, sizeof(g));
	g.account_id = a.id;
	str_copy(g.role, sizeof(g.role), ls->role);
	str_copy(g.scope_code, sizeof(g.scope_code), out->scope);
	str_copy(g.title, sizeof(g.title), out->title);
	if (store_grant_add(db, &g, &g.id, e) < 0)
		return -1;
	memset(&en, 0, sizeof(en));
	snprintf(target, sizeof(target), "account:%lld", (long long)a.id);
	snprintf(detail, sizeof(detail), "demo log-in %s: %s@%s", ls->username, ls->role, out->scope);
	en.actor = "wangge demo";
	en.action = AUDIT_USER_ADD;
	en.target = target;
	en.result = "ok";
	en.detail = detail;
	return store_audit_append(db, &en, e);
}

/* The departments and the demo log-ins, after the staff. */
static int write_logins(struct demo *d, struct db *db, char (*hashes)[PWHASH_MAX],
                        struct demo_stats *st, struct err *e)
{
	for (size_t i = 0; i < sizeof(departments) / sizeof(departments[0]); i++)
		if (store_department_add(db, departments[i].code, BAIYUN_CODE, departments[i].name, e) < 0)
			return -1;
	for (size_t i = 0; i < DEMO_LOGINS; i++)
		if (write_login(d, db, &login_specs[i], hashes[i], &st->logins[i], e) < 0)
			return -1;
	st->nlogins = DEMO_LOGINS;
	return 0;
}

/* ============================================================= history */

/* A year of grid events over the new grids, then the KPI counters. */
static int write_history(struct demo *d, struct db *db, const struct demo_opts *o,
                         struct demo_stats *st, struct err *e)
{
	struct demo_history_grid *g;
	struct demo_history_in in;
	int ret = -1;

	if (events_ensure_taxonomy(db, e) < 0)
		return -1;
	if (o->events <= 0)
		return kpi_rebuild(db, NULL, e);
	if (!(g = calloc(d->n[LEVEL_GRID], sizeof(*g))))
		return oom(e);
	for (size_t i = 0; i < d->n[LEVEL_GRID]; i++) {
		const struct dunit *gu = &d->lv[LEVEL_GRID][i];
		const struct dunit *au = &d->lv[LEVEL_AREA][gu->parent];
		g[i].grid = &gu->rec;
		g[i].community = &d->lv[LEVEL_COMMUNITY][au->parent].rec;
		g[i].geom = gu->geom;
	}
	memset(&in, 0, sizeof(in));
	in.seed = d->seed;
	in.events = o->events;
	in.end = o->events_end > 0 ? o->events_end : (int64_t)time(NULL);
	in.h = d->h;
	in.grids = g;
	in.ngrids = d->n[LEVEL_GRID];
	if (demo_history_write(db, &in, &st->history, e) == 0 && kpi_rebuild(db, NULL, e) == 0)
		ret = 0;
	free(g);
	return ret;
}

/* =============================================================== write */

static int write_command(struct demo *d, struct db *db, struct err *e);

/* Stage 4: everything in one transaction. */
static int write_all(struct demo *d, const struct demo_opts *o, struct demo_stats *st,
                     struct err *e)
{
	struct db *db = NULL;
	struct buf wkb;
	char (*hashes)[PWHASH_MAX] = calloc(DEMO_LOGINS, PWHASH_MAX);
	int in_tx = 0, ret = -1;

	buf_init(&wkb, WKB_MAX);
	if (!hashes) {
		oom(e);
		goto out;
	}
	if (hash_logins(hashes, e) < 0)
		goto out;
	if (db_open(o->db_url, &db, e) < 0 || db_migrate(db, e) < 0 || db_begin(db, e) < 0)
		goto out;
	in_tx = 1;
	/* accounts may point at the people and departments, events and the
	 * command centres' rows at the units that go */
	if (store_event_clear(db, e) < 0 || store_command_clear(db, e) < 0 ||
	    store_user_unlink_persons(db, e) < 0 || store_department_clear(db, e) < 0 ||
	    store_org_clear(db, e) < 0)
		goto out;
	for (int l = LEVEL_DISTRICT; l <= LEVEL_GRID; l++) {
		for (size_t i = 0; i < d->n[l]; i++) {
			const struct dunit *u = &d->lv[l][i];
			buf_release(&wkb);
			if (geom_to_wkb(d->h, u->geom, &wkb) < 0) {
				geos_fail(e, u->rec.code);
				goto out;
			}
			if (store_unit_put(db, &u->rec, wkb.data, wkb.len, e) < 0)
				goto out;
		}
	}
	if (write_staff(d, db, st, e) < 0 || write_logins(d, db, hashes, st, e) < 0 ||
	    write_command(d, db, e) < 0 || write_history(d, db, o, st, e) < 0 ||
	    store_org_bump(db, e) < 0 || db_commit(db, e) < 0)
		goto out;
	in_tx = 0;
	ret = 0;
out:
	if (in_tx)
		db_rollback(db);
	db_close(db);
	buf_release(&wkb);
	free(hashes);
	return ret;
}

/* ================================================================ main */

static void demo_release(struct demo *d)
{
	for (int l = LEVEL_DISTRICT; l <= LEVEL_GRID; l++) {
		for (size_t i = 0; d->lv[l] && i < d->n[l]; i++)
			if (d->lv[l][i].geom)
				GEOSGeom_destroy_r(d->h, d->lv[l][i].geom);
		free(d->lv[l]);
	}
	if (d->outline)
		GEOSGeom_destroy_r(d->h, d->outline);
	free(d->stems);
}

int demo_build(const struct demo_opts *o, struct demo_stats *st, struct err *e)
{
	struct demo d;
	uint64_t t0 = time_mono_us(), t1;
	int ret = -1;

	memset(&d, 0, sizeof(d));
	memset(st, 0, sizeof(*st));
	d.h = geo_ctx();
	d.seed = o->seed;
	d.lloyd = o->lloyd < 0 ? DEMO_LLOYD : o->lloyd;
	if (o->outline)
		d.outline = outline_load(d.h, o->outline, o->crs, e);
	else if (!(d.outline = baiyun_outline_geom(d.h)))
		geos_fail(e, "built-in outline");
	if (!d.outline || plan(&d, e) < 0)
		goto out;
	for (int l = LEVEL_TOWN; l <= LEVEL_GRID; l++)
		if (cut_level(&d, l, e) < 0)
			goto out;
	if (merge_up(&d, e) < 0)
		goto out;
	t1 = time_mono_us();
	if (write_all(&d, o, st, e) < 0)
		goto out;
	st->towns = (int)d.n[LEVEL_TOWN];
	st->communities = (int)d.n[LEVEL_COMMUNITY];
	st->areas = (int)d.n[LEVEL_AREA];
	st->grids = (int)d.n[LEVEL_GRID];
	for (size_t g = 0; g < d.n[LEVEL_GRID]; g++)
		st->special_grids += d.lv[LEVEL_GRID][g].special;
	st->households = d.lv[LEVEL_DISTRICT][0].rec.households;
	st->population = d.lv[LEVEL_DISTRICT][0].rec.population;
	st->district_km2 = d.lv[LEVEL_DISTRICT][0].rec.area_m2 / 1e6;
	st->gen_seconds = (double)(t1 - t0) / 1e6;
	st->write_seconds = (double)(time_mono_us() - t1) / 1e6;
	ret = 0;
out:
	demo_release(&d);
	return ret;
}

/* ====================================================== command centres */

/*
 * The command centres' demo data (docs/command-centre.md): a weekly rota for
 * the district (day and night shifts, its own centre staff) and each town
 * (24-hour shifts: 带班领导 from the town's 领导小组, 值班员 from its station
 * heads), a few exceptions, swaps and shift-log entries, equipment per town,
 * one or two 最小应急单元 per town, volunteers in some communities, and a
 * status and position for every grid worker, grid leader and station head.
 * Rota dates are relative to today; everything else follows the seed.
 */

#define CMD_DISTRICT_LEADERS 5
#define CMD_DISTRICT_OFFICERS 10
#define CMD_PATTERN_WEEKS_BACK 4         /* the pattern started four weeks ago */

struct cmd {
	struct demo *d;
	struct db *db;
	struct demo_rng r;
	struct post_rec *posts;          /* every current post, by unit code */
	size_t nposts, cap;
	int64_t today;
	time_t now;
	GEOSContextHandle_t h;
};

static int cmd_collect(void *ctx, const struct post_rec *p)
{
	struct cmd *c = ctx;

	if (c->nposts == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 4096;
		struct post_rec *np = realloc(c->posts, nc * sizeof(*np));
		if (!np)
			return -1;
		c->posts = np;
		c->cap = nc;
	}
	c->posts[c->nposts++] = *p;
	return 0;
}

/* Person ids of posts of `role` held in units under `under` (at most max). */
static int cmd_people(const struct cmd *c, const char *under, const char *role, int64_t *out, int max)
{
	size_t len = strlen(under);
	int n = 0;

	for (size_t i = 0; i < c->nposts && n < max; i++)
		if (!strncmp(c->posts[i].unit_code, under, len) && !strcmp(c->posts[i].role, role))
			out[n++] = c->posts[i].person_id;
	return n;
}

/* A point inside u: a random one in its bounding box that its polygon
 * contains (a few tries), else its inside point. */
static void cmd_point(struct cmd *c, const struct dunit *u, double *lon, double *lat)
{
	const double *b = u->rec.bbox;

	for (int k = 0; k < 8; k++) {
		double x = demo_rng_uniform(&c->r, b[0], b[2]), y = demo_rng_uniform(&c->r, b[1], b[3]);
		GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(c->h, x, y);
		int in = pt && GEOSContains_r(c->h, u->geom, pt) == 1;
		if (pt)
			GEOSGeom_destroy_r(c->h, pt);
		if (in) {
			*lon = x;
			*lat = y;
			return;
		}
	}
	*lon = u->rec.center[0];
	*lat = u->rec.center[1];
}

static int cmd_pattern_row(struct cmd *c, const char *centre, int wd, const char *shift,
                           const char *role, int64_t person, const char *starts, struct err *e)
{
	struct duty_pattern_rec r;

	memset(&r, 0, sizeof(r));
	str_copy(r.centre, sizeof(r.centre), centre);
	r.weekday = wd;
	str_copy(r.shift, sizeof(r.shift), shift);
	str_copy(r.role, sizeof(r.role), role);
	r.person_id = person;
	str_copy(r.starts_on, sizeof(r.starts_on), starts);
	return store_duty_pattern_add(c->db, &r, e);
}

/* The district centre: its own staff, day and night shifts. */
static int cmd_district(struct cmd *c, const char *code, const char *starts, struct err *e)
{
	int64_t leaders[CMD_DISTRICT_LEADERS], officers[CMD_DISTRICT_OFFICERS];
	struct person_rec p;

	for (int i = 0; i < CMD_DISTRICT_LEADERS + CMD_DISTRICT_OFFICERS; i++) {
		memset(&p, 0, sizeof(p));
		demo_person_name(&c->r, demo_gender_pick(&c->r, 0.4), p.name, sizeof(p.name));
		demo_phone(900000u + (uint64_t)i, p.phone, sizeof(p.phone));
		if (store_person_add(c->db, &p, i < CMD_DISTRICT_LEADERS ? &leaders[i]
		                                 : &officers[i - CMD_DISTRICT_LEADERS], e) < 0)
			return -1;
	}
	for (int wd = 1; wd <= 7; wd++)
		for (int s = 0; s < 2; s++) {
			int slot = (wd - 1) * 2 + s;
			if (cmd_pattern_row(c, code, wd, s ? "night" : "day", "leader",
			                    leaders[slot % CMD_DISTRICT_LEADERS], starts, e) < 0)
				return -1;
			for (int k = 0; k < 2; k++)
				if (cmd_pattern_row(c, code, wd, s ? "night" : "day", "officer",
				                    officers[(slot * 2 + k) % CMD_DISTRICT_OFFICERS], starts, e) < 0)
					return -1;
		}
	return 0;
}

/* A town centre: 24-hour shifts from its leadership group and station heads. */
static int cmd_town(struct cmd *c, const struct dunit *t, const char *starts, struct err *e)
{
	int64_t leaders[16], officers[64];
	int nl = cmd_people(c, t->rec.code, "leader_group", leaders, 16);
	int no = cmd_people(c, t->rec.code, "station_head", officers, 64);

	for (int wd = 1; nl && no && wd <= 7; wd++) {
		if (cmd_pattern_row(c, t->rec.code, wd, "full", "leader", leaders[(wd - 1) % nl], starts, e) < 0)
			return -1;
		for (int k = 0; k < (no >= 4 ? 2 : 1); k++)
			if (cmd_pattern_row(c, t->rec.code, wd, "full", "officer",
			                    officers[((wd - 1) * 2 + k) % no], starts, e) < 0)
				return -1;
	}
	return 0;
}

/* Who the pattern puts on a centre's shift (leaders first), for swaps. */
static int cmd_roster(struct cmd *c, const char *centre, int64_t day, const char *shift,
                      struct duty_roster *out, struct err *e)
{
	struct duty_book b;
	struct duty_shift_view v;

	if (duty_book_load(c->db, centre, day, day, &b, e) < 0)
		return -1;
	duty_book_shift(&b, day, duty_shift_parse(shift), &v);
	*out = v.roster;
	duty_book_release(&b);
	return 0;
}

/* Exceptions, swaps and log entries of one centre. */
static int cmd_events(struct cmd *c, const char *centre, const char *shift, int idx, struct err *e)
{
	static const char *const logs[] = {
		"08:30 接班，检查大屏、视频会议系统和电台，均正常。",
		"10:15 接群众来电反映道路积水，已派网格员现场核实。",
		"14:40 区指挥中心视频点名，在岗人员到位。",
		"19:20 巡查发现一处占道经营，已通知城管中队处置。",
		"23:05 夜间巡查无异常。",
	};
	struct duty_roster ro, other;
	struct duty_exception_rec x;
	struct duty_swap_rec s;
	struct duty_log_rec l;
	int64_t id, swap_day = c->today + 2 + idx % 5;
	char day[DUTY_DATE_LEN];

	/* every third centre: an extra officer next week (the next day's) */
	if (idx % 3 == 0) {
		if (cmd_roster(c, centre, c->today + 7, shift, &ro, e) < 0 ||
		    cmd_roster(c, centre, c->today + 8, shift, &other, e) < 0)
			return -1;
		if (other.n && duty_roster_has(&ro, other.m[other.n - 1].person_id) == DUTY_ROLE_NONE) {
			memset(&x, 0, sizeof(x));
			str_copy(x.centre, sizeof(x.centre), centre);
			duty_date_format(c->today + 7, x.day);
			str_copy(x.shift, sizeof(x.shift), shift);
			str_copy(x.action, sizeof(x.action), "add");
			str_copy(x.role, sizeof(x.role), "officer");
			x.person_id = other.m[other.n - 1].person_id;
			str_copy(x.note, sizeof(x.note), "重大活动保障，加派值班员");
			if (store_duty_exception_add(c->db, &x, &id, e) < 0)
				return -1;
		}
	}
	/* one centre leaves a shift uncovered in five days: the gap report shows it */
	if (idx == 5) {
		memset(&x, 0, sizeof(x));
		str_copy(x.centre, sizeof(x.centre), centre);
		duty_date_format(c->today + 5, x.day);
		str_copy(x.shift, sizeof(x.shift), shift);
		str_copy(x.action, sizeof(x.action), "clear");
		str_copy(x.note, sizeof(x.note), "原值班人员参加培训，待补排");
		if (store_duty_exception_add(c->db, &x, &id, e) < 0)
			return -1;
	}
	/* a swap: the last officer of one day gives the shift to the last
	 * officer of the next day, who gives theirs back (an exchange) */
	if (cmd_roster(c, centre, swap_day, shift, &ro, e) < 0 ||
	    cmd_roster(c, centre, swap_day + 1, shift, &other, e) < 0)
		return -1;
	if (ro.n && other.n && duty_roster_has(&ro, other.m[other.n - 1].person_id) == DUTY_ROLE_NONE) {
		memset(&s, 0, sizeof(s));
		str_copy(s.centre, sizeof(s.centre), centre);
		duty_date_format(swap_day, s.day);
		str_copy(s.shift, sizeof(s.shift), shift);
		s.from_person = ro.m[ro.n - 1].person_id;
		s.to_person = other.m[other.n - 1].person_id;
		if (duty_roster_has(&other, s.from_person) == DUTY_ROLE_NONE) {
			duty_date_format(swap_day + 1, s.back_day);
			str_copy(s.back_shift, sizeof(s.back_shift), shift);
		}
		str_copy(s.reason, sizeof(s.reason), idx % 2 ? "家中有事，申请调班" : "参加区里培训");
		if (store_duty_swap_add(c->db, &s, &id, e) < 0 ||
		    (idx % 3 != 1 && store_duty_swap_decide(c->db, id, "approved", 0, "同意", e) < 0))
			return -1;
	}
	/* the shift log of yesterday and today */
	for (int k = 0; k < 2 + idx % 2; k++) {
		memset(&l, 0, sizeof(l));
		str_copy(l.centre, sizeof(l.centre), centre);
		duty_date_format(c->today - (k == 0), day);
		str_copy(l.day, sizeof(l.day), day);
		str_copy(l.shift, sizeof(l.shift), shift);
		str_copy(l.kind, sizeof(l.kind), k == 0 ? "handover" : "log");
		l.body = k == 0 ? "交班：在办事件3宗，均已跟进；大屏与视频会议系统正常；电台2号机电池需更换。"
		                : logs[(idx + k) % 5];
		str_copy(l.author_name, sizeof(l.author_name), "值班员");
		if (store_duty_log_add(c->db, &l, &id, e) < 0)
			return -1;
	}
	return 0;
}

static int cmd_equipment(struct cmd *c, const struct dunit *t, int channel, struct err *e)
{
	struct equipment_rec q;
	char stem[STEM_MAX];
	int64_t id;
	size_t g0, g1, ng;
	int ncomp = demo_rng_range(&c->r, 2, 3), ncam = demo_rng_range(&c->r, 3, 6);

	town_stem(t->rec.name, stem, sizeof(stem));
	memset(&q, 0, sizeof(q));
	str_copy(q.unit, sizeof(q.unit), t->rec.code);
	str_copy(q.kind, sizeof(q.kind), "screen");
	snprintf(q.name, sizeof(q.name), "%s指挥中心大屏", stem);
	str_copy(q.status, sizeof(q.status), "online");
	if (store_equipment_add(c->db, &q, &id, e) < 0)
		return -1;
	for (int i = 0; i < ncomp; i++) {
		str_copy(q.kind, sizeof(q.kind), "computer");
		snprintf(q.name, sizeof(q.name), "%s值班电脑%d号", stem, i + 1);
		str_copy(q.status, sizeof(q.status), demo_rng_double(&c->r) < 0.9 ? "online" : "offline");
		if (store_equipment_add(c->db, &q, &id, e) < 0)
			return -1;
	}
	for (int i = 0; i < 2; i++) {
		memset(&q, 0, sizeof(q));
		str_copy(q.unit, sizeof(q.unit), t->rec.code);
		str_copy(q.kind, sizeof(q.kind), "radio");
		snprintf(q.name, sizeof(q.name), "%s电台%d号", stem, i + 1);
		str_copy(q.status, sizeof(q.status), demo_rng_double(&c->r) < 0.85 ? "online" : "fault");
		snprintf(q.channel, sizeof(q.channel), "%d", 400 + channel);
		snprintf(q.talkgroup, sizeof(q.talkgroup), "白云-%s", stem);
		if (store_equipment_add(c->db, &q, &id, e) < 0)
			return -1;
	}
	town_grids(c->d, (size_t)(t - c->d->lv[LEVEL_TOWN]), &g0, &g1);
	ng = g1 - g0;
	for (int i = 0; i < ncam && ng; i++) {
		const struct dunit *g = &c->d->lv[LEVEL_GRID][g0 + (size_t)demo_rng_range(&c->r, 0, (int)ng - 1)];
		double r = demo_rng_double(&c->r);
		memset(&q, 0, sizeof(q));
		str_copy(q.unit, sizeof(q.unit), t->rec.code);
		str_copy(q.kind, sizeof(q.kind), "camera");
		snprintf(q.name, sizeof(q.name), "%s%s监控", g->rec.name,
		         i % 3 == 0 ? "路口" : i % 3 == 1 ? "出入口" : "广场");
		str_copy(q.status, sizeof(q.status), r < 0.85 ? "online" : r < 0.95 ? "offline" : "fault");
		cmd_point(c, g, &q.lon, &q.lat);
		q.has_pos = 1;
		snprintf(q.stream_url, sizeof(q.stream_url), "rtsp://video.example.invalid/%s/%d",
		         t->rec.code, i + 1);
		if (store_equipment_add(c->db, &q, &id, e) < 0)
			return -1;
	}
	return 0;
}

static int cmd_status(struct cmd *c, const char *kind, int64_t id, const char *unit,
                      const char *name, const char *status, const struct dunit *where, struct err *e)
{
	struct force_status_rec s;

	memset(&s, 0, sizeof(s));
	str_copy(s.kind, sizeof(s.kind), kind);
	s.ref_id = id;
	str_copy(s.unit, sizeof(s.unit), unit);
	str_copy(s.name, sizeof(s.name), name);
	str_copy(s.status, sizeof(s.status), status);
	if (where) {
		cmd_point(c, where, &s.lon, &s.lat);
		s.has_pos = 1;
		s.position_at = (int64_t)c->now - demo_rng_range(&c->r, 0, 1800);
	}
	s.updated_at = (int64_t)c->now;
	return store_force_status_put(c->db, &s, e);
}

/* 最小应急单元 of a town and volunteers in some of its communities. */
static int cmd_forces(struct cmd *c, const struct dunit *t, struct err *e)
{
	static const char *const kits[] = {"灭火器", "急救箱", "应急照明", "对讲机", "警戒带", "救生衣",
	                                   "铁锹", "沙袋"};
	static const char *const skills[] = {"急救", "心理疏导", "应急救援", "治安巡逻", "助老服务"};
	struct emergency_unit_rec u;
	struct volunteer_rec v;
	char stem[STEM_MAX], name[PERSON_NAME_MAX];
	int neu = demo_rng_range(&c->r, 1, 2);
	int64_t id;

	town_stem(t->rec.name, stem, sizeof(stem));
	for (int k = 0; k < neu; k++) {
		const struct dunit *cu = &c->d->lv[LEVEL_COMMUNITY][t->child0 + (size_t)demo_rng_range(&c->r, 0, (int)t->nchild - 1)];
		json_t *members = json_array(), *kit = json_array();
		char *ms, *ks;
		memset(&u, 0, sizeof(u));
		str_copy(u.unit, sizeof(u.unit), cu->rec.code);
		snprintf(u.name, sizeof(u.name), "%s最小应急单元%s", cu->stem, k ? "（二）" : "");
		demo_person_name(&c->r, DEMO_MALE, u.leader_name, sizeof(u.leader_name));
		demo_phone(910000u + (uint64_t)(t - c->d->lv[LEVEL_TOWN]) * 4 + (uint64_t)k,
		           u.leader_phone, sizeof(u.leader_phone));
		for (int m = 0, n = demo_rng_range(&c->r, 4, 7); m < n; m++) {
			demo_person_name(&c->r, demo_gender_pick(&c->r, 0.3), name, sizeof(name));
			json_array_append_new(members, json_pack("{s:s}", "name", name));
		}
		for (int m = 0, n = demo_rng_range(&c->r, 3, 5), o = demo_rng_range(&c->r, 0, 7); m < n; m++)
			json_array_append_new(kit, json_string(kits[(o + m) % 8]));
		ms = json_dumps(members, JSON_COMPACT);
		ks = json_dumps(kit, JSON_COMPACT);
		json_decref(members);
		json_decref(kit);
		if (!ms || !ks) {
			free(ms);
			free(ks);
			return oom(e);
		}
		str_copy(u.members, sizeof(u.members), ms);
		str_copy(u.equipment, sizeof(u.equipment), ks);
		free(ms);
		free(ks);
		if (store_emergency_unit_add(c->db, &u, &id, e) < 0 ||
		    cmd_status(c, "emergency_unit", id, u.unit, u.name, "on_duty", cu, e) < 0)
			return -1;
	}
	for (size_t ci = t->child0; ci < t->child0 + t->nchild; ci++) {
		const struct dunit *cu = &c->d->lv[LEVEL_COMMUNITY][ci];
		if (demo_rng_double(&c->r) >= 0.25)
			continue;
		for (int k = 0, n = demo_rng_range(&c->r, 2, 4); k < n; k++) {
			double r = demo_rng_double(&c->r);
			memset(&v, 0, sizeof(v));
			str_copy(v.unit, sizeof(v.unit), cu->rec.code);
			demo_person_name(&c->r, demo_gender_pick(&c->r, 0.55), v.name, sizeof(v.name));
			demo_phone(920000u + (uint64_t)ci * 8 + (uint64_t)k, v.phone, sizeof(v.phone));
			str_copy(v.skills, sizeof(v.skills), skills[demo_rng_range(&c->r, 0, 4)]);
			if (store_volunteer_add(c->db, &v, &id, e) < 0 ||
			    cmd_status(c, "volunteer", id, v.unit, v.name, r < 0.3 ? "on_duty" : "off",
			               r < 0.3 ? cu : NULL, e) < 0)
				return -1;
		}
	}
	return 0;
}

/* Status and position of every grid worker, grid leader and station head. */
static int cmd_positions(struct cmd *c, struct err *e)
{
	static const char *const st[] = {"on_duty", "on_patrol", "handling", "off"};
	static const double cum[] = {0.40, 0.75, 0.85, 1.0};

	for (int l = LEVEL_COMMUNITY; l <= LEVEL_GRID; l++) {
		const char *role = l == LEVEL_GRID ? "grid_worker" : l == LEVEL_AREA ? "grid_leader"
		                                                                    : "station_head";
		size_t pi = 0;
		for (size_t i = 0; i < c->d->n[l]; i++) {
			const struct dunit *u = &c->d->lv[l][i];
			int cmp = 1;
			/* posts and units are both in code order: walk them together */
			while (pi < c->nposts && (cmp = strcmp(c->posts[pi].unit_code, u->rec.code)) < 0)
				pi++;
			for (size_t k = pi; k < c->nposts && !strcmp(c->posts[k].unit_code, u->rec.code); k++) {
				double r = demo_rng_double(&c->r);
				int s = 0;
				if (strcmp(c->posts[k].role, role))
					continue;
				while (r >= cum[s] && s < 3)
					s++;
				if (cmd_status(c, role, c->posts[k].person_id, u->rec.code, c->posts[k].name, st[s],
				               s == 3 ? NULL : u, e) < 0)
					return -1;
			}
			(void)cmp;
		}
	}
	return 0;
}

static int write_command(struct demo *d, struct db *db, struct err *e)
{
	struct cmd c;
	char starts[DUTY_DATE_LEN];
	int ret = -1, rc;

	memset(&c, 0, sizeof(c));
	c.d = d;
	c.db = db;
	c.h = d->h;
	c.now = time(NULL);
	c.today = duty_today(c.now);
	demo_rng_init(&c.r, d->seed, demo_stream("command"));
	if ((rc = store_posts_all_current(db, cmd_collect, &c, e)) != 0) {
		if (rc > 0)
			oom(e);
		goto out;
	}
	/* the pattern started on a Monday four weeks ago */
	duty_date_format(c.today - (duty_weekday(c.today) - 1) - 7 * CMD_PATTERN_WEEKS_BACK, starts);
	if (cmd_district(&c, d->lv[LEVEL_DISTRICT][0].rec.code, starts, e) < 0 ||
	    cmd_events(&c, d->lv[LEVEL_DISTRICT][0].rec.code, "day", 1, e) < 0)
		goto out;
	for (size_t t = 0; t < d->n[LEVEL_TOWN]; t++) {
		const struct dunit *tu = &d->lv[LEVEL_TOWN][t];
		if (cmd_town(&c, tu, starts, e) < 0 || cmd_events(&c, tu->rec.code, "full", (int)t + 2, e) < 0 ||
		    cmd_equipment(&c, tu, (int)t + 1, e) < 0 || cmd_forces(&c, tu, e) < 0)
			goto out;
	}
	if (cmd_positions(&c, e) < 0)
		goto out;
	ret = 0;
out:
	free(c.posts);
	return ret;
}
