/*
 * displays.c - wall displays (大屏): creating, listing, pairing, renewing
 * and revoking them, and the principal of a display's token (see
 * displays.h; the pure rules are domain/display_rules.c, the rows
 * store/store_display.c).
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "app/audit.h"
#include "app/displays.h"
#include "domain/unit_code.h"
#include "lib/jsonx.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

#define TOUCH_EVERY 60                 /* seconds between last_seen_at updates */

/* ------------------------------------------------------------- helpers */

static struct display_facts facts(const struct display_rec *d)
{
	struct display_facts f = {
		.revoked = d->revoked_at[0] != '\0',
		.paired = d->paired,
		.pair_expires = d->pair_pending ? time_iso_parse(d->pair_expires_at) : 0,
		.expires = time_iso_parse(d->expires_at),
		.last_seen = time_iso_parse(d->last_seen_at),
	};
	return f;
}

enum display_status displays_status(const struct display_rec *d, time_t now)
{
	struct display_facts f = facts(d);
	return display_status(&f, now);
}

/* A new pairing code: the canonical form into code, its hash into hash. */
static void new_code(char code[DISPLAY_CODE_MAX], char hash[AUTH_HASH_MAX])
{
	unsigned char raw[DISPLAY_CODE_BYTES];

	randombytes_buf(raw, sizeof(raw));
	display_code_encode(raw, code);
	sodium_memzero(raw, sizeof(raw));
	auth_token_hash(code, hash);
}

/* Does p manage the display of `unit`? */
static int manages(const struct principal *p, const char *unit)
{
	return auth_scope(p, DISPLAY_MANAGERS, unit) != NULL;
}

static int not_found(struct err *e)
{
	return err_set(e, 404, "display.not_found", "找不到该大屏", "no such display");
}

/* Copy at most n - 1 bytes of UTF-8 text, never cutting a character. */
static void copy_utf8(char *dst, size_t n, const char *src)
{
	size_t len = str_copy(dst, n, src);

	if (len < strlen(src)) {           /* cut short: drop a character cut in two */
		while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
			len--;
		dst[len] = '\0';
	}
}

/* Name: 1..DISPLAY_NAME_MAX bytes of UTF-8, no control characters, not
 * only spaces. */
static int name_check(const char *name, struct err *e)
{
	size_t len = name ? strlen(name) : 0;
	int visible = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f)
			len = 0;                   /* refused below */
		visible |= c != ' ';
	}
	if (len == 0 || len > DISPLAY_NAME_MAX || !visible || !str_valid_utf8(name, len))
		return err_set_param(e, 400, "field.invalid", "name",
		                     "大屏名称须为 1 到 %d 字节（约 %d 个汉字），不能含控制字符",
		                     "display name must be 1 to %d bytes (about %d Chinese characters) without control characters",
		                     DISPLAY_NAME_MAX, DISPLAY_NAME_MAX / 3);
	return 0;
}

/* One transaction: fn, then its audit row naming display *id (read after
 * fn, which may have made it). */
static int audited(struct db *db, const struct principal *p, const char *action, const int64_t *id,
                   const char *ip, const char *detail, int (*fn)(struct db *, void *, struct err *),
                   void *ctx, struct err *e)
{
	char target[48];

	if (db_begin(db, e) < 0)
		return -1;
	if (fn(db, ctx, e) < 0)
		goto fail;
	snprintf(target, sizeof(target), "display:%lld", (long long)*id);
	if (audit_record(db, p, action, target, ip, "ok", detail, e) < 0)
		goto fail;
	return db_commit(db, e);
fail:
	db_rollback(db);
	return -1;
}

/* --------------------------------------------------------------- create */

struct create_ctx {
	int64_t id;                      /* the new display's */
	struct display_rec *d;
	const char *hash;
};

