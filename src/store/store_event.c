/*
 * store_event.c - SQL for grid events (see store_event.h). The column
 * lists, binders and row readers of the event table are kept in one place
 * below; keep them in the order of migration v3.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store_event.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

static void bind_text_or_null(struct db_stmt *st, int i, const char *s)
{
	if (s && *s)
		db_bind_text(st, i, s);
	else
		db_bind_null(st, i);
}

static void bind_int_or_null(struct db_stmt *st, int i, int64_t v)
{
	if (v)
		db_bind_int64(st, i, v);
	else
		db_bind_null(st, i);
}

static void copy_col(struct db_stmt *st, int i, char *dst, size_t n)
{
	const char *s = db_col_text(st, i);

	str_copy(dst, n, s ? s : "");
}

/* Run a statement that returns no rows (or ignores them). */
static int run(struct db_stmt *st, struct err *e)
{
	enum db_step r = db_step(st, e);

	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}

#define EVENT_COLS \
	"id, source, external_id, category_code, title, description, lon, "\
	"lat, cell, crs, address, grid_code, grid_reason, "\
	"urgency, status, loop, level, holder_code, dept_code, "\
	"assignee_id, reporter_id, reporter_name, reporter_phone, handler_id, verifier_id, "\
	"master_id, pending, pending_minutes, pending_by, prev_status, phase_started_at, "\
	"warn_at, deadline_at, due_at, next_check_at, warning, supervision, "\
	"overdue, rework_count, extension_count, reopen_count, escalated, rating, "\
	"rating_note, result, reject_reason, day, created_at, accepted_at, "\
	"closed_at, updated_at, version"
#define EVENT_NCOLS 52
static const char SQL_EVENT_INSERT[] =
	"INSERT INTO event (source, external_id, category_code, title, description, lon, lat, "
	"cell, crs, address, grid_code, grid_reason, urgency, status, loop, level, "
	"holder_code, dept_code, assignee_id, reporter_id, reporter_name, reporter_phone, "
	"handler_id, verifier_id, master_id, pending, pending_minutes, pending_by, "
	"prev_status, phase_started_at, warn_at, deadline_at, due_at, next_check_at, warning, "
	"supervision, overdue, rework_count, extension_count, reopen_count, escalated, "
	"rating, rating_note, result, reject_reason, day, created_at, accepted_at, closed_at, "
	"updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	"?, ?, ?, ?, ?) RETURNING id";
static const char SQL_EVENT_INSERT_ID[] =
	"INSERT INTO event (id, source, external_id, category_code, title, description, lon, "
	"lat, cell, crs, address, grid_code, grid_reason, urgency, status, loop, level, "
	"holder_code, dept_code, assignee_id, reporter_id, reporter_name, reporter_phone, "
	"handler_id, verifier_id, master_id, pending, pending_minutes, pending_by, "
	"prev_status, phase_started_at, warn_at, deadline_at, due_at, next_check_at, warning, "
	"supervision, overdue, rework_count, extension_count, reopen_count, escalated, "
	"rating, rating_note, result, reject_reason, day, created_at, accepted_at, closed_at, "
	"updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
	"?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_EVENT_UPDATE[] =
	"UPDATE event SET category_code = ?, title = ?, description = ?, lon = ?, lat = ?, "
	"cell = ?, crs = ?, address = ?, grid_code = ?, grid_reason = ?, urgency = ?, status "
	"= ?, loop = ?, level = ?, holder_code = ?, dept_code = ?, assignee_id = ?, "
	"reporter_id = ?, reporter_name = ?, reporter_phone = ?, handler_id = ?, verifier_id "
	"= ?, master_id = ?, pending = ?, pending_minutes = ?, pending_by = ?, prev_status = "
	"?, phase_started_at = ?, warn_at = ?, deadline_at = ?, due_at = ?, next_check_at = "
	"?, warning = ?, supervision = ?, overdue = ?, rework_count = ?, extension_count = ?, "
	"reopen_count = ?, escalated = ?, rating = ?, rating_note = ?, result = ?, "
	"reject_reason = ?, accepted_at = ?, closed_at = ?, updated_at = ?, version = version "
	"+ 1 WHERE id = ? AND version = ?";
