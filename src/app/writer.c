/*
 * writer.c - group commit of event writes (see writer.h).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "app/writer.h"
#include "app/app.h"
#include "app/cluster.h"
#include "app/kpi.h"
#include "app/stream.h"
#include "lib/log.h"
#include "lib/str.h"
#include "store/db.h"
#include "store/store_kpi.h"
#include "lib/banned.h"

struct job {
	writer_fn fn;                /* NULL: nothing to run (writer_kpi_sync) */
	void *arg;
	struct err *e;
	int rc;
	int done;
	int flush;                   /* write the deferred KPI deltas after this batch */
	pthread_cond_t cv;           /* its waiter sleeps here: one wake-up per job */
	struct job *next;
	/* writer_submit: nobody waits; the writer calls done(ctx, rc) and
	 * frees the job */
	writer_done_fn done_fn;
	void *done_ctx;
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
	_Atomic uint64_t reruns;     /* batches run again with savepoints */

	/* Deferred counters (SQLite; app/kpi.h): the deltas of committed
	 * batches, written every flush_ms. Only the writer thread touches
	 * these. */
	int defer;
	int64_t flush_ms;            /* [events] kpi_flush_ms */
	struct kpi_batch pending;
	/* the deltas being written, KPI_TRICKLE_ROWS a batch, sorted by key:
	 * rows [tpos, tn) of trickle are still to go */
	struct store_kpi_row *trickle;
	size_t tn, tpos, tchunk;     /* tchunk: rows the open batch wrote */
	int64_t pending_since;       /* ms (monotonic) when pending got its first delta */
	char days[KPI_DAYS_KNOWN][11];   /* days marked in kpi_dirty since the last flush */
	size_t ndays;
	char epoch[KPI_EPOCH_MAX];   /* kpi_epoch when the marks began */
	int repair;                  /* pending is unusable: repair the marked days */
	int64_t retry_at;            /* ms (monotonic): after a failed flush, not before */
	int flush_req;
	_Atomic uint64_t kpi_flushes, kpi_repairs;
};

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the jobs of a batch inside the open transaction. With savepoints, a
 * failing job rolls back alone; without (the optimistic pass), the first
 * failure stops the pass: 1 is returned and the caller rolls the whole
 * transaction back. -1: the database failed (e). */
static int run_jobs(struct writer *w, struct job *batch, int savepoints, int64_t *last_log,
                    struct err *e)
{
	static const char *const SP[3] = {"SAVEPOINT j", "ROLLBACK TO SAVEPOINT j", "RELEASE SAVEPOINT j"};

	*last_log = 0;
	for (struct job *j = batch; j; j = j->next) {
		int64_t log_id = 0;

		if (savepoints && db_exec(w->db, SP[0], e) < 0)
			return -1;
		/* KPI deltas are collected and written once before the commit.
		 * The optimistic pass collects straight into the batch's (a
		 * failure ends the pass, and the caller clears them); with
		 * savepoints, each job's are merged only when it succeeds. */
		if (savepoints) {
			kpi_batch_clear(&w->job_kpi);
			kpi_capture(&w->job_kpi);
		} else {
			kpi_capture(&w->kpi);
		}
		err_clear(j->e);
		if (j->flush)
			w->flush_req = 1;
		j->rc = j->fn ? j->fn(w->db, j->arg, &log_id, j->e) : 0;
		kpi_capture(NULL);
		if (j->rc == 0 && savepoints && kpi_batch_merge(&w->kpi, &w->job_kpi, j->e) < 0)
			j->rc = -1;
		if (j->rc < 0) {
			if (!err_isset(j->e))
				err_set(j->e, 500, "writer.job", "写入失败", "the write failed");
			if (!savepoints)
				return 1;
			if (db_exec(w->db, SP[1], e) < 0)
				return -1;
		} else if (log_id > *last_log) {
			*last_log = log_id;
		}
		if (savepoints && db_exec(w->db, SP[2], e) < 0)
			return -1;
	}
	return 0;
}

