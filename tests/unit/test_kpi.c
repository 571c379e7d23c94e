/*
 * test_kpi.c - unit tests of src/app/kpi.c and src/store/store_kpi.c on a
 * real database (SQLite, or PostgreSQL with WANGGE_TEST_PG): counters kept
 * through an event's life, queries by unit, category and period, the batch,
 * and a rebuild that gives the same counters as the incremental path.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "app/kpi.h"
#include "store/store_event.h"
#include "store/store_kpi.h"
#include "store/store_unit.h"
#include "testutil.h"
#include "lib/banned.h"

#define OK(call) do {                                                   \
	struct err e_ = ERR_INIT;                                       \
	if ((call) < 0)                                                 \
		fail_msg("%s: %d %s %s", #call, e_.status, e_.code, e_.msg_en); \
} while (0)

#define D "440111"
#define T1 "440111002"
#define T2 "440111003"
#define C1 "440111002001"
#define A1 "44011100200101"
#define G1 "4401110020010101"
#define G2 "4401110020010102"
#define G3 "4401110030010101"

static void put_unit(struct db *db, const char *code, const char *parent, int level, const char *name)
{
	struct unit_rec u;

	memset(&u, 0, sizeof(u));
	snprintf(u.code, sizeof(u.code), "%s", code);
	snprintf(u.parent, sizeof(u.parent), "%s", parent);
	u.level = level;
	snprintf(u.kind, sizeof(u.kind), "%s", level == 1 ? "区" : level == 2 ? "街道" : level == 3 ? "社区" :
	         level == 4 ? "片区" : "网格");
	snprintf(u.name, sizeof(u.name), "%s", name);
	u.households = u.population = -1;
	u.bbox[2] = u.bbox[3] = 1;
	OK(store_unit_put(db, &u, NULL, 0, &e_));
}

static void put_category(struct db *db, const char *code, const char *parent, const char *name)
{
	struct category_rec c;

	memset(&c, 0, sizeof(c));
	snprintf(c.code, sizeof(c.code), "%s", code);
	snprintf(c.parent, sizeof(c.parent), "%s", parent);
	snprintf(c.name, sizeof(c.name), "%s", name);
	c.minutes[0] = c.minutes[1] = c.minutes[2] = 60;
	c.enabled = 1;
	OK(store_category_put(db, &c, &e_));
}

static void org(struct db *db)
{
	put_unit(db, D, "", 1, "白云区");
	put_unit(db, T1, D, 2, "三元里街道");
	put_unit(db, T2, D, 2, "松洲街道");
	put_unit(db, C1, T1, 3, "三元里社区");
	put_unit(db, "440111003001", T2, 3, "松洲社区");
	put_unit(db, A1, C1, 4, "第一片区");
	put_unit(db, "44011100300101", "440111003001", 4, "松洲第一片区");
	put_unit(db, G1, A1, 5, "第1网格");
	put_unit(db, G2, A1, 5, "第2网格");
	put_unit(db, G3, "44011100300101", 5, "松洲第1网格");
	put_category(db, "ka", "", "市容环境");
	put_category(db, "ka.x", "ka", "乱摆卖");
	put_category(db, "ka.y", "ka", "垃圾");
	put_category(db, "kb", "", "矛盾纠纷");
	put_category(db, "kb.z", "kb", "邻里纠纷");
}

static struct event_rec *event(const char *day, const char *grid, const char *cat, const char *src)
{
	struct event_rec *ev = calloc(1, sizeof(*ev));

	snprintf(ev->day, sizeof(ev->day), "%s", day);
	snprintf(ev->grid, sizeof(ev->grid), "%s", grid);
	snprintf(ev->category, sizeof(ev->category), "%s", cat);
	snprintf(ev->source, sizeof(ev->source), "%s", src);
	snprintf(ev->status, sizeof(ev->status), "reported");
	snprintf(ev->loop, sizeof(ev->loop), "internal");
	snprintf(ev->title, sizeof(ev->title), "t");
	snprintf(ev->description, sizeof(ev->description), "d");
	snprintf(ev->crs, sizeof(ev->crs), "wgs84");
	snprintf(ev->holder, sizeof(ev->holder), "%.12s", grid);
	ev->urgency = 1;
	ev->level = 3;
	ev->created_at = ev->updated_at = ev->phase_started_at = 1000;
	ev->version = 1;
	return ev;
}

static struct kpi_result query(struct db *db, const char *unit, const char *from, const char *to,
                               enum kpi_by by, const char *cat)
{
	struct kpi_request q = {.unit = unit, .by = by, .category = cat, .compare = 1};
	struct kpi_result r;

	assert_int_equal(kpi_day_parse(from, &q.from), 0);
	assert_int_equal(kpi_day_parse(to, &q.to), 0);
	OK(kpi_query(db, &q, &r, &e_));
	return r;
}

static int64_t total(struct db *db, const char *unit, const char *from, const char *to, enum kpi_field f)
{
	struct kpi_result r = query(db, unit, from, to, KPI_BY_NONE, NULL);
	int64_t v = r.total.n[f];
	kpi_result_release(&r);
	return v;
}

/* ------------------------------------------------------------------ tests */

