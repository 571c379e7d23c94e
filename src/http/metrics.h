/*
 * metrics.h - request counters and latency histograms per route, rendered
 * in the Prometheus text exposition format for GET /metrics.
 * Lock-free: relaxed atomic adds on fixed arrays sized at start.
 */
#ifndef WG_METRICS_H
#define WG_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "lib/buf.h"

struct http_route;
struct metrics;

/* Counters for nroutes table routes plus "static" and "unmatched". */
struct metrics *metrics_new(const struct http_route *routes, size_t nroutes);
void metrics_free(struct metrics *m);
/* Record one request: route index (-1 static file, -2 unmatched), status,
 * latency in microseconds. */
void metrics_observe(struct metrics *m, int route, int status, uint64_t us);
/* Append the exposition text to b. */
int metrics_render(struct metrics *m, struct buf *b);

#endif
