/*
 * metrics.c - per-route request counts by status and latency histograms
 * (see metrics.h).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include "http/metrics.h"
#include "http/router.h"
#include "lib/banned.h"

static const int statuses[] = {200, 201, 204, 206, 301, 304, 400, 401, 403, 404, 405,
                               409, 410, 413, 415, 422, 429, 500, 503, 0 /* other */};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]))
static const double bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
                                0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define NBUCKET (sizeof(bounds) / sizeof(bounds[0]))

struct route_metrics {
	_Atomic uint64_t by_status[NSTATUS];
	_Atomic uint64_t bucket[NBUCKET + 1];  /* last = +Inf */
	_Atomic uint64_t sum_us;
};

struct metrics {
	const struct http_route *routes;
	size_t nroutes;
	struct route_metrics *r;               /* nroutes + 2 */
};

struct metrics *metrics_new(const struct http_route *routes, size_t nroutes)
{
	struct metrics *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->routes = routes;
	m->nroutes = nroutes;
	m->r = calloc(nroutes + 2, sizeof(*m->r));
	if (!m->r) {
		free(m);
		return NULL;
	}
	return m;
}

void metrics_free(struct metrics *m)
{
	if (m) {
		free(m->r);
		free(m);
	}
}

void metrics_observe(struct metrics *m, int route, int status, uint64_t us)
{
	size_t slot;
	struct route_metrics *r;
	size_t s, b;
	double sec = (double)us / 1e6;

	/* table rows, -1 or -2 only: a bad index must not land in the "static"
	 * or "unmatched" slots, nor compute -INT_MIN */
	if (route < -2 || (route >= 0 && (size_t)route >= m->nroutes))
		return;
	slot = route >= 0 ? (size_t)route : m->nroutes + (size_t)(-route - 1);
	r = &m->r[slot];
	for (s = 0; s < NSTATUS - 1 && statuses[s] != status; s++)
		;
	atomic_fetch_add_explicit(&r->by_status[s], 1, memory_order_relaxed);
	for (b = 0; b < NBUCKET && sec > bounds[b]; b++)
		;
	atomic_fetch_add_explicit(&r->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->sum_us, us, memory_order_relaxed);
}

static const char *slot_name(struct metrics *m, size_t i)
{
	if (i < m->nroutes)
		return m->routes[i].name;
	return i == m->nroutes ? "static" : "unmatched";
}

int metrics_render(struct metrics *m, struct buf *b)
{
	int rc = 0;
	size_t i, s, k;

	rc |= buf_adds(b, "# HELP wangge_http_requests_total HTTP requests by route and status.\n"
	                  "# TYPE wangge_http_requests_total counter\n");
	for (i = 0; i < m->nroutes + 2; i++)
		for (s = 0; s < NSTATUS; s++) {
			uint64_t v = atomic_load_explicit(&m->r[i].by_status[s], memory_order_relaxed);
			if (!v)
				continue;
			if (statuses[s])
				rc |= buf_printf(b, "wangge_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
				                 slot_name(m, i), statuses[s], (unsigned long long)v);
			else
				rc |= buf_printf(b, "wangge_http_requests_total{route=\"%s\",status=\"other\"} %llu\n",
				                 slot_name(m, i), (unsigned long long)v);
		}
	rc |= buf_adds(b, "# HELP wangge_http_request_duration_seconds Time from request start to response queued.\n"
	                  "# TYPE wangge_http_request_duration_seconds histogram\n");
	for (i = 0; i < m->nroutes + 2; i++) {
		uint64_t cum = 0;
		for (k = 0; k <= NBUCKET; k++)
			cum += atomic_load_explicit(&m->r[i].bucket[k], memory_order_relaxed);
		if (!cum)
			continue;
		cum = 0;
		for (k = 0; k <= NBUCKET; k++) {
			cum += atomic_load_explicit(&m->r[i].bucket[k], memory_order_relaxed);
			if (k < NBUCKET)
				rc |= buf_printf(b, "wangge_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
				                 slot_name(m, i), bounds[k], (unsigned long long)cum);
			else
				rc |= buf_printf(b, "wangge_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
				                 slot_name(m, i), (unsigned long long)cum);
		}
		rc |= buf_printf(b, "wangge_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
		                 slot_name(m, i),
		                 (double)atomic_load_explicit(&m->r[i].sum_us, memory_order_relaxed) / 1e6);
		rc |= buf_printf(b, "wangge_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
		                 slot_name(m, i), (unsigned long long)cum);
	}
	return rc ? -1 : 0;
}
