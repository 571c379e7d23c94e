/*
 * geojson.h - GeoJSON geometry (RFC 7946) <-> GEOS geometry, and WKB, the
 * form geometry is stored in.
 *
 * Input is untrusted: types, nesting, ring closure, coordinate ranges,
 * finiteness and vertex counts are checked and reported with a clear error
 * (400 geojson.*). Only Polygon and MultiPolygon are accepted for units.
 * Coordinates are [lon, lat] and converted from `crs` to WGS-84 on the way in;
 * on the way out they can be converted to another CRS and rounded.
 */
#ifndef WG_GEOJSON_H
#define WG_GEOJSON_H

#include <geos_c.h>
#include <jansson.h>
#include <stddef.h>
#include "geo/coord.h"
#include "lib/buf.h"
#include "lib/err.h"

#define GEOJSON_MAX_VERTICES 200000   /* per geometry */

/* Polygon or MultiPolygon object -> new GEOS geometry (GEOSGeom_destroy_r),
 * in WGS-84. NULL with e set on any problem. Validity (self-intersection)
 * is NOT checked here: see geom_check_valid(). */
GEOSGeometry *geojson_to_geos(GEOSContextHandle_t h, json_t *geometry, enum crs crs,
                              struct err *e);
/* GEOS (Multi)Polygon in WGS-84 -> new GeoJSON geometry object in `crs`
 * with coordinates rounded to `decimals` places. NULL on failure. */
json_t *geojson_from_geos(GEOSContextHandle_t h, const GEOSGeometry *g, enum crs crs,
                          int decimals);

/* WKB bytes -> new GEOS geometry, NULL when malformed. */
GEOSGeometry *geom_from_wkb(GEOSContextHandle_t h, const void *wkb, size_t n);
/* GEOS geometry -> WKB appended to b. */
int geom_to_wkb(GEOSContextHandle_t h, const GEOSGeometry *g, struct buf *b);

/* Bounding box [minx, miny, maxx, maxy]. */
int geom_bbox(GEOSContextHandle_t h, const GEOSGeometry *g, double bbox[4]);
/* A point guaranteed inside g (GEOSPointOnSurface), as lon/lat. */
int geom_inside_point(GEOSContextHandle_t h, const GEOSGeometry *g, double pt[2]);
/* Area in square metres of a lon/lat geometry (local scaling by the WGS-84
 * radii of curvature at its centre latitude; < 0.1% error at district scale). */
double geom_area_m2(GEOSContextHandle_t h, const GEOSGeometry *g);
/* Square degrees -> square metres at latitude lat (WGS-84 ellipsoid). */
double geom_deg2_to_m2(double deg2, double lat);

/* Is g a valid (Multi)Polygon? On invalid, fills reason (GEOSisValidReason). */
int geom_is_valid(GEOSContextHandle_t h, const GEOSGeometry *g, char *reason, size_t n);

#endif
