/*
 * app.c - application context: pool, org snapshot, reloader (see app.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "app/app.h"
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
	if (db_migrate(db, e) < 0 || !(m = orgmodel_load(db, e))) {
		db_pool_put(a->pool, db);
		return -1;
	}
	db_pool_put(a->pool, db);
	org_holder_set(&a->org, m);
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
		if (pthread_cond_timedwait(&a->cv, &a->mu, &ts) != ETIMEDOUT || a->stop)
			continue;
		pthread_mutex_unlock(&a->mu);
		if (app_reload_if_changed(a, &e) < 0)
			log_warn("org reload failed: %s", e.msg_en);
		pthread_mutex_lock(&a->mu);
	}
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

int app_start_reloader(struct app *a)
{
	if (pthread_create(&a->reloader, NULL, reload_loop, a) != 0)
		return -1;
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
	org_holder_release(&a->org);
	db_pool_close(a->pool);
	a->pool = NULL;
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
}
