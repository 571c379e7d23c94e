/*
 * test_geojson.c - unit tests of src/geo/geojson.c: GeoJSON (Multi)Polygon
 * in and out of GEOS, every malformed shape refused with its error code,
 * CRS conversion, WKB round trip, area in square metres and validity.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "geo/geojson.h"
#include "geo/geos_ctx.h"
#include "lib/str.h"
#include "lib/banned.h"

static json_t *J(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY, &je);

	if (!j)
		fail_msg("bad test JSON: %s", je.text);
	return j;
}

/* Parse GeoJSON text; NULL and e set on failure. */
static GEOSGeometry *parse(const char *text, enum crs crs, struct err *e)
{
	json_t *j = J(text);
	GEOSGeometry *g = geojson_to_geos(geo_ctx(), j, crs, e);

	json_decref(j);
	return g;
}

static void expect_error(const char *text, int status, const char *code)
{
	struct err e = ERR_INIT;
	GEOSGeometry *g = parse(text, CRS_WGS84, &e);

	if (g) {
		GEOSGeom_destroy_r(geo_ctx(), g);
		fail_msg("accepted %s", text);
	}
	if (e.status != status || strcmp(e.code, code))
		fail_msg("%s: got %d %s, expected %d %s", text, e.status, e.code, status, code);
	assert_true(str_valid_utf8(e.msg, strlen(e.msg)));
	assert_true(e.msg_en[0] != '\0');
}

#define SQUARE "[[113,23],[114,23],[114,24],[113,24],[113,23]]"
#define HOLE   "[[113.25,23.25],[113.25,23.75],[113.75,23.75],[113.75,23.25],[113.25,23.25]]"

/* ---------------------------------------------------------------- parse */

static void test_polygon_with_hole(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	struct err e = ERR_INIT;
	GEOSGeometry *g = parse("{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "," HOLE "]}",
	                        CRS_WGS84, &e);
	double area = 0, bbox[4], pt[2];

	assert_non_null(g);
	assert_false(err_isset(&e));
	assert_int_equal(GEOSGeomTypeId_r(h, g), GEOS_POLYGON);
	assert_int_equal(GEOSGetNumInteriorRings_r(h, g), 1);
	assert_int_equal(GEOSArea_r(h, g, &area), 1);
	assert_true(fabs(area - 0.75) < 1e-12);
	assert_int_equal(geom_bbox(h, g, bbox), 0);
	assert_true(bbox[0] == 113 && bbox[1] == 23 && bbox[2] == 114 && bbox[3] == 24);
	assert_int_equal(geom_inside_point(h, g, pt), 0);
	assert_true(pt[0] > 113 && pt[0] < 114 && pt[1] > 23 && pt[1] < 24);
	assert_false(pt[0] > 113.25 && pt[0] < 113.75 && pt[1] > 23.25 && pt[1] < 23.75); /* not in the hole */
	assert_int_equal(geom_is_valid(h, g, NULL, 0), 1);
	GEOSGeom_destroy_r(h, g);
}

static void test_multipolygon(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	struct err e = ERR_INIT;
	GEOSGeometry *g = parse("{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQUARE "," HOLE "],"
	                        "[[[115,23],[116,23],[116,24],[115,23]]]]}", CRS_WGS84, &e);
	double area;

	assert_non_null(g);
	assert_int_equal(GEOSGeomTypeId_r(h, g), GEOS_MULTIPOLYGON);
	assert_int_equal(GEOSGetNumGeometries_r(h, g), 2);
	assert_int_equal(GEOSGetNumInteriorRings_r(h, GEOSGetGeometryN_r(h, g, 0)), 1);
	GEOSArea_r(h, g, &area);
	assert_true(fabs(area - 1.25) < 1e-12);
	GEOSGeom_destroy_r(h, g);
}