static void bind_event(struct db_stmt *st, int first, const struct event_rec *ev)
{
	db_bind_text(st, first + 0, ev->source);
	bind_text_or_null(st, first + 1, ev->external_id);
	db_bind_text(st, first + 2, ev->category);
	db_bind_text(st, first + 3, ev->title);
	db_bind_text(st, first + 4, ev->description);
	db_bind_double(st, first + 5, ev->lon);
	db_bind_double(st, first + 6, ev->lat);
	db_bind_int64(st, first + 7, ev->cell);
	db_bind_text(st, first + 8, ev->crs);
	bind_text_or_null(st, first + 9, ev->address);
	db_bind_text(st, first + 10, ev->grid);
	bind_text_or_null(st, first + 11, ev->grid_reason);
	db_bind_int64(st, first + 12, ev->urgency);
	db_bind_text(st, first + 13, ev->status);
	db_bind_text(st, first + 14, ev->loop);
	db_bind_int64(st, first + 15, ev->level);
	db_bind_text(st, first + 16, ev->holder);
	bind_text_or_null(st, first + 17, ev->dept);
	bind_int_or_null(st, first + 18, ev->assignee_id);
	bind_int_or_null(st, first + 19, ev->reporter_id);
	bind_text_or_null(st, first + 20, ev->reporter_name);
	bind_text_or_null(st, first + 21, ev->reporter_phone);
	bind_int_or_null(st, first + 22, ev->handler_id);
	bind_int_or_null(st, first + 23, ev->verifier_id);
	bind_int_or_null(st, first + 24, ev->master_id);
	bind_text_or_null(st, first + 25, ev->pending);
	bind_int_or_null(st, first + 26, ev->pending_minutes);
	bind_int_or_null(st, first + 27, ev->pending_by);
	bind_text_or_null(st, first + 28, ev->prev_status);
	db_bind_int64(st, first + 29, ev->phase_started_at);
	bind_int_or_null(st, first + 30, ev->warn_at);
	bind_int_or_null(st, first + 31, ev->deadline_at);
	bind_int_or_null(st, first + 32, ev->due_at);
	bind_int_or_null(st, first + 33, ev->next_check_at);
	db_bind_int64(st, first + 34, ev->warning);
	db_bind_int64(st, first + 35, ev->supervision);
	db_bind_int64(st, first + 36, ev->overdue);
	db_bind_int64(st, first + 37, ev->rework_count);
	db_bind_int64(st, first + 38, ev->extension_count);
	db_bind_int64(st, first + 39, ev->reopen_count);
	db_bind_int64(st, first + 40, ev->escalated);
	bind_int_or_null(st, first + 41, ev->rating);
	bind_text_or_null(st, first + 42, ev->rating_note);
	bind_text_or_null(st, first + 43, ev->result);
	bind_text_or_null(st, first + 44, ev->reject_reason);
	db_bind_text(st, first + 45, ev->day);
	db_bind_int64(st, first + 46, ev->created_at);
	bind_int_or_null(st, first + 47, ev->accepted_at);
	bind_int_or_null(st, first + 48, ev->closed_at);
	db_bind_int64(st, first + 49, ev->updated_at);
	db_bind_int64(st, first + 50, ev->version);
}
static int bind_event_update(struct db_stmt *st, const struct event_rec *ev)
{
	int i = 1;

	db_bind_text(st, i++, ev->category);
	db_bind_text(st, i++, ev->title);
	db_bind_text(st, i++, ev->description);
	db_bind_double(st, i++, ev->lon);
	db_bind_double(st, i++, ev->lat);
	db_bind_int64(st, i++, ev->cell);
	db_bind_text(st, i++, ev->crs);
	bind_text_or_null(st, i++, ev->address);
	db_bind_text(st, i++, ev->grid);
	bind_text_or_null(st, i++, ev->grid_reason);
	db_bind_int64(st, i++, ev->urgency);
	db_bind_text(st, i++, ev->status);
	db_bind_text(st, i++, ev->loop);
	db_bind_int64(st, i++, ev->level);
	db_bind_text(st, i++, ev->holder);
	bind_text_or_null(st, i++, ev->dept);
	bind_int_or_null(st, i++, ev->assignee_id);
	bind_int_or_null(st, i++, ev->reporter_id);
	bind_text_or_null(st, i++, ev->reporter_name);
	bind_text_or_null(st, i++, ev->reporter_phone);
	bind_int_or_null(st, i++, ev->handler_id);
	bind_int_or_null(st, i++, ev->verifier_id);
	bind_int_or_null(st, i++, ev->master_id);
	bind_text_or_null(st, i++, ev->pending);
	bind_int_or_null(st, i++, ev->pending_minutes);
	bind_int_or_null(st, i++, ev->pending_by);
	bind_text_or_null(st, i++, ev->prev_status);
	db_bind_int64(st, i++, ev->phase_started_at);
	bind_int_or_null(st, i++, ev->warn_at);
	bind_int_or_null(st, i++, ev->deadline_at);
	bind_int_or_null(st, i++, ev->due_at);
	bind_int_or_null(st, i++, ev->next_check_at);
	db_bind_int64(st, i++, ev->warning);
	db_bind_int64(st, i++, ev->supervision);
	db_bind_int64(st, i++, ev->overdue);
	db_bind_int64(st, i++, ev->rework_count);
	db_bind_int64(st, i++, ev->extension_count);
	db_bind_int64(st, i++, ev->reopen_count);
	db_bind_int64(st, i++, ev->escalated);
	bind_int_or_null(st, i++, ev->rating);
	bind_text_or_null(st, i++, ev->rating_note);
	bind_text_or_null(st, i++, ev->result);
	bind_text_or_null(st, i++, ev->reject_reason);
	bind_int_or_null(st, i++, ev->accepted_at);
	bind_int_or_null(st, i++, ev->closed_at);
	db_bind_int64(st, i++, ev->updated_at);
	db_bind_int64(st, i++, ev->id);
	db_bind_int64(st, i++, ev->version);
	return i;
}
static void row_to_event(struct db_stmt *st, int first, struct event_rec *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->id = db_col_int64(st, first);
	copy_col(st, first + 1, ev->source, sizeof(ev->source));
	copy_col(st, first + 2, ev->external_id, sizeof(ev->external_id));
	copy_col(st, first + 3, ev->category, sizeof(ev->category));
	copy_col(st, first + 4, ev->title, sizeof(ev->title));
	copy_col(st, first + 5, ev->description, sizeof(ev->description));
	ev->lon = db_col_double(st, first + 6);
	ev->lat = db_col_double(st, first + 7);
	ev->cell = db_col_int64(st, first + 8);
	copy_col(st, first + 9, ev->crs, sizeof(ev->crs));
	copy_col(st, first + 10, ev->address, sizeof(ev->address));
	copy_col(st, first + 11, ev->grid, sizeof(ev->grid));
	copy_col(st, first + 12, ev->grid_reason, sizeof(ev->grid_reason));
	ev->urgency = (int)db_col_int64(st, first + 13);
	copy_col(st, first + 14, ev->status, sizeof(ev->status));
	copy_col(st, first + 15, ev->loop, sizeof(ev->loop));
	ev->level = (int)db_col_int64(st, first + 16);
	copy_col(st, first + 17, ev->holder, sizeof(ev->holder));
	copy_col(st, first + 18, ev->dept, sizeof(ev->dept));
	ev->assignee_id = db_col_int64(st, first + 19);
	ev->reporter_id = db_col_int64(st, first + 20);
	copy_col(st, first + 21, ev->reporter_name, sizeof(ev->reporter_name));
	copy_col(st, first + 22, ev->reporter_phone, sizeof(ev->reporter_phone));
	ev->handler_id = db_col_int64(st, first + 23);
	ev->verifier_id = db_col_int64(st, first + 24);
	ev->master_id = db_col_int64(st, first + 25);
	copy_col(st, first + 26, ev->pending, sizeof(ev->pending));
	ev->pending_minutes = (int)db_col_int64(st, first + 27);
	ev->pending_by = db_col_int64(st, first + 28);
	copy_col(st, first + 29, ev->prev_status, sizeof(ev->prev_status));
	ev->phase_started_at = db_col_int64(st, first + 30);
	ev->warn_at = db_col_int64(st, first + 31);
	ev->deadline_at = db_col_int64(st, first + 32);
	ev->due_at = db_col_int64(st, first + 33);
	ev->next_check_at = db_col_int64(st, first + 34);
	ev->warning = (int)db_col_int64(st, first + 35);
	ev->supervision = (int)db_col_int64(st, first + 36);
	ev->overdue = (int)db_col_int64(st, first + 37);
	ev->rework_count = (int)db_col_int64(st, first + 38);
	ev->extension_count = (int)db_col_int64(st, first + 39);
	ev->reopen_count = (int)db_col_int64(st, first + 40);
	ev->escalated = (int)db_col_int64(st, first + 41);
	ev->rating = (int)db_col_int64(st, first + 42);
	copy_col(st, first + 43, ev->rating_note, sizeof(ev->rating_note));
	copy_col(st, first + 44, ev->result, sizeof(ev->result));
	copy_col(st, first + 45, ev->reject_reason, sizeof(ev->reject_reason));
	copy_col(st, first + 46, ev->day, sizeof(ev->day));
	ev->created_at = db_col_int64(st, first + 47);
	ev->accepted_at = db_col_int64(st, first + 48);
	ev->closed_at = db_col_int64(st, first + 49);
	ev->updated_at = db_col_int64(st, first + 50);
	ev->version = (int)db_col_int64(st, first + 51);
}

