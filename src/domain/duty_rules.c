/*
 * duty_rules.c - duty rota rules: shift names and windows in China
 * Standard Time, dates, resolving pattern + exceptions + swaps into who is
 * on a shift, and gaps (see duty_rules.h). Pure functions.
 */
#include <stdio.h>
#include <string.h>
#include "domain/duty_rules.h"
#include "lib/banned.h"

/* ============================================================ names */

static const char *const shift_names[] = {"", "day", "night", "full"};
static const char *const shift_labels[] = {"", "白班", "夜班", "24小时"};
static const char *const role_names[] = {"", "leader", "officer"};
static const char *const role_labels[] = {"", "带班领导", "值班员"};
static const char *const ex_names[] = {"", "add", "remove", "clear"};
static const char *const gap_names[] = {"", "empty", "no_leader"};

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 1; s && i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return 0;
}

enum duty_shift duty_shift_parse(const char *s) { return (enum duty_shift)lookup(shift_names, 4, s); }
const char *duty_shift_name(enum duty_shift s) { return s >= 0 && s <= 3 ? shift_names[s] : ""; }
const char *duty_shift_label(enum duty_shift s) { return s >= 0 && s <= 3 ? shift_labels[s] : ""; }
enum duty_role duty_role_parse(const char *s) { return (enum duty_role)lookup(role_names, 3, s); }
const char *duty_role_name(enum duty_role r) { return r >= 0 && r <= 2 ? role_names[r] : ""; }
const char *duty_role_label(enum duty_role r) { return r >= 0 && r <= 2 ? role_labels[r] : ""; }
enum duty_ex_action duty_ex_parse(const char *s) { return (enum duty_ex_action)lookup(ex_names, 4, s); }
const char *duty_ex_name(enum duty_ex_action a) { return a >= 0 && a <= 3 ? ex_names[a] : ""; }
const char *duty_gap_name(enum duty_gap g) { return g >= 0 && g <= 2 ? gap_names[g] : ""; }

/* ============================================================ dates */

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t duty_days_from_civil(int y, int m, int d)
{
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void duty_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

int duty_date_parse(const char *s, int64_t *day)
{
	int v[3] = {0, 0, 0}, y, m, d;
	static const int width[3] = {4, 2, 2};
	const char *p = s;

	if (!s || strlen(s) != 10)
		return -1;
	for (int f = 0; f < 3; f++) {
		for (int i = 0; i < width[f]; i++, p++) {
			if (*p < '0' || *p > '9')
				return -1;
			v[f] = v[f] * 10 + (*p - '0');
		}
		if (f < 2 && *p++ != '-')
			return -1;
	}
	if (v[0] < 2000 || v[0] > 2199 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31)
		return -1;
	*day = duty_days_from_civil(v[0], v[1], v[2]);
	duty_civil_from_days(*day, &y, &m, &d);
	return y == v[0] && m == v[1] && d == v[2] ? 0 : -1;   /* 2026-02-30 */
}

char *duty_date_format(int64_t day, char *out)
{
	int y, m, d;

	duty_civil_from_days(day, &y, &m, &d);
	snprintf(out, DUTY_DATE_LEN, "%04d-%02d-%02d", y % 10000, m, d);
	return out;
}

int duty_weekday(int64_t day)
{
	/* 1970-01-01 was a Thursday (4) */
	int64_t w = (day + 3) % 7;
	return (int)(w < 0 ? w + 7 : w) + 1;
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - ((a % b) != 0 && ((a < 0) != (b < 0)));
}

int64_t duty_today(time_t t)
{
	return floor_div((int64_t)t + DUTY_CST_OFFSET, 86400);
}

void duty_shift_window(int64_t day, enum duty_shift s, time_t *start, time_t *end)
{
	int64_t midnight = day * 86400 - DUTY_CST_OFFSET;        /* 00:00 CST in UTC seconds */

	switch (s) {
	case DUTY_DAY:
		*start = (time_t)(midnight + 8 * 3600);
		*end = (time_t)(midnight + 18 * 3600);
		break;
	case DUTY_NIGHT:
		*start = (time_t)(midnight + 18 * 3600);
		*end = (time_t)(midnight + 32 * 3600);
		break;
	default:
		*start = (time_t)(midnight + 8 * 3600);
		*end = (time_t)(midnight + 32 * 3600);
		break;
	}
}

void duty_shifts_at(time_t t, int64_t *day, enum duty_shift cands[2])
{
	int64_t local = (int64_t)t + DUTY_CST_OFFSET;
	int64_t sec = local - floor_div(local, 86400) * 86400;   /* seconds since 00:00 CST */

	*day = duty_today(t);
	if (sec < 8 * 3600) {
		(*day)--;                          /* still last night's duty */
		cands[0] = DUTY_NIGHT;
	} else {
		cands[0] = sec < 18 * 3600 ? DUTY_DAY : DUTY_NIGHT;
	}
	cands[1] = DUTY_FULL;
}

/* ======================================================= resolution */

static int find(const struct duty_roster *r, int64_t person)
{
	for (int i = 0; i < r->n; i++)
		if (r->m[i].person_id == person)
			return i;
	return -1;
}

static void put(struct duty_roster *r, int64_t person, enum duty_role role, int by_ex, int64_t swap)
{
	int i = find(r, person);

	if (person <= 0 || (role != DUTY_LEADER && role != DUTY_OFFICER))
		return;
	if (i >= 0) {                          /* already on: the newer role wins */
		r->m[i].role = role;
		return;
	}
	if (r->n >= DUTY_SLOT_MAX)
		return;
	r->m[r->n++] = (struct duty_member){person, role, swap, by_ex};
}

static void drop(struct duty_roster *r, int i)
{
	memmove(&r->m[i], &r->m[i + 1], (size_t)(r->n - i - 1) * sizeof(r->m[0]));
	r->n--;
}

/* Replace `from` by `to` in the same place and role; nothing when `from`
 * is not on or `to` already is. */
static void swap_in(struct duty_roster *r, int64_t from, int64_t to, int64_t swap_id)
{
	int i = find(r, from);

	if (i < 0 || find(r, to) >= 0 || to <= 0)
		return;
	r->m[i].person_id = to;
	r->m[i].swap_id = swap_id;
	r->m[i].by_exception = 0;
}

#define APPLY_MAX 64                     /* exceptions or swaps on one shift */

/* Insertion sort of n indexes by the ids they point at (a shift has a
 * handful of exceptions and swaps); id_of is sorted along. */
static void order_by_id(size_t *ix, size_t n, int64_t *id_of)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && id_of[j - 1] > id_of[j]; j--) {
			size_t t = ix[j];
			int64_t u = id_of[j];
			ix[j] = ix[j - 1];
			ix[j - 1] = t;
			id_of[j] = id_of[j - 1];
			id_of[j - 1] = u;
		}
}

