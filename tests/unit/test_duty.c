/*
 * test_duty.c - tests for src/domain/duty_rules.c: dates and weekdays,
 * shift windows in China Standard Time, resolving pattern + exceptions +
 * swaps, and gaps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "domain/duty_rules.h"

static int64_t D(const char *s)
{
	int64_t d = 0;
	assert_int_equal(duty_date_parse(s, &d), 0);
	return d;
}

static void test_dates(void **state)
{
	char buf[DUTY_DATE_LEN];
	int64_t d;

	assert_int_equal(duty_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(duty_weekday(0), 4);                    /* 1970-01-01, a Thursday */
	assert_int_equal(duty_weekday(D("2026-03-02")), 1);      /* Monday */
	assert_int_equal(duty_weekday(D("2026-03-08")), 7);      /* Sunday */
	assert_string_equal(duty_date_format(D("2028-02-29"), buf), "2028-02-29");
	{
		const char *bad[] = {"2026-02-29", "2026-13-01", "2026-1-01", "2026-01-01x", "", "1999-12-31",
		                     "2026/01/01", "2026-00-10", "2026-04-31", "+026-01-01", NULL};
		for (int i = 0; bad[i]; i++)
			assert_int_equal(duty_date_parse(bad[i], &d), -1);
		assert_int_equal(duty_date_parse(NULL, &d), -1);
	}
}

static void test_names(void **state)
{
	assert_int_equal(duty_shift_parse("day"), DUTY_DAY);
	assert_int_equal(duty_shift_parse("full"), DUTY_FULL);
	assert_int_equal(duty_shift_parse("Day"), DUTY_SHIFT_NONE);
	assert_int_equal(duty_shift_parse(NULL), DUTY_SHIFT_NONE);
	assert_string_equal(duty_shift_label(DUTY_NIGHT), "夜班");
	assert_int_equal(duty_role_parse("officer"), DUTY_OFFICER);
	assert_string_equal(duty_role_label(DUTY_LEADER), "带班领导");
	assert_int_equal(duty_ex_parse("clear"), DUTY_EX_CLEAR);
	assert_int_equal(duty_ex_parse("drop"), DUTY_EX_NONE);
}

/* Unix time of a CST wall-clock time. */
static time_t cst(const char *date, int h, int m)
{
	return (time_t)(D(date) * 86400 - DUTY_CST_OFFSET + h * 3600 + m * 60);
}

static void test_windows_and_now(void **state)
{
	time_t s, e;
	int64_t day;
	enum duty_shift c[2];

	duty_shift_window(D("2026-03-02"), DUTY_DAY, &s, &e);
	assert_int_equal(s, cst("2026-03-02", 8, 0));
	assert_int_equal(e, cst("2026-03-02", 18, 0));
	duty_shift_window(D("2026-03-02"), DUTY_NIGHT, &s, &e);
	assert_int_equal(s, cst("2026-03-02", 18, 0));
	assert_int_equal(e, cst("2026-03-03", 8, 0));
	duty_shift_window(D("2026-03-02"), DUTY_FULL, &s, &e);
	assert_int_equal(e - s, 24 * 3600);
	/* 08:00 UTC+8 is 00:00 UTC */
	assert_int_equal(cst("2026-03-02", 8, 0) % 86400, 0);

	duty_shifts_at(cst("2026-03-02", 9, 30), &day, c);
	assert_int_equal(day, D("2026-03-02"));
	assert_int_equal(c[0], DUTY_DAY);
	assert_int_equal(c[1], DUTY_FULL);
	duty_shifts_at(cst("2026-03-02", 18, 0), &day, c);
	assert_int_equal(day, D("2026-03-02"));
	assert_int_equal(c[0], DUTY_NIGHT);
	/* 03:00 on the 3rd is still the night of the 2nd */
	duty_shifts_at(cst("2026-03-03", 3, 0), &day, c);
	assert_int_equal(day, D("2026-03-02"));
	assert_int_equal(c[0], DUTY_NIGHT);
	duty_shifts_at(cst("2026-03-03", 7, 59), &day, c);
	assert_int_equal(day, D("2026-03-02"));
	duty_shifts_at(cst("2026-03-03", 8, 0), &day, c);
	assert_int_equal(day, D("2026-03-03"));
	assert_int_equal(c[0], DUTY_DAY);
	/* 23:30 UTC is already the next day in China */
	assert_int_equal(duty_today(cst("2026-03-03", 7, 30)), D("2026-03-03"));
}

