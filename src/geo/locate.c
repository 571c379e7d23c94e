/*
 * locate.c - point -> polygon index: "which grid is this point in, and so
 * who is my grid worker" (see locate.h). The org model builds one from the
 * grids' polygons each time it loads and the HTTP handlers query it.
 *
 * The polygons' bounding box is cut into a uniform raster of cells, sized
 * from the data (a cell is a small fraction of a typical polygon, at most
 * 2048 cells a side). At build time each cell is classified:
 *   - inside polygon k everywhere: the answer is stored in the cell;
 *   - inside nothing: -1;
 *   - boundary: the polygons having edges in the cell, each with only those
 *     edges and whether the cell's centre (its reference point R) is inside
 *     it. A query q flips that state for each of the edges that the segment
 *     R -> q crosses (crossing parity).
 * A query therefore costs one raster read for most points and a handful of
 * orientation tests near boundaries. The index is immutable after the build:
 * no GEOS, no locks and no per-thread state at query time.
 *
 * Robustness. Orientation signs are exact: a floating-point filter decides
 * almost always, and exact expansion arithmetic (Shewchuk) decides the rest.
 * Degenerate cases (a point on an edge or a vertex, a segment through a
 * vertex, horizontal edges) are broken by simulation of simplicity: the query
 * point is taken to be q + (d, e) with 0 < e << d infinitesimal. A point on a
 * boundary therefore belongs to exactly one polygon of a tiling, the one
 * just to its right (above, on a horizontal edge), whatever the raster.
 * The build classifies reference points with the same rule (a horizontal
 * ray, half-open in y), so every answer is the exact answer for q + (d, e).
 * Where polygons overlap, the lowest index wins. Points off every boundary
 * get the same answer as GEOS's point-in-polygon.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "geo/locate.h"
#include "geo/locate_int.h"
#include "geo/geos_ctx.h"
#include "lib/banned.h"

#define RASTER_MAX_SIDE 2048     /* cells along the longer side, at most */
#define RASTER_MIN_SIDE 16       /* and at least (when there is any area) */
#define CELLS_PER_POLYGON 8.0    /* typical polygon extent, in cells */
#define CELL_EDGES 2.0           /* a cell is at most this many typical edge lengths */
#define EDGE_SAMPLES 65536       /* edges sampled for their typical length */
#define REGS_PER_EDGE 16.0       /* edge-in-cell registrations per edge, at most */
#define REGS_MIN 1e6             /* (or this many in all) before coarsening */

_Static_assert(sizeof(struct locate_bcell) % 8 == 0 && sizeof(struct locate_cand) % 8 == 0 &&
               sizeof(struct locate_seg) % 8 == 0, "boundary records stay 8-byte aligned");

/* ================================================= exact orientation */

/* Shewchuk's error bound for the filtered 2-D orientation: (3 + 16u) u,
 * u = 2^-53 the unit round-off. */
#define CCW_ERRBOUND ((3.0 + 16.0 * (DBL_EPSILON / 2)) * (DBL_EPSILON / 2))

/* a + b = x + y exactly, x = fl(a + b) (Knuth's TWO-SUM). */
static inline void two_sum(double a, double b, double *x, double *y)
{
	double s = a + b, bv = s - a, av = s - bv;

	*x = s;
	*y = (a - av) + (b - bv);
}

/* Sign (-1, 0, 1) of the exact sum of t[0..n-1] (n <= 16). The terms are
 * accumulated into a non-overlapping expansion of increasing magnitude
 * (Shewchuk's GROW-EXPANSION); its sign is that of its largest non-zero
 * component. */
static int expansion_sign(const double *t, int n)
{
	double e[16];
	int m = 0, i, j, sign = 0;

	for (i = 0; i < n; i++) {
		double q = t[i];
		for (j = 0; j < m; j++)
			two_sum(q, e[j], &q, &e[j]);
		e[m++] = q;
	}
	for (j = m - 1; j >= 0 && !sign; j--)
		if (e[j] != 0)
			sign = e[j] > 0 ? 1 : -1;
	return sign;
}

/* Exact sign of orient(a, b, c) below: the determinant expanded into six
 * products of input coordinates, each split exactly into two doubles with
 * fma(), and summed exactly. Exact as long as no product underflows, which
 * lon/lat degrees never do. */
static int __attribute__((noinline)) orient_exact(double ax, double ay, double bx, double by,
                                                  double cx, double cy)
{
	const double f[6][2] = {{ax, by}, {-ay, bx}, {ay, cx}, {-ax, cy}, {bx, cy}, {-by, cx}};
	double t[12];

	for (int i = 0; i < 6; i++) {
		t[2 * i] = f[i][0] * f[i][1];
		t[2 * i + 1] = fma(f[i][0], f[i][1], -t[2 * i]);
	}
	return expansion_sign(t, 12);
}

