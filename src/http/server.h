/*
 * server.h - the HTTP server: libmicrohttpd with a thread pool, the route
 * table, body limits, static files, metrics and the access log.
 *
 * Anatomy of a request (docs/ARCHITECTURE.md tells it in full):
 *   MHD worker thread -> on_request() #1: allocate struct http_req, set
 *   *con_cls, return (queueing on the first call would make MHD close
 *   keep-alive connections) -> #2..n: append body chunks up to body_max,
 *   413 past it -> final call: route, call the handler, queue its reply
 *   (gzip when accepted and worthwhile; a streamed reply instead becomes a
 *   callback response whose connection sleeps, suspended, while its
 *   producer has nothing) -> on_completed(): metrics, access log, free the
 *   request.
 */
#ifndef WG_SERVER_H
#define WG_SERVER_H

#include <stddef.h>
#include "http/router.h"
#include "lib/buf.h"
#include "lib/err.h"

struct http_server;

struct http_server_opts {
	const char *host;               /* "127.0.0.1", "0.0.0.0", "::1" */
	unsigned short port;
	int threads;                    /* worker threads */
	size_t body_max;                /* largest request body, bytes */
	unsigned timeout_s;             /* idle connection timeout */
	const char *web_dir;            /* static pages, NULL = none */
	const char *node_modules_dir;   /* for /vendor/ mounts */
	const char *access_log;         /* file, "-" or "off" */
	const char *trusted_proxies;    /* "127.0.0.1, ::1": whose X-Forwarded-For to believe */
	const struct http_route *routes;
	size_t nroutes;
	void *app;                      /* handed to handlers as req->app */
	/* Called after a route matched and before its handler (authentication,
	 * role and scope checks): 0 to go on, or it replied and returns -1. */
	int (*guard)(struct http_req *req);
};

/* Start listening. 0, or -1 with e filled (port in use, bad address). */
int http_server_start(struct http_server **out, const struct http_server_opts *o, struct err *e);
/* Stop accepting, end every streamed reply (http_reply_stream), wait up to
 * grace_s for in-flight requests, close. */
void http_server_stop(struct http_server *s, unsigned grace_s);
/* The port actually bound (useful with port 0). */
unsigned short http_server_port(const struct http_server *s);
/* Prometheus text for GET /metrics, appended to b. */
int http_server_metrics(struct http_server *s, struct buf *b);

#endif
