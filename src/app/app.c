/*
 * app.c - application context: pool, org snapshot, reloader (see app.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "app/app.h"
#include "app/cluster.h"
#include "app/displays.h"
#include "app/events.h"
#include "app/writer.h"
#include "app/stream.h"
#include "app/screen.h"
#include "lib/timeutil.h"
#include "store/store_meta.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/banned.h"

int app_open(struct app *a, const char *db_url, int pool_size, struct err *e)
{
	struct db *db;
	struct org_model *m;

	memset(a, 0, sizeof(*a));
	str_copy(a->db_url, sizeof(a->db_url), db_url);
	org_holder_init(&a->org);
	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	if (db_pool_open(db_url, pool_size, &a->pool, e) < 0)
		return -1;
	db = db_pool_get(a->pool);
	if (db_migrate(db, e) < 0 || events_ensure_taxonomy(db, e) < 0 || !(m = orgmodel_load(db, e))) {
		db_pool_put(a->pool, db);
		return -1;
	}
	db_pool_put(a->pool, db);
	org_holder_set(&a->org, m);
	if (!(a->screen = screen_cache_new()))
		return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
	return 0;
}

int app_reload_if_changed(struct app *a, struct err *e)
{
	struct db *db = db_pool_get(a->pool);
	struct org_model *cur = org_holder_get(&a->org), *m = NULL;
	int64_t v;
	int ret = -1;

	if (store_org_version(db, &v, e) < 0)
		goto out;
	ret = 0;
	if (cur && cur->version == v)
		goto out;
	if (!(m = orgmodel_load(db, e))) {
		ret = -1;
		goto out;
	}
	org_holder_set(&a->org, m);
	ret = 1;
out:
	db_pool_put(a->pool, db);
	orgmodel_release(cur);
	return ret;
}

static void *reload_loop(void *p)
{
	pthread_setname_np(pthread_self(), "wg-reload");
	struct app *a = p;
	unsigned ms = a->reload_ms ? a->reload_ms : 2000;

	pthread_mutex_lock(&a->mu);
	while (!a->stop) {
		struct timespec ts;
		struct err e = ERR_INIT;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += ms / 1000;
		ts.tv_nsec += (long)(ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (!a->reload_now && pthread_cond_timedwait(&a->cv, &a->mu, &ts) != ETIMEDOUT &&
		    !a->reload_now)
			continue;
		if (a->stop)
			break;
		a->reload_now = 0;
		pthread_mutex_unlock(&a->mu);
		if (app_reload_if_changed(a, &e) < 0)
			log_warn("org reload failed: %s", e.msg_en);
		pthread_mutex_lock(&a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* A notification on STORE_ORG_CHANNEL: wake the reloader. */
