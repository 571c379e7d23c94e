/*
 * test_coord.c - unit tests of src/geo/coord.c: WGS-84 / GCJ-02 / BD-09
 * conversions against published point pairs, the iterative inverse, the
 * China box, CRS names and the haversine distance.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>
#include "geo/coord.h"
#include "lib/banned.h"

#define assert_near(a, b, tol) do {                                             \
	double a_ = (a), b_ = (b);                                              \
	if (!(fabs(a_ - b_) <= (tol)))                                          \
		fail_msg("%s = %.12f, expected %.12f (tolerance %g)", #a, a_, b_, (double)(tol)); \
} while (0)

/* ------------------------------------------------ published test vectors */

/* WGS-84 -> GCJ-02 pairs from the test suite of eviltransform
 * (github.com/googollee/eviltransform, go/transform_test.go and
 * python/test.py: `tests` / `TESTS`, given there as lat, lng). */
static const struct { const char *where; double wlat, wlng, glat, glng; } evil[] = {
	{"shanghai", 31.1774276, 121.5272106, 31.17530398364597, 121.531541859215},
	{"shenzhen", 22.543847, 113.912316, 22.540796131694766, 113.9171764808363},
	{"beijing", 39.911954, 116.377817, 39.91334545536069, 116.38404722455657},
};

static void test_wgs_to_gcj_published(void **state)
{
	for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		double lon, lat;
		coord_wgs84_to_gcj02(evil[i].wlng, evil[i].wlat, &lon, &lat);
		assert_near(lon, evil[i].glng, 1e-9);              /* same formula: ~1e-12 */
		assert_near(lat, evil[i].glat, 1e-9);
	}
}

static void test_gcj_to_wgs_published(void **state)
{
	/* eviltransform's gcj2wgs_exact is checked to 0.5 m; the inverse here
	 * claims 1 cm */
	for (size_t i = 0; i < sizeof(evil) / sizeof(evil[0]); i++) {
		double lon, lat;
		coord_gcj02_to_wgs84(evil[i].glng, evil[i].glat, &lon, &lat);
		if (coord_distance_m(lon, lat, evil[i].wlng, evil[i].wlat) >= 0.01)
			fail_msg("%s: %.3f m off", evil[i].where,
			         coord_distance_m(lon, lat, evil[i].wlng, evil[i].wlat));
	}
}

/* From the test of coordtransform (github.com/wandergis/coordtransform,
 * test/app.js), all applied to the point (116.404, 39.915), lng, lat. */
static void test_coordtransform_published(void **state)
{
	double lon, lat;

	coord_bd09_to_gcj02(116.404, 39.915, &lon, &lat);
	assert_near(lon, 116.39762729119315, 1e-9);
	assert_near(lat, 39.90865673957631, 1e-9);

	coord_gcj02_to_bd09(116.404, 39.915, &lon, &lat);
	assert_near(lon, 116.41036949371029, 1e-9);
	assert_near(lat, 39.92133699351021, 1e-9);

	coord_wgs84_to_gcj02(116.404, 39.915, &lon, &lat);
	assert_near(lon, 116.41024449916938, 1e-9);
	assert_near(lat, 39.91640428150164, 1e-9);

	/* coordtransform's gcj02towgs84 is the one-step approximation
	 * (2·g − gcj(g)): [116.39775550083061, 39.91359571849836]. The exact
	 * inverse lands within a metre of it. */
	coord_gcj02_to_wgs84(116.404, 39.915, &lon, &lat);
	assert_true(coord_distance_m(lon, lat, 116.39775550083061, 39.91359571849836) < 1.0);
}

/* BD-09 through the public API. (eviltransform's python/test.py also lists
 * BD-09 -> WGS-84 pairs, `TESTS_bd`, but they disagree by 8-40 m with its
 * own published formulas, so they cannot serve as vectors for them.) */
