/*
 * store_event.c - SQL for grid events (see store_event.h). The column
 * lists, binders and row readers of the event table are kept in one place
 * below; keep them in the order of migration v3.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
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
/* each cell newest first straight off the partial index of open events
 * (deadline_at is set exactly while an event is open), which covers the
 * query: a hotspot cell with thousands of reports a day costs `limit` index
 * entries, not a sort of all of them nor a row read each. The 3 × 3 cells
 * are one statement, a UNION ALL of one such scan a cell (a subquery in
 * FROM, as both SQLite and PostgreSQL accept ORDER BY/LIMIT there; each
 * plans as a bounded backward scan of event_near): one execution instead
 * of nine, on PostgreSQL one round trip instead of nine. Four parameters
 * an arm: category, cell, since, limit. */
#define NEAR_CELL_ARM(k)                                                                           \
	"SELECT id, lon, lat, status, title FROM (SELECT id, lon, lat, status, title FROM event "    \
	"WHERE category_code = ? "                                                                  \
	"AND cell = ? AND deadline_at IS NOT NULL AND created_at >= ? "                               \
	"ORDER BY created_at DESC LIMIT ?) AS c" #k
static const char SQL_EVENT_NEAR[] =
	NEAR_CELL_ARM(0) " UNION ALL " NEAR_CELL_ARM(1) " UNION ALL " NEAR_CELL_ARM(2) " UNION ALL "
	NEAR_CELL_ARM(3) " UNION ALL " NEAR_CELL_ARM(4) " UNION ALL " NEAR_CELL_ARM(5) " UNION ALL "
	NEAR_CELL_ARM(6) " UNION ALL " NEAR_CELL_ARM(7) " UNION ALL " NEAR_CELL_ARM(8);
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
                     int limit, event_near_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	struct event_near_rec r = {0};
	enum db_step rs;
	int ret = 0, k = 0;

	if (db_prepare_cached(db, SQL_EVENT_NEAR, &st, e) < 0)
		return -1;
	for (int dy = -1; dy <= 1; dy++)
		for (int dx = -1; dx <= 1; dx++, k++) {
			db_bind_text(st, 4 * k + 1, category);
			db_bind_int64(st, 4 * k + 2, store_event_cell(lon + dx * 0.001, lat + dy * 0.001));
			db_bind_int64(st, 4 * k + 3, since);
			db_bind_int64(st, 4 * k + 4, limit);
		}
	while ((rs = db_step(st, e)) == DB_ROW) {
		r.id = db_col_int64(st, 0);
		r.lon = db_col_double(st, 1);
		r.lat = db_col_double(st, 2);
		r.status = db_col_text(st, 3);
		r.title = db_col_text(st, 4);
		if ((ret = cb(ctx, &r)) != 0)
			break;
	}
	if (rs == DB_ERROR)
		ret = -1;
	db_finalize(st);
	return ret;
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

/* q as a LIKE pattern %q% into out, its wildcards escaped with a backslash. */
static void like_pattern(const char *q, char *out, size_t n)
{
	size_t k = 0;

	if (n < 3)
		return;
	out[k++] = '%';
	for (; *q && k + 3 < n; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			out[k++] = '\\';
		out[k++] = *q;
	}
	out[k++] = '%';
	out[k] = '\0';
}

#define Q_LIKE_MAX (2 * 64 + 3)

/* What the unit filter narrowed to, for the ORDER BY that lets the index
 * give the page order. */
enum scope_kind { SCOPE_NONE, SCOPE_COMMUNITY, SCOPE_WIDE };

