/*
 * store_kpi.c - SQL of the KPI counters (see store_kpi.h).
 *
 * The statements are built once (pthread_once) from fragments into static
 * buffers, because their shape varies (rows per upsert, grouping, category
 * and source filters) and the statement cache is keyed by the SQL's address:
 * each variant keeps one address for the life of the process, so it is
 * prepared once per connection. Every value is a bind parameter.
 *
 * "Every category but the roll-up" is written `category_code > '*'` (codes
 * are [a-z0-9_.], all above '*'), not `<> '*'`: a range on the primary
 * key's fourth column lets the planner seek (grain, period, unit, category)
 * and test the source in the index, where `<>` made SQLite pick the
 * (grain, unit, period) index and fetch every row of the unit's period.
 */
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include "store/store_kpi.h"
#include "lib/str.h"
#include "lib/banned.h"

#define COUNTER_COLS "reported, accepted, rejected, closed, closed_on_time, closed_internal, " \
	"closed_late, overdue_open, rework, escalated, handle_seconds, rated, rate_good, rate_ok, rate_bad"
static const char *const counter_cols[STORE_KPI_NCOUNTERS] = {
	"reported", "accepted", "rejected", "closed", "closed_on_time", "closed_internal",
	"closed_late", "overdue_open", "rework", "escalated", "handle_seconds", "rated",
	"rate_good", "rate_ok", "rate_bad",
};
#define ROW_PARAMS (5 + STORE_KPI_NCOUNTERS)

/* rows per upsert statement: the batch is cut into chunks of these sizes */
static const size_t chunk_sizes[] = {64, 16, 4, 1};
#define NCHUNKS (sizeof(chunk_sizes) / sizeof(chunk_sizes[0]))
static char upsert_sql[NCHUNKS][8192];

/* sums: [group][category filter][rollup] */
#define IN_PERIODS 64                 /* periods per statement */
#define IN_UNITS 32                   /* unit codes per statement */
static char sum_sql[3][3][2][2048];

static pthread_once_t sql_once = PTHREAD_ONCE_INIT;
static int sql_truncated;             /* a buffer above is too small: a bug */
static void build_sql(void);

static void append(char *dst, size_t n, const char *s)
{
	size_t len = strlen(dst);

	if (len + strlen(s) >= n)
		sql_truncated = 1;
	else
		snprintf(dst + len, n - len, "%s", s);
}

static int sql_ready(struct err *e)
{
	pthread_once(&sql_once, build_sql);
	if (sql_truncated)
		return err_set(e, 500, "db.error", "内部错误：SQL 缓冲区过小", "internal: kpi sql buffer too small");
	return 0;
}

static void build_sql(void)
{
	for (size_t c = 0; c < NCHUNKS; c++) {
		char *q = upsert_sql[c];
		size_t n = sizeof(upsert_sql[c]);
		q[0] = '\0';
		append(q, n, "INSERT INTO kpi_agg (grain, period, unit_code, category_code, source, "
		       COUNTER_COLS ") VALUES ");
		for (size_t r = 0; r < chunk_sizes[c]; r++) {
			append(q, n, r ? ", (" : "(");
			for (int i = 0; i < ROW_PARAMS; i++)
				append(q, n, i ? ", ?" : "?");
			append(q, n, ")");
		}
		append(q, n, " ON CONFLICT (grain, period, unit_code, category_code, source) DO UPDATE SET ");
		for (int i = 0; i < STORE_KPI_NCOUNTERS; i++) {
			char set[96];
			snprintf(set, sizeof(set), "%s%s = kpi_agg.%s + excluded.%s", i ? ", " : "",
			         counter_cols[i], counter_cols[i], counter_cols[i]);
			append(q, n, set);
		}
	}
	for (int g = 0; g < 3; g++)
		for (int c = 0; c < 3; c++)
			for (int r = 0; r < 2; r++) {
				char *q = sum_sql[g][c][r];
				size_t n = sizeof(sum_sql[g][c][r]);
				static const char *const key[3] = {"''", "category_code", "unit_code"};
				static const char *const cat[3] = {
					" AND category_code = '*'",
					" AND category_code > '*'",
					" AND (category_code = ? OR (category_code >= ? AND category_code < ?))",
				};
				q[0] = '\0';
				append(q, n, "SELECT ");
				append(q, n, key[g]);
				for (int i = 0; i < STORE_KPI_NCOUNTERS; i++) {
					char sum[64];
					snprintf(sum, sizeof(sum), ", sum(%s)", counter_cols[i]);
					append(q, n, sum);
				}
				append(q, n, " FROM kpi_agg WHERE grain = ? AND period IN (");
				for (int i = 0; i < IN_PERIODS; i++)
					append(q, n, i ? ", ?" : "?");
				append(q, n, ") AND unit_code IN (");
				for (int i = 0; i < IN_UNITS; i++)
					append(q, n, i ? ", ?" : "?");
				append(q, n, ")");
				append(q, n, cat[c]);
				append(q, n, r ? " AND source = '*'" : " AND source > '*'");
				if (g)
					append(q, n, g == 1 ? " GROUP BY category_code" : " GROUP BY unit_code");
			}
}

