/*
 * users.c - user administration: accounts, grants, disabling, passwords,
 * under the scope rule and with an audit row per change (see users.h).
 *
 * The checks run in a fixed order so that an error never tells more than
 * the caller may know: the shape of the input first (user name, role, the
 * level a scope code has), then existence, then the admin's scope, which
 * answers exactly like non-existence.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/audit.h"
#include "app/users.h"
#include "domain/password.h"
#include "domain/role.h"
#include "domain/unit_code.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "store/store_audit.h"
#include "store/store_department.h"
#include "store/store_unit.h"
#include "lib/banned.h"

#define DETAIL_MAX 512

/* ============================================================ checks */

int users_check_username(const char *u, struct err *e)
{
	size_t len = u ? strlen(u) : 0;

	for (size_t i = 0; i < len; i++) {
		char c = u[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
			len = 0;                       /* refused below */
	}
	if (len < USERS_NAME_MIN || len > USERS_NAME_MAX)
		return err_set_param(e, 400, "user.bad_username", "username",
		                     "用户名须为 %d 到 %d 个字符，只能包含小写字母、数字、_ . -",
		                     "user name must be %d to %d characters of a-z, 0-9, _ . -",
		                     USERS_NAME_MIN, USERS_NAME_MAX);
	return 0;
}

/* Valid UTF-8 of 1..max bytes without any control character? */
static int text_ok(const char *s, size_t max)
{
	size_t len = s ? strlen(s) : 0;

	if (len == 0 || len > max || !str_valid_utf8(s, len))
		return 0;
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

int users_check_profile(const char *display_name, const char *phone, struct err *e)
{
	size_t len = phone ? strlen(phone) : 0;

	if (!text_ok(display_name, USERS_DISPLAY_MAX))
		return err_set_param(e, 400, "field.invalid", "display_name",
		                     "姓名须为 1 到 %d 字节，不能含控制字符",
		                     "display name must be 1 to %d bytes without control characters",
		                     USERS_DISPLAY_MAX);
	for (size_t i = 0; i < len; i++)
		if (!((phone[i] >= '0' && phone[i] <= '9') || phone[i] == '+' || phone[i] == '-' ||
		      phone[i] == ' '))
			len = 1;                       /* refused below */
	if (phone && *phone && (len < 5 || len > USERS_PHONE_MAX))
		return err_set_param(e, 400, "field.invalid", "phone",
		                     "电话号码须为 5 到 %d 个数字（可含 + - 空格）",
		                     "phone must be 5 to %d digits (+, - and spaces allowed)",
		                     USERS_PHONE_MAX);
	return 0;
}

/* ============================================================= scope */

int users_scope(struct db *db, const struct org_model *org, const char *code,
                struct users_scope *out, struct err *e)
{
	enum unit_level level = unit_code_level(code);
	struct department_rec d;
	struct unit_rec u;
	const struct org_unit *ou;
	struct err inner = ERR_INIT;
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (level != LEVEL_NONE) {
		out->level = (int)level;
		str_copy(out->district, sizeof(out->district), code);
		out->district[6] = '\0';         /* a district code is the first 6 digits */
		if (org) {
			if ((ou = orgmodel_find(org, code))) {
				str_copy(out->name, sizeof(out->name), ou->rec.name);
				ret = 0;
			}
		} else if (store_unit_get(db, code, &u, &inner) == 0) {
			str_copy(out->name, sizeof(out->name), u.name);
			ret = 0;
		} else if (inner.status != 404) {
			return err_pass(e, &inner);
		}
	} else if (code && *code && strlen(code) < SCOPE_MAX) {
		if (store_department_get(db, code, &d, &inner) == 0) {
			str_copy(out->name, sizeof(out->name), d.name);
			str_copy(out->district, sizeof(out->district), d.district);
			ret = 0;
		} else if (inner.status != 404) {
			return err_pass(e, &inner);
		}
	}
	if (ret < 0)
		err_set_param(e, 404, "unit.not_found", "scope", "找不到该单位或部门 '%.40s'",
		              "no such unit or department '%.40s'", code ? code : "");
	return ret;
}

/* Does the actor's scope hold the district-or-unit code? The operator's
 * holds everything. */
static int actor_covers(const struct users_actor *a, const char *code)
{
	return !a->p || auth_scope(a->p, ROLE_ADMIN, code) != NULL;
}

/* The code a grant's scope is judged by: a unit code itself, a department
 * its district (the code's prefix when the department is gone). */
static void grant_anchor(struct db *db, const char *scope, char *out, size_t n)
{
	struct department_rec d;
	struct err ignored = ERR_INIT;
	size_t dash;

	if (unit_code_level(scope) != LEVEL_NONE) {
		str_copy(out, n, scope);
	} else if (store_department_get(db, scope, &d, &ignored) == 0) {
		str_copy(out, n, d.district);
	} else {
		dash = strcspn(scope, "-");
		str_copy(out, n, scope);
		if (dash < n)
			out[dash] = '\0';
	}
}

struct grant_list {
	struct grant_rec g[USERS_GRANTS_MAX * 2];   /* room for rows beyond the principal's limit */
	int n;
};

static int grant_collect(void *ctx, const struct grant_rec *g)
{
	struct grant_list *l = ctx;

	if (l->n >= (int)(sizeof(l->g) / sizeof(l->g[0])))
		return 1;
	l->g[l->n++] = *g;
	return 0;
}

/* The grants of an account into l (heap: it is large). */
static int grants_load(struct db *db, int64_t id, struct grant_list *l, struct err *e)
{
	l->n = 0;
	return store_grants_of(db, id, grant_collect, l, e) < 0 ? -1 : 0;
}

/* May the actor manage the account whose grants are l? */
static int manageable(struct db *db, const struct users_actor *a, const struct grant_list *l)
{
	char anchor[SCOPE_MAX];

	for (int i = 0; a->p && i < l->n; i++) {
		grant_anchor(db, l->g[i].scope_code, anchor, sizeof(anchor));
		if (!actor_covers(a, anchor))
			return 0;
	}
	return 1;
}

static int not_found(struct err *e)
{
	return err_set(e, 404, "user.not_found", "找不到该用户", "no such user");
}

/* Load account id into out when the actor may manage it (404 otherwise);
 * its grants into l when l is not NULL. */
static int load_managed(struct db *db, const struct users_actor *a, int64_t id,
                        struct account_rec *out, struct grant_list *l, struct err *e)
{
	struct grant_list *mine = l ? l : malloc(sizeof(*mine));
	int ret = -1;

	if (!mine)
		return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
	if (store_account_get(db, id, out, e) < 0 || grants_load(db, id, mine, e) < 0)
		goto out;
	if (!manageable(db, a, mine)) {
		not_found(e);
		goto out;
	}
	ret = 0;
out:
	if (!l)
		free(mine);
	return ret;
}

/* Check one grant to be given: role, level, existence, the actor's scope.
 * Fills g (role, scope, title). */
static int grant_check(struct db *db, const struct users_actor *a,
                       const struct users_grant_spec *s, struct grant_rec *g, struct err *e)
{
	unsigned role = role_parse(s->role);
	enum unit_level level = unit_code_level(s->scope);
	struct users_scope sc;

	memset(g, 0, sizeof(*g));
	if (!role)
		return err_set_param(e, 400, "user.bad_role", "role", "未知角色 '%.32s'",
		                     "unknown role '%.32s'", s->role ? s->role : "");
	if (!s->scope || !*s->scope || strlen(s->scope) >= SCOPE_MAX)
		return err_set_param(e, 400, "field.invalid", "scope", "缺少有效的授权范围",
		                     "scope is missing or too long");
	if (!role_level_ok(role, (int)level))
		return err_set_param(e, 400, "user.bad_scope", "scope",
		                     "角色 %s 不能授予到这一级的范围（%s）",
		                     "role %s cannot be granted on a scope of level %s",
		                     role_name(role), level ? unit_level_name(level) : "department");
	if (s->title && *s->title && !text_ok(s->title, USERS_TITLE_MAX))
		return err_set_param(e, 400, "field.invalid", "title",
		                     "职务须为 1 到 %d 字节，不能含控制字符",
		                     "title must be 1 to %d bytes without control characters",
		                     USERS_TITLE_MAX);
	if (users_scope(db, a->org, s->scope, &sc, e) < 0)
		return -1;
	if (!actor_covers(a, level ? s->scope : sc.district))
		return err_set_param(e, 404, "unit.not_found", "scope", "找不到该单位或部门 '%.40s'",
		                     "no such unit or department '%.40s'", s->scope);
	str_copy(g->role, sizeof(g->role), role_name(role));
	str_copy(g->scope_code, sizeof(g->scope_code), s->scope);
	str_copy(g->title, sizeof(g->title), s->title ? s->title : "");
	g->granted_by = a->p ? a->p->account_id : 0;
	return 0;
}

/* ============================================================= audit */

/* One audit row for a change to account id, in the caller's transaction. */
static int record(struct db *db, const struct users_actor *a, const char *action, int64_t id,
                  const char *detail, struct err *e)
{
	struct audit_entry en;
	char target[48];

	snprintf(target, sizeof(target), "account:%lld", (long long)id);
	if (a->p)
		return audit_record(db, a->p, action, target, a->ip, "ok", detail, e);
	memset(&en, 0, sizeof(en));
	en.actor = a->name ? a->name : "-";
	en.action = action;
	en.target = target;
	en.ip = a->ip;
	en.result = "ok";
	en.detail = detail;
	return store_audit_append(db, &en, e);
}

/* "role@scope (title)" */
static void grant_text(const struct grant_rec *g, char *out, size_t n)
{
	snprintf(out, n, "%s@%s%s%s%s", g->role, g->scope_code, g->title[0] ? " (" : "", g->title,
	         g->title[0] ? ")" : "");
}

/* ========================================================== changes */

int users_add(struct db *db, const struct users_actor *a, const struct users_new *n, int64_t *id,
              struct err *e)
{
	struct grant_rec *g = NULL;
	struct account_rec acc;
	char detail[DETAIL_MAX], part[160];
	size_t used;
	int in_tx = 0, ret = -1;

	if (users_check_username(n->username, e) < 0 ||
	    users_check_profile(n->display_name, n->phone, e) < 0 ||
	    password_check(n->password, n->username, e) < 0)
		return -1;
	if (n->ngrants > USERS_GRANTS_MAX)
		return err_set_param(e, 400, "field.too_many", "grants", "授权最多 %d 项",
		                     "at most %d grants", USERS_GRANTS_MAX);
	if (n->ngrants && !(g = calloc(n->ngrants, sizeof(*g))))
		return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
	for (size_t i = 0; i < n->ngrants; i++)
		if (grant_check(db, a, &n->grants[i], &g[i], e) < 0)
			goto out;
	memset(&acc, 0, sizeof(acc));
	str_copy(acc.username, sizeof(acc.username), n->username);
	str_copy(acc.display_name, sizeof(acc.display_name), n->display_name);
	str_copy(acc.phone, sizeof(acc.phone), n->phone ? n->phone : "");
	acc.person_id = n->person_id;
	acc.must_change_password = n->must_change_password != 0;
	if (auth_hash_password(n->password, acc.password_hash, e) < 0 || db_begin(db, e) < 0)
		goto out;
	in_tx = 1;
	if (store_account_add(db, &acc, id, e) < 0)
		goto out;
	used = (size_t)snprintf(detail, sizeof(detail), "%s", n->username);
	for (size_t i = 0; i < n->ngrants; i++) {
		g[i].account_id = *id;
		if (store_grant_add(db, &g[i], &g[i].id, e) < 0)
			goto out;
		grant_text(&g[i], part, sizeof(part));
		if (used < sizeof(detail))
			used += (size_t)snprintf(detail + used, sizeof(detail) - used, "%s%s",
			                         i ? ", " : ": ", part);
	}
	if (record(db, a, AUDIT_USER_ADD, *id, detail, e) < 0 || db_commit(db, e) < 0)
		goto out;
	in_tx = 0;
	ret = 0;
out:
	if (in_tx)
		db_rollback(db);
	sodium_memzero(acc.password_hash, sizeof(acc.password_hash));
	free(g);
	return ret;
}

int users_get(struct db *db, const struct users_actor *a, int64_t id, struct account_rec *out,
              struct err *e)
{
	return load_managed(db, a, id, out, NULL, e);
}

int users_get_by_name(struct db *db, const struct users_actor *a, const char *username,
                      struct account_rec *out, struct err *e)
{
	struct account_rec acc;

	if (store_account_by_name(db, username, &acc, e) < 0)
		return -1;
	return load_managed(db, a, acc.id, out, NULL, e);
}

int users_read_pii(struct db *db, const struct users_actor *a, int64_t id, struct account_rec *out,
                   struct err *e)
{
	int ret = -1;

	if (db_begin(db, e) < 0)
		return -1;
	if (load_managed(db, a, id, out, NULL, e) < 0 ||
	    record(db, a, AUDIT_PII_READ, id, "phone", e) < 0 || db_commit(db, e) < 0)
		db_rollback(db);
	else
		ret = 0;
	return ret;
}

struct batch {
	struct account_rec *acc;
	int n, max;
};

static int batch_add(void *ctx, const struct account_rec *a)
{
	struct batch *b = ctx;

	if (b->n >= b->max)
		return 1;
	b->acc[b->n++] = *a;
	return 0;
}

int users_list(struct db *db, const struct users_actor *a, const char *q, int64_t after, int limit,
               account_cb cb, void *ctx, int64_t *next_after, struct err *e)
{
	struct batch b = {NULL, 0, limit};
	struct grant_list *l = malloc(sizeof(*l));
	int got = 0, ret = -1, stop;

	*next_after = 0;
	if (limit < 1 || limit > 200) {
		err_set_param(e, 400, "param.invalid", "limit", "参数 'limit' 必须在 1 到 200 之间",
		              "parameter 'limit' must be in [1, 200]");
		goto out;
	}
	if (!l || !(b.acc = calloc((size_t)limit, sizeof(*b.acc)))) {
		err_set(e, 500, "internal.oom", "内存不足", "out of memory");
		goto out;
	}
	/* Scan pages until `limit` manageable accounts are found or none are left. */
	for (;;) {
		b.n = 0;
		if (store_account_list(db, q && *q ? q : NULL, after, limit, batch_add, &b, e) < 0)
			goto out;
		for (int i = 0; i < b.n; i++) {
			if (grants_load(db, b.acc[i].id, l, e) < 0)
				goto out;
			if (!manageable(db, a, l))
				continue;
			if ((stop = cb(ctx, &b.acc[i])) != 0) {
				ret = stop;
				goto out;
			}
			if (++got == limit) {
				*next_after = b.acc[i].id;
				ret = 0;
				goto out;
			}
		}
		if (b.n < limit)
			break;
		after = b.acc[b.n - 1].id;
	}
	ret = 0;
out:
	free(b.acc);
	free(l);
	return ret;
}

int users_set_disabled(struct db *db, const struct users_actor *a, int64_t id, int disabled,
                       struct err *e)
{
	struct account_rec acc;
	char now[TIME_ISO_MAX];
	int ret = -1;

	if (disabled && a->p && a->p->account_id == id)
		return err_set(e, 409, "user.self", "不能停用自己的账号", "you cannot disable your own account");
	if (db_begin(db, e) < 0)
		return -1;
	if (load_managed(db, a, id, &acc, NULL, e) < 0 ||
	    store_account_set_disabled(db, id, disabled, e) < 0)
		goto out;
	time_iso_now(now);
	if (disabled && (store_session_revoke_all(db, id, NULL, 0, now, e) < 0 ||
	                 store_session_revoke_all(db, id, "api", 0, now, e) < 0))
		goto out;
	if (record(db, a, disabled ? AUDIT_USER_DISABLE : AUDIT_USER_ENABLE, id, acc.username, e) < 0 ||
	    db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	return ret;
}

int users_set_password(struct db *db, const struct users_actor *a, int64_t id, const char *password,
                       int must_change, struct err *e)
{
	struct account_rec acc;
	char hash[PWHASH_MAX], now[TIME_ISO_MAX];
	int in_tx = 0, ret = -1;

	if (load_managed(db, a, id, &acc, NULL, e) < 0 || password_check(password, acc.username, e) < 0 ||
	    auth_hash_password(password, hash, e) < 0)
		goto out;
	if (db_begin(db, e) < 0)
		goto out;
	in_tx = 1;
	/* again inside the transaction: the grants may have moved meanwhile */
	if (load_managed(db, a, id, &acc, NULL, e) < 0 ||
	    store_account_set_password(db, id, hash, must_change != 0, e) < 0 ||
	    store_session_revoke_all(db, id, NULL, 0, time_iso_now(now), e) < 0 ||
	    record(db, a, AUDIT_USER_RESET, id, acc.username, e) < 0 || db_commit(db, e) < 0)
		goto out;
	in_tx = 0;
	ret = 0;
out:
	if (in_tx)
		db_rollback(db);
	sodium_memzero(hash, sizeof(hash));
	return ret;
}

int users_grant(struct db *db, const struct users_actor *a, int64_t id,
                const struct users_grant_spec *s, struct grant_rec *out, struct err *e)
{
	struct grant_list *l = malloc(sizeof(*l));
	struct account_rec acc;
	char detail[DETAIL_MAX], part[160];
	int ret = -1;

	if (!l)
		return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
	if (db_begin(db, e) < 0) {
		free(l);
		return -1;
	}
	if (load_managed(db, a, id, &acc, l, e) < 0 || grant_check(db, a, s, out, e) < 0)
		goto out;
	if (l->n >= USERS_GRANTS_MAX) {
		err_set(e, 409, "user.too_many_grants", "该用户的授权已达上限（%d 项）",
		        "the user already holds the most grants allowed (%d)", USERS_GRANTS_MAX);
		goto out;
	}
	out->account_id = id;
	time_iso_now(out->granted_at);
	if (store_grant_add(db, out, &out->id, e) < 0)
		goto out;
	grant_text(out, part, sizeof(part));
	snprintf(detail, sizeof(detail), "%s: %s", acc.username, part);
	if (record(db, a, AUDIT_USER_GRANT, id, detail, e) < 0 || db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	free(l);
	return ret;
}

int users_revoke(struct db *db, const struct users_actor *a, int64_t id, int64_t grant_id,
                 struct err *e)
{
	struct grant_list *l = malloc(sizeof(*l));
	struct account_rec acc;
	struct grant_rec gone;
	char detail[DETAIL_MAX], part[160];
	int ret = -1;

	if (!l)
		return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
	if (db_begin(db, e) < 0) {
		free(l);
		return -1;
	}
	if (load_managed(db, a, id, &acc, l, e) < 0)
		goto out;
	for (int i = 0; a->p && a->p->account_id == id && i < l->n; i++)
		if (l->g[i].id == grant_id && role_parse(l->g[i].role) == ROLE_ADMIN) {
			err_set(e, 409, "user.self", "不能撤销自己的管理员角色",
			        "you cannot revoke your own admin role");
			goto out;
		}
	if (store_grant_delete(db, id, grant_id, &gone, e) < 0)
		goto out;
	grant_text(&gone, part, sizeof(part));
	snprintf(detail, sizeof(detail), "%s: grant %lld %s", acc.username, (long long)grant_id, part);
	if (record(db, a, AUDIT_USER_REVOKE, id, detail, e) < 0 || db_commit(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0)
		db_rollback(db);
	free(l);
	return ret;
}

void users_generate_password(char *out, size_t n)
{
	static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
	size_t len = n > USERS_GENERATED_LEN ? USERS_GENERATED_LEN : (n ? n - 1 : 0);

	for (size_t i = 0; i < len; i++)
		out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
	if (n)
		out[len] = '\0';
}
