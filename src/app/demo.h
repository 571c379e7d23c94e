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
 *
 * It also sets up seven 职能部门 (440111-cg 城管 …) and one demo log-in per
 * role (DEMO_PASSWORD for all, no change required at first log-in): admin,
 * command (district and 三元里街道), station_head, grid_leader and
 * grid_worker on the first community, area and grid of 三元里街道 (linked to
 * the staff records there), department (城管), leader and resident. Running
 * the demo again resets them. Demo only: never keep these on a real system.
 *
 * With o->events > 0 it adds that many grid events of the year before
 * o->events_end (app/demo_history.h). Events already in the database are
 * deleted in any case: they point at the grids being replaced.
 */
#ifndef WG_DEMO_H
#define WG_DEMO_H

#include <stdint.h>
#include "app/demo_history.h"
#include "geo/coord.h"
#include "lib/err.h"

struct demo_opts {
	const char *db_url;              /* database to fill (db_open URL or path) */
	uint64_t seed;                   /* PRNG seed; same seed, same district */
	const char *outline;             /* GeoJSON outline file, NULL = built-in */
	enum crs crs;                    /* coordinates of the outline file */
	int lloyd;                       /* Lloyd iterations per level, -1 = default */
	int events;                      /* grid events of the year's history (0 = none) */
	int64_t events_end;              /* Unix seconds the history ends at, 0 = now */
};

/* Events of a year in Baiyun: the CLI's default for --events. */
#define DEMO_EVENTS 259000
#define DEMO_EVENTS_MAX 5000000

/* The password of every demo log-in. Demo only. */
#define DEMO_PASSWORD "Wangge@2026"
#define DEMO_LOGINS 9

/* A demo log-in as created, for printing. */
struct demo_login {
	char username[32];
	char display_name[64];
	char role[32];                   /* domain/role.h name */
	char scope[40];                  /* unit or department code */
	char scope_name[128];
	char title[64];
};

struct demo_stats {
	int towns, communities, areas, grids;
	int special_grids;               /* 专属网格 among the grids */
	int persons, posts;              /* staff rows written */
	int64_t households, population;  /* over all grids */
	double district_km2;             /* area of the generated district */
	double gen_seconds, write_seconds;  /* write_seconds includes the history */
	struct demo_history_stats history;
	struct demo_login logins[DEMO_LOGINS];
	int nlogins;
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
