/*
 * store_screen.c - SQL of the command big screen (see store_screen.h).
 *
 * Portable SQL for SQLite and PostgreSQL: CASE sums instead of FILTER,
 * GROUP BY on plain columns or an output ordinal, integer division for the
 * China-time day of a closing. Each statement restricts the event table by
 * an indexed range first (created_at, status, closed_at) and by the
 * subtree's grid-code range.
 */
#include <string.h>
#include "store/store_screen.h"
#include "lib/str.h"
#include "lib/banned.h"

/* Open = not 不予受理, 已结案 or 已合并 (domain/event_flow.h ev_status_open). */
#define OPEN_IN "('reported', 'handling', 'escalated', 'registered', 'dispatched', 'verifying', 'verified')"
#define IS_OPEN "status NOT IN ('closed', 'rejected', 'merged')"

/*
 * Which index drives a query. SQLite keeps no statistics here (no ANALYZE),
 * so the statements say it: the time range for the district and towns
 * (a month of the whole district is ~22,000 rows of ~260,000 a year), the
 * grid-code range below (a community has a few hundred events a year). The
 * other range is kept out of the index with `+ 0` / `|| ''`, which both
 * SQLite and PostgreSQL accept and which change no value.
 */
#define BY_TIME(col) \
	" " col " >= ? AND " col " < ? AND (grid_code || '') >= ? AND (grid_code || '') < ?"
#define BY_GRID(col) \
	" (" col " + 0) >= ? AND (" col " + 0) < ? AND" BY_UNIT
/*
 * The subtree's range read off the community indexes (migration 10):
 * community_code is grid_code's first 12 characters, so a grid code in
 * [lo, hi) has its community in [lo cut to 12, hi). The index walks that
 * community range and checks the grid range on its entries (grid_code ends
 * them) before reading a row. prep() binds lo cut to 12, hi, lo, hi.
 */
#define BY_UNIT " community_code >= ? AND community_code < ? AND grid_code >= ? AND grid_code < ?"
/* Prefixes up to this long (district 6, town 9) read by time. */
#define TIME_DRIVEN_MAX 9

#define PERIOD_BY_GRID(where) \
	"SELECT grid_code, COUNT(*)," \
	" SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END)," \
	" SUM(CASE WHEN status = 'closed' AND (due_at IS NULL OR closed_at <= due_at) THEN 1 ELSE 0 END)," \
	" SUM(CASE WHEN " IS_OPEN " AND overdue = 1 THEN 1 ELSE 0 END)," \
	" SUM(CASE WHEN " IS_OPEN " THEN 1 ELSE 0 END)," \
	" SUM(CASE WHEN rating IS NOT NULL AND status <> 'merged' THEN 1 ELSE 0 END)," \
	" SUM(CASE WHEN rating IN (1, 2) AND status <> 'merged' THEN 1 ELSE 0 END)," \
	" SUM(CASE WHEN escalated = 1 AND status <> 'merged' THEN 1 ELSE 0 END)," \
	" SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END)" \
	" FROM event WHERE" where " GROUP BY grid_code"
static const char *const SQL_PERIOD_BY_GRID[2] = {PERIOD_BY_GRID(BY_GRID("created_at")),
                                                  PERIOD_BY_GRID(BY_TIME("created_at"))};

/* a merged event counts as reported only (docs/kpi.md): never external */
#define PERIOD_MIX(where) \
	"SELECT category_code, source, CASE WHEN escalated = 1 AND status <> 'merged' THEN 1 ELSE 0 END," \
	" COUNT(*), SUM(CASE WHEN status = 'closed' THEN 1 ELSE 0 END)" \
	" FROM event WHERE" where " GROUP BY category_code, source, 3"
static const char *const SQL_PERIOD_MIX[2] = {PERIOD_MIX(BY_GRID("created_at")),
                                              PERIOD_MIX(BY_TIME("created_at"))};

#define REPORTS_BY_DAY(where) "SELECT day, COUNT(*) FROM event WHERE" where " GROUP BY day"
static const char *const SQL_REPORTS_BY_DAY[2] = {REPORTS_BY_DAY(BY_GRID("created_at")),
                                                  REPORTS_BY_DAY(BY_TIME("created_at"))};

/* 28,800 s: China Standard Time is UTC+8 all year. `status || ''`: the
 * status index would pick every closed event of the year. */
