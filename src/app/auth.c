/*
 * auth.c - log-in, sessions, API tokens, passwords and scope (see auth.h).
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "app/auth.h"
#include "app/displays.h"
#include "app/writer.h"
#include "domain/password.h"
#include "domain/role.h"
#include "domain/unit_code.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

/* Argon2id cost: libsodium's "interactive" limits (~0.1 s, 64 MiB). */
#define AUTH_OPSLIMIT crypto_pwhash_OPSLIMIT_INTERACTIVE
#define AUTH_MEMLIMIT crypto_pwhash_MEMLIMIT_INTERACTIVE

#define THROTTLE_WINDOW 900            /* seconds a failure counts */
#define THROTTLE_LOCK_KEY 72480005     /* db_lock_xact key serialising the throttle (not the writer's 72480004) */
#define LOCK_MAX 900                   /* no lock lasts longer */

static const struct { const char *kind; int64_t idle, absolute; } lifetimes[] = {
	{"web", 30 * 60, 12 * 3600},
	{"app", 7 * 86400, 30 * 86400},
};

/* ------------------------------------------------------------- helpers */

void auth_random_token(char *out, size_t n, const char *prefix)
{
	unsigned char raw[32];
	size_t plen = str_copy(out, n, prefix);

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out + plen, n - plen, raw, sizeof(raw), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

/* hex(BLAKE2b-256(token)): the only form a token is stored in. */
void auth_token_hash(const char *token, char out[AUTH_HASH_MAX])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof(h), (const unsigned char *)token, strlen(token), NULL, 0);
	sodium_bin2hex(out, AUTH_HASH_MAX, h, sizeof(h));
}

static char *iso_in(time_t seconds, char *buf)
{
	return time_iso(time(NULL) + seconds, buf);
}

int auth_hash_password(const char *password, char out[PWHASH_MAX], struct err *e)
{
	if (crypto_pwhash_str(out, password, strlen(password), AUTH_OPSLIMIT, AUTH_MEMLIMIT) != 0)
		return err_set(e, 500, "auth.hash", "无法计算密码哈希（内存不足？）",
		               "cannot hash the password (out of memory?)");
	return 0;
}

/* A hash to verify against when the user does not exist, so that unknown
 * and known names take the same time. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy[PWHASH_MAX];

static void dummy_init(void)
{
	unsigned char r[16];
	char pw[33];

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(pw, sizeof(pw), r, sizeof(r));
	if (crypto_pwhash_str(dummy, pw, 32, AUTH_OPSLIMIT, AUTH_MEMLIMIT) != 0)
		dummy[0] = '\0';
}

static const char *dummy_hash(void)
{
	pthread_once(&dummy_once, dummy_init);
	return dummy;
}

/* ------------------------------------------------------------ throttle */

struct throttle_rule {
	const char *prefix;            /* key prefix */
	int64_t free;                  /* failures allowed before locking */
	int64_t base;                  /* first lock, seconds; doubles after */
};

static const struct throttle_rule rules[] = {
	{"ui:", 5, 30},                /* this account from this address */
	{"u:", 20, 300},               /* this account from anywhere */
	{"ip:", 50, 600},              /* anything from this address */
};

static void throttle_key(const struct throttle_rule *r, const char *user, const char *ip,
                         char *out, size_t n)
{
	if (r->prefix[0] == 'u' && r->prefix[1] == 'i')
		snprintf(out, n, "ui:%s|%s", user, ip ? ip : "");
	else if (r->prefix[0] == 'u')
		snprintf(out, n, "u:%s", user);
	else
		snprintf(out, n, "ip:%s", ip ? ip : "");
}

/* Seconds until every applicable lock has passed (0 = none). */
static int64_t throttle_wait(struct db *db, const char *user, const char *ip, struct err *e)
{
	int64_t wait = 0, failures;
	char key[200], first[TS_MAX], locked[TS_MAX];
	time_t now = time(NULL);

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		throttle_key(&rules[i], user, ip, key, sizeof(key));
		if (store_throttle_get(db, key, &failures, first, locked, e) < 0)
			return -1;
		if (locked[0] && time_iso_parse(locked) > now && time_iso_parse(locked) - now > wait)
			wait = time_iso_parse(locked) - now;
	}
	return wait;
}

