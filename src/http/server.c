/*
 * server.c - libmicrohttpd glue: request life cycle, body limits, replies,
 * gzip, metrics and access log (see server.h).
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include "http/server.h"
#include "http/accesslog.h"
#include "http/metrics.h"
#include "http/static.h"
#include "lib/buf.h"
#include "lib/gzip.h"
#include "lib/jsonx.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

#define ARENA_MAX (64u << 20)         /* per-request arena cap */
#define GZIP_MIN 2048                 /* compress JSON replies from this size */
/* how much of a too large (or refused) body is read and dropped to answer
 * cleanly, for a request whose body limit is max */
#define DRAIN_MAX(max) (4 * (uint64_t)(max) + (1u << 20))

#define HTTP_MAX_TRUSTED 16

struct http_server {
	struct MHD_Daemon *d;
	char trusted[HTTP_MAX_TRUSTED][INET6_ADDRSTRLEN]; /* reverse proxies (X-Forwarded-For) */
	int ntrusted;
	struct http_server_opts o;
	struct static_files *files;
	struct metrics *metrics;
	struct accesslog *log;
	_Atomic int inflight;
	unsigned short port;
	int starting;                     /* MHD_start_daemon() running */
	char start_err[256];              /* its last complaint, for the error */
	pthread_mutex_t streams_mu;       /* guards the list below */
	struct http_stream *streams;      /* streamed replies being sent */
	_Atomic int nstreams;
	_Atomic int stopping;             /* http_server_stop() ends the streams */
	_Atomic int ndeferred;            /* deferred requests not yet resumed */
};

/* A streamed reply (http_reply_stream). Its life: created by the handler,
 * listed in srv->streams when queued, freed by MHD's free callback once
 * the response is done with. `mu` orders suspend against wake: the reader
 * suspends the connection only under it and only when no wake came since
 * it last asked the producer, and a wake resumes only a connection that is
 * suspended (resuming one that is not is undefined in libmicrohttpd). */
struct http_stream {
	struct http_server *srv;
	struct MHD_Connection *conn;
	const struct http_stream_ops *ops;
	void *ctx;
	pthread_mutex_t mu;
	int suspended;                    /* MHD_suspend_connection() called, no resume yet */
	int woken;                        /* a wake while running: read again before sleeping */
	int closed;                       /* the response is being freed: wakes do nothing */
	struct http_stream *prev, *next;  /* in srv->streams once queued */
};

/* Server-side state of one request, kept in req->priv. */
struct req_priv {
	struct http_server *srv;
	struct MHD_Connection *conn;
	struct buf body;
	uint64_t t0;
	int too_big;
	size_t body_max;                  /* the route's limit, or the server's */
	enum router_result rr;            /* route matched on the first call */
	int guarded;                      /* the guard ran early (upload routes) */
	int queued;                       /* the reply is queued */
	int route_idx;                    /* -1 static, -2 unmatched */
	size_t sent;
	size_t discarded;                 /* body bytes dropped after 413 */
	/* a deferred reply (http_defer). dmu orders suspend against resume as
	 * a stream's mu does, and keeps the request alive until the resumer
	 * has let go of it. */
	void (*cont)(struct http_req *, void *);
	void (*release)(void *);
	void *ctx;
	pthread_mutex_t dmu;              /* initialised by the first http_defer */
	int has_dmu;
	int deferred;                     /* waiting for http_resume, then cont */
	int dsuspended;                   /* MHD_suspend_connection() called, no resume yet */
	int dresumed;                     /* http_resume() came */
};

/* ------------------------------------------------------------ handler API */