/* ------------------------------------------------------ deferred KPI */

/* Remember the days a committed batch marked, and keep its deltas. */
static void defer_committed(struct writer *w)
{
	struct err e = ERR_INIT;

	for (size_t i = 0; i < w->kpi.n && w->ndays < KPI_DAYS_KNOWN; i++) {
		const char *day = w->kpi.rows[i].period;
		size_t k = 0;

		if (w->kpi.rows[i].grain != 'd')
			continue;
		while (k < w->ndays && strcmp(w->days[k], day) != 0)
			k++;
		if (k == w->ndays)
			str_copy(w->days[w->ndays++], sizeof(w->days[0]), day);
	}
	if (w->kpi.n && !w->pending.n)
		w->pending_since = mono_ms();
	/* the batch is durable and its days are marked: if its deltas cannot
	 * be kept, the marked days are recomputed at the next flush */
	if (!w->repair && kpi_batch_merge(&w->pending, &w->kpi, &e) < 0) {
		log_error("writer: kpi deltas not kept (%s): repairing the days", e.msg_en);
		w->repair = 1;
	}
	kpi_batch_clear(&w->kpi);
	if (w->ndays >= KPI_DAYS_KNOWN || w->pending.n >= KPI_PENDING_MAX)
		w->flush_req = 1;
}

/* ------------------------------------------------------ the trickle
 * Writing a second's deltas at once stalled the writer 20–60 ms under
 * load (thousands of upserts) while a batch's requests waited: they are
 * written instead a chunk per batch, inside the batch's transaction, in
 * key order; a batch holds the next second's deltas meanwhile. Only a
 * KPI query, a stop, a repair or the limits above write everything at
 * once (defer_flush). The marks stay until everything is written. */

static void trickle_drop(struct writer *w)
{
	free(w->trickle);
	w->trickle = NULL;
	w->tn = w->tpos = w->tchunk = 0;
}

/* Start writing the held deltas when they are flush_ms old and the last
 * trickle is done. */
static void trickle_start(struct writer *w)
{
	struct err e = ERR_INIT;

	if (w->tpos < w->tn || !w->pending.n || w->repair ||
	    mono_ms() - w->pending_since < w->flush_ms)
		return;
	trickle_drop(w);
	if (kpi_batch_take(&w->pending, &w->trickle, &w->tn, &e) < 0)
		log_warn("writer: %s: the deltas wait for the next flush", e.msg_en);
}

/* Write up to max rows of the trickle in the open transaction (w->tchunk
 * = how many; they count as written once it commits). The epoch is read
 * first: after a rebuild nothing is written and the days are repaired. */
static int trickle_write(struct writer *w, size_t max, struct err *e)
{
	struct store_kpi_row *ptr[KPI_TRICKLE_ROWS];
	char epoch[KPI_EPOCH_MAX];
	size_t k = w->tn - w->tpos < max ? w->tn - w->tpos : max;

	w->tchunk = 0;
	if (!k)
		return 0;
	if (kpi_epoch(w->db, epoch, e) < 0)
		return -1;
	if (strcmp(epoch, w->epoch) != 0) {
		w->repair = 1;
		return 0;
	}
	for (size_t done = 0; done < k;) {
		size_t c = k - done < KPI_TRICKLE_ROWS ? k - done : KPI_TRICKLE_ROWS;

		for (size_t i = 0; i < c; i++)
			ptr[i] = &w->trickle[w->tpos + done + i];
		if (store_kpi_add(w->db, ptr, c, e) < 0)
			return -1;
		done += c;
	}
	w->tchunk = k;
	return 0;
}

/* A chunk of the trickle inside a batch's transaction, under a savepoint:
 * a failure there must not fail the batch's reports (the days are
 * repaired instead). */
