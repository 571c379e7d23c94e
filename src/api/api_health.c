/*
 * api_health.c - liveness and metrics: GET /healthz, GET /metrics.
 */
#include "api/api.h"
#include "api/api_int.h"
#include "app/writer.h"
#include "app/cluster.h"
#include "app/stream.h"
#include "http/server.h"
#include "lib/buf.h"
#include "lib/banned.h"

/* GET /healthz: 200 {"status":"ok",...} when the database answers. */
int api_health_get(struct http_req *req)
{
	struct app *a = api_app(req);
	struct db *db = db_pool_get(a->pool);
	struct org_model *m = org_holder_get(&a->org);
	struct err e = ERR_INIT;
	int64_t v = 0;
	int ok = store_org_version(db, &v, &e) == 0;
	json_t *j;

	j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:b}", "status", ok ? "ok" : "degraded",
	              "db", db_driver_name(db), "org_version", (json_int_t)v,
	              "loaded_org_version", (json_int_t)(m ? m->version : -1),
	              "units", (json_int_t)(m ? m->nunits : 0), "grids", (json_int_t)(m ? m->ngrids : 0),
	              "instance", cluster_instance(a->cluster), "leader", cluster_is_leader(a->cluster));
	db_pool_put(a->pool, db);
	orgmodel_release(m);
	return http_reply_json(req, ok ? 200 : 503, j);
}

/* The WAL checkpoints of the event writer's SQLite connection (docs/api.md,
 * "GET /metrics"; all zero on PostgreSQL). */
static void render_checkpoints(struct writer *w, struct buf *b)
{
	struct db_checkpoint_stats c;

	writer_checkpoint_stats(w, &c);
	buf_printf(b, "# HELP wangge_checkpoints_total WAL checkpoint passes run by the background checkpointer (SQLite).\n"
	           "# TYPE wangge_checkpoints_total counter\nwangge_checkpoints_total %llu\n"
	           "# HELP wangge_checkpoint_catchups_total Last few WAL pages checkpointed by the event writer itself so that the WAL could start over.\n"
	           "# TYPE wangge_checkpoint_catchups_total counter\nwangge_checkpoint_catchups_total %llu\n"
	           "# HELP wangge_checkpoint_inline_total Checkpoints the event writer ran inline because the WAL reached its limit.\n"
	           "# TYPE wangge_checkpoint_inline_total counter\nwangge_checkpoint_inline_total %llu\n"
	           "# HELP wangge_wal_restarts_total Times the WAL started over from its beginning (seen by the event writer).\n"
	           "# TYPE wangge_wal_restarts_total counter\nwangge_wal_restarts_total %llu\n"
	           "# HELP wangge_wal_pages WAL length in pages after the event writer's last commit.\n"
	           "# TYPE wangge_wal_pages gauge\nwangge_wal_pages %lld\n",
	           (unsigned long long)c.background, (unsigned long long)c.catchup,
	           (unsigned long long)c.inline_, (unsigned long long)c.restarts, (long long)c.wal_pages);
}

/* GET /metrics: Prometheus text format. */
int api_metrics_get(struct http_req *req)
{
	struct app *a = api_app(req);
	struct buf b;
	size_t n;

	buf_init(&b, 4u << 20);
	if (!a->server || http_server_metrics(a->server, &b) < 0 ||
	    stream_hub_metrics(a->stream, &b) < 0) {
		buf_release(&b);
		return http_reply_error(req, 500, "metrics.render", "无法生成指标", "cannot render metrics");
	}
	if (a->writer) {
		uint64_t batches, jobs, reruns;

		writer_stats(a->writer, &batches, &jobs, &reruns);
		buf_printf(&b, "# HELP wangge_writer_batches_total Transactions of the event writer (group commit).\n"
		           "# TYPE wangge_writer_batches_total counter\nwangge_writer_batches_total %llu\n"
		           "# HELP wangge_writer_jobs_total Event writes committed or failed through the writer.\n"
		           "# TYPE wangge_writer_jobs_total counter\nwangge_writer_jobs_total %llu\n"
		           "# HELP wangge_writer_reruns_total Batches run again with a savepoint per job after a job failed.\n"
		           "# TYPE wangge_writer_reruns_total counter\nwangge_writer_reruns_total %llu\n",
		           (unsigned long long)batches, (unsigned long long)jobs, (unsigned long long)reruns);
		writer_kpi_stats(a->writer, &batches, &reruns);
		buf_printf(&b, "# HELP wangge_kpi_flushes_total Writes of the KPI deltas the writer held (SQLite).\n"
		           "# TYPE wangge_kpi_flushes_total counter\nwangge_kpi_flushes_total %llu\n"
		           "# HELP wangge_kpi_repairs_total KPI flushes that recomputed days from the events instead.\n"
		           "# TYPE wangge_kpi_repairs_total counter\nwangge_kpi_repairs_total %llu\n",
		           (unsigned long long)batches, (unsigned long long)reruns);
		render_checkpoints(a->writer, &b);
	}
	char *s = buf_detach(&b, &n);
	return http_reply_take(req, 200, "text/plain; version=0.0.4; charset=utf-8", s, n);
}
