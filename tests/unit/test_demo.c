/*
 * test_demo.c - unit tests of src/app/demo.c, the demo district generator.
 * The contract under test: the full demo written to a fresh database has
 * 1/24/404/1,145/3,454 units at the five levels with valid codes, kinds and
 * parents; households and population in range; polygons that nest and tile
 * the district exactly; one current 网格员 per grid, one 网格长 per area,
 * one 站长 per community, a 5–8 strong 领导小组 per town, two 城中村 with a
 * 总站长, replacement history on some grids; and the same seed gives the
 * same data. The same invariants hold on the real outline (GCJ-02 GeoJSON)
 * when ../shared/data is there (WANGGE_SHARED_DATA), else that test skips.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "app/demo.h"
#include "domain/unit_code.h"
#include "geo/geojson.h"
#include "geo/geos_ctx.h"
#include "geo/tessellate.h"
#include "lib/buf.h"
#include "store/store_staff.h"
#include "store/store_unit.h"
#include "testutil.h"
#include "lib/banned.h"

#define SAMPLES 20000
#define NUNITS (1 + 24 + 404 + 1145 + 3454)

/* One unit as read back, with what the checks count about it. */
struct tunit {
	struct unit_rec rec;
	GEOSGeometry *geom;
	int worker, leader, head, chief, group, group_chief;  /* current posts by role */
};

struct tdemo {
	struct tunit *u;                 /* ordered by code */
	size_t n;
	size_t level_n[LEVEL_GRID + 1];
	uint64_t digest;                 /* FNV-1a over everything but write times */
};

static void digest_add(uint64_t *h, const void *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		*h = (*h ^ ((const unsigned char *)p)[i]) * 0x100000001b3ULL;
}

static void digest_str(uint64_t *h, const char *s)
{
	digest_add(h, s ? s : "", s ? strlen(s) + 1 : 1);
}

static int read_unit(void *ctx, const struct unit_rec *u, const void *wkb, size_t n)
{
	struct tdemo *t = ctx;
	struct tunit *x = &t->u[t->n++];

	assert_true(t->n <= NUNITS);
	memset(x, 0, sizeof(*x));
	x->rec = *u;
	x->geom = geom_from_wkb(geo_ctx(), wkb, n);
	assert_non_null(x->geom);
	if (u->level >= LEVEL_DISTRICT && u->level <= LEVEL_GRID)
		t->level_n[u->level]++;
	digest_str(&t->digest, u->code);
	digest_str(&t->digest, u->parent);
	digest_str(&t->digest, u->kind);
	digest_str(&t->digest, u->name);
	digest_str(&t->digest, u->grid_type);
	digest_str(&t->digest, u->grid_subtype);
	digest_add(&t->digest, &u->households, sizeof(u->households));
	digest_add(&t->digest, &u->population, sizeof(u->population));
	digest_add(&t->digest, u->bbox, sizeof(u->bbox));
	digest_add(&t->digest, u->center, sizeof(u->center));
	digest_add(&t->digest, wkb, n);
	return 0;
}

static int cmp_code(const void *key, const void *elem)
{
	return strcmp(key, ((const struct tunit *)elem)->rec.code);
}

static struct tunit *find(struct tdemo *t, const char *code)
{
	return bsearch(code, t->u, t->n, sizeof(t->u[0]), cmp_code);
}

static int read_post(void *ctx, const struct post_rec *p)
{
	struct tdemo *t = ctx;
	struct tunit *u = find(t, p->unit_code);

	assert_non_null(u);
	if (!strcmp(p->role, "grid_worker")) {
		assert_string_equal(p->title, "专职网格员");
		u->worker++;
	} else if (!strcmp(p->role, "grid_leader")) {
		u->leader++;
	} else if (!strcmp(p->role, "station_head")) {
		u->head++;
	} else if (!strcmp(p->role, "chief_station_head")) {
		u->chief++;
	} else if (!strcmp(p->role, "leader_group")) {
		u->group++;
		u->group_chief += !strcmp(p->title, "组长");
	} else {
		fail_msg("unexpected role '%s'", p->role);
	}
	assert_true(strlen(p->start_date) == 10 && strcmp(p->start_date, "2025-01-01") < 0);
	assert_true(strncmp(p->phone, "139-0000-", 9) == 0 || strncmp(p->phone, "139-0001-", 9) == 0);
	digest_str(&t->digest, p->unit_code);
	digest_str(&t->digest, p->role);
	digest_str(&t->digest, p->title);
	digest_str(&t->digest, p->start_date);
	digest_str(&t->digest, p->name);
	digest_str(&t->digest, p->phone);
	return 0;
}

