/*
 * geojson.c - GeoJSON <-> GEOS conversion and WKB I/O (see geojson.h).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "geo/geojson.h"
#include "geo/geos_ctx.h"
#include "lib/str.h"
#include "lib/banned.h"

struct conv {
	GEOSContextHandle_t h;
	enum crs crs;
	size_t vertices;
	struct err *e;
};

/* Ring: array of >= 4 positions, first == last. */
static GEOSGeometry *ring_from_json(struct conv *c, json_t *ring)
{
	size_t n, i;
	GEOSCoordSequence *seq;

	if (!json_is_array(ring))
		return err_set(c->e, 400, "geojson.bad_ring", "多边形的环必须是坐标数组",
		               "polygon ring must be an array of positions"), NULL;
	n = json_array_size(ring);
	if (n < 4)
		return err_set(c->e, 400, "geojson.short_ring", "多边形的环至少需要 4 个坐标（首尾相同）",
		               "polygon ring needs at least 4 positions (closed)"), NULL;
	if ((c->vertices += n) > GEOJSON_MAX_VERTICES)
		return err_set(c->e, 413, "geojson.too_many_vertices", "几何顶点超过 %d 个",
		               "geometry has more than %d vertices", GEOJSON_MAX_VERTICES), NULL;
	if (!(seq = GEOSCoordSeq_create_r(c->h, (unsigned)n, 2)))
		return err_set(c->e, 500, "geojson.oom", "内存不足", "out of memory"), NULL;
	for (i = 0; i < n; i++) {
		json_t *pos = json_array_get(ring, i);
		json_t *jx = json_array_get(pos, 0), *jy = json_array_get(pos, 1);
		double x, y, wx, wy;
		if (!json_is_array(pos) || json_array_size(pos) < 2 || !json_is_number(jx) ||
		    !json_is_number(jy)) {
			GEOSCoordSeq_destroy_r(c->h, seq);
			return err_set(c->e, 400, "geojson.bad_position", "坐标必须是 [经度, 纬度] 数字数组",
			               "position must be an array of numbers [lon, lat]"), NULL;
		}
		x = json_number_value(jx);
		y = json_number_value(jy);
		if (!isfinite(x) || !isfinite(y) || x < -180 || x > 180 || y < -90 || y > 90) {
			GEOSCoordSeq_destroy_r(c->h, seq);
			return err_set(c->e, 400, "geojson.out_of_range",
			               "坐标 [%g, %g] 超出范围（经度 ±180，纬度 ±90）",
			               "position [%g, %g] out of range (lon ±180, lat ±90)", x, y), NULL;
		}
		coord_to_wgs84(c->crs, x, y, &wx, &wy);
		GEOSCoordSeq_setXY_r(c->h, seq, (unsigned)i, wx, wy);
	}
	{
		double x0, y0, x1, y1;
		json_t *f = json_array_get(ring, 0), *l = json_array_get(ring, n - 1);
		x0 = json_number_value(json_array_get(f, 0));
		y0 = json_number_value(json_array_get(f, 1));
		x1 = json_number_value(json_array_get(l, 0));
		y1 = json_number_value(json_array_get(l, 1));
		if (x0 != x1 || y0 != y1) {
			GEOSCoordSeq_destroy_r(c->h, seq);
			return err_set(c->e, 400, "geojson.open_ring", "多边形的环未闭合（首尾坐标不同）",
			               "polygon ring is not closed (first and last positions differ)"), NULL;
		}
	}
	GEOSGeometry *g = GEOSGeom_createLinearRing_r(c->h, seq);
	if (!g)
		err_set(c->e, 400, "geojson.bad_ring", "无效的环：%s", "invalid ring: %s", geo_last_error());
	return g;
}

static GEOSGeometry *polygon_from_json(struct conv *c, json_t *rings)
{
	size_t n, i;
	GEOSGeometry *shell, **holes = NULL, *poly;

	if (!json_is_array(rings) || (n = json_array_size(rings)) == 0)
		return err_set(c->e, 400, "geojson.bad_polygon", "Polygon 的 coordinates 必须是非空的环数组",
		               "Polygon coordinates must be a non-empty array of rings"), NULL;
	if (n > 10000)
		return err_set(c->e, 413, "geojson.too_many_rings", "环太多", "too many rings"), NULL;
	if (!(shell = ring_from_json(c, json_array_get(rings, 0))))
		return NULL;
	if (n > 1 && !(holes = calloc(n - 1, sizeof(*holes)))) {
		GEOSGeom_destroy_r(c->h, shell);
		return err_set(c->e, 500, "geojson.oom", "内存不足", "out of memory"), NULL;
	}
	for (i = 1; i < n; i++) {
		if (!(holes[i - 1] = ring_from_json(c, json_array_get(rings, i)))) {
			while (--i >= 1)
				GEOSGeom_destroy_r(c->h, holes[i - 1]);
			GEOSGeom_destroy_r(c->h, shell);
			free(holes);
			return NULL;
		}
	}
	poly = GEOSGeom_createPolygon_r(c->h, shell, holes, (unsigned)(n - 1));
	free(holes);
	if (!poly)
		err_set(c->e, 400, "geojson.bad_polygon", "无效的多边形：%s", "invalid polygon: %s",
		        geo_last_error());
	return poly;
}

