/*
 * kpi.c - incremental KPI counters and their queries (see kpi.h).
 *
 * Writing: an event change becomes contribution(after) − contribution(before)
 * (domain/kpi_rules.c) added to every counter row of the event's cohort: 2
 * grains × the units above and including its grid × (category, source),
 * plus the roll-up rows of the upper levels. A kpi_batch coalesces the
 * deltas of many changes in a hash table and writes each row once
 * (store_kpi_add, many rows per statement).
 *
 * Reading: a period is split into leading days, whole months and trailing
 * days (kpi_split_period), each summed from its grain's rows of the unit
 * (or of its children) in SQL, the groups folded here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/kpi.h"
#include "domain/unit_code.h"
#include "lib/str.h"
#include "store/store_meta.h"
#include "store/store_unit.h"
#include "lib/banned.h"

_Static_assert(STORE_KPI_NCOUNTERS == KPI_NFIELDS, "kpi_agg columns and enum kpi_field agree");

/* =============================================================== batch */

void kpi_batch_init(struct kpi_batch *b)
{
	memset(b, 0, sizeof(*b));
}

void kpi_batch_release(struct kpi_batch *b)
{
	free(b->rows);
	free(b->slots);
	kpi_batch_init(b);
}

size_t kpi_batch_size(const struct kpi_batch *b)
{
	return b->n;
}

