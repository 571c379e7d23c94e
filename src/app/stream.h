/*
 * stream.h - the live stream of event changes behind GET /api/v1/stream
 * (Server-Sent Events): one hub per instance, fanning timeline rows out to
 * every connected client whose scope admits them.
 *
 * How a commit becomes a frame:
 *   1. the event writer commits event_log rows and calls stream_kick() with
 *      the last id (this instance); on PostgreSQL it also NOTIFYs
 *      STREAM_CHANNEL with that id inside the transaction, and every
 *      instance's cluster listener hands it to stream_on_notify(), which
 *      kicks that instance's hub;
 *   2. the hub thread reads the rows after the last one it sent
 *      (store_event_stream_since, batches of STREAM_BATCH) on its own
 *      connection, serialises each row once per audience (staff, resident,
 *      wall display)
 *      into a refcounted SSE frame and queues it on every client that may
 *      see it, waking their connections;
 *   3. it also polls every STREAM_POLL_MS, so a lost notification delays
 *      rows but never loses them, and queues a heartbeat every
 *      STREAM_PING_MS.
 *
 * Resume: a client that sends Last-Event-ID first reads the rows after it
 * from the database itself (the backlog, at most STREAM_BACKLOG_MAX rows,
 * else an `event: reset` frame), then switches to the live feed at the
 * exact row the hub has reached: no gap, no duplicate.
 *
 * Threads: stream_kick and stream_on_notify from any thread; the client
 * calls from the HTTP server's threads (never two at once for one client).
 */
#ifndef WG_STREAM_H
#define WG_STREAM_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "domain/stream_scope.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "store/db.h"

#define STREAM_CHANNEL "wg_events"    /* cluster channel; payload: last event_log id */
#define STREAM_BATCH 500              /* rows per database read */
#define STREAM_BACKLOG_MAX 10000      /* rows a resume may replay; beyond: reset */
#define STREAM_POLL_MS 2000           /* safety-net poll */
#define STREAM_PING_MS 15000          /* heartbeat */
#define STREAM_RETRY_MS 3000          /* the client's reconnection delay (retry:) */
#define STREAM_QUEUE_FRAMES 1024      /* frames a client may have queued … */
#define STREAM_QUEUE_BYTES (512u << 10) /* … and bytes: past either it is dropped */

struct stream_hub;
struct stream_client;
struct event_stream_rec;

struct stream_opts {
	int max_clients;                  /* per instance (default 2,000) */
	int max_per_account;              /* per account (default 20) */
	unsigned poll_ms, ping_ms;        /* 0 = STREAM_POLL_MS, STREAM_PING_MS */
};

/* ------------------------------------------------------------------- hub */

/* Open the hub's own connection to db_url, read the current head and start
 * its thread. pool lends connections to clients reading a backlog.
 * NULL with e set on failure. */
struct stream_hub *stream_hub_new(const char *db_url, struct db_pool *pool,
                                  const struct stream_opts *o, struct err *e);
/* Stop the thread and free. Every client must have been closed first (stop
 * the HTTP server before). NULL is fine. */
void stream_hub_free(struct stream_hub *h);

/* New event_log rows up to last_log_id were committed (on this instance or,
 * through a cluster notification, on another). Cheap; any thread. NULL hub
 * is fine. */
void stream_kick(struct stream_hub *h, int64_t last_log_id);
/* A cluster_handler for STREAM_CHANNEL (ctx = the hub): kicks it with the
 * id in the payload. */
void stream_on_notify(void *ctx, const char *channel, const char *payload);

/* End the streams of wall display `display_id` (revoked, or paired anew):
 * all of them (keep_tag NULL or ""), or those of other pairings than
 * keep_tag. Each gets a last frame `event: revoked` and then ends. Returns
 * how many. Any thread. NULL hub is fine. */
int stream_end_display(struct stream_hub *h, int64_t display_id, const char *keep_tag);
/* End the streams of account `account_id`: its sessions, tokens, password,
 * grants or the account itself changed. Each gets `event: revoked` (reason
 * session_ended) and ends; a client whose credentials still hold reconnects
 * and is authorised anew, with its scope as it is now. Returns how many. */
int stream_end_account(struct stream_hub *h, int64_t account_id);

/* Prometheus lines (open streams, frames, drops) appended to b. */
int stream_hub_metrics(struct stream_hub *h, struct buf *b);

/* --------------------------------------------------------------- clients */

/* Who a stream belongs to: an account, or a wall display (account_id 0)
 * and which pairing of it (tag: 16 hex digits, see app/displays.h). */
struct stream_owner {
	int64_t account_id;
	int64_t display_id;
	char display_tag[17];
};

/* Register a client seeing `scope`. last_event_id < 0: start at the head
 * (a hello frame); else resume after it. Fails with 503 stream.busy when
 * the instance is full, 429 stream.too_many when the owner (account or
 * display) has max_per_account streams open, 503 db.* when the head
 * cannot be read. The client is released with stream_client_close(). */
int stream_client_open(struct stream_hub *h, const struct stream_scope *scope,
                       const struct stream_owner *owner, int64_t last_event_id,
                       struct stream_client **out, struct err *e);
/* How the hub tells the connection that frames are ready. Set once, right
 * after open. wake runs on hub or server threads, never after close. */
void stream_client_set_wake(struct stream_client *c, void (*wake)(void *), void *wake_ctx);
/* Copy queued frames into buf: > 0 bytes, 0 nothing now (wait for wake),
 * -1 the stream is over (dropped as too slow, or the backlog cannot be read). */
ssize_t stream_client_read(struct stream_client *c, char *buf, size_t max);
/* The connection is gone: unregister and free. */
void stream_client_close(struct stream_client *c);

/* ------------------------------------------------------ frames (for tests) */

/* Append one SSE frame to b: "id: <id>\n" (when id > 0), "event: <event>\n"
 * (when event), "data: <data>\n" (data is one line, compact JSON), "\n".
 * -1 when data holds a line break or b is full. */
int stream_frame_encode(struct buf *b, int64_t id, const char *event, const char *data);
/* The JSON of a row for a view: STREAM_VIEW_FULL (staff), _PUBLIC (resident:
 * no names, notes, departments, places) or _DISPLAY (a wall display: no
 * names, notes or departments; the grid and the event's place). Caller
 * json_decref()s. */
json_t *stream_row_json(const struct event_stream_rec *r, enum stream_view view);

#endif