static void test_bd_via_crs(void **state)
{
	double lon, lat, glon, glat;

	/* coordtransform's gcj02tobd09 result read back as BD-09 */
	coord_to_wgs84(CRS_BD09, 116.41036949371029, 39.92133699351021, &lon, &lat);
	coord_wgs84_to_gcj02(lon, lat, &glon, &glat);
	assert_true(coord_distance_m(glon, glat, 116.404, 39.915) < 0.5);
	/* and WGS-84 -> BD-09 is GCJ-02 then BD-09 */
	coord_from_wgs84(CRS_BD09, 116.404, 39.915, &lon, &lat);
	coord_gcj02_to_bd09(116.41024449916938, 39.91640428150164, &glon, &glat);
	assert_near(lon, glon, 1e-9);
	assert_near(lat, glat, 1e-9);
}

/* ------------------------------------------------------------- inverse */

static void test_inverse_grid_across_china(void **state)
{
	double worst = 0, worst_bd = 0;
	int n = 0;

	/* every half degree from Kashgar to the Ussuri, Sanya to Mohe */
	for (double lon = 73.5; lon <= 135.0; lon += 0.5)
		for (double lat = 18.0; lat <= 53.5; lat += 0.5) {
			double glon, glat, wlon, wlat, blon, blat, d;

			coord_wgs84_to_gcj02(lon, lat, &glon, &glat);
			coord_gcj02_to_wgs84(glon, glat, &wlon, &wlat);
			d = coord_distance_m(lon, lat, wlon, wlat);
			if (d > worst)
				worst = d;

			coord_from_wgs84(CRS_BD09, lon, lat, &blon, &blat);
			coord_to_wgs84(CRS_BD09, blon, blat, &wlon, &wlat);
			d = coord_distance_m(lon, lat, wlon, wlat);
			if (d > worst_bd)
				worst_bd = d;
			n++;
		}
	assert_true(n > 8000);
	if (worst >= 0.01)
		fail_msg("GCJ-02 round trip off by %.4f m", worst);
	/* BD-09 -> GCJ-02 is the published closed-form approximation of the
	 * inverse, good to ~0.2 m across China (measured: 0.20 m) */
	if (worst_bd >= 0.25)
		fail_msg("BD-09 round trip off by %.4f m", worst_bd);
}

static void test_gcj_offset_is_real(void **state)
{
	double lon, lat;

	/* the offset is hundreds of metres, never zero, inside China */
	coord_wgs84_to_gcj02(113.2644, 23.1291, &lon, &lat);  /* Guangzhou */
	double d = coord_distance_m(113.2644, 23.1291, lon, lat);
	assert_true(d > 100 && d < 1000);
	coord_gcj02_to_bd09(lon, lat, &lon, &lat);
	d = coord_distance_m(113.2644, 23.1291, lon, lat);
	assert_true(d > 500 && d < 2000);
}

/* --------------------------------------------------------- outside China */

static void test_outside_china_identity(void **state)
{
	static const double pts[][2] = {
		{-0.1278, 51.5074},    /* London */
		{-74.006, 40.7128},    /* New York */
		{151.2093, -33.8688},  /* Sydney */
		{139.6917, 35.6895},   /* Tokyo: east of the box */
		{37.6173, 55.7558},    /* Moscow */
		{0, 0},
		{180, 90}, {-180, -90},
		{72.0, 30.0},          /* just west of the box */
		{100.0, 56.0},         /* just north */
		{100.0, 0.5},          /* just south */
	};
	for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++) {
		double lon, lat;
		assert_false(coord_in_china(pts[i][0], pts[i][1]));
		coord_wgs84_to_gcj02(pts[i][0], pts[i][1], &lon, &lat);
		assert_true(lon == pts[i][0] && lat == pts[i][1]);
		coord_gcj02_to_wgs84(pts[i][0], pts[i][1], &lon, &lat);
		assert_true(lon == pts[i][0] && lat == pts[i][1]);
		coord_from_wgs84(CRS_GCJ02, pts[i][0], pts[i][1], &lon, &lat);
		assert_true(lon == pts[i][0] && lat == pts[i][1]);
		coord_to_wgs84(CRS_GCJ02, pts[i][0], pts[i][1], &lon, &lat);
		assert_true(lon == pts[i][0] && lat == pts[i][1]);
	}
	assert_true(coord_in_china(113.2644, 23.1291));
	assert_true(coord_in_china(87.6168, 43.8256));        /* Ürümqi */
	assert_true(coord_in_china(126.6424, 45.7567));       /* Harbin */
}