/* History of one grid: count posts, check an ended one precedes the current. */
struct hist {
	int n, ended;
	char cur_start[DATE_MAX], old_end[DATE_MAX];
};

static int read_hist(void *ctx, const struct post_rec *p)
{
	struct hist *h = ctx;

	h->n++;
	if (p->end_date[0]) {
		h->ended++;
		snprintf(h->old_end, sizeof(h->old_end), "%s", p->end_date);
	} else {
		snprintf(h->cur_start, sizeof(h->cur_start), "%s", p->start_date);
	}
	return 0;
}

static void tdemo_free(struct tdemo *t)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->u[i].geom)
			GEOSGeom_destroy_r(geo_ctx(), t->u[i].geom);
	free(t->u);
}

/* Read a demo database back. */
static void tdemo_load(const char *url, struct tdemo *t)
{
	struct db *db;
	struct err e = ERR_INIT;

	memset(t, 0, sizeof(*t));
	t->digest = 0xcbf29ce484222325ULL;
	assert_non_null(t->u = calloc(NUNITS, sizeof(*t->u)));
	if (db_open(url, &db, &e) < 0 || store_unit_list(db, 0, "", 1, read_unit, t, &e) < 0 ||
	    store_posts_all_current(db, read_post, t, &e) < 0)
		fail_msg("reading the demo back: %s", e.msg_en);
	db_close(db);
}

static double area_of(const GEOSGeometry *g)
{
	double a = 0;
	assert_int_equal(GEOSArea_r(geo_ctx(), g, &a), 1);
	return a;
}

/* Deterministic pseudo-random numbers for the sample points. */
static double unit_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53;
}

struct hits {
	const GEOSGeometry *pt;
	const GEOSPreparedGeometry **prep;
	GEOSGeometry **geoms;
	int n;
};

static void hit_cb(void *item, void *userdata)
{
	struct hits *h = userdata;
	size_t i = (size_t)((GEOSGeometry **)item - h->geoms);

	h->n += GEOSPreparedIntersects_r(geo_ctx(), h->prep[i], h->pt) == 1;
}

/* The grids tile the district: SAMPLES points in its box, each inside in
 * exactly one grid and each outside in none (points within 1e-6° of the
 * edge are not judged); the union equals the district; areas add up. */
static void check_tiling(struct tdemo *t, const GEOSGeometry *district)
{
	GEOSContextHandle_t h = geo_ctx();
	size_t ng = t->level_n[LEVEL_GRID], k = 0;
	GEOSGeometry **grids = calloc(ng, sizeof(*grids)), *edge = GEOSBoundary_r(h, district), *u, *sd;
	const GEOSPreparedGeometry **prep = calloc(ng, sizeof(*prep));
	const GEOSPreparedGeometry *pd = GEOSPrepare_r(h, district);
	GEOSSTRtree *tree = GEOSSTRtree_create_r(h, 10);
	double bbox[4], sum = 0, da = area_of(district);
	uint64_t st = 2024;
	int skipped = 0;

	assert_non_null(grids);
	assert_non_null(prep);
	for (size_t i = 0; i < t->n; i++) {
		if (t->u[i].rec.level != LEVEL_GRID)
			continue;
		grids[k] = t->u[i].geom;
		prep[k] = GEOSPrepare_r(h, grids[k]);
		GEOSSTRtree_insert_r(h, tree, grids[k], &grids[k]);
		sum += area_of(grids[k]);
		k++;
	}
	assert_int_equal(k, ng);
	assert_int_equal(geom_bbox(h, district, bbox), 0);
	for (int s = 0; s < SAMPLES; s++) {
		double x = bbox[0] + (bbox[2] - bbox[0]) * unit_rand(&st);
		double y = bbox[1] + (bbox[3] - bbox[1]) * unit_rand(&st);
		struct hits hs = {GEOSGeom_createPointFromXY_r(h, x, y), prep, grids, 0};
		double d = 0;
		int in;

		GEOSDistance_r(h, hs.pt, edge, &d);
		if (d < 1e-6) {
			skipped++;
			GEOSGeom_destroy_r(h, (GEOSGeometry *)hs.pt);
			continue;
		}
		in = GEOSPreparedContains_r(h, pd, hs.pt) == 1;
		GEOSSTRtree_query_r(h, tree, hs.pt, hit_cb, &hs);
		GEOSGeom_destroy_r(h, (GEOSGeometry *)hs.pt);
		if (hs.n != in)
			fail_msg("point %.8f %.8f (%s the district) lies in %d grids", x, y,
			         in ? "inside" : "outside", hs.n);
	}
	assert_true(skipped < SAMPLES / 100);
	u = tessellate_merge(h, (const GEOSGeometry *const *)grids, ng);
	assert_non_null(u);
	sd = GEOSSymDifference_r(h, u, district);
	assert_non_null(sd);
	if (area_of(sd) >= 1e-6 * da)
		fail_msg("grids differ from the district by %g of its area", area_of(sd) / da);
	if (fabs(sum - da) >= 1e-9 * da)
		fail_msg("grid areas add up to %.12g, the district is %.12g", sum, da);
	GEOSGeom_destroy_r(h, sd);
	GEOSGeom_destroy_r(h, u);
	for (size_t i = 0; i < ng; i++)
		GEOSPreparedGeom_destroy_r(h, prep[i]);
	GEOSSTRtree_destroy_r(h, tree);
	GEOSPreparedGeom_destroy_r(h, pd);
	GEOSGeom_destroy_r(h, edge);
	free(prep);
	free(grids);
}

