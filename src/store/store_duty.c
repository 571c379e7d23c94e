/*
 * store_duty.c - SQL for the duty rota: pattern, exceptions, swaps and the
 * shift log (see store_duty.h).
 */
#include <string.h>
#include "store/store_duty.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

/* ========================================================= helpers */

/* Copy a column that may be NULL. */
static void col(char *dst, size_t n, struct db_stmt *st, int i)
{
	const char *s = db_col_text(st, i);
	str_copy(dst, n, s ? s : "");
}

static void bind_opt_text(struct db_stmt *st, int i, const char *s)
{
	if (s && *s)
		db_bind_text(st, i, s);
	else
		db_bind_null(st, i);
}

static void bind_opt_id(struct db_stmt *st, int i, int64_t v)
{
	if (v > 0)
		db_bind_int64(st, i, v);
	else
		db_bind_null(st, i);
}

/* Step a statement that returns no rows, then release it. */
static int run_done(struct db_stmt *st, struct err *e)
{
	enum db_step r = db_step(st, e);

	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

/* Step an INSERT … RETURNING id. */
static int run_id(struct db_stmt *st, int64_t *id, struct err *e)
{
	enum db_step r = db_step(st, e);

	if (r == DB_ROW && id)
		*id = db_col_int64(st, 0);
	db_finalize(st);
	return r == DB_ROW ? 0 : -1;
}

/* ========================================================== people */

static const char SQL_PERSON[] = "SELECT id, name, phone, gender FROM person WHERE id = ?";

int store_duty_person(struct db *db, int64_t id, struct person_rec *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_PERSON, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, id);
	memset(out, 0, sizeof(*out));
	if ((r = db_step(st, e)) == DB_ROW) {
		out->id = db_col_int64(st, 0);
		col(out->name, sizeof(out->name), st, 1);
		col(out->phone, sizeof(out->phone), st, 2);
		col(out->gender, sizeof(out->gender), st, 3);
	}
	db_finalize(st);
	if (r == DB_DONE)
		return err_set(e, 404, "duty.unknown_person", "找不到人员 %lld", "no such person %lld",
		               (long long)id);
	return r == DB_ROW ? 0 : -1;
}

/* ========================================================= pattern */

static const char SQL_PATTERN_LIST[] =
	"SELECT d.id, d.centre_code, d.weekday, d.shift, d.role, d.person_id, d.starts_on, d.ends_on, "
	"d.created_by, p.name, p.phone FROM duty_pattern d JOIN person p ON p.id = d.person_id "
	"WHERE d.centre_code = ? AND d.starts_on <= ? AND (d.ends_on IS NULL OR d.ends_on >= ?) "
	"ORDER BY d.id";
static const char SQL_PATTERN_DEL_LATER[] =
	"DELETE FROM duty_pattern WHERE centre_code = ? AND starts_on >= ?";
static const char SQL_PATTERN_END[] =
	"UPDATE duty_pattern SET ends_on = ? WHERE centre_code = ? AND (ends_on IS NULL OR ends_on >= ?)";
static const char SQL_PATTERN_ADD[] =
	"INSERT INTO duty_pattern (centre_code, weekday, shift, role, person_id, starts_on, ends_on, "
	"created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

