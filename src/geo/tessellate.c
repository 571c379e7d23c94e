/*
 * tessellate.c - Voronoi tessellation of regions into exactly tiling cells
 * (see tessellate.h for the method). Used by the demo generator to cut the
 * district into towns, communities, areas and grids; pure geometry, no I/O.
 *
 * GEOS 3.11 does not keep the input order of Voronoi sites, so cells are
 * matched to seeds by nearest seed, which is exact for Voronoi cells: every
 * point of a cell is nearest to that cell's seed.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "geo/tessellate.h"
#include "geo/geos_ctx.h"
#include "lib/banned.h"

#define SAMPLE_CANDIDATES 8          /* best-candidate sampling: draws per point */
#define SAMPLE_MAX_TRIES 200000      /* draws to find one point inside the region */
#define ORPHAN_PASSES 4              /* rounds of moving cut-off pieces */

static int geos_fail(struct err *e, const char *what)
{
	return err_set(e, 500, "tessellate.geos", "剖分失败（%s）：%s", "tessellation failed (%s): %s",
	               what, geo_last_error());
}

static int oom(struct err *e)
{
	return err_set(e, 500, "tessellate.oom", "内存不足", "out of memory");
}

/* Index of the point of xy[2n] nearest to (x, y). */
static size_t nearest_seed(const double *xy, size_t n, double x, double y)
{
	size_t best = 0;
	double bd = INFINITY;

	for (size_t i = 0; i < n; i++) {
		double dx = xy[2 * i] - x, dy = xy[2 * i + 1] - y, d = dx * dx + dy * dy;
		if (d < bd) {
			bd = d;
			best = i;
		}
	}
	return best;
}

/* MultiPoint of the n points of xy, or NULL. */
static GEOSGeometry *make_sites(GEOSContextHandle_t h, const double *xy, size_t n)
{
	GEOSGeometry **pts = calloc(n, sizeof(*pts)), *mp = NULL;
	size_t i;

	if (!pts)
		return NULL;
	for (i = 0; i < n; i++)
		if (!(pts[i] = GEOSGeom_createPointFromXY_r(h, xy[2 * i], xy[2 * i + 1])))
			break;
	if (i == n)
		mp = GEOSGeom_createCollection_r(h, GEOS_MULTIPOINT, pts, (unsigned)n);
	if (!mp)
		while (i-- > 0)
			GEOSGeom_destroy_r(h, pts[i]);
	free(pts);
	return mp;
}

/* Does the prepared region contain (x, y)? */
static int contains_xy(GEOSContextHandle_t h, const GEOSPreparedGeometry *prep, double x, double y)
{
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x, y);
	int in;

	if (!pt)
		return 0;
	in = GEOSPreparedContains_r(h, prep, pt) == 1;
	GEOSGeom_destroy_r(h, pt);
	return in;
}

static int point_xy(GEOSContextHandle_t h, const GEOSGeometry *pt, double *x, double *y)
{
	return GEOSGeomGetX_r(h, pt, x) && GEOSGeomGetY_r(h, pt, y) ? 0 : -1;
}

/* ============================================================ sampling */

