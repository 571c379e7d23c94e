/*
 * http.h - what a request handler sees of HTTP.
 *
 * The server (server.c) parses the request, matches a route (router.h),
 * collects the body up to the limit (the route's body_max, else the
 * server's) and calls the route's
 * handler once with a complete `struct http_req`. The handler answers with
 * exactly one http_reply_*() call; whatever it allocates from req->arena is
 * freed when the request ends. Handlers never see libmicrohttpd.
 */
#ifndef WG_HTTP_H
#define WG_HTTP_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "lib/arena.h"
#include "lib/err.h"

#define HTTP_MAX_PARAMS 4
#define HTTP_MAX_HEADERS 8

struct http_route;
struct http_stream;

struct http_req {
	const char *method;              /* "GET", "POST", … */
	const char *path;                /* decoded path, no query string */
	const char *body;                /* request body, NUL-terminated; NULL when none.
	                                  * Raw bytes may hold NULs: body_len counts. */
	size_t body_len;
	struct arena arena;              /* freed when the request ends */
	const char *params[HTTP_MAX_PARAMS]; /* values of the route's :params, in order */
	int nparams;
	const struct http_route *route;  /* matched route, NULL for static files */
	void *app;                       /* the server's user pointer (struct app) */
	void *auth;                      /* the caller, set by the guard (api/guard.c); NULL = anonymous */
	void *priv;                      /* server's own per-request state */

	/* the reply, filled by http_reply_*() */
	int status;                      /* 0 until replied */
	const char *content_type;
	char *resp_body;                 /* malloc'd, or static when resp_static */
	size_t resp_len;
	int resp_static;                 /* resp_body must not be freed */
	int resp_nocompress;             /* already compressed or tiny */
	const char *hdr_name[HTTP_MAX_HEADERS];
	const char *hdr_value[HTTP_MAX_HEADERS];
	int nhdr;
	struct http_stream *stream;      /* a streamed reply (http_reply_stream), else NULL */
};

/* Query-string argument, or NULL. */
const char *http_query(struct http_req *req, const char *name);
/* Request header (case-insensitive name), or NULL. */
const char *http_header(struct http_req *req, const char *name);
/* Value of the route parameter `:name`, or NULL. */
const char *http_param(struct http_req *req, const char *name);
/* Value of cookie `name`, or NULL. */
const char *http_cookie(struct http_req *req, const char *name);
/* Client address as text into the arena ("127.0.0.1"). */
const char *http_client_ip(struct http_req *req);

/* Reply with JSON; steals the reference to j. Returns 0. */
int http_reply_json(struct http_req *req, int status, json_t *j);
/* Reply with the JSON error of e (its status, code and messages). Returns 0. */
int http_reply_err(struct http_req *req, const struct err *e);
/* Shorthand: build the err and reply with it. */
int http_reply_error(struct http_req *req, int status, const char *code,
                     const char *zh, const char *en);
/* Reply with bytes of the given type. copy = 1 copies data; 0 means data is
 * static (outlives the request). */
int http_reply_bytes(struct http_req *req, int status, const char *content_type,
                     const void *data, size_t len, int copy);
/* Reply with a malloc'd buffer the server frees. */
int http_reply_take(struct http_req *req, int status, const char *content_type,
                    char *data, size_t len);
/* Add a response header (strings must outlive the request: static or arena). */
int http_add_header(struct http_req *req, const char *name, const char *value);

/* ------------------------------------------------------- streamed replies
 *
 * A reply whose body is produced on demand and may never end (Server-Sent
 * Events). The server sends 200 with the content type, `Cache-Control:
 * no-cache` and `X-Accel-Buffering: no`, never compresses, and asks the
 * producer for bytes whenever the socket can take more:
 *
 *   read(ctx, buf, max)  copy up to max bytes into buf and return how many;
 *                        0 when nothing is ready: the connection then sleeps
 *                        (no thread spins) until http_stream_wake(); -1 to
 *                        end the reply cleanly. Runs on a server thread,
 *                        never at the same time for one stream.
 *   close(ctx)           the reply is over (ended, client gone, server
 *                        stopping): release ctx. Called exactly once, on a
 *                        server thread; no wake may start after it returns.
 *
 * http_server_stop() ends every stream (read is not called again, close
 * is) before it waits for requests in flight. */
struct http_stream_ops {
	ssize_t (*read)(void *ctx, char *buf, size_t max);
	void (*close)(void *ctx);
};

/* Answer with a stream. On success returns 0, *out is the handle to wake
 * it with and the server owns ctx (it will call ops->close). On failure
 * (out of memory) a 500 has been replied, -1 returned and ctx is still the
 * caller's. */
int http_reply_stream(struct http_req *req, const char *content_type,
                      const struct http_stream_ops *ops, void *ctx, struct http_stream **out);
/* Data is ready: let the server call read again. Any thread; cheap; a no-op
 * once the stream is over. Must not be called after ops->close returned. */
void http_stream_wake(struct http_stream *s);

/* ------------------------------------------------------- deferred replies
 *
 * A handler whose answer waits on another thread (a report waiting for the
 * group-commit writer) need not hold its server thread meanwhile: it calls
 * http_defer(), hands the work on, and returns without replying. The
 * connection then sleeps, suspended, and the thread serves other
 * connections. Whoever finishes the work calls http_resume(req) once, from
 * any thread (it may do so before the handler has returned); then
 * cont(req, ctx) runs on a server thread and replies as a handler does.
 * A handler that replies after http_defer() (the work could not be handed
 * on) cancels the deferral; http_resume() must then not be called.
 *
 * Between http_defer() and http_resume() the request stays alive whatever
 * the client does (the server's stop waits for every deferred request), so
 * the work may keep pointers into req and its arena. cont may not run
 * when the client went away meanwhile; release(ctx), when not NULL, runs
 * once the request ends, whether cont ran or not. */
void http_defer(struct http_req *req, void (*cont)(struct http_req *req, void *ctx),
                void (*release)(void *ctx), void *ctx);
void http_resume(struct http_req *req);

#endif