/* ---------------------------------------------------------- categories */

static const char SQL_CAT_COLS[] = "";
#define CAT_COLS "code, parent_code, name, accept_minutes, handle_minutes, verify_minutes, sort, enabled"
static const char SQL_CAT_GET[] = "SELECT " CAT_COLS " FROM event_category WHERE code = ?";
static const char SQL_CAT_LIST[] =
	"SELECT " CAT_COLS " FROM event_category "
	"ORDER BY CASE WHEN parent_code IS NULL THEN 0 ELSE 1 END, COALESCE(parent_code, code), sort, code";
static const char SQL_CAT_PUT[] =
	"INSERT INTO event_category (code, parent_code, name, accept_minutes, handle_minutes, "
	"verify_minutes, sort, enabled, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
	"ON CONFLICT (code) DO UPDATE SET parent_code = excluded.parent_code, name = excluded.name, "
	"accept_minutes = excluded.accept_minutes, handle_minutes = excluded.handle_minutes, "
	"verify_minutes = excluded.verify_minutes, sort = excluded.sort, enabled = excluded.enabled, "
	"updated_at = excluded.updated_at";
static const char SQL_CAT_COUNT[] = "SELECT COUNT(*) FROM event_category";

static void row_to_category(struct db_stmt *st, struct category_rec *c)
{
	memset(c, 0, sizeof(*c));
	copy_col(st, 0, c->code, sizeof(c->code));
	copy_col(st, 1, c->parent, sizeof(c->parent));
	copy_col(st, 2, c->name, sizeof(c->name));
	for (int i = 0; i < 3; i++)
		c->minutes[i] = (int)db_col_int64(st, 3 + i);
	c->sort = (int)db_col_int64(st, 6);
	c->enabled = (int)db_col_int64(st, 7);
}