static int trickle_in_batch(struct writer *w, struct err *e)
{
	struct err te = ERR_INIT;

	trickle_start(w);
	if (w->repair || w->tpos == w->tn)
		return 0;
	if (db_exec(w->db, "SAVEPOINT k", e) < 0)
		return -1;
	if (trickle_write(w, KPI_TRICKLE_ROWS, &te) < 0) {
		log_error("writer: kpi trickle failed: %s", te.msg_en);
		w->tchunk = 0;
		w->repair = 1;
		w->retry_at = mono_ms() + KPI_RETRY_MS;
		if (db_exec(w->db, "ROLLBACK TO SAVEPOINT k", e) < 0)
			return -1;
	}
	return db_exec(w->db, "RELEASE SAVEPOINT k", e);
}

/* Write the deferred deltas in a transaction of their own and clear the
 * marks; or, when the deltas cannot be trusted (a rebuild ran meanwhile, a
 * merge or an earlier flush failed), recompute the marked days from the
 * events. On failure everything stays as it was, to be tried again. */
static int defer_flush(struct writer *w, struct err *e_out)
{
	struct err e = ERR_INIT;
	char epoch[KPI_EPOCH_MAX];
	int repair = w->repair, ndays = 0;

	w->flush_req = 0;
	if (!w->pending.n && !repair && !w->ndays && w->tpos == w->tn)
		return 0;
	if (db_begin(w->db, &e) < 0)
		goto fail;
	if (kpi_epoch(w->db, epoch, &e) < 0)
		goto rollback;
	if (strcmp(epoch, w->epoch) != 0)
		repair = 1;
	if (repair) {
		if (kpi_repair_dirty(w->db, &ndays, &e) < 0)
			goto rollback;
	} else if (trickle_write(w, w->tn - w->tpos, &e) < 0 ||
	           kpi_batch_flush(&w->pending, w->db, &e) < 0 || store_kpi_dirty_clear(w->db, &e) < 0) {
		goto rollback;
	}
	if (db_commit(w->db, &e) < 0)
		goto rollback;
	if (repair) {
		log_info("kpi: %d day(s) recomputed from the events", ndays);
		atomic_fetch_add(&w->kpi_repairs, 1);
	}
	atomic_fetch_add(&w->kpi_flushes, 1);
	kpi_batch_clear(&w->pending);
	trickle_drop(w);
	w->ndays = 0;
	w->repair = 0;
	str_copy(w->epoch, sizeof(w->epoch), epoch);
	return 0;
rollback:
	db_rollback(w->db);
fail:
	/* kpi_batch_flush may have emptied pending before the failure: the
	 * marked days are recomputed instead, not before a second from now
	 * (a lasting failure must not cost every batch a recount) */
	w->repair = 1;
	w->retry_at = mono_ms() + KPI_RETRY_MS;
	log_error("writer: kpi flush failed: %s", e.msg_en);
	if (e_out)
		err_set(e_out, 503, "kpi.flush_failed", "指标暂时无法更新，请稍后重试",
		        "the KPI counters cannot be written just now: %s", e.msg_en);
	return -1;
}

/* When the idle writer has deferred work to do: a retry after a failure,
 * a KPI query's flush, the rest of a trickle, the held deltas once due, or
 * the marks to clear once everything is written. */
static int64_t idle_deadline(const struct writer *w)
{
	if (!w->defer)
		return INT64_MAX;
	if (w->repair)
		return w->retry_at;
	if (w->flush_req || w->tpos < w->tn)
		return 0;
	if (w->pending.n)
		return w->pending_since + w->flush_ms;
	return w->ndays ? 0 : INT64_MAX;
}

/* The writer has nothing queued: one chunk of the trickle in a transaction
 * of its own (a report arriving meanwhile waits for one chunk, not for the
 * whole second's deltas), or, once nothing is left to write, the full
 * flush that clears the marks. */
