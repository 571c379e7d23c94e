/*
 * store_account.c - SQL for accounts, grants, sessions and the log-in
 * throttle (see store_account.h).
 */
#include <stdio.h>
#include <string.h>
#include "store/store_account.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

#define ACC_COLS "id, username, display_name, person_id, phone, password_hash, disabled, " \
	"must_change_password, created_at, updated_at"
#define SES_COLS "id, account_id, kind, name, roles, csrf_token, created_at, last_seen_at, " \
	"expires_at, idle_seconds, revoked_at"

static const char SQL_ACC_ADD[] =
	"INSERT INTO account (username, display_name, person_id, phone, password_hash, disabled, "
	"must_change_password, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_ACC_GET[] = "SELECT " ACC_COLS " FROM account WHERE id = ?";
static const char SQL_ACC_BY_NAME[] = "SELECT " ACC_COLS " FROM account WHERE username = ?";
static const char SQL_ACC_PW[] =
	"UPDATE account SET password_hash = ?, must_change_password = ?, updated_at = ? WHERE id = ?";
static const char SQL_ACC_DISABLE[] = "UPDATE account SET disabled = ?, updated_at = ? WHERE id = ?";
static const char SQL_ACC_LIST[] =
	"SELECT " ACC_COLS " FROM account WHERE id > ? AND (? = '' OR username LIKE ? ESCAPE '\\' "
	"OR display_name LIKE ? ESCAPE '\\') ORDER BY id LIMIT ?";
static const char SQL_GRANTS[] =
	"SELECT id, account_id, role, scope_code, title, granted_by, granted_at FROM account_role "
	"WHERE account_id = ? ORDER BY id";
static const char SQL_GRANT_ADD[] =
	"INSERT INTO account_role (account_id, role, scope_code, title, granted_by, granted_at) "
	"VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_GRANT_DEL[] =
	"DELETE FROM account_role WHERE id = ? AND account_id = ? "
	"RETURNING id, account_id, role, scope_code, title, granted_by, granted_at";
static const char SQL_DEPT_EXISTS[] = "SELECT 1 FROM department WHERE code = ?";
static const char SQL_DEPT_ADD[] =
	"INSERT INTO department (code, district_code, name, created_at) VALUES (?, ?, ?, ?)";
static const char SQL_SES_ADD[] =
	"INSERT INTO session (token_hash, account_id, kind, name, roles, csrf_token, created_at, "
	"last_seen_at, expires_at, idle_seconds, ip, user_agent) "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_SES_GET[] = "SELECT " SES_COLS " FROM session WHERE token_hash = ?";
static const char SQL_SES_TOUCH[] = "UPDATE session SET last_seen_at = ? WHERE id = ?";
static const char SQL_SES_REVOKE[] =
	"UPDATE session SET revoked_at = ? WHERE id = ? AND account_id = ? AND revoked_at IS NULL "
	"RETURNING id";
static const char SQL_SES_REVOKE_KIND[] =
	"UPDATE session SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL AND id <> ? "
	"AND kind = ?";
static const char SQL_SES_REVOKE_LOGINS[] =
	"UPDATE session SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL AND id <> ? "
	"AND kind <> 'api'";
static const char SQL_SES_TOKENS[] =
	"SELECT " SES_COLS " FROM session WHERE account_id = ? AND kind = 'api' AND revoked_at IS NULL "
	"ORDER BY id DESC";
static const char SQL_THR_GET[] =
	"SELECT failures, first_failure_at, locked_until FROM login_throttle WHERE key = ?";
static const char SQL_THR_SET[] =
	"INSERT INTO login_throttle (key, failures, first_failure_at, locked_until) VALUES (?, ?, ?, ?) "
	"ON CONFLICT (key) DO UPDATE SET failures = excluded.failures, "
	"first_failure_at = excluded.first_failure_at, locked_until = excluded.locked_until";
static const char SQL_THR_CLEAR[] = "DELETE FROM login_throttle WHERE key = ?";

static void copy_col(struct db_stmt *st, int i, char *out, size_t n)
{
	const char *s = db_col_text(st, i);
	str_copy(out, n, s ? s : "");
}

static void row_to_account(struct db_stmt *st, struct account_rec *a)
{
	memset(a, 0, sizeof(*a));
	a->id = db_col_int64(st, 0);
	copy_col(st, 1, a->username, sizeof(a->username));
	copy_col(st, 2, a->display_name, sizeof(a->display_name));
	a->person_id = db_col_int64(st, 3);
	copy_col(st, 4, a->phone, sizeof(a->phone));
	copy_col(st, 5, a->password_hash, sizeof(a->password_hash));
	a->disabled = (int)db_col_int64(st, 6);
	a->must_change_password = (int)db_col_int64(st, 7);
	copy_col(st, 8, a->created_at, sizeof(a->created_at));
	copy_col(st, 9, a->updated_at, sizeof(a->updated_at));
}

