/*
 * store_force.c - SQL for emergency units, volunteers and force status
 * (see store_force.h).
 */
#include <stdlib.h>
#include <string.h>
#include "store/store_force.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

/* ========================================================= helpers */

static void col(char *dst, size_t n, struct db_stmt *st, int i)
{
	const char *s = db_col_text(st, i);
	str_copy(dst, n, s ? s : "");
}

static void opt_text(struct db_stmt *st, int i, const char *s)
{
	if (s && *s)
		db_bind_text(st, i, s);
	else
		db_bind_null(st, i);
}

/* "440111002%": codes are digits, so no wildcard hides inside. */
static void prefix(char *out, size_t n, const char *under)
{
	size_t len = str_copy(out, n - 1, under);
	out[len] = '%';
	out[len + 1] = '\0';
}

static int not_found(struct err *e)
{
	return err_set(e, 404, "force.not_found", "找不到该力量", "no such force");
}

static int run_done(struct db_stmt *st, struct err *e)
{
	enum db_step s = db_step(st, e);

	db_finalize(st);
	return s == DB_DONE ? 0 : -1;
}

/* ========================================================== status */

#define ST_COLS "kind, ref_id, unit_code, name, status, lon, lat, position_at, updated_at, account_id"

static const char SQL_ST_PUT[] =
	"INSERT INTO force_status (" ST_COLS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
	"ON CONFLICT (kind, ref_id) DO UPDATE SET unit_code = excluded.unit_code, name = excluded.name, "
	"status = excluded.status, lon = excluded.lon, lat = excluded.lat, "
	"position_at = excluded.position_at, updated_at = excluded.updated_at, "
	"account_id = excluded.account_id";
static const char SQL_ST_GET[] = "SELECT " ST_COLS " FROM force_status WHERE kind = ? AND ref_id = ?";
static const char SQL_ST_DEL[] = "DELETE FROM force_status WHERE kind = ? AND ref_id = ?";
static const char SQL_ST_LIST[] =
	"SELECT " ST_COLS " FROM force_status WHERE unit_code LIKE ? ORDER BY kind, ref_id";

static void row_to_status(struct db_stmt *st, struct force_status_rec *r)
{
	memset(r, 0, sizeof(*r));
	col(r->kind, sizeof(r->kind), st, 0);
	r->ref_id = db_col_int64(st, 1);
	col(r->unit, sizeof(r->unit), st, 2);
	col(r->name, sizeof(r->name), st, 3);
	col(r->status, sizeof(r->status), st, 4);
	r->has_pos = !db_col_is_null(st, 5) && !db_col_is_null(st, 6);
	r->lon = db_col_double(st, 5);
	r->lat = db_col_double(st, 6);
	r->position_at = db_col_int64(st, 7);
	r->updated_at = db_col_int64(st, 8);
	r->account_id = db_col_int64(st, 9);
}

int store_force_status_put(struct db *db, const struct force_status_rec *r, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_ST_PUT, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, r->kind);
	db_bind_int64(st, 2, r->ref_id);
	db_bind_text(st, 3, r->unit);
	db_bind_text(st, 4, r->name);
	db_bind_text(st, 5, r->status);
	if (r->has_pos) {
		db_bind_double(st, 6, r->lon);
		db_bind_double(st, 7, r->lat);
		db_bind_int64(st, 8, r->position_at);
	} else {
		db_bind_null(st, 6);
		db_bind_null(st, 7);
		db_bind_null(st, 8);
	}
	db_bind_int64(st, 9, r->updated_at);
	if (r->account_id > 0)
		db_bind_int64(st, 10, r->account_id);
	else
		db_bind_null(st, 10);
	return run_done(st, e);
}

int store_force_status_get(struct db *db, const char *kind, int64_t ref_id,
                           struct force_status_rec *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step s;

	if (db_prepare_cached(db, SQL_ST_GET, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, kind);
	db_bind_int64(st, 2, ref_id);
	if ((s = db_step(st, e)) == DB_ROW)
		row_to_status(st, out);
	db_finalize(st);
	if (s == DB_DONE)
		return not_found(e);
	return s == DB_ROW ? 0 : -1;
}

int store_force_status_delete(struct db *db, const char *kind, int64_t ref_id, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_ST_DEL, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, kind);
	db_bind_int64(st, 2, ref_id);
	return run_done(st, e);
}