static void test_extra_members_and_altitude(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	struct err e = ERR_INIT;
	/* RFC 7946 allows a third number (altitude) and foreign members */
	GEOSGeometry *g = parse("{\"type\":\"Polygon\",\"bbox\":[0,0,1,1],\"coordinates\":"
	                        "[[[113,23,5],[114,23,5],[114,24,5],[113,23,5]]]}", CRS_WGS84, &e);

	assert_non_null(g);
	GEOSGeom_destroy_r(h, g);
}

/* ------------------------------------------------------------ malformed */

static void test_not_an_object(void **state)
{
	struct err e = ERR_INIT;

	expect_error("[1,2]", 400, "geojson.no_geometry");
	expect_error("\"Polygon\"", 400, "geojson.no_geometry");
	expect_error("null", 400, "geojson.no_geometry");
	expect_error("42", 400, "geojson.no_geometry");
	assert_null(geojson_to_geos(geo_ctx(), NULL, CRS_WGS84, &e));
	assert_string_equal(e.code, "geojson.no_geometry");
}

static void test_bad_type(void **state)
{
	expect_error("{}", 400, "geojson.bad_type");
	expect_error("{\"coordinates\":[]}", 400, "geojson.bad_type");
	expect_error("{\"type\":7,\"coordinates\":[]}", 400, "geojson.bad_type");
	expect_error("{\"type\":null}", 400, "geojson.bad_type");
	expect_error("{\"type\":[\"Polygon\"]}", 400, "geojson.bad_type");
}

static void test_unsupported_types(void **state)
{
	expect_error("{\"type\":\"Point\",\"coordinates\":[113,23]}", 400, "geojson.unsupported_type");
	expect_error("{\"type\":\"LineString\",\"coordinates\":[[113,23],[114,24]]}", 400,
	             "geojson.unsupported_type");
	expect_error("{\"type\":\"MultiPoint\",\"coordinates\":[[113,23]]}", 400, "geojson.unsupported_type");
	expect_error("{\"type\":\"GeometryCollection\",\"geometries\":[]}", 400, "geojson.unsupported_type");
	expect_error("{\"type\":\"Feature\",\"geometry\":null}", 400, "geojson.unsupported_type");
	expect_error("{\"type\":\"polygon\",\"coordinates\":[" SQUARE "]}", 400, "geojson.unsupported_type");
	expect_error("{\"type\":\"Polygon \",\"coordinates\":[" SQUARE "]}", 400, "geojson.unsupported_type");
	expect_error("{\"type\":\"\",\"coordinates\":[" SQUARE "]}", 400, "geojson.unsupported_type");
	/* a long hostile type name is quoted cut short, still valid UTF-8 */
	expect_error("{\"type\":\"多边形多边形多边形多边形多边形多边形多边形多边形\"}", 400,
	             "geojson.unsupported_type");
}

static void test_bad_polygon_coordinates(void **state)
{
	expect_error("{\"type\":\"Polygon\"}", 400, "geojson.bad_polygon");
	expect_error("{\"type\":\"Polygon\",\"coordinates\":null}", 400, "geojson.bad_polygon");
	expect_error("{\"type\":\"Polygon\",\"coordinates\":[]}", 400, "geojson.bad_polygon");
	expect_error("{\"type\":\"Polygon\",\"coordinates\":{}}", 400, "geojson.bad_polygon");
	expect_error("{\"type\":\"Polygon\",\"coordinates\":\"" SQUARE "\"}", 400, "geojson.bad_polygon");
	expect_error("{\"type\":\"Polygon\",\"coordinates\":[7]}", 400, "geojson.bad_ring");
	expect_error("{\"type\":\"Polygon\",\"coordinates\":[" SQUARE ",{}]}", 400, "geojson.bad_ring");
}