/* Exact sign of (a - c) x (b - c): 1 when c is left of a -> b (a, b, c turn
 * counter-clockwise), -1 when right, 0 when collinear. */
static inline int orient(double ax, double ay, double bx, double by, double cx, double cy)
{
	double l = (ax - cx) * (by - cy), r = (ay - cy) * (bx - cx), det = l - r;
	double bound = CCW_ERRBOUND * (fabs(l) + fabs(r));
	int s;

	if (det > bound)
		s = 1;
	else if (-det > bound)
		s = -1;
	else
		s = orient_exact(ax, ay, bx, by, cx, cy);
	return s;
}

/* Side of the perturbed point p + (d, e) of the edge a -> b: never 0.
 * orient(a, b, p + (d, e)) = orient(a, b, p) + (bx - ax) e - (by - ay) d. */
static inline int side_of_edge(double ax, double ay, double bx, double by, double px, double py)
{
	int s = orient(ax, ay, bx, by, px, py);

	if (!s)
		s = by != ay ? (by > ay ? -1 : 1) : (bx > ax ? 1 : -1);
	return s;
}

/* Side of the vertex v of the segment q + (d, e) -> r + (d, e) (q != r):
 * orient(q, r, v) - (rx - qx) e + (ry - qy) d; never 0. */
static inline int side_of_path(double qx, double qy, double rx, double ry, double vx, double vy)
{
	int s = orient(qx, qy, rx, ry, vx, vy);

	if (!s)
		s = ry != qy ? (ry > qy ? 1 : -1) : (qx > rx ? 1 : -1);
	return s;
}

/* ========================================================= the raster */

/* Column of x, clamped to the raster. Build and query both use this, so a
 * point is always looked up in a cell its edges were registered in. */
static inline uint32_t raster_col(const struct locate_index *x, double v)
{
	double f = (v - x->x0) * x->sx;

	return f <= 0 ? 0 : f >= x->nx ? x->nx - 1 : (uint32_t)f;
}

static inline uint32_t raster_row(const struct locate_index *x, double v)
{
	double f = (v - x->y0) * x->sy;

	return f <= 0 ? 0 : f >= x->ny ? x->ny - 1 : (uint32_t)f;
}

/* Centre of column c / row r: the reference points. */
static inline double centre_x(const struct locate_index *x, uint32_t c)
{
	return x->x0 + ((double)c + 0.5) * x->cw;
}

static inline double centre_y(const struct locate_index *x, uint32_t r)
{
	return x->y0 + ((double)r + 0.5) * x->ch;
}

/* ============================================================== query */

/* Does the segment from the reference point (rx, ry) to q cross s? Both ends
 * are perturbed by (d, e), so the answer is a clean yes or no. s is stored
 * with the reference point on its left. */
static inline int seg_crossed(const struct locate_seg *s, double rx, double ry,
                              double qx, double qy)
{
	return side_of_edge(s->ax, s->ay, s->bx, s->by, qx, qy) < 0 &&
	       side_of_path(qx, qy, rx, ry, s->ax, s->ay) !=
	       side_of_path(qx, qy, rx, ry, s->bx, s->by);
}

/* Is q inside candidate k of the boundary cell with reference point (rx, ry)?
 * k's edges follow it in the record. */
static inline int cand_holds(const struct locate_cand *k, double rx, double ry,
                             double qx, double qy)
{
	const struct locate_seg *s = (const struct locate_seg *)(k + 1), *end = s + k->nseg;
	int in = k->inside;

	for (; s < end; s++)
		in ^= seg_crossed(s, rx, ry, qx, qy);
	return in;
}

/* Answer for q in the boundary cell whose record is at p: the first
 * candidate holding q, else the cell's fallback. */
static long bcell_find(const unsigned char *p, double qx, double qy)
{
	const struct locate_bcell *b = (const struct locate_bcell *)p;
	const struct locate_cand *k = (const struct locate_cand *)(b + 1);
	long ret = b->fallback;

	for (uint32_t i = 0; i < b->ncand; i++) {
		if (cand_holds(k, b->rx, b->ry, qx, qy)) {
			ret = k->poly;
			break;
		}
		k = (const struct locate_cand *)((const struct locate_seg *)(k + 1) + k->nseg);
	}
	return ret;
}

long locate_find(const struct locate_index *x, double lon, double lat)
{
	long ret = -1;
	int32_t v;

	if (x && x->nx && lon >= x->x0 && lon <= x->x1 && lat >= x->y0 && lat <= x->y1) {
		v = x->cells[(size_t)raster_row(x, lat) * x->nx + raster_col(x, lon)];
		ret = v >= -1 ? v : bcell_find(x->blob + 8 * (size_t)(-2 - (long)v), lon, lat);
	}
	return ret;
}

