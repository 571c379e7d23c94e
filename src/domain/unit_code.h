/*
 * unit_code.h - the org hierarchy's levels and its code scheme (pure rules).
 *
 * Codes extend the official ones (docs/codes.md):
 *   district  6 digits  GB/T 2260            440111
 *   town      9 digits  statistical code     440111002
 *   community 12 digits statistical code     440111002001
 *   area      14 digits community + 2-digit serial      44011100200101
 *   grid      16 digits area + 2-digit serial           4401110020010103
 * A grid code's last 4 digits are therefore a unique serial within its
 * community, the shape of GB/T 30428.1's 16-digit 单元网格 code.
 * The level follows from the length; the parent from the prefix.
 */
#ifndef WG_UNIT_CODE_H
#define WG_UNIT_CODE_H

#include <stddef.h>
#include "lib/err.h"

enum unit_level {
	LEVEL_NONE = 0,
	LEVEL_DISTRICT = 1,  /* 区 */
	LEVEL_TOWN = 2,      /* 镇街: 街道 or 镇 */
	LEVEL_COMMUNITY = 3, /* 村 / 社区 */
	LEVEL_AREA = 4,      /* 片区 */
	LEVEL_GRID = 5,      /* 网格 */
};

/* Level a code belongs to, or LEVEL_NONE when it is not a valid code. */
enum unit_level unit_code_level(const char *code);
/* Check a code; 400 unit.bad_code naming `param` when invalid. */
int unit_code_check(const char *code, const char *param, struct err *e);
/* Parent's code into out ("" for a district). -1 when code is invalid. */
int unit_code_parent(const char *code, char *out, size_t n);
/* Code of child number `serial` (1-based) of parent; -1 when the serial does
 * not fit the level's digits or parent is a grid. */
int unit_code_child(const char *parent, int serial, char *out, size_t n);
/* True when code lies in the subtree rooted at root (itself included);
 * false when either is not a valid code. */
int unit_code_under(const char *code, const char *root);
/* The district of a department code ("440111-cg" -> "440111") into out:
 * 0, or -1 when dept has no dash, what precedes it is not a district's
 * code, or out is too small. */
int unit_code_dept_district(const char *dept, char *out, size_t n);

/* "district" … "grid" and back; LEVEL_NONE for unknown names. */
const char *unit_level_name(enum unit_level l);
enum unit_level unit_level_parse(const char *s);
/* Chinese label: 区 镇街 村社区 片区 网格. */
const char *unit_level_label(enum unit_level l);
/* Is kind a valid kind for level? (区; 街道/镇; 社区/村; 片区; 网格) */
int unit_kind_valid(enum unit_level l, const char *kind);
/* Default kind for a level. */
const char *unit_kind_default(enum unit_level l);

#endif