/* Every invariant of a demo database; outline (may be NULL) is what the
 * district should cover. */
static void check_demo(const char *url, const GEOSGeometry *outline, uint64_t *digest)
{
	GEOSContextHandle_t h = geo_ctx();
	struct tdemo t;
	struct db *db;
	struct err e = ERR_INIT;
	double level_area[LEVEL_GRID + 1] = {0};
	int specials = 0, history = 0, chiefs = 0;
	struct tunit *district;

	tdemo_load(url, &t);
	assert_int_equal(t.level_n[LEVEL_DISTRICT], 1);
	assert_int_equal(t.level_n[LEVEL_TOWN], 24);
	assert_int_equal(t.level_n[LEVEL_COMMUNITY], 404);
	assert_int_equal(t.level_n[LEVEL_AREA], 1145);
	assert_int_equal(t.level_n[LEVEL_GRID], 3454);
	assert_non_null(district = find(&t, "440111"));
	assert_string_equal(district->rec.name, "白云区");
	assert_non_null(find(&t, "440111002"));
	assert_string_equal(find(&t, "440111002")->rec.name, "三元里街道");
	assert_string_equal(find(&t, "440111021")->rec.name, "大源街道");
	assert_string_equal(find(&t, "440111113")->rec.name, "江高镇");
	assert_non_null(db_open(url, &db, &e) == 0 ? db : NULL);

	for (size_t i = 0; i < t.n; i++) {
		struct tunit *x = &t.u[i];
		const struct unit_rec *r = &x->rec;
		char parent[UNIT_CODE_MAX], reason[256] = "";
		GEOSGeometry *c;

		/* codes, parents, kinds */
		assert_int_equal(unit_code_level(r->code), r->level);
		assert_int_equal(unit_code_parent(r->code, parent, sizeof(parent)), 0);
		assert_string_equal(parent, r->parent);
		if (r->level > LEVEL_DISTRICT)
			assert_non_null(find(&t, r->parent));
		if (!unit_kind_valid((enum unit_level)r->level, r->kind))
			fail_msg("unit %s: kind '%s' invalid for its level", r->code, r->kind);
		if (r->level == LEVEL_TOWN)
			assert_string_equal(r->kind, r->code[6] == '0' ? "街道" : "镇");
		if (r->level == LEVEL_COMMUNITY && !strcmp(find(&t, r->parent)->rec.kind, "街道"))
			assert_string_equal(r->kind, "社区");
		assert_true(r->name[0] != '\0');

		/* geometry: valid, with its centre inside, nested in its parent */
		if (!geom_is_valid(h, x->geom, reason, sizeof(reason)))
			fail_msg("unit %s: invalid polygon: %s", r->code, reason);
		assert_true(r->area_m2 > 0);
		level_area[r->level] += area_of(x->geom);
		c = GEOSGeom_createPointFromXY_r(h, r->center[0], r->center[1]);
		assert_int_equal(GEOSIntersects_r(h, x->geom, c), 1);
		if (r->level > LEVEL_DISTRICT)
			assert_int_equal(GEOSIntersects_r(h, find(&t, r->parent)->geom, c), 1);
		GEOSGeom_destroy_r(h, c);

		/* households, population, staff */
		assert_true(r->households >= 0 && r->population >= 0);
		switch (r->level) {
		case LEVEL_GRID: {
			struct hist hs = {0};
			if (!strcmp(r->grid_type, "综合网格")) {
				assert_true(r->households >= 300 && r->households <= 500);
				assert_string_equal(r->grid_subtype, "");
			} else {
				assert_string_equal(r->grid_type, "专属网格");
				assert_true(r->grid_subtype[0] != '\0');
				assert_true(r->households > 0 && r->households < 300);
				specials++;
			}
			assert_true(r->population >= (int64_t)floor(r->households * 2.6) &&
			            r->population <= (int64_t)ceil(r->households * 3.2));
			if (x->worker != 1)
				fail_msg("grid %s has %d current grid workers", r->code, x->worker);
			assert_int_equal(store_posts_history(db, r->code, read_hist, &hs, &e), 0);
			if (hs.n > 1) {
				assert_int_equal(hs.n, 2);
				assert_int_equal(hs.ended, 1);
				assert_true(strcmp(hs.old_end, hs.cur_start) < 0);
				history++;
			}
			break;
		}
		case LEVEL_AREA:
			if (x->leader != 1)
				fail_msg("area %s has %d grid leaders", r->code, x->leader);
			break;
		case LEVEL_COMMUNITY:
			if (x->head != 1)
				fail_msg("community %s has %d station heads", r->code, x->head);
			chiefs += x->chief;
			break;
		case LEVEL_TOWN:
			assert_true(x->group >= 5 && x->group <= 8);
			assert_int_equal(x->group_chief, 1);
			break;
		default:
			break;
		}
	}
	db_close(db);
	assert_true(specials >= 24 && specials <= 80);
	assert_true(history >= 20);
	assert_true(chiefs >= 4);
	/* every level covers the same ground */
	for (int l = LEVEL_TOWN; l <= LEVEL_GRID; l++)
		if (fabs(level_area[l] - level_area[LEVEL_DISTRICT]) > 1e-9 * level_area[LEVEL_DISTRICT])
			fail_msg("level %d covers %.12g, the district %.12g", l, level_area[l],
			         level_area[LEVEL_DISTRICT]);
	check_tiling(&t, district->geom);
	if (outline) {
		GEOSGeometry *sd = GEOSSymDifference_r(h, district->geom, outline);
		assert_non_null(sd);
		if (area_of(sd) >= 1e-6 * area_of(outline))
			fail_msg("district differs from the outline by %g of its area",
			         area_of(sd) / area_of(outline));
		GEOSGeom_destroy_r(h, sd);
	}
	if (digest)
		*digest = t.digest;
	tdemo_free(&t);
}