#define CLOSINGS_BY_DAY(where) \
	"SELECT (closed_at + 28800) / 86400, COUNT(*) FROM event WHERE" where \
	" AND (status || '') = 'closed' GROUP BY 1"
static const char *const SQL_CLOSINGS_BY_DAY[2] = {CLOSINGS_BY_DAY(BY_GRID("closed_at")),
                                                   CLOSINGS_BY_DAY(BY_TIME("closed_at"))};

/* Open events are those with a deadline (app/events.c clears it when an
 * event closes, is rejected or merged): the small partial index
 * event_open_community (community_code, deadline_at, id, grid_code) serves
 * these two; the status list keeps them exact. */
static const char SQL_OPEN_BY_GRID[] =
	"SELECT grid_code, COUNT(*),"
	" SUM(CASE WHEN overdue = 1 OR warning = 2 THEN 1 ELSE 0 END),"
	" SUM(CASE WHEN warning = 2 THEN 1 ELSE 0 END),"
	" SUM(CASE WHEN supervision >= 2 THEN 1 ELSE 0 END)"
	" FROM event WHERE deadline_at IS NOT NULL AND" BY_UNIT
	" AND status IN " OPEN_IN
	" GROUP BY grid_code";

static const char SQL_ALERTS[] =
	"SELECT id, title, category_code, grid_code, status, urgency, warning, supervision, overdue,"
	" level, deadline_at, due_at, created_at, lon, lat"
	" FROM event WHERE deadline_at IS NOT NULL AND" BY_UNIT
	" AND status IN " OPEN_IN " AND (warning = 2 OR overdue = 1 OR supervision >= 2)"
	" ORDER BY deadline_at, id LIMIT ?";

static const char SQL_FORCES[] =
	"SELECT kind, status, COUNT(*) FROM force_status WHERE unit_code >= ? AND unit_code < ?"
	" GROUP BY kind, status";

static const char SQL_CATEGORIES[] =
	"SELECT code, COALESCE(parent_code, ''), name FROM event_category ORDER BY sort, code";

static const char SQL_LOG_HEAD[] = "SELECT COALESCE(MAX(id), 0) FROM event_log";

void store_screen_range(const char *code, char *lo, char *hi)
{
	size_t len = str_copy(lo, SCREEN_CODE_MAX, code);

	str_copy(hi, SCREEN_CODE_MAX, code);
	while (len > 0 && hi[len - 1] == '9')
		len--;
	if (len == 0) {
		/* all nines (never a real code): everything that starts with a digit */
		str_copy(hi, SCREEN_CODE_MAX, ":");
		return;
	}
	hi[len - 1]++;
	hi[len] = '\0';
}

static void col_copy(struct db_stmt *st, int i, char *dst, size_t n)
{
	const char *s = db_col_text(st, i);

	str_copy(dst, n, s ? s : "");
}

enum { TIME = 1, UNIT = 2 };

/* Prepare a cached statement and bind [from, to) when how has TIME, the
 * community range of BY_UNIT when it has UNIT, then [lo, hi). Returns the
 * statement and *next, the next parameter's number. */
static struct db_stmt *prep(struct db *db, const char *sql, int how, int64_t from, int64_t to,
                            const char *lo, const char *hi, int *next, struct err *e)
{
	struct db_stmt *st;
	char comm[13];
	int i = 1;

	if (db_prepare_cached(db, sql, &st, e) < 0)
		return NULL;
	if (how & TIME) {
		db_bind_int64(st, i++, from);
		db_bind_int64(st, i++, to);
	}
	if (how & UNIT) {
		str_copy(comm, sizeof(comm), lo);
		db_bind_text(st, i++, comm);
		db_bind_text(st, i++, hi);
	}
	db_bind_text(st, i++, lo);
	db_bind_text(st, i++, hi);
	if (next)
		*next = i;
	return st;
}

/* Which of a statement pair [BY_GRID, BY_TIME] reads the subtree of lo,
 * and what it binds: BY_GRID has the community range too. */
static int by_time(const char *lo)
{
	return strlen(lo) <= TIME_DRIVEN_MAX;
}

static int how_of(const char *lo)
{
	return by_time(lo) ? TIME : TIME | UNIT;
}

/* Step through st calling row(st) for each row; finalises st. */
static int each_row(struct db_stmt *st, int (*row)(struct db_stmt *, void *), void *ctx,
                    struct err *e)
{
	enum db_step r;
	int ret = -1;

	while ((r = db_step(st, e)) == DB_ROW)
		if (row(st, ctx) != 0)
			goto out;
	if (r == DB_DONE)
		ret = 0;
out:
	db_finalize(st);
	return ret;
}