static void test_short_and_open_rings(void **state)
{
	expect_error("{\"type\":\"Polygon\",\"coordinates\":[[[113,23],[114,23],[113,23]]]}", 400,
	             "geojson.short_ring");
	expect_error("{\"type\":\"Polygon\",\"coordinates\":[[]]}", 400, "geojson.short_ring");
	expect_error("{\"type\":\"Polygon\",\"coordinates\":[[[113,23],[114,23],[114,24],[113,24]]]}",
	             400, "geojson.open_ring");
	expect_error("{\"type\":\"Polygon\",\"coordinates\":[" SQUARE ","
	             "[[113.2,23.2],[113.3,23.2],[113.3,23.3],[113.2,23.3]]]}", 400,
	             "geojson.open_ring");                        /* an open hole */
	expect_error("{\"type\":\"Polygon\",\"coordinates\":[[[113,23],[114,23],[114,24],[113,23.0000001]]]}",
	             400, "geojson.open_ring");
}

static void test_bad_positions(void **state)
{
	static const char *const bad[] = {
		"[[\"113\",23],[114,23],[114,24],[113,23]]",
		"[[113,null],[114,23],[114,24],[113,23]]",
		"[[113],[114,23],[114,24],[113,23]]",
		"[[],[114,23],[114,24],[113,23]]",
		"[113,23,114,24]",
		"[[113,23],[114,23],7,[113,23]]",
		"[[113,23],[114,23],{\"x\":1},[113,23]]",
		"[[[113,23]],[114,23],[114,24],[113,23]]",        /* nested one level too deep */
		"[[113,23],[114,23],[114,[24]],[113,23]]",
		"[[true,false],[114,23],[114,24],[true,false]]",
	};
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "{\"type\":\"Polygon\",\"coordinates\":[%s]}", bad[i]);
		expect_error(text, 400, "geojson.bad_position");
	}
	/* deeper garbage: a MultiPolygon's polygon given as a Polygon's rings */
	expect_error("{\"type\":\"Polygon\",\"coordinates\":[[" SQUARE "]]}", 400, "geojson.short_ring");
	expect_error("{\"type\":\"MultiPolygon\",\"coordinates\":[" SQUARE "]}", 400, "geojson.short_ring");
	expect_error("{\"type\":\"MultiPolygon\",\"coordinates\":[[[[[[113,23]]]]]]}", 400,
	             "geojson.short_ring");
}

static void test_out_of_range(void **state)
{
	static const char *const bad[] = {
		"[[181,23],[114,23],[114,24],[181,23]]",
		"[[-180.000001,23],[114,23],[114,24],[-180.000001,23]]",
		"[[113,90.5],[114,23],[114,24],[113,90.5]]",
		"[[113,-91],[114,23],[114,24],[113,-91]]",
		"[[113,23],[1e300,23],[114,24],[113,23]]",
	};
	char text[512];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "{\"type\":\"Polygon\",\"coordinates\":[%s]}", bad[i]);
		expect_error(text, 400, "geojson.out_of_range");
	}
	/* the limits themselves are fine */
	struct err e = ERR_INIT;
	GEOSGeometry *g = parse("{\"type\":\"Polygon\",\"coordinates\":[[[-180,-90],[180,-90],[180,90],"
	                        "[-180,-90]]]}", CRS_WGS84, &e);
	assert_non_null(g);
	GEOSGeom_destroy_r(geo_ctx(), g);
}

static void test_bad_multipolygon(void **state)
{
	expect_error("{\"type\":\"MultiPolygon\",\"coordinates\":[]}", 400, "geojson.bad_multipolygon");
	expect_error("{\"type\":\"MultiPolygon\"}", 400, "geojson.bad_multipolygon");
	expect_error("{\"type\":\"MultiPolygon\",\"coordinates\":{}}", 400, "geojson.bad_multipolygon");
	/* the first bad polygon decides, the good ones before it are freed (ASan) */
	expect_error("{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQUARE "],[" SQUARE "],[]]}", 400,
	             "geojson.bad_polygon");
	expect_error("{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQUARE "," HOLE "],"
	             "[" SQUARE ",[[1,2],[3,4],[5,6],[7,8]]]]}", 400, "geojson.open_ring");
}

