/*
 * store_audit.c - the append-only, hash-chained audit log (see
 * store_audit.h; the construction and its limits are in docs/audit.md).
 *
 * Row k's hash is BLAKE2b-256 over a canonical, type-tagged encoding of
 * prev_hash and every other column, in this order:
 *   prev_hash, id, at, account_id, actor, role, scope_code, action, target,
 *   ip, result, detail
 * each as NULL 0x00 | integer 0x01 + 8 bytes big-endian | text 0x02 +
 * 4-byte big-endian length + the bytes. The encoding depends only on the
 * values, never on the backend, so a chain copied between SQLite and
 * PostgreSQL (wangge migrate) verifies on both.
 *
 * An append reads the last row and writes the next one under a lock that
 * lasts until the transaction ends (SQLite's write lock; a PostgreSQL
 * advisory lock), so concurrent appends cannot fork the chain. Ids are given
 * explicitly (last + 1), so the row's id is known before it is hashed.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "store/store_audit.h"
#include "store/store_meta.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

#define HEAD_KEY "audit_head"
#define VERIFY_BATCH 1000                  /* rows read per query while verifying */
#define STR_(x) #x
#define STR(x) STR_(x)

static const char GENESIS[AUDIT_HASH_HEX] =
	"0000000000000000000000000000000000000000000000000000000000000000";

#define AUDIT_COLS "id, at, account_id, actor, role, scope_code, action, target, ip, " \
	"result, detail, prev_hash, hash"

static const char SQL_LAST[] = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1";
static const char SQL_INSERT[] = "INSERT INTO audit (" AUDIT_COLS ") "
	"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_WALK[] = "SELECT " AUDIT_COLS " FROM audit WHERE id > ? "
	"ORDER BY id LIMIT " STR(VERIFY_BATCH);
static const char SQL_LIST[] = "SELECT " AUDIT_COLS " FROM audit WHERE id < ? "
	"ORDER BY id DESC LIMIT ?";

/* ------------------------------------------------------------- the hash */

enum { TAG_NULL = 0x00, TAG_INT = 0x01, TAG_TEXT = 0x02 };

static void hash_text(crypto_generichash_state *s, const char *t)
{
	unsigned char h[5];
	size_t n;

	if (!t) {
		h[0] = TAG_NULL;
		crypto_generichash_update(s, h, 1);
		return;
	}
	n = strlen(t);
	h[0] = TAG_TEXT;
	h[1] = (unsigned char)(n >> 24);
	h[2] = (unsigned char)(n >> 16);
	h[3] = (unsigned char)(n >> 8);
	h[4] = (unsigned char)n;
	crypto_generichash_update(s, h, sizeof(h));
	crypto_generichash_update(s, (const unsigned char *)t, n);
}

static void hash_int(crypto_generichash_state *s, int64_t v, int is_null)
{
	unsigned char h[9];
	uint64_t u = (uint64_t)v;

	if (is_null) {
		h[0] = TAG_NULL;
		crypto_generichash_update(s, h, 1);
		return;
	}
	h[0] = TAG_INT;
	for (int i = 0; i < 8; i++)
		h[1 + i] = (unsigned char)(u >> (56 - 8 * i));
	crypto_generichash_update(s, h, sizeof(h));
}

int store_audit_hash(const struct audit_row *r, char out[AUDIT_HASH_HEX])
{
	crypto_generichash_state s;
	unsigned char h[32];
	const struct audit_entry *a = &r->entry;

	if (sodium_init() < 0)
		return -1;
	crypto_generichash_init(&s, NULL, 0, sizeof(h));
	hash_text(&s, r->prev_hash);
	hash_int(&s, r->id, 0);
	hash_text(&s, r->at);
	hash_int(&s, a->account_id, r->account_id_null);
	hash_text(&s, a->actor);
	hash_text(&s, a->role);
	hash_text(&s, a->scope_code);
	hash_text(&s, a->action);
	hash_text(&s, a->target);
	hash_text(&s, a->ip);
	hash_text(&s, a->result);
	hash_text(&s, a->detail);
	crypto_generichash_final(&s, h, sizeof(h));
	sodium_bin2hex(out, AUDIT_HASH_HEX, h, sizeof(h));
	return 0;
}

