/*
 * tessellate.h - split regions into cells that tile them exactly: Voronoi
 * cells of seed points, clipped to the region, with optional Lloyd
 * relaxation for rounder cells. Pure geometry on GEOS, deterministic: the
 * same input gives the same cells, vertex for vertex.
 *
 * Exactness. Clipping each Voronoi cell to its region separately would leave
 * slivers where floating-point intersections disagree. Instead every region
 * boundary and every clipped Voronoi edge of a whole level goes into ONE
 * planar arrangement, noded by snap rounding on a grid of `grid` degrees
 * (TESS_GRID, about 1 cm), and polygonized. The faces of that arrangement
 * share their edges vertex for vertex, so cells built from them have no gaps
 * or overlaps, neither inside a region nor across the border of two regions
 * tessellated in the same call. A region's boundary may move by up to half a
 * grid step where it is noded; its vertices end up on the grid.
 *
 * A cell is the union of the faces nearest its seed. Where a non-convex
 * region cuts a Voronoi cell in two, the piece without the seed goes to the
 * neighbouring cell it shares the longest border with, so cells stay in one
 * piece unless the region itself is in several.
 *
 * Coordinates are planar (lon/lat degrees taken as x/y), which is fine for
 * cells of a district.
 */
#ifndef WG_TESSELLATE_H
#define WG_TESSELLATE_H

#include <geos_c.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/err.h"

#define TESS_GRID 1e-7               /* snap-rounding grid, degrees (~1 cm) */

/* One region to split into n cells. */
struct tess_part {
	const GEOSGeometry *region;      /* (Multi)Polygon, not modified */
	const double *seeds;             /* n points x0,y0,x1,y1,…, inside region */
	size_t n;                        /* cells wanted, >= 1 */
	GEOSGeometry **cells;            /* out: n cells, cells[i] around seeds[i];
	                                  * free with tessellate_cells_free() */
};

/* n well-spread pseudo-random points inside region (best-candidate
 * sampling driven by `seed`) into xy[2n]. 0, or -1 with e set (region empty
 * or too thin to hit). */
int tessellate_sample(GEOSContextHandle_t h, const GEOSGeometry *region, size_t n,
                      uint64_t seed, double *xy, struct err *e);

/* Lloyd relaxation: move each of the n points of xy to the centroid of its
 * Voronoi cell clipped to region (to a point on the cell's surface when the
 * centroid falls outside), `iterations` times. Points stay inside region.
 * 0, or -1 with e set. */
int tessellate_relax(GEOSContextHandle_t h, const GEOSGeometry *region, double *xy, size_t n,
                     int iterations, struct err *e);

/* Split every part's region into its cells, all parts in one arrangement so
 * cells of neighbouring parts meet exactly (see above). Parts must not
 * overlap. On success every parts[i].cells[j] is set; on failure none are
 * and e says why (500 tessellate.*). */
int tessellate_parts(GEOSContextHandle_t h, struct tess_part *parts, size_t nparts, double grid,
                     struct err *e);

/* One region: relax xy (`iterations` Lloyd steps, 0 for none), then split
 * region into n cells (cells[n], free with tessellate_cells_free). */
int tessellate(GEOSContextHandle_t h, const GEOSGeometry *region, double *xy, size_t n,
               int iterations, GEOSGeometry **cells, struct err *e);

/* Destroy n cells (NULL entries are skipped) and clear the array. */
void tessellate_cells_free(GEOSContextHandle_t h, GEOSGeometry **cells, size_t n);

/* Union of polygons that form an exact coverage (as cells and their unions
 * do): a new geometry, NULL on failure. */
GEOSGeometry *tessellate_merge(GEOSContextHandle_t h, const GEOSGeometry *const *polys, size_t n);

#endif
