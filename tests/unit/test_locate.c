/*
 * test_locate.c - unit tests of src/geo/locate.c, the point -> grid index.
 *
 * Indexes are built over synthetic tilings made with GEOS (Voronoi cells of
 * random seeds clipped to a polygon with holes, so some cells are
 * MultiPolygons or have holes; a concave comb; overlapping polygons) and
 * compared with GEOS (STRtree + prepared contains, lowest index wins) on
 * random points, inside and outside. Boundary points are checked against the
 * index's rule: a point on edges or vertices belongs to exactly one polygon,
 * the one holding the point moved infinitesimally right (then up). The raster
 * layout (locate_int.h) is used to aim at cell borders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include "geo/geos_ctx.h"
#include "geo/locate.h"
#include "geo/locate_int.h"
#include "lib/banned.h"

/* ============================================================ helpers */

/* A set of polygons, the index over them and a GEOS reference index. */
struct fixture {
	GEOSGeometry **g;
	size_t n;
	struct locate_index *idx;
	GEOSSTRtree *tree;
	const GEOSPreparedGeometry **prep;
	size_t *ids;
	double bbox[4];
};

static uint64_t rnd_next(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static double rnd_unit(uint64_t *s)
{
	return (double)(rnd_next(s) >> 11) * 0x1.0p-53;
}

static GEOSGeometry *wkt(const char *text)
{
	GEOSWKTReader *r = GEOSWKTReader_create_r(geo_ctx());
	GEOSGeometry *g = GEOSWKTReader_read_r(geo_ctx(), r, text);

	GEOSWKTReader_destroy_r(geo_ctx(), r);
	if (!g)
		fail_msg("bad WKT: %s", text);
	return g;
}

static void nop_visit(void *item, void *ud)
{
}

/* Build both indexes over fx->g[0..n-1] (taking ownership of them). */
static void fixture_build(struct fixture *fx)
{
	GEOSContextHandle_t h = geo_ctx();
	struct err e = ERR_INIT;
	GEOSGeometry *pt;

	fx->idx = locate_build(h, (const GEOSGeometry *const *)fx->g, fx->n, &e);
	if (!fx->idx)
		fail_msg("locate_build: %s", e.msg_en);
	fx->tree = GEOSSTRtree_create_r(h, 10);
	fx->prep = calloc(fx->n + 1, sizeof(*fx->prep));
	fx->ids = calloc(fx->n + 1, sizeof(*fx->ids));
	assert_non_null(fx->prep);
	assert_non_null(fx->ids);
	fx->bbox[0] = fx->bbox[1] = INFINITY;
	fx->bbox[2] = fx->bbox[3] = -INFINITY;
	for (size_t i = 0; i < fx->n; i++) {
		double x0, y0, x1, y1;
		fx->ids[i] = i;
		fx->prep[i] = GEOSPrepare_r(h, fx->g[i]);
		if (GEOSisEmpty_r(h, fx->g[i]))
			continue;
		GEOSSTRtree_insert_r(h, fx->tree, fx->g[i], &fx->ids[i]);
		GEOSGeom_getXMin_r(h, fx->g[i], &x0);
		GEOSGeom_getYMin_r(h, fx->g[i], &y0);
		GEOSGeom_getXMax_r(h, fx->g[i], &x1);
		GEOSGeom_getYMax_r(h, fx->g[i], &y1);
		fx->bbox[0] = fmin(fx->bbox[0], x0);
		fx->bbox[1] = fmin(fx->bbox[1], y0);
		fx->bbox[2] = fmax(fx->bbox[2], x1);
		fx->bbox[3] = fmax(fx->bbox[3], y1);
	}
	pt = GEOSGeom_createPointFromXY_r(h, 0, 0);
	GEOSSTRtree_query_r(h, fx->tree, pt, nop_visit, NULL);
	GEOSGeom_destroy_r(h, pt);
}

static void fixture_free(struct fixture *fx)
{
	GEOSContextHandle_t h = geo_ctx();

	locate_free(fx->idx);
	GEOSSTRtree_destroy_r(h, fx->tree);
	for (size_t i = 0; i < fx->n; i++) {
		GEOSPreparedGeom_destroy_r(h, fx->prep[i]);
		GEOSGeom_destroy_r(h, fx->g[i]);
	}
	free(fx->prep);
	free(fx->ids);
	free(fx->g);
}

struct ref_query {
	const struct fixture *fx;
	const GEOSGeometry *pt;
	long hit;
};

static void ref_visit(void *item, void *ud)
{
	struct ref_query *q = ud;
	long i = (long)*(size_t *)item;

	if ((q->hit < 0 || i < q->hit) &&
	    GEOSPreparedContains_r(geo_ctx(), q->fx->prep[i], q->pt) == 1)
		q->hit = i;
}

/* GEOS: lowest index of the polygons containing (x, y) (boundary
 * excluded), or -1. */
static long ref_find(const struct fixture *fx, double x, double y)
{
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(geo_ctx(), x, y);
	struct ref_query q = {fx, pt, -1};

	GEOSSTRtree_query_r(geo_ctx(), fx->tree, pt, ref_visit, &q);
	GEOSGeom_destroy_r(geo_ctx(), pt);
	return q.hit;
}

/* Compare with GEOS on n random points of the bbox grown by `pad` of its
 * size on every side. Returns how many points were inside some polygon. */
static size_t check_random(const struct fixture *fx, size_t n, uint64_t seed, double pad)
{
	double w = fx->bbox[2] - fx->bbox[0], h = fx->bbox[3] - fx->bbox[1];
	double x0 = fx->bbox[0] - pad * w, y0 = fx->bbox[1] - pad * h;
	size_t inside = 0, bad = 0;

	for (size_t i = 0; i < n; i++) {
		double x = x0 + (1 + 2 * pad) * w * rnd_unit(&seed);
		double y = y0 + (1 + 2 * pad) * h * rnd_unit(&seed);
		long got = locate_find(fx->idx, x, y), want = ref_find(fx, x, y);
		inside += want >= 0;
		if (got != want && bad++ < 5)
			print_error("(%.17g, %.17g): locate %ld, GEOS %ld\n", x, y, got, want);
	}
	if (bad)
		fail_msg("%zu of %zu random points disagree with GEOS", bad, n);
	return inside;
}

static void touch_visit(void *item, void *ud)
{
	struct ref_query *q = ud;
	long i = (long)*(size_t *)item;

	if (q->hit < 0 && GEOSPreparedIntersects_r(geo_ctx(), q->fx->prep[i], q->pt) == 1)
		q->hit = i;
}

/* The answer the index must give anywhere: GEOS's, and for a point on a
 * boundary (which GEOS puts in no polygon) that of the point moved a little
 * right and much less up (dx >> dy), the index's tie-breaking rule. Only
 * meaningful where that move stays clear of other edges. */
static long ref_rule(const struct fixture *fx, double x, double y, double dx, double dy)
{
	long want = ref_find(fx, x, y);

	if (want < 0) {
		GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(geo_ctx(), x, y);
		struct ref_query q = {fx, pt, -1};
		GEOSSTRtree_query_r(geo_ctx(), fx->tree, pt, touch_visit, &q);
		GEOSGeom_destroy_r(geo_ctx(), pt);
		if (q.hit >= 0)
			want = ref_find(fx, x + dx, y + dy);
	}
	return want;
}

/* Voronoi cells of n random seeds in [x0, x1] x [y0, y1], each clipped to
 * `domain`: some come out empty, MultiPolygons, or with holes. */
static void voronoi_fixture(struct fixture *fx, size_t n, uint64_t seed, double x0, double y0,
                            double x1, double y1, const GEOSGeometry *domain)
{
	GEOSContextHandle_t h = geo_ctx();
	GEOSGeometry **pts = malloc(n * sizeof(*pts)), *mp, *env, *vd;

	assert_non_null(pts);
	for (size_t i = 0; i < n; i++) {
		double x = x0 + (x1 - x0) * rnd_unit(&seed), y = y0 + (y1 - y0) * rnd_unit(&seed);
		pts[i] = GEOSGeom_createPointFromXY_r(h, x, y);
	}
	mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOINT, pts, (unsigned)n);
	env = GEOSGeom_createRectangle_r(h, x0, y0, x1, y1);
	vd = GEOSVoronoiDiagram_r(h, mp, env, 0.0, 0);
	assert_non_null(vd);
	fx->n = (size_t)GEOSGetNumGeometries_r(h, vd);
	fx->g = calloc(fx->n, sizeof(*fx->g));
	assert_non_null(fx->g);
	for (size_t i = 0; i < fx->n; i++) {
		fx->g[i] = GEOSIntersection_r(h, GEOSGetGeometryN_r(h, vd, (int)i), domain);
		assert_non_null(fx->g[i]);
	}
	GEOSGeom_destroy_r(h, vd);
	GEOSGeom_destroy_r(h, env);
	GEOSGeom_destroy_r(h, mp);
	free(pts);
	fixture_build(fx);
}