static void build(const char *url, uint64_t seed, const char *outline, struct demo_stats *st)
{
	struct demo_opts o = {url, seed, outline, CRS_GCJ02, -1, 0, 0};
	struct err e = ERR_INIT;

	if (demo_build(&o, st, &e) < 0)
		fail_msg("demo_build: %s", e.msg_en);
}

/* Digest of a demo database without the full checks. */
static uint64_t digest_of(const char *url)
{
	struct tdemo t;
	uint64_t d;

	tdemo_load(url, &t);
	d = t.digest;
	tdemo_free(&t);
	return d;
}

/* Digests of the seed-1 builds, shared between tests so that each build
 * runs once (the generator is the slow part under the sanitizers). */
static uint64_t builtin_seed1, real_seed1;

static void test_builtin_outline(void **state)
{
	char url[TEST_URL_MAX];
	struct demo_stats st;

	assert_int_equal(test_db_fresh(url, sizeof(url)), 0);
	build(url, 1, NULL, &st);
	assert_int_equal(st.towns, 24);
	assert_int_equal(st.communities, 404);
	assert_int_equal(st.areas, 1145);
	assert_int_equal(st.grids, 3454);
	assert_true(st.district_km2 > 500 && st.district_km2 < 900);
	print_message("demo (built-in outline): %.1f s geometry, %.1f s writing, %d posts\n",
	              st.gen_seconds, st.write_seconds, st.posts);
	check_demo(url, NULL, &builtin_seed1);
	test_db_drop(url);
}

/* Same seed, same data (but for write times), and a new seed, new data. The
 * seed-1 run goes into a database that already holds a seed-2 demo, so it
 * also shows that a run replaces the old org data instead of adding to it. */
static void test_deterministic(void **state)
{
	char url[TEST_URL_MAX];
	struct demo_stats st;
	uint64_t d1, d2;

	if (!builtin_seed1) {
		assert_int_equal(test_db_fresh(url, sizeof(url)), 0);
		build(url, 1, NULL, &st);
		builtin_seed1 = digest_of(url);
		test_db_drop(url);
	}
	assert_int_equal(test_db_fresh(url, sizeof(url)), 0);
	build(url, 2, NULL, &st);
	d2 = digest_of(url);
	build(url, 1, NULL, &st);
	check_demo(url, NULL, &d1);
	assert_true(d1 == builtin_seed1);
	assert_true(d2 != d1);
	test_db_drop(url);
}