static uint64_t sample_next(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double sample_unit(uint64_t *x)
{
	return (double)(sample_next(x) >> 11) * 0x1.0p-53;
}

/*
 * Mitchell's best-candidate sampling: for each new point draw a few
 * candidates inside the region (rejection from the bounding box) and keep
 * the one farthest from the points so far. Spreads points evenly without a
 * grid pattern, which gives Lloyd relaxation a good start.
 */
int tessellate_sample(GEOSContextHandle_t h, const GEOSGeometry *region, size_t n,
                      uint64_t seed, double *xy, struct err *e)
{
	const GEOSPreparedGeometry *prep = NULL;
	double x0, y0, x1, y1;
	uint64_t state = seed;
	int ret = -1;

	if (!GEOSGeom_getXMin_r(h, region, &x0) || !GEOSGeom_getYMin_r(h, region, &y0) ||
	    !GEOSGeom_getXMax_r(h, region, &x1) || !GEOSGeom_getYMax_r(h, region, &y1)) {
		err_set(e, 500, "tessellate.empty", "无法在空区域中取点", "cannot sample an empty region");
		goto out;
	}
	if (!(prep = GEOSPrepare_r(h, region))) {
		geos_fail(e, "prepare");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		double bx = 0, by = 0, bd = -1;
		for (int k = 0; k < SAMPLE_CANDIDATES; k++) {
			double x = 0, y = 0, d = INFINITY;
			int tries = 0;
			do {
				x = x0 + (x1 - x0) * sample_unit(&state);
				y = y0 + (y1 - y0) * sample_unit(&state);
			} while (!contains_xy(h, prep, x, y) && ++tries < SAMPLE_MAX_TRIES);
			if (tries >= SAMPLE_MAX_TRIES) {
				err_set(e, 500, "tessellate.thin", "区域太窄，无法取点",
				        "region too thin to place points in");
				goto out;
			}
			for (size_t j = 0; j < i; j++) {
				double dx = xy[2 * j] - x, dy = xy[2 * j + 1] - y;
				if (dx * dx + dy * dy < d)
					d = dx * dx + dy * dy;
			}
			if (d > bd) {
				bd = d;
				bx = x;
				by = y;
			}
		}
		xy[2 * i] = bx;
		xy[2 * i + 1] = by;
	}
	ret = 0;
out:
	if (prep)
		GEOSPreparedGeom_destroy_r(h, prep);
	return ret;
}

/* ========================================================= relaxation */

/* One Lloyd step: xy -> centroids of the clipped cells, into nxy. */
static int relax_once(GEOSContextHandle_t h, const GEOSGeometry *region,
                      const GEOSPreparedGeometry *prep, const double *xy, double *nxy, size_t n,
                      struct err *e)
{
	GEOSGeometry *sites = make_sites(h, xy, n), *v = NULL;
	int ncells, ret = -1;

	memcpy(nxy, xy, 2 * n * sizeof(*xy));
	if (!sites || !(v = GEOSVoronoiDiagram_r(h, sites, region, 0.0, 0))) {
		geos_fail(e, "voronoi");
		goto out;
	}
	ncells = GEOSGetNumGeometries_r(h, v);
	for (int k = 0; k < ncells; k++) {
		const GEOSGeometry *cell = GEOSGetGeometryN_r(h, v, k);
		GEOSGeometry *clip = NULL, *c = NULL;
		const GEOSGeometry *g = cell;
		double cx, cy;
		size_t owner;

		if (!(c = GEOSGetCentroid_r(h, cell)) || point_xy(h, c, &cx, &cy) < 0) {
			if (c)
				GEOSGeom_destroy_r(h, c);
			continue;
		}
		GEOSGeom_destroy_r(h, c);
		owner = nearest_seed(xy, n, cx, cy);
		if (GEOSPreparedContains_r(h, prep, cell) != 1) {
			if (!(clip = GEOSIntersection_r(h, cell, region))) {
				geos_fail(e, "clip");
				goto out;
			}
			g = clip;
		}
		if (GEOSisEmpty_r(h, g) != 1) {
			c = GEOSGetCentroid_r(h, g);
			if (c && point_xy(h, c, &cx, &cy) == 0 && contains_xy(h, prep, cx, cy)) {
				nxy[2 * owner] = cx;
				nxy[2 * owner + 1] = cy;
			} else {
				GEOSGeometry *p = GEOSPointOnSurface_r(h, g);
				if (p && point_xy(h, p, &cx, &cy) == 0) {
					nxy[2 * owner] = cx;
					nxy[2 * owner + 1] = cy;
				}
				if (p)
					GEOSGeom_destroy_r(h, p);
			}
			if (c)
				GEOSGeom_destroy_r(h, c);
		}
		if (clip)
			GEOSGeom_destroy_r(h, clip);
	}
	ret = 0;
out:
	if (v)
		GEOSGeom_destroy_r(h, v);
	if (sites)
		GEOSGeom_destroy_r(h, sites);
	return ret;
}

int tessellate_relax(GEOSContextHandle_t h, const GEOSGeometry *region, double *xy, size_t n,
                     int iterations, struct err *e)
{
	const GEOSPreparedGeometry *prep = NULL;
	double *nxy = NULL;
	int ret = -1;

	if (n < 2 || iterations <= 0)
		return 0;
	if (!(nxy = malloc(2 * n * sizeof(*nxy)))) {
		oom(e);
		goto out;
	}
	if (!(prep = GEOSPrepare_r(h, region))) {
		geos_fail(e, "prepare");
		goto out;
	}
	for (int it = 0; it < iterations; it++) {
		if (relax_once(h, region, prep, xy, nxy, n, e) < 0)
			goto out;
		memcpy(xy, nxy, 2 * n * sizeof(*xy));
	}
	ret = 0;
out:
	if (prep)
		GEOSPreparedGeom_destroy_r(h, prep);
	free(nxy);
	return ret;
}

/* ========================================================= arrangement */

/* A growable array of owned geometries. */
struct gvec {
	GEOSGeometry **v;
	size_t n, cap;
};

static int gvec_push(struct gvec *g, GEOSGeometry *x)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 256;
		GEOSGeometry **nv = realloc(g->v, cap * sizeof(*nv));
		if (!nv)
			return -1;
		g->v = nv;
		g->cap = cap;
	}
	g->v[g->n++] = x;
	return 0;
}

