/*
 * role.h - roles, as bit flags so that a route can admit several.
 *
 * A user holds any number of grants, each a role bound to an org unit (or,
 * for department staff, a department): the unit is the root of the subtree
 * the grant covers. A route's `role` column (src/api/routes.c) is the set
 * of roles that may call it; ROLE_PUBLIC (0) needs no log-in.
 *
 *   role            中文             bound to                 may
 *   admin           区管理员         the district             configure, manage users and roles
 *   command         指挥中心         district or town         accept, dispatch, supervise in the subtree
 *   station_head    站长             a community              its community
 *   grid_leader     网格长           an area                  its area
 *   grid_worker     网格员           a grid                   its grid
 *   department      职能部门         a department             what was dispatched to it
 *   leader          领导             any unit                 read-only dashboards and reports
 *   resident        群众 / 志愿者    (none: the district)      own reports, public look-ups
 *   display         大屏             a district, town or      read the big screen (app/displays.h)
 *                                    community
 *
 * `display` is no person's role and is never granted: it is the credential
 * of a wall display (大屏) paired by an admin or a command officer. Routes
 * admit it one by one (only the big screen's reads); ROLE_STAFF and
 * ROLE_ANY leave it out, so every other route answers it 403.
 */
#ifndef WG_ROLE_H
#define WG_ROLE_H

enum role_flags {
	ROLE_PUBLIC = 0,               /* no log-in */
	ROLE_ADMIN = 1 << 0,
	ROLE_COMMAND = 1 << 1,
	ROLE_STATION_HEAD = 1 << 2,
	ROLE_GRID_LEADER = 1 << 3,
	ROLE_GRID_WORKER = 1 << 4,
	ROLE_DEPARTMENT = 1 << 5,
	ROLE_LEADER = 1 << 6,
	ROLE_RESIDENT = 1 << 7,
	ROLE_DISPLAY = 1 << 8,         /* a paired wall display, never granted */
};

#define ROLE_COUNT 8                   /* roles a grant can carry (ROLE_DISPLAY is not one) */
/* Everyone who works in the system (all but residents). */
#define ROLE_STAFF (ROLE_ADMIN | ROLE_COMMAND | ROLE_STATION_HEAD | ROLE_GRID_LEADER | \
                    ROLE_GRID_WORKER | ROLE_DEPARTMENT | ROLE_LEADER)
/* Anyone logged in. */
#define ROLE_ANY (ROLE_STAFF | ROLE_RESIDENT)
/* The territorial staff (bound to a unit of the tree). */
#define ROLE_TERRITORIAL (ROLE_ADMIN | ROLE_COMMAND | ROLE_STATION_HEAD | ROLE_GRID_LEADER | \
                          ROLE_GRID_WORKER | ROLE_LEADER)

/* "admin" … "resident" -> flag; 0 for an unknown name and for "display"
 * (no grant carries it). */
unsigned role_parse(const char *name);
/* flag -> "admin"; "" for anything but a single known flag. */
const char *role_name(unsigned flag);
/* flag -> 区管理员 …; "" when unknown. */
const char *role_label(unsigned flag);
/* May a grant of this role be bound to a unit of this level (1 district ..
 * 5 grid; 0 = a department)? */
int role_level_ok(unsigned flag, int level);

#endif
