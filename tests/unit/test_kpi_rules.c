/*
 * test_kpi_rules.c - unit tests of src/domain/kpi_rules.c: what an event
 * contributes to the counters in each status, the derived indicators, and
 * the calendar arithmetic of KPI periods.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "domain/kpi_rules.h"
#include "lib/banned.h"

static struct kpi_facts facts(enum ev_status s)
{
	struct kpi_facts f;

	memset(&f, 0, sizeof(f));
	f.status = s;
	return f;
}

static int64_t sum(const struct kpi_counts *c)
{
	int64_t t = 0;
	for (int i = 0; i < KPI_NFIELDS; i++)
		t += c->n[i];
	return t;
}

static void test_columns(void **state)
{
	assert_string_equal(kpi_field_column(KPI_REPORTED), "reported");
	assert_string_equal(kpi_field_column(KPI_HANDLE_SECONDS), "handle_seconds");
	assert_string_equal(kpi_field_column(KPI_RATE_BAD), "rate_bad");
	assert_string_equal(kpi_field_column(KPI_NFIELDS), "");
}

static void test_reported_only(void **state)
{
	struct kpi_facts f = facts(EV_REPORTED);
	struct kpi_counts c;

	kpi_contribution(&f, &c);
	assert_int_equal(c.n[KPI_REPORTED], 1);
	assert_int_equal(sum(&c), 1);
	/* overdue while still waiting to be accepted: 超期 */
	f.overdue = 1;
	kpi_contribution(&f, &c);
	assert_int_equal(c.n[KPI_OVERDUE_OPEN], 1);
	assert_int_equal(sum(&c), 2);
}

static void test_rejected(void **state)
{
	struct kpi_facts f = facts(EV_REJECTED);
	struct kpi_counts c;

	f.overdue = 1;                        /* a finished event is never overdue-open */
	kpi_contribution(&f, &c);
	assert_int_equal(c.n[KPI_REJECTED], 1);
	assert_int_equal(c.n[KPI_ACCEPTED], 0);
	assert_int_equal(c.n[KPI_OVERDUE_OPEN], 0);
	assert_int_equal(sum(&c), 2);
}

static void test_handling(void **state)
{
	struct kpi_facts f = facts(EV_HANDLING);
	struct kpi_counts c;

	f.accepted_at = 1000;
	f.escalated = 1;
	f.rework_count = 1;                   /* rework counts once closed */
	kpi_contribution(&f, &c);
	assert_int_equal(c.n[KPI_ACCEPTED], 1);
	assert_int_equal(c.n[KPI_ESCALATED], 1);
	assert_int_equal(c.n[KPI_REWORK], 0);
	assert_int_equal(c.n[KPI_CLOSED], 0);
	assert_int_equal(sum(&c), 3);
}

static void test_closed_on_time_internal(void **state)
{
	struct kpi_facts f = facts(EV_CLOSED);
	struct kpi_counts c;

	f.loop = EV_LOOP_INTERNAL;
	f.accepted_at = 1000;
	f.closed_at = 4600;
	f.due_at = 4600;                      /* exactly at the deadline: on time */
	f.overdue = 1;                        /* stale flag: closed events are not overdue-open */
	kpi_contribution(&f, &c);
	assert_int_equal(c.n[KPI_CLOSED], 1);
	assert_int_equal(c.n[KPI_CLOSED_ON_TIME], 1);
	assert_int_equal(c.n[KPI_CLOSED_LATE], 0);
	assert_int_equal(c.n[KPI_CLOSED_INTERNAL], 1);
	assert_int_equal(c.n[KPI_OVERDUE_OPEN], 0);
	assert_int_equal(c.n[KPI_HANDLE_SECONDS], 3600);
}

static void test_closed_late_external_rated(void **state)
{
	struct kpi_facts f = facts(EV_CLOSED);
	struct kpi_counts c;

	f.loop = EV_LOOP_EXTERNAL;
	f.escalated = 1;
	f.accepted_at = 1000;
	f.closed_at = 5000;
	f.due_at = 4999;
	f.rework_count = 2;
	f.rating = 3;
	kpi_contribution(&f, &c);
	assert_int_equal(c.n[KPI_CLOSED_ON_TIME], 0);
	assert_int_equal(c.n[KPI_CLOSED_LATE], 1);
	assert_int_equal(c.n[KPI_CLOSED_INTERNAL], 0);
	assert_int_equal(c.n[KPI_REWORK], 1);
	assert_int_equal(c.n[KPI_ESCALATED], 1);
	assert_int_equal(c.n[KPI_RATED], 1);
	assert_int_equal(c.n[KPI_RATE_BAD], 1);
	assert_int_equal(c.n[KPI_RATE_GOOD] + c.n[KPI_RATE_OK], 0);

	f.rating = 1;
	kpi_contribution(&f, &c);
	assert_int_equal(c.n[KPI_RATE_GOOD], 1);
	f.rating = 2;
	kpi_contribution(&f, &c);
	assert_int_equal(c.n[KPI_RATE_OK], 1);
	f.rating = 7;                         /* not a rating */
	kpi_contribution(&f, &c);
	assert_int_equal(c.n[KPI_RATED], 0);
}