/* Fill r from the current row of a statement selecting AUDIT_COLS. */
static void row_read(struct db_stmt *st, struct audit_row *r)
{
	memset(r, 0, sizeof(*r));
	r->id = db_col_int64(st, 0);
	r->at = db_col_text(st, 1);
	r->account_id_null = db_col_is_null(st, 2);
	r->entry.account_id = r->account_id_null ? 0 : db_col_int64(st, 2);
	r->entry.actor = db_col_is_null(st, 3) ? NULL : db_col_text(st, 3);
	r->entry.role = db_col_is_null(st, 4) ? NULL : db_col_text(st, 4);
	r->entry.scope_code = db_col_is_null(st, 5) ? NULL : db_col_text(st, 5);
	r->entry.action = db_col_is_null(st, 6) ? NULL : db_col_text(st, 6);
	r->entry.target = db_col_is_null(st, 7) ? NULL : db_col_text(st, 7);
	r->entry.ip = db_col_is_null(st, 8) ? NULL : db_col_text(st, 8);
	r->entry.result = db_col_is_null(st, 9) ? NULL : db_col_text(st, 9);
	r->entry.detail = db_col_is_null(st, 10) ? NULL : db_col_text(st, 10);
	r->prev_hash = db_col_is_null(st, 11) ? NULL : db_col_text(st, 11);
	r->hash = db_col_is_null(st, 12) ? NULL : db_col_text(st, 12);
}

/* ---------------------------------------------------------------- append */

/* A copy of s fit for the log, into *out (free() it; NULL stays NULL): cut
 * to max bytes on a character boundary, invalid UTF-8 and control
 * characters replaced by '?'. -1 when memory runs out. */
static int clean_text(const char *s, size_t max, char **out)
{
	size_t n;
	char *c;

	*out = NULL;
	if (!s)
		return 0;
	n = strnlen(s, max + 1);
	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;                   /* don't split a character */
	}
	if (!(c = malloc(n + 1)))
		return -1;
	memcpy(c, s, n);
	c[n] = '\0';
	str_utf8_sanitize(c);
	for (char *p = c; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	*out = c;
	return 0;
}

/* Id and hash of the last row; 0 and the genesis hash when there is none. */
static int last_row(struct db *db, int64_t *id, char hash[AUDIT_HASH_HEX], struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_LAST, &st, e) < 0)
		return -1;
	*id = 0;
	str_copy(hash, AUDIT_HASH_HEX, GENESIS);
	r = db_step(st, e);
	if (r == DB_ROW) {
		*id = db_col_int64(st, 0);
		str_copy(hash, AUDIT_HASH_HEX, db_col_text(st, 1) ? db_col_text(st, 1) : "");
	}
	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}