/* Count one failure against `key` (window THROTTLE_WINDOW; past `free`
 * failures a lock of `base` seconds, doubling with each further failure up
 * to LOCK_MAX). locked_out gets the lock set ("" for none). */
static int throttle_count(struct db *db, const char *key, int64_t free, int64_t base, time_t now,
                          char locked_out[TS_MAX], struct err *e)
{
	int64_t failures;
	char first[TS_MAX], locked[TS_MAX], ts[TIME_ISO_MAX];

	locked_out[0] = '\0';
	if (store_throttle_get(db, key, &failures, first, locked, e) < 0)
		return -1;
	if (!first[0] || now - time_iso_parse(first) > THROTTLE_WINDOW) {
		failures = 0;
		time_iso(now, first);
	}
	failures++;
	locked[0] = '\0';
	if (failures > free) {
		int64_t secs = base;
		for (int64_t k = failures - free - 1; k > 0 && secs < LOCK_MAX; k--)
			secs *= 2;
		if (secs > LOCK_MAX)
			secs = LOCK_MAX;
		str_copy(locked, sizeof(locked), time_iso(now + secs, ts));
		str_copy(locked_out, TS_MAX, locked);
	}
	return store_throttle_set(db, key, failures, first, locked, e);
}

/* Count a failure against every key; lock the ones past their allowance.
 * ip_lock gets the lock this set on the address-wide key ("" for none). */
static int throttle_fail(struct db *db, const char *user, const char *ip, char ip_lock[TS_MAX],
                         struct err *e)
{
	char key[200], locked[TS_MAX];
	time_t now = time(NULL);

	ip_lock[0] = '\0';
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		const struct throttle_rule *r = &rules[i];
		throttle_key(r, user, ip, key, sizeof(key));
		if (throttle_count(db, key, r->free, r->base, now, locked, e) < 0)
			return -1;
		if (r->prefix[0] == 'i')
			str_copy(ip_lock, TS_MAX, locked);
	}
	return 0;
}

/* Before checking a password: in one transaction serialised against every
 * other log-in (THROTTLE_LOCK_KEY), see whether a lock holds and, when none
 * does, count this attempt as a failure up front. Concurrent guesses thus
 * each see the ones before them: no more get verified than the rules allow,
 * and no count is lost to a concurrent update. A success takes its count
 * back (throttle_success). Returns the seconds to wait (0 = go on), or -1. */
static int64_t throttle_reserve(struct db *db, const char *user, const char *ip,
                                char ip_lock[TS_MAX], struct err *e)
{
	int64_t wait = -1;

	if (db_begin(db, e) < 0)
		return -1;
	if (db_lock_xact(db, THROTTLE_LOCK_KEY, e) < 0 || (wait = throttle_wait(db, user, ip, e)) < 0 ||
	    (wait == 0 && throttle_fail(db, user, ip, ip_lock, e) < 0) || db_commit(db, e) < 0) {
		db_rollback(db);
		return -1;
	}
	return wait;
}

/* A successful log-in (inside its transaction): forget the account's
 * failures, and take back the one throttle_reserve counted against the
 * address, with the lock that count set, if it did. */
static int throttle_success(struct db *db, const char *user, const char *ip, const char *ip_lock,
                            struct err *e)
{
	int64_t failures;
	char key[200], first[TS_MAX], locked[TS_MAX];

	if (db_lock_xact(db, THROTTLE_LOCK_KEY, e) < 0)
		return -1;
	for (size_t i = 0; i < 2; i++) {
		throttle_key(&rules[i], user, ip, key, sizeof(key));
		if (store_throttle_clear(db, key, e) < 0)
			return -1;
	}
	throttle_key(&rules[2], user, ip, key, sizeof(key));
	if (store_throttle_get(db, key, &failures, first, locked, e) < 0)
		return -1;
	if (failures <= 1)
		return store_throttle_clear(db, key, e);
	if (ip_lock[0] && !strcmp(locked, ip_lock))
		locked[0] = '\0';
	return store_throttle_set(db, key, failures - 1, first, locked, e);
}