/* Path of a file in the shared data folder, or NULL when it is not there. */
static const char *shared_file(const char *name, char *out, size_t n)
{
	const char *dir = getenv("WANGGE_SHARED_DATA");

	if (!dir || !*dir)
		return NULL;
	snprintf(out, n, "%s/%s", dir, name);
	return access(out, R_OK) == 0 ? out : NULL;
}

/* The real outline as GEOS, for comparing the district with it. */
static GEOSGeometry *load_outline(const char *path)
{
	json_error_t jerr;
	json_t *root = json_load_file(path, 0, &jerr), *g;
	struct err e = ERR_INIT;
	GEOSGeometry *out;

	assert_non_null(root);
	g = json_object_get(json_array_get(json_object_get(root, "features"), 0), "geometry");
	out = geojson_to_geos(geo_ctx(), g, CRS_GCJ02, &e);
	json_decref(root);
	assert_non_null(out);
	return out;
}

static void test_real_outline(void **state)
{
	char path[1024], url[TEST_URL_MAX];
	struct demo_stats st;
	GEOSGeometry *outline;

	if (!shared_file("baiyun-440111-outline.geojson", path, sizeof(path))) {
		print_message("../shared/data not found: skipping real-outline test\n");
		skip();
	}
	outline = load_outline(path);
	assert_int_equal(test_db_fresh(url, sizeof(url)), 0);
	build(url, 1, path, &st);
	print_message("demo (real outline): %.1f s geometry, %.1f s writing, %.1f km2\n",
	              st.gen_seconds, st.write_seconds, st.district_km2);
	check_demo(url, outline, &real_seed1);
	GEOSGeom_destroy_r(geo_ctx(), outline);
	test_db_drop(url);
}

/* The DataV form of the outline (a bare array of Features) gives the very
 * same district as the FeatureCollection. */
static void test_datav_array_outline(void **state)
{
	char p1[1024], p2[1024], url[TEST_URL_MAX];
	struct demo_stats st;

	if (!shared_file("baiyun-440111-outline.geojson", p1, sizeof(p1)) ||
	    !shared_file("baiyun-440111-outline.datav-array.json", p2, sizeof(p2))) {
		print_message("../shared/data not found: skipping real-outline test\n");
		skip();
	}
	if (!real_seed1) {
		assert_int_equal(test_db_fresh(url, sizeof(url)), 0);
		build(url, 1, p1, &st);
		real_seed1 = digest_of(url);
		test_db_drop(url);
	}
	assert_int_equal(test_db_fresh(url, sizeof(url)), 0);
	build(url, 1, p2, &st);
	assert_int_equal(st.grids, 3454);
	assert_true(digest_of(url) == real_seed1);
	test_db_drop(url);
}

/* Bad outline files fail with a clear error and leave the database alone. */
static void test_bad_outline(void **state)
{
	static const struct { const char *body, *code; } cases[] = {
		{"not json", "demo.outline_json"},
		{"{\"type\":\"FeatureCollection\",\"features\":[]}", "demo.outline_empty"},
		{"{\"type\":\"Point\",\"coordinates\":[113.3,23.2]}", "geojson.unsupported_type"},
		{"[{\"type\":\"Feature\",\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[113,23],[114,23],[113,24]]]}}]",
		 "geojson.short_ring"},
	};
	char file[64], url[TEST_URL_MAX];

	snprintf(file, sizeof(file), "/tmp/wangge-demo-outline-%d.json", (int)getpid());
	assert_int_equal(test_db_fresh(url, sizeof(url)), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		FILE *f = fopen(file, "w");
		struct demo_opts o = {url, 1, file, CRS_WGS84, -1, 0, 0};
		struct demo_stats st;
		struct err e = ERR_INIT;
		assert_non_null(f);
		fputs(cases[i].body, f);
		fclose(f);
		assert_int_equal(demo_build(&o, &st, &e), -1);
		assert_string_equal(e.code, cases[i].code);
		assert_int_equal(e.status, 400);
	}
	{
		struct demo_opts o = {url, 1, "/nonexistent/outline.json", CRS_WGS84, -1, 0, 0};
		struct demo_stats st;
		struct err e = ERR_INIT;
		assert_int_equal(demo_build(&o, &st, &e), -1);
		assert_string_equal(e.code, "demo.outline_read");
	}
	unlink(file);
	test_db_drop(url);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_outline),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_real_outline),
		cmocka_unit_test(test_datav_array_outline),
		cmocka_unit_test(test_bad_outline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