static void test_too_many_vertices(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	json_t *pos = json_pack("[f,f]", 113.0, 23.0);
	json_t *ring = json_array(), *polys = json_array(), *geom;
	struct err e = ERR_INIT;
	size_t per_ring = GEOJSON_MAX_VERTICES / 3 + 1;

	/* three rings that together pass the limit by a little; the count is
	 * checked before any coordinate is read, so one shared position will do */
	for (size_t i = 0; i < per_ring; i++)
		json_array_append(ring, pos);
	for (int k = 0; k < 3; k++)
		json_array_append_new(polys, json_pack("[O]", ring));
	geom = json_pack("{s:s, s:o}", "type", "MultiPolygon", "coordinates", polys);
	assert_null(geojson_to_geos(h, geom, CRS_WGS84, &e));
	assert_int_equal(e.status, 413);
	assert_string_equal(e.code, "geojson.too_many_vertices");
	json_decref(geom);
	json_decref(ring);
	json_decref(pos);
}

static void test_invalid_geometry_is_parsed_but_not_valid(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	struct err e = ERR_INIT;
	char reason[128] = "";
	/* bow-tie: the ring crosses itself at (113.5, 23.5) */
	GEOSGeometry *g = parse("{\"type\":\"Polygon\",\"coordinates\":"
	                        "[[[113,23],[114,24],[114,23],[113,24],[113,23]]]}", CRS_WGS84, &e);

	assert_non_null(g);                                   /* not checked here */
	assert_int_equal(geom_is_valid(h, g, reason, sizeof(reason)), 0);
	assert_non_null(strstr(reason, "Self-intersection"));
	GEOSGeom_destroy_r(h, g);

	/* a hole outside its shell */
	g = parse("{\"type\":\"Polygon\",\"coordinates\":[" SQUARE ","
	          "[[115,23],[115.5,23],[115.5,23.5],[115,23]]]}", CRS_WGS84, &e);
	assert_non_null(g);
	reason[0] = '\0';
	assert_int_equal(geom_is_valid(h, g, reason, 8), 0);
	assert_true(strlen(reason) <= 7);                      /* reason is bounded */
	GEOSGeom_destroy_r(h, g);
}

/* ------------------------------------------------------------------ CRS */

static void test_crs_applied_on_input(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	struct err e = ERR_INIT;
	static const double in[4][2] = {{113.26, 23.12}, {113.28, 23.12}, {113.28, 23.14}, {113.26, 23.12}};
	GEOSGeometry *g = parse("{\"type\":\"Polygon\",\"coordinates\":[[[113.26,23.12],[113.28,23.12],"
	                        "[113.28,23.14],[113.26,23.12]]]}", CRS_GCJ02, &e);
	const GEOSCoordSequence *seq;

	assert_non_null(g);
	seq = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, g));
	for (unsigned i = 0; i < 4; i++) {
		double x, y, wx, wy;
		GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
		coord_gcj02_to_wgs84(in[i][0], in[i][1], &wx, &wy);
		assert_true(x == wx && y == wy);
		assert_true(fabs(x - in[i][0]) > 1e-4);            /* really moved (~500 m) */
	}
	GEOSGeom_destroy_r(h, g);

	/* BD-09 too */
	g = parse("{\"type\":\"Polygon\",\"coordinates\":[[[113.26,23.12],[113.28,23.12],"
	          "[113.28,23.14],[113.26,23.12]]]}", CRS_BD09, &e);
	assert_non_null(g);
	seq = GEOSGeom_getCoordSeq_r(h, GEOSGetExteriorRing_r(h, g));
	double x, y, wx, wy;
	GEOSCoordSeq_getXY_r(h, seq, 0, &x, &y);
	coord_to_wgs84(CRS_BD09, 113.26, 23.12, &wx, &wy);
	assert_true(x == wx && y == wy);
	GEOSGeom_destroy_r(h, g);
}

/* ------------------------------------------------------------- output */