/* Every vertex of every polygon of fx that lies inside `domain`, away from
 * its boundary (so in the interior of the tiling), must be answered by a
 * polygon that has that vertex on its boundary. */
static void check_vertices(const struct fixture *fx, const GEOSGeometry *domain)
{
	GEOSContextHandle_t h = geo_ctx();
	const GEOSPreparedGeometry *pd = GEOSPrepare_r(h, domain);
	GEOSGeometry *border = GEOSBoundary_r(h, domain);
	size_t checked = 0;

	for (size_t i = 0; i < fx->n; i++) {
		GEOSGeometry *pts = GEOSGeom_extractUniquePoints_r(h, fx->g[i]);
		int np = GEOSGetNumGeometries_r(h, pts);
		for (int j = 0; j < np; j++) {
			const GEOSGeometry *p = GEOSGetGeometryN_r(h, pts, j);
			double x, y;
			long got;
			GEOSGeomGetX_r(h, p, &x);
			GEOSGeomGetY_r(h, p, &y);
			double dist = 0;
			if (GEOSPreparedContains_r(h, pd, p) != 1 ||
			    !GEOSDistance_r(h, p, border, &dist) || dist < 1e-9)
				continue;
			got = locate_find(fx->idx, x, y);
			if (got < 0 || GEOSIntersects_r(h, fx->g[got], p) != 1)
				fail_msg("vertex (%.17g, %.17g) of polygon %zu: got %ld", x, y, i, got);
			checked++;
		}
		GEOSGeom_destroy_r(h, pts);
	}
	GEOSPreparedGeom_destroy_r(h, pd);
	GEOSGeom_destroy_r(h, border);
	assert_true(checked > 0);
}

