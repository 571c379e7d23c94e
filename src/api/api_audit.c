/*
 * api_audit.c - the audit log (审计日志), read-only, for district admins.
 *
 *   GET /api/v1/audit?before=ID&limit=N    rows newest first; the next page
 *                                          starts before next_before
 *
 * Rows come from store/store_audit.h as they were chained; nothing here
 * writes or edits them. Checking the chain is `wangge audit verify`.
 */
#include "api/api.h"
#include "api/api_int.h"
#include "lib/jsonx.h"
#include "store/store_audit.h"
#include "lib/banned.h"

#define AUDIT_PAGE_DEFAULT 50

struct rows_ctx {
	json_t *arr;
	int64_t last;                  /* id of the last row listed */
};

static int audit_row_json(void *ctx, const struct audit_row *r)
{
	struct rows_ctx *c = ctx;
	const struct audit_entry *a = &r->entry;
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)r->id, "at", r->at,
	                      "actor", a->actor ? a->actor : "-", "action", a->action ? a->action : "",
	                      "result", a->result ? a->result : "");

	json_object_set_new(j, "account_id", r->account_id_null ? json_null()
	                                                        : json_integer(a->account_id));
	jsonx_set_str_or_null(j, "role", a->role);
	jsonx_set_str_or_null(j, "scope", a->scope_code);
	jsonx_set_str_or_null(j, "target", a->target);
	jsonx_set_str_or_null(j, "ip", a->ip);
	jsonx_set_str_or_null(j, "detail", a->detail);
	jsonx_set_str_or_null(j, "hash", r->hash);
	json_array_append_new(c->arr, j);
	c->last = r->id;
	return 0;
}

int api_audit_list(struct http_req *req)
{
	struct rows_ctx c = {json_array(), 0};
	struct err e = ERR_INIT;
	long long before, limit;
	struct db *db;
	json_t *out;
	int rc;

	if (api_query_int_or_reply(req, "before", 0, 0, INT64_MAX, &before) < 0 ||
	    api_query_int_or_reply(req, "limit", AUDIT_PAGE_DEFAULT, 1, AUDIT_LIST_MAX, &limit) < 0) {
		json_decref(c.arr);
		return 0;
	}
	db = db_pool_get(api_app(req)->pool);
	rc = store_audit_list(db, before, (int)limit, audit_row_json, &c, &e);
	db_pool_put(api_app(req)->pool, db);
	if (rc < 0) {
		json_decref(c.arr);
		return http_reply_err(req, &e);
	}
	out = json_pack("{s:o}", "rows", c.arr);
	/* a full page may have more behind it; row 1 has nothing before it */
	json_object_set_new(out, "next_before", json_array_size(c.arr) == (size_t)limit && c.last > 1
	                    ? json_integer(c.last) : json_null());
	return http_reply_json(req, 200, out);
}
