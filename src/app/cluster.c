/*
 * cluster.c - notifications between instances and the leader lock (see cluster.h).
 */
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "app/cluster.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "store/db.h"
#include "lib/banned.h"

#define CLUSTER_MAX_SUBS 16
#define CLUSTER_MAX_JOBS 16

struct sub {
	char channel[64];
	cluster_handler fn;
	void *ctx;
};

struct job {
	char name[48];
	unsigned interval_ms;
	cluster_job fn;
	void *ctx;
	uint64_t next_us;
};

struct cluster {
	char url[1024];
	char instance[128];
	int is_pg;
	struct sub subs[CLUSTER_MAX_SUBS];
	int nsubs;
	struct job jobs[CLUSTER_MAX_JOBS];
	int njobs;
	_Atomic int stop;
	_Atomic int leader;
	pthread_t listener, leader_thread;
	int has_listener, has_leader;
};

struct cluster *cluster_new(const char *db_url)
{
	struct cluster *c = calloc(1, sizeof(*c));
	char host[64] = "localhost";

	if (!c)
		return NULL;
	str_copy(c->url, sizeof(c->url), db_url);
	c->is_pg = str_starts_with(db_url, "postgres");
	gethostname(host, sizeof(host) - 1);
	snprintf(c->instance, sizeof(c->instance), "%s:%d:%08x", host, (int)getpid(), randombytes_random());
	return c;
}

int cluster_subscribe(struct cluster *c, const char *channel, cluster_handler fn, void *ctx)
{
	if (c->nsubs >= CLUSTER_MAX_SUBS)
		return -1;
	str_copy(c->subs[c->nsubs].channel, sizeof(c->subs[0].channel), channel);
	c->subs[c->nsubs].fn = fn;
	c->subs[c->nsubs].ctx = ctx;
	c->nsubs++;
	return 0;
}

int cluster_add_job(struct cluster *c, const char *name, unsigned interval_ms, cluster_job fn, void *ctx)
{
	if (c->njobs >= CLUSTER_MAX_JOBS || interval_ms == 0)
		return -1;
	str_copy(c->jobs[c->njobs].name, sizeof(c->jobs[0].name), name);
	c->jobs[c->njobs].interval_ms = interval_ms;
	c->jobs[c->njobs].fn = fn;
	c->jobs[c->njobs].ctx = ctx;
	c->njobs++;
	return 0;
}

static void deliver(struct cluster *c, const char *channel, const char *payload)
{
	for (int i = 0; i < c->nsubs; i++)
		if (!strcmp(c->subs[i].channel, channel))
			c->subs[i].fn(c->subs[i].ctx, channel, payload);
}

int cluster_publish(struct cluster *c, struct db *db, const char *channel, const char *payload,
                    struct err *e)
{
	if (!c->is_pg) {
		deliver(c, channel, payload);
		return 0;
	}
	return db_notify(db, channel, payload, e);
}

int cluster_is_leader(struct cluster *c)
{
	return c && atomic_load(&c->leader);
}

const char *cluster_instance(struct cluster *c)
{
	return c ? c->instance : "";
}

/* Sleep up to ms, waking early when asked to stop. */
static void nap(struct cluster *c, unsigned ms)
{
	while (ms > 0 && !atomic_load(&c->stop)) {
		unsigned step = ms > 100 ? 100 : ms;
		usleep(step * 1000u);
		ms -= step;
	}
}

/* ------------------------------------------------------------ listener */

static void *listen_loop(void *p)
{
	pthread_setname_np(pthread_self(), "wg-listen");
	struct cluster *c = p;
	struct db *db = NULL;
	char channel[64], payload[8000];

	while (!atomic_load(&c->stop)) {
		struct err e = ERR_INIT;
		int r;

		if (!db) {
			if (db_open(c->url, &db, &e) < 0) {
				nap(c, 1000);
				continue;
			}
			for (int i = 0; i < c->nsubs && db; i++)
				if (db_listen(db, c->subs[i].channel, &e) < 0) {
					db_close(db);
					db = NULL;
				}
			if (!db) {
				nap(c, 1000);
				continue;
			}
		}
		r = db_wait_notification(db, 200, channel, sizeof(channel), payload, sizeof(payload), &e);
		if (r == 1)
			deliver(c, channel, payload);
		else if (r < 0) {
			log_warn("cluster: notification connection lost (%s); reconnecting", e.msg_en);
			db_close(db);
			db = NULL;
			nap(c, 500);
		}
	}
	db_close(db);
	return NULL;
}

/* -------------------------------------------------------------- leader */

static void *leader_loop(void *p)
{
	pthread_setname_np(pthread_self(), "wg-leader");
	struct cluster *c = p;
	struct db *db = NULL;

	while (!atomic_load(&c->stop)) {
		struct err e = ERR_INIT;
		int got = 0;

		if (!db && db_open(c->url, &db, &e) < 0) {
			db = NULL;
			nap(c, 1000);
			continue;
		}
		if (!atomic_load(&c->leader)) {
			if (db_try_lock(db, CLUSTER_LEADER_KEY, &got, &e) < 0) {
				db_close(db);
				db = NULL;
			} else if (got) {
				atomic_store(&c->leader, 1);
				log_info("cluster: instance %s is now the leader", c->instance);
				for (int i = 0; i < c->njobs; i++)
					c->jobs[i].next_us = 0;
			}
		} else if (db_exec(db, "SELECT 1", &e) < 0) {
			/* our session is gone, and with it the lock */
			atomic_store(&c->leader, 0);
			log_warn("cluster: lost the leader session (%s)", e.msg_en);
			db_close(db);
			db = NULL;
		}
		if (atomic_load(&c->leader)) {
			uint64_t now = time_mono_us();
			for (int i = 0; i < c->njobs && !atomic_load(&c->stop); i++) {
				struct job *j = &c->jobs[i];
				if (now >= j->next_us) {
					j->fn(j->ctx, db);
					j->next_us = now + (uint64_t)j->interval_ms * 1000u;
				}
			}
		}
		nap(c, 500);
	}
	if (db) {
		struct err e = ERR_INIT;
		if (atomic_load(&c->leader))
			db_unlock(db, CLUSTER_LEADER_KEY, &e);
		db_close(db);
	}
	atomic_store(&c->leader, 0);
	return NULL;
}

int cluster_start(struct cluster *c, struct err *e)
{
	if (c->is_pg && c->nsubs > 0) {
		if (pthread_create(&c->listener, NULL, listen_loop, c) != 0)
			return err_set(e, 500, "cluster.thread", "无法启动线程", "cannot start listener thread");
		c->has_listener = 1;
	}
	if (pthread_create(&c->leader_thread, NULL, leader_loop, c) != 0)
		return err_set(e, 500, "cluster.thread", "无法启动线程", "cannot start leader thread");
	c->has_leader = 1;
	return 0;
}

void cluster_free(struct cluster *c)
{
	if (!c)
		return;
	atomic_store(&c->stop, 1);
	if (c->has_listener)
		pthread_join(c->listener, NULL);
	if (c->has_leader)
		pthread_join(c->leader_thread, NULL);
	free(c);
}