/* =============================================================== tests */

/* The real-world shape: ~3,500 Voronoi grids over Baiyun's bbox, clipped to
 * a concave outline with two holes; 200,000 random points. */
static void test_voronoi_baiyun(void **state)
{
	struct fixture fx = {0};
	GEOSGeometry *domain = wkt(   /* a thin slot from the north, three holes */
		"POLYGON((113.14 23.13, 113.51 23.13, 113.51 23.45, 113.331 23.45, 113.331 23.30,"
		" 113.33 23.30, 113.33 23.45, 113.14 23.45, 113.14 23.13),"
		" (113.20 23.20, 113.25 23.20, 113.25 23.26, 113.20 23.26, 113.20 23.20),"
		" (113.40 23.17, 113.47 23.21, 113.41 23.25, 113.40 23.17),"
		" (113.3001 23.1501, 113.3004 23.1501, 113.3004 23.1503, 113.3001 23.1501))");
	struct timespec t0, t1;
	size_t inside, multi = 0, holed = 0;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	voronoi_fixture(&fx, 3454, 7, 113.14, 23.13, 113.51, 23.45, domain);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (size_t i = 0; i < fx.n; i++) {
		multi += GEOSGeomTypeId_r(geo_ctx(), fx.g[i]) == GEOS_MULTIPOLYGON;
		holed += GEOSGeomTypeId_r(geo_ctx(), fx.g[i]) == GEOS_POLYGON &&
		         GEOSGetNumInteriorRings_r(geo_ctx(), fx.g[i]) > 0;
	}
	assert_true(multi > 0);                        /* the slot splits some cells */
	assert_true(holed > 0);                        /* the tiny hole is inside one */
	inside = check_random(&fx, 200000, 11, 0.02);
	assert_true(inside > 100000 && inside < 200000);
	check_vertices(&fx, domain);
	assert_true(locate_memory(fx.idx) > 0 && locate_memory(fx.idx) < 64u << 20);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("3454 grids: tiling + both indexes %.0f ms, index %zu bytes\n", ms,
	              locate_memory(fx.idx));
	fixture_free(&fx);
	GEOSGeom_destroy_r(geo_ctx(), domain);
}

/* A few hundred cells on a small plane, most of them much smaller than the
 * one big polygon with holes that surrounds them: very different sizes. */
