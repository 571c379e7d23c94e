/*
 * store_unit.h - persistence of org units (区/镇街/村社区/片区/网格) and the
 * org version counter that tells running servers to reload their read model.
 */
#ifndef WG_STORE_UNIT_H
#define WG_STORE_UNIT_H

#include <stddef.h>
#include <stdint.h>
#include "store/db.h"
#include "lib/buf.h"

#define UNIT_CODE_MAX 24
#define UNIT_NAME_MAX 128
#define UNIT_KIND_MAX 32

struct unit_rec {
	char code[UNIT_CODE_MAX];       /* docs/codes.md */
	char parent[UNIT_CODE_MAX];     /* "" for the root */
	int level;                      /* 1 district .. 5 grid (domain/unit_code.h) */
	char kind[UNIT_KIND_MAX];       /* 区 街道 镇 社区 村 片区 网格 */
	char name[UNIT_NAME_MAX];
	char grid_type[UNIT_KIND_MAX];  /* grids: 综合网格 / 专属网格; else "" */
	char grid_subtype[UNIT_KIND_MAX];
	int64_t households;             /* -1 unknown */
	int64_t population;             /* -1 unknown */
	double bbox[4];                 /* min lon, min lat, max lon, max lat */
	double center[2];               /* a point inside the unit: lon, lat */
	double area_m2;
	char updated_at[32];
};

/* Called for each row; return non-zero to stop early (that value is returned
 * by the iterator). wkb is NULL unless geometry was asked for. */
typedef int (*unit_cb)(void *ctx, const struct unit_rec *u, const void *wkb, size_t wkb_len);

/* One unit by code; 404 unit.not_found when absent. */
int store_unit_get(struct db *db, const char *code, struct unit_rec *out, struct err *e);
/* Its WKB geometry appended to wkb; 404 when absent, 0 with nothing appended
 * when it has none. */
int store_unit_geom(struct db *db, const char *code, struct buf *wkb, struct err *e);
/* Direct children ordered by code. */
int store_unit_children(struct db *db, const char *code, int with_geom,
                        unit_cb cb, void *ctx, struct err *e);
/* Units at level (0 = every level) below `under` (NULL or "" = everywhere;
 * the unit itself included), ordered by code. */
int store_unit_list(struct db *db, int level, const char *under, int with_geom,
                    unit_cb cb, void *ctx, struct err *e);
/* Units whose name contains q or whose code starts with q, coarse levels
 * first, at most limit. */
int store_unit_search(struct db *db, const char *q, int limit, unit_cb cb, void *ctx,
                      struct err *e);
/* Count of units at level below `under` (as store_unit_list). */
int store_unit_count(struct db *db, int level, const char *under, int64_t *out, struct err *e);
/* Insert or replace a unit by code. */
int store_unit_put(struct db *db, const struct unit_rec *u, const void *wkb, size_t wkb_len,
                   struct err *e);
/* Delete every unit, post and person (demo rebuild). Call inside a transaction. */
int store_org_clear(struct db *db, struct err *e);

/* The org version: bumped by every write to units or posts; servers poll it
 * and rebuild their in-memory model when it moves. A bump also notifies
 * STORE_ORG_CHANNEL (PostgreSQL NOTIFY) so that every instance reloads at once. */
#define STORE_ORG_CHANNEL "wangge_org"
int store_org_version(struct db *db, int64_t *out, struct err *e);
int store_org_bump(struct db *db, struct err *e);

#endif