static int defer_idle_step(struct writer *w)
{
	struct err e = ERR_INIT;

	trickle_start(w);
	if (w->flush_req || w->repair || (w->tpos == w->tn && !w->pending.n))
		return defer_flush(w, NULL);
	if (w->tpos == w->tn)
		return 0;                    /* pending, not due yet */
	if (db_begin(w->db, &e) < 0)
		goto fail;
	if (trickle_write(w, KPI_TRICKLE_ROWS, &e) < 0 || db_commit(w->db, &e) < 0) {
		db_rollback(w->db);
		goto fail;
	}
	w->tpos += w->tchunk;
	w->tchunk = 0;
	return 0;
fail:
	w->tchunk = 0;
	w->repair = 1;
	w->retry_at = mono_ms() + KPI_RETRY_MS;
	log_error("writer: kpi trickle failed: %s", e.msg_en);
	return -1;
}

/*
 * Run one batch of jobs in one transaction. Jobs rarely fail, so the batch
 * first runs without a savepoint per job (two statements a job saved, two
 * round trips on PostgreSQL); when one fails, the transaction is rolled
 * back and the batch runs again with savepoints, so that only the failing
 * jobs are undone. A job may therefore run twice: it must start from its
 * argument and the database alone (writer.h). A batch of one job needs no
 * second pass: its failure is the batch's.
 */
static void run_batch(struct writer *w, struct job *batch)
{
	struct err e = ERR_INIT;
	int64_t last_log = 0;
	int n = 0, rc, savepoints = 0;

	for (struct job *j = batch; j; j = j->next)
		n++;
again:
	if (db_begin(w->db, &e) < 0)
		goto fail_all;
	if (db_lock_xact(w->db, WRITER_LOCK_KEY, &e) < 0)
		goto rollback;               /* the transaction is open: end it */
	rc = run_jobs(w, batch, savepoints, &last_log, &e);
	if (rc < 0)
		goto rollback;
	if (rc > 0) {                        /* a job failed in the optimistic pass */
		db_rollback(w->db);
		kpi_batch_clear(&w->kpi);
		if (n == 1)
			return;                      /* its error stands; nothing was written */
		savepoints = 1;
		atomic_fetch_add(&w->reruns, 1);
		goto again;
	}
	w->tchunk = 0;
	if (w->defer ? kpi_mark_dirty(w->db, &w->kpi, w->days, w->ndays, &e) < 0 ||
	               trickle_in_batch(w, &e) < 0
	             : kpi_batch_flush(&w->kpi, w->db, &e) < 0)
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
	if (w->defer) {
		w->tpos += w->tchunk;        /* durable now */
		w->tchunk = 0;
		defer_committed(w);
	}
	if (last_log)
		stream_kick(w->app->stream, last_log);
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
		struct job *batch, *last, *syncs = NULL, *asyncs = NULL;
		int n = 1, frc = 0;
		struct err fe = ERR_INIT;

		while (!w->head && !w->stop) {
			int64_t at = idle_deadline(w), left;
			struct timespec until;

			if (at == INT64_MAX) {
				pthread_cond_wait(&w->work, &w->mu);
				continue;
			}
			if ((left = at - mono_ms()) <= 0) {
				pthread_mutex_unlock(&w->mu);
				defer_idle_step(w);
				pthread_mutex_lock(&w->mu);
				continue;
			}
			/* w->work waits on CLOCK_MONOTONIC (writer_start) */
			clock_gettime(CLOCK_MONOTONIC, &until);
			until.tv_sec += left / 1000;
			until.tv_nsec += (left % 1000) * 1000000;
			if (until.tv_nsec >= 1000000000) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000;
			}
			pthread_cond_timedwait(&w->work, &w->mu, &until);
		}
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

		/* the batch's writers are answered first; KPI syncs wait for
		 * the flush below and get its outcome */
		pthread_mutex_lock(&w->mu);
		w->batches++;
		w->jobs += (uint64_t)n;
		for (struct job *j = batch, *next; j; j = next) {
			next = j->next;      /* j lives on its waiter's stack: read next first */
			if (j->flush) {
				j->next = syncs;
				syncs = j;
				continue;
			}
			if (j->done_fn) {    /* submitted: answered below, without the lock */
				j->next = asyncs;
				asyncs = j;
				continue;
			}
			j->done = 1;
			pthread_cond_signal(&j->cv);
		}
		pthread_mutex_unlock(&w->mu);
		for (struct job *j = asyncs, *next; j; j = next) {
			next = j->next;
			j->done_fn(j->done_ctx, j->rc);
			free(j);
		}
		if (w->defer && (w->flush_req || (w->repair && w->retry_at <= mono_ms())))
			frc = defer_flush(w, &fe);
		pthread_mutex_lock(&w->mu);
		for (struct job *j = syncs, *next; j; j = next) {
			next = j->next;
			if (frc < 0 && j->rc == 0) {
				j->rc = -1;
				*j->e = fe;
			}
			j->done = 1;
			pthread_cond_signal(&j->cv);
		}
	}
	pthread_mutex_unlock(&w->mu);
	if (w->defer)
		defer_flush(w, NULL);
	return NULL;
}

