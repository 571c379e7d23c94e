/*
 * stream.h - the live stream of event changes (GET /api/v1/stream, Server-
 * Sent Events). Placeholder: the writer tells the hub when event_log rows
 * were committed; the hub reads them and fans them out.
 */
#ifndef WG_STREAM_H
#define WG_STREAM_H

#include <stdint.h>

struct stream_hub;

/* New event_log rows up to last_log_id were committed (on this instance or,
 * through a cluster notification, on another). Cheap; any thread. NULL hub
 * is fine. */
void stream_kick(struct stream_hub *h, int64_t last_log_id);

#endif