/* Insert r (hash included) and move audit_head to it. */
static int insert_row(struct db *db, const struct audit_row *r, struct err *e)
{
	const struct audit_entry *a = &r->entry;
	struct db_stmt *st;
	enum db_step s;
	char head[64 + AUDIT_HASH_HEX];

	if (db_prepare_cached(db, SQL_INSERT, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, r->id);
	db_bind_text(st, 2, r->at);
	if (r->account_id_null)
		db_bind_null(st, 3);
	else
		db_bind_int64(st, 3, a->account_id);
	db_bind_text(st, 4, a->actor);
	db_bind_text(st, 5, a->role);
	db_bind_text(st, 6, a->scope_code);
	db_bind_text(st, 7, a->action);
	db_bind_text(st, 8, a->target);
	db_bind_text(st, 9, a->ip);
	db_bind_text(st, 10, a->result);
	db_bind_text(st, 11, a->detail);
	db_bind_text(st, 12, r->prev_hash);
	db_bind_text(st, 13, r->hash);
	s = db_step(st, e);
	db_finalize(st);
	if (s != DB_DONE)
		return -1;
	snprintf(head, sizeof(head), "%lld %s", (long long)r->id, r->hash);
	return store_meta_set(db, HEAD_KEY, head, e);
}

int store_audit_append(struct db *db, const struct audit_entry *a, struct err *e)
{
	char *f[9] = {NULL};            /* cleaned copies of the text fields */
	const char *in[9] = {a->actor ? a->actor : "-", a->role, a->scope_code, a->action,
	                     a->target, a->ip, a->result, a->detail, NULL};
	char at[TIME_ISO_MAX], prev[AUDIT_HASH_HEX], hash[AUDIT_HASH_HEX];
	struct audit_row r;
	int64_t last;
	int ret = -1, own_tx = 0;

	if (!a->action || !*a->action || !a->result || !*a->result) {
		err_set(e, 400, "audit.incomplete", "审计记录缺少操作或结果",
		        "audit entry without action or result");
		goto out;
	}
	for (int i = 0; i < 8; i++) {
		if (clean_text(in[i], i == 7 ? AUDIT_DETAIL_MAX : AUDIT_FIELD_MAX, &f[i]) < 0) {
			err_set(e, 500, "audit.oom", "内存不足", "out of memory");
			goto out;
		}
	}
	if (sodium_init() < 0) {
		err_set(e, 500, "audit.crypto", "无法初始化哈希库", "cannot initialise libsodium");
		goto out;
	}
	if (!db_in_tx(db)) {
		if (db_begin(db, e) < 0)
			goto out;
		own_tx = 1;
	}
	/* from here to the end of the transaction no other append can run */
	if (db_lock_xact(db, AUDIT_LOCK_KEY, e) < 0 || last_row(db, &last, prev, e) < 0)
		goto out;
	memset(&r, 0, sizeof(r));
	r.id = last + 1;
	r.at = time_iso_now(at);
	r.account_id_null = a->account_id <= 0;
	r.entry.account_id = a->account_id > 0 ? a->account_id : 0;
	r.entry.actor = f[0];
	r.entry.role = f[1];
	r.entry.scope_code = f[2];
	r.entry.action = f[3];
	r.entry.target = f[4];
	r.entry.ip = f[5];
	r.entry.result = f[6];
	r.entry.detail = f[7];
	r.prev_hash = prev;
	store_audit_hash(&r, hash);
	r.hash = hash;
	if (insert_row(db, &r, e) < 0)
		goto out;
	if (own_tx) {
		own_tx = 0;                /* db_commit rolls back by itself on failure */
		if (db_commit(db, e) < 0)
			goto out;
	}
	ret = 0;
out:
	if (own_tx)
		db_rollback(db);
	for (int i = 0; i < 8; i++)
		free(f[i]);
	return ret;
}

/* ---------------------------------------------------------------- verify */

/* Progress of a walk along the chain. */
struct walk {
	int64_t last_id;                   /* last row found good (0: none yet) */
	char last_hash[AUDIT_HASH_HEX];    /* its hash (genesis before row 1) */
	int64_t rows;                      /* rows found good */
	int64_t bad;                       /* first bad row, 0 while none */
	char *why;
	size_t n;
};

/* "row 17" or "rows 17-19": the ids between two rows. */
static void missing_ids(int64_t from, int64_t to, char *out, size_t n)
{
	if (from == to)
		snprintf(out, n, "row %lld", (long long)from);
	else
		snprintf(out, n, "rows %lld-%lld", (long long)from, (long long)to);
}

/* Check one row against the walk so far; 0 when good, else w->bad is set. */
static int check_row(struct walk *w, const struct audit_row *r)
{
	char calc[AUDIT_HASH_HEX], gap[64];
	int prev_ok = r->prev_hash && !strcmp(r->prev_hash, w->last_hash);

	if (r->id != w->last_id + 1) {
		missing_ids(w->last_id + 1, r->id - 1, gap, sizeof(gap));
		if (w->last_id == 0 && !prev_ok)
			snprintf(w->why, w->n, "row %lld: first row, prev_hash is not the genesis value "
			         "(%s deleted?)", (long long)r->id, gap);
		else if (w->last_id == 0)
			snprintf(w->why, w->n, "row %lld: first row, but ids start at 1 (%s missing)",
			         (long long)r->id, gap);
		else if (!prev_ok)
			snprintf(w->why, w->n, "row %lld: prev_hash does not match row %lld (%s deleted?)",
			         (long long)r->id, (long long)w->last_id, gap);
		else
			snprintf(w->why, w->n, "row %lld: follows row %lld (%s missing)",
			         (long long)r->id, (long long)w->last_id, gap);
		goto bad;
	}
	if (!prev_ok) {
		if (w->last_id == 0)
			snprintf(w->why, w->n, "row %lld: prev_hash is not the genesis value", (long long)r->id);
		else
			snprintf(w->why, w->n, "row %lld: prev_hash does not match row %lld "
			         "(row %lld rewritten, or row %lld forged?)", (long long)r->id,
			         (long long)w->last_id, (long long)w->last_id, (long long)r->id);
		goto bad;
	}
	if (store_audit_hash(r, calc) < 0 || !r->hash || strcmp(calc, r->hash)) {
		snprintf(w->why, w->n, "row %lld: hash does not match its contents", (long long)r->id);
		goto bad;
	}
	w->last_id = r->id;
	str_copy(w->last_hash, sizeof(w->last_hash), r->hash);
	w->rows++;
	return 0;
bad:
	w->bad = r->id;
	return -1;
}

/* Walk on from w->last_id through the rows with id <= stop_at, stopping at
 * the first bad one. 0 (w->bad tells whether one was found) or -1. */
static int walk_chain(struct db *db, struct walk *w, int64_t stop_at, struct err *e)
{
	struct db_stmt *st;
	struct audit_row r;
	enum db_step s;
	int got;

	do {
		if (db_prepare_cached(db, SQL_WALK, &st, e) < 0)
			return -1;
		db_bind_int64(st, 1, w->last_id);
		got = 0;
		while ((s = db_step(st, e)) == DB_ROW) {
			got++;
			row_read(st, &r);
			if (r.id > stop_at || check_row(w, &r) < 0)
				break;
		}
		db_finalize(st);
		if (s == DB_ERROR)
			return -1;
	} while (s == DB_DONE && got == VERIFY_BATCH);
	return 0;
}

/* audit_head from meta: *present 0 when absent; *malformed when unreadable. */
static int read_head(struct db *db, int *present, int *malformed, int64_t *id,
                     char hash[AUDIT_HASH_HEX], char *raw, size_t rn, struct err *e)
{
	struct err e2 = ERR_INIT;
	char v[128], *sp;

	*present = *malformed = 0;
	*id = 0;
	hash[0] = '\0';
	raw[0] = '\0';
	if (store_meta_get(db, HEAD_KEY, v, sizeof(v), &e2) < 0) {
		if (e2.status == 404)
			return 0;
		if (!err_isset(e))
			*e = e2;               /* the first error wins, as with err_set() */
		return -1;
	}
	*present = 1;
	str_copy(raw, rn, v);
	if (!(sp = strchr(v, ' ')) || strlen(sp + 1) != AUDIT_HASH_HEX - 1) {
		*malformed = 1;
		return 0;
	}
	*sp = '\0';
	if (parse_int64(v, 1, INT64_MAX, id) < 0) {
		*malformed = 1;
		return 0;
	}
	str_copy(hash, AUDIT_HASH_HEX, sp + 1);
	return 0;
}

int store_audit_verify(struct db *db, int64_t *rows, int64_t *first_bad, char *why, size_t n,
                       struct err *e)
{
	struct walk w;
	int present, malformed, ret = -1;
	int64_t head_id;
	char head_hash[AUDIT_HASH_HEX], raw[128], dummy[8];

	if (!why || n == 0) {
		why = dummy;
		n = sizeof(dummy);
	}
	why[0] = '\0';
	*first_bad = 0;
	memset(&w, 0, sizeof(w));
	str_copy(w.last_hash, sizeof(w.last_hash), GENESIS);
	w.why = why;
	w.n = n;
	if (sodium_init() < 0) {
		err_set(e, 500, "audit.crypto", "无法初始化哈希库", "cannot initialise libsodium");
		goto out;
	}
	/* The walk first, audit_head after: every row the walk saw committed
	 * together with a head at least as far on, so a head behind the walk
	 * means rows nobody appended, and a head ahead of it rows appended since
	 * (walked next) or deleted. */
	if (walk_chain(db, &w, INT64_MAX, e) < 0 ||
	    read_head(db, &present, &malformed, &head_id, head_hash, raw, sizeof(raw), e) < 0)
		goto out;
	if (malformed) {
		snprintf(why, n, "audit_head in meta is malformed: '%.80s'", raw);
		w.bad = 0;
		ret = 1;
		goto out;
	}
	if (!present && w.last_id > 0) {
		snprintf(why, n, "row 1: audit_head is missing from meta (rows forged, or head deleted?)");
		w.bad = 1;
		goto broken;
	}
	if (present && head_id < w.last_id) {
		snprintf(why, n, "row %lld: not covered by audit_head, which ends at row %lld "
		         "(row forged?)", (long long)(head_id + 1), (long long)head_id);
		w.bad = head_id + 1;
		goto broken;
	}
	if (w.bad)
		goto broken;
	if (present && head_id > w.last_id) {
		if (walk_chain(db, &w, head_id, e) < 0)
			goto out;
		if (w.bad)
			goto broken;
		if (w.last_id < head_id) {
			snprintf(why, n, "row %lld: missing, audit_head records %lld rows (tail deleted?)",
			         (long long)(w.last_id + 1), (long long)head_id);
			w.bad = w.last_id + 1;
			goto broken;
		}
	}
	if (present && strcmp(w.last_hash, head_hash)) {
		snprintf(why, n, "row %lld: hash differs from the one audit_head records "
		         "(rows rewritten?)", (long long)head_id);
		w.bad = head_id;
		goto broken;
	}
	ret = 0;
	goto out;
broken:
	ret = 1;
out:
	*rows = w.rows;
	if (ret == 1)
		*first_bad = w.bad;
	return ret;
}

/* ------------------------------------------------------------------ list */

int store_audit_list(struct db *db, int64_t before_id, int limit, audit_cb cb, void *ctx,
                     struct err *e)
{
	struct db_stmt *st;
	struct audit_row r;
	enum db_step s;
	int stop = 0;

	if (limit < 1)
		limit = 1;
	if (limit > AUDIT_LIST_MAX)
		limit = AUDIT_LIST_MAX;
	if (db_prepare_cached(db, SQL_LIST, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, before_id > 0 ? before_id : INT64_MAX);
	db_bind_int64(st, 2, limit);
	while ((s = db_step(st, e)) == DB_ROW) {
		row_read(st, &r);
		if ((stop = cb(ctx, &r)) != 0)
			break;
	}
	db_finalize(st);
	if (stop)
		return stop;
	return s == DB_DONE ? 0 : -1;
}
