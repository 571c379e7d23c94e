/*
 * locate.c - point -> polygon index (see locate.h).
 *
 * PROVISIONAL implementation: GEOS STRtree + prepared geometries. To be
 * replaced by the faster raster-cell index (bench/locate compares both).
 */
#include <stdlib.h>
#include "geo/locate.h"
#include "geo/geos_ctx.h"
#include "lib/banned.h"

struct locate_index {
	size_t n;
	GEOSGeometry **geoms;
	const GEOSPreparedGeometry **prep;
	GEOSSTRtree *tree;
	long *ids;
};

struct locate_index *locate_build(GEOSContextHandle_t h, const GEOSGeometry *const *polys,
                                  size_t n, struct err *e)
{
	struct locate_index *idx = calloc(1, sizeof(*idx));
	GEOSContextHandle_t c = geo_ctx();

	(void)h;
	if (!idx || !(idx->geoms = calloc(n ? n : 1, sizeof(*idx->geoms))) ||
	    !(idx->prep = calloc(n ? n : 1, sizeof(*idx->prep))) ||
	    !(idx->ids = calloc(n ? n : 1, sizeof(*idx->ids)))) {
		locate_free(idx);
		err_set(e, 500, "locate.oom", "内存不足", "out of memory");
		return NULL;
	}
	idx->tree = GEOSSTRtree_create_r(c, 10);
	for (size_t i = 0; i < n; i++) {
		idx->geoms[i] = GEOSGeom_clone_r(c, polys[i]);
		idx->prep[i] = GEOSPrepare_r(c, idx->geoms[i]);
		idx->ids[i] = (long)i;
		GEOSSTRtree_insert_r(c, idx->tree, idx->geoms[i], &idx->ids[i]);
	}
	idx->n = n;
	return idx;
}

void locate_free(struct locate_index *idx)
{
	GEOSContextHandle_t c = geo_ctx();
	if (!idx)
		return;
	if (idx->tree)
		GEOSSTRtree_destroy_r(c, idx->tree);
	for (size_t i = 0; i < idx->n; i++) {
		GEOSPreparedGeom_destroy_r(c, idx->prep[i]);
		GEOSGeom_destroy_r(c, idx->geoms[i]);
	}
	free(idx->geoms);
	free(idx->prep);
	free(idx->ids);
	free(idx);
}

struct q { const struct locate_index *idx; GEOSContextHandle_t c; const GEOSGeometry *pt; long hit; };

static void visit(void *item, void *ud)
{
	struct q *q = ud;
	long i = *(long *)item;
	if ((q->hit < 0 || i < q->hit) && GEOSPreparedContains_r(q->c, q->idx->prep[i], q->pt) == 1)
		q->hit = i;
}

long locate_find(const struct locate_index *idx, double lon, double lat)
{
	GEOSContextHandle_t c = geo_ctx();
	struct q q = {idx, c, NULL, -1};
	GEOSGeometry *pt;

	if (!idx->n)
		return -1;
	pt = GEOSGeom_createPointFromXY_r(c, lon, lat);
	q.pt = pt;
	GEOSSTRtree_query_r(c, idx->tree, pt, visit, &q);
	GEOSGeom_destroy_r(c, pt);
	return q.hit;
}

size_t locate_memory(const struct locate_index *idx)
{
	return idx ? idx->n * 256 : 0;
}