/* ============================================================== upsert */

int store_kpi_add(struct db *db, struct store_kpi_row *const *rows, size_t n, struct err *e)
{
	size_t done = 0;

	if (sql_ready(e) < 0)
		return -1;
	while (done < n) {
		size_t c = 0, k;
		struct db_stmt *st;
		int p = 1;

		while (chunk_sizes[c] > n - done)
			c++;
		k = chunk_sizes[c];
		if (db_prepare_cached(db, upsert_sql[c], &st, e) < 0)
			return -1;
		for (size_t r = 0; r < k; r++) {
			const struct store_kpi_row *row = rows[done + r];
			char grain[2] = {row->grain, '\0'};
			db_bind_text(st, p++, grain);
			db_bind_text(st, p++, row->period);
			db_bind_text(st, p++, row->unit);
			db_bind_text(st, p++, row->category);
			db_bind_text(st, p++, row->source);
			for (int i = 0; i < STORE_KPI_NCOUNTERS; i++)
				db_bind_int64(st, p++, row->n[i]);
		}
		if (db_step(st, e) == DB_ERROR) {
			db_finalize(st);
			return -1;
		}
		db_finalize(st);
		done += k;
	}
	return 0;
}

static const char SQL_CLEAR[] = "DELETE FROM kpi_agg";

int store_kpi_clear(struct db *db, struct err *e)
{
	return db_exec(db, SQL_CLEAR, e);
}

static const char SQL_ANALYZE[] = "ANALYZE kpi_agg";

int store_kpi_analyze(struct db *db, struct err *e)
{
	return db_exec(db, SQL_ANALYZE, e);
}

static const char SQL_COUNT[] = "SELECT count(*) FROM kpi_agg";

int store_kpi_count(struct db *db, int64_t *n, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_COUNT, &st, e) < 0)
		return -1;
	if ((r = db_step(st, e)) == DB_ROW)
		*n = db_col_int64(st, 0);
	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}

/* ============================================================ events */

#define EVENT_KPI_COLS "id, source, category_code, grid_code, status, loop, escalated, overdue, " \
	"rework_count, rating, day, accepted_at, closed_at, due_at"
static const char SQL_EVENT_PAGE[] =
	"SELECT " EVENT_KPI_COLS " FROM event WHERE id > ? ORDER BY id LIMIT ?";
/* created_at first: the range seeks event_screen; day checks each row */
static const char SQL_EVENT_DAY[] =
	"SELECT " EVENT_KPI_COLS " FROM event WHERE created_at >= ? AND created_at < ? AND day = ?";

static void copy_col(struct db_stmt *st, int i, char *dst, size_t n)
{
	const char *s = db_col_text(st, i);

	str_copy(dst, n, s ? s : "");
}