int store_category_get(struct db *db, const char *code, struct category_rec *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;
	int ret = -1;

	(void)SQL_CAT_COLS;
	if (db_prepare_cached(db, SQL_CAT_GET, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, code);
	r = db_step(st, e);
	if (r == DB_ROW) {
		row_to_category(st, out);
		ret = 0;
	} else if (r == DB_DONE) {
		err_set_param(e, 400, "event.bad_category", "category", "没有这个事件类别",
		              "no such event category");
	}
	db_finalize(st);
	return ret;
}

int store_category_list(struct db *db, category_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	struct category_rec c;
	enum db_step r;
	int ret = 0;

	if (db_prepare_cached(db, SQL_CAT_LIST, &st, e) < 0)
		return -1;
	while ((r = db_step(st, e)) == DB_ROW) {
		row_to_category(st, &c);
		if ((ret = cb(ctx, &c)) != 0)
			break;
	}
	if (r == DB_ERROR)
		ret = -1;
	db_finalize(st);
	return ret;
}

int store_category_put(struct db *db, const struct category_rec *c, struct err *e)
{
	struct db_stmt *st;
	char now[32];

	if (db_prepare_cached(db, SQL_CAT_PUT, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, c->code);
	bind_text_or_null(st, 2, c->parent);
	db_bind_text(st, 3, c->name);
	for (int i = 0; i < 3; i++)
		db_bind_int64(st, 4 + i, c->minutes[i]);
	db_bind_int64(st, 7, c->sort);
	db_bind_int64(st, 8, c->enabled);
	db_bind_text(st, 9, time_iso_now(now));
	return run(st, e);
}

static int count_one(struct db *db, const char *sql, int64_t *n, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, sql, &st, e) < 0)
		return -1;
	r = db_step(st, e);
	*n = r == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}

int store_category_count(struct db *db, int64_t *n, struct err *e)
{
	return count_one(db, SQL_CAT_COUNT, n, e);
}

/* -------------------------------------------------------------- events */

static const char SQL_EVENT_GET[] = "SELECT " EVENT_COLS " FROM event WHERE id = ?";
static const char SQL_EVENT_BY_EXT[] =
	"SELECT id FROM event WHERE source = ? AND external_id = ?";
static const char SQL_EVENT_NEAR[] =
	"SELECT " EVENT_COLS " FROM event WHERE category_code = ? "
	"AND cell IN (?, ?, ?, ?, ?, ?, ?, ?, ?) AND created_at >= ? "
	"AND status NOT IN ('rejected', 'closed', 'merged') ORDER BY created_at DESC, id DESC LIMIT ?";
static const char SQL_EVENT_MERGED[] =
	"SELECT " EVENT_COLS " FROM event WHERE master_id = ? ORDER BY id";
static const char SQL_EVENT_DUE[] =
	"SELECT id FROM event WHERE next_check_at IS NOT NULL AND next_check_at <= ? "
	"ORDER BY next_check_at LIMIT ?";

int store_event_insert(struct db *db, const struct event_rec *ev, int64_t *id, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, ev->id ? SQL_EVENT_INSERT_ID : SQL_EVENT_INSERT, &st, e) < 0)
		return -1;
	if (ev->id) {
		db_bind_int64(st, 1, ev->id);
		bind_event(st, 2, ev);
	} else {
		bind_event(st, 1, ev);
	}
	r = db_step(st, e);
	if (r == DB_ROW && id)
		*id = db_col_int64(st, 0);
	db_finalize(st);
	return r == DB_ROW ? 0 : -1;
}