static void gvec_release(GEOSContextHandle_t h, struct gvec *g)
{
	for (size_t i = 0; i < g->n; i++)
		GEOSGeom_destroy_r(h, g->v[i]);
	free(g->v);
	memset(g, 0, sizeof(*g));
}

/* Push clones of the linestrings found in g (at any depth) onto out. */
static int collect_lines(GEOSContextHandle_t h, const GEOSGeometry *g, struct gvec *out)
{
	int type = GEOSGeomTypeId_r(h, g);

	if (type == GEOS_LINESTRING || type == GEOS_LINEARRING) {
		GEOSGeometry *c;
		if (GEOSisEmpty_r(h, g) == 1)
			return 0;
		if (type == GEOS_LINEARRING) {
			const GEOSCoordSequence *s = GEOSGeom_getCoordSeq_r(h, g);
			GEOSCoordSequence *cs = s ? GEOSCoordSeq_clone_r(h, s) : NULL;
			c = cs ? GEOSGeom_createLineString_r(h, cs) : NULL;
		} else {
			c = GEOSGeom_clone_r(h, g);
		}
		if (!c)
			return -1;
		if (gvec_push(out, c) < 0) {
			GEOSGeom_destroy_r(h, c);
			return -1;
		}
		return 0;
	}
	if (type == GEOS_MULTILINESTRING || type == GEOS_GEOMETRYCOLLECTION) {
		int k = GEOSGetNumGeometries_r(h, g);
		for (int i = 0; i < k; i++)
			if (collect_lines(h, GEOSGetGeometryN_r(h, g, i), out) < 0)
				return -1;
	}
	return 0;                        /* points and the like add nothing */
}

/* Boundary of region plus, for n > 1, its Voronoi edges clipped to it. */
static int part_lines(GEOSContextHandle_t h, const struct tess_part *p, struct gvec *out,
                      struct err *e)
{
	GEOSGeometry *b = NULL, *sites = NULL, *v = NULL, *vc = NULL;
	int ret = -1;