static uint64_t key_hash(char grain, const char *period, const char *unit, const char *cat,
                         const char *src)
{
	uint64_t h = 1469598103934665603u;
	const char *parts[4] = {period, unit, cat, src};

	h = (h ^ (unsigned char)grain) * 1099511628211u;
	for (int i = 0; i < 4; i++) {
		for (const char *p = parts[i]; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211u;
		h = (h ^ 0xff) * 1099511628211u;
	}
	return h;
}

static int key_eq(const struct store_kpi_row *r, char grain, const char *period, const char *unit,
                  const char *cat, const char *src)
{
	return r->grain == grain && !strcmp(r->period, period) && !strcmp(r->unit, unit) &&
	       !strcmp(r->category, cat) && !strcmp(r->source, src);
}

/* Make room for k more rows: grow rows[] and rehash when the table would
 * pass half full. */
static int reserve(struct kpi_batch *b, size_t k, struct err *e)
{
	if (b->n + k > KPI_BATCH_MAX_ROWS)
		return err_set(e, 503, "kpi.batch_full", "指标批次已满", "kpi batch is full");
	if (b->n + k > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		while (cap < b->n + k)
			cap *= 2;
		struct store_kpi_row *rows = realloc(b->rows, cap * sizeof(*rows));
		if (!rows)
			return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
		b->rows = rows;
		b->cap = cap;
	}
	if (2 * (b->n + k) > b->nslots) {
		size_t ns = b->nslots ? b->nslots * 2 : 256;
		while (ns < 2 * (b->n + k))
			ns *= 2;
		uint32_t *slots = calloc(ns, sizeof(*slots));
		if (!slots)
			return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
		for (size_t i = 0; i < b->n; i++) {
			const struct store_kpi_row *r = &b->rows[i];
			size_t s = key_hash(r->grain, r->period, r->unit, r->category, r->source) & (ns - 1);
			while (slots[s])
				s = (s + 1) & (ns - 1);
			slots[s] = (uint32_t)(i + 1);
		}
		free(b->slots);
		b->slots = slots;
		b->nslots = ns;
	}
	return 0;
}

/* rows[key] += sign × c; room was reserved. */
static void add_row(struct kpi_batch *b, char grain, const char *period, const char *unit,
                    const char *cat, const char *src, const struct kpi_counts *c, int sign)
{
	uint64_t h = key_hash(grain, period, unit, cat, src);
	struct store_kpi_row *r;
	size_t s;

	for (s = h & (b->nslots - 1); b->slots[s]; s = (s + 1) & (b->nslots - 1)) {
		r = &b->rows[b->slots[s] - 1];
		if (key_eq(r, grain, period, unit, cat, src))
			goto found;
	}
	r = &b->rows[b->n];
	memset(r, 0, sizeof(*r));
	r->grain = grain;
	str_copy(r->period, sizeof(r->period), period);
	str_copy(r->unit, sizeof(r->unit), unit);
	str_copy(r->category, sizeof(r->category), cat);
	str_copy(r->source, sizeof(r->source), src);
	b->slots[s] = (uint32_t)(++b->n);
found:
	for (int i = 0; i < KPI_NFIELDS; i++)
		r->n[i] += sign * c->n[i];
}

/* The facts and cohort of an event, checked. */
static int event_facts(const struct event_rec *ev, struct kpi_facts *f, int32_t *day, int *level,
                       struct err *e)
{
	int st = ev_status_parse(ev->status);

	*level = unit_code_level(ev->grid);
	if (st < 0 || kpi_day_parse(ev->day, day) < 0 || *level == LEVEL_NONE || !ev->category[0] ||
	    strlen(ev->category) >= EV_CODE_MAX || !ev->source[0] ||
	    strlen(ev->source) >= STORE_KPI_SOURCE_MAX || !strcmp(ev->category, KPI_ALL) ||
	    !strcmp(ev->source, KPI_ALL))
		return err_set(e, 500, "kpi.bad_event", "事件 %lld 的日期、网格、类别或状态无效",
		               "event %lld has no valid day, grid, category or status", (long long)ev->id);
	memset(f, 0, sizeof(*f));
	f->status = (enum ev_status)st;
	f->loop = !strcmp(ev->loop, "external") ? EV_LOOP_EXTERNAL : EV_LOOP_INTERNAL;
	f->escalated = ev->escalated;
	f->overdue = ev->overdue;
	f->rework_count = ev->rework_count;
	f->rating = ev->rating;
	f->accepted_at = ev->accepted_at;
	f->closed_at = ev->closed_at;
	f->due_at = ev->due_at;
	return 0;
}

/* Rows of one cohort: 2 grains × (5 levels + 2 roll-ups × 3 levels). */
#define COHORT_ROWS (2 * (5 + 2 * KPI_ROLLUP_MAX_LEVEL))

/* Add sign × c to every row of the event's cohort (room reserved). */
static void add_cohort(struct kpi_batch *b, const struct event_rec *ev, int32_t day, int level,
                       const struct kpi_counts *c, int sign)
{
	char period[2][11], unit[STORE_KPI_UNIT_MAX];
	static const char grains[2] = {'d', 'm'};

	kpi_day_format(day, period[0]);
	kpi_day_format(kpi_day_month_start(day), period[1]);
	for (int g = 0; g < 2; g++) {
		for (int l = LEVEL_DISTRICT; l <= level; l++) {
			size_t len = kpi_level_code_len(l);
			str_copy(unit, len + 1 < sizeof(unit) ? len + 1 : sizeof(unit), ev->grid);
			add_row(b, grains[g], period[g], unit, ev->category, ev->source, c, sign);
			if (l > KPI_ROLLUP_MAX_LEVEL)
				continue;
			add_row(b, grains[g], period[g], unit, ev->category, KPI_ALL, c, sign);
			add_row(b, grains[g], period[g], unit, KPI_ALL, KPI_ALL, c, sign);
		}
	}
}

static int same_cohort(const struct event_rec *a, const struct event_rec *b)
{
	return !strcmp(a->day, b->day) && !strcmp(a->grid, b->grid) &&
	       !strcmp(a->category, b->category) && !strcmp(a->source, b->source);
}

int kpi_batch_add(struct kpi_batch *b, const struct event_rec *before, const struct event_rec *after,
                  struct err *e)
{
	struct kpi_facts fb, fa;
	struct kpi_counts cb, ca;
	int32_t db_, da;
	int lb, la;

	if ((before && event_facts(before, &fb, &db_, &lb, e) < 0) ||
	    (after && event_facts(after, &fa, &da, &la, e) < 0))
		return -1;
	if (before)
		kpi_contribution(&fb, &cb);
	if (after)
		kpi_contribution(&fa, &ca);
	if (before && after && same_cohort(before, after)) {
		kpi_counts_add(&ca, &cb, -1);    /* one delta on one cohort */
		if (kpi_counts_zero(&ca))
			return 0;
		before = NULL;
	}
	if (reserve(b, 2 * COHORT_ROWS, e) < 0)
		return -1;
	if (before)
		add_cohort(b, before, db_, lb, &cb, -1);
	if (after)
		add_cohort(b, after, da, la, &ca, 1);
	return 0;
}

static int row_cmp(const void *pa, const void *pb)
{
	const struct store_kpi_row *a = *(const struct store_kpi_row *const *)pa;
	const struct store_kpi_row *b = *(const struct store_kpi_row *const *)pb;
	int c;

	if (a->grain != b->grain)
		return a->grain < b->grain ? -1 : 1;
	if ((c = strcmp(a->period, b->period)) || (c = strcmp(a->unit, b->unit)) ||
	    (c = strcmp(a->category, b->category)))
		return c;
	return strcmp(a->source, b->source);
}

int kpi_batch_flush(struct kpi_batch *b, struct db *db, struct err *e)
{
	struct store_kpi_row **order = NULL;
	size_t n = 0;
	int ret = -1;

	if (!b->n)
		return 0;
	if (!(order = malloc(b->n * sizeof(*order)))) {
		err_set(e, 500, "internal.oom", "内存不足", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < b->n; i++)
		if (!kpi_counts_zero((const struct kpi_counts *)b->rows[i].n))
			order[n++] = &b->rows[i];
	qsort(order, n, sizeof(*order), row_cmp);
	if (store_kpi_add(db, order, n, e) < 0)
		goto out;
	b->n = 0;
	memset(b->slots, 0, b->nslots * sizeof(*b->slots));
	ret = 0;
out:
	free(order);
	return ret;
}

static int row_val_cmp(const void *pa, const void *pb)
{
	const struct store_kpi_row *a = pa, *b = pb;

	return row_cmp(&a, &b);
}

int kpi_batch_take(struct kpi_batch *b, struct store_kpi_row **rows, size_t *n, struct err *e)
{
	size_t k = 0;

	*rows = NULL;
	*n = 0;
	if (!b->n)
		return 0;
	if (!(*rows = malloc(b->n * sizeof(**rows))))
		return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
	for (size_t i = 0; i < b->n; i++)
		if (!kpi_counts_zero((const struct kpi_counts *)b->rows[i].n))
			(*rows)[k++] = b->rows[i];
	qsort(*rows, k, sizeof(**rows), row_val_cmp);
	*n = k;
	kpi_batch_clear(b);
	return 0;
}

/* The batch this thread collects into instead of writing (kpi_capture). */
static _Thread_local struct kpi_batch *captured;

void kpi_capture(struct kpi_batch *b)
{
	captured = b;
}

void kpi_batch_clear(struct kpi_batch *b)
{
	b->n = 0;
	if (b->slots)
		memset(b->slots, 0, b->nslots * sizeof(*b->slots));
}

int kpi_batch_merge(struct kpi_batch *into, const struct kpi_batch *from, struct err *e)
{
	/* room for all of it first: a merge stops before it starts or not at
	 * all, so a failed job leaves none of its deltas behind */
	if (from->n && reserve(into, from->n, e) < 0)
		return -1;
	for (size_t i = 0; i < from->n; i++) {
		const struct store_kpi_row *r = &from->rows[i];

		add_row(into, r->grain, r->period, r->unit, r->category, r->source,
		        (const struct kpi_counts *)r->n, 1);
	}
	return 0;
}

int kpi_event_changed(struct db *db, const struct event_rec *before, const struct event_rec *after,
                      struct err *e)
{
	struct kpi_batch b;
	int ret;

	if (captured)
		return kpi_batch_add(captured, before, after, e);
	kpi_batch_init(&b);
	ret = kpi_batch_add(&b, before, after, e) < 0 ? -1 : kpi_batch_flush(&b, db, e);
	kpi_batch_release(&b);
	return ret;
}

/* ======================================================= repair a day */

#define KPI_MARK_MAX 512                 /* distinct days remembered a batch */

struct repair_ctx {
	struct kpi_batch *b;
	struct err *e;
};

/* Take a stored day row off its day and month: what the events of the day
 * give is added back next. */
static int repair_old_row(void *p, const struct store_kpi_row *r)
{
	struct repair_ctx *c = p;
	char month[11];
	int32_t day;

	if (kpi_day_parse(r->period, &day) < 0)
		return err_set(c->e, 500, "kpi.bad_row", "指标行的日期无效：%s", "a kpi row has a bad day: %s",
		               r->period);
	kpi_day_format(kpi_day_month_start(day), month);
	if (reserve(c->b, 2, c->e) < 0)
		return -1;
	add_row(c->b, 'd', r->period, r->unit, r->category, r->source, (const struct kpi_counts *)r->n, -1);
	add_row(c->b, 'm', month, r->unit, r->category, r->source, (const struct kpi_counts *)r->n, -1);
	return 0;
}

static int repair_event(void *p, const struct event_rec *ev)
{
	struct repair_ctx *c = p;

	return kpi_batch_add(c->b, NULL, ev, c->e) < 0 ? -1 : 0;
}

int kpi_repair_day(struct db *db, const char *day, struct err *e)
{
	struct kpi_batch b;
	struct repair_ctx c = {&b, e};
	int32_t d;
	int64_t t0;
	int ret = -1;

	if (kpi_day_parse(day, &d) < 0)
		return err_set(e, 400, "kpi.bad_day", "日期无效：%s", "not a day: %s", day);
	/* 00:00 China Standard Time of the day: `day` is always
	 * events_day(created_at), so the day's events lie in [t0, t0 + 1 day) */
	t0 = (int64_t)d * 86400 - 8 * 3600;
	kpi_batch_init(&b);
	/* a month row is the sum of its day rows (add_cohort adds the same
	 * contribution to both grains): the day's difference moves both */
	if (store_kpi_day_rows(db, day, repair_old_row, &c, e) == 0 &&
	    store_kpi_event_day(db, day, t0, t0 + 86400, repair_event, &c, e) == 0 &&
	    kpi_batch_flush(&b, db, e) == 0)
		ret = 0;
	kpi_batch_release(&b);
	return ret;
}

struct days {
	char (*d)[11];
	size_t n, cap;
	struct err *e;
};

static int collect_day(void *p, const char *day)
{
	struct days *ds = p;

	if (ds->n == ds->cap) {
		size_t cap = ds->cap ? 2 * ds->cap : 16;
		char (*d)[11] = realloc(ds->d, cap * sizeof(*d));
		if (!d)
			return err_set(ds->e, 500, "internal.oom", "内存不足", "out of memory");
		ds->d = d;
		ds->cap = cap;
	}
	str_copy(ds->d[ds->n++], 11, day);
	return 0;
}

int kpi_repair_dirty(struct db *db, int *ndays, struct err *e)
{
	struct days ds = {NULL, 0, 0, e};
	int ret = -1;

	if (store_kpi_dirty_list(db, collect_day, &ds, e) != 0)
		goto out;
	for (size_t i = 0; i < ds.n; i++)
		if (kpi_repair_day(db, ds.d[i], e) < 0)
			goto out;
	if (ds.n && store_kpi_dirty_clear(db, e) < 0)
		goto out;
	if (ndays)
		*ndays = (int)ds.n;
	ret = 0;
out:
	free(ds.d);
	return ret;
}

int kpi_mark_dirty(struct db *db, const struct kpi_batch *b, char (*known)[11], size_t nknown,
                   struct err *e)
{
	/* a batch's rows share few days (a clock batch of old events: a few
	 * hundred at most): each distinct day once, its string kept by the row */
	const char *seen[KPI_MARK_MAX];
	size_t nseen = 0;

	for (size_t i = 0; i < b->n; i++) {
		const char *day = b->rows[i].period;
		size_t k;

		if (b->rows[i].grain != 'd')
			continue;
		for (k = 0; k < nseen && strcmp(seen[k], day) != 0; k++)
			;
		if (k < nseen)
			continue;
		if (nseen < KPI_MARK_MAX)
			seen[nseen++] = day;
		for (k = 0; k < nknown && strcmp(known[k], day) != 0; k++)
			;
		if (k < nknown)
			continue;
		if (store_kpi_dirty_mark(db, day, e) < 0)   /* ON CONFLICT DO NOTHING: a repeat is harmless */
			return -1;
	}
	return 0;
}

int kpi_epoch(struct db *db, char out[KPI_EPOCH_MAX], struct err *e)
{
	if (store_meta_get(db, "kpi_epoch", out, KPI_EPOCH_MAX, e) == 0)
		return 0;
	if (e->status != 404)
		return -1;
	err_clear(e);
	out[0] = '\0';
	return 0;
}

/* A new epoch: servers holding deltas counted before it must repair their
 * days instead of adding them (app/writer.c). */
static int bump_epoch(struct db *db, struct err *e)
{
	char now[KPI_EPOCH_MAX];
	int64_t v = 0;

	if (kpi_epoch(db, now, e) < 0)
		return -1;
	if (now[0])
		v = strtoll(now, NULL, 10);
	snprintf(now, sizeof(now), "%lld", (long long)(v + 1));
	return store_meta_set(db, "kpi_epoch", now, e);
}

/* ============================================================= rebuild */

#define REBUILD_PAGE 5000
#define REBUILD_FLUSH_AT (256u * 1024)

struct rebuild_ctx {
	struct kpi_batch b;
	int64_t events;
	struct err *e;
};

static int rebuild_event(void *p, const struct event_rec *ev)
{
	struct rebuild_ctx *c = p;

	c->events++;
	return kpi_batch_add(&c->b, NULL, ev, c->e) < 0 ? -1 : 0;
}

int kpi_rebuild(struct db *db, int64_t *events, struct err *e)
{
	struct rebuild_ctx c = {.events = 0, .e = e};
	int own_tx = !db_in_tx(db), ret = -1;
	int64_t last = 0, before;

	kpi_batch_init(&c.b);
	if (own_tx && db_begin(db, e) < 0)
		goto out;
	if (store_kpi_clear(db, e) < 0 || bump_epoch(db, e) < 0)
		goto out;
	do {
		before = last;
		if (store_kpi_event_page(db, last, REBUILD_PAGE, rebuild_event, &c, &last, e) != 0)
			goto out;
		if (kpi_batch_size(&c.b) >= REBUILD_FLUSH_AT && kpi_batch_flush(&c.b, db, e) < 0)
			goto out;
	} while (last != before);
	if (kpi_batch_flush(&c.b, db, e) < 0)
		goto out;
	if (own_tx && db_commit(db, e) < 0)
		goto out;
	if (events)
		*events = c.events;
	ret = 0;
out:
	if (ret < 0 && own_tx && db_in_tx(db))
		db_rollback(db);
	kpi_batch_release(&c.b);
	return ret;
}

/* =============================================================== query */

struct fold {
	struct kpi_row *rows;
	size_t n, cap;
	int fixed;                       /* rows are the children: no new keys */
	enum kpi_by by;
	const char *filter;              /* category filter or NULL */
	struct kpi_counts *total;        /* KPI_BY_NONE */
	struct err *e;
};

/* The display key of a category code under the request's filter. */
static void category_key(const char *code, const char *filter, char *out, size_t n)
{
	const char *dot;

	if ((!filter || !*filter) && (dot = strchr(code, '.'))) {
		size_t len = (size_t)(dot - code) + 1;
		str_copy(out, len < n ? len : n, code);
		return;
	}
	str_copy(out, n, code);
}

static int fold_row(void *p, const char *key, const int64_t n[STORE_KPI_NCOUNTERS])
{
	struct fold *f = p;
	char k[EV_CODE_MAX];
	struct kpi_row *r = NULL;

	if (f->by == KPI_BY_NONE) {
		kpi_counts_add(f->total, (const struct kpi_counts *)n, 1);
		return 0;
	}
	if (f->by == KPI_BY_CATEGORY)
		category_key(key, f->filter, k, sizeof(k));
	else
		str_copy(k, sizeof(k), key);
	for (size_t i = 0; i < f->n && !r; i++)
		if (!strcmp(f->rows[i].key, k))
			r = &f->rows[i];
	if (!r) {
		if (f->fixed)
			return 0;
		if (f->n == f->cap) {
			size_t cap = f->cap ? f->cap * 2 : 32;
			struct kpi_row *rows = realloc(f->rows, cap * sizeof(*rows));
			if (!rows)
				return err_set(f->e, 500, "internal.oom", "内存不足", "out of memory");
			f->rows = rows;
			f->cap = cap;
		}
		r = &f->rows[f->n++];
		memset(r, 0, sizeof(*r));
		str_copy(r->key, sizeof(r->key), k);
	}
	kpi_counts_add(&r->c, (const struct kpi_counts *)n, 1);
	return 0;
}

/* Periods one span may list: the months of 16 years, or the days of a
 * period without a whole month (at most 61). */
#define KPI_MAX_SPAN_PERIODS 200

/* Sum the rows of `units` (all at `level`) over [from, to) into f. */
static int sum_period(struct db *db, const char *const *units, size_t nunits, int level,
                      int32_t from, int32_t to, enum kpi_by by, const char *category,
                      struct fold *f, struct err *e)
{
	struct kpi_span spans[3];
	int nspans = kpi_split_period(from, to, spans);
	int rollup = level <= KPI_ROLLUP_MAX_LEVEL;

	for (int i = 0; i < nspans; i++) {
		/* the periods, listed: at most 3 years of months, or 2 months of days */
		char text[KPI_MAX_SPAN_PERIODS][11];
		const char *periods[KPI_MAX_SPAN_PERIODS];
		size_t np = 0;
		struct store_kpi_sel s = {
			.grain = spans[i].grain, .periods = periods, .units = units, .nunits = nunits,
			.category = category, .rollup = rollup,
		};
		for (int32_t d = spans[i].from; d < spans[i].to && np < KPI_MAX_SPAN_PERIODS;
		     d = s.grain == 'm' ? kpi_day_add_months(d, 1) : d + 1) {
			periods[np] = kpi_day_format(d, text[np]);
			np++;
		}
		if (np == KPI_MAX_SPAN_PERIODS)
			return err_set(e, 400, "kpi.period_too_long", "统计期过长", "the period is too long");
		s.nperiods = np;
		if (category && *category)
			s.cat = STORE_KPI_CAT_UNDER;
		else
			s.cat = rollup && by != KPI_BY_CATEGORY ? STORE_KPI_CAT_ALL : STORE_KPI_CAT_EACH;
		s.group = by == KPI_BY_CATEGORY ? STORE_KPI_GROUP_CATEGORY :
		          by == KPI_BY_UNIT ? STORE_KPI_GROUP_UNIT : STORE_KPI_GROUP_NONE;
		if (store_kpi_sum(db, &s, fold_row, f, e) != 0)
			return -1;
	}
	return 0;
}

static int total_of(struct db *db, const struct kpi_request *q, int level, int32_t from,
                    int32_t to, struct kpi_counts *out, struct err *e)
{
	struct fold f = {.by = KPI_BY_NONE, .total = out, .e = e};

	memset(out, 0, sizeof(*out));
	return sum_period(db, &q->unit, 1, level, from, to, KPI_BY_NONE, q->category, &f, e);
}

static int kpi_row_cmp(const void *a, const void *b)
{
	return strcmp(((const struct kpi_row *)a)->key, ((const struct kpi_row *)b)->key);
}

struct child_list {
	char (*codes)[EV_CODE_MAX];
	size_t n, cap;
};

static int child_row(void *p, const struct unit_rec *u, const void *wkb, size_t n)
{
	struct child_list *c = p;

	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		void *codes = realloc(c->codes, cap * sizeof(*c->codes));
		if (!codes)
			return 1;
		c->codes = codes;
		c->cap = cap;
	}
	str_copy(c->codes[c->n++], EV_CODE_MAX, u->code);
	return 0;
}

int kpi_query(struct db *db, const struct kpi_request *q, struct kpi_result *out, struct err *e)
{
	int level = unit_code_level(q->unit);
	struct child_list cl = {0};
	const char **codes = NULL;
	const char *const *children = q->children;
	size_t nchildren = q->nchildren;
	struct fold f = {.by = q->by, .filter = q->category, .e = e};
	int ret = -1;

	memset(out, 0, sizeof(*out));
	if (level == LEVEL_NONE || q->from >= q->to) {
		err_set(e, 400, "kpi.bad_request", "单位编码或统计期无效", "bad unit code or period");
		goto out;
	}
	if (total_of(db, q, level, q->from, q->to, &out->total, e) < 0)
		goto out;
	if (q->compare) {
		kpi_previous_period(q->from, q->to, &out->prev_from, &out->prev_to);
		kpi_last_year_period(q->from, q->to, &out->ly_from, &out->ly_to);
		if (total_of(db, q, level, out->prev_from, out->prev_to, &out->prev, e) < 0 ||
		    total_of(db, q, level, out->ly_from, out->ly_to, &out->last_year, e) < 0)
			goto out;
	}
	if (q->by == KPI_BY_CATEGORY) {
		if (sum_period(db, &q->unit, 1, level, q->from, q->to, q->by, q->category, &f, e) < 0)
			goto out;
		if (f.n)                 /* rows is NULL when empty: qsort wants a pointer */
			qsort(f.rows, f.n, sizeof(*f.rows), kpi_row_cmp);
	} else if (q->by == KPI_BY_UNIT && level < LEVEL_GRID) {
		if (!children) {
			if (store_unit_children(db, q->unit, 0, child_row, &cl, e) != 0) {
				err_set(e, 500, "internal.oom", "内存不足", "out of memory");
				goto out;
			}
			if (!(codes = calloc(cl.n ? cl.n : 1, sizeof(*codes)))) {
				err_set(e, 500, "internal.oom", "内存不足", "out of memory");
				goto out;
			}
			for (size_t i = 0; i < cl.n; i++)
				codes[i] = cl.codes[i];
			children = codes;
			nchildren = cl.n;
		}
		if (nchildren) {
			if (!(f.rows = calloc(nchildren, sizeof(*f.rows)))) {
				err_set(e, 500, "internal.oom", "内存不足", "out of memory");
				goto out;
			}
			f.n = f.cap = nchildren;
			f.fixed = 1;
			for (size_t i = 0; i < nchildren; i++)
				str_copy(f.rows[i].key, sizeof(f.rows[i].key), children[i]);
			if (sum_period(db, children, nchildren, level + 1, q->from, q->to, q->by,
			               q->category, &f, e) < 0)
				goto out;
		}
	}
	out->rows = f.rows;
	out->nrows = f.n;
	f.rows = NULL;
	ret = 0;
out:
	free(f.rows);
	free(codes);
	free(cl.codes);
	return ret;
}

void kpi_result_release(struct kpi_result *r)
{
	free(r->rows);
	r->rows = NULL;
	r->nrows = 0;
}