/* Monday day/night and a Tuesday 24-hour pattern; person 1 and 2 lead. */
static const struct duty_pattern_row pat[] = {
	{1, DUTY_DAY, DUTY_OFFICER, 11, 0, 0},
	{1, DUTY_DAY, DUTY_LEADER, 1, 0, 0},
	{1, DUTY_DAY, DUTY_OFFICER, 12, 0, 0},
	{1, DUTY_NIGHT, DUTY_LEADER, 2, 0, 0},
	{1, DUTY_NIGHT, DUTY_OFFICER, 13, 0, 0},
	{2, DUTY_FULL, DUTY_LEADER, 3, 0, 0},
	{2, DUTY_FULL, DUTY_OFFICER, 14, 0, 0},
};
#define NPAT (sizeof(pat) / sizeof(pat[0]))

static void test_pattern(void **state)
{
	struct duty_roster r;
	int64_t mon = D("2026-03-02");

	duty_resolve(pat, NPAT, NULL, 0, NULL, 0, mon, DUTY_DAY, &r);
	assert_true(r.planned);
	assert_int_equal(r.n, 3);
	assert_int_equal(r.m[0].person_id, 1);              /* leaders first */
	assert_int_equal(r.m[0].role, DUTY_LEADER);
	assert_int_equal(r.m[1].person_id, 11);
	assert_int_equal(r.m[2].person_id, 12);
	/* the same weekday a week later, not on Tuesday's day shift */
	duty_resolve(pat, NPAT, NULL, 0, NULL, 0, mon + 7, DUTY_DAY, &r);
	assert_int_equal(r.n, 3);
	duty_resolve(pat, NPAT, NULL, 0, NULL, 0, mon + 1, DUTY_DAY, &r);
	assert_int_equal(r.n, 0);
	assert_false(r.planned);
	duty_resolve(pat, NPAT, NULL, 0, NULL, 0, mon + 1, DUTY_FULL, &r);
	assert_int_equal(r.n, 2);
	assert_int_equal(duty_roster_has(&r, 14), DUTY_OFFICER);
	assert_int_equal(duty_roster_has(&r, 1), DUTY_ROLE_NONE);
}

static void test_validity(void **state)
{
	int64_t mon = D("2026-03-02");
	/* the old pattern ends on Sunday 8th, the new one starts Monday 9th */
	struct duty_pattern_row p[] = {
		{1, DUTY_DAY, DUTY_LEADER, 1, mon - 7, mon + 6},
		{1, DUTY_DAY, DUTY_LEADER, 5, mon + 7, 0},
	};
	struct duty_roster r;

	duty_resolve(p, 2, NULL, 0, NULL, 0, mon - 14, DUTY_DAY, &r);
	assert_int_equal(r.n, 0);                           /* before either */
	duty_resolve(p, 2, NULL, 0, NULL, 0, mon, DUTY_DAY, &r);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.m[0].person_id, 1);
	duty_resolve(p, 2, NULL, 0, NULL, 0, mon + 7, DUTY_DAY, &r);
	assert_int_equal(r.m[0].person_id, 5);
	duty_resolve(p, 2, NULL, 0, NULL, 0, mon + 700, DUTY_DAY, &r);
	assert_int_equal(r.m[0].person_id, 5);
}