static void test_life_of_an_event(void **state)
{
	struct test_db *f = *state;
	struct event_rec *a = event("2026-05-10", G1, "ka.x", "patrol"), *b = event("2026-05-10", G1, "ka.x", "patrol");

	OK(db_begin(f->db, &e_));
	OK(kpi_event_changed(f->db, NULL, a, &e_));
	OK(db_commit(f->db, &e_));
	for (const char *u = D; u; u = !strcmp(u, D) ? T1 : !strcmp(u, T1) ? C1 : !strcmp(u, C1) ? A1 :
	                               !strcmp(u, A1) ? G1 : NULL)
		assert_int_equal(total(f->db, u, "2026-05-01", "2026-06-01", KPI_REPORTED), 1);
	assert_int_equal(total(f->db, T2, "2026-05-01", "2026-06-01", KPI_REPORTED), 0);
	assert_int_equal(total(f->db, G2, "2026-05-01", "2026-06-01", KPI_REPORTED), 0);
	assert_int_equal(total(f->db, D, "2026-05-10", "2026-05-11", KPI_REPORTED), 1);   /* day rows */
	assert_int_equal(total(f->db, D, "2026-05-11", "2026-05-31", KPI_REPORTED), 0);
	assert_int_equal(total(f->db, D, "2026-04-20", "2026-06-05", KPI_REPORTED), 1);   /* days, month, days */

	/* accepted, then closed late with a rating */
	*b = *a;
	snprintf(b->status, sizeof(b->status), "handling");
	b->accepted_at = 2000;
	OK(kpi_event_changed(f->db, a, b, &e_));
	*a = *b;
	snprintf(b->status, sizeof(b->status), "closed");
	b->closed_at = 9200;
	b->due_at = 9000;
	b->rating = 2;
	OK(kpi_event_changed(f->db, a, b, &e_));
	{
		struct kpi_result r = query(f->db, D, "2026-05-01", "2026-06-01", KPI_BY_NONE, NULL);
		assert_int_equal(r.total.n[KPI_REPORTED], 1);
		assert_int_equal(r.total.n[KPI_ACCEPTED], 1);
		assert_int_equal(r.total.n[KPI_CLOSED], 1);
		assert_int_equal(r.total.n[KPI_CLOSED_LATE], 1);
		assert_int_equal(r.total.n[KPI_CLOSED_INTERNAL], 1);
		assert_int_equal(r.total.n[KPI_HANDLE_SECONDS], 7200);
		assert_int_equal(r.total.n[KPI_RATE_OK], 1);
		kpi_result_release(&r);
	}
	/* a change that moves no counter writes nothing; one that moves the
	 * cohort (reclassified) moves the counts */
	*a = *b;
	b->version = 9;
	OK(kpi_event_changed(f->db, a, b, &e_));
	snprintf(b->category, sizeof(b->category), "kb.z");
	OK(kpi_event_changed(f->db, a, b, &e_));
	{
		struct kpi_result r = query(f->db, D, "2026-05-01", "2026-06-01", KPI_BY_CATEGORY, NULL);
		assert_int_equal(r.nrows, 2);                  /* ka (now all zero) and kb */
		assert_string_equal(r.rows[0].key, "ka");
		assert_true(kpi_counts_zero(&r.rows[0].c));
		assert_string_equal(r.rows[1].key, "kb");
		assert_int_equal(r.rows[1].c.n[KPI_CLOSED], 1);
		kpi_result_release(&r);
	}
	free(a);
	free(b);
}