	if (!(b = GEOSBoundary_r(h, p->region))) {
		geos_fail(e, "boundary");
		goto out;
	}
	if (collect_lines(h, b, out) < 0) {
		oom(e);
		goto out;
	}
	if (p->n > 1) {
		if (!(sites = make_sites(h, p->seeds, p->n)) ||
		    !(v = GEOSVoronoiDiagram_r(h, sites, p->region, 0.0, 1)) ||
		    !(vc = GEOSIntersection_r(h, v, p->region))) {
			geos_fail(e, "voronoi edges");
			goto out;
		}
		if (collect_lines(h, vc, out) < 0) {
			oom(e);
			goto out;
		}
	}
	ret = 0;
out:
	if (b) GEOSGeom_destroy_r(h, b);
	if (sites) GEOSGeom_destroy_r(h, sites);
	if (v) GEOSGeom_destroy_r(h, v);
	if (vc) GEOSGeom_destroy_r(h, vc);
	return ret;
}

GEOSGeometry *tessellate_merge(GEOSContextHandle_t h, const GEOSGeometry *const *polys, size_t n)
{
	struct gvec parts = {0};
	GEOSGeometry *coll = NULL, *u = NULL;

	if (n == 0)
		return NULL;
	if (n == 1)
		return GEOSGeom_clone_r(h, polys[0]);
	for (size_t i = 0; i < n; i++) {
		int k = GEOSGetNumGeometries_r(h, polys[i]);
		for (int j = 0; j < k; j++) {
			GEOSGeometry *c = GEOSGeom_clone_r(h, GEOSGetGeometryN_r(h, polys[i], j));
			if (!c || gvec_push(&parts, c) < 0) {
				if (c)
					GEOSGeom_destroy_r(h, c);
				goto out;
			}
		}
	}
	if (!(coll = GEOSGeom_createCollection_r(h, GEOS_GEOMETRYCOLLECTION, parts.v, (unsigned)parts.n)))
		goto out;
	parts.n = 0;                     /* owned by coll now */
	u = GEOSCoverageUnion_r(h, coll);
	if (!u)                          /* not an exact coverage after all */
		u = GEOSUnaryUnionPrec_r(h, coll, TESS_GRID);
out:
	if (coll)
		GEOSGeom_destroy_r(h, coll);
	gvec_release(h, &parts);
	return u;
}

/* Find the part containing a point, for faces of a multi-part arrangement. */
struct part_query {
	const struct tess_part *parts;
	const GEOSPreparedGeometry **prep;
	const GEOSGeometry *pt;
	GEOSContextHandle_t h;
	long found;                      /* part index, -1 none */
	long near;                       /* nearest candidate within tolerance */
	double near_d, tol;
};

static void part_query_cb(void *item, void *userdata)
{
	struct part_query *q = userdata;
	long i = (long)((const struct tess_part *)item - q->parts);
	double d;

	if (q->found >= 0)
		return;
	if (GEOSPreparedContains_r(q->h, q->prep[i], q->pt) == 1) {
		q->found = i;
		return;
	}
	if (GEOSDistance_r(q->h, q->parts[i].region, q->pt, &d) && d <= q->tol && d < q->near_d) {
		q->near_d = d;
		q->near = i;
	}
}

/* Length of the border shared by a and b (both from one arrangement). */
static double shared_length(GEOSContextHandle_t h, const GEOSGeometry *a, const GEOSGeometry *b)
{
	GEOSGeometry *ba = GEOSBoundary_r(h, a), *bb = GEOSBoundary_r(h, b), *x = NULL;
	double len = 0;

	if (ba && bb && (x = GEOSIntersection_r(h, ba, bb)))
		GEOSLength_r(h, x, &len);
	if (x) GEOSGeom_destroy_r(h, x);
	if (ba) GEOSGeom_destroy_r(h, ba);
	if (bb) GEOSGeom_destroy_r(h, bb);
	return len;
}