/* Recompute the days a deferring server left marked (a crash, or a
 * database copied from one) before the first batch. A failure does not stop
 * the server: the marks stay, and a deferring writer repairs them at its
 * first flush. */
static void writer_recover(struct writer *w)
{
	struct err e = ERR_INIT;
	int ndays = 0;

	if (db_begin(w->db, &e) < 0 ||
	    /* PostgreSQL: after the other instances' batches, before theirs */
	    db_lock_xact(w->db, WRITER_LOCK_KEY, &e) < 0 ||
	    kpi_epoch(w->db, w->epoch, &e) < 0 || kpi_repair_dirty(w->db, &ndays, &e) < 0 ||
	    db_commit(w->db, &e) < 0) {
		if (db_in_tx(w->db))
			db_rollback(w->db);
		log_error("kpi: the days left marked could not be recomputed: %s", e.msg_en);
		w->epoch[0] = '\0';
		w->repair = 1;
		w->retry_at = mono_ms() + KPI_RETRY_MS;
		return;
	}
	if (ndays)
		log_info("kpi: %d day(s) left by an unclean stop recomputed from the events", ndays);
}

int writer_start(struct app *a, struct writer **out, struct err *e)
{
	struct writer *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (!w)
		return err_set(e, 500, "app.oom", "内存不足", "out of memory");
	w->app = a;
	/* SQLite: checkpoints on a thread of their own, so that no batch's
	 * commit copies the WAL into the database while the requests wait
	 * (docs/performance.md, "Report intake") */
	if (db_open(a->db_url, &w->db, e) < 0 || db_set_background_checkpoint(w->db, 1, e) < 0) {
		db_close(w->db);
		free(w);
		return -1;
	}
	/* Deferred counters need one writer per database: PostgreSQL instances
	 * share theirs and write the counters in each batch; on SQLite the
	 * server that holds KPI_DEFER_LOCK_KEY defers, a second server on the
	 * same file (docs/deploy.md) does not, nor repairs the first one's
	 * marks. What a crash left unwritten is repaired before the first
	 * batch, whatever kpi_flush_ms says now. */
	if (strcmp(db_driver_name(w->db), "sqlite") == 0) {
		int got = 0;
		struct err le = ERR_INIT;

		if (db_try_lock(w->db, KPI_DEFER_LOCK_KEY, &got, &le) < 0)
			log_warn("kpi: %s: counters written in each batch", le.msg_en);
		w->defer = got && a->kpi_flush_ms > 0;
		if (got)
			writer_recover(w);
	} else {
		writer_recover(w);
		w->repair = 0;                  /* nothing deferred on PostgreSQL */
	}
	w->flush_ms = a->kpi_flush_ms;
	pthread_mutex_init(&w->mu, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&w->work, &ca);
		pthread_condattr_destroy(&ca);
	}
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