/* Step st, passing each row as an event to cb; *last = the last id. */
static int each_kpi_event(struct db_stmt *st, event_cb cb, void *ctx, int64_t *last,
                          struct err *e)
{
	struct event_rec *ev = calloc(1, sizeof(*ev));
	enum db_step r;
	int ret = -1;

	if (!ev) {
		err_set(e, 500, "internal.oom", "内存不足", "out of memory");
		goto out;
	}
	while ((r = db_step(st, e)) == DB_ROW) {
		int rc;
		ev->id = db_col_int64(st, 0);
		copy_col(st, 1, ev->source, sizeof(ev->source));
		copy_col(st, 2, ev->category, sizeof(ev->category));
		copy_col(st, 3, ev->grid, sizeof(ev->grid));
		copy_col(st, 4, ev->status, sizeof(ev->status));
		copy_col(st, 5, ev->loop, sizeof(ev->loop));
		ev->escalated = (int)db_col_int64(st, 6);
		ev->overdue = (int)db_col_int64(st, 7);
		ev->rework_count = (int)db_col_int64(st, 8);
		ev->rating = (int)db_col_int64(st, 9);
		copy_col(st, 10, ev->day, sizeof(ev->day));
		ev->accepted_at = db_col_int64(st, 11);
		ev->closed_at = db_col_int64(st, 12);
		ev->due_at = db_col_int64(st, 13);
		if ((rc = cb(ctx, ev)) != 0) {
			ret = rc;
			goto out;
		}
		if (last)
			*last = ev->id;
	}
	if (r != DB_ERROR)
		ret = 0;
out:
	free(ev);
	return ret;
}

int store_kpi_event_page(struct db *db, int64_t after_id, int limit, event_cb cb, void *ctx,
                         int64_t *last, struct err *e)
{
	struct db_stmt *st;
	int ret;

	if (db_prepare_cached(db, SQL_EVENT_PAGE, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, limit);
	ret = each_kpi_event(st, cb, ctx, last, e);
	db_finalize(st);
	return ret;
}

int store_kpi_event_day(struct db *db, const char *day, int64_t t0, int64_t t1, event_cb cb,
                        void *ctx, struct err *e)
{
	struct db_stmt *st;
	int ret;

	if (db_prepare_cached(db, SQL_EVENT_DAY, &st, e) < 0)
		return -1;
	db_bind_int64(st, 1, t0);
	db_bind_int64(st, 2, t1);
	db_bind_text(st, 3, day);
	ret = each_kpi_event(st, cb, ctx, NULL, e);
	db_finalize(st);
	return ret;
}

/* ========================================================= dirty days */

static const char SQL_DIRTY_MARK[] = "INSERT INTO kpi_dirty (day) VALUES (?) ON CONFLICT (day) DO NOTHING";
static const char SQL_DIRTY_LIST[] = "SELECT day FROM kpi_dirty ORDER BY day";
static const char SQL_DIRTY_CLEAR[] = "DELETE FROM kpi_dirty";
static const char SQL_DAY_ROWS[] =
	"SELECT unit_code, category_code, source, " COUNTER_COLS " FROM kpi_agg "
	"WHERE grain = 'd' AND period = ?";

int store_kpi_dirty_mark(struct db *db, const char *day, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_DIRTY_MARK, &st, e) < 0)
		return -1;
	db_bind_text(st, 1, day);
	r = db_step(st, e);
	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}

int store_kpi_dirty_list(struct db *db, store_kpi_day_cb cb, void *ctx, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;
	int rc = 0;

	if (db_prepare_cached(db, SQL_DIRTY_LIST, &st, e) < 0)
		return -1;
	while ((r = db_step(st, e)) == DB_ROW) {
		const char *d = db_col_text(st, 0);
		if ((rc = cb(ctx, d ? d : "")) != 0)
			break;
	}
	db_finalize(st);
	return rc ? rc : r == DB_ERROR ? -1 : 0;
}

int store_kpi_dirty_clear(struct db *db, struct err *e)
{
	return db_exec(db, SQL_DIRTY_CLEAR, e);
}