int store_event_get(struct db *db, int64_t id, struct event_rec *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;
	int ret = -1;

	if (db_prepare_cached(db, SQL_EVENT_GET, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, id);
	r = db_step(st, e);
	if (r == DB_ROW) {
		row_to_event(st, 0, out);
		ret = 0;
	} else if (r == DB_DONE) {
		err_set(e, 404, "event.not_found", "找不到该事件", "no such event");
	}
	db_finalize(st);
	return ret;
}

static const char SQL_CHANGES[] = "SELECT 1 FROM event WHERE id = ? AND version = ?";

int store_event_update(struct db *db, struct event_rec *ev, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;
	int found;

	/* portable "rows affected": look before writing (the caller's
	 * transaction holds the write lock, so nothing moves in between) */
	if (db_prepare_cached(db, SQL_CHANGES, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, ev->id);
	db_bind_int64(st, 2, ev->version);
	r = db_step(st, e);
	found = r == DB_ROW;
	db_finalize(st);
	if (r == DB_ERROR)
		return -1;
	if (!found)
		return err_set(e, 409, "event.conflict", "事件已被他人更新，请刷新后重试",
		               "the event changed meanwhile; reload and try again");
	if (db_prepare_cached(db, SQL_EVENT_UPDATE, &st, e) < 0)
		return -1;
	bind_event_update(st, ev);
	if (run(st, e) < 0)
		return -1;
	ev->version++;
	return 0;
}

int store_event_by_external(struct db *db, const char *source, const char *ext, int64_t *id,
                            struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	*id = 0;
	if (db_prepare_cached(db, SQL_EVENT_BY_EXT, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, source);
	db_bind_text(st, 2, ext);
	r = db_step(st, e);
	if (r == DB_ROW)
		*id = db_col_int64(st, 0);
	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}

static int each_event(struct db_stmt *st, event_cb cb, void *ctx, struct err *e)
{
	struct event_rec *ev = malloc(sizeof(*ev));
	enum db_step r;
	int ret = 0;

	if (!ev) {
		db_finalize(st);
		return err_set(e, 500, "oom", "内存不足", "out of memory");
	}
	while ((r = db_step(st, e)) == DB_ROW) {
		row_to_event(st, 0, ev);
		if ((ret = cb(ctx, ev)) != 0)
			break;
	}
	if (r == DB_ERROR)
		ret = -1;
	db_finalize(st);
	free(ev);
	return ret;
}

int64_t store_event_cell(double lon, double lat)
{
	return (int64_t)floor(lat * 1000.0) * 1000000 + (int64_t)floor(lon * 1000.0);
}

int store_event_near(struct db *db, const char *category, int64_t since, double lon, double lat,
                     int limit, event_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	int i = 2;

	if (db_prepare_cached(db, SQL_EVENT_NEAR, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, category);
	for (int dy = -1; dy <= 1; dy++)
		for (int dx = -1; dx <= 1; dx++)
			db_bind_int64(st, i++, store_event_cell(lon + dx * 0.001, lat + dy * 0.001));
	db_bind_int64(st, i++, since);
	db_bind_int64(st, i, limit);
	return each_event(st, cb, ctx, e);
}

int store_event_merged_into(struct db *db, int64_t master, event_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_EVENT_MERGED, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, master);
	return each_event(st, cb, ctx, e);
}

int store_event_due(struct db *db, int64_t now, int limit, int64_t *ids, int *n, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	*n = 0;
	if (db_prepare_cached(db, SQL_EVENT_DUE, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, now);
	db_bind_int64(st, 2, limit);
	while (*n < limit && (r = db_step(st, e)) == DB_ROW)
		ids[(*n)++] = db_col_int64(st, 0);
	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}

/* ---------------------------------------------------------------- queue */

/* WHERE clause of a filter into sql, the values to bind in order into
 * binds (text or integer). */
struct bindv {
	int is_text;
	const char *s;
	int64_t i;
};

#define MAX_BINDS 40

static void add_text(struct bindv *b, int *n, const char *s)
{
	if (*n < MAX_BINDS)
		b[(*n)++] = (struct bindv){1, s, 0};
}

static void add_int(struct bindv *b, int *n, int64_t v)
{
	if (*n < MAX_BINDS)
		b[(*n)++] = (struct bindv){0, NULL, v};
}

static void filter_where(const struct event_filter *f, struct buf *sql, struct bindv *b, int *n,
                         char *under_hi, size_t hn, char *cat_hi, size_t cn)
{
	buf_adds(sql, " WHERE 1 = 1");
	if (f->status[0]) {
		buf_adds(sql, " AND status IN (");
		for (int i = 0; i < 12 && f->status[i]; i++) {
			buf_adds(sql, i ? ", ?" : "?");
			add_text(b, n, f->status[i]);
		}
		buf_adds(sql, ")");
	}
	if (f->loop) {
		buf_adds(sql, " AND loop = ?");
		add_text(b, n, f->loop);
	}
	if (f->category) {
		/* a level-1 code takes its children 'code.*' too */
		snprintf(cat_hi, cn, "%s/", f->category);
		buf_adds(sql, " AND (category_code = ? OR (category_code > ? AND category_code < ?))");
		add_text(b, n, f->category);
		add_text(b, n, f->category);
		add_text(b, n, cat_hi);
	}
	if (f->under && *f->under) {
		/* unit codes nest by prefix (docs/codes.md): a range scan */
		snprintf(under_hi, hn, "%s~", f->under);
		buf_adds(sql, " AND grid_code >= ? AND grid_code < ?");
		add_text(b, n, f->under);
		add_text(b, n, under_hi);
	}
	if (f->dept) {
		buf_adds(sql, " AND dept_code = ?");
		add_text(b, n, f->dept);
	}
	if (f->source) {
		buf_adds(sql, " AND source = ?");
		add_text(b, n, f->source);
	}
	if (f->from) {
		buf_adds(sql, " AND created_at >= ?");
		add_int(b, n, f->from);
	}
	if (f->to) {
		buf_adds(sql, " AND created_at < ?");
		add_int(b, n, f->to);
	}
	if (f->warning >= 0) {
		buf_adds(sql, " AND warning = ?");
		add_int(b, n, f->warning);
	}
	if (f->min_warning > 0) {
		buf_adds(sql, " AND warning >= ?");
		add_int(b, n, f->min_warning);
	}
	if (f->supervised)
		buf_adds(sql, " AND supervision > 0");
	if (f->assignee_id) {
		buf_adds(sql, " AND assignee_id = ?");
		add_int(b, n, f->assignee_id);
	}
	if (f->reporter_id) {
		buf_adds(sql, " AND reporter_id = ?");
		add_int(b, n, f->reporter_id);
	}
	if (f->pending)
		buf_adds(sql, " AND pending IS NOT NULL");
	if (f->q && *f->q) {
		buf_adds(sql, " AND (instr(title, ?) > 0 OR instr(COALESCE(address, ''), ?) > 0)");
		add_text(b, n, f->q);
		add_text(b, n, f->q);
	}
}

static void bind_all(struct db_stmt *st, const struct bindv *b, int n)
{
	for (int i = 0; i < n; i++) {
		if (b[i].is_text)
			db_bind_text(st, i + 1, b[i].s);
		else
			db_bind_int64(st, i + 1, b[i].i);
	}
}

int store_event_query(struct db *db, const struct event_filter *f, event_cb cb, void *ctx,
                      struct err *e)
{
	struct buf sql;
	struct bindv b[MAX_BINDS];
	char under_hi[EV_CODE_MAX + 2], cat_hi[EV_CODE_MAX + 2];
	struct db_stmt *st;
	int n = 0;
	const char *key = f->sort == EV_SORT_DEADLINE ? "COALESCE(deadline_at, 9223372036854775807)"
	                                              : "created_at";

	buf_init(&sql, 16384);
	buf_adds(&sql, "SELECT " EVENT_COLS " FROM event");
	filter_where(f, &sql, b, &n, under_hi, sizeof(under_hi), cat_hi, sizeof(cat_hi));
	if (f->after_id) {
		if (f->sort == EV_SORT_DEADLINE)
			buf_printf(&sql, " AND (%s > ? OR (%s = ? AND id > ?))", key, key);
		else
			buf_printf(&sql, " AND (%s < ? OR (%s = ? AND id < ?))", key, key);
		add_int(b, &n, f->after_key);
		add_int(b, &n, f->after_key);
		add_int(b, &n, f->after_id);
	}
	if (f->sort == EV_SORT_DEADLINE)
		buf_printf(&sql, " ORDER BY %s, id", key);
	else
		buf_printf(&sql, " ORDER BY %s DESC, id DESC", key);
	buf_printf(&sql, " LIMIT %d", f->limit > 0 ? f->limit : 50);
	if (db_prepare(db, sql.data, &st, e) < 0) {
		buf_release(&sql);
		return -1;
	}
	buf_release(&sql);
	bind_all(st, b, n);
	return each_event(st, cb, ctx, e);
}

int store_event_count(struct db *db, const struct event_filter *f, int64_t *out, struct err *e)
{
	struct buf sql;
	struct bindv b[MAX_BINDS];
	char under_hi[EV_CODE_MAX + 2], cat_hi[EV_CODE_MAX + 2];
	struct db_stmt *st;
	enum db_step r;
	int n = 0;

	buf_init(&sql, 16384);
	buf_adds(&sql, "SELECT COUNT(*) FROM event");
	filter_where(f, &sql, b, &n, under_hi, sizeof(under_hi), cat_hi, sizeof(cat_hi));
	if (db_prepare(db, sql.data, &st, e) < 0) {
		buf_release(&sql);
		return -1;
	}
	buf_release(&sql);
	bind_all(st, b, n);
	r = db_step(st, e);
	*out = r == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}

/* ------------------------------------------------------------- timeline */

#define LOG_COLS "id, event_id, at, action, from_status, to_status, actor_id, actor_name, role, " \
	"unit_code, note, detail, photos, public, grid_code, dept_code"
static const char SQL_LOG_ADD[] =
	"INSERT INTO event_log (event_id, at, action, from_status, to_status, actor_id, actor_name, "
	"role, unit_code, note, detail, photos, public, grid_code, dept_code) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_LOG_LIST[] =
	"SELECT " LOG_COLS " FROM event_log WHERE event_id = ? ORDER BY id";
static const char SQL_LOG_SINCE[] =
	"SELECT " LOG_COLS " FROM event_log WHERE id > ? ORDER BY id LIMIT ?";
static const char SQL_LOG_LAST[] = "SELECT COALESCE(MAX(id), 0) FROM event_log";

int store_event_log_add(struct db *db, const struct event_log_rec *l, int64_t *id, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_LOG_ADD, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, l->event_id);
	db_bind_int64(st, 2, l->at);
	db_bind_text(st, 3, l->action);
	bind_text_or_null(st, 4, l->from_status);
	db_bind_text(st, 5, l->to_status);
	bind_int_or_null(st, 6, l->actor_id);
	bind_text_or_null(st, 7, l->actor_name);
	bind_text_or_null(st, 8, l->role);
	bind_text_or_null(st, 9, l->unit_code);
	bind_text_or_null(st, 10, l->note);
	bind_text_or_null(st, 11, l->detail);
	bind_text_or_null(st, 12, l->photos);
	db_bind_int64(st, 13, l->public_step);
	db_bind_text(st, 14, l->grid_code);
	bind_text_or_null(st, 15, l->dept_code);
	r = db_step(st, e);
	if (r == DB_ROW && id)
		*id = db_col_int64(st, 0);
	db_finalize(st);
	return r == DB_ROW ? 0 : -1;
}

static const char *col_or_null(struct db_stmt *st, int i)
{
	return db_col_is_null(st, i) ? NULL : db_col_text(st, i);
}

static int each_log(struct db_stmt *st, event_log_cb cb, void *ctx, struct err *e)
{
	struct event_log_rec l;
	enum db_step r;
	int ret = 0;

	while ((r = db_step(st, e)) == DB_ROW) {
		l.id = db_col_int64(st, 0);
		l.event_id = db_col_int64(st, 1);
		l.at = db_col_int64(st, 2);
		l.action = db_col_text(st, 3);
		l.from_status = col_or_null(st, 4);
		l.to_status = db_col_text(st, 5);
		l.actor_id = db_col_int64(st, 6);
		l.actor_name = col_or_null(st, 7);
		l.role = col_or_null(st, 8);
		l.unit_code = col_or_null(st, 9);
		l.note = col_or_null(st, 10);
		l.detail = col_or_null(st, 11);
		l.photos = col_or_null(st, 12);
		l.public_step = (int)db_col_int64(st, 13);
		l.grid_code = db_col_text(st, 14);
		l.dept_code = col_or_null(st, 15);
		if ((ret = cb(ctx, &l)) != 0)
			break;
	}
	if (r == DB_ERROR)
		ret = -1;
	db_finalize(st);
	return ret;
}

int store_event_log_list(struct db *db, int64_t event_id, event_log_cb cb, void *ctx,
                         struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_LOG_LIST, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, event_id);
	return each_log(st, cb, ctx, e);
}

int store_event_log_since(struct db *db, int64_t after, int limit, event_log_cb cb, void *ctx,
                          struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_LOG_SINCE, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, after);
	db_bind_int64(st, 2, limit);
	return each_log(st, cb, ctx, e);
}

int store_event_log_last_id(struct db *db, int64_t *id, struct err *e)
{
	return count_one(db, SQL_LOG_LAST, id, e);
}

/* ------------------------------------------ photos, supervision, idempotency */

static const char SQL_EPHOTO_ADD[] =
	"INSERT INTO event_photo (event_id, sha256, log_id, kind) VALUES (?, ?, ?, ?) "
	"ON CONFLICT (event_id, sha256) DO NOTHING";
static const char SQL_EPHOTO_LIST[] =
	"SELECT sha256, kind, COALESCE(log_id, 0) FROM event_photo WHERE event_id = ? "
	"ORDER BY log_id, sha256";
static const char SQL_SUP_ADD[] =
	"INSERT INTO event_supervision (event_id, level, unit_code, actor_id, note, at) "
	"VALUES (?, ?, ?, ?, ?, ?)";
static const char SQL_SUP_LIST[] =
	"SELECT id, level, unit_code, COALESCE(actor_id, 0), note, at FROM event_supervision "
	"WHERE event_id = ? ORDER BY id";
static const char SQL_IDEM_GET[] =
	"SELECT body_hash, event_id FROM event_idem WHERE account_id = ? AND idem_key = ?";
static const char SQL_IDEM_PUT[] =
	"INSERT INTO event_idem (account_id, idem_key, body_hash, event_id, created_at) "
	"VALUES (?, ?, ?, ?, ?)";

int store_event_photo_add(struct db *db, int64_t event_id, const char *sha, int64_t log_id,
                          const char *kind, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_EPHOTO_ADD, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, event_id);
	db_bind_text(st, 2, sha);
	bind_int_or_null(st, 3, log_id);
	db_bind_text(st, 4, kind);
	return run(st, e);
}