static void row_to_grant(struct db_stmt *st, struct grant_rec *g)
{
	memset(g, 0, sizeof(*g));
	g->id = db_col_int64(st, 0);
	g->account_id = db_col_int64(st, 1);
	copy_col(st, 2, g->role, sizeof(g->role));
	copy_col(st, 3, g->scope_code, sizeof(g->scope_code));
	copy_col(st, 4, g->title, sizeof(g->title));
	g->granted_by = db_col_int64(st, 5);
	copy_col(st, 6, g->granted_at, sizeof(g->granted_at));
}

static void row_to_session(struct db_stmt *st, struct session_rec *s)
{
	memset(s, 0, sizeof(*s));
	s->id = db_col_int64(st, 0);
	s->account_id = db_col_int64(st, 1);
	copy_col(st, 2, s->kind, sizeof(s->kind));
	copy_col(st, 3, s->name, sizeof(s->name));
	s->roles = db_col_int64(st, 4);
	copy_col(st, 5, s->csrf_token, sizeof(s->csrf_token));
	copy_col(st, 6, s->created_at, sizeof(s->created_at));
	copy_col(st, 7, s->last_seen_at, sizeof(s->last_seen_at));
	copy_col(st, 8, s->expires_at, sizeof(s->expires_at));
	s->idle_seconds = db_col_int64(st, 9);
	copy_col(st, 10, s->revoked_at, sizeof(s->revoked_at));
}

/* Step a statement that returns at most one row; then finalize it.
 * Returns DB_ROW / DB_DONE / DB_ERROR; fill runs on the row. */
static enum db_step one_row(struct db_stmt *st, void (*fill)(struct db_stmt *, void *), void *out,
                            struct err *e)
{
	enum db_step r = db_step(st, e);
	if (r == DB_ROW && fill)
		fill(st, out);
	if (r == DB_ROW && db_step(st, e) == DB_ERROR)
		r = DB_ERROR;
	db_finalize(st);
	return r;
}

static void fill_account(struct db_stmt *st, void *out) { row_to_account(st, out); }
static void fill_session(struct db_stmt *st, void *out) { row_to_session(st, out); }
static void fill_grant(struct db_stmt *st, void *out) { row_to_grant(st, out); }
static void fill_id(struct db_stmt *st, void *out) { *(int64_t *)out = db_col_int64(st, 0); }

/* Map a uniqueness violation onto a domain error. */
static int conflict(struct err *e, const char *code, const char *zh, const char *en)
{
	if (e && e->status == 409) {
		err_clear(e);
		e->status = 409;
		str_copy(e->code, sizeof(e->code), code);
		str_copy(e->msg, sizeof(e->msg), zh);
		str_copy(e->msg_en, sizeof(e->msg_en), en);
	}
	return -1;
}

int store_account_add(struct db *db, const struct account_rec *a, int64_t *id, struct err *e)
{
	struct db_stmt *st;
	char ts[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_ACC_ADD, &st, e) < 0)
		return -1;
	time_iso_now(ts);
	db_bind_text(st, 1, a->username);
	db_bind_text(st, 2, a->display_name);
	if (a->person_id > 0) db_bind_int64(st, 3, a->person_id); else db_bind_null(st, 3);
	db_bind_text(st, 4, a->phone[0] ? a->phone : NULL);
	db_bind_text(st, 5, a->password_hash);
	db_bind_int64(st, 6, a->disabled);
	db_bind_int64(st, 7, a->must_change_password);
	db_bind_text(st, 8, ts);
	db_bind_text(st, 9, ts);
	if (one_row(st, fill_id, id, e) != DB_ROW)
		return conflict(e, "user.exists", "用户名已存在", "user name already taken");
	return 0;
}

static int account_one(struct db *db, const char *sql, int64_t id, const char *name,
                       struct account_rec *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, sql, &st, e) < 0)
		return -1;
	if (name)
		db_bind_text(st, 1, name);
	else
		db_bind_int64(st, 1, id);
	r = one_row(st, fill_account, out, e);
	if (r == DB_DONE)
		return err_set(e, 404, "user.not_found", "找不到该用户", "no such user");
	return r == DB_ROW ? 0 : -1;
}

int store_account_get(struct db *db, int64_t id, struct account_rec *out, struct err *e)
{
	return account_one(db, SQL_ACC_GET, id, NULL, out, e);
}