void duty_resolve(const struct duty_pattern_row *pat, size_t npat,
                  const struct duty_exception_row *ex, size_t nex,
                  const struct duty_swap_row *sw, size_t nsw,
                  int64_t day, enum duty_shift shift, struct duty_roster *out)
{
	int wd = duty_weekday(day);
	size_t ix[APPLY_MAX], n = 0;
	int64_t ids[APPLY_MAX];
	struct duty_roster tmp;

	memset(out, 0, sizeof(*out));
	out->day = day;
	out->shift = shift;
	/* 1. the pattern: leaders first, then officers */
	for (int pass = DUTY_LEADER; pass <= DUTY_OFFICER; pass++)
		for (size_t i = 0; i < npat; i++) {
			const struct duty_pattern_row *p = &pat[i];
			if (p->weekday != wd || p->shift != shift || p->from > day || (p->to && p->to < day))
				continue;
			out->planned = 1;
			if (p->role == (enum duty_role)pass)
				put(out, p->person_id, p->role, 0, 0);
		}
	/* 2. exceptions of this shift, in id order */
	for (size_t i = 0; i < nex && n < APPLY_MAX; i++)
		if (ex[i].day == day && ex[i].shift == shift) {
			ids[n] = ex[i].id;
			ix[n++] = i;
		}
	order_by_id(ix, n, ids);
	for (size_t j = 0; j < n; j++) {
		const struct duty_exception_row *x = &ex[ix[j]];
		int at;
		out->planned = 1;
		switch (x->action) {
		case DUTY_EX_CLEAR: out->n = 0; break;
		case DUTY_EX_REMOVE:
			if ((at = find(out, x->person_id)) >= 0)
				drop(out, at);
			break;
		case DUTY_EX_ADD: put(out, x->person_id, x->role, 1, 0); break;
		default: break;
		}
	}
	/* 3. approved swaps, in id order: either leg may touch this shift */
	n = 0;
	for (size_t i = 0; i < nsw && n < APPLY_MAX; i++) {
		int fwd = sw[i].day == day && sw[i].shift == shift;
		int back = sw[i].back_day && sw[i].back_day == day && sw[i].back_shift == shift;
		if (fwd || back) {
			ids[n] = sw[i].id;
			ix[n++] = i;
		}
	}
	order_by_id(ix, n, ids);
	for (size_t j = 0; j < n; j++) {
		const struct duty_swap_row *s = &sw[ix[j]];
		if (s->day == day && s->shift == shift)
			swap_in(out, s->from_person, s->to_person, s->id);
		if (s->back_day && s->back_day == day && s->back_shift == shift)
			swap_in(out, s->to_person, s->from_person, s->id);
	}
	/* leaders first, keeping the order within each role */
	tmp = *out;
	out->n = 0;
	for (int pass = DUTY_LEADER; pass <= DUTY_OFFICER; pass++)
		for (int i = 0; i < tmp.n; i++)
			if (tmp.m[i].role == (enum duty_role)pass)
				out->m[out->n++] = tmp.m[i];
}

enum duty_role duty_roster_has(const struct duty_roster *r, int64_t person_id)
{
	int i = find(r, person_id);
	return i < 0 ? DUTY_ROLE_NONE : r->m[i].role;
}

int duty_roster_count(const struct duty_roster *r, enum duty_role role)
{
	int n = 0;
	for (int i = 0; i < r->n; i++)
		n += r->m[i].role == role;
	return n;
}

/* ============================================================= gaps */

static enum duty_gap judge(const struct duty_roster *r)
{
	if (r->n == 0)
		return DUTY_GAP_EMPTY;
	return duty_roster_count(r, DUTY_LEADER) ? DUTY_GAP_NONE : DUTY_GAP_NO_LEADER;
}

void duty_gaps(const struct duty_roster *day, const struct duty_roster *night,
               const struct duty_roster *full, enum duty_gap out[4])
{
	memset(out, 0, 4 * sizeof(out[0]));
	if (full->n > 0) {                     /* the 24-hour shift covers the date */
		out[DUTY_FULL] = judge(full);
		return;
	}
	if (full->planned && !day->planned && !night->planned) {
		out[DUTY_FULL] = DUTY_GAP_EMPTY;   /* a 24-hour centre with nobody on */
		return;
	}
	out[DUTY_DAY] = judge(day);
	out[DUTY_NIGHT] = judge(night);
}
