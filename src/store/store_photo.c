/*
 * store_photo.c - the photo table (see store_photo.h). Portable SQL: ON
 * CONFLICT … DO NOTHING with RETURNING tells both SQLite (3.35+) and
 * PostgreSQL callers whether the row is new.
 */
#include "store/store_photo.h"
#include "lib/str.h"
#include "lib/banned.h"

static const char SQL_INSERT[] =
	"INSERT INTO photo (sha256, mime, bytes, account_id, created_at) VALUES (?, ?, ?, ?, ?) "
	"ON CONFLICT (sha256) DO NOTHING RETURNING sha256";
static const char SQL_GET[] =
	"SELECT sha256, mime, bytes, account_id, created_at FROM photo WHERE sha256 = ?";

int store_photo_insert(struct db *db, const struct photo_rec *r, int *inserted, struct err *e)
{
	struct db_stmt *st;
	enum db_step rc;

	if (db_prepare_cached(db, SQL_INSERT, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, r->sha256);
	db_bind_text(st, 2, r->mime);
	db_bind_int64(st, 3, r->bytes);
	if (r->account_id > 0)
		db_bind_int64(st, 4, r->account_id);
	else
		db_bind_null(st, 4);
	db_bind_int64(st, 5, r->created_at);
	rc = db_step(st, e);
	*inserted = rc == DB_ROW;          /* a row comes back only when inserted */
	if (rc == DB_ROW)
		rc = db_step(st, e);           /* to the end of the statement */
	db_finalize(st);
	return rc == DB_DONE ? 0 : -1;
}

int store_photo_get(struct db *db, const char *sha256, struct photo_rec *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step rc;

	if (db_prepare_cached(db, SQL_GET, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, sha256);
	rc = db_step(st, e);
	if (rc == DB_ROW) {
		str_copy(out->sha256, sizeof(out->sha256), db_col_text(st, 0));
		str_copy(out->mime, sizeof(out->mime), db_col_text(st, 1));
		out->bytes = db_col_int64(st, 2);
		out->account_id = db_col_int64(st, 3);
		out->created_at = db_col_int64(st, 4);
	}
	db_finalize(st);
	if (rc == DB_DONE)
		return err_set(e, 404, "photo.not_found", "找不到照片", "no such photo");
	return rc == DB_ROW ? 0 : -1;
}