static void test_from_geos_rounding_and_crs(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	struct err e = ERR_INIT;
	GEOSGeometry *g = parse("{\"type\":\"Polygon\",\"coordinates\":[[[113.12345678,23.98765432],"
	                        "[113.5,23.98765432],[113.5,24.4],[113.12345678,23.98765432]],"
	                        "[[113.3,24.1],[113.4,24.1],[113.4,24.2],[113.3,24.1]]]}", CRS_WGS84, &e);
	json_t *out, *ring, *p0;

	assert_non_null(g);
	out = geojson_from_geos(h, g, CRS_WGS84, 6);
	assert_non_null(out);
	assert_string_equal(json_string_value(json_object_get(out, "type")), "Polygon");
	assert_int_equal(json_array_size(json_object_get(out, "coordinates")), 2);   /* hole kept */
	ring = json_array_get(json_object_get(out, "coordinates"), 0);
	assert_int_equal(json_array_size(ring), 4);
	p0 = json_array_get(ring, 0);
	assert_true(json_real_value(json_array_get(p0, 0)) == 113.123457);
	assert_true(json_real_value(json_array_get(p0, 1)) == 23.987654);
	json_decref(out);

	out = geojson_from_geos(h, g, CRS_WGS84, 2);
	p0 = json_array_get(json_array_get(json_object_get(out, "coordinates"), 0), 0);
	assert_true(json_real_value(json_array_get(p0, 0)) == 113.12);
	assert_true(json_real_value(json_array_get(p0, 1)) == 23.99);
	json_decref(out);

	/* out in GCJ-02: the forward transform of each vertex, then rounded */
	out = geojson_from_geos(h, g, CRS_GCJ02, 7);
	p0 = json_array_get(json_array_get(json_object_get(out, "coordinates"), 0), 0);
	{
		double gx, gy;
		coord_wgs84_to_gcj02(113.12345678, 23.98765432, &gx, &gy);
		assert_true(fabs(json_real_value(json_array_get(p0, 0)) - gx) <= 0.5e-7 + 1e-12);
		assert_true(fabs(json_real_value(json_array_get(p0, 1)) - gy) <= 0.5e-7 + 1e-12);
	}
	json_decref(out);
	GEOSGeom_destroy_r(h, g);
}

/* Twice the signed area of a JSON ring (> 0: counter-clockwise). */
static double ring_area2(json_t *ring)
{
	double a = 0;
	for (size_t i = 0; i + 1 < json_array_size(ring); i++) {
		json_t *p = json_array_get(ring, i), *q = json_array_get(ring, i + 1);
		a += json_real_value(json_array_get(p, 0)) * json_real_value(json_array_get(q, 1)) -
		     json_real_value(json_array_get(q, 0)) * json_real_value(json_array_get(p, 1));
	}
	return a;
}

/* RFC 7946 §3.1.6: exterior rings counter-clockwise, holes clockwise,
 * whatever the winding of the input. */
static void test_from_geos_ring_orientation(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	struct err e = ERR_INIT;
	/* exterior clockwise, hole counter-clockwise: both the wrong way round */
	GEOSGeometry *g = parse("{\"type\":\"Polygon\",\"coordinates\":[[[113,23],[113,24],[114,24],[114,23],[113,23]],"
	                        "[[113.2,23.2],[113.8,23.2],[113.8,23.8],[113.2,23.8],[113.2,23.2]]]}",
	                        CRS_WGS84, &e);
	json_t *out, *coords;

	assert_non_null(g);
	out = geojson_from_geos(h, g, CRS_WGS84, 6);
	coords = json_object_get(out, "coordinates");
	assert_true(ring_area2(json_array_get(coords, 0)) > 0);
	assert_true(ring_area2(json_array_get(coords, 1)) < 0);
	json_decref(out);
	GEOSGeom_destroy_r(h, g);
}

