/*
 * guard.c - who may call what: runs before every routed handler.
 *
 * 1. Credentials: `Authorization: Bearer <token>` (apps, API tokens, wall
 *    displays), a wall display's cookie (its live stream) or the session
 *    cookie (the web). A public route accepts an anonymous caller and
 *    ignores bad credentials; any other route answers 401 without good ones.
 * 2. CSRF: a cookie-authenticated request that changes state must carry the
 *    session's CSRF token in X-CSRF-Token (403 auth.csrf).
 * 3. A user whose password was set by an administrator must change it first:
 *    until then only me, password and log-out answer (403
 *    auth.password_change_required).
 * 4. Role: the caller must hold one of the route's roles (403 auth.forbidden).
 * 5. Scope: a route with a `:code` unit parameter needs a grant of one of
 *    those roles whose subtree holds that unit. Outside it the answer is 404
 *    unit.not_found, the same as for a unit that does not exist, so that
 *    nobody learns what lies outside their scope.
 * Denials are recorded in the audit log.
 */
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/audit.h"
#include "app/displays.h"
#include "domain/role.h"
#include "lib/banned.h"

static int deny(struct http_req *req, const struct principal *p, int status, const char *code,
                const char *zh, const char *en, const char *why)
{
	struct db *db = db_pool_get(api_app(req)->pool);
	const char *target = arena_printf(&req->arena, "%s %s", req->method, req->path);
	audit_record_alone(db, p, NULL, AUDIT_DENIED, target, http_client_ip(req), "denied", why);
	db_pool_put(api_app(req)->pool, db);
	http_reply_error(req, status, code, zh, en);
	return -1;
}

/* The bearer token, a wall display's cookie (sent by browsers only to
 * /api/v1/screen/stream, for its EventSource) or the session cookie, or
 * NULL. */
static const char *credentials(struct http_req *req, int *via_cookie)
{
	const char *h = http_header(req, "Authorization");

	*via_cookie = 0;
	if (h && !strncasecmp(h, "Bearer ", 7))
		return h + 7;
	if (((h = http_cookie(req, DISPLAY_COOKIE)) && *h) || ((h = http_cookie(req, AUTH_COOKIE)) && *h)) {
		*via_cookie = 1;
		return h;
	}
	return NULL;
}

int api_guard(struct http_req *req)
{
	const struct http_route *r = req->route;
	struct principal *p = NULL;
	struct err e = ERR_INIT;
	const char *token, *code;
	int via_cookie, rc;
	int64_t touch = 0;

	if ((token = credentials(req, &via_cookie))) {
		struct db *db = db_pool_get(api_app(req)->pool);
		if (!(p = arena_alloc(&req->arena, sizeof(*p)))) {
			db_pool_put(api_app(req)->pool, db);
			return http_reply_error(req, 500, "internal.oom", "内存不足", "out of memory"), -1;
		}
		rc = auth_session(db, token, p, &touch, &e);
		db_pool_put(api_app(req)->pool, db);
		/* the idle timer's refresh waits for the writer: with no
		 * connection held */
		if (rc == 0 && touch)
			rc = auth_session_touch(api_app(req)->writer, api_app(req)->pool, touch, &e);
		if (rc < 0) {
			if (e.status >= 500)
				return http_reply_err(req, &e), -1;
			p = NULL;
			if (r->role != ROLE_PUBLIC)
				return http_reply_err(req, &e), -1;     /* 401 auth.invalid / auth.expired */
		} else {
			p->via_cookie = via_cookie;
		}
	}
	req->auth = p;
	if (r->role == ROLE_PUBLIC)
		return 0;
	if (!p)
		return http_reply_error(req, 401, "auth.required", "请先登录", "log in first"), -1;
	if (p->via_cookie && strcmp(req->method, "GET") && strcmp(req->method, "HEAD")) {
		const char *h = http_header(req, "X-CSRF-Token");
		size_t n = strlen(p->csrf);
		if (!h || !n || strlen(h) != n || sodium_memcmp(h, p->csrf, n) != 0)
			return deny(req, p, 403, "auth.csrf", "请求缺少有效的 CSRF 令牌，请刷新页面后重试",
			            "missing or wrong CSRF token, reload the page and retry", "csrf");
	}
	if (p->must_change_password && strcmp(r->name, "auth.me") && strcmp(r->name, "auth.password") &&
	    strcmp(r->name, "auth.logout") && strcmp(r->name, "auth.logout_all"))
		return deny(req, p, 403, "auth.password_change_required",
		            "请先修改初始密码", "change your initial password first", "must change password");
	if (!(p->roles & r->role))
		return deny(req, p, 403, "auth.forbidden", "你的角色无权执行此操作",
		            "your roles do not allow this", r->name);
	if ((code = http_param(req, "code")) && !auth_scope(p, r->role, code)) {
		/* word for word the handlers' answer for a unit that does not exist
		 * (api_unit.c reply_unknown), so the two cannot be told apart */
		struct err nf = ERR_INIT;
		err_set(&nf, 404, "unit.not_found", "找不到单位 '%s'", "unknown unit '%s'", code);
		return deny(req, p, 404, nf.code, nf.msg, nf.msg_en, "out of scope");
	}
	return 0;
}
