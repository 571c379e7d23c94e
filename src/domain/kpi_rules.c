/*
 * kpi_rules.c - the contribution of one event to the KPI counters, the
 * derived indicators and the calendar arithmetic of KPI periods (see
 * kpi_rules.h). Pure: app/kpi.c applies the contributions to kpi_agg and
 * reads them back; docs/kpi.md explains the rules to the field.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "domain/kpi_rules.h"
#include "lib/banned.h"

static const char *const columns[KPI_NFIELDS] = {
	"reported", "accepted", "rejected", "closed", "closed_on_time", "closed_internal",
	"closed_late", "overdue_open", "rework", "escalated", "handle_seconds", "rated",
	"rate_good", "rate_ok", "rate_bad",
};

const char *kpi_field_column(enum kpi_field f)
{
	return f >= 0 && f < KPI_NFIELDS ? columns[f] : "";
}

/* ============================================================ contribution */

void kpi_contribution(const struct kpi_facts *f, struct kpi_counts *out)
{
	int64_t *n = out->n;

	memset(out, 0, sizeof(*out));
	n[KPI_REPORTED] = 1;
	if (f->status == EV_MERGED)
		return;                          /* the master event carries the rest */
	n[KPI_ACCEPTED] = f->accepted_at != 0;
	n[KPI_REJECTED] = f->status == EV_REJECTED;
	n[KPI_ESCALATED] = f->escalated != 0;
	if (f->status == EV_CLOSED) {
		int on_time = f->due_at == 0 || f->closed_at <= f->due_at;
		n[KPI_CLOSED] = 1;
		n[KPI_CLOSED_ON_TIME] = on_time;
		n[KPI_CLOSED_LATE] = !on_time;
		n[KPI_CLOSED_INTERNAL] = f->loop == EV_LOOP_INTERNAL;
		n[KPI_REWORK] = f->rework_count > 0;
		if (f->accepted_at && f->closed_at > f->accepted_at)
			n[KPI_HANDLE_SECONDS] = f->closed_at - f->accepted_at;
	} else if (ev_status_open(f->status)) {
		n[KPI_OVERDUE_OPEN] = f->overdue != 0;
	}
	if (f->rating >= 1 && f->rating <= 3) {
		n[KPI_RATED] = 1;
		n[f->rating == 1 ? KPI_RATE_GOOD : f->rating == 2 ? KPI_RATE_OK : KPI_RATE_BAD] = 1;
	}
}

void kpi_counts_add(struct kpi_counts *acc, const struct kpi_counts *c, int sign)
{
	for (int i = 0; i < KPI_NFIELDS; i++)
		acc->n[i] += sign * c->n[i];
}

int kpi_counts_zero(const struct kpi_counts *c)
{
	for (int i = 0; i < KPI_NFIELDS; i++)
		if (c->n[i])
			return 0;
	return 1;
}

static double ratio(int64_t num, int64_t den)
{
	return den > 0 ? (double)num / (double)den : NAN;
}

void kpi_indicators_of(const struct kpi_counts *c, struct kpi_indicators *out)
{
	const int64_t *n = c->n;

	out->reported = n[KPI_REPORTED];
	out->accepted = n[KPI_ACCEPTED];
	out->rejected = n[KPI_REJECTED];
	out->closed = n[KPI_CLOSED];
	out->due = n[KPI_CLOSED] + n[KPI_OVERDUE_OPEN];
	out->overdue = n[KPI_CLOSED_LATE] + n[KPI_OVERDUE_OPEN];
	out->external = n[KPI_ESCALATED];
	out->close_rate = ratio(n[KPI_CLOSED], out->due);
	out->on_time_rate = ratio(n[KPI_CLOSED_ON_TIME], out->due);
	out->rework_rate = ratio(n[KPI_REWORK], n[KPI_CLOSED]);
	out->avg_handle_seconds = ratio(n[KPI_HANDLE_SECONDS], n[KPI_CLOSED]);
	out->self_rate = ratio(n[KPI_CLOSED_INTERNAL], n[KPI_CLOSED]);
	out->satisfaction = ratio(n[KPI_RATE_GOOD] + n[KPI_RATE_OK], n[KPI_RATED]);
}

/* ================================================================= periods */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil) and back. */
static int32_t days_from_civil(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int32_t z, int *y, int *m, int *d)
{
	int era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp + (mp < 10 ? 3 : -9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int month_days(int y, int m)
{
	static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : len[m - 1];
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int kpi_day_parse(const char *s, int32_t *day)
{
	int y, m, d;

	if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) < 0 ||
	    digits(s + 5, 2, &m) < 0 || digits(s + 8, 2, &d) < 0)
		return -1;
	if (y < KPI_DAY_MIN_YEAR || y > KPI_DAY_MAX_YEAR || m < 1 || m > 12 || d < 1 ||
	    d > month_days(y, m))
		return -1;
	*day = days_from_civil(y, m, d);
	return 0;
}

char *kpi_day_format(int32_t day, char out[11])
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	snprintf(out, 11, "%04d-%02d-%02d", y % 10000, m, d);
	return out;
}

int32_t kpi_day_month_start(int32_t day)
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	return day - (d - 1);
}

int kpi_day_is_month_start(int32_t day)
{
	return kpi_day_month_start(day) == day;
}

int32_t kpi_day_add_months(int32_t day, int n)
{
	int y, m, d, k;

	civil_from_days(day, &y, &m, &d);
	k = y * 12 + (m - 1) + n;
	y = k >= 0 ? k / 12 : (k - 11) / 12;
	m = k - y * 12 + 1;
	if (d > month_days(y, m))
		d = month_days(y, m);
	return days_from_civil(y, m, d);
}

int kpi_split_period(int32_t from, int32_t to, struct kpi_span out[3])
{
	int32_t m0, m1;
	int n = 0;

	if (from >= to)
		return 0;
	m0 = kpi_day_is_month_start(from) ? from : kpi_day_add_months(kpi_day_month_start(from), 1);
	m1 = kpi_day_month_start(to);
	if (m0 >= m1) {                      /* no whole month inside */
		out[0] = (struct kpi_span){'d', from, to};
		return 1;
	}
	if (from < m0)
		out[n++] = (struct kpi_span){'d', from, m0};
	out[n++] = (struct kpi_span){'m', m0, m1};
	if (m1 < to)
		out[n++] = (struct kpi_span){'d', m1, to};
	return n;
}

void kpi_previous_period(int32_t from, int32_t to, int32_t *pfrom, int32_t *pto)
{
	if (kpi_day_is_month_start(from) && kpi_day_is_month_start(to)) {
		int fy, fm, ty, tm, d;
		civil_from_days(from, &fy, &fm, &d);
		civil_from_days(to, &ty, &tm, &d);
		*pfrom = kpi_day_add_months(from, -((ty - fy) * 12 + (tm - fm)));
	} else {
		*pfrom = from - (to - from);
	}
	*pto = from;
}

void kpi_last_year_period(int32_t from, int32_t to, int32_t *pfrom, int32_t *pto)
{
	*pfrom = kpi_day_add_months(from, -12);
	*pto = kpi_day_add_months(to, -12);
}

/* =================================================================== units */

size_t kpi_level_code_len(int level)
{
	static const size_t len[6] = {0, 6, 9, 12, 14, 16};

	return level >= 1 && level <= 5 ? len[level] : 0;
}