static void test_voronoi_mixed_sizes(void **state)
{
	struct fixture fx = {0};
	GEOSGeometry *domain = wkt("POLYGON((0 0, 3 0, 3 3, 0 3, 0 0),"
	                           " (1 1, 2 1, 2 2, 1 2, 1 1))");
	GEOSGeometry *extra;

	voronoi_fixture(&fx, 300, 3, 0, 0, 3, 3, domain);
	/* add a big frame around it and an island in its hole */
	extra = wkt("POLYGON((-10 -10, 13 -10, 13 13, -10 13, -10 -10), (0 0, 3 0, 3 3, 0 3, 0 0))");
	locate_free(fx.idx);
	GEOSSTRtree_destroy_r(geo_ctx(), fx.tree);
	for (size_t i = 0; i < fx.n; i++)
		GEOSPreparedGeom_destroy_r(geo_ctx(), fx.prep[i]);
	free(fx.prep);
	free(fx.ids);
	fx.g = realloc(fx.g, (fx.n + 2) * sizeof(*fx.g));
	assert_non_null(fx.g);
	fx.g[fx.n++] = extra;
	fx.g[fx.n++] = wkt("POLYGON((1.2 1.2, 1.8 1.2, 1.5 1.8, 1.2 1.2))");
	fixture_build(&fx);
	check_random(&fx, 100000, 5, 0.05);
	fixture_free(&fx);
	GEOSGeom_destroy_r(geo_ctx(), domain);
}

/* A concave comb with teeth much thinner than a raster cell, a MultiPolygon
 * of far-apart parts, and a polygon with a hole holding another polygon. */
static void test_concave_and_multipolygons(void **state)
{
	struct fixture fx = {0};
	static char comb[32768];
	int o = 0;

	o += snprintf(comb + o, sizeof(comb) - (size_t)o, "POLYGON((0 0, 10 0");
	for (int t = 0; t < 200 && o < (int)sizeof(comb) - 200; t++) {   /* 200 slots from y = 10 */
		double x = 10 - t * 0.05;
		o += snprintf(comb + o, sizeof(comb) - (size_t)o, ", %.4f 10, %.4f 1, %.4f 1, %.4f 10",
		              x, x - 0.001, x - 0.002, x - 0.05 + 0.0001);
	}
	o += snprintf(comb + o, sizeof(comb) - (size_t)o, ", 0 10, 0 0))");
	assert_true(o < (int)sizeof(comb));
	fx.n = 4;
	fx.g = calloc(fx.n, sizeof(*fx.g));
	assert_non_null(fx.g);
	fx.g[0] = wkt(comb);
	fx.g[1] = wkt("MULTIPOLYGON(((20 20, 21 20, 21 21, 20 21, 20 20)),"
	              " ((-5 12, -4 12, -4.5 13, -5 12)), ((30 -3, 31 -3, 31 -2, 30 -2, 30 -3),"
	              " (30.2 -2.8, 30.8 -2.8, 30.8 -2.2, 30.2 -2.2, 30.2 -2.8)))");
	fx.g[2] = wkt("POLYGON((12 0, 18 0, 18 6, 12 6, 12 0), (13 1, 17 1, 17 5, 13 5, 13 1))");
	fx.g[3] = wkt("POLYGON((14 2, 16 2, 16 4, 14 4, 14 2))");
	assert_int_equal(GEOSisValid_r(geo_ctx(), fx.g[0]), 1);
	fixture_build(&fx);
	check_random(&fx, 150000, 9, 0.02);
	for (int t = 0; t < 2000; t++) {               /* across the teeth */
		double x = 9.9 + t * 0.00005, y = 1.0 + (t % 9);
		assert_int_equal(locate_find(fx.idx, x, y), ref_rule(&fx, x, y, 1e-9, 1e-13));
	}
	assert_int_equal(locate_find(fx.idx, 15, 3), 3);      /* the island */
	assert_int_equal(locate_find(fx.idx, 12.5, 3), 2);
	assert_int_equal(locate_find(fx.idx, 30.5, -2.5), -1); /* hole of a part */
	assert_int_equal(locate_find(fx.idx, 30.1, -2.5), 1);
	fixture_free(&fx);
}

/* A hostile mix: a comb of 2,000 teeth running the full height (long edges)
 * whose base is 20,000 tiny steps (short edges, which would make the cells
 * tiny). The raster must coarsen rather than register every long edge in
 * thousands of cells; the answers stay exact. */