static void test_from_geos_multipolygon_and_round_trip(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	struct err e = ERR_INIT;
	const char *text = "{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQUARE "," HOLE "],"
	                   "[[[115,23],[116,23],[116,24],[115,23]]]]}";
	GEOSGeometry *g = parse(text, CRS_WGS84, &e), *g2;
	json_t *out;

	assert_non_null(g);
	out = geojson_from_geos(h, g, CRS_WGS84, 7);
	assert_string_equal(json_string_value(json_object_get(out, "type")), "MultiPolygon");
	assert_int_equal(json_array_size(json_object_get(out, "coordinates")), 2);
	g2 = geojson_to_geos(h, out, CRS_WGS84, &e);       /* our output is valid input */
	assert_non_null(g2);
	assert_int_equal(GEOSEqualsExact_r(h, g, g2, 1e-9), 1);
	GEOSGeom_destroy_r(h, g2);
	json_decref(out);
	GEOSGeom_destroy_r(h, g);

	/* not a polygon: NULL */
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, 113, 23);
	assert_null(geojson_from_geos(h, pt, CRS_WGS84, 6));
	GEOSGeom_destroy_r(h, pt);
}

/* ---------------------------------------------------------------- WKB */

static void test_wkb_round_trip(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	struct err e = ERR_INIT;
	GEOSGeometry *g = parse("{\"type\":\"MultiPolygon\",\"coordinates\":[[" SQUARE "," HOLE "],"
	                        "[[[115.123456789,23],[116,23],[116,24],[115.123456789,23]]]]}",
	                        CRS_WGS84, &e), *back;
	struct buf b;

	assert_non_null(g);
	buf_init(&b, 1 << 20);
	assert_int_equal(geom_to_wkb(h, g, &b), 0);
	assert_true(b.len > 9);
	back = geom_from_wkb(h, b.data, b.len);
	assert_non_null(back);
	assert_int_equal(GEOSEqualsExact_r(h, g, back, 0), 1);   /* bit-exact doubles */
	assert_int_equal(GEOSGeomTypeId_r(h, back), GEOS_MULTIPOLYGON);
	GEOSGeom_destroy_r(h, back);

	/* truncated or garbage WKB is refused, not read past its end */
	assert_null(geom_from_wkb(h, b.data, b.len - 1));
	assert_null(geom_from_wkb(h, b.data, 8));
	assert_null(geom_from_wkb(h, NULL, 100));
	assert_null(geom_from_wkb(h, "\x01\x03\x00\x00\x00\xff\xff\xff\x7f", 9));
	assert_null(geom_from_wkb(h, "garbage-garbage", 15));
	buf_release(&b);

	/* a buffer too small for the WKB: -1 */
	buf_init(&b, 16);
	assert_int_equal(geom_to_wkb(h, g, &b), -1);
	buf_release(&b);
	GEOSGeom_destroy_r(h, g);
}

/* ---------------------------------------------------------------- area */

/* Exact area of the lon/lat box [lon0,lon1]x[lat0,lat1] on the WGS-84
 * ellipsoid: A = a²(1-e²)Δλ/2 · [f(φ)] with
 * f(φ) = sinφ/(1-e²sin²φ) + ln((1+e sinφ)/(1-e sinφ))/(2e). */
static double box_area_exact(double lon0, double lat0, double lon1, double lat1)
{
	const double a = 6378137.0, e2 = 0.00669437999014, e = sqrt(e2);
	double f[2], lat[2] = {lat0, lat1};

	for (int i = 0; i < 2; i++) {
		double s = sin(lat[i] * M_PI / 180);
		f[i] = s / (1 - e2 * s * s) + log((1 + e * s) / (1 - e * s)) / (2 * e);
	}
	return a * a * (1 - e2) * ((lon1 - lon0) * M_PI / 180) / 2 * (f[1] - f[0]);
}

static void test_area_exact_formula_sane(void **state)
{
	/* the formula itself: the whole ellipsoid is 510,065,621.7 km² */
	double whole = box_area_exact(-180, -90, 180, 90);
	assert_true(fabs(whole / 1e6 - 510065621.7) < 1.0);
}