size_t locate_memory(const struct locate_index *x)
{
	size_t n = 0;

	if (x)
		n = sizeof(*x) + (size_t)x->nx * x->ny * sizeof(x->cells[0]) + x->blob_len;
	return n;
}

void locate_free(struct locate_index *x)
{
	if (x) {
		free(x->cells);
		free(x->blob);
		free(x);
	}
}

/* ============================================================== build */

/* An edge registered in a cell. */
struct reg {
	uint32_t cell;                  /* row * nx + col */
	uint32_t edge;                  /* index in build.edges; REG_INSIDE: the
	                                   cell's centre is inside the edge's polygon */
};
#define REG_INSIDE 0x80000000u

/* An edge crossing a row's centre line. */
struct crossing {
	double x;                       /* where, in floating point */
	uint32_t edge;                  /* index in build.edges */
};

/* Working state of locate_build(). */
struct build {
	GEOSContextHandle_t h;
	struct locate_index *x;         /* the index being built */
	struct err *e;
	struct locate_seg *edges;       /* every polygon's edges, polygon by polygon */
	size_t nedges, edges_cap;
	int32_t *edge_poly;             /* polygon of each edge */
	size_t edge_poly_cap;
	size_t *first;                  /* n + 1: edges of k are [first[k], first[k + 1]) */
	double *pbox;                   /* 4 per polygon: its bbox */
	double mx, my;                  /* registration margins, degrees */
	int32_t *full;                  /* per cell: lowest polygon covering it, or -1 */
	int32_t *stamp;                 /* per cell: k while k has edges in it, -2 - k
	                                   once its centre is classified for k */
	uint8_t *state;                 /* per cell: centre inside the polygon of stamp */
	struct reg *regs;               /* registrations, polygon by polygon */
	size_t nregs, regs_cap;
	uint32_t *rowstart;             /* scanline: CSR offsets into cross per row */
	struct crossing *cross;         /* scanline: edges straddling each row's centre
	                                   line, sorted by where they cross it */
	size_t cross_cap;
};

static int build_oom(struct build *b)
{
	return err_set(b->e, 500, "locate.oom", "内存不足", "out of memory");
}

/* Make room for `need` elements of `size` bytes in *p (capacity *cap),
 * doubling. 0, or -1 when out of memory (*p unchanged). */
static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 64;
	void *np;
	int ret = 0;

	if (need > *cap) {
		while (c < need)
			c *= 2;
		if (!(np = realloc(*p, c * size))) {
			ret = -1;
		} else {
			*p = np;
			*cap = c;
		}
	}
	return ret;
}

/* ---------------------------------------------------- edges from GEOS */

/* Append edge a -> b of polygon k, unless it has no length. */
static int build_edge(struct build *b, int32_t k, double ax, double ay, double bx, double by)
{
	int ret = 0;

	if (ax == bx && ay == by) {
		/* nothing to cross */
	} else if (grow((void **)&b->edges, &b->edges_cap, b->nedges + 1, sizeof(b->edges[0])) < 0 ||
	           grow((void **)&b->edge_poly, &b->edge_poly_cap, b->nedges + 1,
	                sizeof(b->edge_poly[0])) < 0) {
		ret = build_oom(b);
	} else {
		b->edges[b->nedges] = (struct locate_seg){ax, ay, bx, by};
		b->edge_poly[b->nedges++] = k;
	}
	return ret;
}

/* Append the edges of one ring of polygon k; 400 locate.bad_geometry when
 * its coordinates cannot be read or are not finite. */
static int build_ring(struct build *b, int32_t k, const GEOSGeometry *ring)
{
	const GEOSCoordSequence *cs = ring ? GEOSGeom_getCoordSeq_r(b->h, ring) : NULL;
	double x0 = 0, y0 = 0, px = 0, py = 0, x, y;
	unsigned int n = 0, i;
	int ret = -1;

	if (!cs || !GEOSCoordSeq_getSize_r(b->h, cs, &n)) {
		err_set(b->e, 400, "locate.bad_geometry", "无法读取多边形 %d 的坐标",
		        "cannot read the coordinates of polygon %d", (int)k);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!GEOSCoordSeq_getXY_r(b->h, cs, i, &x, &y) || !isfinite(x) || !isfinite(y)) {
			err_set(b->e, 400, "locate.bad_geometry", "多边形 %d 的坐标无效",
			        "polygon %d has an invalid coordinate", (int)k);
			goto out;
		}
		if (i == 0) {
			x0 = x;
			y0 = y;
		} else if (build_edge(b, k, px, py, x, y) < 0) {
			goto out;
		}
		px = x;
		py = y;
	}
	if (n > 1 && build_edge(b, k, px, py, x0, y0) < 0)   /* closes an unclosed ring */
		goto out;
	ret = 0;