static enum scope_kind filter_where(struct db *db, const struct event_filter *f, struct buf *sql,
                                    struct bindv *b, int *n, char *under_hi, size_t hn,
                                    char *cat_hi, size_t cn, char *q_like, size_t qn, int sort_deadline)
{
	enum scope_kind kind = SCOPE_NONE;
	/* "open events only" is said once: PostgreSQL multiplies the
	 * selectivities of repeated conditions and then misplans */
	int open_only = sort_deadline;

	buf_adds(sql, " WHERE 1 = 1");
	if (f->status[0]) {
		static const char *const open[] = {"reported", "handling", "escalated", "registered",
		                                   "dispatched", "verifying", "verified"};
		int nopen = 0, nall = 0;

		for (int i = 0; i < 12 && f->status[i]; i++, nall++)
			for (size_t k = 0; k < sizeof(open) / sizeof(open[0]); k++)
				if (strcmp(f->status[i], open[k]) == 0) {
					nopen++;
					break;
				}
		if (nall == nopen && nopen == (int)(sizeof(open) / sizeof(open[0]))) {
			/* every open status: exactly the events with a deadline
			 * (set_clock keeps one on every open event), which the
			 * small indexes of open events hold and planners estimate */
			open_only = 1;
		} else {
			buf_adds(sql, " AND status IN (");
			for (int i = 0; i < 12 && f->status[i]; i++) {
				buf_adds(sql, i ? ", ?" : "?");
				add_text(b, n, f->status[i]);
			}
			buf_adds(sql, ")");
			if (nall == nopen)
				open_only = 1;
		}
	}
	if (f->loop) {
		buf_adds(sql, " AND loop = ?");
		add_text(b, n, f->loop);
	}
	if (f->category) {
		/* a level-1 code takes its children 'code.*' too (codes are
		 * [a-z.] only: no LIKE wildcards inside) */
		snprintf(cat_hi, cn, "%s.%%", f->category);
		buf_adds(sql, " AND (category_code = ? OR category_code LIKE ?)");
		add_text(b, n, f->category);
		add_text(b, n, cat_hi);
	}
	if (f->under && *f->under) {
		/* unit codes are digits nesting by prefix (docs/codes.md). The
		 * plan follows the unit's size: a community, and an area or a
		 * grid in it, walks the community's index in order, checking
		 * the grid on the index entry (grid_code ends it, migration 10);
		 * a town or the district walks the order of the page (id or
		 * deadline) and filters, its events being dense there. `|| ''`
		 * keeps either planner off a range index for those. */
		size_t ul = strlen(f->under);
		long len = (long)str_copy(under_hi, hn, f->under);

		while (len > 0 && under_hi[len - 1] == '9')
			len--;
		if (len == 0) {
			str_copy(under_hi, hn, "zzzzzzzz");
		} else {
			under_hi[len - 1]++;
			under_hi[len] = '\0';
		}
		if (ul >= 12) {
			char *comm = under_hi + hn / 2;         /* second half of the buffer */

			snprintf(comm, hn / 2, "%.12s", f->under);
			buf_adds(sql, " AND community_code = ?");
			add_text(b, n, comm);
			if (ul >= 16) {
				buf_adds(sql, " AND grid_code = ?");
				add_text(b, n, f->under);
			} else if (ul > 12) {
				buf_adds(sql, " AND grid_code >= ? AND grid_code < ?");
				add_text(b, n, f->under);
				add_text(b, n, under_hi);
			}
			kind = SCOPE_COMMUNITY;
		} else {
			/* PostgreSQL estimates a plain range from its statistics
			 * and then walks the page order by itself; SQLite would
			 * take the range index and sort, so it gets the expression */
			if (strcmp(db_driver_name(db), "postgresql") == 0)
				buf_adds(sql, " AND grid_code >= ? AND grid_code < ?");
			else
				buf_adds(sql, " AND (grid_code || '') >= ? AND (grid_code || '') < ?");
			add_text(b, n, f->under);
			add_text(b, n, under_hi);
			kind = SCOPE_WIDE;
		}
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
	/* warnings and supervision lists are of open events: say so, and the
	 * small indexes of open events serve them */
	if (f->warning > 0 || f->min_warning > 0 || f->supervised)
		open_only = 1;
	if (open_only)
		buf_adds(sql, " AND deadline_at IS NOT NULL");
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
		/* LIKE, not instr(): PostgreSQL has no instr */
		like_pattern(f->q, q_like, qn);
		buf_adds(sql, " AND (title LIKE ? ESCAPE '\\' OR COALESCE(address, '') LIKE ? ESCAPE '\\')");
		add_text(b, n, q_like);
		add_text(b, n, q_like);
	}
	return kind;
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
	char under_hi[EV_CODE_MAX + 2], cat_hi[EV_CODE_MAX + 2], q_like[Q_LIKE_MAX];
	struct db_stmt *st;
	int n = 0;
	char under_buf[2 * (EV_CODE_MAX + 2)];
	enum scope_kind kind;
	const char *lead;

	buf_init(&sql, 16384);
	buf_adds(&sql, "SELECT " EVENT_COLS " FROM event");
	kind = filter_where(db, f, &sql, b, &n, under_buf, sizeof(under_buf), cat_hi, sizeof(cat_hi),
	                    q_like, sizeof(q_like), f->sort == EV_SORT_DEADLINE);
	/* a community scope (a grid's or an area's too) is an equality on the
	 * first column of its index: naming that column first in ORDER BY
	 * changes no order and tells either planner the index gives it */
	lead = kind == SCOPE_COMMUNITY ? "community_code, " : "";
	(void)under_hi;
	if (f->sort == EV_SORT_DEADLINE) {
		/* by deadline: open events, the only ones with a deadline (the
		 * condition is in the WHERE already) */
		if (f->after_id) {
			buf_adds(&sql, " AND (deadline_at > ? OR (deadline_at = ? AND id > ?))");
			add_int(b, &n, f->after_key);
			add_int(b, &n, f->after_key);
			add_int(b, &n, f->after_id);
		}
		buf_printf(&sql, " ORDER BY %sdeadline_at, id", lead);
	} else {
		/* newest first: ids are handed out in report order */
		if (f->after_id) {
			buf_adds(&sql, " AND id < ?");
			add_int(b, &n, f->after_id);
		}
		buf_printf(&sql, " ORDER BY %s", kind == SCOPE_COMMUNITY ? "community_code DESC, id DESC"
		                                                         : "id DESC");
	}
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
	char under_hi[2 * (EV_CODE_MAX + 2)], cat_hi[EV_CODE_MAX + 2], q_like[Q_LIKE_MAX];
	struct db_stmt *st;
	enum db_step r;
	int n = 0;

	buf_init(&sql, 16384);
	buf_adds(&sql, "SELECT COUNT(*) FROM event");
	filter_where(db, f, &sql, b, &n, under_hi, sizeof(under_hi), cat_hi, sizeof(cat_hi), q_like,
	             sizeof(q_like), 0);
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

/* ---------------------------------------------------------- live stream */

static const char SQL_STREAM_SINCE[] =
	"SELECT l.id, l.event_id, l.at, l.action, l.from_status, l.to_status, l.actor_id, "
	"l.actor_name, l.role, l.unit_code, l.note, l.public, l.grid_code, l.dept_code, "
	"e.category_code, c.name, e.title, e.status, e.loop, e.source, e.urgency, e.warning, "
	"e.lon, e.lat, COALESCE(e.reporter_id, 0) "
	"FROM event_log l JOIN event e ON e.id = l.event_id "
	"LEFT JOIN event_category c ON c.code = e.category_code "
	"WHERE l.id > ? ORDER BY l.id LIMIT ?";

int store_event_stream_since(struct db *db, int64_t after, int limit, event_stream_cb cb,
                             void *ctx, struct err *e)
{
	struct db_stmt *st;
	struct event_stream_rec r;
	enum db_step step;
	int ret = 0;

	if (db_prepare_cached(db, SQL_STREAM_SINCE, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, after);
	db_bind_int64(st, 2, limit);
	while ((step = db_step(st, e)) == DB_ROW) {
		memset(&r, 0, sizeof(r));
		r.log.id = db_col_int64(st, 0);
		r.log.event_id = db_col_int64(st, 1);
		r.log.at = db_col_int64(st, 2);
		r.log.action = db_col_text(st, 3);
		r.log.from_status = col_or_null(st, 4);
		r.log.to_status = db_col_text(st, 5);
		r.log.actor_id = db_col_int64(st, 6);
		r.log.actor_name = col_or_null(st, 7);
		r.log.role = col_or_null(st, 8);
		r.log.unit_code = col_or_null(st, 9);
		r.log.note = col_or_null(st, 10);
		r.log.public_step = (int)db_col_int64(st, 11);
		r.log.grid_code = db_col_text(st, 12);
		r.log.dept_code = col_or_null(st, 13);
		r.category = db_col_text(st, 14);
		r.category_name = col_or_null(st, 15);
		r.title = db_col_text(st, 16);
		r.status = db_col_text(st, 17);
		r.loop = db_col_text(st, 18);
		r.source = db_col_text(st, 19);
		r.urgency = (int)db_col_int64(st, 20);
		r.warning = (int)db_col_int64(st, 21);
		r.lon = db_col_double(st, 22);
		r.lat = db_col_double(st, 23);
		r.reporter_id = db_col_int64(st, 24);
		if ((ret = cb(ctx, &r)) != 0)
			break;
	}
	if (step == DB_ERROR)
		ret = -1;
	db_finalize(st);
	return ret;
}

/* ---------------------------------------------------------- bulk loading */

/* Multi-row INSERTs built by the preprocessor, so that they stay string
 * constants (the statement cache is keyed by their address). */
#define Q10 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
#define EV_ROW "(" Q10 ", " Q10 ", " Q10 ", " Q10 ", " Q10 ", ?, ?)"  /* id + 51 columns */
#define LOG_ROW "(" Q10 ", ?, ?, ?, ?, ?, ?)"                          /* 16 columns */
#define SUP_ROW "(?, ?, ?, ?, ?, ?, ?)"                                /* 7 columns */
#define X2(r) r ", " r
#define X4(r) X2(X2(r))
#define X8(r) X2(X4(r))
#define X16(r) X2(X8(r))
#define X32(r) X2(X16(r))
#define X64(r) X2(X32(r))
#define X128(r) X2(X64(r))
#define EV_NPARAMS 52
#define LOG_NPARAMS 16
#define SUP_NPARAMS 7
#define SUP_COLS "id, event_id, level, unit_code, actor_id, note, at"

static const char SQL_EVENT_BULK1[] = "INSERT INTO event (" EVENT_COLS ") VALUES " EV_ROW;
static const char SQL_EVENT_BULKN[] = "INSERT INTO event (" EVENT_COLS ") VALUES " X32(EV_ROW);
static const char SQL_LOG_BULK1[] = "INSERT INTO event_log (" LOG_COLS ") VALUES " LOG_ROW;
static const char SQL_LOG_BULKN[] = "INSERT INTO event_log (" LOG_COLS ") VALUES " X128(LOG_ROW);
static const char SQL_SUP_BULK1[] = "INSERT INTO event_supervision (" SUP_COLS ") VALUES " SUP_ROW;
static const char SQL_SUP_BULKN[] =
	"INSERT INTO event_supervision (" SUP_COLS ") VALUES " X64(SUP_ROW);

_Static_assert(EV_BULK_EVENTS == 32 && EV_BULK_LOGS == 128 && EV_BULK_SUPERVISIONS == 64,
               "the X32/X128/X64 rows of the bulk INSERTs follow these sizes");

#define LOG_NTEXT 11
struct bulk_log {
	size_t text0;                    /* text length when the row came: first byte of its strings */
	int64_t id, event_id, at, actor_id;
	int public_step;
	uint32_t s[LOG_NTEXT];           /* offset + 1 into the text, 0 = NULL: action, from, to,
	                                    actor, role, unit, note, detail, photos, grid, dept */
};

struct bulk_sup {
	size_t text0;
	int64_t id, event_id, actor_id, at;
	int level;
	uint32_t s[2];                   /* unit_code, note */
};

/* A queue of rows whose strings live in one growing text buffer. */
struct bulk_q {
	void *slots;
	size_t size;                     /* bytes of a slot; every slot starts with text0 */
	int n, cap;
	struct buf text;
};

struct event_bulk {
	struct db *db;
	struct event_rec *ev;            /* [EV_BULK_EVENTS] */
	int nev;
	struct bulk_q log, sup;
	int64_t events, logs, sups;      /* rows written */
};

#define BULK_TEXT_MAX ((size_t)1 << 30)

static void *q_add(struct bulk_q *q)
{
	char *slot;

	if (q->n == q->cap) {
		int cap = q->cap ? 2 * q->cap : 256;
		void *p = realloc(q->slots, (size_t)cap * q->size);
		if (!p)
			return NULL;
		q->slots = p;
		q->cap = cap;
	}
	slot = (char *)q->slots + (size_t)q->n++ * q->size;
	memset(slot, 0, q->size);
	*(size_t *)(void *)slot = q->text.len;
	return slot;
}

static void *q_slot(const struct bulk_q *q, int i)
{
	return (char *)q->slots + (size_t)i * q->size;
}

/* Copy s into the text: its offset + 1, 0 for NULL, or -1 without memory. */
static int64_t q_text(struct bulk_q *q, const char *s)
{
	size_t at = q->text.len;

	if (!s)
		return 0;
	if (buf_add(&q->text, s, strlen(s) + 1) < 0)
		return -1;
	return (int64_t)at + 1;
}

static const char *q_str(const struct bulk_q *q, uint32_t off)
{
	return off ? q->text.data + off - 1 : NULL;
}

/* Forget the first k rows and their text. */
static void q_drop(struct bulk_q *q, int k, int ntext, size_t text_at)
{
	size_t cut;

	if (k <= 0)
		return;
	if (k >= q->n) {
		q->n = 0;
		q->text.len = 0;
		return;
	}
	cut = *(size_t *)q_slot(q, k);
	memmove(q->slots, q_slot(q, k), (size_t)(q->n - k) * q->size);
	q->n -= k;
	if (cut > 0 && q->text.len > cut)
		memmove(q->text.data, q->text.data + cut, q->text.len - cut);
	q->text.len -= cut;
	for (int i = 0; i < q->n; i++) {
		char *slot = q_slot(q, i);
		uint32_t *s = (uint32_t *)(void *)(slot + text_at);
		*(size_t *)(void *)slot -= cut;
		for (int j = 0; j < ntext; j++)
			if (s[j])
				s[j] -= (uint32_t)cut;
	}
}

static void bind_log_row(struct db_stmt *st, int first, const struct bulk_q *q,
                         const struct bulk_log *l)
{
	db_bind_int64(st, first, l->id);
	db_bind_int64(st, first + 1, l->event_id);
	db_bind_int64(st, first + 2, l->at);
	db_bind_text(st, first + 3, q_str(q, l->s[0]));
	bind_text_or_null(st, first + 4, q_str(q, l->s[1]));
	db_bind_text(st, first + 5, q_str(q, l->s[2]));
	bind_int_or_null(st, first + 6, l->actor_id);
	bind_text_or_null(st, first + 7, q_str(q, l->s[3]));
	bind_text_or_null(st, first + 8, q_str(q, l->s[4]));
	bind_text_or_null(st, first + 9, q_str(q, l->s[5]));
	bind_text_or_null(st, first + 10, q_str(q, l->s[6]));
	bind_text_or_null(st, first + 11, q_str(q, l->s[7]));
	bind_text_or_null(st, first + 12, q_str(q, l->s[8]));
	db_bind_int64(st, first + 13, l->public_step);
	db_bind_text(st, first + 14, q_str(q, l->s[9]));
	bind_text_or_null(st, first + 15, q_str(q, l->s[10]));
}

static void bind_sup_row(struct db_stmt *st, int first, const struct bulk_q *q,
                         const struct bulk_sup *s)
{
	db_bind_int64(st, first, s->id);
	db_bind_int64(st, first + 1, s->event_id);
	db_bind_int64(st, first + 2, s->level);
	db_bind_text(st, first + 3, q_str(q, s->s[0]));
	bind_int_or_null(st, first + 4, s->actor_id);
	bind_text_or_null(st, first + 5, q_str(q, s->s[1]));
	db_bind_int64(st, first + 6, s->at);
}

/* Write rows [from, from + rows) of a queue with one statement. */
static int q_write(struct event_bulk *b, int which, int from, int rows, struct err *e)
{
	static const char *const many[] = {SQL_EVENT_BULKN, SQL_LOG_BULKN, SQL_SUP_BULKN};
	static const char *const one[] = {SQL_EVENT_BULK1, SQL_LOG_BULK1, SQL_SUP_BULK1};
	static const int width[] = {EV_NPARAMS, LOG_NPARAMS, SUP_NPARAMS};
	struct db_stmt *st;

	if (db_prepare_cached(b->db, rows > 1 ? many[which] : one[which], &st, e) < 0)
		return -1;
	for (int r = 0; r < rows; r++) {
		int first = 1 + r * width[which];
		if (which == 0) {
			db_bind_int64(st, first, b->ev[from + r].id);
			bind_event(st, first + 1, &b->ev[from + r]);
		} else if (which == 1) {
			bind_log_row(st, first, &b->log, q_slot(&b->log, from + r));
		} else {
			bind_sup_row(st, first, &b->sup, q_slot(&b->sup, from + r));
		}
	}
	return run(st, e);
}

/* Write what is buffered: full batches, and with all the rest row by row.
 * Events go first: the other rows point at them. */
static int bulk_flush(struct event_bulk *b, int all, struct err *e)
{
	struct bulk_q *qs[] = {&b->log, &b->sup};
	static const int batch[] = {EV_BULK_LOGS, EV_BULK_SUPERVISIONS};
	static const int ntext[] = {LOG_NTEXT, 2};
	static const size_t text_at[] = {offsetof(struct bulk_log, s), offsetof(struct bulk_sup, s)};

	if (b->nev == EV_BULK_EVENTS) {
		if (q_write(b, 0, 0, EV_BULK_EVENTS, e) < 0)
			return -1;
	} else {
		for (int i = 0; i < b->nev; i++)
			if (q_write(b, 0, i, 1, e) < 0)
				return -1;
	}
	b->events += b->nev;
	b->nev = 0;
	for (int k = 0; k < 2; k++) {
		struct bulk_q *q = qs[k];
		int done = 0;

		for (; q->n - done >= batch[k]; done += batch[k])
			if (q_write(b, k + 1, done, batch[k], e) < 0)
				return -1;
		for (; all && done < q->n; done++)
			if (q_write(b, k + 1, done, 1, e) < 0)
				return -1;
		if (k == 0)
			b->logs += done;
		else
			b->sups += done;
		q_drop(q, done, ntext[k], text_at[k]);
	}
	return 0;
}

static int bulk_oom(struct err *e)
{
	return err_set(e, 500, "oom", "内存不足", "out of memory");
}

int store_event_bulk_new(struct db *db, struct event_bulk **out, struct err *e)
{
	struct event_bulk *b = calloc(1, sizeof(*b));

	if (!b || !(b->ev = calloc(EV_BULK_EVENTS, sizeof(*b->ev)))) {
		free(b);
		return bulk_oom(e);
	}
	b->db = db;
	b->log.size = sizeof(struct bulk_log);
	b->sup.size = sizeof(struct bulk_sup);
	buf_init(&b->log.text, BULK_TEXT_MAX);
	buf_init(&b->sup.text, BULK_TEXT_MAX);
	*out = b;
	return 0;
}

int store_event_bulk_event(struct event_bulk *b, const struct event_rec *ev, struct err *e)
{
	b->ev[b->nev++] = *ev;
	return b->nev == EV_BULK_EVENTS ? bulk_flush(b, 0, e) : 0;
}

int store_event_bulk_log(struct event_bulk *b, const struct event_log_rec *l, struct err *e)
{
	const char *strs[LOG_NTEXT] = {l->action, l->from_status, l->to_status, l->actor_name,
	                               l->role, l->unit_code, l->note, l->detail, l->photos,
	                               l->grid_code, l->dept_code};
	struct bulk_log *s = q_add(&b->log);

	if (!s)
		return bulk_oom(e);
	s->id = l->id;
	s->event_id = l->event_id;
	s->at = l->at;
	s->actor_id = l->actor_id;
	s->public_step = l->public_step;
	for (int i = 0; i < LOG_NTEXT; i++) {
		int64_t off = q_text(&b->log, strs[i] && (*strs[i] || i == 0 || i == 2 || i == 9)
		                                  ? strs[i] : NULL);
		if (off < 0 || off > UINT32_MAX)
			return bulk_oom(e);
		s->s[i] = (uint32_t)off;
	}
	return 0;
}

int store_event_bulk_supervision(struct event_bulk *b, int64_t id, int64_t event_id, int level,
                                 const char *unit_code, int64_t actor_id, const char *note,
                                 int64_t at, struct err *e)
{
	struct bulk_sup *s = q_add(&b->sup);
	int64_t u, n;

	if (!s)
		return bulk_oom(e);
	s->id = id;
	s->event_id = event_id;
	s->level = level;
	s->actor_id = actor_id;
	s->at = at;
	u = q_text(&b->sup, unit_code ? unit_code : "");
	n = q_text(&b->sup, note && *note ? note : NULL);
	if (u < 0 || n < 0 || u > UINT32_MAX || n > UINT32_MAX)
		return bulk_oom(e);
	s->s[0] = (uint32_t)u;
	s->s[1] = (uint32_t)n;
	return 0;
}

int store_event_bulk_finish(struct event_bulk *b, struct err *e)
{
	if (bulk_flush(b, 1, e) < 0)
		return -1;
	return db_sync_identity(b->db, "event", "id", e) < 0 ||
	       db_sync_identity(b->db, "event_log", "id", e) < 0 ||
	       db_sync_identity(b->db, "event_supervision", "id", e) < 0 ? -1 : 0;
}

void store_event_bulk_free(struct event_bulk *b)
{
	if (!b)
		return;
	free(b->ev);
	free(b->log.slots);
	free(b->sup.slots);
	buf_release(&b->log.text);
	buf_release(&b->sup.text);
	free(b);
}

int store_event_clear(struct db *db, struct err *e)
{
	return db_exec(db, "DELETE FROM event_photo; DELETE FROM event_supervision; "
	                   "DELETE FROM event_log; DELETE FROM event_idem; DELETE FROM kpi_agg; "
	                   "DELETE FROM event;", e);
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

static const char SQL_PERSON_LOAD[] =
	"SELECT COUNT(*) FROM event e JOIN account a ON a.id = e.assignee_id "
	"WHERE a.person_id = ? AND e.status IN ('handling', 'dispatched')";

int store_event_person_load(struct db *db, int64_t person_id, int64_t *n, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	*n = 0;
	if (db_prepare_cached(db, SQL_PERSON_LOAD, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, person_id);
	if ((r = db_step(st, e)) == DB_ROW)
		*n = db_col_int64(st, 0);
	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}