static void test_closed_without_deadline(void **state)
{
	struct kpi_facts f = facts(EV_CLOSED);
	struct kpi_counts c;

	f.closed_at = 5000;                   /* no due_at, no accepted_at */
	kpi_contribution(&f, &c);
	assert_int_equal(c.n[KPI_CLOSED_ON_TIME], 1);
	assert_int_equal(c.n[KPI_HANDLE_SECONDS], 0);
}

static void test_merged_counts_reported_only(void **state)
{
	struct kpi_facts f = facts(EV_MERGED);
	struct kpi_counts c;

	f.accepted_at = 10;
	f.escalated = 1;
	f.overdue = 1;
	f.rating = 1;
	kpi_contribution(&f, &c);
	assert_int_equal(c.n[KPI_REPORTED], 1);
	assert_int_equal(sum(&c), 1);
}

static void test_delta(void **state)
{
	struct kpi_facts a = facts(EV_HANDLING), b = facts(EV_CLOSED);
	struct kpi_counts ca, cb, d = {{0}};

	a.accepted_at = b.accepted_at = 100;
	b.closed_at = 200;
	kpi_contribution(&a, &ca);
	kpi_contribution(&b, &cb);
	kpi_counts_add(&d, &cb, 1);
	kpi_counts_add(&d, &ca, -1);
	assert_int_equal(d.n[KPI_REPORTED], 0);
	assert_int_equal(d.n[KPI_ACCEPTED], 0);
	assert_int_equal(d.n[KPI_CLOSED], 1);
	assert_int_equal(d.n[KPI_HANDLE_SECONDS], 100);
	assert_false(kpi_counts_zero(&d));
	kpi_counts_add(&d, &cb, -1);
	kpi_counts_add(&d, &ca, 1);
	assert_true(kpi_counts_zero(&d));
}

static void test_indicators(void **state)
{
	struct kpi_counts c = {{0}};
	struct kpi_indicators k;

	kpi_indicators_of(&c, &k);
	assert_true(isnan(k.close_rate) && isnan(k.satisfaction) && isnan(k.avg_handle_seconds));
	c.n[KPI_REPORTED] = 20;
	c.n[KPI_ACCEPTED] = 18;
	c.n[KPI_REJECTED] = 2;
	c.n[KPI_CLOSED] = 15;
	c.n[KPI_CLOSED_ON_TIME] = 12;
	c.n[KPI_CLOSED_LATE] = 3;
	c.n[KPI_CLOSED_INTERNAL] = 9;
	c.n[KPI_OVERDUE_OPEN] = 5;
	c.n[KPI_REWORK] = 3;
	c.n[KPI_ESCALATED] = 6;
	c.n[KPI_HANDLE_SECONDS] = 15 * 7200;
	c.n[KPI_RATED] = 10;
	c.n[KPI_RATE_GOOD] = 7;
	c.n[KPI_RATE_OK] = 2;
	c.n[KPI_RATE_BAD] = 1;
	kpi_indicators_of(&c, &k);
	assert_int_equal(k.accepted, 18);
	assert_int_equal(k.rejected, 2);
	assert_int_equal(k.closed, 15);
	assert_int_equal(k.due, 20);
	assert_int_equal(k.overdue, 8);
	assert_int_equal(k.external, 6);
	assert_float_equal(k.close_rate, 0.75, 1e-12);
	assert_float_equal(k.on_time_rate, 0.6, 1e-12);
	assert_float_equal(k.rework_rate, 0.2, 1e-12);
	assert_float_equal(k.avg_handle_seconds, 7200, 1e-9);
	assert_float_equal(k.self_rate, 0.6, 1e-12);
	assert_float_equal(k.satisfaction, 0.9, 1e-12);
}

/* ------------------------------------------------------------- periods */

static int32_t day(const char *s)
{
	int32_t d = 0;
	assert_int_equal(kpi_day_parse(s, &d), 0);
	return d;
}

static const char *fmt(int32_t d)
{
	static char buf[4][11];
	static int i;
	return kpi_day_format(d, buf[i++ & 3]);
}

static void test_day_parse(void **state)
{
	int32_t d;

	assert_int_equal(kpi_day_parse("2000-01-01", &d), 0);
	assert_int_equal(d, 10957);            /* days since 1970-01-01 */
	assert_string_equal(fmt(day("2024-02-29")), "2024-02-29");
	assert_string_equal(fmt(day("2026-12-31") + 1), "2027-01-01");
	assert_int_equal(day("2026-03-01") - day("2026-02-28"), 1);
	assert_int_equal(day("2024-03-01") - day("2024-02-28"), 2);
}

