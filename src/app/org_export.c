/*
 * org_export.c - the database's units as GeoJSON (see org_export.h).
 *
 * Reads the units with their WKB geometry through store_unit_list() and
 * builds the FeatureCollection with jansson; the CLI (`wangge export
 * units`) writes it out. The properties mirror what org_import.c reads.
 */
#include <string.h>
#include "app/org_export.h"
#include "geo/geojson.h"
#include "geo/geos_ctx.h"
#include "lib/jsonx.h"
#include "store/store_unit.h"
#include "lib/banned.h"

struct export_ctx {
	json_t *features;
	enum crs crs;
	struct err *e;
};

static json_t *count_or_null(int64_t v)
{
	return v >= 0 ? json_integer(v) : json_null();
}

/* store callback: one unit -> one Feature. */
static int export_row(void *p, const struct unit_rec *u, const void *wkb, size_t n)
{
	struct export_ctx *c = p;
	GEOSContextHandle_t h = geo_ctx();
	GEOSGeometry *g = NULL;
	json_t *props, *geom = NULL;

	if (json_array_size(c->features) >= ORG_EXPORT_MAX_FEATURES)
		return err_set(c->e, 413, "export.too_many", "单位超过 %d 个，请用 --under 或 --level 缩小范围",
		               "more than %d units: narrow with --under or --level", ORG_EXPORT_MAX_FEATURES), 1;
	if (wkb && n && !(g = geom_from_wkb(h, wkb, n)))
		return err_set(c->e, 500, "export.bad_geometry", "单位 %s 的几何数据已损坏",
		               "the stored geometry of %s is unreadable", u->code), 1;
	if (g) {
		geom = geojson_from_geos(h, g, c->crs, ORG_EXPORT_DECIMALS);
		GEOSGeom_destroy_r(h, g);
		if (!geom)
			return err_set(c->e, 500, "export.bad_geometry", "无法导出单位 %s 的几何",
			               "cannot export the geometry of %s", u->code), 1;
	}
	props = json_pack("{s:s, s:s, s:s, s:s}", "code", u->code, "name", u->name,
	                  "level", unit_level_name(u->level), "kind", u->kind);
	jsonx_set_str_or_null(props, "parent_code", u->parent);
	jsonx_set_str_or_null(props, "grid_type", u->grid_type);
	jsonx_set_str_or_null(props, "grid_subtype", u->grid_subtype);
	json_object_set_new(props, "households", count_or_null(u->households));
	json_object_set_new(props, "population", count_or_null(u->population));
	json_array_append_new(c->features, json_pack("{s:s, s:s, s:o, s:o}", "type", "Feature", "id", u->code,
	                      "properties", props, "geometry", geom ? geom : json_null()));
	return 0;
}

json_t *org_export_units(struct db *db, enum unit_level level, const char *under, enum crs crs,
                         struct err *e)
{
	struct export_ctx c = {json_array(), crs, e};
	struct unit_rec root;
	json_t *fc = NULL;

	if (under && *under && (unit_code_check(under, "under", e) < 0 || store_unit_get(db, under, &root, e) < 0))
		goto out;
	if (store_unit_list(db, level, under, 1, export_row, &c, e) != 0)
		goto out;
	fc = json_pack("{s:s, s:O}", "type", "FeatureCollection", "features", c.features);
out:
	json_decref(c.features);
	return fc;
}