const char *http_query(struct http_req *req, const char *name)
{
	struct req_priv *p = req->priv;
	return MHD_lookup_connection_value(p->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct http_req *req, const char *name)
{
	struct req_priv *p = req->priv;
	return MHD_lookup_connection_value(p->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie(struct http_req *req, const char *name)
{
	struct req_priv *p = req->priv;
	return MHD_lookup_connection_value(p->conn, MHD_COOKIE_KIND, name);
}

const char *http_param(struct http_req *req, const char *name)
{
	int i;
	if (!req->route || (i = router_param_index(req->route, name)) < 0 || i >= req->nparams)
		return NULL;
	return req->params[i];
}

/* Is ip one of the configured reverse proxies? */
static int trusted_proxy(const struct http_server *s, const char *ip)
{
	for (int i = 0; i < s->ntrusted; i++)
		if (!strcmp(s->trusted[i], ip))
			return 1;
	return 0;
}

/* The client's address. Behind a trusted reverse proxy (opts.trusted_proxies)
 * it is the last X-Forwarded-For entry that is not itself a trusted proxy —
 * the address the outermost trusted proxy saw; entries further left are the
 * client's own claims and are ignored. Anything unparsable: the socket's. */
const char *http_client_ip(struct http_req *req)
{
	struct req_priv *p = req->priv;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(p->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	char ip[INET6_ADDRSTRLEN] = "";
	const char *xff;

	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip));
	}
	if (p->srv->ntrusted && trusted_proxy(p->srv, ip) &&
	    (xff = MHD_lookup_connection_value(p->conn, MHD_HEADER_KIND, "X-Forwarded-For")) &&
	    strlen(xff) < 2048) {
		const char *item[32];
		size_t len[32];
		int n = 0;

		for (const char *q = xff; n < 32;) {      /* split on commas */
			q += strspn(q, " \t");
			item[n] = q;
			len[n] = strcspn(q, ",");
			while (len[n] && (q[len[n] - 1] == ' ' || q[len[n] - 1] == '\t'))
				len[n]--;
			n++;
			q += strcspn(q, ",");
			if (*q != ',')
				break;
			q++;
		}
		for (int i = n - 1; i >= 0; i--) {       /* right to left */
			char cand[INET6_ADDRSTRLEN];
			unsigned char bin[sizeof(struct in6_addr)];
			if (len[i] == 0 || len[i] >= sizeof(cand))
				break;
			memcpy(cand, item[i], len[i]);
			cand[len[i]] = '\0';
			if (inet_pton(AF_INET, cand, bin) != 1 && inet_pton(AF_INET6, cand, bin) != 1)
				break;                     /* garbage: keep the last good address */
			str_copy(ip, sizeof(ip), cand);
			if (!trusted_proxy(p->srv, cand))
				break;
		}
	}
	return arena_strdup(&req->arena, ip);
}

static void reply_reset(struct http_req *req)
{
	if (req->resp_body && !req->resp_static)
		free(req->resp_body);
	req->resp_body = NULL;
	req->resp_len = 0;
}

int http_reply_take(struct http_req *req, int status, const char *content_type,
                    char *data, size_t len)
{
	reply_reset(req);
	req->status = status;
	req->content_type = content_type;
	req->resp_body = data;
	req->resp_len = len;
	req->resp_static = 0;
	return 0;
}

int http_reply_bytes(struct http_req *req, int status, const char *content_type,
                     const void *data, size_t len, int copy)
{
	char *p;

	if (!copy) {
		reply_reset(req);
		req->status = status;
		req->content_type = content_type;
		req->resp_body = (char *)data;
		req->resp_len = len;
		req->resp_static = 1;
		return 0;
	}
	if (!(p = malloc(len ? len : 1)))
		return http_reply_bytes(req, 500, "text/plain", "out of memory", 13, 0);
	memcpy(p, data, len);
	return http_reply_take(req, status, content_type, p, len);
}

int http_reply_json(struct http_req *req, int status, json_t *j)
{
	char *s;
	size_t n;

	if (!j)
		return http_reply_error(req, 500, "internal.json", "内部错误：无法生成 JSON",
		                        "internal error: cannot build JSON");
	/* 15 significant digits: jansson's default of 17 prints coordinates
	 * rounded to 1e-6 as 113.26978200000001 (GeoJSON ~40% larger) */
	s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(j);
	if (!s)
		return http_reply_bytes(req, 500, "application/json; charset=utf-8",
		                        "{\"error\":{\"code\":\"internal.oom\",\"message\":\"内存不足\","
		                        "\"message_en\":\"out of memory\"}}", 79, 0);
	n = strlen(s);
	return http_reply_take(req, status, "application/json; charset=utf-8", s, n);
}

int http_reply_err(struct http_req *req, const struct err *e)
{
	int status = e->status ? e->status : 500;
	return http_reply_json(req, status, jsonx_error(e));
}

int http_reply_error(struct http_req *req, int status, const char *code,
                     const char *zh, const char *en)
{
	struct err e = ERR_INIT;
	e.status = status;
	str_copy(e.code, sizeof(e.code), code);
	str_copy(e.msg, sizeof(e.msg), zh);
	str_copy(e.msg_en, sizeof(e.msg_en), en);
	return http_reply_err(req, &e);
}

int http_add_header(struct http_req *req, const char *name, const char *value)
{
	if (req->nhdr >= HTTP_MAX_HEADERS || !value)
		return -1;
	req->hdr_name[req->nhdr] = name;
	req->hdr_value[req->nhdr] = value;
	req->nhdr++;
	return 0;
}

/* ------------------------------------------------------- streamed replies */

int http_reply_stream(struct http_req *req, const char *content_type,
                      const struct http_stream_ops *ops, void *ctx, struct http_stream **out)
{
	struct req_priv *p = req->priv;
	struct http_stream *hs = calloc(1, sizeof(*hs));

	if (!hs) {
		http_reply_error(req, 500, "internal.oom", "内存不足", "out of memory");
		return -1;
	}
	hs->srv = p->srv;
	hs->conn = p->conn;
	hs->ops = ops;
	hs->ctx = ctx;
	pthread_mutex_init(&hs->mu, NULL);
	reply_reset(req);
	req->status = 200;
	req->content_type = content_type;
	req->stream = hs;
	*out = hs;
	return 0;
}

void http_stream_wake(struct http_stream *hs)
{
	pthread_mutex_lock(&hs->mu);
	if (hs->suspended && !hs->closed) {
		hs->suspended = 0;
		MHD_resume_connection(hs->conn);
	} else {
		hs->woken = 1;
	}
	pthread_mutex_unlock(&hs->mu);
}

/* ------------------------------------------------------- deferred replies */

void http_defer(struct http_req *req, void (*cont)(struct http_req *, void *),
                void (*release)(void *), void *ctx)
{
	struct req_priv *p = req->priv;

	if (!p->has_dmu) {
		pthread_mutex_init(&p->dmu, NULL);
		p->has_dmu = 1;
	}
	p->cont = cont;
	p->release = release;
	p->ctx = ctx;
	p->deferred = 1;
	p->dresumed = 0;
	atomic_fetch_add(&p->srv->ndeferred, 1);
}

void http_resume(struct http_req *req)
{
	struct req_priv *p = req->priv;
	struct http_server *s = p->srv;

	pthread_mutex_lock(&p->dmu);
	p->dresumed = 1;
	if (p->dsuspended) {
		p->dsuspended = 0;
		MHD_resume_connection(p->conn);
	}
	atomic_fetch_sub(&s->ndeferred, 1);
	pthread_mutex_unlock(&p->dmu);   /* the request may end from here on */
}

/* MHD's content reader: ask the producer; with nothing ready, suspend the
 * connection (returning 0 without suspending would make MHD call again at
 * once, a busy loop) unless a wake arrived meanwhile. */
static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_stream *hs = cls;
	ssize_t n;

	for (;;) {
		if (atomic_load(&hs->srv->stopping))
			return MHD_CONTENT_READER_END_OF_STREAM;
		n = hs->ops->read(hs->ctx, buf, max);
		if (n > 0)
			return n;
		if (n < 0)
			return MHD_CONTENT_READER_END_OF_STREAM;
		pthread_mutex_lock(&hs->mu);
		if (hs->woken || atomic_load(&hs->srv->stopping)) {
			hs->woken = 0;
			pthread_mutex_unlock(&hs->mu);
			continue;
		}
		hs->suspended = 1;
		MHD_suspend_connection(hs->conn);
		pthread_mutex_unlock(&hs->mu);
		return 0;
	}
}