int store_force_status_list(struct db *db, const char *under, force_status_cb cb, void *ctx,
                            struct err *e)
{
	struct db_stmt *st;
	struct force_status_rec r;
	char like[32];
	enum db_step s;
	int stop = 0;

	if (db_prepare_cached(db, SQL_ST_LIST, &st, e) < 0)
		return -1;
	prefix(like, sizeof(like), under);
	db_bind_text(st, 1, like);
	while ((s = db_step(st, e)) == DB_ROW) {
		row_to_status(st, &r);
		if ((stop = cb(ctx, &r)) != 0)
			break;
	}
	db_finalize(st);
	return stop ? stop : s == DB_ERROR ? -1 : 0;
}

/* ================================================= emergency units */

#define EU_COLS "id, unit_code, name, leader_name, leader_phone, members, equipment, created_at, " \
	"updated_at"

static const char SQL_EU_ADD[] =
	"INSERT INTO emergency_unit (unit_code, name, leader_name, leader_phone, members, equipment, "
	"created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_EU_GET[] = "SELECT " EU_COLS " FROM emergency_unit WHERE id = ?";
static const char SQL_EU_UPDATE[] =
	"UPDATE emergency_unit SET unit_code = ?, name = ?, leader_name = ?, leader_phone = ?, "
	"members = ?, equipment = ?, updated_at = ? WHERE id = ?";
static const char SQL_EU_DEL[] = "DELETE FROM emergency_unit WHERE id = ?";
static const char SQL_EU_LIST[] =
	"SELECT " EU_COLS " FROM emergency_unit WHERE unit_code LIKE ? ORDER BY unit_code, id";

static void row_to_eu(struct db_stmt *st, struct emergency_unit_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->id = db_col_int64(st, 0);
	col(r->unit, sizeof(r->unit), st, 1);
	col(r->name, sizeof(r->name), st, 2);
	col(r->leader_name, sizeof(r->leader_name), st, 3);
	col(r->leader_phone, sizeof(r->leader_phone), st, 4);
	col(r->members, sizeof(r->members), st, 5);
	col(r->equipment, sizeof(r->equipment), st, 6);
	col(r->created_at, sizeof(r->created_at), st, 7);
	col(r->updated_at, sizeof(r->updated_at), st, 8);
}

static void bind_eu(struct db_stmt *st, const struct emergency_unit_rec *r, const char *now)
{
	db_bind_text(st, 1, r->unit);
	db_bind_text(st, 2, r->name);
	opt_text(st, 3, r->leader_name);
	opt_text(st, 4, r->leader_phone);
	db_bind_text(st, 5, r->members[0] ? r->members : "[]");
	db_bind_text(st, 6, r->equipment[0] ? r->equipment : "[]");
	db_bind_text(st, 7, now);
}

int store_emergency_unit_add(struct db *db, const struct emergency_unit_rec *r, int64_t *id,
                             struct err *e)
{
	struct db_stmt *st;
	char now[TIME_ISO_MAX];
	enum db_step s;

	if (db_prepare_cached(db, SQL_EU_ADD, &st, e) < 0)
		return -1;
	bind_eu(st, r, time_iso_now(now));
	db_bind_text(st, 8, now);
	if ((s = db_step(st, e)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_finalize(st);
	return s == DB_ROW ? 0 : -1;
}

int store_emergency_unit_get(struct db *db, int64_t id, struct emergency_unit_rec *out,
                             struct err *e)
{
	struct db_stmt *st;
	enum db_step s;

	if (db_prepare_cached(db, SQL_EU_GET, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, id);
	if ((s = db_step(st, e)) == DB_ROW)
		row_to_eu(st, out);
	db_finalize(st);
	if (s == DB_DONE)
		return not_found(e);
	return s == DB_ROW ? 0 : -1;
}

int store_emergency_unit_update(struct db *db, const struct emergency_unit_rec *r, struct err *e)
{
	struct db_stmt *st;
	char now[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_EU_UPDATE, &st, e) < 0)
		return -1;
	bind_eu(st, r, time_iso_now(now));
	db_bind_int64(st, 8, r->id);
	return run_done(st, e);
}

int store_emergency_unit_delete(struct db *db, int64_t id, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_EU_DEL, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, id);
	return run_done(st, e);
}

int store_emergency_unit_list(struct db *db, const char *under, emergency_unit_cb cb, void *ctx,
                              struct err *e)
{
	struct db_stmt *st;
	struct emergency_unit_rec *r = NULL;
	char like[32];
	enum db_step s = DB_ERROR;
	int stop = 0;

