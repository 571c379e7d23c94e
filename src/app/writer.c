/*
 * writer.c - group commit of event writes (see writer.h).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/writer.h"
#include "app/app.h"
#include "app/cluster.h"
#include "app/kpi.h"
#include "app/stream.h"
#include "lib/log.h"
#include "store/db.h"
#include "lib/banned.h"

struct job {
	writer_fn fn;
	void *arg;
	struct err *e;
	int rc;
	int done;
	pthread_cond_t cv;           /* its waiter sleeps here: one wake-up per job */
	struct job *next;
};

struct writer {
	struct app *app;
	struct db *db;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t work;         /* jobs queued, or stop */
	struct job *head, *tail;
	int stop;
	struct kpi_batch kpi, job_kpi;   /* the batch's KPI deltas; the running job's */
	uint64_t batches, jobs;
};

/* Run one batch of jobs in one transaction. */
static void run_batch(struct writer *w, struct job *batch)
{
	struct err e = ERR_INIT;
	int64_t last_log = 0;
	int ok = 0, n = 0;
	char sp[32];

	if (db_begin(w->db, &e) < 0 || db_lock_xact(w->db, WRITER_LOCK_KEY, &e) < 0)
		goto fail_all;
	for (struct job *j = batch; j; j = j->next, n++) {
		int64_t log_id = 0;

		snprintf(sp, sizeof(sp), "SAVEPOINT j%d", n);
		if (db_exec(w->db, sp, &e) < 0)
			goto rollback;
		/* KPI deltas are collected, merged for the jobs that succeed and
		 * written once before the commit */
		kpi_batch_clear(&w->job_kpi);
		kpi_capture(&w->job_kpi);
		j->rc = j->fn(w->db, j->arg, &log_id, j->e);
		kpi_capture(NULL);
		if (j->rc == 0 && kpi_batch_merge(&w->kpi, &w->job_kpi, j->e) < 0)
			j->rc = -1;
		if (j->rc < 0) {
			if (!err_isset(j->e))
				err_set(j->e, 500, "writer.job", "写入失败", "the write failed");
			snprintf(sp, sizeof(sp), "ROLLBACK TO SAVEPOINT j%d", n);
			if (db_exec(w->db, sp, &e) < 0)
				goto rollback;
		} else {
			ok++;
			if (log_id > last_log)
				last_log = log_id;
		}
		snprintf(sp, sizeof(sp), "RELEASE SAVEPOINT j%d", n);
		if (db_exec(w->db, sp, &e) < 0)
			goto rollback;
	}
	if (kpi_batch_flush(&w->kpi, w->db, &e) < 0)
		goto rollback;
	if (last_log && w->app->cluster) {
		char payload[32];

		snprintf(payload, sizeof(payload), "%lld", (long long)last_log);
		if (strcmp(db_driver_name(w->db), "postgresql") == 0 &&
		    cluster_publish(w->app->cluster, w->db, WRITER_CHANNEL, payload, &e) < 0)
			goto rollback;
	}
	if (db_commit(w->db, &e) < 0)
		goto rollback;
	if (last_log)
		stream_kick(w->app->stream, last_log);
	(void)ok;
	return;

rollback:
	db_rollback(w->db);
fail_all:
	kpi_batch_clear(&w->kpi);
	log_error("writer: batch of %d failed: %s", n, e.msg_en);
	for (struct job *j = batch; j; j = j->next) {
		j->rc = -1;
		err_clear(j->e);
		*j->e = e;
	}
}

static void *writer_loop(void *arg)
{
	pthread_setname_np(pthread_self(), "wg-writer");
	struct writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct job *batch, *last;
		int n = 1;

		while (!w->head && !w->stop)
			pthread_cond_wait(&w->work, &w->mu);
		if (!w->head && w->stop)
			break;
		/* take up to WRITER_BATCH_MAX jobs off the queue */
		batch = last = w->head;
		while (last->next && n < WRITER_BATCH_MAX)
			last = last->next, n++;
		w->head = last->next;
		if (!w->head)
			w->tail = NULL;
		last->next = NULL;
		pthread_mutex_unlock(&w->mu);

		run_batch(w, batch);

		pthread_mutex_lock(&w->mu);
		w->batches++;
		w->jobs += (uint64_t)n;
		for (struct job *j = batch, *next; j; j = next) {
			next = j->next;      /* j lives on its waiter's stack: read next first */
			j->done = 1;
			pthread_cond_signal(&j->cv);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

int writer_start(struct app *a, struct writer **out, struct err *e)
{
	struct writer *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return err_set(e, 500, "app.oom", "内存不足", "out of memory");
	w->app = a;
	if (db_open(a->db_url, &w->db, e) < 0) {
		free(w);
		return -1;
	}
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	if (pthread_create(&w->thread, NULL, writer_loop, w) != 0) {
		db_close(w->db);
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->work);
		free(w);
		return err_set(e, 500, "app.thread", "无法启动线程", "cannot start the writer thread");
	}
	*out = w;
	return 0;
}

int writer_run(struct writer *w, writer_fn fn, void *arg, struct err *e)
{
	struct job j = {fn, arg, e, 0, 0, PTHREAD_COND_INITIALIZER, NULL};

	pthread_mutex_lock(&w->mu);
	if (w->stop) {
		pthread_mutex_unlock(&w->mu);
		return err_set(e, 503, "server.stopping", "服务正在停止", "the server is stopping");
	}
	if (w->tail)
		w->tail->next = &j;
	else
		w->head = &j;
	w->tail = &j;
	pthread_cond_signal(&w->work);
	while (!j.done)
		pthread_cond_wait(&j.cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	pthread_cond_destroy(&j.cv);
	return j.rc;
}

void writer_stop(struct writer *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	db_close(w->db);
	kpi_batch_release(&w->kpi);
	kpi_batch_release(&w->job_kpi);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->work);
	free(w);
}

void writer_stats(struct writer *w, uint64_t *batches, uint64_t *jobs)
{
	*batches = *jobs = 0;
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	*batches = w->batches;
	*jobs = w->jobs;
	pthread_mutex_unlock(&w->mu);
}