out:
	return ret;
}

/* Append the edges of every ring of g (Polygon, MultiPolygon, or a
 * collection of them) as polygon k; 400 locate.bad_geometry for anything
 * else. */
static int build_geom(struct build *b, int32_t k, const GEOSGeometry *g, int depth)
{
	int type = GEOSGeomTypeId_r(b->h, g), i, n, ret = 0;

	if (type == GEOS_POLYGON) {
		n = GEOSGetNumInteriorRings_r(b->h, g);
		ret = build_ring(b, k, GEOSGetExteriorRing_r(b->h, g));
		for (i = 0; i < n && ret == 0; i++)
			ret = build_ring(b, k, GEOSGetInteriorRingN_r(b->h, g, i));
	} else if ((type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) && depth < 8) {
		n = GEOSGetNumGeometries_r(b->h, g);
		for (i = 0; i < n && ret == 0; i++)
			ret = build_geom(b, k, GEOSGetGeometryN_r(b->h, g, i), depth + 1);
	} else {
		ret = err_set(b->e, 400, "locate.bad_geometry", "第 %d 个几何不是多边形",
		              "geometry %d is not a polygon", (int)k);
	}
	return ret;
}

/* --------------------------------------------------- raster geometry */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static int cmp_crossing(const void *a, const void *b)
{
	double x = ((const struct crossing *)a)->x, y = ((const struct crossing *)b)->x;
	return (x > y) - (x < y);
}

/* Sort m crossings by x: insertion sort for the usual two or four. */
static void sort_crossings(struct crossing *v, size_t m)
{
	if (m > 16) {
		qsort(v, m, sizeof(*v), cmp_crossing);
	} else {
		for (size_t i = 1; i < m; i++)
			for (size_t j = i; j > 0 && v[j - 1].x > v[j].x; j--) {
				struct crossing t = v[j];
				v[j] = v[j - 1];
				v[j - 1] = t;
			}
	}
}

/* Median of the m > 0 values in v (reordered). */
static double median(double *v, size_t m)
{
	qsort(v, m, sizeof(*v), cmp_double);
	return v[m / 2];
}

/* About how many cells the edges will be registered in with square cells
 * of side `cell`: a segment touches at most rows + columns cells. */
static double regs_estimate(const struct build *b, double cell)
{
	double n = 0;

	for (size_t i = 0; i < b->nedges; i++) {
		const struct locate_seg *s = &b->edges[i];
		n += (fabs(s->bx - s->ax) + fabs(s->by - s->ay)) / cell + 2;
	}
	return n;
}

/* Polygon bboxes, and the raster. A cell is 1/CELLS_PER_POLYGON of the
 * median polygon extent, or CELL_EDGES median edge lengths when edges are
 * shorter (finely drawn boundaries), so that a boundary cell holds one or two
 * edges per polygon; then the longer side is clamped to RASTER_MIN_SIDE ..
 * RASTER_MAX_SIDE cells, and coarsened if the edges would be registered in
 * too many cells. Leaves nx = ny = 0 when no polygon has any area. */