	if (db_prepare_cached(db, SQL_EU_LIST, &st, e) < 0)
		return -1;
	prefix(like, sizeof(like), under);
	db_bind_text(st, 1, like);
	if (!(r = malloc(sizeof(*r)))) {
		db_finalize(st);
		return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
	}
	while ((s = db_step(st, e)) == DB_ROW) {
		row_to_eu(st, r);
		if ((stop = cb(ctx, r)) != 0)
			break;
	}
	db_finalize(st);
	free(r);
	return stop ? stop : s == DB_ERROR ? -1 : 0;
}

/* ====================================================== volunteers */

#define VOL_COLS "id, unit_code, name, phone, skills, created_at, updated_at"

static const char SQL_VOL_ADD[] =
	"INSERT INTO volunteer (unit_code, name, phone, skills, created_at, updated_at) "
	"VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_VOL_GET[] = "SELECT " VOL_COLS " FROM volunteer WHERE id = ?";
static const char SQL_VOL_UPDATE[] =
	"UPDATE volunteer SET unit_code = ?, name = ?, phone = ?, skills = ?, updated_at = ? WHERE id = ?";
static const char SQL_VOL_DEL[] = "DELETE FROM volunteer WHERE id = ?";
static const char SQL_VOL_LIST[] =
	"SELECT " VOL_COLS " FROM volunteer WHERE unit_code LIKE ? ORDER BY unit_code, id";

static void row_to_vol(struct db_stmt *st, struct volunteer_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->id = db_col_int64(st, 0);
	col(r->unit, sizeof(r->unit), st, 1);
	col(r->name, sizeof(r->name), st, 2);
	col(r->phone, sizeof(r->phone), st, 3);
	col(r->skills, sizeof(r->skills), st, 4);
	col(r->created_at, sizeof(r->created_at), st, 5);
	col(r->updated_at, sizeof(r->updated_at), st, 6);
}

static void bind_vol(struct db_stmt *st, const struct volunteer_rec *r, const char *now)
{
	db_bind_text(st, 1, r->unit);
	db_bind_text(st, 2, r->name);
	opt_text(st, 3, r->phone);
	opt_text(st, 4, r->skills);
	db_bind_text(st, 5, now);
}

int store_volunteer_add(struct db *db, const struct volunteer_rec *r, int64_t *id, struct err *e)
{
	struct db_stmt *st;
	char now[TIME_ISO_MAX];
	enum db_step s;

	if (db_prepare_cached(db, SQL_VOL_ADD, &st, e) < 0)
		return -1;
	bind_vol(st, r, time_iso_now(now));
	db_bind_text(st, 6, now);
	if ((s = db_step(st, e)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_finalize(st);
	return s == DB_ROW ? 0 : -1;
}

int store_volunteer_get(struct db *db, int64_t id, struct volunteer_rec *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step s;

	if (db_prepare_cached(db, SQL_VOL_GET, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, id);
	if ((s = db_step(st, e)) == DB_ROW)
		row_to_vol(st, out);
	db_finalize(st);
	if (s == DB_DONE)
		return not_found(e);
	return s == DB_ROW ? 0 : -1;
}

int store_volunteer_update(struct db *db, const struct volunteer_rec *r, struct err *e)
{
	struct db_stmt *st;
	char now[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_VOL_UPDATE, &st, e) < 0)
		return -1;
	bind_vol(st, r, time_iso_now(now));
	db_bind_int64(st, 6, r->id);
	return run_done(st, e);
}

int store_volunteer_delete(struct db *db, int64_t id, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_VOL_DEL, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, id);
	return run_done(st, e);
}

int store_volunteer_list(struct db *db, const char *under, volunteer_cb cb, void *ctx,
                         struct err *e)
{
	struct db_stmt *st;
	struct volunteer_rec r;
	char like[32];
	enum db_step s;
	int stop = 0;

	if (db_prepare_cached(db, SQL_VOL_LIST, &st, e) < 0)
		return -1;
	prefix(like, sizeof(like), under);
	db_bind_text(st, 1, like);
	while ((s = db_step(st, e)) == DB_ROW) {
		row_to_vol(st, &r);
		if ((stop = cb(ctx, &r)) != 0)
			break;
	}
	db_finalize(st);
	return stop ? stop : s == DB_ERROR ? -1 : 0;
}