static int create_fn(struct db *db, void *ctx, struct err *e)
{
	struct create_ctx *c = ctx;
	int64_t live;

	if (store_display_count_live(db, c->d->unit, &live, e) < 0)
		return -1;
	if (live >= DISPLAY_PER_UNIT_MAX)
		return err_set(e, 409, "display.too_many", "该单位的大屏已达 %d 个，请先停用不用的大屏",
		               "the unit has %d displays already: revoke unused ones first",
		               DISPLAY_PER_UNIT_MAX);
	return store_display_add(db, c->d, c->hash, &c->id, e);
}

int displays_create(struct db *db, const struct principal *p, const struct org_model *m,
                    const char *name, const char *unit, const char *ip, struct display_rec *out,
                    char code[DISPLAY_CODE_MAX], struct err *e)
{
	char hash[AUTH_HASH_MAX];
	enum unit_level level;
	struct create_ctx c;

	if (name_check(name, e) < 0 || unit_code_check(unit, "unit", e) < 0)
		return -1;
	if (!orgmodel_find(m, unit) || !manages(p, unit))
		return err_set_param(e, 404, "unit.not_found", "unit", "找不到单位 '%s'", "unknown unit '%s'",
		                     unit);
	level = unit_code_level(unit);
	if (level != LEVEL_DISTRICT && level != LEVEL_TOWN && level != LEVEL_COMMUNITY)
		return err_set_param(e, 400, "display.bad_unit", "unit",
		                     "大屏只能设在区、镇街或村社区", "a display shows a district, a town or a community");
	memset(out, 0, sizeof(*out));
	str_copy(out->name, sizeof(out->name), name);
	str_copy(out->unit, sizeof(out->unit), unit);
	out->created_by = p->account_id;
	str_copy(out->created_by_name, sizeof(out->created_by_name), p->username);
	time_iso_now(out->created_at);
	time_iso(time(NULL) + (time_t)DISPLAY_PAIR_HOURS * 3600, out->pair_expires_at);
	out->pair_pending = 1;
	new_code(code, hash);
	c.id = 0;
	c.d = out;
	c.hash = hash;
	if (audited(db, p, AUDIT_DISPLAY_CREATE, &c.id, ip, name, create_fn, &c, e) < 0)
		return -1;
	out->id = c.id;
	return 0;
}

/* ----------------------------------------------------------------- list */

struct list_ctx {
	const struct principal *p;
	display_cb cb;
	void *ctx;
	int want, got;
	int64_t last;                    /* last id read */
	int64_t last_kept;               /* last id passed on */
	int more;                        /* a row in scope after the page */
};

static int list_row(void *ctx, const struct display_rec *d)
{
	struct list_ctx *c = ctx;
	int rc;

	c->last = d->id;
	if (!manages(c->p, d->unit))
		return 0;
	if (c->got == c->want) {
		c->more = 1;
		return 1;
	}
	if ((rc = c->cb(c->ctx, d)))
		return rc;
	c->got++;
	c->last_kept = d->id;
	return 0;
}

int displays_list(struct db *db, const struct principal *p, int64_t before, int limit,
                  display_cb cb, void *ctx, int64_t *next_before, struct err *e)
{
	struct list_ctx c = {p, cb, ctx, limit, 0, before, 0, 0};
	int rc;

	*next_before = 0;
	/* Rows outside p's scope are skipped: read batches until the page is
	 * full (and one more row in scope is seen) or the table ends. */
	for (;;) {
		int64_t from = c.last;
		c.last = 0;
		rc = store_display_list(db, from, DISPLAY_LIST_MAX, list_row, &c, e);
		if (rc < 0)
			return -1;
		if (rc > 0 && !c.more)
			return rc;                 /* the callback stopped */
		if (c.more || c.last == 0)
			break;                     /* page full, or no row after `from` */
	}
	if (c.more)
		*next_before = c.last_kept;
	return 0;
}

/* -------------------------------------------------------------- pairing */

struct pairing_ctx {
	int64_t id;
	const char *hash;
	const char *expires;
};

static int pairing_fn(struct db *db, void *ctx, struct err *e)
{
	struct pairing_ctx *c = ctx;
	return store_display_set_pairing(db, c->id, c->hash, c->expires, e);
}