static void test_exceptions(void **state)
{
	int64_t mon = D("2026-03-02");
	/* given out of order: ids decide */
	struct duty_exception_row ex[] = {
		{3, mon, DUTY_DAY, DUTY_EX_ADD, DUTY_OFFICER, 20},
		{1, mon, DUTY_DAY, DUTY_EX_REMOVE, DUTY_ROLE_NONE, 11},
		{2, mon, DUTY_DAY, DUTY_EX_ADD, DUTY_LEADER, 21},
		{4, mon + 7, DUTY_DAY, DUTY_EX_CLEAR, DUTY_ROLE_NONE, 0},
		{5, mon, DUTY_NIGHT, DUTY_EX_ADD, DUTY_OFFICER, 2},      /* the leader now an officer */
		{6, mon + 1, DUTY_DAY, DUTY_EX_ADD, DUTY_OFFICER, 30},    /* an unplanned shift */
		{7, mon, DUTY_DAY, DUTY_EX_ADD, DUTY_OFFICER, 12},        /* already on: no duplicate */
	};
	size_t nex = sizeof(ex) / sizeof(ex[0]);
	struct duty_roster r;

	duty_resolve(pat, NPAT, ex, nex, NULL, 0, mon, DUTY_DAY, &r);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.m[0].person_id, 1);
	assert_int_equal(r.m[1].person_id, 21);
	assert_true(r.m[1].by_exception);
	assert_int_equal(r.m[2].person_id, 12);
	assert_int_equal(r.m[3].person_id, 20);
	assert_int_equal(duty_roster_has(&r, 11), DUTY_ROLE_NONE);
	duty_resolve(pat, NPAT, ex, nex, NULL, 0, mon + 7, DUTY_DAY, &r);
	assert_int_equal(r.n, 0);
	assert_true(r.planned);
	duty_resolve(pat, NPAT, ex, nex, NULL, 0, mon, DUTY_NIGHT, &r);
	assert_int_equal(duty_roster_count(&r, DUTY_LEADER), 0);
	assert_int_equal(duty_roster_count(&r, DUTY_OFFICER), 2);
	duty_resolve(pat, NPAT, ex, nex, NULL, 0, mon + 1, DUTY_DAY, &r);
	assert_true(r.planned);
	assert_int_equal(r.n, 1);
	/* clear, then add: only what was added after the clear */
	{
		struct duty_exception_row e2[] = {
			{9, mon, DUTY_DAY, DUTY_EX_ADD, DUTY_LEADER, 40},
			{8, mon, DUTY_DAY, DUTY_EX_CLEAR, DUTY_ROLE_NONE, 0},
		};
		duty_resolve(pat, NPAT, e2, 2, NULL, 0, mon, DUTY_DAY, &r);
		assert_int_equal(r.n, 1);
		assert_int_equal(r.m[0].person_id, 40);
	}
}

