/*
 * demo.h - `wangge demo`: generate a realistic, deterministic Baiyun
 * District and write it to a database, replacing the org data there.
 *
 * The district (区) gets its 24 real towns/streets (镇街) with official
 * codes and names, 404 communities (村/社区), 1,145 areas (片区) and 3,454
 * grids (网格) whose polygons tile the district outline exactly (nested
 * Voronoi tessellation, geo/tessellate.h), grid attributes (综合网格 and a
 * few dozen 专属网格, households, population) and fictional staff: a 站长
 * per community, a 网格长 per area, a 专职网格员 per grid (a few with a past
 * replacement), 总站长 of two 城中村 and each town's 领导小组. The same seed
 * gives the same data; see docs/demo.md.
 */
#ifndef WG_DEMO_H
#define WG_DEMO_H

#include <stdint.h>
#include "geo/coord.h"
#include "lib/err.h"

struct demo_opts {
	const char *db_url;              /* database to fill (db_open URL or path) */
	uint64_t seed;                   /* PRNG seed; same seed, same district */
	const char *outline;             /* GeoJSON outline file, NULL = built-in */
	enum crs crs;                    /* coordinates of the outline file */
	int lloyd;                       /* Lloyd iterations per level, -1 = default */
};

struct demo_stats {
	int towns, communities, areas, grids;
	int special_grids;               /* 专属网格 among the grids */
	int persons, posts;              /* staff rows written */
	int64_t households, population;  /* over all grids */
	double district_km2;             /* area of the generated district */
	double gen_seconds, write_seconds;
};

/* Default Lloyd iterations per level. */
#define DEMO_LLOYD 3

/* Build the demo district and write it to o->db_url in one transaction
 * (migrating the database first, clearing the old org data, bumping the org
 * version so running servers reload). Nothing is written when generation
 * fails. 0 with st filled, or -1 with e set (400 demo.outline_* for a bad
 * outline file). */
int demo_build(const struct demo_opts *o, struct demo_stats *st, struct err *e);

#endif