static void test_queries(void **state)
{
	struct test_db *f = *state;
	struct kpi_batch batch;
	static const struct { const char *day, *grid, *cat, *src; } evs[] = {
		{"2026-04-30", G1, "ka.x", "patrol"}, {"2026-05-01", G1, "ka.x", "patrol"},
		{"2026-05-02", G1, "ka.y", "hotline"}, {"2026-05-02", G2, "ka.y", "patrol"},
		{"2026-05-31", G3, "kb.z", "resident"}, {"2026-06-01", G3, "kb.z", "resident"},
		{"2025-05-15", G1, "ka.x", "patrol"}, {"2026-04-15", G3, "ka.x", "patrol"},
		{"2026-05-20", G3, "kb", "patrol"},
	};
	struct kpi_result r;

	org(f->db);
	kpi_batch_init(&batch);
	for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++) {
		struct event_rec *ev = event(evs[i].day, evs[i].grid, evs[i].cat, evs[i].src);
		OK(kpi_batch_add(&batch, NULL, ev, &e_));
		free(ev);
	}
	assert_true(kpi_batch_size(&batch) > 0);
	OK(db_begin(f->db, &e_));
	OK(kpi_batch_flush(&batch, f->db, &e_));
	OK(db_commit(f->db, &e_));
	assert_int_equal(kpi_batch_size(&batch), 0);
	kpi_batch_release(&batch);

	/* May 2026: rows 2..5 and 9 */
	r = query(f->db, D, "2026-05-01", "2026-06-01", KPI_BY_UNIT, NULL);
	assert_int_equal(r.total.n[KPI_REPORTED], 5);
	assert_int_equal(r.nrows, 2);                      /* both towns, from the database */
	assert_string_equal(r.rows[0].key, T1);
	assert_int_equal(r.rows[0].c.n[KPI_REPORTED], 3);
	assert_string_equal(r.rows[1].key, T2);
	assert_int_equal(r.rows[1].c.n[KPI_REPORTED], 2);
	assert_int_equal(r.prev.n[KPI_REPORTED], 2);       /* 环比: April */
	assert_int_equal(r.last_year.n[KPI_REPORTED], 1);  /* 同比: May 2025 */
	kpi_result_release(&r);

	/* by category: level-1 codes, a level-1 filter gives level-2 codes */
	r = query(f->db, D, "2026-05-01", "2026-06-01", KPI_BY_CATEGORY, NULL);
	assert_int_equal(r.nrows, 2);
	assert_string_equal(r.rows[0].key, "ka");
	assert_int_equal(r.rows[0].c.n[KPI_REPORTED], 3);
	assert_string_equal(r.rows[1].key, "kb");
	assert_int_equal(r.rows[1].c.n[KPI_REPORTED], 2);
	kpi_result_release(&r);
	r = query(f->db, D, "2026-05-01", "2026-06-01", KPI_BY_CATEGORY, "ka");
	assert_int_equal(r.total.n[KPI_REPORTED], 3);
	assert_int_equal(r.nrows, 2);
	assert_string_equal(r.rows[0].key, "ka.x");
	assert_string_equal(r.rows[1].key, "ka.y");
	assert_int_equal(r.rows[1].c.n[KPI_REPORTED], 2);
	kpi_result_release(&r);
	r = query(f->db, D, "2026-05-01", "2026-06-01", KPI_BY_CATEGORY, "kb");
	assert_int_equal(r.nrows, 2);                      /* kb itself and kb.z */
	kpi_result_release(&r);

	/* by unit under a community (area rows) and an area (grid rows, no roll-ups) */
	r = query(f->db, A1, "2026-05-01", "2026-06-01", KPI_BY_UNIT, NULL);
	assert_int_equal(r.total.n[KPI_REPORTED], 3);
	assert_int_equal(r.nrows, 2);
	assert_int_equal(r.rows[0].c.n[KPI_REPORTED], 2);
	assert_int_equal(r.rows[1].c.n[KPI_REPORTED], 1);
	kpi_result_release(&r);
	r = query(f->db, A1, "2026-05-01", "2026-06-01", KPI_BY_UNIT, "ka.y");
	assert_int_equal(r.total.n[KPI_REPORTED], 2);
	assert_int_equal(r.rows[0].c.n[KPI_REPORTED], 1);
	kpi_result_release(&r);
	r = query(f->db, G1, "2026-05-01", "2026-06-01", KPI_BY_CATEGORY, NULL);
	assert_int_equal(r.total.n[KPI_REPORTED], 2);
	assert_int_equal(r.nrows, 1);
	kpi_result_release(&r);
	/* a grid has no children */
	r = query(f->db, G1, "2026-05-01", "2026-06-01", KPI_BY_UNIT, NULL);
	assert_int_equal(r.nrows, 0);
	kpi_result_release(&r);
	/* a year, edges from day rows */
	assert_int_equal(total(f->db, D, "2025-05-15", "2026-06-02", KPI_REPORTED), 9);
	assert_int_equal(total(f->db, D, "2025-05-16", "2026-06-01", KPI_REPORTED), 7);
}

