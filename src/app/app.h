/*
 * app.h - the application context shared by every request handler and CLI
 * command that serves: the database pool, the org snapshot and its reloader.
 */
#ifndef WG_APP_H
#define WG_APP_H

#include <pthread.h>
#include "app/orgmodel.h"
#include "app/stream.h"
#include "store/db.h"

struct http_server;
struct cluster;
struct stream_hub;
struct writer;
struct screen_cache;

struct app {
	char db_url[1024];
	struct db_pool *pool;
	struct org_holder org;
	struct http_server *server;      /* for /metrics; NULL outside serve */
	pthread_t reloader;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop, has_reloader;
	unsigned reload_ms;              /* org version poll interval */
	int reload_now;                  /* a notification asked for a reload */
	struct cluster *cluster;         /* other instances, leader jobs */
	int cookie_secure;               /* session cookie carries Secure (behind HTTPS) */
	unsigned clock_ms;               /* event clock job interval, default 15 s */
	unsigned kpi_flush_ms;           /* SQLite: deferred KPI deltas (app/kpi.h); 0 = in each batch */
	struct writer *writer;           /* group commit of event writes (app/writer.h) */
	struct stream_hub *stream;       /* live stream fan-out (app/stream.h); NULL outside serve */
	char photo_dir[1024];            /* event photos, content-addressed (app/photos.h) */
	struct stream_opts stream_opts;  /* [stream] limits and intervals (0 = defaults) */
	struct screen_cache *screen;     /* big-screen summaries (app/screen.h) */
};

/* Open the database (migrating it), build the first org snapshot.
 * pool_size connections. 0, or -1 with e set. */
int app_open(struct app *a, const char *db_url, int pool_size, struct err *e);
/* Stop the reloader, release the snapshot, close the pool. */
void app_close(struct app *a);
/* Rebuild the snapshot when the org version in the database moved.
 * Returns 1 when reloaded, 0 when unchanged, -1 on error. */
int app_reload_if_changed(struct app *a, struct err *e);
/* Start the background work: the org reloader (polls the org version every
 * a->reload_ms, default 2 s, and reloads at once when another process
 * notifies a change), the notification listener, the leader's jobs and the
 * live stream hub (a->stream, woken by STREAM_CHANNEL notifications). */
int app_start_background(struct app *a, struct err *e);
/* A wall display was revoked (keep_tag NULL) or paired anew (keep_tag: the
 * new pairing's tag): end its other live streams on every instance
 * (DISPLAY_CHANNEL; call after the change committed). */
void app_end_display_streams(struct app *a, struct db *db, int64_t id, const char *keep_tag);
/* Account `id` logged out, lost a session or token, changed password, was
 * disabled or had its grants changed: end its live streams on every
 * instance (ACCOUNT_STREAMS_CHANNEL; call after the change committed). */
void app_end_account_streams(struct app *a, int64_t id);
/* The same from a command-line tool's bare connection: a notification to the
 * servers (PostgreSQL NOTIFY; nothing on SQLite). */
int app_notify_account_streams(struct db *db, int64_t id, struct err *e);

#endif
