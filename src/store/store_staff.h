/*
 * store_staff.h - people and the posts they hold in org units.
 *
 * Post roles (the `role` column):
 *   station_head        站长, of a community's grid workstation
 *   chief_station_head  总站长, where a 城中村 spans several communities
 *                       (one post row per community it covers)
 *   grid_leader         网格长, of an area 片区
 *   grid_worker         专职网格员, of a grid
 *   leader_group        领导小组成员 of a town (title: 组长 / 副组长 / 成员)
 * A person may hold several posts. Posts end (end_date) instead of being
 * deleted, so the history of who staffed a grid survives a replacement.
 */
#ifndef WG_STORE_STAFF_H
#define WG_STORE_STAFF_H

#include <stdint.h>
#include "store/db.h"

#define PERSON_NAME_MAX 64
#define PHONE_MAX 32
#define ROLE_MAX 32
#define DATE_MAX 16

struct person_rec {
	int64_t id;
	char name[PERSON_NAME_MAX];
	char phone[PHONE_MAX];
	char gender[8];                  /* 男 / 女 / "" */
};

struct post_rec {
	int64_t id;
	int64_t person_id;
	char unit_code[24];
	char role[ROLE_MAX];             /* see above */
	char title[64];
	char start_date[DATE_MAX];       /* YYYY-MM-DD */
	char end_date[DATE_MAX];         /* "" while held */
	/* joined from person when read: */
	char name[PERSON_NAME_MAX];
	char phone[PHONE_MAX];
};

typedef int (*post_cb)(void *ctx, const struct post_rec *p);

/* Known role? */
int staff_role_valid(const char *role);
/* Chinese label of a role ("网格员"), or the role itself. */
const char *staff_role_label(const char *role);

int store_person_add(struct db *db, const struct person_rec *p, int64_t *id, struct err *e);
int store_post_add(struct db *db, const struct post_rec *p, int64_t *id, struct err *e);
/* End a post on date (YYYY-MM-DD); 404 when unknown or already ended. */
int store_post_end(struct db *db, int64_t post_id, const char *date, struct err *e);
/* Posts held now in one unit, ordered by role then start date. */
int store_posts_current(struct db *db, const char *unit_code, post_cb cb, void *ctx, struct err *e);
/* Every post held now, ordered by unit code (for the in-memory model). */
int store_posts_all_current(struct db *db, post_cb cb, void *ctx, struct err *e);
/* Every post ever held in a unit, newest first. */
int store_posts_history(struct db *db, const char *unit_code, post_cb cb, void *ctx, struct err *e);

#endif