static void test_rebuild_matches(void **state)
{
	struct test_db *f = *state;
	static const char *const status[] = {"reported", "handling", "closed", "rejected", "merged",
	                                     "escalated", "closed", "verifying"};
	struct kpi_result inc, reb;
	int64_t events = 0, rows_inc = 0, rows_reb = 0;

	org(f->db);
	OK(db_begin(f->db, &e_));
	for (int i = 0; i < 40; i++) {
		char day[11];
		struct event_rec *ev;
		snprintf(day, sizeof(day), "2026-%02d-%02d", 3 + i % 3, 1 + i % 28);
		ev = event(day, i % 3 == 0 ? G1 : i % 3 == 1 ? G2 : G3, i % 2 ? "ka.x" : "kb.z",
		           i % 4 ? "patrol" : "hotline");
		snprintf(ev->status, sizeof(ev->status), "%s", status[i % 8]);
		ev->accepted_at = i % 8 ? 1500 : 0;
		ev->closed_at = !strcmp(ev->status, "closed") ? 5000 + i : 0;
		ev->due_at = 5020;
		ev->overdue = i % 5 == 0;
		ev->rework_count = i % 7 == 0;
		ev->rating = i % 4;
		ev->escalated = i % 6 == 0;
		if (!strcmp(ev->status, "escalated"))
			snprintf(ev->loop, sizeof(ev->loop), "external");
		OK(store_event_insert(f->db, ev, &ev->id, &e_));
		OK(kpi_event_changed(f->db, NULL, ev, &e_));
		free(ev);
	}
	OK(db_commit(f->db, &e_));
	OK(store_kpi_count(f->db, &rows_inc, &e_));
	inc = query(f->db, D, "2026-03-01", "2026-06-01", KPI_BY_UNIT, NULL);
	OK(kpi_rebuild(f->db, &events, &e_));
	assert_int_equal(events, 40);
	OK(store_kpi_count(f->db, &rows_reb, &e_));
	assert_int_equal(rows_reb, rows_inc);
	reb = query(f->db, D, "2026-03-01", "2026-06-01", KPI_BY_UNIT, NULL);
	assert_int_equal(inc.total.n[KPI_REPORTED], 40);
	assert_memory_equal(&inc.total, &reb.total, sizeof(inc.total));
	assert_int_equal(inc.nrows, reb.nrows);
	for (size_t i = 0; i < inc.nrows; i++)
		assert_memory_equal(&inc.rows[i].c, &reb.rows[i].c, sizeof(inc.rows[i].c));
	assert_true(inc.total.n[KPI_CLOSED] > 0 && inc.total.n[KPI_CLOSED_LATE] > 0 &&
	            inc.total.n[KPI_CLOSED_ON_TIME] > 0 && inc.total.n[KPI_OVERDUE_OPEN] > 0 &&
	            inc.total.n[KPI_RATED] > 0 && inc.total.n[KPI_REJECTED] > 0);
	kpi_result_release(&inc);
	kpi_result_release(&reb);
}

