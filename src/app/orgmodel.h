/*
 * orgmodel.h - the in-memory read model of the org tree.
 *
 * Org data (units, current staff) is small (a district: ~5,000 units) and
 * read on every request but written rarely (imports, staff changes). So a
 * server keeps an immutable snapshot of it: every unit with its ancestors,
 * children, aggregate counts and current staff, the point->grid index, and
 * the ready-made JSON replies of the hot read endpoints. Writers bump the
 * org version in the database (store_org_bump); servers poll it and swap in
 * a fresh snapshot. Readers hold a reference while they use one, so a swap
 * never frees a snapshot under a request.
 */
#ifndef WG_ORGMODEL_H
#define WG_ORGMODEL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "store/db.h"
#include "store/store_staff.h"
#include "store/store_unit.h"

struct locate_index;

struct org_unit {
	struct unit_rec rec;
	long parent;                     /* index in model->units, -1 for the root */
	size_t *children;                /* indexes, ordered by code */
	size_t nchildren;
	struct post_rec *staff;          /* current posts */
	size_t nstaff;
	int64_t n_communities, n_areas, n_grids;   /* below this unit */
	int64_t sum_households, sum_population;    /* over its grids */
	char *detail_json;               /* reply of GET /api/v1/units/:code */
	size_t detail_len;
	char *children_json;             /* reply of GET /api/v1/units/:code/children */
	size_t children_len;
	char *locate_json;               /* grids: reply of GET /api/v1/locate */
	size_t locate_len;
};

struct org_model {
	_Atomic long refs;
	int64_t version;                 /* org_version it was built from */
	struct org_unit *units;          /* ordered by code */
	size_t nunits;
	size_t *grids;                   /* unit index of each indexed grid */
	size_t ngrids;
	struct locate_index *index;      /* over grids[] */
	long root;                       /* the district (first level-1 unit), or -1 */
};

/* Build a snapshot from the database. NULL with e set on failure. The result
 * holds one reference: orgmodel_release() it. */
struct org_model *orgmodel_load(struct db *db, struct err *e);
void orgmodel_release(struct org_model *m);

/* Unit by code, or NULL. */
const struct org_unit *orgmodel_find(const struct org_model *m, const char *code);
/* The grid unit containing WGS-84 (lon, lat), or NULL. */
const struct org_unit *orgmodel_locate(const struct org_model *m, double lon, double lat);
/* Short JSON of a unit: {code, name, level, kind}. */
json_t *orgmodel_unit_brief(const struct org_unit *u);
/* The staff member of `role` on u, or NULL. */
const struct post_rec *orgmodel_staff(const struct org_unit *u, const char *role);
/* Who heads u: the grid worker of a grid, the grid leader of an area, the
 * station head (or chief station head) of a community, the leadership
 * group's 组长 of a town; NULL when vacant. */
const struct post_rec *orgmodel_head(const struct org_unit *u);
/* {name, phone, title} of a post, or JSON null. New reference. */
json_t *orgmodel_contact_json(const struct post_rec *p);
/* Ancestor of u at level, or NULL. */
const struct org_unit *orgmodel_ancestor(const struct org_model *m, const struct org_unit *u, int level);

/* The current snapshot, swapped atomically for readers. */
struct org_holder {
	pthread_mutex_t mu;
	struct org_model *cur;
};

void org_holder_init(struct org_holder *h);
void org_holder_release(struct org_holder *h);
/* A reference to the current snapshot (NULL before the first load). */
struct org_model *org_holder_get(struct org_holder *h);
/* Install m (takes its reference) and release the previous snapshot. */
void org_holder_set(struct org_holder *h, struct org_model *m);

#endif