GEOSGeometry *geojson_to_geos(GEOSContextHandle_t h, json_t *geometry, enum crs crs,
                              struct err *e)
{
	struct conv c = {h, crs, 0, e};
	const char *type;
	json_t *coords;

	if (!json_is_object(geometry))
		return err_set(e, 400, "geojson.no_geometry", "缺少 geometry 对象",
		               "geometry object missing"), NULL;
	if (!(type = json_string_value(json_object_get(geometry, "type"))))
		return err_set(e, 400, "geojson.bad_type", "geometry.type 必须是字符串",
		               "geometry.type must be a string"), NULL;
	coords = json_object_get(geometry, "coordinates");
	if (!strcmp(type, "Polygon"))
		return polygon_from_json(&c, coords);
	if (!strcmp(type, "MultiPolygon")) {
		size_t n, i;
		GEOSGeometry **polys, *mp;
		if (!json_is_array(coords) || (n = json_array_size(coords)) == 0)
			return err_set(e, 400, "geojson.bad_multipolygon",
			               "MultiPolygon 的 coordinates 必须是非空的多边形数组",
			               "MultiPolygon coordinates must be a non-empty array of polygons"), NULL;
		if (n > 10000)
			return err_set(e, 413, "geojson.too_many_polygons", "多边形太多", "too many polygons"), NULL;
		if (!(polys = calloc(n, sizeof(*polys))))
			return err_set(e, 500, "geojson.oom", "内存不足", "out of memory"), NULL;
		for (i = 0; i < n; i++) {
			if (!(polys[i] = polygon_from_json(&c, json_array_get(coords, i)))) {
				while (i-- > 0)
					GEOSGeom_destroy_r(h, polys[i]);
				free(polys);
				return NULL;
			}
		}
		mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)n);
		free(polys);
		if (!mp)
			err_set(e, 400, "geojson.bad_multipolygon", "无效的 MultiPolygon：%s",
			        "invalid MultiPolygon: %s", geo_last_error());
		return mp;
	}
	return err_set(e, 400, "geojson.unsupported_type",
	               "不支持的几何类型 '%.32s'：单位边界须为 Polygon 或 MultiPolygon",
	               "unsupported geometry type '%.32s': units need Polygon or MultiPolygon", type), NULL;
}

/* ------------------------------------------------------------- output */

static double round_to(double v, double scale)
{
	return round(v * scale) / scale;
}

/* A ring as an array of positions, wound counter-clockwise when ccw is set
 * and clockwise otherwise (RFC 7946 §3.1.6: exterior rings CCW, holes CW). */
static json_t *ring_to_json(GEOSContextHandle_t h, const GEOSGeometry *ring, enum crs crs, double scale,
                            int ccw)
{
	const GEOSCoordSequence *seq = GEOSGeom_getCoordSeq_r(h, ring);
	unsigned n = 0;
	char is_ccw = 0;
	json_t *arr = json_array();

	if (!seq || !arr || !GEOSCoordSeq_getSize_r(h, seq, &n))
		return json_decref(arr), NULL;
	if (n >= 4 && !GEOSCoordSeq_isCCW_r(h, seq, &is_ccw))
		is_ccw = (char)ccw;                /* cannot tell: keep the stored order */
	for (unsigned k = 0; k < n; k++) {
		unsigned i = (!is_ccw == !ccw) ? k : n - 1 - k;
		double x, y, ox, oy;
		GEOSCoordSeq_getXY_r(h, seq, i, &x, &y);
		coord_from_wgs84(crs, x, y, &ox, &oy);
		json_array_append_new(arr, json_pack("[f,f]", round_to(ox, scale), round_to(oy, scale)));
	}
	return arr;
}

static json_t *polygon_to_json(GEOSContextHandle_t h, const GEOSGeometry *p, enum crs crs, double scale)
{
	json_t *rings = json_array();
	int nh = GEOSGetNumInteriorRings_r(h, p);

	json_array_append_new(rings, ring_to_json(h, GEOSGetExteriorRing_r(h, p), crs, scale, 1));
	for (int i = 0; i < nh; i++)
		json_array_append_new(rings, ring_to_json(h, GEOSGetInteriorRingN_r(h, p, i), crs, scale, 0));
	return rings;
}