static void test_long_and_short_edges(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	struct fixture fx = {0};
	size_t nteeth = 2000, nsteps = 20000, n = 0, cap = 4 * nteeth + 2 * nsteps + 8;
	GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)cap, 2);
	GEOSGeometry *ring;

	assert_non_null(cs);
	for (size_t i = 0; i < nsteps; i++) {       /* staircase base, left to right */
		double x = 10.0 * (double)i / (double)nsteps;
		GEOSCoordSeq_setXY_r(h, cs, (unsigned)n++, x, (i % 2) * 1e-4);
		GEOSCoordSeq_setXY_r(h, cs, (unsigned)n++, x + 5e-4, (i % 2) * 1e-4);
	}
	GEOSCoordSeq_setXY_r(h, cs, (unsigned)n++, 10, 1);
	for (size_t t = nteeth; t-- > 0;) {         /* teeth, right to left */
		double x = 10.0 * (double)t / (double)nteeth;
		GEOSCoordSeq_setXY_r(h, cs, (unsigned)n++, x + 0.004, 1);
		GEOSCoordSeq_setXY_r(h, cs, (unsigned)n++, x + 0.004, 10);
		GEOSCoordSeq_setXY_r(h, cs, (unsigned)n++, x + 0.002, 10);
		GEOSCoordSeq_setXY_r(h, cs, (unsigned)n++, x + 0.002, 1);
	}
	GEOSCoordSeq_setXY_r(h, cs, (unsigned)n++, 0, 1);
	GEOSCoordSeq_setXY_r(h, cs, (unsigned)n++, 0, 0);
	assert_true(n <= cap);
	for (size_t i = n; i < cap; i++)            /* pad with the closing point */
		GEOSCoordSeq_setXY_r(h, cs, (unsigned)i, 0, 0);
	ring = GEOSGeom_createLinearRing_r(h, cs);
	assert_non_null(ring);
	fx.n = 1;
	fx.g = calloc(1, sizeof(*fx.g));
	assert_non_null(fx.g);
	fx.g[0] = GEOSGeom_createPolygon_r(h, ring, NULL, 0);
	if (GEOSisValid_r(h, fx.g[0]) != 1) {
		char *why = GEOSisValidReason_r(h, fx.g[0]);
		print_error("%s\n", why);
		GEOSFree_r(h, why);
		fail();
	}
	fixture_build(&fx);
	print_message("comb: raster %ux%u, index %zu bytes\n", fx.idx->nx, fx.idx->ny,
	              locate_memory(fx.idx));
	assert_true(locate_memory(fx.idx) < 64u << 20);
	check_random(&fx, 20000, 41, 0.01);         /* GEOS crosses ~4,000 teeth per point */
	fixture_free(&fx);
}

/* Overlapping polygons: the lowest index wins, as in GEOS's answer. */
static void test_overlaps(void **state)
{
	struct fixture fx = {0};

	fx.n = 4;
	fx.g = calloc(fx.n, sizeof(*fx.g));
	assert_non_null(fx.g);
	fx.g[0] = wkt("POLYGON((2 2, 6 2, 6 6, 2 6, 2 2))");
	fx.g[1] = wkt("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))");
	fx.g[2] = wkt("POLYGON((1 1, 9 1, 5 9, 1 1))");
	fx.g[3] = wkt("POLYGON((4 4, 5 4, 5 5, 4 5, 4 4))");
	fixture_build(&fx);
	check_random(&fx, 100000, 13, 0.05);
	assert_int_equal(locate_find(fx.idx, 4.5, 4.5), 0);
	assert_int_equal(locate_find(fx.idx, 8, 8), 1);
	assert_int_equal(locate_find(fx.idx, 7, 2), 1);
	fixture_free(&fx);
}

/* Triangles tiling [0, 8]^2 with small-integer vertices: points on edges and
 * vertices (multiples of 1/4 are exact) get exactly one polygon, the one
 * just to their right/up; corners of the bbox follow the same rule. */