static int build_raster(struct build *b, size_t n)
{
	struct locate_index *x = b->x;
	size_t k, i, m = 0, step = b->nedges / EDGE_SAMPLES + 1;
	double *v = malloc((n > EDGE_SAMPLES ? n : EDGE_SAMPLES) * sizeof(*v)), w, h, cell, side;
	int ret = -1;

	if (!v) {
		build_oom(b);
		goto out;
	}
	x->x0 = x->y0 = INFINITY;
	x->x1 = x->y1 = -INFINITY;
	for (k = 0; k < n; k++) {
		double *pb = &b->pbox[4 * k];
		pb[0] = pb[1] = INFINITY;
		pb[2] = pb[3] = -INFINITY;
		for (i = b->first[k]; i < b->first[k + 1]; i++) {
			const struct locate_seg *s = &b->edges[i];
			pb[0] = fmin(pb[0], fmin(s->ax, s->bx));
			pb[1] = fmin(pb[1], fmin(s->ay, s->by));
			pb[2] = fmax(pb[2], fmax(s->ax, s->bx));
			pb[3] = fmax(pb[3], fmax(s->ay, s->by));
		}
		if (pb[2] > pb[0] && pb[3] > pb[1]) {
			x->x0 = fmin(x->x0, pb[0]);
			x->y0 = fmin(x->y0, pb[1]);
			x->x1 = fmax(x->x1, pb[2]);
			x->y1 = fmax(x->y1, pb[3]);
			v[m++] = fmax(pb[2] - pb[0], pb[3] - pb[1]);
		}
	}
	x->nx = x->ny = 0;
	if (m) {
		w = x->x1 - x->x0;
		h = x->y1 - x->y0;
		cell = median(v, m) / CELLS_PER_POLYGON;
		for (m = 0, i = 0; i < b->nedges; i += step) {
			const struct locate_seg *s = &b->edges[i];
			v[m++] = fmax(fabs(s->bx - s->ax), fabs(s->by - s->ay));
		}
		cell = fmin(cell, CELL_EDGES * median(v, m));
		side = fmax(w, h) / cell;
		if (!(side <= RASTER_MAX_SIDE))         /* also when cell is 0 */
			cell = fmax(w, h) / RASTER_MAX_SIDE;
		else if (side < RASTER_MIN_SIDE)
			cell = fmax(w, h) / RASTER_MIN_SIDE;
		/* Hostile mixes (many long edges among short ones) would register
		 * each long edge in thousands of cells: coarsen until the estimate
		 * of registrations fits REGS_PER_EDGE per edge. */
		while (fmax(w, h) / cell > 2 * RASTER_MIN_SIDE &&
		       regs_estimate(b, cell) > fmax(REGS_MIN, REGS_PER_EDGE * (double)b->nedges))
			cell *= 2;
		x->nx = (uint32_t)fmin(RASTER_MAX_SIDE, fmax(1, ceil(w / cell)));
		x->ny = (uint32_t)fmin(RASTER_MAX_SIDE, fmax(1, ceil(h / cell)));
		x->cw = w / x->nx;
		x->ch = h / x->ny;
		x->sx = x->nx / w;
		x->sy = x->ny / h;
		/* Margins absorb rounding in raster_col() and in the interpolation
		 * of build_register(); anything wider only costs a few extra edges. */
		b->mx = 1e-3 * x->cw + 64 * DBL_EPSILON * (fabs(x->x0) + fabs(x->x1) + 1);
		b->my = 1e-3 * x->ch + 64 * DBL_EPSILON * (fabs(x->y0) + fabs(x->y1) + 1);
	}
	ret = 0;
out:
	free(v);
	return ret;
}

/* First row whose centre is at or above y (ny when none), exactly as
 * centre_y() computes centres. */
static uint32_t row_from(const struct locate_index *x, double y)
{
	double f = ceil((y - x->y0) / x->ch - 0.5);
	uint32_t r = f <= 0 ? 0 : f >= x->ny ? x->ny : (uint32_t)f;

	while (r > 0 && centre_y(x, r - 1) >= y)
		r--;
	while (r < x->ny && centre_y(x, r) < y)
		r++;
	return r;
}

/* ------------------------------------------------- per-polygon passes */

/* Register edge ei of polygon k in every cell that any of its points can be
 * looked up in (raster_row/raster_col of the point, give or take the
 * margins), and stamp those cells with k. Any segment from a point looked up
 * in a cell to that cell's centre stays in the cell, so every edge it can
 * cross is registered there. */
static int build_register(struct build *b, uint32_t ei, int32_t k)
{
	const struct locate_index *x = b->x;
	const struct locate_seg *s = &b->edges[ei];
	double ylo = fmin(s->ay, s->by), yhi = fmax(s->ay, s->by);
	double xlo = fmin(s->ax, s->bx), xhi = fmax(s->ax, s->bx);
	double t = (s->bx - s->ax) / (s->by - s->ay);
	uint32_t r, r1 = raster_row(x, yhi + b->my), c, c0, c1;
	int ret = 0;

	for (r = raster_row(x, ylo - b->my); r <= r1 && ret == 0; r++) {
		/* the part of the edge within the row's band, as an x range */
		double bl = fmax(x->y0 + r * x->ch - b->my, ylo);
		double bh = fmin(x->y0 + (r + 1) * x->ch + b->my, yhi);
		double lo = xlo, hi = xhi;
		if (bl > bh)
			continue;
		if (s->ay != s->by && isfinite(t)) {
			double xa = s->ax + (bl - s->ay) * t, xb = s->ax + (bh - s->ay) * t;
			if (isfinite(xa) && isfinite(xb)) {
				lo = fmax(lo, fmin(xa, xb));
				hi = fmin(hi, fmax(xa, xb));
			}
		}
		c0 = raster_col(x, lo - b->mx);
		c1 = raster_col(x, hi + b->mx);
		if (grow((void **)&b->regs, &b->regs_cap, b->nregs + (c1 - c0 + 1),
		         sizeof(b->regs[0])) < 0) {
			ret = build_oom(b);
		} else {
			for (c = c0; c <= c1; c++) {
				uint32_t cell = r * x->nx + c;
				b->regs[b->nregs++] = (struct reg){cell, ei};
				b->stamp[cell] = k;
			}
		}
	}
	return ret;
}

