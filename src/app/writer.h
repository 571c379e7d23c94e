/*
 * writer.h - group commit: every grid-event write of this instance runs on
 * one writer thread, many requests to a transaction.
 *
 * A request thread hands the writer a job (a function and its argument)
 * and waits (writer_run), or hands it over and is called back once it is
 * done (writer_submit: a report's handler, whose connection sleeps
 * meanwhile, http_defer). The writer takes whatever jobs are queued (up to
 * WRITER_BATCH_MAX), opens one transaction, takes the event write lock
 * (so that, across instances sharing a PostgreSQL database, event_log ids
 * are handed out in commit order), runs the jobs and commits once: one
 * fsync for the whole batch (SQLite synchronous=FULL). Only then are the
 * jobs' callers woken, so an acknowledged write is a durable one. A failing
 * job rolls back alone and gets its error: the batch runs first without
 * savepoints and, when a job fails, is rolled back and run again with a
 * savepoint per job. So a job may run twice, and must start from its
 * argument and the database alone (reset whatever it writes into its
 * argument).
 *
 *   job returns 0   its changes commit with the batch
 *   job returns -1  its changes are rolled back; e says why
 *   commit fails    every job of the batch fails with the commit's error
 *
 * KPI deltas: on PostgreSQL written in the batch's transaction; on SQLite
 * held in memory for about a second, then written a chunk a batch (app/kpi.h, "Deferred
 * counters"), with the days they touch marked in the batch's transaction.
 *
 * After a commit that appended event_log rows, the writer tells the live
 * stream (stream_kick) and, on PostgreSQL, the other instances (cluster
 * channel WRITER_CHANNEL, published inside the transaction).
 */
#ifndef WG_WRITER_H
#define WG_WRITER_H

#include <stdint.h>
#include "lib/err.h"

struct app;
struct db;
struct db_checkpoint_stats;
struct writer;

#define WRITER_BATCH_MAX 256
/* Deferred KPI counters (SQLite; app/kpi.h): written every [events]
 * kpi_flush_ms (app->kpi_flush_ms, 0: in each batch), and sooner past these
 * many distinct rows or remembered days. */
#define KPI_TRICKLE_ROWS 256      /* held deltas written a batch (app/writer.c) */
#define KPI_RETRY_MS 1000         /* a failed flush is tried again after this */
#define KPI_DEFER_LOCK_KEY 72480006       /* db_try_lock: the SQLite server that defers */
#define KPI_PENDING_MAX 200000
#define KPI_DAYS_KNOWN 64
#define WRITER_LOCK_KEY 72480004          /* db_lock_xact key of event writes */
#define WRITER_CHANNEL "wg_events"

/* A job; *log_id: set it to the last event_log id it wrote (0 = none). */
typedef int (*writer_fn)(struct db *db, void *arg, int64_t *log_id, struct err *e);

/* Start the writer thread with a connection of its own (on SQLite with a
 * background checkpointer: db_set_background_checkpoint). */
int writer_start(struct app *a, struct writer **out, struct err *e);
/* Run fn(db, arg) in the next batch and wait until it committed (0) or
 * failed (-1, e filled). Safe from any thread. */
int writer_run(struct writer *w, writer_fn fn, void *arg, struct err *e);
/* writer_run with w, else fn(db, arg) in a transaction of its own on a
 * connection of pool (no writer: the command-line tools, tests). */
struct db_pool;
int writer_exec(struct writer *w, struct db_pool *pool, writer_fn fn, void *arg, struct err *e);
/* What writer_submit calls once its job committed (rc 0) or failed (rc
 * -1, its e filled): on the writer thread, which it must not hold up. */
typedef void (*writer_done_fn)(void *ctx, int rc);
/* Queue fn(db, arg) for the next batch and return at once: 0, and
 * done(ctx, rc) follows; or -1 (e filled: stopping, out of memory) and
 * done is never called. e and arg must live until done. */
int writer_submit(struct writer *w, writer_fn fn, void *arg, struct err *e,
                  writer_done_fn done, void *ctx);
/* Make every KPI delta committed so far visible in kpi_agg (on SQLite the
 * writer defers them, app/kpi.h): waits for the writer to write them. A
 * no-op on PostgreSQL and for NULL. */
int writer_kpi_sync(struct writer *w, struct err *e);
/* Drain the queue (writing the deferred counters), stop the thread, close
 * its connection. NULL is fine. */
void writer_stop(struct writer *w);

/* Batches, jobs, and batches run a second time with savepoints, so far
 * (for /metrics and the benchmark). */
void writer_stats(struct writer *w, uint64_t *batches, uint64_t *jobs, uint64_t *reruns);
/* Deferred KPI flushes, and those that recomputed days instead. */
void writer_kpi_stats(struct writer *w, uint64_t *flushes, uint64_t *repairs);
/* The WAL checkpoints of the writer's connection (all zero on PostgreSQL). */
void writer_checkpoint_stats(struct writer *w, struct db_checkpoint_stats *out);

#endif