static void test_shared_edges_and_vertices(void **state)
{
	struct fixture fx = {0};
	char buf[256];
	const int N = 8;

	fx.n = (size_t)(2 * N * N);
	fx.g = calloc(fx.n, sizeof(*fx.g));
	assert_non_null(fx.g);
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			/* alternate the diagonal so both slopes occur */
			if ((i + j) % 2) {
				snprintf(buf, sizeof(buf), "POLYGON((%d %d, %d %d, %d %d, %d %d))",
				         i, j, i + 1, j, i + 1, j + 1, i, j);
				fx.g[2 * (i * N + j)] = wkt(buf);
				snprintf(buf, sizeof(buf), "POLYGON((%d %d, %d %d, %d %d, %d %d))",
				         i, j, i + 1, j + 1, i, j + 1, i, j);
			} else {
				snprintf(buf, sizeof(buf), "POLYGON((%d %d, %d %d, %d %d, %d %d))",
				         i, j, i + 1, j, i, j + 1, i, j);
				fx.g[2 * (i * N + j)] = wkt(buf);
				snprintf(buf, sizeof(buf), "POLYGON((%d %d, %d %d, %d %d, %d %d))",
				         i + 1, j, i + 1, j + 1, i, j + 1, i + 1, j);
			}
			fx.g[2 * (i * N + j) + 1] = wkt(buf);
		}
	fixture_build(&fx);
	check_random(&fx, 100000, 17, 0.1);
	for (int a = -2; a <= 4 * N + 2; a++)
		for (int b = -2; b <= 4 * N + 2; b++) {
			double x = a / 4.0, y = b / 4.0;
			long got = locate_find(fx.idx, x, y);
			long want = ref_rule(&fx, x, y, 1e-6, 1e-9);
			if (got != want)
				fail_msg("(%g, %g): got %ld, expected %ld", x, y, got, want);
			if (x >= 0 && x < N && y >= 0 && y < N)
				assert_true(got >= 0);             /* never a gap */
		}
	assert_int_equal(locate_find(fx.idx, 0, 0), ref_find(&fx, 1e-6, 1e-9));
	assert_true(locate_find(fx.idx, 0, 0) >= 0);
	assert_int_equal(locate_find(fx.idx, N, N), -1);
	assert_int_equal(locate_find(fx.idx, 0, N), -1);
	assert_int_equal(locate_find(fx.idx, N, 0), -1);
	fixture_free(&fx);
}

/* The tie-breaking rule itself, for polygons with small dyadic coordinates
 * (where double arithmetic is exact): q is in a polygon when an odd number
 * of its edges straddle q's y (lower y <= qy < upper y) with q strictly to
 * their left. That is point-in-polygon for q moved by (d, e), 0 < e << d. */
static int rule_inside(const double *edges, size_t nedges, double qx, double qy)
{
	int in = 0;

	for (size_t i = 0; i < nedges; i++) {
		const double *e = &edges[4 * i];
		const double *lo = e[1] < e[3] ? e : e + 2, *hi = e[1] < e[3] ? e + 2 : e;
		if ((e[1] > qy) != (e[3] > qy))
			in ^= (lo[0] - qx) * (hi[1] - qy) - (lo[1] - qy) * (hi[0] - qx) > 0;
	}
	return in;
}

/* Append the edges of a WKT polygon's rings to edges[] (4 doubles each). */
static size_t rule_edges(const GEOSGeometry *g, double *edges, size_t max)
{
	GEOSContextHandle_t h = geo_ctx();
	int nr = GEOSGetNumInteriorRings_r(h, g);
	size_t n = 0;

	for (int r = -1; r < nr; r++) {
		const GEOSGeometry *ring = r < 0 ? GEOSGetExteriorRing_r(h, g) : GEOSGetInteriorRingN_r(h, g, r);
		const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, ring);
		unsigned int m;
		GEOSCoordSeq_getSize_r(h, cs, &m);
		for (unsigned int i = 0; i + 1 < m && n < max; i++, n++) {
			GEOSCoordSeq_getXY_r(h, cs, i, &edges[4 * n], &edges[4 * n + 1]);
			GEOSCoordSeq_getXY_r(h, cs, i + 1, &edges[4 * n + 2], &edges[4 * n + 3]);
		}
	}
	return n;
}

/* Every point of a 1/32 lattice, over a triangle tiling with an overlapping
 * concave polygon with a hole, gets exactly the rule's answer. The lattice
 * hits vertices, edges, cell centres and cell borders, so segments from a
 * centre to the query run along edges and through vertices, horizontally,
 * vertically and diagonally. */