static void test_swaps(void **state)
{
	int64_t mon = D("2026-03-02");
	struct duty_swap_row sw[] = {
		/* officer 11 gives Monday's day shift to 50 (替班) */
		{1, mon, DUTY_DAY, 11, 50, 0, DUTY_SHIFT_NONE},
		/* leader 2 and leader 3 exchange Monday night and Tuesday's 24 hours */
		{2, mon, DUTY_NIGHT, 2, 3, mon + 1, DUTY_FULL},
		/* 99 is not on: no effect */
		{3, mon, DUTY_DAY, 99, 60, 0, DUTY_SHIFT_NONE},
		/* 12 to 1, who is already on: no effect */
		{4, mon, DUTY_DAY, 12, 1, 0, DUTY_SHIFT_NONE},
	};
	struct duty_exception_row ex[] = {{1, mon + 7, DUTY_DAY, DUTY_EX_REMOVE, DUTY_ROLE_NONE, 11}};
	struct duty_swap_row chained[] = {
		{5, mon, DUTY_DAY, 11, 50, 0, DUTY_SHIFT_NONE},
		{6, mon, DUTY_DAY, 50, 51, 0, DUTY_SHIFT_NONE},     /* 50 hands it on */
	};
	struct duty_swap_row gone[] = {{7, mon + 7, DUTY_DAY, 11, 50, 0, DUTY_SHIFT_NONE}};
	struct duty_roster r;

	duty_resolve(pat, NPAT, NULL, 0, sw, 4, mon, DUTY_DAY, &r);
	assert_int_equal(r.n, 3);
	assert_int_equal(duty_roster_has(&r, 11), DUTY_ROLE_NONE);
	assert_int_equal(duty_roster_has(&r, 50), DUTY_OFFICER);
	assert_int_equal(r.m[1].person_id, 50);             /* in 11's place */
	assert_int_equal(r.m[1].swap_id, 1);
	assert_int_equal(duty_roster_has(&r, 12), DUTY_OFFICER);
	assert_int_equal(duty_roster_has(&r, 60), DUTY_ROLE_NONE);
	duty_resolve(pat, NPAT, NULL, 0, sw, 4, mon, DUTY_NIGHT, &r);
	assert_int_equal(duty_roster_has(&r, 3), DUTY_LEADER);
	assert_int_equal(duty_roster_has(&r, 2), DUTY_ROLE_NONE);
	duty_resolve(pat, NPAT, NULL, 0, sw, 4, mon + 1, DUTY_FULL, &r);
	assert_int_equal(duty_roster_has(&r, 2), DUTY_LEADER);   /* the return leg */
	assert_int_equal(duty_roster_has(&r, 3), DUTY_ROLE_NONE);
	/* a swap a week later is not this week's */
	duty_resolve(pat, NPAT, NULL, 0, sw, 4, mon + 7, DUTY_DAY, &r);
	assert_int_equal(duty_roster_has(&r, 11), DUTY_OFFICER);
	duty_resolve(pat, NPAT, NULL, 0, chained, 2, mon, DUTY_DAY, &r);
	assert_int_equal(duty_roster_has(&r, 51), DUTY_OFFICER);
	assert_int_equal(duty_roster_has(&r, 50), DUTY_ROLE_NONE);
	/* the exception took 11 off before the swap: the swap changes nothing */
	duty_resolve(pat, NPAT, ex, 1, gone, 1, mon + 7, DUTY_DAY, &r);
	assert_int_equal(duty_roster_has(&r, 50), DUTY_ROLE_NONE);
	assert_int_equal(r.n, 2);
}

static void test_capacity(void **state)
{
	struct duty_exception_row ex[DUTY_SLOT_MAX + 5];
	struct duty_roster r;

	for (int i = 0; i < DUTY_SLOT_MAX + 5; i++)
		ex[i] = (struct duty_exception_row){i + 1, 100, DUTY_DAY, DUTY_EX_ADD, DUTY_OFFICER, 1000 + i};
	duty_resolve(NULL, 0, ex, DUTY_SLOT_MAX + 5, NULL, 0, 100, DUTY_DAY, &r);
	assert_int_equal(r.n, DUTY_SLOT_MAX);
	/* nonsense rows are ignored, not trusted */
	ex[0] = (struct duty_exception_row){1, 100, DUTY_DAY, DUTY_EX_ADD, DUTY_ROLE_NONE, 7};
	ex[1] = (struct duty_exception_row){2, 100, DUTY_DAY, DUTY_EX_ADD, DUTY_OFFICER, 0};
	duty_resolve(NULL, 0, ex, 2, NULL, 0, 100, DUTY_DAY, &r);
	assert_int_equal(r.n, 0);
}