/* Deferred counters (app/kpi.h): a day whose deltas were lost or added
 * twice is recomputed from its events, its month rows moved by the
 * difference, other days and months untouched. */
struct snap {
	struct kpi_result r[4];
};

static void snapshot(struct db *db, struct snap *s)
{
	s->r[0] = query(db, D, "2026-03-01", "2026-05-01", KPI_BY_UNIT, NULL);      /* month rows */
	s->r[1] = query(db, D, "2026-03-05", "2026-03-07", KPI_BY_CATEGORY, NULL);  /* day rows */
	s->r[2] = query(db, T1, "2026-03-06", "2026-03-07", KPI_BY_UNIT, NULL);
	s->r[3] = query(db, G3, "2026-04-02", "2026-04-03", KPI_BY_CATEGORY, NULL);
}

static void snap_equal(struct snap *a, struct snap *b)
{
	for (int k = 0; k < 4; k++) {
		assert_memory_equal(&a->r[k].total, &b->r[k].total, sizeof(a->r[k].total));
		assert_int_equal(a->r[k].nrows, b->r[k].nrows);
		for (size_t i = 0; i < a->r[k].nrows; i++) {
			assert_string_equal(a->r[k].rows[i].key, b->r[k].rows[i].key);
			assert_memory_equal(&a->r[k].rows[i].c, &b->r[k].rows[i].c, sizeof(a->r[k].rows[i].c));
		}
		kpi_result_release(&a->r[k]);
		kpi_result_release(&b->r[k]);
	}
}

