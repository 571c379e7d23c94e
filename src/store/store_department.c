/*
 * store_department.c - SQL for reading and clearing departments (see
 * store_department.h).
 */
#include <string.h>
#include "store/store_department.h"
#include "lib/str.h"
#include "lib/banned.h"

static const char SQL_DEPT_GET[] =
	"SELECT code, district_code, name FROM department WHERE code = ?";
static const char SQL_DEPT_LIST[] =
	"SELECT code, district_code, name FROM department ORDER BY code";
static const char SQL_DEPT_CLEAR[] = "DELETE FROM department";

static void row_to_department(struct db_stmt *st, struct department_rec *d)
{
	const char *s;

	memset(d, 0, sizeof(*d));
	if ((s = db_col_text(st, 0)))
		str_copy(d->code, sizeof(d->code), s);
	if ((s = db_col_text(st, 1)))
		str_copy(d->district, sizeof(d->district), s);
	if ((s = db_col_text(st, 2)))
		str_copy(d->name, sizeof(d->name), s);
}

int store_department_get(struct db *db, const char *code, struct department_rec *out,
                         struct err *e)
{
	struct db_stmt *st;
	enum db_step r;
	int ret = -1;

	if (db_prepare_cached(db, SQL_DEPT_GET, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, code);
	r = db_step(st, e);
	if (r == DB_ROW) {
		row_to_department(st, out);
		ret = 0;
	} else if (r == DB_DONE) {
		err_set(e, 404, "unit.not_found", "找不到该部门", "no such department");
	}
	db_finalize(st);
	return ret;
}

int store_department_list(struct db *db, department_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	struct department_rec d;
	enum db_step r;
	int ret = 0;

	if (db_prepare_cached(db, SQL_DEPT_LIST, &st, e) < 0)
		return -1;
	while ((r = db_step(st, e)) == DB_ROW) {
		row_to_department(st, &d);
		if ((ret = cb(ctx, &d)) != 0)
			break;
	}
	if (r == DB_ERROR)
		ret = -1;
	db_finalize(st);
	return ret;
}

int store_department_clear(struct db *db, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_DEPT_CLEAR, &st, e) < 0)
		return -1;
	r = db_step(st, e);
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}