/* Replace *slot by the merge of its polygons and `add`. */
static int merge_into(GEOSContextHandle_t h, GEOSGeometry **slot, const GEOSGeometry *add)
{
	const GEOSGeometry *two[2] = {*slot, add};
	GEOSGeometry *m = tessellate_merge(h, two, 2);

	if (!m)
		return -1;
	GEOSGeom_destroy_r(h, *slot);
	*slot = m;
	return 0;
}

/* Index of the piece of cell c to keep: the one holding its seed, else the
 * largest. */
static int home_piece(GEOSContextHandle_t h, const GEOSGeometry *cell, double x, double y)
{
	GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, x, y);
	int k = GEOSGetNumGeometries_r(h, cell), home = 0, found = 0;
	double best_area = -1;

	for (int j = 0; j < k && pt && !found; j++)
		if (GEOSIntersects_r(h, GEOSGetGeometryN_r(h, cell, j), pt) == 1) {
			home = j;
			found = 1;
		}
	for (int j = 0; j < k && !found; j++) {
		double a = 0;
		GEOSArea_r(h, GEOSGetGeometryN_r(h, cell, j), &a);
		if (a > best_area) {
			best_area = a;
			home = j;
		}
	}
	if (pt)
		GEOSGeom_destroy_r(h, pt);
	return home;
}

/*
 * Cell c came out in several pieces (a non-convex region cut its Voronoi
 * cell): keep the home piece and hand every other piece to the sibling it
 * shares the longest border with; a piece with no such sibling (an island of
 * a multi-part region) stays. Adds the pieces moved to *moved.
 */
static int split_cell(GEOSContextHandle_t h, GEOSGeometry **cells, const double *seeds, size_t n,
                      size_t c, int *moved, struct err *e)
{
	int k = GEOSGetNumGeometries_r(h, cells[c]);
	int home = home_piece(h, cells[c], seeds[2 * c], seeds[2 * c + 1]), ret = -1;
	struct gvec keep = {0};
	GEOSGeometry *rebuilt = NULL;

	for (int j = 0; j < k; j++) {
		const GEOSGeometry *piece = GEOSGetGeometryN_r(h, cells[c], j);
		size_t best = n;
		double best_len = 0;
		GEOSGeometry *cl;

		for (size_t s = 0; j != home && s < n; s++) {
			double len;
			if (s == c || GEOSIntersects_r(h, piece, cells[s]) != 1)
				continue;
			if ((len = shared_length(h, piece, cells[s])) > best_len) {
				best_len = len;
				best = s;
			}
		}
		if (best < n) {
			if (merge_into(h, &cells[best], piece) < 0) {
				geos_fail(e, "merge");
				goto out;
			}
			(*moved)++;
			continue;
		}
		if (!(cl = GEOSGeom_clone_r(h, piece)) || gvec_push(&keep, cl) < 0) {
			if (cl)
				GEOSGeom_destroy_r(h, cl);
			oom(e);
			goto out;
		}
	}
	if (keep.n == 1)
		rebuilt = keep.v[0];
	else
		rebuilt = GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, keep.v, (unsigned)keep.n);
	if (!rebuilt) {
		geos_fail(e, "rebuild");
		goto out;
	}
	keep.n = 0;                      /* owned by rebuilt */
	GEOSGeom_destroy_r(h, cells[c]);
	cells[c] = rebuilt;
	ret = 0;
out:
	gvec_release(h, &keep);
	return ret;
}

/* Repair the cells of one part until every cut-off piece has found a
 * neighbour (a few passes: a moved piece may land on a piece itself cut off). */
static int fix_orphans(GEOSContextHandle_t h, GEOSGeometry **cells, const double *seeds, size_t n,
                       struct err *e)
{
	int moved = 1;

	for (int pass = 0; pass < ORPHAN_PASSES && moved; pass++) {
		moved = 0;
		for (size_t c = 0; c < n; c++)
			if (GEOSGeomTypeId_r(h, cells[c]) == GEOS_MULTIPOLYGON &&
			    GEOSGetNumGeometries_r(h, cells[c]) > 1 &&
			    split_cell(h, cells, seeds, n, c, &moved, e) < 0)
				return -1;
	}
	return 0;
}

