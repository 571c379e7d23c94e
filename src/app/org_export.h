/*
 * org_export.h - org units as a GeoJSON FeatureCollection (RFC 7946), in the
 * shape `wangge import units` reads back (docs/import.md), so that export →
 * import round-trips.
 *
 * Each Feature has "id" = the unit code and the properties code, name,
 * level, kind, parent_code, grid_type, grid_subtype, households, population
 * (null when empty or unknown). Coordinates are converted to the requested
 * CRS and rounded to ORG_EXPORT_DECIMALS places (~1 mm).
 */
#ifndef WG_ORG_EXPORT_H
#define WG_ORG_EXPORT_H

#include <jansson.h>
#include "domain/unit_code.h"
#include "geo/coord.h"
#include "lib/err.h"
#include "store/db.h"

#define ORG_EXPORT_DECIMALS 8
/* json_dump flags for the result: compact, and reals printed with 11
 * significant digits, enough for 8 decimals of a longitude and without the
 * binary noise (113.24288300000001) a full-precision dump shows. */
#define ORG_EXPORT_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(11))
#define ORG_EXPORT_MAX_FEATURES 200000

/* FeatureCollection of the units at `level` (LEVEL_NONE: every level) in the
 * subtree of `under` (NULL or "": everywhere; the unit itself included when
 * its level matches), ordered by code, so parents come before children.
 * Returns a new reference, or NULL with e set (404 unit.not_found when
 * `under` is unknown, 413 export.too_many, database errors). */
json_t *org_export_units(struct db *db, enum unit_level level, const char *under, enum crs crs,
                         struct err *e);

#endif