int64_t auth_throttle_reserve(struct db *db, const char *key, int64_t free, int64_t base,
                              struct err *e)
{
	int64_t failures, wait = 0;
	char first[TS_MAX], locked[TS_MAX], set[TS_MAX];
	time_t now = time(NULL);

	if (db_begin(db, e) < 0)
		return -1;
	if (db_lock_xact(db, THROTTLE_LOCK_KEY, e) < 0 ||
	    store_throttle_get(db, key, &failures, first, locked, e) < 0)
		goto fail;
	if (locked[0] && time_iso_parse(locked) > now)
		wait = time_iso_parse(locked) - now;
	else if (throttle_count(db, key, free, base, now, set, e) < 0)
		goto fail;
	if (db_commit(db, e) < 0)
		return -1;
	return wait;
fail:
	db_rollback(db);
	return -1;
}

int auth_throttle_clear(struct db *db, const char *key, struct err *e)
{
	return store_throttle_clear(db, key, e);
}

/* -------------------------------------------------------------- grants */

struct grants_ctx {
	struct db *db;
	struct principal *p;
	unsigned mask;
};

static int add_grant(void *ctx, const struct grant_rec *g)
{
	struct grants_ctx *c = ctx;
	struct principal *p = c->p;
	unsigned role = role_parse(g->role);

	if (!role || (c->mask && !(role & c->mask)) || p->ngrants >= AUTH_MAX_GRANTS)
		return 0;
	p->grants[p->ngrants].role = role;
	p->grants[p->ngrants].id = g->id;
	str_copy(p->grants[p->ngrants].scope, SCOPE_MAX, g->scope_code);
	p->grants[p->ngrants].level = (int)unit_code_level(g->scope_code);
	p->ngrants++;
	p->roles |= role;
	return 0;
}

int auth_load_grants(struct db *db, struct principal *p, unsigned role_mask, struct err *e)
{
	struct grants_ctx c = {db, p, role_mask};
	p->ngrants = 0;
	p->roles = 0;
	return store_grants_of(db, p->account_id, add_grant, &c, e) < 0 ? -1 : 0;
}

const struct auth_grant *auth_scope(const struct principal *p, unsigned roles, const char *code)
{
	for (int i = 0; p && code && i < p->ngrants; i++) {
		const struct auth_grant *g = &p->grants[i];
		if (!(g->role & roles))
			continue;
		if (g->level ? unit_code_under(code, g->scope) : !strcmp(code, g->scope))
			return g;
	}
	return NULL;
}

static void principal_from(struct principal *p, const struct account_rec *a,
                           const struct session_rec *s)
{
	memset(p, 0, sizeof(*p));
	p->account_id = a->id;
	str_copy(p->username, sizeof(p->username), a->username);
	str_copy(p->display_name, sizeof(p->display_name), a->display_name);
	p->must_change_password = a->must_change_password;
	p->session_id = s->id;
	str_copy(p->kind, sizeof(p->kind), s->kind);
	str_copy(p->csrf, sizeof(p->csrf), s->csrf_token);
}

/* --------------------------------------------------------------- log-in */

int auth_login(struct db *db, const char *username, const char *password, const char *kind,
               const char *ip, const char *user_agent, char token[AUTH_TOKEN_MAX],
               struct principal *p, struct err *e)
{
	struct account_rec a;
	struct session_rec s;
	struct err nf = ERR_INIT;
	char hash[AUTH_HASH_MAX], ip_lock[TS_MAX];
	int64_t wait, life_idle = 0, life_abs = 0;
	int found, ok;

