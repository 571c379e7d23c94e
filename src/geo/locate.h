/*
 * locate.h - point -> polygon index for "which grid is this point in".
 *
 * Built once from the grids' polygons (WGS-84 lon/lat) and then read-only,
 * so any number of threads may query it at once without locks.
 * A point on a shared edge belongs to exactly one polygon (deterministic);
 * a point outside every polygon gives -1.
 */
#ifndef WG_LOCATE_H
#define WG_LOCATE_H

#include <geos_c.h>
#include <stddef.h>
#include "lib/err.h"

struct locate_index;

/* Index n polygons (Polygon or MultiPolygon). The geometries are only read
 * during the build; the index keeps its own copy of what it needs.
 * Returns NULL with e set on failure. Free with locate_free(). */
struct locate_index *locate_build(GEOSContextHandle_t h, const GEOSGeometry *const *polys,
                                  size_t n, struct err *e);
void locate_free(struct locate_index *idx);
/* Index (0..n-1) of the polygon containing (lon, lat), or -1. */
long locate_find(const struct locate_index *idx, double lon, double lat);
/* Bytes of memory the index holds. */
size_t locate_memory(const struct locate_index *idx);

#endif
