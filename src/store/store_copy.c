/*
 * store_copy.c - copy and verify a whole deployment between databases
 * (see store_copy.h).
 *
 * Rows are read in primary-key order and written with bound parameters of
 * the column's type, so values cross dialects unchanged (reals as doubles,
 * blobs as bytes). The checksum of a table is order independent — the sum
 * and the XOR of each row's BLAKE2b-128, over a canonical, type-tagged
 * encoding of its columns — because the two databases may collate text
 * keys differently.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include "store/store_copy.h"
#include "lib/buf.h"
#include "lib/banned.h"

enum col_type { C_TEXT, C_INT, C_REAL, C_BLOB };

struct copy_col {
	const char *name;
	enum col_type type;
};

struct copy_table {
	const char *name;
	const char *order;               /* ORDER BY for reading: parents first */
	const char *identity;            /* @ID@ column, or NULL */
	struct copy_col cols[64];        /* terminated by name NULL */
};

/* Parents before children; deleted in reverse. */
static const struct copy_table tables[] = {
	{"meta", "key", NULL, {{"key", C_TEXT}, {"value", C_TEXT}, {NULL, 0}}},
	{"unit", "level, code", NULL, {
		{"code", C_TEXT}, {"parent_code", C_TEXT}, {"level", C_INT}, {"kind", C_TEXT},
		{"name", C_TEXT}, {"grid_type", C_TEXT}, {"grid_subtype", C_TEXT},
		{"households", C_INT}, {"population", C_INT}, {"min_x", C_REAL}, {"min_y", C_REAL},
		{"max_x", C_REAL}, {"max_y", C_REAL}, {"center_x", C_REAL}, {"center_y", C_REAL},
		{"area_m2", C_REAL}, {"geom", C_BLOB}, {"updated_at", C_TEXT}, {NULL, 0}}},
	{"person", "id", "id", {{"id", C_INT}, {"name", C_TEXT}, {"phone", C_TEXT},
		{"gender", C_TEXT}, {"created_at", C_TEXT}, {NULL, 0}}},
	{"post", "id", "id", {{"id", C_INT}, {"person_id", C_INT}, {"unit_code", C_TEXT},
		{"role", C_TEXT}, {"title", C_TEXT}, {"start_date", C_TEXT}, {"end_date", C_TEXT},
		{NULL, 0}}},
	{"department", "code", NULL, {{"code", C_TEXT}, {"district_code", C_TEXT}, {"name", C_TEXT},
		{"created_at", C_TEXT}, {NULL, 0}}},
	{"account", "id", "id", {{"id", C_INT}, {"username", C_TEXT}, {"display_name", C_TEXT},
		{"person_id", C_INT}, {"phone", C_TEXT}, {"password_hash", C_TEXT}, {"disabled", C_INT},
		{"must_change_password", C_INT}, {"created_at", C_TEXT}, {"updated_at", C_TEXT},
		{NULL, 0}}},
	{"account_role", "id", "id", {{"id", C_INT}, {"account_id", C_INT}, {"role", C_TEXT},
		{"scope_code", C_TEXT}, {"title", C_TEXT}, {"granted_by", C_INT}, {"granted_at", C_TEXT},
		{NULL, 0}}},
	{"session", "id", "id", {{"id", C_INT}, {"token_hash", C_TEXT}, {"account_id", C_INT},
		{"kind", C_TEXT}, {"name", C_TEXT}, {"roles", C_INT}, {"csrf_token", C_TEXT},
		{"created_at", C_TEXT}, {"last_seen_at", C_TEXT}, {"expires_at", C_TEXT},
		{"idle_seconds", C_INT}, {"revoked_at", C_TEXT}, {"ip", C_TEXT}, {"user_agent", C_TEXT},
		{NULL, 0}}},
	{"login_throttle", "key", NULL, {{"key", C_TEXT}, {"failures", C_INT},
		{"first_failure_at", C_TEXT}, {"locked_until", C_TEXT}, {NULL, 0}}},
	{"audit", "id", "id", {{"id", C_INT}, {"at", C_TEXT}, {"account_id", C_INT}, {"actor", C_TEXT},
		{"role", C_TEXT}, {"scope_code", C_TEXT}, {"action", C_TEXT}, {"target", C_TEXT},
		{"ip", C_TEXT}, {"result", C_TEXT}, {"detail", C_TEXT}, {"prev_hash", C_TEXT},
		{"hash", C_TEXT}, {NULL, 0}}},
	{"event_category", "parent_code IS NOT NULL, code", NULL, {
		{"code", C_TEXT}, {"parent_code", C_TEXT}, {"name", C_TEXT}, {"accept_minutes", C_INT},
		{"handle_minutes", C_INT}, {"verify_minutes", C_INT}, {"sort", C_INT}, {"enabled", C_INT},
		{"updated_at", C_TEXT}, {NULL, 0}}},
	{"event", "id", "id", {
		{"id", C_INT}, {"source", C_TEXT}, {"external_id", C_TEXT}, {"category_code", C_TEXT}, {"title", C_TEXT},
		{"description", C_TEXT}, {"lon", C_REAL}, {"lat", C_REAL}, {"cell", C_INT}, {"crs", C_TEXT}, {"address",
		C_TEXT}, {"grid_code", C_TEXT}, {"grid_reason", C_TEXT}, {"urgency", C_INT}, {"status",
		C_TEXT}, {"loop", C_TEXT}, {"level", C_INT}, {"holder_code", C_TEXT}, {"dept_code", C_TEXT},
		{"assignee_id", C_INT}, {"reporter_id", C_INT}, {"reporter_name", C_TEXT},
		{"reporter_phone", C_TEXT}, {"handler_id", C_INT}, {"verifier_id", C_INT}, {"master_id",
		C_INT}, {"pending", C_TEXT}, {"pending_minutes", C_INT}, {"pending_by", C_INT},
		{"prev_status", C_TEXT}, {"phase_started_at", C_INT}, {"warn_at", C_INT}, {"deadline_at",
		C_INT}, {"due_at", C_INT}, {"next_check_at", C_INT}, {"warning", C_INT}, {"supervision",
		C_INT}, {"rework_count", C_INT}, {"extension_count", C_INT}, {"reopen_count", C_INT},
		{"escalated", C_INT}, {"rating", C_INT}, {"rating_note", C_TEXT}, {"result", C_TEXT},
		{"reject_reason", C_TEXT}, {"day", C_TEXT}, {"created_at", C_INT}, {"accepted_at", C_INT},
		{"closed_at", C_INT}, {"updated_at", C_INT}, {"version", C_INT}, {NULL, 0}}},
	{"event_log", "id", "id", {
		{"id", C_INT}, {"event_id", C_INT}, {"at", C_INT}, {"action", C_TEXT}, {"from_status", C_TEXT},
		{"to_status", C_TEXT}, {"actor_id", C_INT}, {"actor_name", C_TEXT}, {"role", C_TEXT},
		{"unit_code", C_TEXT}, {"note", C_TEXT}, {"detail", C_TEXT}, {"photos", C_TEXT}, {"public",
		C_INT}, {"grid_code", C_TEXT}, {"dept_code", C_TEXT}, {NULL, 0}}},
	{"photo", "sha256", NULL, {
		{"sha256", C_TEXT}, {"mime", C_TEXT}, {"bytes", C_INT}, {"account_id", C_INT},
		{"created_at", C_INT}, {NULL, 0}}},
	{"event_photo", "event_id, sha256", NULL, {
		{"event_id", C_INT}, {"sha256", C_TEXT}, {"log_id", C_INT}, {"kind", C_TEXT}, {NULL, 0}}},
	{"event_supervision", "id", "id", {
		{"id", C_INT}, {"event_id", C_INT}, {"level", C_INT}, {"unit_code", C_TEXT}, {"actor_id", C_INT}, {"note",
		C_TEXT}, {"at", C_INT}, {NULL, 0}}},
	{"event_idem", "account_id, idem_key", NULL, {
		{"account_id", C_INT}, {"idem_key", C_TEXT}, {"body_hash", C_TEXT}, {"event_id", C_INT},
		{"created_at", C_INT}, {NULL, 0}}},
	{"kpi_agg", "grain, period, unit_code, category_code, source", NULL, {
		{"grain", C_TEXT}, {"period", C_TEXT}, {"unit_code", C_TEXT}, {"category_code", C_TEXT},
		{"source", C_TEXT}, {"reported", C_INT}, {"accepted", C_INT}, {"rejected", C_INT},
		{"closed", C_INT}, {"closed_on_time", C_INT}, {"closed_internal", C_INT}, {"closed_late",
		C_INT}, {"overdue_open", C_INT}, {"rework", C_INT}, {"escalated", C_INT}, {"handle_seconds",
		C_INT}, {"rated", C_INT}, {"rate_good", C_INT}, {"rate_ok", C_INT}, {"rate_bad", C_INT},
		{NULL, 0}}},
	{"kpi_dirty", "day", NULL, {{"day", C_TEXT}, {NULL, 0}}},
	{"duty_pattern", "id", "id", {
		{"id", C_INT}, {"centre_code", C_TEXT}, {"weekday", C_INT}, {"shift", C_TEXT},
		{"role", C_TEXT}, {"person_id", C_INT}, {"starts_on", C_TEXT}, {"ends_on", C_TEXT},
		{"created_by", C_INT}, {"created_at", C_TEXT}, {NULL, 0}}},
	{"duty_exception", "id", "id", {
		{"id", C_INT}, {"centre_code", C_TEXT}, {"day", C_TEXT}, {"shift", C_TEXT},
		{"action", C_TEXT}, {"role", C_TEXT}, {"person_id", C_INT}, {"note", C_TEXT},
		{"created_by", C_INT}, {"created_at", C_TEXT}, {NULL, 0}}},
	{"duty_swap", "id", "id", {
		{"id", C_INT}, {"centre_code", C_TEXT}, {"day", C_TEXT}, {"shift", C_TEXT},
		{"from_person_id", C_INT}, {"to_person_id", C_INT}, {"back_day", C_TEXT},
		{"back_shift", C_TEXT}, {"reason", C_TEXT}, {"status", C_TEXT}, {"requested_by", C_INT},
		{"decided_by", C_INT}, {"decided_at", C_TEXT}, {"decision_note", C_TEXT},
		{"created_at", C_TEXT}, {NULL, 0}}},
	{"duty_log", "id", "id", {
		{"id", C_INT}, {"centre_code", C_TEXT}, {"day", C_TEXT}, {"shift", C_TEXT},
		{"kind", C_TEXT}, {"body", C_TEXT}, {"author_id", C_INT}, {"author_name", C_TEXT},
		{"created_at", C_TEXT}, {NULL, 0}}},
	{"equipment", "id", "id", {
		{"id", C_INT}, {"unit_code", C_TEXT}, {"kind", C_TEXT}, {"name", C_TEXT},
		{"status", C_TEXT}, {"channel", C_TEXT}, {"talkgroup", C_TEXT}, {"lon", C_REAL},
		{"lat", C_REAL}, {"stream_url", C_TEXT}, {"note", C_TEXT}, {"created_at", C_TEXT},
		{"updated_at", C_TEXT}, {NULL, 0}}},
	{"emergency_unit", "id", "id", {
		{"id", C_INT}, {"unit_code", C_TEXT}, {"name", C_TEXT}, {"leader_name", C_TEXT},
		{"leader_phone", C_TEXT}, {"members", C_TEXT}, {"equipment", C_TEXT},
		{"created_at", C_TEXT}, {"updated_at", C_TEXT}, {NULL, 0}}},
	{"volunteer", "id", "id", {
		{"id", C_INT}, {"unit_code", C_TEXT}, {"name", C_TEXT}, {"phone", C_TEXT},
		{"skills", C_TEXT}, {"created_at", C_TEXT}, {"updated_at", C_TEXT}, {NULL, 0}}},
	{"force_status", "kind, ref_id", NULL, {
		{"kind", C_TEXT}, {"ref_id", C_INT}, {"unit_code", C_TEXT}, {"name", C_TEXT},
		{"status", C_TEXT}, {"lon", C_REAL}, {"lat", C_REAL}, {"position_at", C_INT},
		{"updated_at", C_INT}, {"account_id", C_INT}, {NULL, 0}}},
	{"display", "id", "id", {
		{"id", C_INT}, {"name", C_TEXT}, {"unit_code", C_TEXT}, {"created_by", C_INT},
		{"created_at", C_TEXT}, {"pair_hash", C_TEXT}, {"pair_expires_at", C_TEXT},
		{"token_hash", C_TEXT}, {"paired_at", C_TEXT}, {"paired_ip", C_TEXT},
		{"user_agent", C_TEXT}, {"expires_at", C_TEXT}, {"last_seen_at", C_TEXT},
		{"revoked_at", C_TEXT}, {"revoked_by", C_INT}, {NULL, 0}}},
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

const char *const store_copy_tables[] = {"meta", "unit", "person", "post", "department", "account",
                                         "account_role", "session", "login_throttle", "audit",
                                         "event_category", "event", "event_log", "photo",
                                         "event_photo", "event_supervision", "event_idem",
                                         "kpi_agg", "kpi_dirty", "duty_pattern", "duty_exception", "duty_swap",
                                         "duty_log", "equipment", "emergency_unit", "volunteer",
                                         "force_status", "display", NULL};

int store_copy_has_table(const char *name)
{
	for (size_t i = 0; i < NTABLES; i++)
		if (!strcmp(tables[i].name, name))
			return 1;
	return 0;
}

static int ncols(const struct copy_table *t)
{
	int n = 0;
	while (t->cols[n].name)
		n++;
	return n;
}

/* "SELECT a, b FROM t ORDER BY …" or "INSERT INTO t (a, b) VALUES (?, ?)". */
static int build_sql(const struct copy_table *t, int insert, struct buf *b)
{
	int n = ncols(t), rc = 0;

	rc |= buf_adds(b, insert ? "INSERT INTO " : "SELECT ");
	if (insert)
		rc |= buf_printf(b, "%s (", t->name);
	for (int i = 0; i < n; i++)
		rc |= buf_printf(b, "%s%s", i ? ", " : "", t->cols[i].name);
	if (insert) {
		rc |= buf_adds(b, ") VALUES (");
		for (int i = 0; i < n; i++)
			rc |= buf_adds(b, i ? ", ?" : "?");
		rc |= buf_adds(b, ")");
	} else {
		rc |= buf_printf(b, " FROM %s ORDER BY %s", t->name, t->order);
	}
	return rc ? -1 : 0;
}

static void bind_from(struct db_stmt *ins, int i, struct db_stmt *sel, enum col_type type)
{
	size_t n;
	const void *p;

	if (db_col_is_null(sel, i)) {
		db_bind_null(ins, i + 1);
		return;
	}
	switch (type) {
	case C_INT: db_bind_int64(ins, i + 1, db_col_int64(sel, i)); break;
	case C_REAL: db_bind_double(ins, i + 1, db_col_double(sel, i)); break;
	case C_BLOB:
		p = db_col_blob(sel, i, &n);
		db_bind_blob(ins, i + 1, p ? p : "", n);
		break;
	default: db_bind_text(ins, i + 1, db_col_text(sel, i)); break;
	}
}

static int copy_table(struct db *from, struct db *to, const struct copy_table *t, struct err *e)
{
	struct buf sel_sql, ins_sql;
	struct db_stmt *sel = NULL, *ins = NULL;
	enum db_step r;
	int n = ncols(t), ret = -1;

	buf_init(&sel_sql, 4096);
	buf_init(&ins_sql, 4096);
	if (build_sql(t, 0, &sel_sql) < 0 || build_sql(t, 1, &ins_sql) < 0) {
		err_set(e, 500, "copy.sql", "SQL 过长", "SQL too long");
		goto out;
	}
	if (db_prepare(from, sel_sql.data, &sel, e) < 0 || db_prepare(to, ins_sql.data, &ins, e) < 0)
		goto out;
	while ((r = db_step(sel, e)) == DB_ROW) {
		for (int i = 0; i < n; i++)
			bind_from(ins, i, sel, t->cols[i].type);
		if (db_step(ins, e) != DB_DONE)
			goto out;
		db_reset(ins);
	}
	if (r != DB_DONE)
		goto out;
	if (t->identity && db_sync_identity(to, t->name, t->identity, e) < 0)
		goto out;
	ret = 0;
out:
	db_finalize(sel);
	db_finalize(ins);
	buf_release(&sel_sql);
	buf_release(&ins_sql);
	return ret;
}

int store_copy_all(struct db *from, struct db *to, struct err *e)
{
	char sql[128];

	if (db_begin(to, e) < 0)
		return -1;
	/* children first; unit refers to itself, so empty it level by level */
	for (size_t i = NTABLES; i-- > 0;) {
		if (!strcmp(tables[i].name, "unit")) {
			for (int level = 9; level >= 0; level--) {
				snprintf(sql, sizeof(sql), "DELETE FROM unit WHERE level >= %d", level);
				if (db_exec(to, sql, e) < 0)
					goto fail;
			}
		}
		snprintf(sql, sizeof(sql), "DELETE FROM %s", tables[i].name);
		if (db_exec(to, sql, e) < 0)
			goto fail;
	}
	for (size_t i = 0; i < NTABLES; i++)
		if (copy_table(from, to, &tables[i], e) < 0)
			goto fail;
	return db_commit(to, e);
fail:
	db_rollback(to);
	return -1;
}

/* Count and checksum one table of one database. */
static int table_sum(struct db *db, const struct copy_table *t, int64_t *rows, char hex[33],
                     struct err *e)
{
	struct buf sql, row;
	struct db_stmt *st = NULL;
	enum db_step r;
	unsigned char acc_sum[16] = {0}, acc_xor[16] = {0}, h[16], both[32];
	int n = ncols(t), ret = -1;

	buf_init(&sql, 4096);
	buf_init(&row, 64u << 20);
	*rows = 0;
	if (build_sql(t, 0, &sql) < 0 || db_prepare(db, sql.data, &st, e) < 0)
		goto out;
	while ((r = db_step(st, e)) == DB_ROW) {
		row.len = 0;
		for (int i = 0; i < n; i++) {
			size_t len;
			const void *p;
			if (db_col_is_null(st, i)) {
				buf_adds(&row, "N;");
				continue;
			}
			switch (t->cols[i].type) {
			case C_INT: buf_printf(&row, "I%lld;", (long long)db_col_int64(st, i)); break;
			case C_REAL: buf_printf(&row, "R%.17g;", db_col_double(st, i)); break;
			case C_BLOB:
				p = db_col_blob(st, i, &len);
				buf_printf(&row, "B%zu:", len);
				buf_add(&row, p, len);
				break;
			default:
				p = db_col_text(st, i);
				buf_printf(&row, "T%zu:", strlen(p));
				buf_adds(&row, p);
				break;
			}
		}
		crypto_generichash(h, sizeof(h), (const unsigned char *)(row.data ? row.data : ""), row.len,
		                   NULL, 0);
		unsigned carry = 0;
		for (int k = 15; k >= 0; k--) {        /* 128-bit add */
			unsigned s = acc_sum[k] + h[k] + carry;
			acc_sum[k] = (unsigned char)s;
			carry = s >> 8;
		}
		for (int k = 0; k < 16; k++)
			acc_xor[k] ^= h[k];
		(*rows)++;
	}
	if (r != DB_DONE)
		goto out;
	memcpy(both, acc_sum, 16);
	memcpy(both + 16, acc_xor, 16);
	crypto_generichash(h, sizeof(h), both, sizeof(both), NULL, 0);
	sodium_bin2hex(hex, 33, h, sizeof(h));
	ret = 0;
out:
	db_finalize(st);
	buf_release(&sql);
	buf_release(&row);
	return ret;
}

int store_copy_verify(struct db *from, struct db *to, struct copy_report *rep, int *n,
                      struct err *e)
{
	int differ = 0;

	*n = 0;
	for (size_t i = 0; i < NTABLES && i < COPY_MAX_TABLES; i++) {
		struct copy_report *r = &rep[i];
		r->table = tables[i].name;
		if (table_sum(from, &tables[i], &r->rows_from, r->sum_from, e) < 0 ||
		    table_sum(to, &tables[i], &r->rows_to, r->sum_to, e) < 0)
			return -1;
		if (r->rows_from != r->rows_to || strcmp(r->sum_from, r->sum_to))
			differ = 1;
		(*n)++;
	}
	return differ;
}
