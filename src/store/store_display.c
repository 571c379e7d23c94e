/*
 * store_display.c - SQL for wall displays (see store_display.h).
 */
#include <string.h>
#include "store/store_display.h"
#include "lib/str.h"
#include "lib/banned.h"

#define DISPLAY_COLS \
	"d.id, d.name, d.unit_code, d.created_by, a.username, d.created_at, " \
	"CASE WHEN d.pair_hash IS NULL THEN 0 ELSE 1 END, d.pair_expires_at, " \
	"CASE WHEN d.token_hash IS NULL THEN 0 ELSE 1 END, d.paired_at, d.paired_ip, d.user_agent, " \
	"d.expires_at, d.last_seen_at, d.revoked_at, d.revoked_by " \
	"FROM display d LEFT JOIN account a ON a.id = d.created_by "

static const char SQL_ADD[] =
	"INSERT INTO display (name, unit_code, created_by, created_at, pair_hash, pair_expires_at) "
	"VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_GET[] = "SELECT " DISPLAY_COLS "WHERE d.id = ?";
static const char SQL_BY_TOKEN[] = "SELECT " DISPLAY_COLS "WHERE d.token_hash = ?";
static const char SQL_BY_PAIR[] = "SELECT " DISPLAY_COLS "WHERE d.pair_hash = ?";
static const char SQL_LIST[] =
	"SELECT " DISPLAY_COLS "WHERE d.id < ? ORDER BY d.id DESC LIMIT ?";
static const char SQL_COUNT_LIVE[] =
	"SELECT COUNT(*) FROM display WHERE unit_code = ? AND revoked_at IS NULL";
static const char SQL_SET_PAIRING[] =
	"UPDATE display SET pair_hash = ?, pair_expires_at = ? WHERE id = ? AND revoked_at IS NULL "
	"RETURNING id";
static const char SQL_PAIR[] =
	"UPDATE display SET token_hash = ?, pair_hash = NULL, pair_expires_at = NULL, paired_at = ?, "
	"last_seen_at = ?, expires_at = ?, paired_ip = ?, user_agent = ? "
	"WHERE id = ? AND pair_hash = ? AND revoked_at IS NULL RETURNING id";
static const char SQL_TOUCH[] = "UPDATE display SET last_seen_at = ? WHERE id = ?";
static const char SQL_REVOKE[] =
	"UPDATE display SET revoked_at = ?, revoked_by = ?, pair_hash = NULL, pair_expires_at = NULL "
	"WHERE id = ? AND revoked_at IS NULL RETURNING id";

static void col(char *dst, size_t n, struct db_stmt *st, int i)
{
	const char *s = db_col_text(st, i);
	str_copy(dst, n, s ? s : "");
}

static void row_to_rec(struct db_stmt *st, struct display_rec *d)
{
	memset(d, 0, sizeof(*d));
	d->id = db_col_int64(st, 0);
	col(d->name, sizeof(d->name), st, 1);
	col(d->unit, sizeof(d->unit), st, 2);
	d->created_by = db_col_int64(st, 3);
	col(d->created_by_name, sizeof(d->created_by_name), st, 4);
	col(d->created_at, sizeof(d->created_at), st, 5);
	d->pair_pending = db_col_int64(st, 6) != 0;
	col(d->pair_expires_at, sizeof(d->pair_expires_at), st, 7);
	d->paired = db_col_int64(st, 8) != 0;
	col(d->paired_at, sizeof(d->paired_at), st, 9);
	col(d->paired_ip, sizeof(d->paired_ip), st, 10);
	col(d->user_agent, sizeof(d->user_agent), st, 11);
	col(d->expires_at, sizeof(d->expires_at), st, 12);
	col(d->last_seen_at, sizeof(d->last_seen_at), st, 13);
	col(d->revoked_at, sizeof(d->revoked_at), st, 14);
	d->revoked_by = db_col_is_null(st, 15) ? 0 : db_col_int64(st, 15);
}

static int not_found(struct err *e)
{
	return err_set(e, 404, "display.not_found", "找不到该大屏", "no such display");
}

/* Step a statement that returns at most one row (a display, or an id with
 * out NULL), then finalize it: 0, 404 display.not_found, or -1. */
