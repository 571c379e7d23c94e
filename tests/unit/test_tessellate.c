/*
 * test_tessellate.c - unit tests of src/geo/tessellate.c. The contract under
 * test: the cells of a region tile it exactly (every point of the region in
 * exactly one cell, none outside it, union equal to the region, areas adding
 * up with no overlap), there are as many cells as asked, neighbouring parts
 * tessellated together meet without slivers, cells of a connected region
 * stay in one piece, and the same input gives the same cells byte for byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "geo/geojson.h"
#include "geo/geos_ctx.h"
#include "geo/tessellate.h"
#include "lib/buf.h"
#include "lib/banned.h"

#define SAMPLES 20000
#define EDGE_TOL 1e-6                /* points this close to the region's edge are not judged */

/* A polygon from WKT (the test's own fixed shapes). */
static GEOSGeometry *wkt(const char *s)
{
	GEOSWKTReader *r = GEOSWKTReader_create_r(geo_ctx());
	GEOSGeometry *g = GEOSWKTReader_read_r(geo_ctx(), r, s);
	GEOSWKTReader_destroy_r(geo_ctx(), r);
	assert_non_null(g);
	return g;
}

/* A non-convex region with a hole and a deep notch, roughly the size of a
 * town: the notch cuts Voronoi cells in two, which the orphan step repairs. */
static GEOSGeometry *awkward_region(void)
{
	return wkt("POLYGON((113.300 23.200, 113.420 23.200, 113.420 23.300, 113.300 23.300,"
	           " 113.300 23.262, 113.395 23.255, 113.395 23.240, 113.300 23.238, 113.300 23.200),"
	           " (113.320 23.210, 113.340 23.210, 113.340 23.225, 113.320 23.225, 113.320 23.210))");
}

/* Deterministic points for sampling (splitmix64). */
static double unit_rand(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return (double)(z >> 11) * 0x1.0p-53;
}

static double area_of(const GEOSGeometry *g)
{
	double a = 0;
	assert_int_equal(GEOSArea_r(geo_ctx(), g, &a), 1);
	return a;
}

/*
 * The tiling check shared by the tests: SAMPLES points in the region's
 * bounding box; each one inside the region must lie in exactly one cell and
 * each one outside in none. Then the union of the cells must equal the
 * region (symmetric difference < 1e-6 of its area) and the cell areas must
 * add up to the union's (no overlaps).
 */
static void check_tiling(const GEOSGeometry *region, GEOSGeometry **cells, size_t n)
{
	GEOSContextHandle_t h = geo_ctx();
	const GEOSPreparedGeometry *preg = GEOSPrepare_r(h, region);
	const GEOSPreparedGeometry **pc = calloc(n, sizeof(*pc));
	GEOSGeometry *edge = GEOSBoundary_r(h, region), *u, *sd;
	double bbox[4], sum = 0, ra = area_of(region);
	uint64_t st = 42;
	int inside = 0, skipped = 0;

	assert_non_null(pc);
	assert_non_null(preg);
	assert_int_equal(geom_bbox(h, region, bbox), 0);
	for (size_t i = 0; i < n; i++) {
		char reason[256] = "";
		assert_non_null(cells[i]);
		if (!geom_is_valid(h, cells[i], reason, sizeof(reason)))
			fail_msg("cell %zu invalid: %s", i, reason);
		assert_non_null(pc[i] = GEOSPrepare_r(h, cells[i]));
		sum += area_of(cells[i]);
	}
	for (int s = 0; s < SAMPLES; s++) {
		double x = bbox[0] + (bbox[2] - bbox[0]) * unit_rand(&st);
		double y = bbox[1] + (bbox[3] - bbox[1]) * unit_rand(&st);
		GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x, y);
		double d = 0;
		int in_region, hits = 0;

		GEOSDistance_r(h, pt, edge, &d);
		if (d < EDGE_TOL) {
			skipped++;
			GEOSGeom_destroy_r(h, pt);
			continue;
		}
		in_region = GEOSPreparedContains_r(h, preg, pt) == 1;
		for (size_t i = 0; i < n; i++)
			hits += GEOSPreparedIntersects_r(h, pc[i], pt) == 1;
		GEOSGeom_destroy_r(h, pt);
		if (in_region && hits != 1)
			fail_msg("point %.9f %.9f inside the region lies in %d cells", x, y, hits);
		if (!in_region && hits != 0)
			fail_msg("point %.9f %.9f outside the region lies in %d cells", x, y, hits);
		inside += in_region;
	}
	assert_true(inside > SAMPLES / 4);
	assert_true(skipped < SAMPLES / 100);

	u = tessellate_merge(h, (const GEOSGeometry *const *)cells, n);
	assert_non_null(u);
	sd = GEOSSymDifference_r(h, u, region);
	assert_non_null(sd);
	if (area_of(sd) >= 1e-6 * ra)
		fail_msg("union differs from the region by %g of its area", area_of(sd) / ra);
	if (fabs(sum - area_of(u)) >= 1e-9 * ra)
		fail_msg("cells overlap: areas add up to %.12g, union is %.12g", sum, area_of(u));
	GEOSGeom_destroy_r(h, sd);
	GEOSGeom_destroy_r(h, u);
	GEOSGeom_destroy_r(h, edge);
	for (size_t i = 0; i < n; i++)
		GEOSPreparedGeom_destroy_r(h, pc[i]);
	free(pc);
	GEOSPreparedGeom_destroy_r(h, preg);
}