static void on_org_changed(void *ctx, const char *channel, const char *payload)
{
	struct app *a = ctx;
	pthread_mutex_lock(&a->mu);
	a->reload_now = 1;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

/* Leader job: record which instance leads and when, so operators (and the
 * tests) can see that exactly one instance runs the periodic jobs. */
static void leader_heartbeat(void *ctx, struct db *db)
{
	struct app *a = ctx;
	struct err e = ERR_INIT;
	char v[256], ts[TIME_ISO_MAX];

	snprintf(v, sizeof(v), "%s %s", cluster_instance(a->cluster), time_iso_now(ts));
	if (store_meta_set(db, "leader_heartbeat", v, &e) < 0)
		log_warn("leader heartbeat: %s", e.msg_en);
}

/* Leader job: move the events' warning states and raise automatic
 * supervision (督办) as their clocks pass the marks. */
static void event_clocks(void *ctx, struct db *db)
{
	struct app *a = ctx;
	struct err e = ERR_INIT;
	int changed;

	if (events_check_clocks(a, db, (int64_t)time(NULL), &changed, &e) < 0)
		log_warn("event clocks: %s", e.msg_en);
	else if (changed)
		log_info("event clocks: %d events changed warning or supervision", changed);
}

/* DISPLAY_CHANNEL: a wall display was revoked or paired anew on some
 * instance; end its live streams here. */
static void on_display_ended(void *ctx, const char *channel, const char *payload)
{
	struct app *a = ctx;
	int64_t id;
	char tag[17];

	(void)channel;
	if (displays_parse_end_payload(payload, &id, tag) < 0) {
		log_warn("displays: unreadable notification '%.40s'", payload ? payload : "");
		return;
	}
	stream_end_display(a->stream, id, tag);
}

void app_end_display_streams(struct app *a, struct db *db, int64_t id, const char *keep_tag)
{
	char payload[64];
	struct err e = ERR_INIT;

	displays_end_payload(id, keep_tag, payload);
	if (!a->cluster) {
		/* a command-line tool, no listener of its own: tell the servers
		 * (PostgreSQL NOTIFY; nothing on SQLite, whose server refuses the
		 * display at its next request) */
		if (db_notify(db, DISPLAY_CHANNEL, payload, &e) < 0)
			log_warn("displays: cannot notify the end of display %lld: %s", (long long)id, e.msg_en);
		stream_end_display(a->stream, id, keep_tag);
		return;
	}
	if (cluster_publish(a->cluster, db, DISPLAY_CHANNEL, payload, &e) < 0) {
		/* the other instances' streams end at their next look at the token */
		log_warn("displays: cannot notify the end of display %lld: %s", (long long)id, e.msg_en);
		stream_end_display(a->stream, id, keep_tag);
	}
}

#define ACCOUNT_STREAMS_CHANNEL "wg_account_streams"   /* payload: the account id */

/* ACCOUNT_STREAMS_CHANNEL: an account's credentials or grants changed on
 * some instance; end its live streams here. */
static void on_account_changed(void *ctx, const char *channel, const char *payload)
{
	struct app *a = ctx;
	int64_t id;

	(void)channel;
	if (!payload || parse_int64(payload, 1, INT64_MAX, &id) < 0) {
		log_warn("streams: unreadable account notification '%.40s'", payload ? payload : "");
		return;
	}
	stream_end_account(a->stream, id);
}

int app_notify_account_streams(struct db *db, int64_t id, struct err *e)
{
	char payload[24];

	snprintf(payload, sizeof(payload), "%lld", (long long)id);
	return db_notify(db, ACCOUNT_STREAMS_CHANNEL, payload, e);
}

void app_end_account_streams(struct app *a, int64_t id)
{
	char payload[24];
	struct err e = ERR_INIT;
	struct db *db;
	int rc;

	if (id <= 0)
		return;
	snprintf(payload, sizeof(payload), "%lld", (long long)id);
	db = db_pool_get(a->pool);
	/* without a listener of its own (a command-line tool) straight to the
	 * servers: PostgreSQL NOTIFY, nothing on SQLite (its server asks for the
	 * session again at the stream's next reconnect) */
	rc = a->cluster ? cluster_publish(a->cluster, db, ACCOUNT_STREAMS_CHANNEL, payload, &e)
	                : app_notify_account_streams(db, id, &e);
	db_pool_put(a->pool, db);
	if (!a->cluster) {
		if (rc < 0)
			log_warn("streams: cannot notify the end of account %lld's streams: %s", (long long)id, e.msg_en);
		stream_end_account(a->stream, id);
		return;
	}
	if (rc < 0) {
		log_warn("streams: cannot notify the end of account %lld's streams: %s", (long long)id, e.msg_en);
		stream_end_account(a->stream, id);
	}
}

int app_start_background(struct app *a, struct err *e)
{
	if (!(a->cluster = cluster_new(a->db_url)))
		return err_set(e, 500, "app.oom", "内存不足", "out of memory");
	cluster_subscribe(a->cluster, STORE_ORG_CHANNEL, on_org_changed, a);
	/* the live stream: event commits on any instance wake its hub */
	if (!(a->stream = stream_hub_new(a->db_url, a->pool, &a->stream_opts, e)))
		return -1;
	cluster_subscribe(a->cluster, STREAM_CHANNEL, stream_on_notify, a->stream);
	/* a wall display revoked or paired anew on any instance: its streams end */
	cluster_subscribe(a->cluster, DISPLAY_CHANNEL, on_display_ended, a);
	cluster_subscribe(a->cluster, ACCOUNT_STREAMS_CHANNEL, on_account_changed, a);
	cluster_add_job(a->cluster, "leader_heartbeat", 2000, leader_heartbeat, a);
	cluster_add_job(a->cluster, "event_clocks", a->clock_ms ? a->clock_ms : 15000, event_clocks, a);
	if (writer_start(a, &a->writer, e) < 0)
		return -1;
	events_install_force_load(a);
	if (cluster_start(a->cluster, e) < 0)
		return -1;
	if (pthread_create(&a->reloader, NULL, reload_loop, a) != 0)
		return err_set(e, 500, "app.thread", "无法启动线程", "cannot start reloader thread");
	a->has_reloader = 1;
	return 0;
}

void app_close(struct app *a)
{
	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	if (a->has_reloader)
		pthread_join(a->reloader, NULL);
	cluster_free(a->cluster);         /* first: its listener kicks the hub */
	a->cluster = NULL;
	writer_stop(a->writer);
	a->writer = NULL;
	stream_hub_free(a->stream);      /* after the HTTP server: no stream is open */
	a->stream = NULL;
	screen_cache_free(a->screen);
	a->screen = NULL;
	org_holder_release(&a->org);
	db_pool_close(a->pool);
	a->pool = NULL;
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
}