/* The display id, if p manages it: 404 display.not_found otherwise. */
static int managed(struct db *db, const struct principal *p, int64_t id, struct display_rec *out,
                   struct err *e)
{
	struct err nf = ERR_INIT;

	if (store_display_get(db, id, out, &nf) < 0) {
		return nf.status == 404 ? not_found(e) : err_pass(e, &nf);
	}
	if (!manages(p, out->unit))
		return not_found(e);
	return 0;
}

int displays_new_pairing(struct db *db, const struct principal *p, int64_t id, const char *ip,
                         struct display_rec *out, char code[DISPLAY_CODE_MAX], struct err *e)
{
	char hash[AUTH_HASH_MAX], expires[TIME_ISO_MAX];
	struct pairing_ctx c = {id, hash, expires};

	if (managed(db, p, id, out, e) < 0)
		return -1;
	if (out->revoked_at[0])
		return err_set(e, 409, "display.revoked", "已停用的大屏不能再配对，请新建一个",
		               "a revoked display cannot be paired again: create a new one");
	new_code(code, hash);
	time_iso(time(NULL) + (time_t)DISPLAY_PAIR_HOURS * 3600, expires);
	if (audited(db, p, AUDIT_DISPLAY_PAIRING, &id, ip, NULL, pairing_fn, &c, e) < 0)
		return -1;
	return store_display_get(db, id, out, e);
}

/* --------------------------------------------------------------- revoke */

struct revoke_ctx {
	int64_t id;
	int64_t by;
};

static int revoke_fn(struct db *db, void *ctx, struct err *e)
{
	struct revoke_ctx *c = ctx;
	char now[TIME_ISO_MAX];
	return store_display_revoke(db, c->id, c->by, time_iso_now(now), e);
}

int displays_revoke(struct db *db, const struct principal *p, int64_t id, const char *ip,
                    struct display_rec *out, struct err *e)
{
	struct revoke_ctx c = {id, p->account_id};

	if (managed(db, p, id, out, e) < 0)
		return -1;
	if (out->revoked_at[0])
		return err_set(e, 409, "display.revoked", "该大屏已经停用", "the display is revoked already");
	if (audited(db, p, AUDIT_DISPLAY_REVOKE, &id, ip, out->name, revoke_fn, &c, e) < 0)
		return -1;
	return store_display_get(db, id, out, e);
}

/* ------------------------------------------------------------ principal */

static void principal_of(const struct display_rec *d, const char *token_hash, struct principal *p)
{
	memset(p, 0, sizeof(*p));
	p->display_id = d->id;
	snprintf(p->username, sizeof(p->username), "display:%lld", (long long)d->id);
	copy_utf8(p->display_name, sizeof(p->display_name), d->name);
	str_copy(p->kind, sizeof(p->kind), "display");
	str_copy(p->display_tag, sizeof(p->display_tag), token_hash);
	p->roles = ROLE_DISPLAY;
	p->grants[0].role = ROLE_DISPLAY;
	p->grants[0].id = d->id;
	str_copy(p->grants[0].scope, sizeof(p->grants[0].scope), d->unit);
	p->grants[0].level = (int)unit_code_level(d->unit);
	p->ngrants = 1;
}

int displays_session(struct db *db, const char *token, struct principal *p, struct err *e)
{
	struct display_rec d;
	struct display_facts f;
	struct err nf = ERR_INIT;
	char hash[AUTH_HASH_MAX], now[TIME_ISO_MAX];
	time_t t = time(NULL);

	auth_token_hash(token, hash);
	if (store_display_by_token(db, hash, &d, &nf) < 0) {
		if (nf.status != 404)
			return err_pass(e, &nf);
		return err_set(e, 401, "auth.invalid", "大屏凭证无效或已被重新配对，请重新配对",
		               "invalid display token (or the display was paired anew): pair again");
	}
	f = facts(&d);
	if (f.revoked)
		return err_set(e, 401, "display.revoked", "该大屏已被管理员停用，请联系管理员重新配对",
		               "this display was revoked: ask an administrator to pair it again");
	if (!display_token_valid(&f, t))
		return err_set(e, 401, "auth.expired", "大屏授权已过期，请管理员重新生成配对码",
		               "the display's pairing expired: ask an administrator for a new pairing code");
	principal_of(&d, hash, p);
	/* last_seen_at: the idle limit counts from here (at most once a minute) */
	if (t - f.last_seen >= TOUCH_EVERY && store_display_touch(db, d.id, time_iso(t, now), e) < 0)
		return -1;
	return 0;
}

