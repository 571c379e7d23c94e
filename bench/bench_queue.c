/*
 * bench_queue.c - the event queue at scale (bench/queue drives it).
 *
 *   bench_queue --db URL --fill N     add N synthetic events (set-based SQL)
 *   bench_queue --db URL [--runs R]   time queue pages: p50/p95 per query
 *
 * Filling writes events straight into the table with one INSERT … SELECT
 * per 1,000,000 rows (a recursive CTE on SQLite, generate_series on
 * PostgreSQL): grids, categories, sources and statuses spread over the demo
 * district, a few hot grids, ~1% of events still open, times over the last
 * N / 700 days. Timing runs store_event_query(), the function behind
 * GET /api/v1/events, with the filters the workbench uses, 50 rows a page,
 * first pages and deep keyset pages.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "app/events.h"
#include "store/db.h"
#include "store/store_event.h"
#include "lib/str.h"
#include "lib/banned.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* ------------------------------------------------------------------ fill */

static const char SQL_GRIDS_SQLITE[] =
	"CREATE TEMP TABLE g AS SELECT ROW_NUMBER() OVER (ORDER BY code) - 1 AS i, code, "
	"center_x AS x, center_y AS y FROM unit WHERE level = 5";
static const char SQL_GRIDS_PG[] =
	"CREATE TEMP TABLE g AS SELECT (ROW_NUMBER() OVER (ORDER BY code) - 1)::int AS i, code, "
	"center_x AS x, center_y AS y FROM unit WHERE level = 5";
static const char SQL_CATS[] =
	"CREATE TEMP TABLE c AS SELECT ROW_NUMBER() OVER (ORDER BY code) - 1 AS i, code "
	"FROM event_category WHERE parent_code IS NOT NULL";

/* One chunk of rows [lo, hi), every column derived from the row number k;
 * one k in 8 goes to one of the first 40 grids (hot spots). */