json_t *geojson_from_geos(GEOSContextHandle_t h, const GEOSGeometry *g, enum crs crs, int decimals)
{
	double scale = pow(10, decimals);
	int type = GEOSGeomTypeId_r(h, g);

	if (type == GEOS_POLYGON)
		return json_pack("{s:s, s:o}", "type", "Polygon", "coordinates",
		                 polygon_to_json(h, g, crs, scale));
	if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
		json_t *polys = json_array();
		int n = GEOSGetNumGeometries_r(h, g);
		for (int i = 0; i < n; i++) {
			const GEOSGeometry *p = GEOSGetGeometryN_r(h, g, i);
			if (GEOSGeomTypeId_r(h, p) == GEOS_POLYGON)
				json_array_append_new(polys, polygon_to_json(h, p, crs, scale));
		}
		return json_pack("{s:s, s:o}", "type", "MultiPolygon", "coordinates", polys);
	}
	return NULL;
}

/* --------------------------------------------------------------- WKB */

GEOSGeometry *geom_from_wkb(GEOSContextHandle_t h, const void *wkb, size_t n)
{
	GEOSWKBReader *r;
	GEOSGeometry *g;

	if (!wkb || n < 9)
		return NULL;
	r = GEOSWKBReader_create_r(h);
	g = GEOSWKBReader_read_r(h, r, wkb, n);
	GEOSWKBReader_destroy_r(h, r);
	return g;
}

int geom_to_wkb(GEOSContextHandle_t h, const GEOSGeometry *g, struct buf *b)
{
	GEOSWKBWriter *w = GEOSWKBWriter_create_r(h);
	unsigned char *p;
	size_t n;
	int ret;

	if (!w)
		return -1;
	GEOSWKBWriter_setOutputDimension_r(h, w, 2);
	p = GEOSWKBWriter_write_r(h, w, g, &n);
	GEOSWKBWriter_destroy_r(h, w);
	if (!p)
		return -1;
	ret = buf_add(b, p, n);
	GEOSFree_r(h, p);
	return ret;
}

int geom_bbox(GEOSContextHandle_t h, const GEOSGeometry *g, double bbox[4])
{
	if (!GEOSGeom_getXMin_r(h, g, &bbox[0]) || !GEOSGeom_getYMin_r(h, g, &bbox[1]) ||
	    !GEOSGeom_getXMax_r(h, g, &bbox[2]) || !GEOSGeom_getYMax_r(h, g, &bbox[3]))
		return -1;
	return 0;
}

int geom_inside_point(GEOSContextHandle_t h, const GEOSGeometry *g, double pt[2])
{
	GEOSGeometry *p = GEOSPointOnSurface_r(h, g);
	int ok;

	if (!p)
		return -1;
	ok = GEOSGeomGetX_r(h, p, &pt[0]) && GEOSGeomGetY_r(h, p, &pt[1]);
	GEOSGeom_destroy_r(h, p);
	return ok ? 0 : -1;
}

/* On the WGS-84 ellipsoid a degree of latitude is M·π/180 and a degree of
 * longitude N·cos φ·π/180 (M, N: meridional and prime-vertical radii of
 * curvature). A sphere of the equatorial radius is up to 0.7% off (0.5% at
 * Guangzhou's latitude). */
double geom_deg2_to_m2(double deg2, double lat)
{
	const double a = 6378137.0, e2 = 0.00669437999014; /* WGS-84 */
	double phi = lat * M_PI / 180.0, s = sin(phi), w = 1.0 - e2 * s * s;
	double m = a * (1.0 - e2) / (w * sqrt(w)), n = a / sqrt(w);
	double k = M_PI / 180.0;

	return deg2 * (m * k) * (n * k * cos(phi));
}

double geom_area_m2(GEOSContextHandle_t h, const GEOSGeometry *g)
{
	double a = 0, bbox[4];
	if (!GEOSArea_r(h, g, &a) || geom_bbox(h, g, bbox) < 0)
		return 0;
	return geom_deg2_to_m2(a, (bbox[1] + bbox[3]) / 2);
}

int geom_is_valid(GEOSContextHandle_t h, const GEOSGeometry *g, char *reason, size_t n)
{
	char *r;
	if (GEOSisValid_r(h, g) == 1)
		return 1;
	r = GEOSisValidReason_r(h, g);
	str_copy(reason, n, r ? r : "invalid geometry");
	if (r)
		GEOSFree_r(h, r);
	return 0;
}