/* ------------------------------------------------------------ by grid */

/* The caller's callback, by query. */
struct cb_ctx {
	union {
		screen_grid_counts_cb grid;
		screen_mix_cb mix;
		screen_open_cb open;
		screen_day_cb day;
		screen_daynum_cb daynum;
		screen_alert_cb alert;
		screen_force_cb force;
		screen_category_cb category;
	} fn;
	void *ctx;
};

static int grid_counts_row(struct db_stmt *st, void *p)
{
	struct cb_ctx *c = p;
	struct screen_grid_counts r;

	memset(&r, 0, sizeof(r));
	col_copy(st, 0, r.grid, sizeof(r.grid));
	r.reported = db_col_int64(st, 1);
	r.closed = db_col_int64(st, 2);
	r.on_time = db_col_int64(st, 3);
	r.overdue_open = db_col_int64(st, 4);
	r.open = db_col_int64(st, 5);
	r.rated = db_col_int64(st, 6);
	r.rated_ok = db_col_int64(st, 7);
	r.escalated = db_col_int64(st, 8);
	r.rejected = db_col_int64(st, 9);
	return c->fn.grid(c->ctx, &r);
}

int store_screen_period_by_grid(struct db *db, const char *lo, const char *hi, int64_t from,
                                int64_t to, screen_grid_counts_cb cb, void *ctx, struct err *e)
{
	struct cb_ctx c = {.fn.grid = cb, .ctx = ctx};
	struct db_stmt *st = prep(db, SQL_PERIOD_BY_GRID[by_time(lo)], how_of(lo), from, to, lo, hi,
	                          NULL, e);

	return st ? each_row(st, grid_counts_row, &c, e) : -1;
}

static int mix_row(struct db_stmt *st, void *p)
{
	struct cb_ctx *c = p;
	struct screen_mix_row r;

	memset(&r, 0, sizeof(r));
	col_copy(st, 0, r.category, sizeof(r.category));
	col_copy(st, 1, r.source, sizeof(r.source));
	r.escalated = db_col_int64(st, 2) != 0;
	r.reported = db_col_int64(st, 3);
	r.closed = db_col_int64(st, 4);
	return c->fn.mix(c->ctx, &r);
}

int store_screen_period_mix(struct db *db, const char *lo, const char *hi, int64_t from, int64_t to,
                            screen_mix_cb cb, void *ctx, struct err *e)
{
	struct cb_ctx c = {.fn.mix = cb, .ctx = ctx};
	struct db_stmt *st = prep(db, SQL_PERIOD_MIX[by_time(lo)], how_of(lo), from, to, lo, hi,
	                          NULL, e);

	return st ? each_row(st, mix_row, &c, e) : -1;
}

static int open_row(struct db_stmt *st, void *p)
{
	struct cb_ctx *c = p;
	struct screen_open_row r;

	memset(&r, 0, sizeof(r));
	col_copy(st, 0, r.grid, sizeof(r.grid));
	r.open = db_col_int64(st, 1);
	r.overdue = db_col_int64(st, 2);
	r.red = db_col_int64(st, 3);
	r.supervised = db_col_int64(st, 4);
	return c->fn.open(c->ctx, &r);
}

int store_screen_open_by_grid(struct db *db, const char *lo, const char *hi, screen_open_cb cb,
                              void *ctx, struct err *e)
{
	struct cb_ctx c = {.fn.open = cb, .ctx = ctx};
	struct db_stmt *st = prep(db, SQL_OPEN_BY_GRID, UNIT, 0, 0, lo, hi, NULL, e);

	return st ? each_row(st, open_row, &c, e) : -1;
}

/* ------------------------------------------------------------ by day */

static int day_row(struct db_stmt *st, void *p)
{
	struct cb_ctx *c = p;
	const char *d = db_col_text(st, 0);

	return c->fn.day(c->ctx, d ? d : "", db_col_int64(st, 1));
}

int store_screen_reports_by_day(struct db *db, const char *lo, const char *hi, int64_t from,
                                int64_t to, screen_day_cb cb, void *ctx, struct err *e)
{
	struct cb_ctx c = {.fn.day = cb, .ctx = ctx};
	struct db_stmt *st = prep(db, SQL_REPORTS_BY_DAY[by_time(lo)], how_of(lo), from, to, lo, hi,
	                          NULL, e);

	return st ? each_row(st, day_row, &c, e) : -1;
}