int store_duty_pattern_list(struct db *db, const char *centre, const char *from, const char *to,
                            duty_pattern_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	struct duty_pattern_rec r;
	enum db_step s;
	int stop = 0;

	if (db_prepare_cached(db, SQL_PATTERN_LIST, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, centre);
	db_bind_text(st, 2, to);
	db_bind_text(st, 3, from);
	while ((s = db_step(st, e)) == DB_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = db_col_int64(st, 0);
		col(r.centre, sizeof(r.centre), st, 1);
		r.weekday = (int)db_col_int64(st, 2);
		col(r.shift, sizeof(r.shift), st, 3);
		col(r.role, sizeof(r.role), st, 4);
		r.person_id = db_col_int64(st, 5);
		col(r.starts_on, sizeof(r.starts_on), st, 6);
		col(r.ends_on, sizeof(r.ends_on), st, 7);
		r.created_by = db_col_int64(st, 8);
		col(r.name, sizeof(r.name), st, 9);
		col(r.phone, sizeof(r.phone), st, 10);
		if ((stop = cb(ctx, &r)) != 0)
			break;
	}
	db_finalize(st);
	return stop ? stop : s == DB_ERROR ? -1 : 0;
}

int store_duty_pattern_cut(struct db *db, const char *centre, const char *starts,
                           const char *day_before, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_PATTERN_DEL_LATER, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, centre);
	db_bind_text(st, 2, starts);
	if (run_done(st, e) < 0 || db_prepare_cached(db, SQL_PATTERN_END, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, day_before);
	db_bind_text(st, 2, centre);
	db_bind_text(st, 3, starts);
	return run_done(st, e);
}

int store_duty_pattern_add(struct db *db, const struct duty_pattern_rec *r, struct err *e)
{
	struct db_stmt *st;
	char now[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_PATTERN_ADD, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, r->centre);
	db_bind_int64(st, 2, r->weekday);
	db_bind_text(st, 3, r->shift);
	db_bind_text(st, 4, r->role);
	db_bind_int64(st, 5, r->person_id);
	db_bind_text(st, 6, r->starts_on);
	bind_opt_text(st, 7, r->ends_on);
	bind_opt_id(st, 8, r->created_by);
	db_bind_text(st, 9, time_iso_now(now));
	return run_done(st, e);
}

/* ====================================================== exceptions */

#define EX_COLS "x.id, x.centre_code, x.day, x.shift, x.action, x.role, x.person_id, x.note, " \
	"x.created_by, x.created_at, p.name, p.phone"

static const char SQL_EX_ADD[] =
	"INSERT INTO duty_exception (centre_code, day, shift, action, role, person_id, note, "
	"created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_EX_GET[] =
	"SELECT " EX_COLS " FROM duty_exception x LEFT JOIN person p ON p.id = x.person_id "
	"WHERE x.id = ?";
static const char SQL_EX_DEL[] = "DELETE FROM duty_exception WHERE id = ?";
static const char SQL_EX_LIST[] =
	"SELECT " EX_COLS " FROM duty_exception x LEFT JOIN person p ON p.id = x.person_id "
	"WHERE x.centre_code = ? AND x.day >= ? AND x.day <= ? ORDER BY x.id";

static void row_to_ex(struct db_stmt *st, struct duty_exception_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->id = db_col_int64(st, 0);
	col(r->centre, sizeof(r->centre), st, 1);
	col(r->day, sizeof(r->day), st, 2);
	col(r->shift, sizeof(r->shift), st, 3);
	col(r->action, sizeof(r->action), st, 4);
	col(r->role, sizeof(r->role), st, 5);
	r->person_id = db_col_int64(st, 6);
	col(r->note, sizeof(r->note), st, 7);
	r->created_by = db_col_int64(st, 8);
	col(r->created_at, sizeof(r->created_at), st, 9);
	col(r->name, sizeof(r->name), st, 10);
	col(r->phone, sizeof(r->phone), st, 11);
}

int store_duty_exception_add(struct db *db, const struct duty_exception_rec *r, int64_t *id,
                             struct err *e)
{
	struct db_stmt *st;
	char now[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_EX_ADD, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, r->centre);
	db_bind_text(st, 2, r->day);
	db_bind_text(st, 3, r->shift);
	db_bind_text(st, 4, r->action);
	bind_opt_text(st, 5, r->role);
	bind_opt_id(st, 6, r->person_id);
	bind_opt_text(st, 7, r->note);
	bind_opt_id(st, 8, r->created_by);
	db_bind_text(st, 9, time_iso_now(now));
	return run_id(st, id, e);
}

int store_duty_exception_get(struct db *db, int64_t id, struct duty_exception_rec *out,
                             struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_EX_GET, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, id);
	if ((r = db_step(st, e)) == DB_ROW)
		row_to_ex(st, out);
	db_finalize(st);
	if (r == DB_DONE)
		return err_set(e, 404, "duty.exception_not_found", "找不到该值班调整",
		               "no such duty exception");
	return r == DB_ROW ? 0 : -1;
}

int store_duty_exception_delete(struct db *db, int64_t id, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_EX_DEL, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, id);
	return run_done(st, e);
}