int store_event_photos(struct db *db, int64_t event_id, event_photo_cb cb, void *ctx,
                       struct err *e)
{
	struct db_stmt *st;
	enum db_step r;
	int ret = 0;

	if (db_prepare_cached(db, SQL_EPHOTO_LIST, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, event_id);
	while ((r = db_step(st, e)) == DB_ROW)
		if ((ret = cb(ctx, db_col_text(st, 0), db_col_text(st, 1), db_col_int64(st, 2))) != 0)
			break;
	if (r == DB_ERROR)
		ret = -1;
	db_finalize(st);
	return ret;
}

int store_supervision_add(struct db *db, int64_t event_id, int level, const char *unit_code,
                          int64_t actor_id, const char *note, int64_t at, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_SUP_ADD, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, event_id);
	db_bind_int64(st, 2, level);
	db_bind_text(st, 3, unit_code);
	bind_int_or_null(st, 4, actor_id);
	bind_text_or_null(st, 5, note);
	db_bind_int64(st, 6, at);
	return run(st, e);
}

int store_supervisions(struct db *db, int64_t event_id, supervision_cb cb, void *ctx,
                       struct err *e)
{
	struct db_stmt *st;
	enum db_step r;
	int ret = 0;

	if (db_prepare_cached(db, SQL_SUP_LIST, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, event_id);
	while ((r = db_step(st, e)) == DB_ROW)
		if ((ret = cb(ctx, db_col_int64(st, 0), (int)db_col_int64(st, 1), db_col_text(st, 2),
		              db_col_int64(st, 3), col_or_null(st, 4), db_col_int64(st, 5))) != 0)
			break;
	if (r == DB_ERROR)
		ret = -1;
	db_finalize(st);
	return ret;
}

int store_idem_get(struct db *db, int64_t account, const char *key, char hash[65],
                   int64_t *event_id, int *found, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	*found = 0;
	if (db_prepare_cached(db, SQL_IDEM_GET, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, account);
	db_bind_text(st, 2, key);
	r = db_step(st, e);
	if (r == DB_ROW) {
		*found = 1;
		copy_col(st, 0, hash, 65);
		*event_id = db_col_int64(st, 1);
	}
	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}

int store_idem_put(struct db *db, int64_t account, const char *key, const char *hash,
                   int64_t event_id, int64_t at, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_IDEM_PUT, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, account);
	db_bind_text(st, 2, key);
	db_bind_text(st, 3, hash);
	db_bind_int64(st, 4, event_id);
	db_bind_int64(st, 5, at);
	return run(st, e);
}

/* ------------------------------------------------ dispatch recommendations */

static const char SQL_DEPT_RECORDS[] =
	"SELECT d.code, d.name, COUNT(e.id), "
	"       COALESCE(SUM(CASE WHEN e.due_at IS NOT NULL AND e.closed_at <= e.due_at "
	"                    THEN 1 ELSE 0 END), 0) "
	"FROM department d LEFT JOIN event e ON e.dept_code = d.code AND e.status = 'closed' "
	"  AND e.category_code = ? AND e.grid_code >= ? AND e.grid_code < ? AND e.closed_at >= ? "
	"WHERE d.district_code = ? "
	"GROUP BY d.code, d.name ORDER BY d.code";

int store_event_dept_records(struct db *db, const char *district, const char *category,
                             const char *town, int64_t since, dept_record_cb cb, void *ctx,
                             struct err *e)
{
	struct db_stmt *st;
	struct dept_record r;
	char town_hi[EV_CODE_MAX + 2];
	enum db_step step;
	int ret = 0;

	/* unit codes nest by prefix (docs/codes.md): the town's grids are a range */
	snprintf(town_hi, sizeof(town_hi), "%s~", town);
	if (db_prepare_cached(db, SQL_DEPT_RECORDS, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, category);
	db_bind_text(st, 2, town);
	db_bind_text(st, 3, town_hi);
	db_bind_int64(st, 4, since);
	db_bind_text(st, 5, district);
	while ((step = db_step(st, e)) == DB_ROW) {
		memset(&r, 0, sizeof(r));
		copy_col(st, 0, r.code, sizeof(r.code));
		copy_col(st, 1, r.name, sizeof(r.name));
		r.closed = db_col_int64(st, 2);
		r.on_time = db_col_int64(st, 3);
		if ((ret = cb(ctx, &r)) != 0)
			break;
	}
	if (step == DB_ERROR)
		ret = -1;
	db_finalize(st);
	return ret;
}
