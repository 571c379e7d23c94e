/*
 * store_meta.c - the meta key/value table (see store_meta.h).
 */
#include "store/store_meta.h"
#include "lib/str.h"
#include "lib/banned.h"

static const char SQL_GET[] = "SELECT value FROM meta WHERE key = ?";
static const char SQL_SET[] = "INSERT INTO meta (key, value) VALUES (?, ?) "
	"ON CONFLICT (key) DO UPDATE SET value = excluded.value";

int store_meta_get(struct db *db, const char *key, char *out, size_t n, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_GET, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, key);
	r = db_step(st, e);
	if (r == DB_ROW)
		str_copy(out, n, db_col_text(st, 0));
	db_finalize(st);
	if (r == DB_DONE)
		return err_set(e, 404, "meta.not_found", "没有设置项 '%s'", "no meta key '%s'", key);
	return r == DB_ROW ? 0 : -1;
}

int store_meta_set(struct db *db, const char *key, const char *value, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_SET, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	r = db_step(st, e);
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}