static void check_box_area(double lon0, double lat0, double d, double tol)
{
	GEOSContextHandle_t h = geo_ctx();
	char text[512];
	struct err e = ERR_INIT;
	GEOSGeometry *g;
	double got, want;

	snprintf(text, sizeof(text), "{\"type\":\"Polygon\",\"coordinates\":[[[%.10f,%.10f],[%.10f,%.10f],"
	         "[%.10f,%.10f],[%.10f,%.10f],[%.10f,%.10f]]]}", lon0, lat0, lon0 + d, lat0,
	         lon0 + d, lat0 + d, lon0, lat0 + d, lon0, lat0);
	g = parse(text, CRS_WGS84, &e);
	assert_non_null(g);
	got = geom_area_m2(h, g);
	want = box_area_exact(lon0, lat0, lon0 + d, lat0 + d);
	if (fabs(got / want - 1) > tol)
		fail_msg("box %g° at (%g, %g): %.1f m², exact %.1f m² (%.3f%% off)",
		         d, lon0, lat0, got, want, 100 * (got / want - 1));
	GEOSGeom_destroy_r(h, g);
}

static void test_area_known_boxes(void **state)
{
	/* a 0.01° box in Baiyun (about 1.02 km x 1.11 km): within 0.5% ... */
	check_box_area(113.27, 23.16, 0.01, 0.005);
	/* ... and within the 0.1% geojson.h promises at district scale, at any
	 * latitude China spans and at the equator (where a sphere of the
	 * equatorial radius is 0.67% off) */
	check_box_area(113.27, 23.16, 0.01, 0.001);
	check_box_area(113.0, 23.0, 0.3, 0.001);               /* a district */
	check_box_area(109.5, 18.2, 0.1, 0.001);               /* Sanya */
	check_box_area(116.3, 39.9, 0.1, 0.001);               /* Beijing */
	check_box_area(126.6, 45.7, 0.1, 0.001);               /* Harbin */
	check_box_area(122.5, 53.0, 0.1, 0.001);               /* Mohe */
	check_box_area(10.0, 0.0, 0.1, 0.001);                 /* equator */
}

static void test_area_hole_and_multi(void **state)
{
	GEOSContextHandle_t h = geo_ctx();
	struct err e = ERR_INIT;
	GEOSGeometry *whole = parse("{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "]}", CRS_WGS84, &e);
	GEOSGeometry *holed = parse("{\"type\":\"Polygon\",\"coordinates\":[" SQUARE "," HOLE "]}",
	                            CRS_WGS84, &e);

	assert_true(fabs(geom_area_m2(h, holed) / geom_area_m2(h, whole) - 0.75) < 1e-9);
	GEOSGeom_destroy_r(h, whole);
	GEOSGeom_destroy_r(h, holed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_polygon_with_hole),
		cmocka_unit_test(test_multipolygon),
		cmocka_unit_test(test_extra_members_and_altitude),
		cmocka_unit_test(test_not_an_object),
		cmocka_unit_test(test_bad_type),
		cmocka_unit_test(test_unsupported_types),
		cmocka_unit_test(test_bad_polygon_coordinates),
		cmocka_unit_test(test_short_and_open_rings),
		cmocka_unit_test(test_bad_positions),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_bad_multipolygon),
		cmocka_unit_test(test_too_many_vertices),
		cmocka_unit_test(test_invalid_geometry_is_parsed_but_not_valid),
		cmocka_unit_test(test_crs_applied_on_input),
		cmocka_unit_test(test_from_geos_ring_orientation),
		cmocka_unit_test(test_from_geos_rounding_and_crs),
		cmocka_unit_test(test_from_geos_multipolygon_and_round_trip),
		cmocka_unit_test(test_wkb_round_trip),
		cmocka_unit_test(test_area_exact_formula_sane),
		cmocka_unit_test(test_area_known_boxes),
		cmocka_unit_test(test_area_hole_and_multi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