int store_duty_exception_list(struct db *db, const char *centre, const char *from, const char *to,
                              duty_exception_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	struct duty_exception_rec r;
	enum db_step s;
	int stop = 0;

	if (db_prepare_cached(db, SQL_EX_LIST, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, centre);
	db_bind_text(st, 2, from);
	db_bind_text(st, 3, to);
	while ((s = db_step(st, e)) == DB_ROW) {
		row_to_ex(st, &r);
		if ((stop = cb(ctx, &r)) != 0)
			break;
	}
	db_finalize(st);
	return stop ? stop : s == DB_ERROR ? -1 : 0;
}

/* =========================================================== swaps */

#define SWAP_COLS "s.id, s.centre_code, s.day, s.shift, s.from_person_id, s.to_person_id, " \
	"s.back_day, s.back_shift, s.reason, s.status, s.requested_by, s.decided_by, s.decided_at, " \
	"s.decision_note, s.created_at, f.name, f.phone, t.name, t.phone"
#define SWAP_FROM " FROM duty_swap s JOIN person f ON f.id = s.from_person_id " \
	"JOIN person t ON t.id = s.to_person_id "

static const char SQL_SWAP_ADD[] =
	"INSERT INTO duty_swap (centre_code, day, shift, from_person_id, to_person_id, back_day, "
	"back_shift, reason, status, requested_by, created_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?) RETURNING id";
static const char SQL_SWAP_GET[] = "SELECT " SWAP_COLS SWAP_FROM "WHERE s.id = ?";
static const char SQL_SWAP_APPROVED[] =
	"SELECT " SWAP_COLS SWAP_FROM "WHERE s.centre_code = ? AND s.status = 'approved' AND "
	"((s.day >= ? AND s.day <= ?) OR (s.back_day >= ? AND s.back_day <= ?)) ORDER BY s.id";
static const char SQL_SWAP_LIST[] =
	"SELECT " SWAP_COLS SWAP_FROM "WHERE s.centre_code = ? AND (CAST(? AS TEXT) = '' OR s.status = ?) "
	"AND s.id < ? ORDER BY s.id DESC LIMIT ?";
static const char SQL_SWAP_PENDING[] =
	"SELECT id FROM duty_swap WHERE centre_code = ? AND day = ? AND shift = ? "
	"AND from_person_id = ? AND status = 'pending'";
static const char SQL_SWAP_DECIDE[] =
	"UPDATE duty_swap SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? "
	"WHERE id = ? AND status = 'pending' RETURNING id";

static void row_to_swap(struct db_stmt *st, struct duty_swap_rec *r)
{
	memset(r, 0, sizeof(*r));
	r->id = db_col_int64(st, 0);
	col(r->centre, sizeof(r->centre), st, 1);
	col(r->day, sizeof(r->day), st, 2);
	col(r->shift, sizeof(r->shift), st, 3);
	r->from_person = db_col_int64(st, 4);
	r->to_person = db_col_int64(st, 5);
	col(r->back_day, sizeof(r->back_day), st, 6);
	col(r->back_shift, sizeof(r->back_shift), st, 7);
	col(r->reason, sizeof(r->reason), st, 8);
	col(r->status, sizeof(r->status), st, 9);
	r->requested_by = db_col_int64(st, 10);
	r->decided_by = db_col_int64(st, 11);
	col(r->decided_at, sizeof(r->decided_at), st, 12);
	col(r->decision_note, sizeof(r->decision_note), st, 13);
	col(r->created_at, sizeof(r->created_at), st, 14);
	col(r->from_name, sizeof(r->from_name), st, 15);
	col(r->from_phone, sizeof(r->from_phone), st, 16);
	col(r->to_name, sizeof(r->to_name), st, 17);
	col(r->to_phone, sizeof(r->to_phone), st, 18);
}

static int run_swaps(struct db_stmt *st, duty_swap_cb cb, void *ctx, struct err *e)
{
	struct duty_swap_rec r;
	enum db_step s;
	int stop = 0;

	while ((s = db_step(st, e)) == DB_ROW) {
		row_to_swap(st, &r);
		if ((stop = cb(ctx, &r)) != 0)
			break;
	}
	db_finalize(st);
	return stop ? stop : s == DB_ERROR ? -1 : 0;
}

int store_duty_swap_add(struct db *db, const struct duty_swap_rec *r, int64_t *id, struct err *e)
{
	struct db_stmt *st;
	char now[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_SWAP_ADD, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, r->centre);
	db_bind_text(st, 2, r->day);
	db_bind_text(st, 3, r->shift);
	db_bind_int64(st, 4, r->from_person);
	db_bind_int64(st, 5, r->to_person);
	bind_opt_text(st, 6, r->back_day);
	bind_opt_text(st, 7, r->back_shift);
	bind_opt_text(st, 8, r->reason);
	bind_opt_id(st, 9, r->requested_by);
	db_bind_text(st, 10, time_iso_now(now));
	return run_id(st, id, e);
}

int store_duty_swap_get(struct db *db, int64_t id, struct duty_swap_rec *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_SWAP_GET, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, id);
	if ((r = db_step(st, e)) == DB_ROW)
		row_to_swap(st, out);
	db_finalize(st);
	if (r == DB_DONE)
		return err_set(e, 404, "duty.swap_not_found", "找不到该换班申请", "no such swap");
	return r == DB_ROW ? 0 : -1;
}