/*
 * The arrangement: node every part's boundary and clipped Voronoi edges
 * together (snap rounding), polygonize, give each face to the nearest seed
 * of the part it lies in, and merge each cell's faces.
 */
int tessellate_parts(GEOSContextHandle_t h, struct tess_part *parts, size_t nparts, double grid,
                     struct err *e)
{
	struct gvec lines = {0};
	GEOSGeometry *coll = NULL, *noded = NULL, *faces = NULL, **cells = NULL;
	const GEOSPreparedGeometry **prep = NULL;
	GEOSSTRtree *tree = NULL;
	size_t *off = NULL, *cell_of = NULL, *cnt = NULL, *start = NULL, *order = NULL;
	size_t ncells = 0, nfaces;
	int ret = -1;

	for (size_t p = 0; p < nparts; p++) {
		if (parts[p].n < 1 || !parts[p].region) {
			err_set(e, 500, "tessellate.bad_part", "剖分参数无效（第 %zu 部分）",
			        "bad tessellation part %zu", p);
			return -1;
		}
		ncells += parts[p].n;
	}
	if (!(off = calloc(nparts + 1, sizeof(*off))) || !(cells = calloc(ncells, sizeof(*cells))) ||
	    !(prep = calloc(nparts, sizeof(*prep))) || !(cnt = calloc(ncells, sizeof(*cnt))) ||
	    !(start = calloc(ncells + 1, sizeof(*start)))) {
		oom(e);
		goto out;
	}
	for (size_t p = 0; p < nparts; p++) {
		off[p + 1] = off[p] + parts[p].n;
		if (part_lines(h, &parts[p], &lines, e) < 0)
			goto out;
		if (!(prep[p] = GEOSPrepare_r(h, parts[p].region))) {
			geos_fail(e, "prepare");
			goto out;
		}
	}

	/* node everything at once, then polygonize */
	if (!(coll = GEOSGeom_createCollection_r(h, GEOS_MULTILINESTRING, lines.v, (unsigned)lines.n))) {
		geos_fail(e, "collect");
		goto out;
	}
	lines.n = 0;                     /* owned by coll */
	if (!(noded = GEOSUnaryUnionPrec_r(h, coll, grid))) {
		geos_fail(e, "node");
		goto out;
	}
	if (!(faces = GEOSPolygonize_r(h, (const GEOSGeometry *const *)&noded, 1))) {
		geos_fail(e, "polygonize");
		goto out;
	}
	nfaces = (size_t)GEOSGetNumGeometries_r(h, faces);
	if (!(cell_of = malloc((nfaces + 1) * sizeof(*cell_of))) ||
	    !(order = malloc((nfaces + 1) * sizeof(*order)))) {
		oom(e);
		goto out;
	}
	if (nparts > 1) {
		if (!(tree = GEOSSTRtree_create_r(h, 10))) {
			geos_fail(e, "index");
			goto out;
		}
		for (size_t p = 0; p < nparts; p++)
			GEOSSTRtree_insert_r(h, tree, parts[p].region, &parts[p]);
	}