static void test_lattice_rule(void **state)
{
	struct fixture fx = {0};
	const int N = 8;
	double *edges[2 * 8 * 8 + 1];
	size_t nedges[2 * 8 * 8 + 1];
	char buf[256];

	fx.n = (size_t)(2 * N * N + 1);
	fx.g = calloc(fx.n, sizeof(*fx.g));
	assert_non_null(fx.g);
	for (int i = 0; i < N; i++)
		for (int j = 0; j < N; j++) {
			snprintf(buf, sizeof(buf), "POLYGON((%d %d, %d %d, %d %d, %d %d))",
			         i, j, i + 1, j, i, j + 1, i, j);
			fx.g[2 * (i * N + j)] = wkt(buf);
			snprintf(buf, sizeof(buf), "POLYGON((%d %d, %d %d, %d %d, %d %d))",
			         i + 1, j, i + 1, j + 1, i, j + 1, i + 1, j);
			fx.g[2 * (i * N + j) + 1] = wkt(buf);
		}
	/* vertices on cell centres' rows and columns (odd multiples of 1/16)
	 * and between them, on the lattice */
	fx.g[2 * N * N] = wkt("POLYGON((6 2, 12 2, 12 7, 9.03125 4.5625, 6 7, 6 2),"
	                      " (7.0625 3.0625, 7.53125 2.5625, 11 3.0625, 7.0625 3.0625))");
	for (size_t k = 0; k < fx.n; k++) {
		edges[k] = malloc(64 * 4 * sizeof(double));
		assert_non_null(edges[k]);
		nedges[k] = rule_edges(fx.g[k], edges[k], 64);
	}
	fixture_build(&fx);
	/* the point of the lattice: cells of 1/8 from (0, 0), centres on it */
	assert_true(fx.idx->cw == 0.125 && fx.idx->ch == 0.125);
	assert_true(fx.idx->x0 == 0 && fx.idx->y0 == 0);
	for (int a = -32; a <= 13 * 32; a++)
		for (int b = -32; b <= 9 * 32; b++) {
			double x = a / 32.0, y = b / 32.0;
			long want = -1, got = locate_find(fx.idx, x, y);
			for (size_t k = 0; k < fx.n && want < 0; k++)
				if (rule_inside(edges[k], nedges[k], x, y))
					want = (long)k;
			if (got != want)
				fail_msg("(%g, %g): got %ld, rule says %ld", x, y, got, want);
		}
	for (size_t k = 0; k < fx.n; k++)
		free(edges[k]);
	fixture_free(&fx);
}

/* Axis-aligned rectangles (horizontal edges everywhere) and queries exactly
 * on raster cell borders and one ulp either side of them. */
static void test_cell_borders(void **state)
{
	struct fixture fx = {0};
	const struct locate_index *x;
	double xs[31], ys[21];
	uint64_t s = 21;
	size_t k = 0;

	fx.n = 30 * 20;
	fx.g = calloc(fx.n, sizeof(*fx.g));
	assert_non_null(fx.g);
	for (int i = 0; i <= 30; i++)
		xs[i] = 113.2 + i * 0.0037;
	for (int j = 0; j <= 20; j++)
		ys[j] = 23.2 + j * 0.0041;
	for (int i = 0; i < 30; i++)
		for (int j = 0; j < 20; j++)
			fx.g[k++] = GEOSGeom_createRectangle_r(geo_ctx(), xs[i], ys[j], xs[i + 1], ys[j + 1]);
	fixture_build(&fx);
	x = fx.idx;
	assert_true(x->nx > 1 && x->ny > 1);
	check_random(&fx, 100000, 23, 0.01);
	for (int i = 0; i < 60000; i++) {
		uint32_t c = (uint32_t)(rnd_next(&s) % (x->nx + 1)), r = (uint32_t)(rnd_next(&s) % (x->ny + 1));
		double bx = x->x0 + c * x->cw, by = x->y0 + r * x->ch;
		double px = x->x0 + (x->x1 - x->x0) * rnd_unit(&s);
		double py = x->y0 + (x->y1 - x->y0) * rnd_unit(&s);
		double qs[3][2] = {{bx, py}, {px, by}, {bx, by}};
		for (int q = 0; q < 3; q++)
			for (int d = -1; d <= 1; d++) {
				double qx = d ? nextafter(qs[q][0], d * INFINITY) : qs[q][0];
				double qy = d ? nextafter(qs[q][1], -d * INFINITY) : qs[q][1];
				long got = locate_find(fx.idx, qx, qy);
				long want = ref_rule(&fx, qx, qy, 1e-9, 1e-12);
				if (got != want)
					fail_msg("(%.17g, %.17g): got %ld, GEOS %ld", qx, qy, got, want);
			}
	}
	fixture_free(&fx);
}