/* ----------------------------------------------------------------- pair */

int displays_pair(struct db *db, const char *code, const char *ip, const char *user_agent,
                  char token[AUTH_TOKEN_MAX], struct display_rec *out, struct principal *p,
                  struct err *e)
{
	char canon[DISPLAY_CODE_MAX], hash[AUTH_HASH_MAX], thash[AUTH_HASH_MAX];
	char key[96], now[TIME_ISO_MAX], expires[TIME_ISO_MAX], ua[DISPLAY_UA_BYTES];
	struct err nf = ERR_INIT;
	time_t t = time(NULL);
	int64_t wait;
	struct display_facts f;

	if (display_code_normalize(code, canon) < 0)
		return err_set_param(e, 400, "display.bad_code", "code",
		                     "配对码应为 12 位字母和数字（如 ABCD-EFGH-JKMN）",
		                     "a pairing code is 12 letters and digits (ABCD-EFGH-JKMN)");
	/* guessing is throttled per address, counted before the look-up */
	snprintf(key, sizeof(key), "pair:%s", ip ? ip : "");
	if ((wait = auth_throttle_reserve(db, key, DISPLAY_PAIR_FREE, DISPLAY_PAIR_LOCK, e)) < 0)
		return -1;
	if (wait > 0) {
		err_set(e, 429, "auth.locked", "配对失败次数过多，请 %lld 秒后再试",
		        "too many failed pairings, try again in %lld seconds", (long long)wait);
		snprintf(e->param, sizeof(e->param), "%lld", (long long)wait);
		return -1;
	}
	auth_token_hash(canon, hash);
	if (store_display_by_pair(db, hash, out, &nf) < 0) {
		if (nf.status != 404)
			return err_pass(e, &nf);
		goto unknown;
	}
	f = facts(out);
	if (f.revoked || f.pair_expires <= t)
		goto unknown;
	auth_random_token(token, AUTH_TOKEN_MAX, DISPLAY_TOKEN_PREFIX);
	auth_token_hash(token, thash);
	time_iso(t, now);
	time_iso(t + (time_t)DISPLAY_LIFETIME_DAYS * 86400, expires);
	copy_utf8(ua, sizeof(ua), user_agent ? user_agent : "");
	str_utf8_sanitize(ua);
	for (char *c = ua; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = ' ';
	if (db_begin(db, e) < 0)
		return -1;
	if (store_display_pair(db, out->id, hash, thash, now, expires, ip, ua, &nf) < 0) {
		db_rollback(db);
		if (nf.status != 404)
			return err_pass(e, &nf);
		goto unknown;                  /* used a moment ago by someone else */
	}
	if (store_display_get(db, out->id, out, e) < 0)
		goto fail;
	principal_of(out, thash, p);
	if (auth_throttle_clear(db, key, e) < 0 ||
	    audit_record(db, p, AUDIT_DISPLAY_PAIR, p->username, ip, "ok", out->name, e) < 0)
		goto fail;
	return db_commit(db, e);
fail:
	db_rollback(db);
	return -1;
unknown:
	sodium_memzero(token, AUTH_TOKEN_MAX);
	return err_set_param(e, 404, "display.code_not_found", "code",
	                     "配对码无效、已使用或已过期，请向管理员索取新的配对码",
	                     "unknown, used or expired pairing code: ask an administrator for a new one");
}

/* ----------------------------------------------------------------- JSON */

static json_t *unit_json(const struct org_model *m, const char *code)
{
	const struct org_unit *u = m ? orgmodel_find(m, code) : NULL;
	json_t *j = json_pack("{s:s}", "code", code);

	json_object_set_new(j, "name", u ? json_string(u->rec.name) : json_null());
	json_object_set_new(j, "level", json_string(unit_level_name(unit_code_level(code))));
	return j;
}

static void set_time(json_t *j, const char *key, const char *iso)
{
	jsonx_set_str_or_null(j, key, iso);
}

json_t *displays_json(const struct display_rec *d, const struct org_model *m, time_t now)
{
	enum display_status s = displays_status(d, now);
	json_t *j = json_pack("{s:I, s:s, s:o, s:s, s:s, s:s}", "id", (json_int_t)d->id, "name", d->name,
	                      "unit", unit_json(m, d->unit), "status", display_status_name(s),
	                      "status_label", display_status_label(s), "created_at", d->created_at);

	jsonx_set_str_or_null(j, "created_by", d->created_by_name);
	set_time(j, "pairing_expires_at", d->pair_pending ? d->pair_expires_at : NULL);
	set_time(j, "paired_at", d->paired_at);
	jsonx_set_str_or_null(j, "paired_ip", d->paired_ip);
	jsonx_set_str_or_null(j, "user_agent", d->user_agent);
	set_time(j, "expires_at", d->paired ? d->expires_at : NULL);
	set_time(j, "last_seen_at", d->paired ? d->last_seen_at : NULL);
	set_time(j, "revoked_at", d->revoked_at);
	return j;
}

json_t *displays_self_json(const struct display_rec *d, const struct org_model *m)
{
	time_t idle_end = time_iso_parse(d->last_seen_at) + (time_t)DISPLAY_IDLE_DAYS * 86400;
	char buf[TIME_ISO_MAX];

	return json_pack("{s:I, s:s, s:o, s:s, s:s, s:s, s:i}", "id", (json_int_t)d->id, "name", d->name,
	                 "unit", unit_json(m, d->unit), "paired_at", d->paired_at, "expires_at",
	                 d->expires_at, "idle_expires_at", time_iso(idle_end, buf), "idle_days",
	                 DISPLAY_IDLE_DAYS);
}

/* ------------------------------------------------------------ streams */

void displays_end_payload(int64_t id, const char *tag, char out[64])
{
	snprintf(out, 64, tag && *tag ? "%lld %.16s" : "%lld", (long long)id, tag ? tag : "");
}

int displays_parse_end_payload(const char *payload, int64_t *id, char tag[17])
{
	char num[24];
	const char *sp = payload ? strchr(payload, ' ') : NULL;
	size_t n = sp ? (size_t)(sp - payload) : (payload ? strlen(payload) : 0);

	tag[0] = '\0';
	if (!payload || n == 0 || n >= sizeof(num))
		return -1;
	memcpy(num, payload, n);
	num[n] = '\0';
	if (parse_int64(num, 1, INT64_MAX, id) < 0)
		return -1;
	if (sp) {
		size_t k = strlen(sp + 1);
		if (k != 16)
			return -1;
		for (size_t i = 0; i < k; i++)
			if (!((sp[1 + i] >= '0' && sp[1 + i] <= '9') || (sp[1 + i] >= 'a' && sp[1 + i] <= 'f')))
				return -1;
		memcpy(tag, sp + 1, 17);
	}
	return 0;
}

void displays_reduce(json_t *arr, const char *const *keep)
{
	size_t i;
	json_t *o;

	json_array_foreach(arr, i, o) {
		const char *k;
		json_t *v, *tmp;
		json_object_foreach_safe(o, tmp, k, v) {
			int kept = 0;
			for (size_t n = 0; keep[n] && !kept; n++)
				kept = !strcmp(keep[n], k);
			if (!kept)
				json_object_del(o, k);
		}
	}
}