static int fill(struct db *db, long long n, struct err *e)
{
	int pg = strcmp(db_driver_name(db), "postgresql") == 0;
	long long ng, nc, chunk = 1000000, now = (long long)time(NULL), span;
	struct db_stmt *st;
	char sql[8192];
	double t0 = now_ms();

	span = n / 700 + 1;                          /* ~700 events a day */
	span *= 86400;
	span = span > 5LL * 365 * 86400 ? 5LL * 365 * 86400 : span;
	if (events_ensure_taxonomy(db, e) < 0 ||
	    db_exec(db, pg ? SQL_GRIDS_PG : SQL_GRIDS_SQLITE, e) < 0 || db_exec(db, SQL_CATS, e) < 0)
		return -1;
	if (db_prepare(db, "SELECT (SELECT COUNT(*) FROM g), (SELECT COUNT(*) FROM c)", &st, e) < 0)
		return -1;
	if (db_step(st, e) != DB_ROW) {
		db_finalize(st);
		return -1;
	}
	ng = db_col_int64(st, 0);
	nc = db_col_int64(st, 1);
	db_finalize(st);
	if (ng == 0 || nc == 0)
		return err_set(e, 400, "bench.empty", "先生成演示区", "run `wangge demo` on the database first");
	for (long long lo = 0; lo < n; lo += chunk) {
		long long hi = lo + chunk < n ? lo + chunk : n;
		char nows[32], spans[32], with[160];

		snprintf(with, sizeof(with), pg ? "WITH s AS (SELECT generate_series(%lld::bigint, %lld::bigint) AS k)"
		         : "WITH RECURSIVE s(k) AS (SELECT %lld UNION ALL SELECT k + 1 FROM s WHERE k < %lld)",
		         lo, hi - 1);
		snprintf(nows, sizeof(nows), "%lld", now);
		snprintf(spans, sizeof(spans), "%lld", span);
		/* K is the row number; the grid: a hot one for one k in 8 */
		snprintf(sql, sizeof(sql),
		         "%s INSERT INTO event (source, category_code, title, description, lon, lat, cell, crs, "
		         "grid_code, urgency, status, loop, level, holder_code, phase_started_at, due_at, "
		         "deadline_at, warning, supervision, day, created_at, updated_at, reporter_id) "
		         "SELECT src, cat, t, d, lon, lat, 0, crs, grid, urg, st, lp, lvl, holder, ps, due, dl, w, sup, dy, "
		         "ca, ua, rep FROM (SELECT k, "
		         "CASE (k %% 5) WHEN 0 THEN 'resident' WHEN 1 THEN 'wechat' WHEN 2 THEN 'hotline' ELSE 'patrol' END AS src, "
		         "c.code AS cat, '压测事件' AS t, '批量生成的事件' AS d, "
		         "g.x + ((k * 7919) %% 1000 - 500) * 0.000002 AS lon, g.y + ((k * 104729) %% 1000 - 500) * 0.000002 AS lat, "
		         "'wgs84' AS crs, g.code AS grid, CASE WHEN k %% 17 = 0 THEN 2 ELSE 1 END AS urg, "
		         "CASE WHEN k %% 100 = 0 THEN (CASE (k / 100) %% 5 WHEN 0 THEN 'reported' WHEN 1 THEN 'handling' "
		         "WHEN 2 THEN 'dispatched' WHEN 3 THEN 'verifying' ELSE 'escalated' END) "
		         "WHEN k %% 97 = 0 THEN 'rejected' ELSE 'closed' END AS st, "
		         "CASE WHEN k %% 5 = 0 THEN 'external' ELSE 'internal' END AS lp, 3 AS lvl, "
		         "substr(g.code, 1, 12) AS holder, %s - %s + (k * %s) / %lld AS ps, "
		         "%s - %s + (k * %s) / %lld + 259200 AS due, "
		         "CASE WHEN k %% 100 = 0 THEN %s + (k %% 86400) - 3600 ELSE NULL END AS dl, "
		         "CASE WHEN k %% 100 = 0 THEN (k / 100) %% 3 ELSE 0 END AS w, "
		         "CASE WHEN k %% 300 = 0 THEN 1 ELSE 0 END AS sup, '2026-01-01' AS dy, "
		         "%s - %s + (k * %s) / %lld AS ca, %s - %s + (k * %s) / %lld AS ua, "
		         "(k %% 5000) + 1 AS rep "
		         "FROM s JOIN g ON g.i = CASE WHEN k %% 8 = 0 THEN k %% 40 ELSE k %% %lld END "
		         "JOIN c ON c.i = (k / 7) %% %lld) q ORDER BY k",
		         with, nows, spans, spans, n, nows, spans, spans, n, nows, nows, spans, spans, n, nows, spans, spans,
		         n, ng, nc);
		if (db_begin(db, e) < 0 || db_exec(db, sql, e) < 0 || db_commit(db, e) < 0) {
			if (db_in_tx(db))
				db_rollback(db);
			return -1;
		}
		fprintf(stderr, "filled %lld of %lld (%.0f s)\n", hi, n, (now_ms() - t0) / 1000);
	}
	if (pg && db_exec(db, "ANALYZE event", e) < 0)
		return -1;
	if (!pg && db_exec(db, "ANALYZE", e) < 0)
		return -1;
	return 0;
}

/* ------------------------------------------------------------------ time */

struct page {
	int n;
	int64_t last_key, last_id;
	int sort;
};

static int on_row(void *ctx, const struct event_rec *ev)
{
	struct page *p = ctx;

	p->n++;
	p->last_id = ev->id;
	p->last_key = p->sort == EV_SORT_DEADLINE ? (ev->deadline_at ? ev->deadline_at : INT64_MAX)
	              : ev->created_at;
	return 0;
}

struct query {
	const char *name;
	struct event_filter f;
	int deep;                     /* follow the cursor this many pages first */
	int count;                    /* time store_event_count (the tab counts) instead */
};