static void test_repair_days(void **state)
{
	struct test_db *f = *state;
	static const char *const days[] = {"2026-03-05", "2026-03-05", "2026-03-05", "2026-03-06",
	                                   "2026-03-06", "2026-04-02", "2026-03-20"};
	struct snap broken, repaired, rebuilt;
	char epoch[KPI_EPOCH_MAX], epoch2[KPI_EPOCH_MAX];
	int ndays = -1;

	org(f->db);
	OK(db_begin(f->db, &e_));
	for (int i = 0; i < 7; i++) {
		struct event_rec *ev = event(days[i], i % 2 ? G1 : i == 4 ? G3 : G2, i % 3 ? "ka.x" : "kb.z",
		                             "patrol");
		int32_t d;
		assert_int_equal(kpi_day_parse(days[i], &d), 0);
		ev->created_at = (int64_t)d * 86400 - 8 * 3600 + 12 * 3600;     /* noon, China time */
		if (i == 3) {
			snprintf(ev->status, sizeof(ev->status), "closed");
			ev->accepted_at = ev->created_at + 60;
			ev->closed_at = ev->created_at + 600;
			ev->due_at = ev->created_at + 3600;
		}
		OK(store_event_insert(f->db, ev, &ev->id, &e_));
		if (i != 1)                                   /* 03-05: a delta lost */
			OK(kpi_event_changed(f->db, NULL, ev, &e_));
		if (i == 3)                                   /* 03-06: one counted twice */
			OK(kpi_event_changed(f->db, NULL, ev, &e_));
		free(ev);
	}
	OK(db_commit(f->db, &e_));
	snapshot(f->db, &broken);
	assert_int_equal(broken.r[0].total.n[KPI_REPORTED], 7);          /* 7 − 1 + 1 */
	for (int k = 0; k < 4; k++)
		kpi_result_release(&broken.r[k]);

	OK(kpi_epoch(f->db, epoch, &e_));
	OK(db_begin(f->db, &e_));
	OK(store_kpi_dirty_mark(f->db, "2026-03-05", &e_));
	OK(store_kpi_dirty_mark(f->db, "2026-03-06", &e_));
	OK(store_kpi_dirty_mark(f->db, "2026-03-06", &e_));             /* once */
	OK(kpi_repair_dirty(f->db, &ndays, &e_));
	OK(db_commit(f->db, &e_));
	assert_int_equal(ndays, 2);
	snapshot(f->db, &repaired);
	assert_int_equal(repaired.r[0].total.n[KPI_REPORTED], 7);
	assert_int_equal(repaired.r[2].total.n[KPI_CLOSED], 1);
	OK(kpi_rebuild(f->db, NULL, &e_));
	snapshot(f->db, &rebuilt);
	snap_equal(&repaired, &rebuilt);
	/* the marks are gone; a rebuild moved the epoch */
	OK(db_begin(f->db, &e_));
	OK(kpi_repair_dirty(f->db, &ndays, &e_));
	OK(db_commit(f->db, &e_));
	assert_int_equal(ndays, 0);
	OK(kpi_epoch(f->db, epoch2, &e_));
	assert_string_not_equal(epoch, epoch2);
}

static void test_bad_events(void **state)
{
	struct kpi_batch b;
	struct err e = ERR_INIT;
	struct event_rec *ev = event("2026-02-30", G1, "ka.x", "patrol");

	kpi_batch_init(&b);
	assert_int_equal(kpi_batch_add(&b, NULL, ev, &e), -1);
	assert_string_equal(e.code, "kpi.bad_event");
	snprintf(ev->day, sizeof(ev->day), "2026-02-28");
	snprintf(ev->grid, sizeof(ev->grid), "12345");
	assert_int_equal(kpi_batch_add(&b, NULL, ev, &e), -1);
	snprintf(ev->grid, sizeof(ev->grid), G1);
	snprintf(ev->category, sizeof(ev->category), "*");   /* the roll-up key is not a category */
	assert_int_equal(kpi_batch_add(&b, NULL, ev, &e), -1);
	snprintf(ev->category, sizeof(ev->category), "ka");
	snprintf(ev->status, sizeof(ev->status), "lost");
	assert_int_equal(kpi_batch_add(&b, NULL, ev, &e), -1);
	assert_int_equal(kpi_batch_size(&b), 0);
	snprintf(ev->status, sizeof(ev->status), "reported");
	assert_int_equal(kpi_batch_add(&b, NULL, ev, &e), 0);
	/* 2 grains × (5 levels + 2 roll-ups at 3 levels) */
	assert_int_equal(kpi_batch_size(&b), 22);
	assert_int_equal(kpi_batch_add(&b, NULL, ev, &e), 0);
	assert_int_equal(kpi_batch_size(&b), 22);           /* coalesced */
	kpi_batch_release(&b);
	free(ev);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, test_db_setup, test_db_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_life_of_an_event),
		T(test_queries),
		T(test_rebuild_matches),
		T(test_repair_days),
		cmocka_unit_test(test_bad_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