	for (size_t i = 0; i < sizeof(lifetimes) / sizeof(lifetimes[0]); i++)
		if (!strcmp(kind, lifetimes[i].kind)) {
			life_idle = lifetimes[i].idle;
			life_abs = lifetimes[i].absolute;
		}
	if (!life_abs)
		return err_set_param(e, 400, "auth.bad_kind", "kind", "kind 必须是 web 或 app",
		                     "kind must be web or app");
	if ((wait = throttle_reserve(db, username, ip, ip_lock, e)) < 0)
		return -1;
	if (wait > 0) {
		err_set(e, 429, "auth.locked", "登录失败次数过多，请 %lld 秒后再试",
		        "too many failed log-ins, try again in %lld seconds", (long long)wait);
		snprintf(e->param, sizeof(e->param), "%lld", (long long)wait);
		return -1;
	}
	found = store_account_by_name(db, username, &a, &nf) == 0;
	if (!found && nf.status != 404)
		return err_pass(e, &nf);
	ok = crypto_pwhash_str_verify(found ? a.password_hash : dummy_hash(), password,
	                              strlen(password)) == 0;
	if (!found || !ok || a.disabled)             /* already counted by throttle_reserve */
		return err_set(e, 401, "auth.bad_credentials", "用户名或密码错误", "wrong user name or password");
	if (db_begin(db, e) < 0)
		return -1;
	if (throttle_success(db, username, ip, ip_lock, e) < 0)
		goto fail;
	if (crypto_pwhash_str_needs_rehash(a.password_hash, AUTH_OPSLIMIT, AUTH_MEMLIMIT) != 0) {
		char fresh[PWHASH_MAX];
		if (auth_hash_password(password, fresh, e) < 0 ||
		    store_account_set_password(db, a.id, fresh, a.must_change_password, e) < 0)
			goto fail;
	}
	/* Always a new token: a session id planted before log-in is never reused. */
	memset(&s, 0, sizeof(s));
	s.account_id = a.id;
	str_copy(s.kind, sizeof(s.kind), kind);
	if (!strcmp(kind, "web"))
		auth_random_token(s.csrf_token, sizeof(s.csrf_token), "");
	time_iso_now(s.created_at);
	str_copy(s.last_seen_at, sizeof(s.last_seen_at), s.created_at);
	iso_in(life_abs, s.expires_at);
	s.idle_seconds = life_idle;
	auth_random_token(token, AUTH_TOKEN_MAX, "");
	auth_token_hash(token, hash);
	if (store_session_add(db, &s, hash, ip, user_agent, &s.id, e) < 0)
		goto fail;
	principal_from(p, &a, &s);
	if (auth_load_grants(db, p, 0, e) < 0)
		goto fail;
	return db_commit(db, e);
fail:
	db_rollback(db);
	return -1;
}

/* The reads of auth_session; *touch: the session's id when its idle timer
 * is due a refresh (at most once a minute), else 0. */
static int session_read(struct db *db, const char *token, time_t t, struct principal *p,
                        int64_t *touch, struct err *e)
{
	struct session_rec s;
	struct account_rec a;
	struct err nf = ERR_INIT;
	char hash[AUTH_HASH_MAX];

	*touch = 0;
	auth_token_hash(token, hash);
	if (store_session_by_hash(db, hash, &s, &nf) < 0) {
		if (nf.status != 404)
			return err_pass(e, &nf);
		return err_set(e, 401, "auth.invalid", "登录凭证无效，请重新登录", "invalid credentials, log in again");
	}
	if (s.revoked_at[0])
		return err_set(e, 401, "auth.invalid", "登录凭证已失效，请重新登录", "credentials revoked, log in again");
	if (time_iso_parse(s.expires_at) <= t ||
	    (s.idle_seconds > 0 && time_iso_parse(s.last_seen_at) + s.idle_seconds <= t))
		return err_set(e, 401, "auth.expired", "登录已过期，请重新登录", "session expired, log in again");
	if (store_account_get(db, s.account_id, &a, e) < 0)
		return -1;
	if (a.disabled)
		return err_set(e, 401, "auth.invalid", "账号已停用", "account disabled");
	principal_from(p, &a, &s);
	if (auth_load_grants(db, p, (unsigned)s.roles, e) < 0)
		return -1;
	if (t - time_iso_parse(s.last_seen_at) >= 60)
		*touch = s.id;
	return 0;
}

/* The idle timer's refresh as a writer job (auth_session_touch). */
struct touch_job {
	int64_t id;
	const char *now;
};

static int touch_run(struct db *db, void *arg, int64_t *log_id, struct err *e)
{
	struct touch_job *j = arg;

	(void)log_id;
	return store_session_touch(db, j->id, j->now, e);
}