/* No polygons, empty and degenerate ones, and points that are not numbers. */
static void test_empty_and_degenerate(void **state)
{
	struct err e = ERR_INIT;
	struct locate_index *idx = locate_build(geo_ctx(), NULL, 0, &e);
	GEOSGeometry *g[3];

	assert_non_null(idx);
	assert_int_equal(locate_find(idx, 113.3, 23.2), -1);
	assert_int_equal(locate_find(idx, 0, 0), -1);
	assert_true(locate_memory(idx) > 0);
	locate_free(idx);
	locate_free(NULL);

	g[0] = wkt("POLYGON EMPTY");
	g[1] = wkt("POLYGON((1 1, 2 2, 3 3, 1 1))");              /* no area */
	g[2] = wkt("POLYGON((0 0, 4 0, 4 4, 0 4, 0 0))");
	idx = locate_build(geo_ctx(), (const GEOSGeometry *const *)g, 3, &e);
	assert_non_null(idx);
	assert_int_equal(locate_find(idx, 2, 2), 2);
	assert_int_equal(locate_find(idx, 1.5, 1.5), 2);
	assert_int_equal(locate_find(idx, 5, 2), -1);
	assert_int_equal(locate_find(idx, NAN, 2), -1);
	assert_int_equal(locate_find(idx, 2, NAN), -1);
	assert_int_equal(locate_find(idx, INFINITY, 2), -1);
	assert_int_equal(locate_find(idx, -INFINITY, -INFINITY), -1);
	assert_int_equal(locate_find(idx, 1e308, -1e308), -1);
	locate_free(idx);
	for (int i = 0; i < 3; i++)
		GEOSGeom_destroy_r(geo_ctx(), g[i]);

	/* only degenerate polygons: nothing is inside anything */
	g[0] = wkt("POLYGON((1 1, 2 2, 3 3, 1 1))");
	idx = locate_build(geo_ctx(), (const GEOSGeometry *const *)g, 1, &e);
	assert_non_null(idx);
	assert_int_equal(locate_find(idx, 2, 2), -1);
	locate_free(idx);
	GEOSGeom_destroy_r(geo_ctx(), g[0]);

	/* not a polygon: refused */
	g[0] = wkt("LINESTRING(0 0, 1 1)");
	assert_null(locate_build(geo_ctx(), (const GEOSGeometry *const *)g, 1, &e));
	assert_string_equal(e.code, "locate.bad_geometry");
	GEOSGeom_destroy_r(geo_ctx(), g[0]);
}

struct thread_arg {
	const struct fixture *fx;
	const double *pts;
	const long *want;
	size_t n;
	size_t bad;
};

static void *query_thread(void *p)
{
	struct thread_arg *a = p;

	for (int round = 0; round < 4; round++)
		for (size_t i = 0; i < a->n; i++)
			a->bad += locate_find(a->fx->idx, a->pts[2 * i], a->pts[2 * i + 1]) != a->want[i];
	return NULL;
}

/* Four threads query one index at once and get the single-thread answers. */
static void test_threads(void **state)
{
	struct fixture fx = {0};
	GEOSGeometry *domain = wkt("POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))");
	struct thread_arg a[4];
	pthread_t t[4];
	size_t n = 50000;
	double *pts = malloc(2 * n * sizeof(*pts));
	long *want = malloc(n * sizeof(*want));
	uint64_t s = 31;

	assert_non_null(pts);
	assert_non_null(want);
	voronoi_fixture(&fx, 500, 29, 0, 0, 1, 1, domain);
	for (size_t i = 0; i < n; i++) {
		pts[2 * i] = rnd_unit(&s);
		pts[2 * i + 1] = rnd_unit(&s);
		want[i] = ref_find(&fx, pts[2 * i], pts[2 * i + 1]);
	}
	for (int i = 0; i < 4; i++) {
		a[i] = (struct thread_arg){&fx, pts, want, n, 0};
		assert_int_equal(pthread_create(&t[i], NULL, query_thread, &a[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].bad, 0);
	}
	free(pts);
	free(want);
	fixture_free(&fx);
	GEOSGeom_destroy_r(geo_ctx(), domain);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_voronoi_baiyun),
		cmocka_unit_test(test_voronoi_mixed_sizes),
		cmocka_unit_test(test_concave_and_multipolygons),
		cmocka_unit_test(test_long_and_short_edges),
		cmocka_unit_test(test_overlaps),
		cmocka_unit_test(test_shared_edges_and_vertices),
		cmocka_unit_test(test_lattice_rule),
		cmocka_unit_test(test_cell_borders),
		cmocka_unit_test(test_empty_and_degenerate),
		cmocka_unit_test(test_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