int store_account_by_name(struct db *db, const char *username, struct account_rec *out, struct err *e)
{
	return account_one(db, SQL_ACC_BY_NAME, 0, username, out, e);
}

/* Run an UPDATE; 404 user.not_found when it touched nothing is not
 * detectable portably, so callers check existence first. */
static int run_done(struct db_stmt *st, struct err *e)
{
	enum db_step r = db_step(st, e);
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

int store_account_set_password(struct db *db, int64_t id, const char *hash, int must_change,
                               struct err *e)
{
	struct db_stmt *st;
	char ts[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_ACC_PW, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, hash);
	db_bind_int64(st, 2, must_change);
	db_bind_text(st, 3, time_iso_now(ts));
	db_bind_int64(st, 4, id);
	return run_done(st, e);
}

int store_account_set_disabled(struct db *db, int64_t id, int disabled, struct err *e)
{
	struct db_stmt *st;
	char ts[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_ACC_DISABLE, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, disabled);
	db_bind_text(st, 2, time_iso_now(ts));
	db_bind_int64(st, 3, id);
	return run_done(st, e);
}

int store_account_list(struct db *db, const char *q, int64_t after, int limit,
                       account_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	struct account_rec a;
	char pat[160];
	size_t j = 0;
	enum db_step r;
	int stop;

	if (db_prepare_cached(db, SQL_ACC_LIST, &st, e) < 0)
		return -1;
	pat[j++] = '%';
	for (const char *p = q ? q : ""; *p && j + 3 < sizeof(pat); p++) {
		if (*p == '%' || *p == '_' || *p == '\\')
			pat[j++] = '\\';
		pat[j++] = *p;
	}
	pat[j++] = '%';
	pat[j] = '\0';
	db_bind_int64(st, 1, after);
	db_bind_text(st, 2, q ? q : "");
	db_bind_text(st, 3, pat);
	db_bind_text(st, 4, pat);
	db_bind_int64(st, 5, limit);
	while ((r = db_step(st, e)) == DB_ROW) {
		row_to_account(st, &a);
		if ((stop = cb(ctx, &a))) {
			db_finalize(st);
			return stop;
		}
	}
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

int store_grants_of(struct db *db, int64_t account_id, grant_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	struct grant_rec g;
	enum db_step r;
	int stop;

	if (db_prepare_cached(db, SQL_GRANTS, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, account_id);
	while ((r = db_step(st, e)) == DB_ROW) {
		row_to_grant(st, &g);
		if ((stop = cb(ctx, &g))) {
			db_finalize(st);
			return stop;
		}
	}
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

int store_grant_add(struct db *db, const struct grant_rec *g, int64_t *id, struct err *e)
{
	struct db_stmt *st;
	char ts[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_GRANT_ADD, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, g->account_id);
	db_bind_text(st, 2, g->role);
	db_bind_text(st, 3, g->scope_code);
	db_bind_text(st, 4, g->title[0] ? g->title : NULL);
	if (g->granted_by > 0) db_bind_int64(st, 5, g->granted_by); else db_bind_null(st, 5);
	db_bind_text(st, 6, g->granted_at[0] ? g->granted_at : time_iso_now(ts));
	if (one_row(st, fill_id, id, e) != DB_ROW)
		return conflict(e, "user.grant_exists", "该用户已有此角色和范围", "role already granted on that scope");
	return 0;
}

int store_grant_delete(struct db *db, int64_t account_id, int64_t grant_id, struct grant_rec *out,
                       struct err *e)
{
	struct db_stmt *st;
	struct grant_rec g;
	enum db_step r;

	if (db_prepare_cached(db, SQL_GRANT_DEL, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, grant_id);
	db_bind_int64(st, 2, account_id);
	r = one_row(st, fill_grant, out ? out : &g, e);
	if (r == DB_DONE)
		return err_set(e, 404, "user.grant_not_found", "找不到该授权", "no such grant");
	return r == DB_ROW ? 0 : -1;
}

int store_department_exists(struct db *db, const char *code, int *exists, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_DEPT_EXISTS, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, code);
	r = one_row(st, NULL, NULL, e);
	*exists = r == DB_ROW;
	return r == DB_ERROR ? -1 : 0;
}

int store_department_add(struct db *db, const char *code, const char *district, const char *name,
                         struct err *e)
{
	struct db_stmt *st;
	char ts[TIME_ISO_MAX];

	if (db_prepare_cached(db, SQL_DEPT_ADD, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, code);
	db_bind_text(st, 2, district);
	db_bind_text(st, 3, name);
	db_bind_text(st, 4, time_iso_now(ts));
	return run_done(st, e);
}

int store_session_add(struct db *db, const struct session_rec *s, const char *token_hash,
                      const char *ip, const char *user_agent, int64_t *id, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_SES_ADD, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, token_hash);
	db_bind_int64(st, 2, s->account_id);
	db_bind_text(st, 3, s->kind);
	db_bind_text(st, 4, s->name[0] ? s->name : NULL);
	db_bind_int64(st, 5, s->roles);
	db_bind_text(st, 6, s->csrf_token[0] ? s->csrf_token : NULL);
	db_bind_text(st, 7, s->created_at);
	db_bind_text(st, 8, s->last_seen_at);
	db_bind_text(st, 9, s->expires_at);
	db_bind_int64(st, 10, s->idle_seconds);
	db_bind_text(st, 11, ip && *ip ? ip : NULL);
	db_bind_text(st, 12, user_agent && *user_agent ? user_agent : NULL);
	return one_row(st, fill_id, id, e) == DB_ROW ? 0 : -1;
}

int store_session_by_hash(struct db *db, const char *token_hash, struct session_rec *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_SES_GET, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, token_hash);
	r = one_row(st, fill_session, out, e);
	if (r == DB_DONE)
		return err_set(e, 404, "auth.no_session", "会话不存在", "no such session");
	return r == DB_ROW ? 0 : -1;
}

int store_session_touch(struct db *db, int64_t id, const char *now, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_SES_TOUCH, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, now);
	db_bind_int64(st, 2, id);
	return run_done(st, e);
}

int store_session_revoke(struct db *db, int64_t id, int64_t account_id, const char *now, struct err *e)
{
	struct db_stmt *st;
	int64_t got;
	enum db_step r;

	if (db_prepare_cached(db, SQL_SES_REVOKE, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, now);
	db_bind_int64(st, 2, id);
	db_bind_int64(st, 3, account_id);
	r = one_row(st, fill_id, &got, e);
	if (r == DB_DONE)
		return err_set(e, 404, "auth.no_session", "会话或令牌不存在", "no such session or token");
	return r == DB_ROW ? 0 : -1;
}

int store_session_revoke_all(struct db *db, int64_t account_id, const char *kind, int64_t except,
                             const char *now, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, kind ? SQL_SES_REVOKE_KIND : SQL_SES_REVOKE_LOGINS, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, now);
	db_bind_int64(st, 2, account_id);
	db_bind_int64(st, 3, except);
	if (kind)
		db_bind_text(st, 4, kind);
	return run_done(st, e);
}

int store_session_tokens(struct db *db, int64_t account_id, session_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	struct session_rec s;
	enum db_step r;
	int stop;

	if (db_prepare_cached(db, SQL_SES_TOKENS, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, account_id);
	while ((r = db_step(st, e)) == DB_ROW) {
		row_to_session(st, &s);
		if ((stop = cb(ctx, &s))) {
			db_finalize(st);
			return stop;
		}
	}
	db_finalize(st);
	return r == DB_DONE ? 0 : -1;
}

int store_throttle_get(struct db *db, const char *key, int64_t *failures, char *first, char *locked,
                       struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	*failures = 0;
	first[0] = locked[0] = '\0';
	if (db_prepare_cached(db, SQL_THR_GET, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, key);
	r = db_step(st, e);
	if (r == DB_ROW) {
		*failures = db_col_int64(st, 0);
		copy_col(st, 1, first, TS_MAX);
		copy_col(st, 2, locked, TS_MAX);
	}
	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}

int store_throttle_set(struct db *db, const char *key, int64_t failures, const char *first,
                       const char *locked, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_THR_SET, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, key);
	db_bind_int64(st, 2, failures);
	db_bind_text(st, 3, first);
	db_bind_text(st, 4, locked && *locked ? locked : NULL);
	return run_done(st, e);
}

int store_throttle_clear(struct db *db, const char *key, struct err *e)
{
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_THR_CLEAR, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, key);
	return run_done(st, e);
}

static const char SQL_HAS_GRANT[] =
	"SELECT 1 FROM account_role WHERE account_id = ? AND role = ? AND scope_code = ?";

int store_account_has_grant(struct db *db, int64_t account_id, const char *role, const char *scope,
                            struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_HAS_GRANT, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, account_id);
	db_bind_text(st, 2, role);
	db_bind_text(st, 3, scope);
	r = db_step(st, e);
	db_finalize(st);
	return r == DB_ERROR ? -1 : r == DB_ROW;
}
