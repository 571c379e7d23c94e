/*
 * locate_int.h - the memory layout of the point -> polygon index.
 * Private to src/geo/locate.c; everything else uses locate.h.
 *
 * The polygons' bounding box is a raster of nx * ny cells. cells[] holds,
 * per cell, either a polygon index (the whole cell is inside it), -1 (inside
 * nothing), or -2 - b: boundary cell b, described by bcells[b], its candidate
 * polygons in cands[] and, per candidate, the polygon edges touching the cell
 * in segs[]. Every array is written once by locate_build() and only read
 * afterwards.
 */
#ifndef WG_LOCATE_INT_H
#define WG_LOCATE_INT_H

#include <stddef.h>
#include <stdint.h>

/* One polygon edge touching a boundary cell, oriented so that the cell's
 * reference point lies on its left (positive orientation). */
struct locate_seg {
	double ax, ay;                  /* start */
	double bx, by;                  /* end */
};

/* A polygon with edges in a boundary cell. */
struct locate_cand {
	int32_t poly;                   /* polygon index */
	uint32_t seg;                   /* first of its edges in segs[] */
	uint32_t nseg : 31;             /* how many */
	uint32_t inside : 1;            /* is the cell's reference point inside it */
};

/* A boundary cell. */
struct locate_bcell {
	double rx, ry;                  /* reference point: the cell's centre */
	uint32_t cand;                  /* first candidate in cands[], by polygon index */
	uint32_t ncand;                 /* how many */
	int32_t fallback;               /* answer when no candidate holds the point:
	                                   a polygon covering the whole cell, or -1 */
	int32_t pad;
};

struct locate_index {
	size_t n;                       /* polygons indexed */
	double x0, y0, x1, y1;          /* raster extent: bbox of all vertices */
	double cw, ch;                  /* cell width and height, degrees */
	double sx, sy;                  /* cells per degree: nx / (x1 - x0), ny / (y1 - y0) */
	uint32_t nx, ny;                /* raster size; 0 when nothing can be inside */
	int32_t *cells;                 /* nx * ny, row-major from (x0, y0) */
	struct locate_bcell *bcells;
	size_t nbcells;
	struct locate_cand *cands;
	size_t ncands;
	struct locate_seg *segs;
	size_t nsegs;
};

#endif