/* MHD is done with the response (stream ended, client gone, daemon stopping). */
static void stream_free(void *cls)
{
	struct http_stream *hs = cls;
	struct http_server *s = hs->srv;

	pthread_mutex_lock(&hs->mu);
	hs->closed = 1;
	pthread_mutex_unlock(&hs->mu);
	hs->ops->close(hs->ctx);
	pthread_mutex_lock(&s->streams_mu);
	if (hs->prev || s->streams == hs) {
		if (hs->prev)
			hs->prev->next = hs->next;
		else
			s->streams = hs->next;
		if (hs->next)
			hs->next->prev = hs->prev;
		atomic_fetch_sub(&s->nstreams, 1);
	}
	pthread_mutex_unlock(&s->streams_mu);
	pthread_mutex_destroy(&hs->mu);
	free(hs);
}

/* Queue the streamed reply of req: a callback response of unknown length
 * (chunked), never compressed. */
static enum MHD_Result queue_stream(struct http_req *req)
{
	struct req_priv *p = req->priv;
	struct http_stream *hs = req->stream;
	struct http_server *s = p->srv;
	struct MHD_Response *r;
	enum MHD_Result ret;

	req->stream = NULL;
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 8192, stream_read, hs, stream_free);
	if (!r) {
		hs->ops->close(hs->ctx);
		pthread_mutex_destroy(&hs->mu);
		free(hs);
		return MHD_NO;
	}
	pthread_mutex_lock(&s->streams_mu);
	hs->next = s->streams;
	if (s->streams)
		s->streams->prev = hs;
	s->streams = hs;
	atomic_fetch_add(&s->nstreams, 1);
	pthread_mutex_unlock(&s->streams_mu);
	if (req->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");   /* nginx: pass bytes on at once */
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	for (int i = 0; i < req->nhdr; i++)
		MHD_add_response_header(r, req->hdr_name[i], req->hdr_value[i]);
	ret = MHD_queue_response(p->conn, (unsigned)req->status, r);
	MHD_destroy_response(r);         /* a failed queue frees it here: stream_free runs */
	return ret;
}

