/*
 * store_unit.c - SQL for org units (see store_unit.h). Prepared statements
 * with bound parameters only.
 */
#include <stdio.h>
#include <string.h>
#include "store/store_unit.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

#define UNIT_COLS "code, parent_code, level, kind, name, grid_type, grid_subtype, households, " \
	"population, min_x, min_y, max_x, max_y, center_x, center_y, area_m2, updated_at"
#define UNIT_NCOLS 17

static const char SQL_GET[] = "SELECT " UNIT_COLS " FROM unit WHERE code = ?";
static const char SQL_GEOM[] = "SELECT geom FROM unit WHERE code = ?";
static const char SQL_CHILDREN[] = "SELECT " UNIT_COLS " FROM unit WHERE parent_code = ? ORDER BY code";
static const char SQL_CHILDREN_G[] = "SELECT " UNIT_COLS ", geom FROM unit WHERE parent_code = ? ORDER BY code";
static const char SQL_LIST[] = "SELECT " UNIT_COLS " FROM unit WHERE (? = 0 OR level = ?) "
	"AND code >= ? AND code < ? ORDER BY code";
static const char SQL_LIST_G[] = "SELECT " UNIT_COLS ", geom FROM unit WHERE (? = 0 OR level = ?) "
	"AND code >= ? AND code < ? ORDER BY code";
static const char SQL_COUNT[] = "SELECT COUNT(*) FROM unit WHERE (? = 0 OR level = ?) "
	"AND code >= ? AND code < ?";
static const char SQL_SEARCH[] = "SELECT " UNIT_COLS " FROM unit WHERE name LIKE ? ESCAPE '\\' "
	"OR code LIKE ? ESCAPE '\\' ORDER BY level, code LIMIT ?";
static const char SQL_PUT[] =
	"INSERT INTO unit (" UNIT_COLS ", geom) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
	"ON CONFLICT (code) DO UPDATE SET parent_code = excluded.parent_code, level = excluded.level, "
	"kind = excluded.kind, name = excluded.name, grid_type = excluded.grid_type, "
	"grid_subtype = excluded.grid_subtype, households = excluded.households, "
	"population = excluded.population, min_x = excluded.min_x, min_y = excluded.min_y, "
	"max_x = excluded.max_x, max_y = excluded.max_y, center_x = excluded.center_x, "
	"center_y = excluded.center_y, area_m2 = excluded.area_m2, updated_at = excluded.updated_at, "
	"geom = excluded.geom";
static const char SQL_VERSION[] = "SELECT value FROM meta WHERE key = 'org_version'";
static const char SQL_BUMP[] = "UPDATE meta SET value = ? WHERE key = 'org_version'";

static void row_to_unit(struct db_stmt *st, struct unit_rec *u)
{
	const char *s;

	memset(u, 0, sizeof(*u));
	str_copy(u->code, sizeof(u->code), db_col_text(st, 0));
	if ((s = db_col_text(st, 1)))
		str_copy(u->parent, sizeof(u->parent), s);
	u->level = (int)db_col_int64(st, 2);
	str_copy(u->kind, sizeof(u->kind), db_col_text(st, 3));
	str_copy(u->name, sizeof(u->name), db_col_text(st, 4));
	if ((s = db_col_text(st, 5)))
		str_copy(u->grid_type, sizeof(u->grid_type), s);
	if ((s = db_col_text(st, 6)))
		str_copy(u->grid_subtype, sizeof(u->grid_subtype), s);
	u->households = db_col_is_null(st, 7) ? -1 : db_col_int64(st, 7);
	u->population = db_col_is_null(st, 8) ? -1 : db_col_int64(st, 8);
	for (int i = 0; i < 4; i++)
		u->bbox[i] = db_col_double(st, 9 + i);
	u->center[0] = db_col_double(st, 13);
	u->center[1] = db_col_double(st, 14);
	u->area_m2 = db_col_double(st, 15);
	str_copy(u->updated_at, sizeof(u->updated_at), db_col_text(st, 16));
}