/* Queue j (w->mu held): 0, or -1 with 503 server.stopping in e once the
 * writer stops. */
static int enqueue_locked(struct writer *w, struct job *j, struct err *e)
{
	if (w->stop)
		return err_set(e, 503, "server.stopping", "服务正在停止", "the server is stopping");
	if (w->tail)
		w->tail->next = j;
	else
		w->head = j;
	w->tail = j;
	pthread_cond_signal(&w->work);
	return 0;
}

/* Queue j and wait until the writer ran it; j->rc, or 503 when stopping. */
static int enqueue_wait(struct writer *w, struct job *j)
{
	int rc;

	pthread_mutex_lock(&w->mu);
	if ((rc = enqueue_locked(w, j, j->e)) == 0) {
		while (!j->done)
			pthread_cond_wait(&j->cv, &w->mu);
		rc = j->rc;
	}
	pthread_mutex_unlock(&w->mu);
	pthread_cond_destroy(&j->cv);
	return rc;
}

int writer_exec(struct writer *w, struct db_pool *pool, writer_fn fn, void *arg, struct err *e)
{
	struct db *db;
	int64_t log_id = 0;
	int rc;

	if (w)
		return writer_run(w, fn, arg, e);
	db = db_pool_get(pool);
	rc = db_begin(db, e);
	if (rc == 0 && (rc = fn(db, arg, &log_id, e)) == 0)
		rc = db_commit(db, e);
	if (rc < 0 && db_in_tx(db))
		db_rollback(db);
	db_pool_put(pool, db);
	return rc;
}

int writer_run(struct writer *w, writer_fn fn, void *arg, struct err *e)
{
	struct job j = {fn, arg, e, 0, 0, 0, PTHREAD_COND_INITIALIZER, NULL, NULL, NULL};

	return enqueue_wait(w, &j);
}

int writer_submit(struct writer *w, writer_fn fn, void *arg, struct err *e,
                  writer_done_fn done, void *ctx)
{
	struct job *j = calloc(1, sizeof(*j));
	int rc;

	if (!j)
		return err_set(e, 500, "app.oom", "内存不足", "out of memory");
	j->fn = fn;
	j->arg = arg;
	j->e = e;
	j->done_fn = done;
	j->done_ctx = ctx;
	pthread_mutex_lock(&w->mu);
	rc = enqueue_locked(w, j, e);
	pthread_mutex_unlock(&w->mu);
	if (rc < 0)
		free(j);
	return rc;
}

int writer_kpi_sync(struct writer *w, struct err *e)
{
	struct job j = {NULL, NULL, e, 0, 0, 1, PTHREAD_COND_INITIALIZER, NULL, NULL, NULL};

	if (!w || !w->defer)
		return 0;
	return enqueue_wait(w, &j);
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
	kpi_batch_release(&w->pending);
	trickle_drop(w);
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->work);
	free(w);
}

void writer_checkpoint_stats(struct writer *w, struct db_checkpoint_stats *out)
{
	if (!w) {
		memset(out, 0, sizeof(*out));
		return;
	}
	db_checkpoint_stats(w->db, out);
}

void writer_stats(struct writer *w, uint64_t *batches, uint64_t *jobs, uint64_t *reruns)
{
	*batches = *jobs = *reruns = 0;
	if (!w)
		return;
	pthread_mutex_lock(&w->mu);
	*batches = w->batches;
	*jobs = w->jobs;
	pthread_mutex_unlock(&w->mu);
	*reruns = atomic_load(&w->reruns);
}

void writer_kpi_stats(struct writer *w, uint64_t *flushes, uint64_t *repairs)
{
	*flushes = w ? atomic_load(&w->kpi_flushes) : 0;
	*repairs = w ? atomic_load(&w->kpi_repairs) : 0;
}