static int daynum_row(struct db_stmt *st, void *p)
{
	struct cb_ctx *c = p;

	return c->fn.daynum(c->ctx, db_col_int64(st, 0), db_col_int64(st, 1));
}

int store_screen_closings_by_day(struct db *db, const char *lo, const char *hi, int64_t from,
                                 int64_t to, screen_daynum_cb cb, void *ctx, struct err *e)
{
	struct cb_ctx c = {.fn.daynum = cb, .ctx = ctx};
	struct db_stmt *st = prep(db, SQL_CLOSINGS_BY_DAY[by_time(lo)], how_of(lo), from, to, lo, hi,
	                          NULL, e);

	return st ? each_row(st, daynum_row, &c, e) : -1;
}

/* ------------------------------------------------------------ alerts */

static int alert_row(struct db_stmt *st, void *p)
{
	struct cb_ctx *c = p;
	struct screen_alert_row r;

	memset(&r, 0, sizeof(r));
	r.id = db_col_int64(st, 0);
	col_copy(st, 1, r.title, sizeof(r.title));
	col_copy(st, 2, r.category, sizeof(r.category));
	col_copy(st, 3, r.grid, sizeof(r.grid));
	col_copy(st, 4, r.status, sizeof(r.status));
	r.urgency = (int)db_col_int64(st, 5);
	r.warning = (int)db_col_int64(st, 6);
	r.supervision = (int)db_col_int64(st, 7);
	r.overdue = (int)db_col_int64(st, 8);
	r.level = (int)db_col_int64(st, 9);
	r.deadline_at = db_col_int64(st, 10);
	r.due_at = db_col_int64(st, 11);
	r.created_at = db_col_int64(st, 12);
	r.lon = db_col_double(st, 13);
	r.lat = db_col_double(st, 14);
	return c->fn.alert(c->ctx, &r);
}

int store_screen_alerts(struct db *db, const char *lo, const char *hi, int limit, screen_alert_cb cb,
                        void *ctx, struct err *e)
{
	struct cb_ctx c = {.fn.alert = cb, .ctx = ctx};
	int next;
	struct db_stmt *st = prep(db, SQL_ALERTS, UNIT, 0, 0, lo, hi, &next, e);

	if (!st)
		return -1;
	db_bind_int64(st, next, limit);
	return each_row(st, alert_row, &c, e);
}

/* ------------------------------------------------------------ forces, taxonomy, head */

static int force_row(struct db_stmt *st, void *p)
{
	struct cb_ctx *c = p;
	const char *k = db_col_text(st, 0), *s;
	char kind[16];

	str_copy(kind, sizeof(kind), k ? k : "");
	s = db_col_text(st, 1);
	return c->fn.force(c->ctx, kind, s ? s : "", db_col_int64(st, 2));
}

int store_screen_forces(struct db *db, const char *lo, const char *hi, screen_force_cb cb, void *ctx,
                        struct err *e)
{
	struct cb_ctx c = {.fn.force = cb, .ctx = ctx};
	struct db_stmt *st = prep(db, SQL_FORCES, 0, 0, 0, lo, hi, NULL, e);

	return st ? each_row(st, force_row, &c, e) : -1;
}

static int category_row(struct db_stmt *st, void *p)
{
	struct cb_ctx *c = p;
	char code[SCREEN_CODE_MAX], parent[SCREEN_CODE_MAX];
	const char *name;

	col_copy(st, 0, code, sizeof(code));
	col_copy(st, 1, parent, sizeof(parent));
	name = db_col_text(st, 2);
	return c->fn.category(c->ctx, code, parent, name ? name : "");
}

int store_screen_categories(struct db *db, screen_category_cb cb, void *ctx, struct err *e)
{
	struct cb_ctx c = {.fn.category = cb, .ctx = ctx};
	struct db_stmt *st;

	if (db_prepare_cached(db, SQL_CATEGORIES, &st, e) < 0)
		return -1;
	return each_row(st, category_row, &c, e);
}

int store_screen_log_head(struct db *db, int64_t *out, struct err *e)
{
	struct db_stmt *st;
	enum db_step r;

	if (db_prepare_cached(db, SQL_LOG_HEAD, &st, e) < 0)
		return -1;
	r = db_step(st, e);
	*out = r == DB_ROW ? db_col_int64(st, 0) : 0;
	db_finalize(st);
	return r == DB_ERROR ? -1 : 0;
}