	/* each face to the nearest seed of its part */
	for (size_t f = 0; f < nfaces; f++) {
		const GEOSGeometry *face = GEOSGetGeometryN_r(h, faces, (int)f);
		GEOSGeometry *pt = GEOSPointOnSurface_r(h, face);
		struct part_query q = {parts, prep, pt, h, -1, -1, INFINITY, 4 * grid};
		double x, y;

		cell_of[f] = SIZE_MAX;
		if (!pt || point_xy(h, pt, &x, &y) < 0) {
			if (pt)
				GEOSGeom_destroy_r(h, pt);
			continue;                /* degenerate face */
		}
		if (tree) {
			GEOSSTRtree_query_r(h, tree, pt, part_query_cb, &q);
			if (q.found < 0 && q.near < 0) {
				/* just outside every region: look a little wider */
				GEOSGeometry *probe = GEOSBuffer_r(h, pt, q.tol, 1);
				if (probe) {
					GEOSSTRtree_query_r(h, tree, probe, part_query_cb, &q);
					GEOSGeom_destroy_r(h, probe);
				}
			}
		} else {
			part_query_cb(&parts[0], &q);
		}
		GEOSGeom_destroy_r(h, pt);
		if (q.found < 0)
			q.found = q.near;
		if (q.found < 0)
			continue;                /* a hole in the regions */
		cell_of[f] = off[q.found] +
		             nearest_seed(parts[q.found].seeds, parts[q.found].n, x, y);
		cnt[cell_of[f]]++;
	}
	for (size_t c = 0; c < ncells; c++)
		start[c + 1] = start[c] + cnt[c];
	memset(cnt, 0, ncells * sizeof(*cnt));
	for (size_t f = 0; f < nfaces; f++)
		if (cell_of[f] != SIZE_MAX)
			order[start[cell_of[f]] + cnt[cell_of[f]]++] = f;

	/* merge each cell's faces */
	for (size_t p = 0; p < nparts; p++) {
		for (size_t i = 0; i < parts[p].n; i++) {
			size_t c = off[p] + i, k = start[c + 1] - start[c];
			const GEOSGeometry **mine;
			if (k == 0) {
				err_set(e, 500, "tessellate.empty_cell",
				        "第 %zu 部分的第 %zu 个单元为空（种子点是否在区域内？）",
				        "cell %zu of part %zu came out empty (is its seed inside the region?)",
				        i, p);
				goto out;
			}
			if (!(mine = malloc(k * sizeof(*mine)))) {
				oom(e);
				goto out;
			}
			for (size_t j = 0; j < k; j++)
				mine[j] = GEOSGetGeometryN_r(h, faces, (int)order[start[c] + j]);
			cells[c] = tessellate_merge(h, mine, k);
			free(mine);
			if (!cells[c]) {
				geos_fail(e, "merge");
				goto out;
			}
		}
		if (parts[p].n > 1 && fix_orphans(h, cells + off[p], parts[p].seeds, parts[p].n, e) < 0)
			goto out;
	}

	for (size_t p = 0; p < nparts; p++)
		for (size_t i = 0; i < parts[p].n; i++) {
			parts[p].cells[i] = cells[off[p] + i];
			cells[off[p] + i] = NULL;
		}
	ret = 0;
out:
	if (cells)
		tessellate_cells_free(h, cells, ncells);
	free(cells);
	if (prep)
		for (size_t p = 0; p < nparts; p++)
			if (prep[p])
				GEOSPreparedGeom_destroy_r(h, prep[p]);
	free(prep);
	if (tree)
		GEOSSTRtree_destroy_r(h, tree);
	if (faces) GEOSGeom_destroy_r(h, faces);
	if (noded) GEOSGeom_destroy_r(h, noded);
	if (coll) GEOSGeom_destroy_r(h, coll);
	gvec_release(h, &lines);
	free(off);
	free(cell_of);
	free(cnt);
	free(start);
	free(order);
	return ret;
}

int tessellate(GEOSContextHandle_t h, const GEOSGeometry *region, double *xy, size_t n,
               int iterations, GEOSGeometry **cells, struct err *e)
{
	struct tess_part p = {region, xy, n, cells};

	if (tessellate_relax(h, region, xy, n, iterations, e) < 0)
		return -1;
	return tessellate_parts(h, &p, 1, TESS_GRID, e);
}

void tessellate_cells_free(GEOSContextHandle_t h, GEOSGeometry **cells, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (cells[i])
			GEOSGeom_destroy_r(h, cells[i]);
		cells[i] = NULL;
	}
}