static void test_wgs84_identity(void **state)
{
	double lon, lat;

	coord_to_wgs84(CRS_WGS84, 113.25, 23.5, &lon, &lat);
	assert_true(lon == 113.25 && lat == 23.5);
	coord_from_wgs84(CRS_WGS84, 113.25, 23.5, &lon, &lat);
	assert_true(lon == 113.25 && lat == 23.5);
}

/* ---------------------------------------------------------------- names */

static void test_crs_parse(void **state)
{
	static const struct { const char *s; enum crs c; } ok[] = {
		{"wgs84", CRS_WGS84}, {"WGS84", CRS_WGS84}, {"wgs-84", CRS_WGS84},
		{"EPSG:4326", CRS_WGS84}, {"epsg:4326", CRS_WGS84},
		{"gcj02", CRS_GCJ02}, {"GCJ-02", CRS_GCJ02}, {"Gcj02", CRS_GCJ02},
		{"bd09", CRS_BD09}, {"BD-09", CRS_BD09},
	};
	static const char *const bad[] = {
		"", "wgs", "wgs84 ", " wgs84", "epsg:3857", "EPSG:4490", "gcj", "gcj-2",
		"bd09mc", "mars", "wgs84\n", "4326",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		enum crs c = (enum crs)99;
		if (crs_parse(ok[i].s, &c) != 0)
			fail_msg("'%s' refused", ok[i].s);
		assert_int_equal(c, ok[i].c);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum crs c = (enum crs)99;
		if (crs_parse(bad[i], &c) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_int_equal(c, 99);
	}
	assert_int_equal(crs_parse(NULL, &(enum crs){0}), -1);
}

static void test_crs_name_round_trip(void **state)
{
	enum crs all[] = {CRS_WGS84, CRS_GCJ02, CRS_BD09};

	assert_string_equal(crs_name(CRS_WGS84), "wgs84");
	assert_string_equal(crs_name(CRS_GCJ02), "gcj02");
	assert_string_equal(crs_name(CRS_BD09), "bd09");
	for (size_t i = 0; i < 3; i++) {
		enum crs c;
		assert_int_equal(crs_parse(crs_name(all[i]), &c), 0);
		assert_int_equal(c, all[i]);
	}
}

/* ------------------------------------------------------------- distance */

static void test_distance(void **state)
{
	const double R = 6371008.8;

	assert_near(coord_distance_m(113.3, 23.1, 113.3, 23.1), 0, 1e-9);
	/* one degree of a great circle on the sphere of radius R */
	assert_near(coord_distance_m(0, 0, 0, 1), R * M_PI / 180, 1e-6);
	assert_near(coord_distance_m(0, 0, 1, 0), R * M_PI / 180, 1e-6);
	assert_near(coord_distance_m(120, 30, 120, 31), R * M_PI / 180, 1e-6);
	/* antipodes: half the circumference, no NaN from rounding */
	assert_near(coord_distance_m(0, 0, 180, 0), R * M_PI, 1e-3);
	assert_near(coord_distance_m(10, 20, -170, -20), R * M_PI, 1e-3);
	/* London - Paris, ~343.5 km (the usual haversine example) */
	assert_near(coord_distance_m(-0.1278, 51.5074, 2.3522, 48.8566), 343.5e3, 0.5e3);
	/* symmetric */
	assert_near(coord_distance_m(113.26, 23.13, 121.47, 31.23),
	            coord_distance_m(121.47, 31.23, 113.26, 23.13), 1e-6);
	/* a metre at Guangzhou's latitude: ~9e-6 degrees of latitude */
	assert_near(coord_distance_m(113.26, 23.13, 113.26, 23.13 + 1 / (R * M_PI / 180)), 1.0, 1e-6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wgs_to_gcj_published),
		cmocka_unit_test(test_gcj_to_wgs_published),
		cmocka_unit_test(test_coordtransform_published),
		cmocka_unit_test(test_bd_via_crs),
		cmocka_unit_test(test_inverse_grid_across_china),
		cmocka_unit_test(test_gcj_offset_is_real),
		cmocka_unit_test(test_outside_china_identity),
		cmocka_unit_test(test_wgs84_identity),
		cmocka_unit_test(test_crs_parse),
		cmocka_unit_test(test_crs_name_round_trip),
		cmocka_unit_test(test_distance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