int store_kpi_day_rows(struct db *db, const char *day, store_kpi_row_cb cb, void *ctx,
                       struct err *e)
{
	struct store_kpi_row *row = calloc(1, sizeof(*row));
	struct db_stmt *st = NULL;
	enum db_step r;
	int rc = 0;

	if (!row)
		return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
	if (db_prepare_cached(db, SQL_DAY_ROWS, &st, e) < 0) {
		free(row);
		return -1;
	}
	db_bind_text(st, 1, day);
	row->grain = 'd';
	str_copy(row->period, sizeof(row->period), day);
	while ((r = db_step(st, e)) == DB_ROW) {
		copy_col(st, 0, row->unit, sizeof(row->unit));
		copy_col(st, 1, row->category, sizeof(row->category));
		copy_col(st, 2, row->source, sizeof(row->source));
		for (int i = 0; i < STORE_KPI_NCOUNTERS; i++)
			row->n[i] = db_col_int64(st, 3 + i);
		if ((rc = cb(ctx, row)) != 0)
			break;
	}
	db_finalize(st);
	free(row);
	return rc ? rc : r == DB_ERROR ? -1 : 0;
}

/* ================================================================ sums */

/* One statement: periods [p0, p0 + 64) × units [u0, u0 + 32) of s. */
static int sum_chunk(struct db *db, const struct store_kpi_sel *s, size_t p0, size_t u0,
                     const char *lo, const char *hi, store_kpi_cb cb, void *ctx, struct err *e)
{
	char grain[2] = {s->grain, '\0'};
	struct db_stmt *st;
	enum db_step r;
	int p = 1, rc = 0;

	if (db_prepare_cached(db, sum_sql[s->group][s->cat][s->rollup ? 1 : 0], &st, e) < 0)
		return -1;
	db_bind_text(st, p++, grain);
	/* unused places hold '', which matches no row: padding with real values
	 * would make PostgreSQL's planner expect 64 × 32 (period, unit) pairs
	 * and choose a parallel plan whose start-up alone costs 10-15 ms */
	for (size_t i = 0; i < IN_PERIODS; i++)
		db_bind_text(st, p++, p0 + i < s->nperiods ? s->periods[p0 + i] : "");
	for (size_t i = 0; i < IN_UNITS; i++)
		db_bind_text(st, p++, u0 + i < s->nunits ? s->units[u0 + i] : "");
	if (s->cat == STORE_KPI_CAT_UNDER) {
		db_bind_text(st, p++, s->category);
		db_bind_text(st, p++, lo);
		db_bind_text(st, p++, hi);
	}
	while ((r = db_step(st, e)) == DB_ROW) {
		int64_t n[STORE_KPI_NCOUNTERS];
		const char *key;
		if (db_col_is_null(st, 1))
			continue;                        /* no rows: sums of nothing */
		for (int i = 0; i < STORE_KPI_NCOUNTERS; i++)
			n[i] = db_col_int64(st, 1 + i);
		key = db_col_text(st, 0);
		if ((rc = cb(ctx, key ? key : "", n)) != 0)
			break;
	}
	db_finalize(st);
	return rc ? rc : r == DB_ERROR ? -1 : 0;
}

int store_kpi_sum(struct db *db, const struct store_kpi_sel *s, store_kpi_cb cb, void *ctx,
                  struct err *e)
{
	char lo[EV_CODE_MAX + 2] = "", hi[EV_CODE_MAX + 2] = "";

	if (sql_ready(e) < 0)
		return -1;
	if (s->cat == STORE_KPI_CAT_UNDER) {
		snprintf(lo, sizeof(lo), "%s.", s->category);
		snprintf(hi, sizeof(hi), "%s/", s->category);
	}
	for (size_t p0 = 0; p0 < s->nperiods; p0 += IN_PERIODS)
		for (size_t u0 = 0; u0 < s->nunits; u0 += IN_UNITS) {
			int rc = sum_chunk(db, s, p0, u0, lo, hi, cb, ctx, e);
			if (rc != 0)
				return rc;
		}
	return 0;
}