/* List, for each of polygon k's rows [r0, r1), the edges of k straddling
 * the row's centre line (half-open: lower y <= centre < upper y) and where
 * they cross it, sorted by x: into cross[], row r from rowstart[r - r0]. */
static int build_crossings(struct build *b, int32_t k, uint32_t r0, uint32_t r1)
{
	const struct locate_index *x = b->x;
	size_t i, nrows = r1 - r0;
	uint32_t r, *at = b->rowstart;
	int ret = -1;

	memset(at, 0, (nrows + 1) * sizeof(*at));
	for (i = b->first[k]; i < b->first[k + 1]; i++) {     /* count */
		const struct locate_seg *s = &b->edges[i];
		uint32_t rb = row_from(x, fmax(s->ay, s->by));
		for (r = row_from(x, fmin(s->ay, s->by)); r < rb; r++)
			at[r - r0 + 1]++;
	}
	for (i = 0; i < nrows; i++)
		at[i + 1] += at[i];
	if (grow((void **)&b->cross, &b->cross_cap, at[nrows] + 1, sizeof(b->cross[0])) < 0) {
		build_oom(b);
		goto out;
	}
	for (i = b->first[k]; i < b->first[k + 1]; i++) {     /* fill, advancing at[] */
		const struct locate_seg *s = &b->edges[i];
		uint32_t rb = row_from(x, fmax(s->ay, s->by));
		for (r = row_from(x, fmin(s->ay, s->by)); r < rb; r++) {
			double yc = centre_y(x, r);
			b->cross[at[r - r0]++] = (struct crossing){
				s->ax + (yc - s->ay) * ((s->bx - s->ax) / (s->by - s->ay)), (uint32_t)i};
		}
	}
	/* each at[r] now holds the start of row r + 1: shift back, and sort */
	memmove(at + 1, at, nrows * sizeof(*at));
	at[0] = 0;
	for (i = 0; i < nrows; i++)
		sort_crossings(b->cross + at[i], at[i + 1] - at[i]);
	ret = 0;
out:
	return ret;
}

/* Cells of rows [r0, r1) inside polygon k and without any of its edges: set
 * full[] to k unless a lower polygon already covers them. The crossings are
 * floating point; that is safe here because a crossing lies in a cell the
 * edge is registered in, so about half a cell or more from the centre of any
 * cell without k's edges. */
static void build_fill(struct build *b, int32_t k, uint32_t r0, uint32_t r1)
{
	const struct locate_index *x = b->x;
	uint32_t r, c, c1;
	size_t j, m;

	for (r = r0; r < r1; r++) {
		const struct crossing *cr = b->cross + b->rowstart[r - r0];
		m = b->rowstart[r - r0 + 1] - b->rowstart[r - r0];
		if (m < 2)
			continue;
		j = 0;                          /* crossings left of the centre */
		c1 = raster_col(x, cr[m - 1].x);
		for (c = raster_col(x, cr[0].x); c <= c1; c++) {
			size_t cell = (size_t)r * x->nx + c;
			double xc = centre_x(x, c);
			while (j < m && cr[j].x <= xc)
				j++;
			if (((m - j) & 1) && b->stamp[cell] != k && b->full[cell] < 0)
				b->full[cell] = k;
		}
	}
}