int auth_session(struct db *db, const char *token, struct principal *p, int64_t *touch,
                 struct err *e)
{
	int rd, rc;

	*touch = 0;
	if (!token || strlen(token) < 20 || strlen(token) >= AUTH_TOKEN_MAX)
		return err_set(e, 401, "auth.invalid", "登录凭证无效，请重新登录", "invalid credentials, log in again");
	if (str_starts_with(token, DISPLAY_TOKEN_PREFIX))      /* a wall display (app/displays.h) */
		return displays_session(db, token, p, e);
	/* session, account and grants on one snapshot (on SQLite one WAL
	 * snapshot instead of one a statement) */
	rd = db_read_begin(db);
	rc = session_read(db, token, time(NULL), p, touch, e);
	db_read_end(db, rd);
	return rc;
}

int auth_session_touch(struct writer *w, struct db_pool *pool, int64_t session_id, struct err *e)
{
	char now[TIME_ISO_MAX];
	struct touch_job j = {session_id, time_iso_now(now)};

	return writer_exec(w, pool, touch_run, &j, e);
}

int auth_logout(struct db *db, const struct principal *p, struct err *e)
{
	char now[TIME_ISO_MAX];
	return store_session_revoke(db, p->session_id, p->account_id, time_iso_now(now), e);
}

int auth_logout_all(struct db *db, const struct principal *p, struct err *e)
{
	char now[TIME_ISO_MAX];
	return store_session_revoke_all(db, p->account_id, NULL, 0, time_iso_now(now), e);
}

int auth_change_password(struct db *db, const struct principal *p, const char *old_pw,
                         const char *new_pw, struct err *e)
{
	struct account_rec a;
	char hash[PWHASH_MAX], now[TIME_ISO_MAX];

	if (store_account_get(db, p->account_id, &a, e) < 0)
		return -1;
	if (crypto_pwhash_str_verify(a.password_hash, old_pw, strlen(old_pw)) != 0)
		return err_set_param(e, 403, "auth.bad_password", "old_password", "原密码不正确",
		                     "the current password is wrong");
	if (password_check(new_pw, a.username, e) < 0 || auth_hash_password(new_pw, hash, e) < 0)
		return -1;
	if (db_begin(db, e) < 0)
		return -1;
	/* every other session ends; the one that changed it may stay */
	if (store_account_set_password(db, a.id, hash, 0, e) < 0 ||
	    store_session_revoke_all(db, a.id, NULL, p->session_id, time_iso_now(now), e) < 0)
		goto fail;
	return db_commit(db, e);
fail:
	db_rollback(db);
	return -1;
}

int auth_token_create(struct db *db, const struct principal *p, const char *name, unsigned roles,
                      int days, char token[AUTH_TOKEN_MAX], int64_t *id, struct err *e)
{
	struct session_rec s;
	char hash[AUTH_HASH_MAX];

	if (days < 1 || days > 365)
		return err_set_param(e, 400, "token.bad_days", "days", "有效期必须在 1 到 365 天之间",
		                     "days must be in [1, 365]");
	/* Made with an API token: never broader than that token, so "all of
	 * the account's roles" (0) means the caller's own, limited set. */
	if (!roles && !strcmp(p->kind, "api"))
		roles = p->roles;
	if (roles & ~p->roles)
		return err_set_param(e, 403, "token.role_not_held", "roles", "令牌不能拥有你没有的角色",
		                     "a token cannot carry a role you do not hold");
	memset(&s, 0, sizeof(s));
	s.account_id = p->account_id;
	str_copy(s.kind, sizeof(s.kind), "api");
	str_copy(s.name, sizeof(s.name), name);
	s.roles = roles;
	time_iso_now(s.created_at);
	str_copy(s.last_seen_at, sizeof(s.last_seen_at), s.created_at);
	iso_in((time_t)days * 86400, s.expires_at);
	auth_random_token(token, AUTH_TOKEN_MAX, "wgt_");
	auth_token_hash(token, hash);
	return store_session_add(db, &s, hash, NULL, NULL, id, e);
}