/* Run a prepared query and feed each row to cb. */
static int run_rows(struct db_stmt *st, int with_geom, unit_cb cb, void *ctx, struct err *e)
{
	struct unit_rec u;
	enum db_step r;
	int stop;

	while ((r = db_step(st, e)) == DB_ROW) {
		const void *wkb = NULL;
		size_t n = 0;
		row_to_unit(st, &u);
		if (with_geom)
			wkb = db_col_blob(st, UNIT_NCOLS, &n);
		if ((stop = cb(ctx, &u, wkb, n)) != 0) {
			db_finalize(st);
			return stop;
		}
	}
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

/* [lo, hi) range of the codes starting with prefix: hi is the smallest
 * string greater than every string with that prefix (increment the last
 * byte that is not '9' and cut after it). Codes are digits, so the range is
 * the same under bytewise and locale collations. An empty prefix or one of
 * all nines has no upper bound: hi is then a string above every code. */
static void prefix_range(const char *prefix, char *lo, char *hi, size_t n)
{
	long len;

	str_copy(lo, n, prefix ? prefix : "");
	len = (long)str_copy(hi, n, prefix ? prefix : "");
	while (len > 0 && hi[len - 1] == '9')
		len--;
	if (len == 0) {
		str_copy(hi, n, "zzzzzzzz"); /* above every code in any collation */
		return;
	}
	hi[len - 1]++;
	hi[len] = '\0';
}

int store_unit_get(struct db *db, const char *code, struct unit_rec *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_GET, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, code);
	r = db_step(st, e);
	if (r == DB_ROW)
		row_to_unit(st, out);
	db_finalize(st);
	if (r == DB_DONE)
		return err_set(e, 404, "unit.not_found", "找不到单位 '%s'", "unknown unit '%s'", code);
	return r == DB_ROW ? 0 : -1;
}

int store_unit_geom(struct db *db, const char *code, struct buf *wkb, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;
	int ret = -1;

	if (db_prepare_cached(db, SQL_GEOM, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, code);
	r = db_step(st, e);
	if (r == DB_DONE) {
		err_set(e, 404, "unit.not_found", "找不到单位 '%s'", "unknown unit '%s'", code);
	} else if (r == DB_ROW) {
		size_t n;
		const void *p = db_col_blob(st, 0, &n);
		if (n && buf_add(wkb, p, n) < 0)
			err_set(e, 500, "unit.geom_too_big", "几何数据过大", "geometry too large");
		else
			ret = 0;
	}
	db_finalize(st);
	return ret;
}

int store_unit_children(struct db *db, const char *code, int with_geom,
                        unit_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, with_geom ? SQL_CHILDREN_G : SQL_CHILDREN, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, code);
	return run_rows(st, with_geom, cb, ctx, e);
}

int store_unit_list(struct db *db, int level, const char *under, int with_geom,
                    unit_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	char lo[UNIT_CODE_MAX], hi[UNIT_CODE_MAX];

	if (db_prepare_cached(db, with_geom ? SQL_LIST_G : SQL_LIST, &st, e) < 0)
		return -1;
	prefix_range(under, lo, hi, sizeof(lo));
	db_bind_int64(st, 1, level);
	db_bind_int64(st, 2, level);
	db_bind_text(st, 3, lo);
	db_bind_text(st, 4, hi);
	return run_rows(st, with_geom, cb, ctx, e);
}

int store_unit_count(struct db *db, int level, const char *under, int64_t *out, struct err *e)
{
	struct db_stmt *st;
	char lo[UNIT_CODE_MAX], hi[UNIT_CODE_MAX];
	enum db_step r;

	if (db_prepare_cached(db, SQL_COUNT, &st, e) < 0)
		return -1;
	prefix_range(under, lo, hi, sizeof(lo));
	db_bind_int64(st, 1, level);
	db_bind_int64(st, 2, level);
	db_bind_text(st, 3, lo);
	db_bind_text(st, 4, hi);
	r = db_step(st, e);
	if (r == DB_ROW)
		*out = db_col_int64(st, 0);
	db_finalize(st);
	return r == DB_ROW ? 0 : -1;
}