static void run(struct db *db, struct query *q, int runs)
{
	double *ms = calloc((size_t)runs, sizeof(double));
	struct err e = ERR_INIT;
	struct event_filter f = q->f;
	struct page p = {0};

	f.limit = 50;
	p.sort = f.sort;
	/* the cursor for a deep page */
	for (int d = 0; d < q->deep; d++) {
		p.n = 0;
		if (store_event_query(db, &f, on_row, &p, &e) < 0 || p.n < 50)
			break;
		f.after_key = p.last_key;
		f.after_id = p.last_id;
	}
	for (int i = 0; i < runs; i++) {
		double t0 = now_ms();
		int64_t total = 0;
		int rc;

		p.n = 0;
		rc = q->count ? store_event_count(db, &f, &total, &e)
		              : store_event_query(db, &f, on_row, &p, &e);
		if (rc < 0) {
			fprintf(stderr, "%s: %s\n", q->name, e.msg_en);
			free(ms);
			return;
		}
		if (q->count)
			p.n = (int)total;
		ms[i] = now_ms() - t0;
	}
	qsort(ms, (size_t)runs, sizeof(double), cmp_double);
	printf("  %-44s %s %5d   p50 %7.2f ms   p95 %7.2f ms\n", q->name, q->count ? "count" : "rows ",
	       p.n, ms[runs / 2], ms[runs * 95 / 100]);
	free(ms);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"fill", required_argument, NULL, 'f'},
		{"runs", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	const char *url = NULL;
	long long nfill = 0;
	int runs = 200, opt;
	struct db *db;
	struct err e = ERR_INIT;
	int64_t total = 0;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': url = optarg; break;
		case 'f': nfill = strtoll(optarg, NULL, 10); break;
		case 'r': runs = (int)strtol(optarg, NULL, 10); break;
		default: return 2;
		}
	}
	if (!url || runs < 1) {
		fprintf(stderr, "usage: bench_queue --db URL [--fill N] [--runs R]\n");
		return 2;
	}
	if (db_open(url, &db, &e) < 0 || db_migrate(db, &e) < 0) {
		fprintf(stderr, "bench_queue: %s\n", e.msg_en);
		return 2;
	}
	if (nfill > 0) {
		int rc = fill(db, nfill, &e);

		if (rc < 0)
			fprintf(stderr, "bench_queue: fill: %s\n", e.msg_en);
		db_close(db);
		return rc < 0 ? 2 : 0;
	}
	{
		struct event_filter all = {0};

		all.warning = -1;
		store_event_count(db, &all, &total, &e);
	}
	printf("queue pages of 50 over %lld events (%s):\n", (long long)total, db_driver_name(db));
	{
		static const char *const open[] = {"reported", "handling", "escalated", "registered",
		                                   "dispatched", "verifying", "verified", NULL};
		struct query qs[] = {
			{"district, newest", {.under = "440111", .warning = -1}, 0},
			{"district, newest, page 20", {.under = "440111", .warning = -1}, 20},
			{"town 三元里, open, by deadline", {.under = "440111002", .warning = -1,
			                                   .sort = EV_SORT_DEADLINE}, 0},
			{"district, open, by deadline", {.under = "440111", .warning = -1,
			                                 .sort = EV_SORT_DEADLINE}, 0},
			{"community, newest", {.under = "440111002001", .warning = -1}, 0},
			{"grid, newest", {.under = "4401110020010101", .warning = -1}, 0},
			{"grid, newest, page 20", {.under = "4401110020010101", .warning = -1}, 20},
			{"grid, open, by deadline", {.under = "4401110020010101", .warning = -1,
			                             .sort = EV_SORT_DEADLINE}, 0},
			{"area, newest", {.under = "44011100200101", .warning = -1}, 0},
			{"grid, count (workbench tab)", {.under = "4401110020010101", .warning = -1}, 0, 1},
			{"community, count (workbench tab)", {.under = "440111002001", .warning = -1}, 0, 1},
			{"district, category 城市管理, newest", {.under = "440111", .category = "csgl",
			                                       .warning = -1}, 0},
			{"district, source resident, last 7 days", {.under = "440111", .source = "resident",
			                                            .warning = -1}, 0},
			{"district, red warning", {.under = "440111", .warning = 2}, 0},
			{"district, supervised", {.under = "440111", .supervised = 1, .warning = -1}, 0},
			{"one resident's reports", {.reporter_id = 42, .warning = -1}, 0},
		};
		for (int i = 0; open[i]; i++) {
			qs[2].f.status[i] = open[i];
			qs[3].f.status[i] = open[i];
			qs[7].f.status[i] = open[i];
		}
		qs[12].f.from = (int64_t)time(NULL) - 7 * 86400;
		for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++)
			run(db, &qs[i], runs);
	}
	db_close(db);
	return 0;
}