int store_duty_swap_approved(struct db *db, const char *centre, const char *from, const char *to,
                             duty_swap_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_SWAP_APPROVED, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, centre);
	db_bind_text(st, 2, from);
	db_bind_text(st, 3, to);
	db_bind_text(st, 4, from);
	db_bind_text(st, 5, to);
	return run_swaps(st, cb, ctx, e);
}

int store_duty_swap_list(struct db *db, const char *centre, const char *status, int64_t before,
                         int limit, duty_swap_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_SWAP_LIST, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, centre);
	db_bind_text(st, 2, status ? status : "");
	db_bind_text(st, 3, status ? status : "");
	db_bind_int64(st, 4, before > 0 ? before : INT64_MAX);
	db_bind_int64(st, 5, limit);
	return run_swaps(st, cb, ctx, e);
}

int store_duty_swap_pending(struct db *db, const char *centre, const char *day, const char *shift,
                            int64_t from_person, int *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_SWAP_PENDING, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, centre);
	db_bind_text(st, 2, day);
	db_bind_text(st, 3, shift);
	db_bind_int64(st, 4, from_person);
	r = db_step(st, e);
	*out = r == DB_ROW;
	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}

int store_duty_swap_decide(struct db *db, int64_t id, const char *status, int64_t by,
                           const char *note, struct err *e)
{
	struct db_stmt *st;
	char now[TIME_ISO_MAX];
	enum db_step r;

	if (db_prepare_cached(db, SQL_SWAP_DECIDE, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, status);
	bind_opt_id(st, 2, by);
	db_bind_text(st, 3, time_iso_now(now));
	bind_opt_text(st, 4, note);
	db_bind_int64(st, 5, id);
	r = db_step(st, e);
	db_finalize(st);
	if (r == DB_DONE)
		return err_set(e, 409, "duty.swap_decided", "该换班申请已处理", "the swap was already decided");
	return r == DB_ROW ? 0 : -1;
}

/* ============================================================= log */

static const char SQL_LOG_ADD[] =
	"INSERT INTO duty_log (centre_code, day, shift, kind, body, author_id, author_name, created_at) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_LOG_LIST[] =
	"SELECT id, centre_code, day, shift, kind, body, author_id, author_name, created_at "
	"FROM duty_log WHERE centre_code = ? AND day >= ? AND day <= ? AND (CAST(? AS TEXT) = '' OR shift = ?) "
	"ORDER BY day, id LIMIT ?";

int store_duty_log_add(struct db *db, const struct duty_log_rec *r, int64_t *id, struct err *e)
{
	struct db_stmt *st;
	char now[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_LOG_ADD, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, r->centre);
	db_bind_text(st, 2, r->day);
	db_bind_text(st, 3, r->shift);
	db_bind_text(st, 4, r->kind);
	db_bind_text(st, 5, r->body);
	bind_opt_id(st, 6, r->author_id);
	db_bind_text(st, 7, r->author_name);
	db_bind_text(st, 8, time_iso_now(now));
	return run_id(st, id, e);
}

int store_duty_log_list(struct db *db, const char *centre, const char *from, const char *to,
                        const char *shift, int limit, duty_log_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	struct duty_log_rec r;
	enum db_step s;
	int stop = 0;

	if (db_prepare_cached(db, SQL_LOG_LIST, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, centre);
	db_bind_text(st, 2, from);
	db_bind_text(st, 3, to);
	db_bind_text(st, 4, shift ? shift : "");
	db_bind_text(st, 5, shift ? shift : "");
	db_bind_int64(st, 6, limit);
	while ((s = db_step(st, e)) == DB_ROW) {
		memset(&r, 0, sizeof(r));
		r.id = db_col_int64(st, 0);
		col(r.centre, sizeof(r.centre), st, 1);
		col(r.day, sizeof(r.day), st, 2);
		col(r.shift, sizeof(r.shift), st, 3);
		col(r.kind, sizeof(r.kind), st, 4);
		r.body = db_col_text(st, 5);
		r.author_id = db_col_int64(st, 6);
		col(r.author_name, sizeof(r.author_name), st, 7);
		col(r.created_at, sizeof(r.created_at), st, 8);
		if ((stop = cb(ctx, &r)) != 0)
			break;
	}
	db_finalize(st);
	return stop ? stop : s == DB_ERROR ? -1 : 0;
}

/* ============================================================ demo */

int store_command_clear(struct db *db, struct err *e)
{
	return db_exec(db, "DELETE FROM duty_log; DELETE FROM duty_swap; DELETE FROM duty_exception; "
	                   "DELETE FROM duty_pattern; DELETE FROM force_status; DELETE FROM equipment; "
	                   "DELETE FROM emergency_unit; DELETE FROM volunteer;", e);
}