/* Sample n seeds, relax, tessellate; the caller frees cells. */
static GEOSGeometry **cut(const GEOSGeometry *region, size_t n, uint64_t seed, int lloyd)
{
	GEOSContextHandle_t h = geo_ctx();
	GEOSGeometry **cells = calloc(n, sizeof(*cells));
	double *xy = calloc(2 * n, sizeof(*xy));
	struct err e = ERR_INIT;

	assert_non_null(cells);
	assert_non_null(xy);
	if (tessellate_sample(h, region, n, seed, xy, &e) < 0 ||
	    tessellate(h, region, xy, n, lloyd, cells, &e) < 0)
		fail_msg("tessellate: %s", e.msg_en);
	free(xy);
	return cells;
}

static void free_cells(GEOSGeometry **cells, size_t n)
{
	tessellate_cells_free(geo_ctx(), cells, n);
	free(cells);
}

static void test_tiles_awkward_region(void **state)
{
	GEOSGeometry *r = awkward_region();
	GEOSGeometry **cells = cut(r, 37, 7, 3);

	check_tiling(r, cells, 37);
	/* the region is one piece, so every cell is too */
	for (size_t i = 0; i < 37; i++)
		assert_int_equal(GEOSGeomTypeId_r(geo_ctx(), cells[i]), GEOS_POLYGON);
	free_cells(cells, 37);
	GEOSGeom_destroy_r(geo_ctx(), r);
}

static void test_cell_counts(void **state)
{
	static const size_t counts[] = {1, 2, 3, 5, 12, 60};
	GEOSGeometry *r = awkward_region();

	for (size_t k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		GEOSGeometry **cells = cut(r, counts[k], 100 + k, 2);
		check_tiling(r, cells, counts[k]);
		free_cells(cells, counts[k]);
	}
	GEOSGeom_destroy_r(geo_ctx(), r);
}

/* Seeds given by hand and no relaxation: each cell holds its own seed. */
static void test_cells_follow_seeds(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	GEOSGeometry *r = wkt("POLYGON((0 0, 1 0, 1 1, 0 1, 0 0))");
	double xy[] = {0.2, 0.2, 0.8, 0.2, 0.5, 0.8, 0.45, 0.4};
	GEOSGeometry *cells[4] = {0};
	struct err e = ERR_INIT;

	assert_int_equal(tessellate(h, r, xy, 4, 0, cells, &e), 0);
	for (size_t i = 0; i < 4; i++) {
		GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, xy[2 * i], xy[2 * i + 1]);
		assert_int_equal(GEOSContains_r(h, cells[i], pt), 1);
		GEOSGeom_destroy_r(h, pt);
	}
	check_tiling(r, cells, 4);
	tessellate_cells_free(h, cells, 4);
	GEOSGeom_destroy_r(h, r);
}

/* A C-shaped region where the Voronoi cell of the seed in the top arm also
 * reaches the far end of the bottom arm: that cut-off piece must go to the
 * neighbour, leaving both cells in one piece. */
static void test_orphan_goes_to_neighbour(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	GEOSGeometry *r = wkt("POLYGON((0 0, 3 0, 3 3, 0 3, 0 2, 2 2, 2 1, 0 1, 0 0))");
	double xy[] = {0.5, 2.2, 2.5, 0.5};
	GEOSGeometry *cells[2] = {0}, *pt;
	struct err e = ERR_INIT;

	assert_int_equal(tessellate(h, r, xy, 2, 0, cells, &e), 0);
	assert_int_equal(GEOSGeomTypeId_r(h, cells[0]), GEOS_POLYGON);
	assert_int_equal(GEOSGeomTypeId_r(h, cells[1]), GEOS_POLYGON);
	pt = GEOSGeom_createPointFromXY_r(h, 0.2, 0.5);
	assert_int_equal(GEOSContains_r(h, cells[1], pt), 1);
	GEOSGeom_destroy_r(h, pt);
	check_tiling(r, cells, 2);
	tessellate_cells_free(h, cells, 2);
	GEOSGeom_destroy_r(h, r);
}

/* Two neighbouring parts in one call: their cells meet exactly at the
 * shared border, so all cells together tile the union of the parts. */
