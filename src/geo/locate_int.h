/*
 * locate_int.h - the memory layout of the point -> polygon index.
 * Private to src/geo/locate.c; everything else uses locate.h.
 *
 * The polygons' bounding box is a raster of nx * ny cells. cells[] holds,
 * per cell, either a polygon index (the whole cell is inside it), -1 (inside
 * nothing), or -2 - w for a boundary cell whose record starts at byte 8 * w
 * of blob[]. A record is a struct locate_bcell, then for each candidate
 * polygon (by increasing index) a struct locate_cand followed by its nseg
 * edges (struct locate_seg): one contiguous run of memory per cell, so a
 * lookup touches one or two cache lines beyond the raster. Everything is
 * written once by locate_build() and only read afterwards.
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

/* A polygon with edges in a boundary cell; its edges follow it. */
struct locate_cand {
	int32_t poly;                   /* polygon index */
	uint32_t nseg : 31;             /* edges following */
	uint32_t inside : 1;            /* is the cell's reference point inside it */
};

/* Head of a boundary cell's record; its candidates follow it. */
struct locate_bcell {
	double rx, ry;                  /* reference point: the cell's centre */
	int32_t fallback;               /* answer when no candidate holds the point:
	                                   a polygon covering the whole cell, or -1 */
	uint32_t ncand;                 /* candidates following */
};

struct locate_index {
	size_t n;                       /* polygons indexed */
	double x0, y0, x1, y1;          /* raster extent: bbox of all vertices */
	double cw, ch;                  /* cell width and height, degrees */
	double sx, sy;                  /* cells per degree: nx / (x1 - x0), ny / (y1 - y0) */
	uint32_t nx, ny;                /* raster size; 0 when nothing can be inside */
	int32_t *cells;                 /* nx * ny, row-major from (x0, y0) */
	unsigned char *blob;            /* boundary cell records, 8-byte aligned */
	size_t blob_len;                /* bytes */
	size_t nbcells, ncands, nsegs;  /* counts, for statistics */
};

#endif
