/*
 * stream_scope.h - which timeline rows a live-stream client may see (pure
 * rules, no I/O). The scope is decided once, when the stream opens, from
 * the caller's grants (app/stream.c builds it from struct principal):
 *
 *   territorial roles (admin, command, leader, station_head, grid_leader,
 *   grid_worker)   rows whose grid lies in the subtree of a granted unit
 *   department     rows whose department (the one holding the event at
 *                  that step) is the granted department
 *   resident       public rows of events the resident reported, in a
 *                  reduced form (no staff names or notes)
 *   display        (a wall display, app/displays.h) rows whose grid lies in
 *                  its unit's subtree, in the display's form: where and
 *                  what, no staff names, notes or departments
 *
 * A caller with several grants sees the union. Unit codes nest by prefix
 * (docs/codes.md), so "inside" is unit_code_under().
 */
#ifndef WG_STREAM_SCOPE_H
#define WG_STREAM_SCOPE_H

#include <stdint.h>

#define STREAM_SCOPE_MAX 32           /* units or departments per client */
#define STREAM_CODE_MAX 40            /* a unit or department code, NUL included */

struct stream_scope {
	char units[STREAM_SCOPE_MAX][STREAM_CODE_MAX];   /* subtree roots */
	int nunits;
	char depts[STREAM_SCOPE_MAX][STREAM_CODE_MAX];   /* department codes */
	int ndepts;
	int64_t reporter_id;              /* a resident's account: own reports; 0 = none */
	int display;                      /* a wall display: its units' rows in the display view */
};

enum stream_view {
	STREAM_VIEW_NONE = 0,             /* not for this client */
	STREAM_VIEW_FULL = 1,             /* the staff frame */
	STREAM_VIEW_PUBLIC = 2,           /* the resident's reduced frame */
	STREAM_VIEW_DISPLAY = 3,          /* a wall display's frame: the map's facts only */
};

/* Add a subtree root / a department; duplicates and codes already covered
 * are skipped. -1 when the scope is full or the code too long. */
int stream_scope_add_unit(struct stream_scope *s, const char *code);
int stream_scope_add_dept(struct stream_scope *s, const char *code);
/* Does the client see a row of this grid, department (NULL = none), public
 * flag and event reporter (0 = none)? The full view wins over the public one;
 * a display's scope (units only) sees its units' rows in the display view. */
enum stream_view stream_scope_view(const struct stream_scope *s, const char *grid_code,
                                   const char *dept_code, int public_step, int64_t reporter_id);

#endif