static int one(struct db_stmt *st, struct display_rec *out, struct err *e)
{
	enum db_step r = db_step(st, e);

	if (r == DB_ROW && out)
		row_to_rec(st, out);
	if (r == DB_ROW && db_step(st, e) == DB_ERROR)
		r = DB_ERROR;
	db_finalize(st);
	if (r == DB_DONE)
		return not_found(e);
	return r == DB_ROW ? 0 : -1;
}

static void opt_text(struct db_stmt *st, int i, const char *s)
{
	if (s && *s)
		db_bind_text(st, i, s);
	else
		db_bind_null(st, i);
}

int store_display_add(struct db *db, const struct display_rec *d, const char *pair_hash,
                      int64_t *id, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_ADD, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, d->name);
	db_bind_text(st, 2, d->unit);
	if (d->created_by > 0)
		db_bind_int64(st, 3, d->created_by);
	else
		db_bind_null(st, 3);
	db_bind_text(st, 4, d->created_at);
	db_bind_text(st, 5, pair_hash);
	db_bind_text(st, 6, d->pair_expires_at);
	r = db_step(st, e);
	if (r == DB_ROW)
		*id = db_col_int64(st, 0);
	if (r == DB_ROW && db_step(st, e) == DB_ERROR)
		r = DB_ERROR;
	db_finalize(st);
	return r == DB_ROW ? 0 : -1;
}

static int get_by(struct db *db, const char *sql, const char *key, int64_t id,
                  struct display_rec *out, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, sql, &st, e) < 0)
		return -1;
	if (key)
		db_bind_text(st, 1, key);
	else
		db_bind_int64(st, 1, id);
	return one(st, out, e);
}

int store_display_get(struct db *db, int64_t id, struct display_rec *out, struct err *e)
{
	return get_by(db, SQL_GET, NULL, id, out, e);
}

int store_display_by_token(struct db *db, const char *token_hash, struct display_rec *out,
                           struct err *e)
{
	return get_by(db, SQL_BY_TOKEN, token_hash, 0, out, e);
}

int store_display_by_pair(struct db *db, const char *pair_hash, struct display_rec *out,
                          struct err *e)
{
	return get_by(db, SQL_BY_PAIR, pair_hash, 0, out, e);
}

int store_display_list(struct db *db, int64_t before, int limit, display_cb cb, void *ctx,
                       struct err *e)
{
	struct db_stmt *st;
	struct display_rec d;
	enum db_step r;
	int stop;

	if (db_prepare_cached(db, SQL_LIST, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, before > 0 ? before : INT64_MAX);
	db_bind_int64(st, 2, limit);
	while ((r = db_step(st, e)) == DB_ROW) {
		row_to_rec(st, &d);
		if ((stop = cb(ctx, &d))) {
			db_finalize(st);
			return stop;
		}
	}
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

int store_display_count_live(struct db *db, const char *unit, int64_t *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_COUNT_LIVE, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, unit);
	r = db_step(st, e);
	*out = r == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finalize(st);
	return r == DB_ROW ? 0 : -1;
}

int store_display_set_pairing(struct db *db, int64_t id, const char *pair_hash,
                              const char *pair_expires_at, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_SET_PAIRING, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, pair_hash);
	db_bind_text(st, 2, pair_expires_at);
	db_bind_int64(st, 3, id);
	return one(st, NULL, e);
}

int store_display_pair(struct db *db, int64_t id, const char *pair_hash, const char *token_hash,
                       const char *now, const char *expires_at, const char *ip,
                       const char *user_agent, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_PAIR, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, token_hash);
	db_bind_text(st, 2, now);
	db_bind_text(st, 3, now);
	db_bind_text(st, 4, expires_at);
	opt_text(st, 5, ip);
	opt_text(st, 6, user_agent);
	db_bind_int64(st, 7, id);
	db_bind_text(st, 8, pair_hash);
	return one(st, NULL, e);
}

int store_display_touch(struct db *db, int64_t id, const char *now, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_TOUCH, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, now);
	db_bind_int64(st, 2, id);
	r = db_step(st, e);
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

int store_display_revoke(struct db *db, int64_t id, int64_t by, const char *now, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_REVOKE, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, now);
	if (by > 0)
		db_bind_int64(st, 2, by);
	else
		db_bind_null(st, 2);
	db_bind_int64(st, 3, id);
	return one(st, NULL, e);
}