static void test_day_parse_rejects(void **state)
{
	static const char *const bad[] = {"", "2026-2-01", "2026-02-30", "2023-02-29", "2026-13-01",
	                                  "2026-00-10", "2026-01-00", "1999-12-31", "2200-01-01",
	                                  "2026-01-01T", "2026/01/01", "2026-01-0a", " 2026-01-01"};
	int32_t d;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(kpi_day_parse(bad[i], &d), -1);
	assert_int_equal(kpi_day_parse(NULL, &d), -1);
}

static void test_months(void **state)
{
	assert_string_equal(fmt(kpi_day_month_start(day("2026-05-17"))), "2026-05-01");
	assert_true(kpi_day_is_month_start(day("2026-05-01")));
	assert_false(kpi_day_is_month_start(day("2026-05-02")));
	assert_string_equal(fmt(kpi_day_add_months(day("2026-03-31"), -1)), "2026-02-28");
	assert_string_equal(fmt(kpi_day_add_months(day("2024-02-29"), -12)), "2023-02-28");
	assert_string_equal(fmt(kpi_day_add_months(day("2026-11-15"), 3)), "2027-02-15");
	assert_string_equal(fmt(kpi_day_add_months(day("2026-01-15"), -13)), "2024-12-15");
}

static void test_split(void **state)
{
	struct kpi_span s[3];
	int n;

	/* within one month: days only */
	n = kpi_split_period(day("2026-05-03"), day("2026-05-20"), s);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].grain, 'd');
	/* a calendar month: one month row */
	n = kpi_split_period(day("2026-05-01"), day("2026-06-01"), s);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].grain, 'm');
	assert_string_equal(fmt(s[0].from), "2026-05-01");
	assert_string_equal(fmt(s[0].to), "2026-06-01");
	/* days, months, days */
	n = kpi_split_period(day("2025-05-20"), day("2026-05-10"), s);
	assert_int_equal(n, 3);
	assert_int_equal(s[0].grain, 'd');
	assert_string_equal(fmt(s[0].from), "2025-05-20");
	assert_string_equal(fmt(s[0].to), "2025-06-01");
	assert_int_equal(s[1].grain, 'm');
	assert_string_equal(fmt(s[1].from), "2025-06-01");
	assert_string_equal(fmt(s[1].to), "2026-05-01");
	assert_int_equal(s[2].grain, 'd');
	assert_string_equal(fmt(s[2].from), "2026-05-01");
	assert_string_equal(fmt(s[2].to), "2026-05-10");
	/* across a month end without a whole month */
	n = kpi_split_period(day("2026-04-20"), day("2026-05-10"), s);
	assert_int_equal(n, 1);
	assert_int_equal(s[0].grain, 'd');
	/* empty */
	assert_int_equal(kpi_split_period(day("2026-04-20"), day("2026-04-20"), s), 0);
}

static void test_compare_periods(void **state)
{
	int32_t f, t;

	kpi_previous_period(day("2026-03-01"), day("2026-04-01"), &f, &t);
	assert_string_equal(fmt(f), "2026-02-01");
	assert_string_equal(fmt(t), "2026-03-01");
	kpi_previous_period(day("2026-01-01"), day("2026-04-01"), &f, &t);   /* a quarter */
	assert_string_equal(fmt(f), "2025-10-01");
	kpi_previous_period(day("2026-03-10"), day("2026-03-20"), &f, &t);   /* 10 days */
	assert_string_equal(fmt(f), "2026-02-28");
	assert_string_equal(fmt(t), "2026-03-10");
	kpi_last_year_period(day("2024-02-29"), day("2024-03-01"), &f, &t);
	assert_string_equal(fmt(f), "2023-02-28");
	assert_string_equal(fmt(t), "2023-03-01");
}

static void test_levels(void **state)
{
	assert_int_equal(kpi_level_code_len(1), 6);
	assert_int_equal(kpi_level_code_len(2), 9);
	assert_int_equal(kpi_level_code_len(3), 12);
	assert_int_equal(kpi_level_code_len(4), 14);
	assert_int_equal(kpi_level_code_len(5), 16);
	assert_int_equal(kpi_level_code_len(0), 0);
	assert_int_equal(kpi_level_code_len(6), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_reported_only),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_handling),
		cmocka_unit_test(test_closed_on_time_internal),
		cmocka_unit_test(test_closed_late_external_rated),
		cmocka_unit_test(test_closed_without_deadline),
		cmocka_unit_test(test_merged_counts_reported_only),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_indicators),
		cmocka_unit_test(test_day_parse),
		cmocka_unit_test(test_day_parse_rejects),
		cmocka_unit_test(test_months),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_compare_periods),
		cmocka_unit_test(test_levels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
