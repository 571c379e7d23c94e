/*
 * baiyun.h - the facts the demo district is built from: Guangzhou's Baiyun
 * District (广州市白云区, 440111), its 20 streets and 4 towns with their
 * official statistical codes and names, approximate centres, the number of
 * villages and communities each gets in the demo, and a built-in
 * approximation of the district outline for when no real one is given.
 *
 * Codes and names are public facts (统计用区划代码). Centres and the
 * outline are rough (about ±1 km), in WGS-84; they only steer the
 * generator and are not survey data.
 */
#ifndef WG_BAIYUN_H
#define WG_BAIYUN_H

#include <geos_c.h>
#include <stddef.h>

#define BAIYUN_CODE "440111"
#define BAIYUN_NAME "白云区"
#define BAIYUN_COMMUNITIES 404       /* 村/社区 over all towns */
#define BAIYUN_AREAS 1145            /* 片区 */
#define BAIYUN_GRIDS 3454            /* 网格 */

struct baiyun_town {
	const char *code;                /* 9-digit statistical code */
	const char *name;                /* 三元里街道 … 江高镇 */
	const char *kind;                /* 街道 or 镇 */
	double lon, lat;                 /* approximate centre, WGS-84 */
	int communities;                 /* 村 + 社区 in the demo */
	int villages;                    /* of which 村 (only 镇 have them) */
};

/* The 24 towns in code order; their communities add up to BAIYUN_COMMUNITIES. */
extern const struct baiyun_town baiyun_towns[];
extern const size_t baiyun_ntowns;

/* The built-in outline: a hand-traced ring of a few dozen WGS-84 vertices
 * (not closed: the last vertex joins the first). */
extern const double baiyun_outline[][2];
extern const size_t baiyun_outline_len;

/* The built-in outline as a new GEOS polygon (GEOSGeom_destroy_r), or NULL. */
GEOSGeometry *baiyun_outline_geom(GEOSContextHandle_t h);

#endif