static void test_gaps(void **state)
{
	int64_t mon = D("2026-03-02");
	struct duty_roster d, n, f;
	enum duty_gap g[4];
	struct duty_exception_row ex[] = {{1, mon + 1, DUTY_FULL, DUTY_EX_REMOVE, DUTY_ROLE_NONE, 3}};

	/* Monday: day and night staffed with leaders */
	duty_resolve(pat, NPAT, NULL, 0, NULL, 0, mon, DUTY_DAY, &d);
	duty_resolve(pat, NPAT, NULL, 0, NULL, 0, mon, DUTY_NIGHT, &n);
	duty_resolve(pat, NPAT, NULL, 0, NULL, 0, mon, DUTY_FULL, &f);
	duty_gaps(&d, &n, &f, g);
	assert_int_equal(g[DUTY_DAY], DUTY_GAP_NONE);
	assert_int_equal(g[DUTY_NIGHT], DUTY_GAP_NONE);
	assert_int_equal(g[DUTY_FULL], DUTY_GAP_NONE);
	/* Tuesday: a 24-hour shift covers it */
	duty_resolve(pat, NPAT, ex, 0, NULL, 0, mon + 1, DUTY_DAY, &d);
	duty_resolve(pat, NPAT, ex, 0, NULL, 0, mon + 1, DUTY_NIGHT, &n);
	duty_resolve(pat, NPAT, ex, 0, NULL, 0, mon + 1, DUTY_FULL, &f);
	duty_gaps(&d, &n, &f, g);
	assert_int_equal(g[DUTY_DAY] + g[DUTY_NIGHT] + g[DUTY_FULL], 0);
	/* … its leader taken off: staffed but no leader */
	duty_resolve(pat, NPAT, ex, 1, NULL, 0, mon + 1, DUTY_FULL, &f);
	duty_gaps(&d, &n, &f, g);
	assert_int_equal(g[DUTY_FULL], DUTY_GAP_NO_LEADER);
	/* Wednesday: nothing planned: day and night are empty */
	duty_resolve(pat, NPAT, NULL, 0, NULL, 0, mon + 2, DUTY_DAY, &d);
	duty_resolve(pat, NPAT, NULL, 0, NULL, 0, mon + 2, DUTY_NIGHT, &n);
	duty_resolve(pat, NPAT, NULL, 0, NULL, 0, mon + 2, DUTY_FULL, &f);
	duty_gaps(&d, &n, &f, g);
	assert_int_equal(g[DUTY_DAY], DUTY_GAP_EMPTY);
	assert_int_equal(g[DUTY_NIGHT], DUTY_GAP_EMPTY);
	assert_int_equal(g[DUTY_FULL], DUTY_GAP_NONE);
	/* a 24-hour centre with everybody taken off: the 24-hour shift is empty */
	{
		struct duty_exception_row e2[] = {{1, mon + 8, DUTY_FULL, DUTY_EX_CLEAR, DUTY_ROLE_NONE, 0}};
		duty_resolve(pat, NPAT, e2, 1, NULL, 0, mon + 8, DUTY_DAY, &d);
		duty_resolve(pat, NPAT, e2, 1, NULL, 0, mon + 8, DUTY_NIGHT, &n);
		duty_resolve(pat, NPAT, e2, 1, NULL, 0, mon + 8, DUTY_FULL, &f);
		duty_gaps(&d, &n, &f, g);
		assert_int_equal(g[DUTY_FULL], DUTY_GAP_EMPTY);
		assert_int_equal(g[DUTY_DAY], DUTY_GAP_NONE);
		assert_string_equal(duty_gap_name(g[DUTY_FULL]), "empty");
	}
	/* Monday night without its leader (the exception's officer is there) */
	{
		struct duty_exception_row e3[] = {{1, mon, DUTY_NIGHT, DUTY_EX_REMOVE, DUTY_ROLE_NONE, 2}};
		duty_resolve(pat, NPAT, e3, 1, NULL, 0, mon, DUTY_DAY, &d);
		duty_resolve(pat, NPAT, e3, 1, NULL, 0, mon, DUTY_NIGHT, &n);
		duty_resolve(pat, NPAT, e3, 1, NULL, 0, mon, DUTY_FULL, &f);
		duty_gaps(&d, &n, &f, g);
		assert_int_equal(g[DUTY_NIGHT], DUTY_GAP_NO_LEADER);
		assert_int_equal(g[DUTY_DAY], DUTY_GAP_NONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_windows_and_now),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_exceptions),
		cmocka_unit_test(test_swaps),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_gaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
