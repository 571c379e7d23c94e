/*
 * store_equipment.c - SQL for dispatch equipment (see store_equipment.h).
 */
#include <string.h>
#include "store/store_equipment.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

#define EQ_COLS "id, unit_code, kind, name, status, channel, talkgroup, lon, lat, stream_url, note, " \
	"created_at, updated_at"

static const char SQL_ADD[] =
	"INSERT INTO equipment (unit_code, kind, name, status, channel, talkgroup, lon, lat, stream_url, "
	"note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_GET[] = "SELECT " EQ_COLS " FROM equipment WHERE id = ?";
static const char SQL_UPDATE[] =
	"UPDATE equipment SET unit_code = ?, kind = ?, name = ?, status = ?, channel = ?, talkgroup = ?, "
	"lon = ?, lat = ?, stream_url = ?, note = ?, updated_at = ? WHERE id = ?";
static const char SQL_DELETE[] = "DELETE FROM equipment WHERE id = ?";
static const char SQL_LIST[] =
	"SELECT " EQ_COLS " FROM equipment WHERE unit_code LIKE ? AND (CAST(? AS TEXT) = '' OR kind = ?) "
	"AND (CAST(? AS TEXT) = '' OR status = ?) ORDER BY unit_code, id LIMIT ?";

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

static void row_to_rec(struct db_stmt *st, struct equipment_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->id = db_col_int64(st, 0);
	col(r->unit, sizeof(r->unit), st, 1);
	col(r->kind, sizeof(r->kind), st, 2);
	col(r->name, sizeof(r->name), st, 3);
	col(r->status, sizeof(r->status), st, 4);
	col(r->channel, sizeof(r->channel), st, 5);
	col(r->talkgroup, sizeof(r->talkgroup), st, 6);
	r->has_pos = !db_col_is_null(st, 7) && !db_col_is_null(st, 8);
	r->lon = db_col_double(st, 7);
	r->lat = db_col_double(st, 8);
	col(r->stream_url, sizeof(r->stream_url), st, 9);
	col(r->note, sizeof(r->note), st, 10);
	col(r->created_at, sizeof(r->created_at), st, 11);
	col(r->updated_at, sizeof(r->updated_at), st, 12);
}

/* Bind unit … note as parameters 1–10 and the time as 11. */
static void bind_fields(struct db_stmt *st, const struct equipment_rec *r, const char *now)
{
	db_bind_text(st, 1, r->unit);
	db_bind_text(st, 2, r->kind);
	db_bind_text(st, 3, r->name);
	db_bind_text(st, 4, r->status);
	opt_text(st, 5, r->channel);
	opt_text(st, 6, r->talkgroup);
	if (r->has_pos) {
		db_bind_double(st, 7, r->lon);
		db_bind_double(st, 8, r->lat);
	} else {
		db_bind_null(st, 7);
		db_bind_null(st, 8);
	}
	opt_text(st, 9, r->stream_url);
	opt_text(st, 10, r->note);
	db_bind_text(st, 11, now);
}

int store_equipment_add(struct db *db, const struct equipment_rec *r, int64_t *id, struct err *e)
{
	struct db_stmt *st;
	char now[TIME_ISO_MAX];
	enum db_step s;

	if (db_prepare_cached(db, SQL_ADD, &st, e) < 0)
		return -1;
	bind_fields(st, r, time_iso_now(now));
	db_bind_text(st, 12, now);
	if ((s = db_step(st, e)) == DB_ROW)
		*id = db_col_int64(st, 0);
	db_finalize(st);
	return s == DB_ROW ? 0 : -1;
}

int store_equipment_get(struct db *db, int64_t id, struct equipment_rec *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step s;

	if (db_prepare_cached(db, SQL_GET, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, id);
	if ((s = db_step(st, e)) == DB_ROW)
		row_to_rec(st, out);
	db_finalize(st);
	if (s == DB_DONE)
		return err_set(e, 404, "equipment.not_found", "找不到该设备", "no such equipment");
	return s == DB_ROW ? 0 : -1;
}

int store_equipment_update(struct db *db, const struct equipment_rec *r, struct err *e)
{
	struct db_stmt *st;
	char now[TIME_ISO_MAX];
	enum db_step s;

	if (db_prepare_cached(db, SQL_UPDATE, &st, e) < 0)
		return -1;
	bind_fields(st, r, time_iso_now(now));
	db_bind_int64(st, 12, r->id);
	s = db_step(st, e);
	db_finalize(st);
	return s == DB_DONE ? 0 : -1;
}

int store_equipment_delete(struct db *db, int64_t id, struct err *e)
{
	struct db_stmt *st;
	enum db_step s;

	if (db_prepare_cached(db, SQL_DELETE, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, id);
	s = db_step(st, e);
	db_finalize(st);
	return s == DB_DONE ? 0 : -1;
}

int store_equipment_list(struct db *db, const char *under, const char *kind, const char *status,
                         int limit, equipment_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	struct equipment_rec r;
	char like[32];
	enum db_step s;
	int stop = 0;

	if (db_prepare_cached(db, SQL_LIST, &st, e) < 0)
		return -1;
	{
		size_t len = str_copy(like, sizeof(like) - 1, under);
		like[len] = '%';                       /* codes are digits: no wildcard inside */
		like[len + 1] = '\0';
	}
	db_bind_text(st, 1, like);
	db_bind_text(st, 2, kind ? kind : "");
	db_bind_text(st, 3, kind ? kind : "");
	db_bind_text(st, 4, status ? status : "");
	db_bind_text(st, 5, status ? status : "");
	db_bind_int64(st, 6, limit);
	while ((s = db_step(st, e)) == DB_ROW) {
		row_to_rec(st, &r);
		if ((stop = cb(ctx, &r)) != 0)
			break;
	}
	db_finalize(st);
	return stop ? stop : s == DB_ERROR ? -1 : 0;
}