/* Index of the first of the m sorted crossings with x >= v (m if none). */
static size_t crossing_from(const struct crossing *cr, size_t m, double v)
{
	size_t lo = 0, hi = m;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cr[mid].x < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Exact inside state of the centre of each cell where polygon k has edges
 * (registrations from reg0 on), by a horizontal ray to the right: the edges
 * straddling the centre line (half-open) with the centre strictly on their
 * left. That is the point-in-polygon test of the centre moved by (d, e),
 * the rule queries follow. Crossings farther than the margin from the centre
 * are counted by position (their floating-point error is far smaller); only
 * those near it need the exact orientation. Sets REG_INSIDE on the
 * registrations. */
static void build_centres(struct build *b, int32_t k, size_t reg0, uint32_t r0, uint32_t r1)
{
	const struct locate_index *x = b->x;
	size_t i, j, m, lo, hi;

	for (i = reg0; i < b->nregs; i++) {
		uint32_t cell = b->regs[i].cell, r = cell / x->nx, c = cell % x->nx;
		if (b->stamp[cell] == k) {
			double px = centre_x(x, c), py = centre_y(x, r);
			int in = 0;
			if (r >= r0 && r < r1) {
				const struct crossing *cr = b->cross + b->rowstart[r - r0];
				m = b->rowstart[r - r0 + 1] - b->rowstart[r - r0];
				lo = crossing_from(cr, m, px - b->mx);
				hi = crossing_from(cr, m, px + b->mx);
				in = (int)((m - hi) & 1);
				for (j = lo; j < hi; j++) {
					const struct locate_seg *s = &b->edges[cr[j].edge];
					in ^= s->ay < s->by ?
					      orient(s->ax, s->ay, s->bx, s->by, px, py) > 0 :
					      orient(s->bx, s->by, s->ax, s->ay, px, py) > 0;
				}
			}
			b->state[cell] = (uint8_t)in;
			b->stamp[cell] = -2 - k;
		}
		if (b->state[cell])
			b->regs[i].edge |= REG_INSIDE;
	}
}

/* Register, fill and classify polygon k. Polygons without area contain no
 * point and are left out. */
static int build_polygon(struct build *b, int32_t k)
{
	const double *pb = &b->pbox[4 * k];
	size_t reg0 = b->nregs, i;
	uint32_t r0, r1;
	int ret = 0;

	if (b->first[k] < b->first[k + 1] && pb[2] > pb[0] && pb[3] > pb[1]) {
		for (i = b->first[k]; i < b->first[k + 1] && ret == 0; i++)
			ret = build_register(b, (uint32_t)i, k);
		r0 = row_from(b->x, pb[1]);
		r1 = row_from(b->x, pb[3]);
		if (ret == 0 && r0 < r1 && (ret = build_crossings(b, k, r0, r1)) == 0)
			build_fill(b, k, r0, r1);
		if (ret == 0)
			build_centres(b, k, reg0, r0, r1);
	}
	return ret;
}

/* ------------------------------------------------------------- output */

/* Sort the registrations by cell, keeping their order within a cell (by
 * polygon, then edge: the order they were made in). A counting sort. */
static int build_sort(struct build *b)
{
	size_t ncell = (size_t)b->x->nx * b->x->ny, i;
	uint32_t *start = calloc(ncell + 1, sizeof(*start));
	struct reg *out = malloc((b->nregs ? b->nregs : 1) * sizeof(*out));
	int ret = -1;

	if (!start || !out) {
		build_oom(b);
		goto out;
	}
	for (i = 0; i < b->nregs; i++)
		start[b->regs[i].cell + 1]++;
	for (i = 0; i < ncell; i++)
		start[i + 1] += start[i];
	for (i = 0; i < b->nregs; i++)
		out[start[b->regs[i].cell]++] = b->regs[i];
	free(b->regs);
	b->regs = out;
	b->regs_cap = b->nregs;
	out = NULL;
	ret = 0;
out:
	free(start);
	free(out);
	return ret;
}

/* Append n bytes to the blob (capacity *cap); NULL when out of memory. */
static void *blob_add(struct locate_index *x, size_t n, size_t *cap)
{
	void *p = NULL;

	if (grow((void **)&x->blob, cap, x->blob_len + n, 1) == 0) {
		p = x->blob + x->blob_len;
		x->blob_len += n;
	}
	return p;
}

/* Write candidate k of a boundary cell, with the edges of registrations
 * [i, j), each turned to have the centre (rx, ry) on its left. */
static int build_cand(struct build *b, int32_t k, size_t i, size_t j, double rx, double ry,
                      size_t *cap)
{
	struct locate_cand *cd = blob_add(b->x, sizeof(*cd) + (j - i) * sizeof(struct locate_seg), cap);
	struct locate_seg *sg;
	int ret = 0;

	if (!cd) {
		ret = build_oom(b);
	} else {
		cd->poly = k;
		cd->nseg = (uint32_t)(j - i);
		cd->inside = !!(b->regs[i].edge & REG_INSIDE);
		for (sg = (struct locate_seg *)(cd + 1); i < j; i++, sg++) {
			*sg = b->edges[b->regs[i].edge & ~REG_INSIDE];
			if (side_of_edge(sg->ax, sg->ay, sg->bx, sg->by, rx, ry) < 0)
				*sg = (struct locate_seg){sg->bx, sg->by, sg->ax, sg->ay};
		}
		b->x->ncands++;
		b->x->nsegs += cd->nseg;
	}
	return ret;
}

/* Turn the registrations, sorted by cell, into the raster and the boundary
 * cell records. A cell's candidates are its polygons with edges, lower than
 * any polygon covering the whole cell (which becomes the fallback). */
static int build_emit(struct build *b)
{
	struct locate_index *x = b->x;
	size_t ncell = (size_t)x->nx * x->ny, i = 0, j, end, cap = 0, rec;
	uint32_t cell;
	int ret = 0;

	for (cell = 0; cell < ncell && ret == 0; cell++) {
		int32_t fm = b->full[cell], k;
		struct locate_bcell head = {centre_x(x, cell % x->nx), centre_y(x, cell / x->nx), fm, 0};
		rec = x->blob_len;
		for (end = i; end < b->nregs && b->regs[end].cell == cell; end++)
			;
		for (; i < end && ret == 0; i = j) {
			k = b->edge_poly[b->regs[i].edge & ~REG_INSIDE];
			for (j = i; j < end && b->edge_poly[b->regs[j].edge & ~REG_INSIDE] == k; j++)
				;
			if (fm >= 0 && k > fm)
				continue;               /* a lower polygon covers the cell */
			if (!head.ncand++ && !blob_add(x, sizeof(head), &cap))
				ret = build_oom(b);
			else
				ret = build_cand(b, k, i, j, head.rx, head.ry, &cap);
		}
		i = end;
		if (ret < 0) {
			/* out of memory */
		} else if (!head.ncand) {
			x->cells[cell] = fm;
		} else if (rec / 8 >= INT32_MAX - 2) {
			ret = err_set(b->e, 400, "locate.too_many", "边界单元过多", "too many boundary cells");
		} else {
			memcpy(x->blob + rec, &head, sizeof(head));
			x->cells[cell] = -2 - (int32_t)(rec / 8);
			x->nbcells++;
		}
	}
	if (ret == 0 && x->blob_len) {          /* give back the slack of the doubling */
		unsigned char *p = realloc(x->blob, x->blob_len);
		if (p)
			x->blob = p;
	}
	return ret;
}

static void build_release(struct build *b)
{
	free(b->edges);
	free(b->edge_poly);
	free(b->first);
	free(b->pbox);
	free(b->full);
	free(b->stamp);
	free(b->state);
	free(b->regs);
	free(b->rowstart);
	free(b->cross);
}

/* Build the index: read the polygons' edges, choose the raster, rasterize
 * polygon by polygon in index order (so the lowest index covering a cell is
 * the first one met), sort the registrations by cell and emit the records.
 * NULL with e set: 400 locate.bad_geometry, 400 locate.too_many, 500
 * locate.oom. */
struct locate_index *locate_build(GEOSContextHandle_t h, const GEOSGeometry *const *polys,
                                  size_t n, struct err *e)
{
	struct build b = {.h = h ? h : geo_ctx(), .e = e};
	struct locate_index *x = NULL;
	size_t k, ncell;
	int ok = 0;

	if (n >= INT32_MAX) {
		err_set(e, 400, "locate.too_many", "多边形过多", "too many polygons");
		goto out;
	}
	if (!(b.x = x = calloc(1, sizeof(*x))) || !(b.first = calloc(n + 1, sizeof(*b.first))) ||
	    !(b.pbox = malloc((n ? n : 1) * 4 * sizeof(*b.pbox)))) {
		build_oom(&b);
		goto out;
	}
	x->n = n;
	for (k = 0; k < n; k++) {
		b.first[k] = b.nedges;
		if (polys[k] && !GEOSisEmpty_r(b.h, polys[k]) &&
		    build_geom(&b, (int32_t)k, polys[k], 0) < 0)
			goto out;
	}
	b.first[n] = b.nedges;
	if (b.nedges >= REG_INSIDE) {
		err_set(e, 400, "locate.too_many", "边过多", "too many edges");
		goto out;
	}
	if (build_raster(&b, n) < 0)
		goto out;
	if (!x->nx) {
		ok = 1;                         /* no area anywhere: always -1 */
		goto out;
	}
	ncell = (size_t)x->nx * x->ny;
	if (!(x->cells = malloc(ncell * sizeof(*x->cells))) ||
	    !(b.full = malloc(ncell * sizeof(*b.full))) ||
	    !(b.stamp = malloc(ncell * sizeof(*b.stamp))) ||
	    !(b.state = calloc(ncell, sizeof(*b.state))) ||
	    !(b.rowstart = malloc((x->ny + 2) * sizeof(*b.rowstart)))) {
		build_oom(&b);
		goto out;
	}
	memset(b.full, 0xff, ncell * sizeof(*b.full));    /* all -1 */
	memset(b.stamp, 0xff, ncell * sizeof(*b.stamp));
	for (k = 0; k < n; k++)
		if (build_polygon(&b, (int32_t)k) < 0)
			goto out;
	if (build_sort(&b) < 0 || build_emit(&b) < 0)
		goto out;
	ok = 1;
out:
	build_release(&b);
	if (!ok) {
		locate_free(x);
		x = NULL;
	}
	return x;
}
