/*
 * api_stream.c - GET /api/v1/stream: the live stream of event changes as
 * Server-Sent Events (docs/api.md, "Live stream"), and its twin GET
 * /api/v1/screen/stream for the big screen (the path a wall display's
 * cookie is limited to, app/displays.h). The hub (app/stream.h) does the
 * work; this file decides what the caller may see, reads the resume point
 * and ties the hub's client to the server's streamed reply.
 */
#include <string.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/auth.h"
#include "app/stream.h"
#include "domain/role.h"
#include "lib/str.h"
#include "lib/banned.h"

static ssize_t client_read(void *ctx, char *buf, size_t max)
{
	return stream_client_read(ctx, buf, max);
}

static void client_close(void *ctx)
{
	stream_client_close(ctx);
}

static const struct http_stream_ops client_ops = {client_read, client_close};

static void client_wake(void *hs)
{
	http_stream_wake(hs);
}

/* The rows p may see: every territorial grant's subtree, every department
 * grant's department, a resident's own public steps, a wall display's
 * unit (in the display view). With `unit` only that unit's subtree (or
 * that department), which one of p's staff or display grants must cover:
 * otherwise 404 unit.not_found is replied (as for a unit that does not
 * exist) and -1 returned. */
static int scope_or_reply(struct http_req *req, const struct principal *p, const char *unit,
                          struct stream_scope *s)
{
	const struct auth_grant *g;
	struct org_model *m;
	int ok;

	memset(s, 0, sizeof(*s));
	s->display = p->display_id > 0;
	if (!unit) {
		for (int i = 0; i < p->ngrants; i++) {
			g = &p->grants[i];
			if (g->role & (ROLE_TERRITORIAL | ROLE_DISPLAY))
				stream_scope_add_unit(s, g->scope);
			else if (g->role & ROLE_DEPARTMENT)
				stream_scope_add_dept(s, g->scope);
			else if (g->role & ROLE_RESIDENT)
				s->reporter_id = p->account_id;
		}
		return 0;
	}
	g = auth_scope(p, ROLE_TERRITORIAL | ROLE_DEPARTMENT | ROLE_DISPLAY, unit);
	if (g && g->level == 0) {
		ok = stream_scope_add_dept(s, unit) == 0;
	} else if (g) {
		if (!(m = api_org_or_reply(req)))
			return -1;
		ok = orgmodel_find(m, unit) && stream_scope_add_unit(s, unit) == 0;
		orgmodel_release(m);
	} else {
		ok = 0;
	}
	if (!ok) {
		struct err e = ERR_INIT;
		err_set(&e, 404, "unit.not_found", "找不到单位 '%s'", "unknown unit '%s'", unit);
		http_reply_err(req, &e);
		return -1;
	}
	return 0;
}

/* GET /api/v1/stream[?unit=CODE][&last_event_id=N] (or Last-Event-ID), and
 * GET /api/v1/screen/stream, the same. */
int api_stream_get(struct http_req *req)
{
	struct app *a = api_app(req);
	const struct principal *p = req->auth;
	const char *unit = http_query(req, "unit");
	const char *last = http_header(req, "Last-Event-ID");
	struct stream_scope scope;
	struct stream_owner owner;
	struct stream_client *c;
	struct http_stream *hs;
	struct err e = ERR_INIT;
	int64_t last_id = -1;

	if (!a->stream)
		return http_reply_error(req, 503, "stream.unavailable", "实时推送暂不可用",
		                        "the live stream is not available");
	if (!last || !*last)
		last = http_query(req, "last_event_id");
	if (last && *last && parse_int64(last, 0, INT64_MAX, &last_id) < 0) {
		err_set_param(&e, 400, "param.invalid", "last_event_id",
		              "'Last-Event-ID' 必须是非负整数", "'Last-Event-ID' must be a non-negative integer");
		return http_reply_err(req, &e);
	}
	if (unit && !*unit)
		unit = NULL;
	if (scope_or_reply(req, p, unit, &scope) < 0)
		return 0;
	memset(&owner, 0, sizeof(owner));
	owner.account_id = p->account_id;
	owner.display_id = p->display_id;
	str_copy(owner.display_tag, sizeof(owner.display_tag), p->display_tag);
	if (stream_client_open(a->stream, &scope, &owner, last_id, &c, &e) < 0)
		return http_reply_err(req, &e);
	if (http_reply_stream(req, "text/event-stream; charset=utf-8", &client_ops, c, &hs) < 0) {
		stream_client_close(c);
		return 0;
	}
	stream_client_set_wake(c, client_wake, hs);
	return 0;
}
