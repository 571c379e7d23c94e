/*
 * bench_kpi.c - how fast kpi_query reads the KPI counters of a large
 * district (docs/performance.md, "KPI queries"; run it with bench/kpi).
 *
 * 1. Fill: the counters of N synthetic events (default 10,000,000) spread
 *    evenly over the 3 years before 2026-06-01 on the towns of the org in
 *    --db (weighted by their number of grids), with skewed categories (80
 *    level-2 codes, Zipf) and sources, and the outcomes of a district that
 *    closes 99 % of its events. The events go through the real path
 *    (kpi_batch_add, kpi_batch_flush, one flush per month, all in one
 *    transaction), with each event's unit being its town: that writes every
 *    row the district queries read (district and town levels, day and month
 *    grains, plain and roll-up rows) and skips the community, area and grid
 *    rows, which those queries never touch (they would only make the
 *    B-trees a level deeper) and which would take an hour to write here.
 * 2. Time kpi_query for the whole district, as GET /api/v1/kpi runs it
 *    (with the 环比 and 同比 totals), --runs times after one warm-up, and
 *    print p50 and p95.
 *
 * usage: bench_kpi --db URL [--events N] [--runs N] [--no-fill]
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/kpi.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "store/store_kpi.h"
#include "store/store_unit.h"
#include "lib/banned.h"

#define NCAT1 10
#define NCAT2 8
#define MAX_TOWNS 64

static uint64_t rng = 88172645463325252u;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static double uniform(void)
{
	return (double)(next() >> 11) / 9007199254740992.0;
}

/* Index drawn from cumulative weights cum[0..n-1] (cum[n-1] = total). */
static int pick(const double *cum, int n)
{
	double x = uniform() * cum[n - 1];
	int lo = 0, hi = n - 1;

	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (cum[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct towns {
	char code[MAX_TOWNS][UNIT_CODE_MAX];
	double grids[MAX_TOWNS];         /* grids of each town: its share of the events */
	double cum[MAX_TOWNS];           /* cumulative grids */
	int n;
	char district[UNIT_CODE_MAX];
};

/* Units come ordered by code: the district, each town before its grids. */
static int org_row(void *ctx, const struct unit_rec *u, const void *wkb, size_t n)
{
	struct towns *t = ctx;

	if (u->level == 1 && !t->district[0])
		str_copy(t->district, sizeof(t->district), u->code);
	if (u->level == 2 && t->n < MAX_TOWNS)
		str_copy(t->code[t->n++], UNIT_CODE_MAX, u->code);
	if (u->level == 5)
		for (int i = 0; i < t->n; i++)
			if (str_starts_with(u->code, t->code[i]))
				t->grids[i] += 1;
	return 0;
}

static void towns_finish(struct towns *t)
{
	double run = 0;

	for (int i = 0; i < t->n; i++)
		t->cum[i] = (run += t->grids[i] > 0 ? t->grids[i] : 1);
}

static int fill(struct db *db, const struct towns *t, int64_t nevents, struct err *e)
{
	double cat_cum[NCAT1 * NCAT2], src_cum[5], acc = 0;
	static const char *const sources[5] = {"patrol", "hotline", "resident", "wechat", "assigned"};
	static const double src_w[5] = {0.62, 0.18, 0.1, 0.07, 0.03};
	struct kpi_batch b;
	struct event_rec *ev = calloc(1, sizeof(*ev));
	int32_t from, to;
	int64_t done = 0;
	int ret = -1;

	for (int i = 0; i < NCAT1 * NCAT2; i++)
		cat_cum[i] = (acc += 1.0 / (i + 1));
	acc = 0;
	for (int i = 0; i < 5; i++)
		src_cum[i] = (acc += src_w[i]);
	kpi_day_parse("2023-06-01", &from);
	kpi_day_parse("2026-06-01", &to);
	kpi_batch_init(&b);
	if (!ev || db_begin(db, e) < 0 || store_kpi_clear(db, e) < 0)
		goto out;
	for (int32_t d = from; d < to; d++) {
		int64_t n = nevents * (d - from + 1) / (to - from) - done;
		kpi_day_format(d, ev->day);
		for (int64_t k = 0; k < n; k++) {
			int c = pick(cat_cum, NCAT1 * NCAT2);
			double u = uniform();
			snprintf(ev->category, sizeof(ev->category), "b%02d.%02d", c % NCAT1, c / NCAT1);
			str_copy(ev->source, sizeof(ev->source), sources[pick(src_cum, 5)]);
			str_copy(ev->grid, sizeof(ev->grid), t->code[pick(t->cum, t->n)]);
			str_copy(ev->loop, sizeof(ev->loop), uniform() < 0.8 ? "internal" : "external");
			ev->escalated = ev->loop[0] == 'e' || uniform() < 0.05;
			ev->accepted_at = 1000;
			ev->due_at = 1000 + 3 * 86400;
			ev->closed_at = 0;
			ev->overdue = ev->rework_count = ev->rating = 0;
			if (u < 0.97) {
				str_copy(ev->status, sizeof(ev->status), "closed");
				ev->closed_at = 1000 + (int64_t)(uniform() * (uniform() < 0.95 ? 3 : 6) * 86400);
				ev->rework_count = uniform() < 0.03;
				if (uniform() < 0.4) {
					double r = uniform();
					ev->rating = r < 0.85 ? 1 : r < 0.95 ? 2 : 3;
				}
			} else if (u < 0.98) {
				str_copy(ev->status, sizeof(ev->status), "rejected");
				ev->accepted_at = 0;
			} else if (u < 0.985) {
				str_copy(ev->status, sizeof(ev->status), "merged");
			} else {
				str_copy(ev->status, sizeof(ev->status), "handling");
				ev->overdue = uniform() < 0.3;
			}
			if (kpi_batch_add(&b, NULL, ev, e) < 0)
				goto out;
		}
		done += n;
		if ((d + 1 == to || kpi_day_is_month_start(d + 1)) && kpi_batch_flush(&b, db, e) < 0)
			goto out;
	}
	if (db_commit(db, e) < 0 || store_kpi_analyze(db, e) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0 && db_in_tx(db))
		db_rollback(db);
	kpi_batch_release(&b);
	free(ev);
	return ret;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int measure(struct db *db, const char *label, const char *unit, const char *from, const char *to,
                   enum kpi_by by, const char *const *children, size_t nchildren, int runs, struct err *e)
{
	struct kpi_request q = {.unit = unit, .by = by, .children = children, .nchildren = nchildren,
	                        .compare = 1};
	uint64_t *us = calloc((size_t)runs + 1, sizeof(*us));
	struct kpi_result r;
	int64_t reported = 0;
	size_t rows = 0;

	if (!us)
		return -1;
	kpi_day_parse(from, &q.from);
	kpi_day_parse(to, &q.to);
	for (int i = -1; i < runs; i++) {
		uint64_t t0 = time_mono_us();
		if (kpi_query(db, &q, &r, e) < 0) {
			free(us);
			return -1;
		}
		if (i >= 0)
			us[i] = time_mono_us() - t0;
		reported = r.total.n[KPI_REPORTED];
		rows = r.nrows;
		kpi_result_release(&r);
	}
	qsort(us, (size_t)runs, sizeof(*us), cmp_u64);
	printf("| %-10s | %-44s | %4zu | %10lld | %7.2f | %7.2f |\n", db_driver_name(db), label, rows,
	       (long long)reported, us[runs / 2] / 1000.0,
	       us[(size_t)ceil(0.95 * runs) - 1] / 1000.0);
	fflush(stdout);
	free(us);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"events", required_argument, NULL, 'n'},
		{"runs", required_argument, NULL, 'r'},
		{"no-fill", no_argument, NULL, 'k'},
		{NULL, 0, NULL, 0},
	};
	const char *url = NULL;
	int64_t nevents = 10000000, runs = 50, rows = 0;
	int opt, no_fill = 0;
	struct towns *t = calloc(1, sizeof(*t));
	const char *children[MAX_TOWNS];
	struct err e = ERR_INIT;
	struct db *db = NULL;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': url = optarg; break;
		case 'n': if (parse_int64(optarg, 1, 1000000000, &nevents) < 0) return 1; break;
		case 'r': if (parse_int64(optarg, 1, 100000, &runs) < 0) return 1; break;
		case 'k': no_fill = 1; break;
		default: return 1;
		}
	}
	if (!url || !t) {
		fprintf(stderr, "usage: bench_kpi --db URL [--events N] [--runs N] [--no-fill]\n");
		return 1;
	}
	if (db_open(url, &db, &e) < 0 || db_migrate(db, &e) < 0 ||
	    store_unit_list(db, 0, NULL, 0, org_row, t, &e) != 0)
		goto fail;
	towns_finish(t);
	if (!t->district[0] || t->n == 0) {
		fprintf(stderr, "bench_kpi: no org in %s: run `wangge demo --db` first\n", url);
		return 2;
	}
	for (int i = 0; i < t->n; i++)
		children[i] = t->code[i];
	if (!no_fill) {
		uint64_t t0 = time_mono_us();
		if (fill(db, t, nevents, &e) < 0)
			goto fail;
		if (store_kpi_count(db, &rows, &e) < 0)
			goto fail;
		fprintf(stderr, "bench_kpi: %s: counters of %lld events over %d towns, 2023-06-01..2026-05-31: "
		        "%lld rows in %.1f s\n", db_driver_name(db), (long long)nevents, t->n,
		        (long long)rows, (time_mono_us() - t0) / 1e6);
	}
	printf("| backend    | query (district %-6s, with 环比 and 同比)     | rows | reported   | p50 ms  | p95 ms  |\n",
	       t->district);
	printf("|------------|----------------------------------------------|------|------------|---------|---------|\n");
	if (measure(db, "one month, total", t->district, "2026-05-01", "2026-06-01", KPI_BY_NONE, NULL, 0, (int)runs, &e) < 0 ||
	    measure(db, "one month, by category", t->district, "2026-05-01", "2026-06-01", KPI_BY_CATEGORY, NULL, 0, (int)runs, &e) < 0 ||
	    measure(db, "one month, by unit (towns)", t->district, "2026-05-01", "2026-06-01", KPI_BY_UNIT, children, (size_t)t->n, (int)runs, &e) < 0 ||
	    measure(db, "one year, by category", t->district, "2025-06-01", "2026-06-01", KPI_BY_CATEGORY, NULL, 0, (int)runs, &e) < 0 ||
	    measure(db, "one year, by unit (towns)", t->district, "2025-06-01", "2026-06-01", KPI_BY_UNIT, children, (size_t)t->n, (int)runs, &e) < 0 ||
	    measure(db, "365 days 05-17..05-17, by unit", t->district, "2025-05-17", "2026-05-17", KPI_BY_UNIT, children, (size_t)t->n, (int)runs, &e) < 0)
		goto fail;
	db_close(db);
	free(t);
	return 0;
fail:
	fprintf(stderr, "bench_kpi: %s\n", e.msg_en);
	db_close(db);
	free(t);
	return 2;
}