/* ---------------------------------------------------------------- helpers */

/* Did the handler add a header of this name (case-insensitive)? */
static int has_header(const struct http_req *req, const char *name)
{
	for (int i = 0; i < req->nhdr; i++)
		if (!strcasecmp(req->hdr_name[i], name))
			return 1;
	return 0;
}

static enum MHD_Result queue_reply(struct http_req *req)
{
	struct req_priv *p = req->priv;
	struct MHD_Response *r;
	enum MHD_Result ret;
	const char *ae;
	int is_head = !strcmp(req->method, "HEAD");

	if (req->stream)
		return queue_stream(req);
	if (!req->status)
		http_reply_error(req, 500, "internal.no_reply", "内部错误：处理程序未应答",
		                 "internal error: handler sent no reply");
	if (!req->resp_nocompress && req->resp_len >= GZIP_MIN &&
	    (ae = http_header(req, "Accept-Encoding")) && strstr(ae, "gzip")) {
		size_t zl;
		char *z = gzip_compress(req->resp_body, req->resp_len, 1, &zl);
		if (z) {
			http_reply_take(req, req->status, req->content_type, z, zl);
			http_add_header(req, "Content-Encoding", "gzip");
			http_add_header(req, "Vary", "Accept-Encoding");
		}
	}
	if (req->resp_static)
		r = MHD_create_response_from_buffer(req->resp_len, req->resp_body, MHD_RESPMEM_PERSISTENT);
	else {
		r = MHD_create_response_from_buffer_with_free_callback(req->resp_len, req->resp_body, free);
		if (r)
			req->resp_body = NULL; /* MHD owns it now */
	}
	if (!r)
		return MHD_NO;
	if (req->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, req->content_type);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (req->route && !has_header(req, MHD_HTTP_HEADER_CACHE_CONTROL))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	for (int i = 0; i < req->nhdr; i++)
		MHD_add_response_header(r, req->hdr_name[i], req->hdr_value[i]);
	(void)is_head; /* MHD omits the body of HEAD replies itself */
	p->sent = req->resp_len;
	p->queued = 1;
	ret = MHD_queue_response(p->conn, (unsigned)req->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* 413 for a body over the limit. A route with its own limit (an upload)
 * names its resource in the code and says the limit: "photo.upload" ->
 * photo.too_large "请求体超过 10 MB 上限". */
static void reply_too_large(struct http_req *req, size_t max)
{
	const struct http_route *r = req->route;
	struct err e = ERR_INIT;
	size_t dot;

	if (!r || !r->body_max || (dot = strcspn(r->name, ".")) == 0 || dot > 32) {
		http_reply_error(req, 413, "http.body_too_large", "请求体过大", "request body too large");
		return;
	}
	if (max % (1u << 20) == 0)
		err_set(&e, 413, "http.body_too_large", "请求体超过 %zu MB 上限",
		        "request body over the %zu MB limit", max >> 20);
	else
		err_set(&e, 413, "http.body_too_large", "请求体超过 %zu 字节上限",
		        "request body over the %zu byte limit", max);
	snprintf(e.code, sizeof(e.code), "%.*s.too_large", (int)dot, r->name);
	http_reply_err(req, &e);
}

static void dispatch(struct http_server *s, struct http_req *req)
{
	struct req_priv *p = req->priv;
	enum router_result rr = p->rr;   /* matched on the first call */

	if (rr == ROUTER_FOUND)          /* a 413 counts for its route in metrics and log */
		p->route_idx = (int)(req->route - s->o.routes);
	if (p->too_big) {
		reply_too_large(req, p->body_max);
		return;
	}
	if (rr == ROUTER_FOUND) {
		if (p->body.len) {
			req->body = p->body.data;
			req->body_len = p->body.len;
		}
		if (!p->guarded && s->o.guard && s->o.guard(req) < 0)
			return;               /* the guard replied: 401/403/404 */
		req->route->fn(req);
		return;
	}
	if (rr == ROUTER_NO_METHOD) {
		char allow[64];
		/* RFC 9110 15.5.6: a 405 says which methods the resource has */
		if (router_allowed(s->o.routes, s->o.nroutes, req->path, allow, sizeof(allow)))
			http_add_header(req, "Allow", arena_strdup(&req->arena, allow));
		http_reply_error(req, 405, "http.method_not_allowed", "该接口不支持此请求方法",
		                 "method not allowed on this path");
		return;
	}
	if (str_starts_with(req->path, "/api/") || !s->files ||
	    (strcmp(req->method, "GET") && strcmp(req->method, "HEAD"))) {
		http_reply_error(req, 404, "http.not_found", "找不到该接口", "no such endpoint");
		return;
	}
	p->route_idx = -1;
	static_serve(s->files, req);
}

/* The handler (or a deferred reply's continuation) returned: queue its
 * reply; or, when it deferred, sleep until http_resume() and then run the
 * continuation (at once if the resume came first). MHD calls on_request
 * again after a resume, which comes back here. */
static enum MHD_Result after_handler(struct http_server *s, struct http_req *req)
{
	struct req_priv *p = req->priv;

	while (p->deferred) {
		void (*cont)(struct http_req *, void *) = p->cont;

		if (req->status) {           /* replied after all: the deferral is off */
			p->deferred = 0;
			atomic_fetch_sub(&s->ndeferred, 1);
			break;
		}
		pthread_mutex_lock(&p->dmu);
		if (!p->dresumed) {
			p->dsuspended = 1;
			MHD_suspend_connection(p->conn);
			pthread_mutex_unlock(&p->dmu);
			return MHD_YES;
		}
		pthread_mutex_unlock(&p->dmu);
		p->deferred = 0;
		cont(req, p->ctx);           /* replies, or defers again */
	}
	return queue_reply(req);
}

/* ------------------------------------------------------ MHD callbacks */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
	struct http_server *s = cls;
	struct http_req *req = *con_cls;
	struct req_priv *p;

	if (!req) {
		const char *cl;
		int64_t clen = -1;

		req = calloc(1, sizeof(*req) + sizeof(struct req_priv));
		if (!req)
			return MHD_NO;
		p = (struct req_priv *)(req + 1);
		req->priv = p;
		p->srv = s;
		p->conn = conn;
		p->t0 = time_mono_us();
		p->route_idx = -2;
		arena_init(&req->arena, ARENA_MAX);
		req->app = s->o.app;
		req->method = method;
		req->path = url;
		/* the route decides the body limit, so it is matched now */
		p->rr = router_match(s->o.routes, s->o.nroutes, method, url, &req->arena,
		                     req->params, &req->nparams, &req->route);
		if (p->rr != ROUTER_FOUND)
			req->route = NULL;
		p->body_max = req->route && req->route->body_max ? req->route->body_max : s->o.body_max;
		buf_init(&p->body, p->body_max);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && (parse_int64(cl, 0, INT64_MAX, &clen) < 0 || (uint64_t)clen > p->body_max))
			p->too_big = 1;
		atomic_fetch_add(&s->inflight, 1);
		*con_cls = req;
		/* An upload route (its own body_max) checks the caller before
		 * taking the body, so that nobody unauthorised makes the server
		 * buffer megabytes: a refusal is kept, the body drained and
		 * dropped, and the reply queued once it is in (keep-alive). */
		if (!p->too_big && req->route && req->route->body_max && s->o.guard) {
			p->guarded = 1;
			if (s->o.guard(req) < 0) {
				const char *ex = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
				                                             MHD_HTTP_HEADER_EXPECT);
				p->route_idx = (int)(req->route - s->o.routes);
				if (ex && strcasestr(ex, "100-continue"))
					return queue_reply(req);  /* the body is not wanted: as for 413 */
			}
		}
		if (p->too_big) {
			/* A declared body over the limit. A client waiting for "100
			 * Continue" gets the 413 now and sends nothing (queueing on the
			 * first call makes MHD close the connection, which is what we
			 * want here). One that sends the body regardless would mostly
			 * never see an early 413: MHD closes with its body unread, the
			 * kernel answers with a reset and the client gets EPIPE/ECONNRESET
			 * instead. So its body is drained like a chunked one (below),
			 * unless it announces more than the drain limit. */
			const char *ex = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
			                                             MHD_HTTP_HEADER_EXPECT);
			if ((ex && strcasestr(ex, "100-continue")) || clen < 0 ||
			    (uint64_t)clen > DRAIN_MAX(p->body_max)) {
				dispatch(s, req);
				return queue_reply(req);
			}
		}
		return MHD_YES;       /* queue on a later call: keeps keep-alive */
	}
	p = req->priv;
	if (*upload_data_size) {
		if (!p->too_big && !req->status &&
		    buf_add(&p->body, upload_data, *upload_data_size) < 0) {
			p->too_big = 1;   /* chunked body past the limit: discard the rest */
			buf_release(&p->body);
		}
		if (p->too_big || req->status) {  /* or refused early by the guard */
			p->discarded += *upload_data_size;
			if (p->discarded > DRAIN_MAX(p->body_max))
				return MHD_NO; /* stop reading a flood: drop the connection */
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (p->queued)            /* already answered */
		return MHD_YES;
	if (!req->status && !p->deferred) /* else the guard refused on the first call */
		dispatch(s, req);
	return after_handler(s, req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct http_req *req = *con_cls;
	struct req_priv *p;
	uint64_t us;

	if (!req)
		return;
	p = req->priv;
	if (p->has_dmu) {                /* a resumer may still hold it: wait */
		pthread_mutex_lock(&p->dmu);
		pthread_mutex_unlock(&p->dmu);
		pthread_mutex_destroy(&p->dmu);
	}
	if (p->release)
		p->release(p->ctx);
	us = time_mono_us() - p->t0;
	metrics_observe(s->metrics, p->route_idx, req->status, us);
	if (accesslog_enabled(s->log))   /* the client's address costs an inet_ntop() */
		accesslog_write(s->log, http_client_ip(req), req->method, req->path,
		                req->route ? req->route->name : (p->route_idx == -1 ? "static" : ""),
		                req->status, p->sent, us);
	reply_reset(req);
	if (req->stream) {               /* a stream that was never queued */
		req->stream->ops->close(req->stream->ctx);
		pthread_mutex_destroy(&req->stream->mu);
		free(req->stream);
	}
	buf_release(&p->body);
	arena_release(&req->arena);
	free(req);
	*con_cls = NULL;
	atomic_fetch_sub(&s->inflight, 1);
}

/* Percent-decoding of the path and query arguments. "%00" would decode to a
 * NUL that silently cuts the string ("/api/v1/units/440111%00x" would read
 * as "/api/v1/units/440111", "/index.html%00.png" as "/index.html"), so a
 * string containing one is left undecoded: it then fails validation or
 * matches nothing. */
static size_t on_unescape(void *cls, struct MHD_Connection *conn, char *val)
{
	for (const char *q = val; (q = strchr(q, '%')); q++)
		if (q[1] == '0' && q[2] == '0')
			return strlen(val);
	return MHD_http_unescape(val);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_server *s = cls;
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	if (s->starting)                 /* only the starting thread runs now */
		str_copy(s->start_err, sizeof(s->start_err), msg);
	log_debug("libmicrohttpd: %s", msg);
}

/* ---------------------------------------------------------- life cycle */

int http_server_start(struct http_server **out, const struct http_server_opts *o, struct err *e)
{
	struct http_server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	const union MHD_DaemonInfo *di;

	if (!s)
		return err_set(e, 500, "server.oom", "内存不足", "out of memory");
	s->o = *o;
	pthread_mutex_init(&s->streams_mu, NULL);
	for (const char *t = o->trusted_proxies; t && *t && s->ntrusted < HTTP_MAX_TRUSTED;) {
		size_t n = strcspn(t, ", \t");
		unsigned char bin[sizeof(struct in6_addr)];
		if (n > 0 && n < INET6_ADDRSTRLEN) {
			memcpy(s->trusted[s->ntrusted], t, n);
			s->trusted[s->ntrusted][n] = '\0';
			if (inet_pton(AF_INET, s->trusted[s->ntrusted], bin) == 1 ||
			    inet_pton(AF_INET6, s->trusted[s->ntrusted], bin) == 1)
				s->ntrusted++;
			else
				log_warn("trusted_proxies: '%s' is not an IP address, ignored", s->trusted[s->ntrusted]);
		}
		t += n;
		t += strspn(t, ", \t");
	}
	if (inet_pton(AF_INET, o->host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(o->port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, o->host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(o->port);
		sl = sizeof(struct sockaddr_in6);
	} else {
		pthread_mutex_destroy(&s->streams_mu);
		free(s);
		return err_set(e, 400, "server.bad_listen", "监听地址 '%s' 无效（需要 IP 地址）",
		               "bad listen address '%s' (an IP address is expected)", o->host);
	}
	(void)sl;
	if (o->web_dir && !(s->files = static_open(o->web_dir, o->node_modules_dir)))
		log_warn("web folder '%s' not found: serving the API only", o->web_dir);
	s->metrics = metrics_new(o->routes, o->nroutes);
	s->log = accesslog_open(o->access_log);
	if (!s->metrics || !s->log) {
		err_set(e, 500, "server.init", "无法打开访问日志 '%s'", "cannot open access log '%s'",
		        o->access_log ? o->access_log : "");
		goto fail;
	}
	s->starting = 1;
	s->d = MHD_start_daemon(
		/* suspend/resume: idle streams sleep instead of being polled */
		MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC | MHD_USE_ERROR_LOG |
		MHD_ALLOW_SUSPEND_RESUME |
		(ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
		o->port, NULL, NULL, on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s,    /* first, so it sees everything */
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned)(o->threads > 0 ? o->threads : 1),
		MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,
		MHD_OPTION_CONNECTION_LIMIT, 10000u,
		/* MHD zeroes the whole pool after every request: 64 KiB made that
		 * memset ~23% of a small reply's CPU time, 32 KiB (MHD's default)
		 * 9%. 16 KiB (5%) gained nothing measurable end to end and halves
		 * what a request may carry; 32 KiB takes request lines and headers
		 * of ~24 KiB and ~500 query arguments. */
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),
		MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_UNESCAPE_CALLBACK, on_unescape, s,
		MHD_OPTION_END);
	s->starting = 0;
	if (!s->d) {
		/* say why: "Failed to bind to port 8080: Address already in use" */
		if (s->start_err[0])
			err_set(e, 503, "server.listen", "无法在 %s:%u 上监听：%s",
			        "cannot listen on %s:%u: %s", o->host, o->port, s->start_err);
		else
			err_set(e, 503, "server.listen", "无法在 %s:%u 上监听（端口被占用？）",
			        "cannot listen on %s:%u (port in use?)", o->host, o->port);
		goto fail;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : o->port;
	*out = s;
	return 0;
fail:
	static_close(s->files);
	metrics_free(s->metrics);
	accesslog_close(s->log);
	pthread_mutex_destroy(&s->streams_mu);
	free(s);
	return -1;
}

unsigned short http_server_port(const struct http_server *s)
{
	return s->port;
}

int http_server_metrics(struct http_server *s, struct buf *b)
{
	if (metrics_render(s->metrics, b) < 0)
		return -1;
	return buf_printf(b, "# HELP wangge_http_streams_open Streamed replies (live streams) being sent.\n"
	                     "# TYPE wangge_http_streams_open gauge\n"
	                     "wangge_http_streams_open %d\n", atomic_load(&s->nstreams));
}

/* Make every stream end: its reader answers end-of-stream from now on, and
 * sleeping ones are woken to do so (libmicrohttpd must not be stopped with
 * suspended connections). */
static void end_streams(struct http_server *s)
{
	atomic_store(&s->stopping, 1);
	pthread_mutex_lock(&s->streams_mu);
	for (struct http_stream *hs = s->streams; hs; hs = hs->next)
		http_stream_wake(hs);
	pthread_mutex_unlock(&s->streams_mu);
}

void http_server_stop(struct http_server *s, unsigned grace_s)
{
	uint64_t deadline;
	MHD_socket fd;

	if (!s)
		return;
	fd = MHD_quiesce_daemon(s->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	end_streams(s);
	deadline = time_mono_us() + (uint64_t)grace_s * 1000000u;
	while (atomic_load(&s->inflight) > 0 && time_mono_us() < deadline)
		usleep(10000);
	if (atomic_load(&s->inflight) > 0)
		log_warn("stopping with %d requests still in flight", atomic_load(&s->inflight));
	/* a deferred request is freed by MHD_stop_daemon: not before whoever
	 * works for it has resumed it (http.h), however long that takes (the
	 * event writer answers every job it took) */
	for (unsigned n = 0; atomic_load(&s->ndeferred) > 0; n++) {
		if (n % 500 == 0)
			log_warn("stopping: waiting for %d deferred requests", atomic_load(&s->ndeferred));
		usleep(10000);
	}
	MHD_stop_daemon(s->d);
	static_close(s->files);
	metrics_free(s->metrics);
	accesslog_close(s->log);
	pthread_mutex_destroy(&s->streams_mu);
	free(s);
}