/* Escape LIKE wildcards in q and wrap it as a pattern. */
static void like_pattern(const char *q, int contains, char *out, size_t n)
{
	size_t j = 0;

	if (contains && j + 1 < n)
		out[j++] = '%';
	for (const char *p = q; *p && j + 3 < n; p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			out[j++] = '\\';
		out[j++] = *p;
	}
	if (j + 1 < n)
		out[j++] = '%';
	out[j] = '\0';
}

int store_unit_search(struct db *db, const char *q, int limit, unit_cb cb, void *ctx,
                      struct err *e)
{
	struct db_stmt *st;
	char name_pat[2 * UNIT_NAME_MAX + 4], code_pat[2 * UNIT_NAME_MAX + 4];

	if (db_prepare_cached(db, SQL_SEARCH, &st, e) < 0)
		return -1;
	like_pattern(q, 1, name_pat, sizeof(name_pat));
	like_pattern(q, 0, code_pat, sizeof(code_pat));
	db_bind_text(st, 1, name_pat);
	db_bind_text(st, 2, code_pat);
	db_bind_int64(st, 3, limit);
	return run_rows(st, 0, cb, ctx, e);
}

int store_unit_put(struct db *db, const struct unit_rec *u, const void *wkb, size_t wkb_len,
                   struct err *e)
{
	struct db_stmt *st;
	char ts[TIME_ISO_MAX];
	enum db_step r;

	if (db_prepare_cached(db, SQL_PUT, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, u->code);
	db_bind_text(st, 2, u->parent[0] ? u->parent : NULL);
	db_bind_int64(st, 3, u->level);
	db_bind_text(st, 4, u->kind);
	db_bind_text(st, 5, u->name);
	db_bind_text(st, 6, u->grid_type[0] ? u->grid_type : NULL);
	db_bind_text(st, 7, u->grid_subtype[0] ? u->grid_subtype : NULL);
	if (u->households >= 0) db_bind_int64(st, 8, u->households); else db_bind_null(st, 8);
	if (u->population >= 0) db_bind_int64(st, 9, u->population); else db_bind_null(st, 9);
	for (int i = 0; i < 4; i++)
		db_bind_double(st, 10 + i, u->bbox[i]);
	db_bind_double(st, 14, u->center[0]);
	db_bind_double(st, 15, u->center[1]);
	db_bind_double(st, 16, u->area_m2);
	db_bind_text(st, 17, u->updated_at[0] ? u->updated_at : time_iso_now(ts));
	if (wkb && wkb_len)
		db_bind_blob(st, 18, wkb, wkb_len);
	else
		db_bind_null(st, 18);
	r = db_step(st, e);
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

int store_org_clear(struct db *db, struct err *e)
{
	return db_exec(db, "DELETE FROM post; DELETE FROM person; "
	                   "DELETE FROM unit WHERE level >= 5; DELETE FROM unit WHERE level = 4; "
	                   "DELETE FROM unit WHERE level = 3; DELETE FROM unit WHERE level = 2; "
	                   "DELETE FROM unit;", e);
}

int store_org_version(struct db *db, int64_t *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_VERSION, &st, e) < 0)
		return -1;
	r = db_step(st, e);
	if (r == DB_ROW && parse_int64(db_col_text(st, 0), 0, INT64_MAX, out) < 0)
		*out = 0;
	db_finalize(st);
	return r == DB_ROW ? 0 : -1;
}

int store_org_bump(struct db *db, struct err *e)
{
	struct db_stmt *st;
	int64_t v;
	char s[32];
	enum db_step r;

	if (store_org_version(db, &v, e) < 0)
		return -1;
	if (db_prepare_cached(db, SQL_BUMP, &st, e) < 0)
		return -1;
	snprintf(s, sizeof(s), "%lld", (long long)v + 1);
	db_bind_text(st, 1, s);
	r = db_step(st, e);
	db_finalize(st);
	if (r != DB_DONE)
		return -1;
	/* tell running instances (PostgreSQL delivers it at commit) */
	return db_notify(db, STORE_ORG_CHANNEL, s, e);
}
