/*
 * store_staff.c - SQL for people and posts (see store_staff.h).
 */
#include <string.h>
#include "store/store_staff.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

static const struct { const char *role, *label; } roles[] = {
	{"station_head", "站长"},
	{"chief_station_head", "总站长"},
	{"grid_leader", "网格长"},
	{"grid_worker", "网格员"},
	{"leader_group", "领导小组成员"},
};

int staff_role_valid(const char *role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(role, roles[i].role))
			return 1;
	return 0;
}

const char *staff_role_label(const char *role)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(role, roles[i].role))
			return roles[i].label;
	return role;
}

#define POST_COLS "p.id, p.person_id, p.unit_code, p.role, p.title, p.start_date, p.end_date, " \
	"n.name, n.phone"

static const char SQL_PERSON_ADD[] =
	"INSERT INTO person (name, phone, gender, created_at) VALUES (?, ?, ?, ?) RETURNING id";
static const char SQL_POST_ADD[] =
	"INSERT INTO post (person_id, unit_code, role, title, start_date, end_date) "
	"VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_POST_END[] =
	"UPDATE post SET end_date = ? WHERE id = ? AND end_date IS NULL RETURNING id";
static const char SQL_POSTS_CUR[] =
	"SELECT " POST_COLS " FROM post p JOIN person n ON n.id = p.person_id "
	"WHERE p.unit_code = ? AND p.end_date IS NULL ORDER BY p.role, p.start_date, p.id";
static const char SQL_POSTS_ALL[] =
	"SELECT " POST_COLS " FROM post p JOIN person n ON n.id = p.person_id "
	"WHERE p.end_date IS NULL ORDER BY p.unit_code, p.role, p.start_date, p.id";
static const char SQL_POSTS_HIST[] =
	"SELECT " POST_COLS " FROM post p JOIN person n ON n.id = p.person_id "
	"WHERE p.unit_code = ? ORDER BY p.start_date DESC, p.id DESC";

static void row_to_post(struct db_stmt *st, struct post_rec *p)
{
	const char *s;

	memset(p, 0, sizeof(*p));
	p->id = db_col_int64(st, 0);
	p->person_id = db_col_int64(st, 1);
	str_copy(p->unit_code, sizeof(p->unit_code), db_col_text(st, 2));
	str_copy(p->role, sizeof(p->role), db_col_text(st, 3));
	if ((s = db_col_text(st, 4))) str_copy(p->title, sizeof(p->title), s);
	str_copy(p->start_date, sizeof(p->start_date), db_col_text(st, 5));
	if ((s = db_col_text(st, 6))) str_copy(p->end_date, sizeof(p->end_date), s);
	str_copy(p->name, sizeof(p->name), db_col_text(st, 7));
	if ((s = db_col_text(st, 8))) str_copy(p->phone, sizeof(p->phone), s);
}

static int run_posts(struct db_stmt *st, post_cb cb, void *ctx, struct err *e)
{
	struct post_rec p;
	enum db_step r;
	int stop;

	while ((r = db_step(st, e)) == DB_ROW) {
		row_to_post(st, &p);
		if ((stop = cb(ctx, &p)) != 0) {
			db_finalize(st);
			return stop;
		}
	}
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

/* Step an INSERT … RETURNING id. */
static int insert_returning(struct db_stmt *st, int64_t *id, struct err *e)
{
	enum db_step r = db_step(st, e);
	if (r == DB_ROW && id)
		*id = db_col_int64(st, 0);
	if (r == DB_ROW)
		r = db_step(st, e);
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

int store_person_add(struct db *db, const struct person_rec *p, int64_t *id, struct err *e)
{
	struct db_stmt *st;
	char ts[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_PERSON_ADD, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, p->name);
	db_bind_text(st, 2, p->phone[0] ? p->phone : NULL);
	db_bind_text(st, 3, p->gender[0] ? p->gender : NULL);
	db_bind_text(st, 4, time_iso_now(ts));
	return insert_returning(st, id, e);
}

int store_post_add(struct db *db, const struct post_rec *p, int64_t *id, struct err *e)
{
	struct db_stmt *st;

	if (!staff_role_valid(p->role))
		return err_set_param(e, 400, "post.bad_role", "role", "未知岗位 '%s'",
		                     "unknown post role '%s'", p->role);
	if (db_prepare_cached(db, SQL_POST_ADD, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, p->person_id);
	db_bind_text(st, 2, p->unit_code);
	db_bind_text(st, 3, p->role);
	db_bind_text(st, 4, p->title[0] ? p->title : NULL);
	db_bind_text(st, 5, p->start_date);
	db_bind_text(st, 6, p->end_date[0] ? p->end_date : NULL);
	return insert_returning(st, id, e);
}

int store_post_end(struct db *db, int64_t post_id, const char *date, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	/* RETURNING tells whether this call ended the post: a post already
	 * ended, even on the same date, is a 404 rather than a silent success */
	if (db_prepare_cached(db, SQL_POST_END, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, date);
	db_bind_int64(st, 2, post_id);
	r = db_step(st, e);
	if (r == DB_ROW) {
		r = db_step(st, e);
	} else if (r == DB_DONE) {
		err_set(e, 404, "post.not_found", "岗位 %lld 不存在或已结束",
		        "post %lld unknown or already ended", (long long)post_id);
		r = DB_ERROR;
	}
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

int store_posts_current(struct db *db, const char *unit_code, post_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	if (db_prepare_cached(db, SQL_POSTS_CUR, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, unit_code);
	return run_posts(st, cb, ctx, e);
}

int store_posts_all_current(struct db *db, post_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	if (db_prepare_cached(db, SQL_POSTS_ALL, &st, e) < 0)
		return -1;
	return run_posts(st, cb, ctx, e);
}

int store_posts_history(struct db *db, const char *unit_code, post_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	if (db_prepare_cached(db, SQL_POSTS_HIST, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, unit_code);
	return run_posts(st, cb, ctx, e);
}