static void test_parts_meet_exactly(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	GEOSGeometry *left = wkt("POLYGON((113.2 23.1, 113.2713 23.1, 113.2641 23.2, 113.2 23.2, 113.2 23.1))");
	GEOSGeometry *right = wkt("POLYGON((113.2713 23.1, 113.35 23.1, 113.35 23.2, 113.2641 23.2, 113.2713 23.1))");
	GEOSGeometry *all = wkt("POLYGON((113.2 23.1, 113.35 23.1, 113.35 23.2, 113.2 23.2, 113.2 23.1))");
	GEOSGeometry *lc[9] = {0}, *rc[14] = {0}, *cells[23];
	double lxy[18], rxy[28];
	struct tess_part parts[2] = {{left, lxy, 9, lc}, {right, rxy, 14, rc}};
	struct err e = ERR_INIT;

	assert_int_equal(tessellate_sample(h, left, 9, 1, lxy, &e), 0);
	assert_int_equal(tessellate_sample(h, right, 14, 2, rxy, &e), 0);
	assert_int_equal(tessellate_relax(h, left, lxy, 9, 2, &e), 0);
	assert_int_equal(tessellate_relax(h, right, rxy, 14, 2, &e), 0);
	if (tessellate_parts(h, parts, 2, TESS_GRID, &e) < 0)
		fail_msg("tessellate_parts: %s", e.msg_en);
	check_tiling(left, lc, 9);
	check_tiling(right, rc, 14);
	memcpy(cells, lc, sizeof(lc));
	memcpy(cells + 9, rc, sizeof(rc));
	check_tiling(all, cells, 23);
	tessellate_cells_free(h, cells, 23);
	GEOSGeom_destroy_r(h, left);
	GEOSGeom_destroy_r(h, right);
	GEOSGeom_destroy_r(h, all);
}

/* The same seed gives the same cells byte for byte; another seed does not. */
static void test_deterministic(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	GEOSGeometry *r = awkward_region();
	GEOSGeometry **a = cut(r, 25, 99, 3), **b = cut(r, 25, 99, 3), **c = cut(r, 25, 98, 3);
	struct buf wa, wb, wc;

	buf_init(&wa, 1 << 24);
	buf_init(&wb, 1 << 24);
	buf_init(&wc, 1 << 24);
	for (size_t i = 0; i < 25; i++) {
		assert_int_equal(geom_to_wkb(h, a[i], &wa), 0);
		assert_int_equal(geom_to_wkb(h, b[i], &wb), 0);
		assert_int_equal(geom_to_wkb(h, c[i], &wc), 0);
	}
	assert_int_equal(wa.len, wb.len);
	assert_memory_equal(wa.data, wb.data, wa.len);
	assert_true(wa.len != wc.len || memcmp(wa.data, wc.data, wa.len) != 0);
	buf_release(&wa);
	buf_release(&wb);
	buf_release(&wc);
	free_cells(a, 25);
	free_cells(b, 25);
	free_cells(c, 25);
	GEOSGeom_destroy_r(h, r);
}

/* Relaxation keeps points inside and makes cell areas more even. */
static void test_relax_evens_out(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	GEOSGeometry *r = wkt("POLYGON((0 0, 2 0, 2 1, 0 1, 0 0))");
	const size_t n = 30;
	GEOSGeometry *c0[30] = {0}, *c1[30] = {0};
	double xy[60], xy2[60], spread[2];
	struct err e = ERR_INIT;

	assert_int_equal(tessellate_sample(h, r, n, 5, xy, &e), 0);
	memcpy(xy2, xy, sizeof(xy));
	assert_int_equal(tessellate(h, r, xy, n, 0, c0, &e), 0);
	assert_int_equal(tessellate(h, r, xy2, n, 6, c1, &e), 0);
	for (int k = 0; k < 2; k++) {
		GEOSGeometry **c = k ? c1 : c0;
		double lo = INFINITY, hi = 0;
		for (size_t i = 0; i < n; i++) {
			double a = area_of(c[i]);
			lo = a < lo ? a : lo;
			hi = a > hi ? a : hi;
		}
		spread[k] = hi / lo;
	}
	assert_true(spread[1] < spread[0]);
	for (size_t i = 0; i < n; i++)
		assert_true(xy2[2 * i] > 0 && xy2[2 * i] < 2 && xy2[2 * i + 1] > 0 && xy2[2 * i + 1] < 1);
	check_tiling(r, c1, n);
	tessellate_cells_free(h, c0, n);
	tessellate_cells_free(h, c1, n);
	GEOSGeom_destroy_r(h, r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tiles_awkward_region),
		cmocka_unit_test(test_cell_counts),
		cmocka_unit_test(test_cells_follow_seeds),
		cmocka_unit_test(test_orphan_goes_to_neighbour),
		cmocka_unit_test(test_parts_meet_exactly),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_relax_evens_out),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
