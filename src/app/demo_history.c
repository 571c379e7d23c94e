/*
 * demo_history.c - the demo's year of grid events (see demo_history.h).
 *
 * Three parts:
 *   1. set-up: the grids' weights, hotspots and recurring problem spots,
 *      the actors (the demo staff of each unit from the post table, the
 *      demo log-ins where they exist, a few fictional department clerks),
 *      the categories with their time limits as stored;
 *   2. calendar: the count per local day (apportioned by the rhythm of
 *      domain/demo_events.h), then per event a source and a time of day;
 *   3. life: each event gets a plan — its steps with their delays, drawn
 *      from the category's limits — and is played forward step by step as
 *      app/events.c would apply it, the clock marks in between written as
 *      the warning job would (warning rows, automatic 督办), until the plan
 *      ends or `end` is reached: what is left open stays open.
 * Rows go out through store_event_bulk_* (multi-row INSERTs, explicit ids).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "app/demo_history.h"
#include "app/events.h"
#include "domain/demo_events.h"
#include "domain/demo_names.h"
#include "domain/event_flow.h"
#include "domain/event_taxonomy.h"
#include "domain/unit_code.h"
#include "geo/locate.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "store/store_account.h"
#include "store/store_event.h"
#include "store/store_staff.h"
#include "lib/banned.h"

#define DAY 86400
#define HOUR 3600
#define TZ (8 * HOUR)                /* China Standard Time */
#define SPOTS 3                      /* recurring problem spots per grid */
#define MAX_CATS 64
#define MAX_STEPS 32
#define CENTRE_MAX 3
#define DEPT_STAFF 3
#define NDEPTS 7
#define NAME_MAX 64

/* Hotspots: urban villages where events pile up (town, how many grids of its
 * first community, weight factor). */
static const struct { const char *town; int grids; double factor; } hotspots[] = {
	{"440111002", 4, 7.0},           /* 三元里 */
	{"440111010", 3, 6.0},           /* 京溪 */
	{"440111009", 3, 5.0},           /* 同和 */
	{"440111012", 3, 5.0},           /* 嘉禾 */
};

static const char *const dept_suffix[NDEPTS] = {"cg", "zj", "ga", "sj", "wj", "yj", "sw"};

/* Tunables of the outcomes (shares of all events). */
#define P_REJECT 0.01                /* 不予受理 */
#define P_ESCALATE 0.16              /* community -> town (plus the 12345 orders) */
#define P_DISTRICT 0.15              /* of those at the town: -> district */
#define P_FROM_REPORTED 0.4          /* escalated without being accepted first */
#define P_LATE 0.036                 /* handling overruns the whole deadline */
#define P_STUCK 0.08                 /* of the late: badly (weeks) */
#define P_REWORK 0.03                /* 核查不通过, 返工 */
#define P_EXTEND 0.025               /* 延期申请 (most approved) */
#define P_EXTEND_OK 0.85
#define P_RATED 0.85                 /* residents who rate */
#define P_LEADER_SUPERVISES 0.3      /* of the late: a leader's 督办 */
#define P_DEMO_RESIDENT 0.01         /* resident reports in 三元里 by the demo resident */
#define LOGIN_TOWN "440111002"

/* ============================================================== actors */

struct actor {
	char name[NAME_MAX];
	int64_t account;                 /* 0: no log-in */
	const char *role;                /* role.h name */
	char unit[UNIT_CODE_MAX];        /* unit or department acted for */
};

struct hgrid {
	const struct demo_history_grid *in;
	double weight;                   /* cumulative, for the draw */
	int hot;
	int special;
	int town;                        /* index into sim.towns */
	double spot[SPOTS][2];
	struct actor worker, leader, station;
};

struct htown {
	char code[UNIT_CODE_MAX];
	struct actor centre[CENTRE_MAX];
	int ncentre;
};

struct hcat {
	struct category_rec rec;
	double weight;                   /* per mille of a typical year */
};

/* One step of an event's plan. */
enum hstep {
	H_ACCEPT, H_REJECT, H_ESCALATE, H_REGISTER, H_DISPATCH, H_SIGN, H_EXT_REQ, H_EXT_OK,
	H_EXT_NO, H_COMPLETE, H_VERIFY_FAIL, H_VERIFY_PASS, H_CLOSE, H_RATE, H_SUPERVISE,
};

struct pstep {
	enum hstep k;
	int64_t delay;                   /* seconds after the step before */
	int arg;                         /* minutes (extension), rating */
};

struct plan {
	struct pstep s[MAX_STEPS];
	int n;
	int main_complete;               /* the handling step a late event stretches */
	int first_close;
};

struct sim {
	struct db *db;
	struct event_bulk *bulk;
	const struct demo_history_in *in;
	struct demo_history_stats *st;
	struct demo_rng r;
	struct demo_rng pr;              /* points: their own stream, so geometry moves nothing else */
	struct locate_index *loc;
	struct hgrid *grids;
	size_t ngrids;
	struct htown *towns;
	size_t ntowns;
	struct hcat cats[MAX_CATS];
	int ncats;
	struct actor district, leader, resident;
	struct actor dept[NDEPTS][DEPT_STAFF];
	int64_t end;
	int64_t log_id, sup_id;
	int64_t resident_serial;         /* phone numbers of residents */
	unsigned stall_needed;           /* open statuses still to be shown (1 << ev_status) */
	int stall_quota, stalled[EV_NSTATUS];
	int64_t hotline_day;             /* 12345 work-order numbers: day of the last one */
	int hotline_serial;              /* … and its serial that day */
	/* the event being played */
	struct event_rec ev;
	struct ev_limits lim;
	struct hgrid *g;
	struct actor reporter, handler, verifier;
	int64_t checked;                 /* clock marks written up to here */
	int64_t ext_minutes;             /* approved extension */
};

static int oom(struct err *e)
{
	return err_set(e, 500, "demo.oom", "内存不足", "out of memory");
}

static void actor_set(struct actor *a, const char *name, int64_t account, const char *role,
                      const char *unit)
{
	str_copy(a->name, sizeof(a->name), name);
	a->account = account;
	a->role = role;
	str_copy(a->unit, sizeof(a->unit), unit ? unit : "");
}

/* Posts read back from the store, sorted by unit code. */
struct posts {
	struct post_rec *p;
	size_t n, cap;
};

static int posts_add(void *ctx, const struct post_rec *p)
{
	struct posts *ps = ctx;

	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 1024;
		struct post_rec *q = realloc(ps->p, cap * sizeof(*q));
		if (!q)
			return -1;
		ps->p = q;
		ps->cap = cap;
	}
	ps->p[ps->n++] = *p;
	return 0;
}

static int post_cmp(const void *a, const void *b)
{
	const struct post_rec *x = a, *y = b;
	int c = strcmp(x->unit_code, y->unit_code);

	if (!c)
		c = strcmp(x->role, y->role);
	return c ? c : x->id < y->id ? -1 : x->id > y->id;
}

/* The first current post of `role` in unit, or NULL. */
static const struct post_rec *post_find(const struct posts *ps, const char *unit, const char *role)
{
	size_t lo = 0, hi = ps->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(ps->p[mid].unit_code, unit);
		if (c == 0)
			c = strcmp(ps->p[mid].role, role);
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ps->n && !strcmp(ps->p[lo].unit_code, unit) && !strcmp(ps->p[lo].role, role)
	       ? &ps->p[lo] : NULL;
}

/* The demo log-ins: user name -> account (and the person it is linked to). */
struct login {
	const char *username;
	struct account_rec a;
	int found;
};

static int64_t account_of_person(const struct login *l, size_t n, int64_t person)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].found && person > 0 && l[i].a.person_id == person)
			return l[i].a.id;
	return 0;
}

static const struct login *login_get(const struct login *l, size_t n, const char *username)
{
	for (size_t i = 0; i < n; i++)
		if (l[i].found && !strcmp(l[i].username, username))
			return &l[i];
	return NULL;
}

/* A unit's staff member as an actor; a placeholder name when nobody holds the post. */
static void staff_actor(struct actor *a, const struct posts *ps, const struct login *l, size_t nl,
                        const char *unit, const char *post_role, const char *role,
                        const char *fallback)
{
	const struct post_rec *p = post_find(ps, unit, post_role);

	if (p)
		actor_set(a, p->name, account_of_person(l, nl, p->person_id), role, unit);
	else
		actor_set(a, fallback, 0, role, unit);
}

static int load_actors(struct sim *s, struct err *e)
{
	static const char *const names[] = {"gridworker", "gridleader", "station", "dispatcher",
	                                    "command", "chengguan", "leader", "resident"};
	struct login logins[sizeof(names) / sizeof(names[0])];
	size_t nl = sizeof(names) / sizeof(names[0]);
	struct posts ps = {0};
	struct demo_rng r;
	const struct login *l;
	int ret = -1;

	memset(logins, 0, sizeof(logins));
	for (size_t i = 0; i < nl; i++) {
		struct err nf = ERR_INIT;
		logins[i].username = names[i];
		if (store_account_by_name(s->db, logins[i].username, &logins[i].a, &nf) == 0)
			logins[i].found = !logins[i].a.disabled;
		else if (nf.status != 404) {
			err_pass(e, &nf);
			goto out;
		}
	}
	if (store_posts_all_current(s->db, posts_add, &ps, e) != 0) {
		if (!err_isset(e))
			oom(e);
		goto out;
	}
	qsort(ps.p, ps.n, sizeof(*ps.p), post_cmp);

	/* towns: the 指挥中心 duty staff are members of the town's 领导小组;
	 * in 三元里 the demo dispatcher takes the first seat */
	for (size_t t = 0; t < s->ntowns; t++) {
		struct htown *tw = &s->towns[t];
		size_t lo = 0;
		while (lo < ps.n && strcmp(ps.p[lo].unit_code, tw->code) < 0)
			lo++;
		tw->ncentre = 0;
		if (!strcmp(tw->code, LOGIN_TOWN) && (l = login_get(logins, nl, "dispatcher")))
			actor_set(&tw->centre[tw->ncentre++], l->a.display_name, l->a.id, "command",
			          tw->code);
		for (size_t i = lo; i < ps.n && !strcmp(ps.p[i].unit_code, tw->code) &&
		                    tw->ncentre < CENTRE_MAX; i++)
			if (!strcmp(ps.p[i].role, "leader_group") && strcmp(ps.p[i].title, "组长"))
				actor_set(&tw->centre[tw->ncentre++], ps.p[i].name,
				          account_of_person(logins, nl, ps.p[i].person_id), "command", tw->code);
		if (tw->ncentre == 0)
			actor_set(&tw->centre[tw->ncentre++], "指挥中心值班员", 0, "command", tw->code);
	}
	/* grids: 网格员, the area's 网格长, the community's 站长 */
	for (size_t g = 0; g < s->ngrids; g++) {
		struct hgrid *hg = &s->grids[g];
		const char *code = hg->in->grid->code;
		char area[UNIT_CODE_MAX], comm[UNIT_CODE_MAX];
		str_copy(area, sizeof(area), hg->in->grid->parent);
		str_copy(comm, sizeof(comm), hg->in->community->code);
		staff_actor(&hg->worker, &ps, logins, nl, code, "grid_worker", "grid_worker", "网格员");
		staff_actor(&hg->leader, &ps, logins, nl, area, "grid_leader", "grid_leader", "网格长");
		staff_actor(&hg->station, &ps, logins, nl, comm, "station_head", "station_head", "站长");
	}
	/* the district centre, the leader, the departments' clerks */
	l = login_get(logins, nl, "command");
	actor_set(&s->district, l ? l->a.display_name : "区指挥中心值班长", l ? l->a.id : 0, "command",
	          NULL);
	snprintf(s->district.unit, sizeof(s->district.unit), "%.6s", s->towns[0].code);
	l = login_get(logins, nl, "leader");
	actor_set(&s->leader, l ? l->a.display_name : "区领导", l ? l->a.id : 0, "leader",
	          s->district.unit);
	l = login_get(logins, nl, "resident");
	actor_set(&s->resident, l ? l->a.display_name : "居民", l ? l->a.id : 0, "resident", NULL);
	demo_rng_init(&r, s->in->seed, demo_stream("history-depts"));
	for (int d = 0; d < NDEPTS; d++) {
		char code[UNIT_CODE_MAX], name[NAME_MAX];
		snprintf(code, sizeof(code), "%s-%s", s->district.unit, dept_suffix[d]);
		for (int k = 0; k < DEPT_STAFF; k++) {
			demo_person_name(&r, demo_gender_pick(&r, 0.5), name, sizeof(name));
			actor_set(&s->dept[d][k], name, 0, "department", code);
		}
		if (d == 0 && (l = login_get(logins, nl, "chengguan")))
			actor_set(&s->dept[0][0], l->a.display_name, l->a.id, "department", code);
	}
	ret = 0;
out:
	free(ps.p);
	return ret;
}

/* ============================================================== places */

static int inside(const struct sim *s, size_t gi, double lon, double lat)
{
	return locate_find(s->loc, lon, lat) == (long)gi;
}

static void random_point(struct sim *s, size_t gi, double *lon, double *lat)
{
	const double *b = s->grids[gi].in->grid->bbox;

	for (int k = 0; k < 32; k++) {
		double x = demo_rng_uniform(&s->pr, b[0], b[2]), y = demo_rng_uniform(&s->pr, b[1], b[3]);
		if (inside(s, gi, x, y)) {
			*lon = x;
			*lat = y;
			return;
		}
	}
	*lon = s->grids[gi].in->grid->center[0];
	*lat = s->grids[gi].in->grid->center[1];
}

/* A point of the event: near one of the grid's problem spots (about 30 m)
 * or anywhere in the grid; always one that locates to the grid. */
static void event_point(struct sim *s, size_t gi, double *lon, double *lat)
{
	const struct hgrid *g = &s->grids[gi];

	if (demo_rng_double(&s->pr) < 0.45) {
		const double *sp = g->spot[demo_rng_range(&s->pr, 0, SPOTS - 1)];
		for (int k = 0; k < 4; k++) {
			double x = sp[0] + demo_rng_uniform(&s->pr, -0.0003, 0.0003);
			double y = sp[1] + demo_rng_uniform(&s->pr, -0.0003, 0.0003);
			if (inside(s, gi, x, y)) {
				*lon = x;
				*lat = y;
				return;
			}
		}
		*lon = sp[0];
		*lat = sp[1];
		return;
	}
	random_point(s, gi, lon, lat);
}

static int town_index(struct sim *s, const char *grid)
{
	for (size_t t = 0; t < s->ntowns; t++)
		if (!strncmp(grid, s->towns[t].code, strlen(s->towns[t].code)))
			return (int)t;
	return 0;
}

/* Weights, hotspots, spots and towns of the grids. */
static int load_grids(struct sim *s, struct err *e)
{
	double total = 0;

	if (!(s->grids = calloc(s->ngrids, sizeof(*s->grids))) ||
	    !(s->towns = calloc(s->ngrids, sizeof(*s->towns))))
		return oom(e);
	for (size_t g = 0; g < s->ngrids; g++) {
		const char *code = s->in->grids[g].grid->code;
		size_t t;
		for (t = 0; t < s->ntowns; t++)
			if (!strncmp(code, s->towns[t].code, 9))
				break;
		if (t == s->ntowns) {
			snprintf(s->towns[t].code, sizeof(s->towns[t].code), "%.9s", code);
			s->ntowns++;
		}
	}
	for (size_t g = 0; g < s->ngrids; g++) {
		struct hgrid *hg = &s->grids[g];
		const struct unit_rec *u = s->in->grids[g].grid;
		const struct unit_rec *c = s->in->grids[g].community;
		double w = u->households > 0 ? (double)u->households : 300;

		hg->in = &s->in->grids[g];
		hg->town = town_index(s, u->code);
		hg->special = !strcmp(u->grid_type, "专属网格");
		if (hg->special) {
			int busy = !strcmp(u->grid_subtype, "商圈") || !strcmp(u->grid_subtype, "专业市场") ||
			           !strcmp(u->grid_subtype, "交通枢纽");
			w = busy ? 700 : 350;
		}
		if (!strcmp(c->kind, "村"))
			w *= 0.8;
		for (size_t h = 0; h < sizeof(hotspots) / sizeof(hotspots[0]); h++) {
			size_t len = strlen(hotspots[h].town);
			char first[UNIT_CODE_MAX];
			/* the town's first community, its first grids */
			snprintf(first, sizeof(first), "%s001", hotspots[h].town);
			/* first area of the town's first community, its first grids */
			if (!strncmp(u->code, hotspots[h].town, len) && !strcmp(c->code, first) &&
			    strlen(u->code) == 16 && !strncmp(u->code + 12, "010", 3) &&
			    u->code[15] - '0' >= 1 && u->code[15] - '0' <= hotspots[h].grids) {
				hg->hot = 1;
				w *= hotspots[h].factor;
			}
		}
		total += w;
		hg->weight = total;
		for (int k = 0; k < SPOTS; k++)
			random_point(s, g, &hg->spot[k][0], &hg->spot[k][1]);
	}
	return 0;
}

static size_t pick_grid(struct sim *s)
{
	double x = demo_rng_double(&s->r) * s->grids[s->ngrids - 1].weight;
	size_t lo = 0, hi = s->ngrids - 1;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (s->grids[mid].weight > x)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/* ========================================================== categories */

static int cat_add(void *ctx, const struct category_rec *c)
{
	struct sim *s = ctx;

	if (!c->parent[0] || !c->enabled || s->ncats >= MAX_CATS)
		return 0;
	for (int i = 0; i < event_taxonomy_n; i++)
		if (!strcmp(event_taxonomy[i].code, c->code) && event_taxonomy[i].weight > 0) {
			s->cats[s->ncats].rec = *c;
			s->cats[s->ncats].weight = event_taxonomy[i].weight;
			s->ncats++;
		}
	return 0;
}

static const struct hcat *pick_category(struct sim *s, int month, int storm, int hot)
{
	double w[MAX_CATS], total = 0, x;

	for (int i = 0; i < s->ncats; i++) {
		w[i] = s->cats[i].weight * demo_category_factor(s->cats[i].rec.code, month, storm);
		if (hot && demo_category_chronic(s->cats[i].rec.code))
			w[i] *= 3.5;
		total += w[i];
	}
	x = demo_rng_double(&s->r) * total;
	for (int i = 0; i < s->ncats; i++) {
		if (x < w[i])
			return &s->cats[i];
		x -= w[i];
	}
	return &s->cats[s->ncats - 1];
}

/* ============================================================ timeline */

static int log_row(struct sim *s, const char *action, const char *from, const struct actor *a,
                   const char *note, const char *detail, int pub, int64_t at, struct err *e)
{
	struct event_log_rec l = {0};

	l.id = ++s->log_id;
	l.event_id = s->ev.id;
	l.at = at;
	l.action = action;
	l.from_status = from;
	l.to_status = s->ev.status;
	l.actor_id = a ? a->account : 0;
	l.actor_name = a ? a->name : "系统";
	l.role = a ? a->role : NULL;
	l.unit_code = a && a->unit[0] ? a->unit : NULL;
	l.note = note;
	l.detail = detail;
	l.public_step = pub;
	l.grid_code = s->ev.grid;
	l.dept_code = s->ev.dept[0] ? s->ev.dept : NULL;
	s->st->logs++;
	return store_event_bulk_log(s->bulk, &l, e);
}

static int supervision_row(struct sim *s, int level, const char *unit, int64_t actor,
                           const char *note, int64_t at, struct err *e)
{
	s->st->supervisions++;
	return store_event_bulk_supervision(s->bulk, ++s->sup_id, s->ev.id, level, unit, actor, note,
	                                    at, e);
}

static void ancestor(const char *grid, int level, char *out, size_t n)
{
	static const size_t len[] = {0, 6, 9, 12, 14, 16};
	size_t l = level >= 1 && level <= 5 ? len[level] : 6;

	snprintf(out, n, "%.*s", (int)l, grid);
}

/* The warning job between the last step and t: every clock mark passed
 * (yellow at 80 %, red and 普通督办 at 100 %, 黄牌 at 150 %, 红牌 at 200 %
 * of the phase, the event's due time) as clock_run() in app/events.c
 * writes it. */
static int clock_until(struct sim *s, int64_t t, struct err *e)
{
	struct event_rec *ev = &s->ev;

	for (;;) {
		struct ev_clock c;
		int64_t next, allowance = ev->deadline_at - ev->phase_started_at;
		int overdue, auto_sup;
		char detail[64], note[96], unit[UNIT_CODE_MAX];

		if (allowance <= 0)
			return 0;
		ev_clock(ev->phase_started_at, allowance, s->checked, &c);
		next = c.next;
		if (ev->due_at && !ev->overdue && ev->due_at > s->checked && (!next || ev->due_at < next))
			next = ev->due_at;
		if (!next || next > t)
			return 0;
		s->checked = next;
		ev_clock(ev->phase_started_at, allowance, next, &c);
		overdue = ev->overdue || (ev->due_at && next >= ev->due_at);
		auto_sup = c.supervision > ev->supervision ? c.supervision : 0;
		ev->version++;
		ev->updated_at = next;
		if (c.warning == ev->warning && overdue == ev->overdue && !auto_sup)
			continue;
		ev->warning = c.warning;
		ev->overdue = overdue;
		if (auto_sup)
			ev->supervision = auto_sup;
		snprintf(detail, sizeof(detail), "{\"warning\":%d,\"overdue\":%d}", ev->warning,
		         ev->overdue);
		if (log_row(s, auto_sup ? "supervise" : "warning", ev->status, NULL,
		            auto_sup ? (auto_sup == 3 ? "系统自动督办：严重超期（红牌）"
		                        : auto_sup == 2 ? "系统自动督办：超期（黄牌）"
		                        : "系统自动督办：超时未办")
		            : ev->warning == 2 ? "已超时" : ev->warning == 1 ? "即将超时" : NULL,
		            detail, 0, next, e) < 0)
			return -1;
		if (auto_sup) {
			ancestor(ev->grid, ev->level > EV_LEVEL_DISTRICT ? ev->level - 1 : EV_LEVEL_DISTRICT,
			         unit, sizeof(unit));
			snprintf(note, sizeof(note), "系统自动督办（%s）",
			         auto_sup == 3 ? "红牌" : auto_sup == 2 ? "黄牌" : "普通");
			if (supervision_row(s, auto_sup, unit, 0, note, next, e) < 0)
				return -1;
		}
	}
}

/* set_clock() of app/events.c at t: restart the phase or refresh it. */
static void clock_set(struct sim *s, int64_t t, int restart)
{
	struct event_rec *ev = &s->ev;
	enum ev_status st = (enum ev_status)ev_status_parse(ev->status);
	struct ev_clock c;
	int64_t allowance;

	if (!ev_status_open(st)) {
		ev->warn_at = ev->deadline_at = ev->next_check_at = 0;
		ev->warning = 0;
		return;
	}
	if (restart) {
		ev->phase_started_at = t;
		allowance = ev_phase_seconds(&s->lim, ev_phase_of(st), ev->urgency);
	} else {
		allowance = ev->deadline_at - ev->phase_started_at;
	}
	ev_clock(ev->phase_started_at, allowance, t, &c);
	ev->warn_at = c.warn_at;
	ev->deadline_at = c.deadline_at;
	ev->warning = c.warning;
	ev->next_check_at = c.next;
	if (ev->due_at && !ev->overdue) {
		if (t >= ev->due_at)
			ev->overdue = 1;
		else if (!ev->next_check_at || ev->due_at < ev->next_check_at)
			ev->next_check_at = ev->due_at;
	}
}

/* The centre holding the event now: its town's, or the district's. */
static const struct actor *centre(struct sim *s)
{
	const struct htown *t = &s->towns[s->g->town];

	if (s->ev.level <= EV_LEVEL_DISTRICT)
		return &s->district;
	return &t->centre[demo_rng_range(&s->r, 0, t->ncentre - 1)];
}

/* Who handles in the department (or town office) the event went to. */
static const struct actor *dept_staff(struct sim *s)
{
	for (int d = 0; d < NDEPTS; d++)
		if (!strcmp(s->ev.dept, s->dept[d][0].unit))
			return &s->dept[d][demo_rng_range(&s->r, 0, DEPT_STAFF - 1)];
	return &s->towns[s->g->town].centre[demo_rng_range(&s->r, 0,
	                                                    s->towns[s->g->town].ncentre - 1)];
}

/* The internal loop's handler and verifier (never the same: 采办分离). */
static void internal_hands(struct sim *s)
{
	double u = demo_rng_double(&s->r);
	struct hgrid *g = s->g;

	if (u < 0.75) {
		s->handler = g->worker;
		s->verifier = demo_rng_double(&s->r) < 0.6 ? g->leader : g->station;
	} else if (u < 0.9) {
		s->handler = g->leader;
		s->verifier = g->station;
	} else {
		s->handler = g->station;
		s->verifier = g->leader;
	}
}

/* Apply one step at t, as step_run() in app/events.c would. */
static int apply(struct sim *s, const struct pstep *p, int64_t t, struct err *e)
{
	struct event_rec *ev = &s->ev;
	const struct actor *a = NULL;
	const char *action = NULL, *note = NULL;
	char from[16], detail[96] = "";
	int restart = 0, pub = 1, external = !strcmp(ev->loop, "external");

	if (clock_until(s, t, e) < 0)
		return -1;
	s->checked = t;
	str_copy(from, sizeof(from), ev->status);
	switch (p->k) {
	case H_ACCEPT:
		action = "accept";
		a = demo_rng_double(&s->r) < 0.85 ? &s->g->station : centre(s);
		str_copy(ev->status, sizeof(ev->status), "handling");
		ev->accepted_at = t;
		restart = 1;
		break;
	case H_REJECT:
		action = "reject";
		a = !strcmp(from, "reported") && demo_rng_double(&s->r) < 0.8 ? &s->g->station : centre(s);
		note = demo_reject_reason(&s->r);
		str_copy(ev->reject_reason, sizeof(ev->reject_reason), note);
		str_copy(ev->status, sizeof(ev->status), "rejected");
		restart = 1;
		break;
	case H_ESCALATE:
		action = "escalate";
		if (!strcmp(from, "escalated") || !strcmp(from, "registered"))
			a = centre(s);
		else
			a = demo_rng_double(&s->r) < 0.5 ? &s->g->worker : &s->g->station;
		note = demo_escalate_reason(&s->r, ev->level == EV_LEVEL_TOWN);
		ev->level = ev->level > EV_LEVEL_DISTRICT ? ev->level - 1 : EV_LEVEL_DISTRICT;
		str_copy(ev->loop, sizeof(ev->loop), "external");
		ev->escalated = 1;
		ev->assignee_id = 0;
		ev->dept[0] = '\0';
		ancestor(ev->grid, ev->level, ev->holder, sizeof(ev->holder));
		str_copy(ev->status, sizeof(ev->status), "escalated");
		restart = 1;
		break;
	case H_REGISTER:
		action = "register";
		a = centre(s);
		if (!ev->accepted_at)
			ev->accepted_at = t;
		str_copy(ev->status, sizeof(ev->status), "registered");
		restart = 1;
		break;
	case H_DISPATCH: {
		const char *sfx = demo_category_dept(&s->r, ev->category);
		action = "dispatch";
		a = centre(s);
		if (sfx)
			snprintf(ev->dept, sizeof(ev->dept), "%s-%s", s->district.unit, sfx);
		else
			ancestor(ev->grid, EV_LEVEL_TOWN, ev->dept, sizeof(ev->dept));
		snprintf(detail, sizeof(detail), "{\"target\":\"%s\"}", ev->dept);
		str_copy(ev->status, sizeof(ev->status), "dispatched");
		s->handler = *dept_staff(s);
		s->verifier = s->g->worker;          /* external loop: the grid's worker verifies */
		break;
	}
	case H_SIGN:
		action = "sign";
		a = &s->handler;
		str_copy(ev->status, sizeof(ev->status), "handling");
		break;
	case H_EXT_REQ:
		action = "extend_request";
		a = &s->handler;
		note = demo_extend_reason(&s->r);
		str_copy(ev->pending, sizeof(ev->pending), "extend");
		ev->pending_minutes = p->arg;
		ev->pending_by = a->account;
		snprintf(detail, sizeof(detail), "{\"minutes\":%d}", p->arg);
		pub = 0;
		break;
	case H_EXT_OK:
	case H_EXT_NO:
		a = centre(s);
		pub = 0;
		if (p->k == H_EXT_OK) {
			int64_t add = (int64_t)ev->pending_minutes * 60;
			action = "extend_approve";
			snprintf(detail, sizeof(detail), "{\"minutes\":%d}", ev->pending_minutes);
			ev->deadline_at += add;
			ev->due_at += add;
			ev->extension_count++;
			if (ev->overdue && t < ev->due_at)
				ev->overdue = 0;
		} else {
			action = "extend_deny";
			note = "请按原时限办结。";
		}
		ev->pending[0] = '\0';
		ev->pending_minutes = 0;
		ev->pending_by = 0;
		break;
	case H_COMPLETE:
		action = "complete";
		a = &s->handler;
		note = demo_event_result(&s->r, ev->category);
		ev->handler_id = a->account;
		str_copy(ev->result, sizeof(ev->result), note);
		ev->pending[0] = '\0';
		ev->pending_minutes = 0;
		ev->pending_by = 0;
		str_copy(ev->status, sizeof(ev->status), "verifying");
		restart = 1;
		break;
	case H_VERIFY_FAIL:
	case H_VERIFY_PASS:
		a = &s->verifier;
		ev->verifier_id = a->account;
		if (p->k == H_VERIFY_FAIL) {
			action = "verify_fail";
			note = demo_rework_reason(&s->r);
			ev->rework_count++;
			snprintf(detail, sizeof(detail), "{\"rework\":%d}", ev->rework_count);
			str_copy(ev->status, sizeof(ev->status), "handling");
			restart = 1;
		} else {
			action = "verify_pass";
			str_copy(ev->status, sizeof(ev->status), "verified");
		}
		break;
	case H_CLOSE:
		action = "close";
		if (external)
			a = centre(s);
		else
			a = strcmp(s->handler.name, s->g->station.name) ? &s->g->station : &s->g->leader;
		ev->closed_at = t;
		str_copy(ev->status, sizeof(ev->status), "closed");
		restart = 1;
		break;
	case H_RATE:
		action = "rate";
		a = &s->reporter;
		note = demo_rating_note(&s->r, p->arg);
		snprintf(detail, sizeof(detail), "{\"rating\":%d}", p->arg);
		if (p->arg == 3 && ev->reopen_count == 0) {
			ev->reopen_count++;
			ev->closed_at = 0;
			ev->rating = 0;
			ev->rating_note[0] = '\0';
			str_copy(ev->status, sizeof(ev->status), "handling");
			restart = 1;
		} else {
			ev->rating = p->arg;
			str_copy(ev->rating_note, sizeof(ev->rating_note), note);
		}
		break;
	case H_SUPERVISE: {
		int level = ev->supervision + 1 < 2 ? 2 : ev->supervision + 1 > 3 ? 3 : ev->supervision + 1;
		action = "supervise";
		a = &s->leader;
		note = "请加快办理进度，按时办结。";
		snprintf(detail, sizeof(detail), "{\"level\":%d}", level);
		if (level > ev->supervision)
			ev->supervision = level;
		pub = 0;
		if (supervision_row(s, level, a->unit, a->account, note, t, e) < 0)
			return -1;
		break;
	}
	}
	if (strcmp(from, ev->status))
		str_copy(ev->prev_status, sizeof(ev->prev_status), from);
	clock_set(s, t, restart);
	ev->updated_at = t;
	ev->version++;
	return log_row(s, action, from, a, note && *note ? note : NULL, detail[0] ? detail : NULL, pub,
	               t, e);
}

/* ================================================================ plans */

static void add(struct plan *p, enum hstep k, int64_t delay, int arg)
{
	if (p->n >= MAX_STEPS)
		return;
	p->s[p->n].k = k;
	p->s[p->n].delay = delay < 60 ? 60 : delay;
	p->s[p->n].arg = arg;
	p->n++;
}

static double u01(struct sim *s)
{
	return demo_rng_double(&s->r);
}

static double between(struct sim *s, double lo, double hi)
{
	return demo_rng_uniform(&s->r, lo, hi);
}

/* Handling until 处置完成, with an extension now and then. */
static void plan_handling(struct sim *s, struct plan *p, int64_t H, int main)
{
	if (main && u01(s) < P_EXTEND) {
		static const int days[] = {1, 2, 3, 5, 7};
		int minutes = days[demo_rng_range(&s->r, 0, 4)] * 24 * 60;
		int ok = u01(s) < P_EXTEND_OK;
		add(p, H_EXT_REQ, (int64_t)((double)H * between(s, 0.3, 0.7)), minutes);
		add(p, ok ? H_EXT_OK : H_EXT_NO, (int64_t)between(s, 0.5, 6) * HOUR, 0);
		if (ok)
			s->ext_minutes += minutes;
		p->main_complete = p->n;
		add(p, H_COMPLETE, (int64_t)((double)H * between(s, 0.05, 0.25) +
		                             (ok ? minutes * 60.0 * between(s, 0.2, 0.8) : 0)), 0);
		return;
	}
	if (main)
		p->main_complete = p->n;
	add(p, H_COMPLETE, (int64_t)((double)H * (main ? 0.08 + 0.62 * pow(u01(s), 1.5)
	                                              : between(s, 0.05, 0.35))), 0);
}

/* 核查 and 结案, with a round of 返工 now and then. */
static void plan_verify(struct sim *s, struct plan *p, int64_t H, int64_t V, int first)
{
	if (first && u01(s) < P_REWORK) {
		add(p, H_VERIFY_FAIL, (int64_t)((double)V * (0.03 + 0.4 * u01(s) * u01(s))), 0);
		plan_handling(s, p, H, 0);
	}
	add(p, H_VERIFY_PASS, (int64_t)((double)V * (0.03 + 0.45 * u01(s) * u01(s))), 0);
	if (first && p->first_close < 0)
		p->first_close = p->n;
	add(p, H_CLOSE, (int64_t)((double)V * between(s, 0.01, 0.15)), 0);
}

static int draw_rating(struct sim *s, int second)
{
	double u = u01(s);

	if (second)
		return u < 0.35 ? 1 : u < 0.85 ? 2 : 3;
	return u < 0.90 ? 1 : u < 0.98 ? 2 : 3;
}

/* The whole life of the event as planned: steps and delays. */
static void make_plan(struct sim *s, struct plan *p, int hotline, int resident)
{
	int64_t A = ev_phase_seconds(&s->lim, EV_PHASE_ACCEPT, s->ev.urgency);
	int64_t H = ev_phase_seconds(&s->lim, EV_PHASE_HANDLE, s->ev.urgency);
	int64_t V = ev_phase_seconds(&s->lim, EV_PHASE_VERIFY, s->ev.urgency);
	int external = hotline || u01(s) < P_ESCALATE;
	int late = u01(s) < P_LATE;
	double acc = 0.05 + 0.6 * u01(s) * u01(s);

	memset(p, 0, sizeof(*p));
	p->main_complete = p->first_close = -1;
	s->ext_minutes = 0;
	if (u01(s) < P_REJECT) {
		add(p, H_REJECT, (int64_t)((double)A * between(s, 0.1, 0.7)), 0);
		return;
	}
	if (!external) {
		add(p, H_ACCEPT, (int64_t)((double)A * acc), 0);
		internal_hands(s);
	} else if (!hotline) {
		if (u01(s) < P_FROM_REPORTED) {
			add(p, H_ESCALATE, (int64_t)((double)A * acc), 0);
		} else {
			add(p, H_ACCEPT, (int64_t)((double)A * acc), 0);
			add(p, H_ESCALATE, (int64_t)((double)H * between(s, 0.03, 0.2)), 0);
		}
	}
	if (external) {
		if (u01(s) < P_DISTRICT)
			add(p, H_ESCALATE, (int64_t)((double)A * (0.05 + 0.5 * u01(s) * u01(s))), 0);
		add(p, H_REGISTER, (int64_t)((double)A * between(s, 0.1, 0.8)), 0);
		add(p, H_DISPATCH, (int64_t)((double)H * between(s, 0.01, 0.08)), 0);
		add(p, H_SIGN, (int64_t)((double)H * between(s, 0.02, 0.12)), 0);
	}
	plan_handling(s, p, H, 1);
	plan_verify(s, p, H, V, 1);
	if (late && p->main_complete >= 0 && p->first_close >= 0) {
		/* stretch the handling past the event's deadline */
		int64_t used = 0, target;
		for (int i = 0; i <= p->first_close; i++)
			used += p->s[i].delay;
		target = A + H + V + s->ext_minutes * 60 +
		         (u01(s) < P_STUCK ? (int64_t)((double)H * between(s, 2, 8))
		                           : (int64_t)((double)V * between(s, 0.05, 1) +
		                                       (double)H * between(s, 0, 0.5)));
		if (target > used) {
			struct pstep *c = &p->s[p->main_complete];
			c->delay += target - used;
			if (u01(s) < P_LEADER_SUPERVISES && p->n < MAX_STEPS) {
				int64_t before = (int64_t)((double)c->delay * between(s, 0.6, 0.9));
				memmove(c + 1, c, (size_t)(p->n - p->main_complete) * sizeof(*c));
				p->n++;
				c->k = H_SUPERVISE;
				c->delay = before;
				c->arg = 0;
				c[1].delay -= before;
				p->first_close++;
			}
		}
	}
	if (resident && u01(s) < P_RATED) {
		int rating = draw_rating(s, 0);
		add(p, H_RATE, (int64_t)between(s, 600, 2.0 * DAY), rating);
		if (rating == 3) {
			plan_handling(s, p, H, 0);
			plan_verify(s, p, H, V, 0);
			if (u01(s) < 0.8)
				add(p, H_RATE, (int64_t)between(s, 600, 2.0 * DAY), draw_rating(s, 1));
		}
	}
}

/* ================================================================ stalls */

/*
 * Every open status shows up at the end, also in a small history: of the
 * events reported 12 to 36 hours before the end, the first whose plan
 * passes through a status still missing stops there (a work order nobody
 * registered, a dispatch nobody signed …), rarest statuses first. It then
 * runs late, with the warnings and 督办 that brings.
 */
#define STALL_ALL ((1u << EV_REPORTED) | (1u << EV_HANDLING) | (1u << EV_ESCALATED) | \
                   (1u << EV_REGISTERED) | (1u << EV_DISPATCHED) | (1u << EV_VERIFYING) | \
                   (1u << EV_VERIFIED))

static enum ev_status step_to(enum hstep k, enum ev_status now)
{
	switch (k) {
	case H_ACCEPT: case H_SIGN: case H_VERIFY_FAIL: return EV_HANDLING;
	case H_REJECT: return EV_REJECTED;
	case H_ESCALATE: return EV_ESCALATED;
	case H_REGISTER: return EV_REGISTERED;
	case H_DISPATCH: return EV_DISPATCHED;
	case H_COMPLETE: return EV_VERIFYING;
	case H_VERIFY_PASS: return EV_VERIFIED;
	case H_CLOSE: case H_RATE: return EV_CLOSED;
	default: return now;
	}
}

static void maybe_stall(struct sim *s, struct plan *p, int64_t created, enum ev_status first)
{
	static const enum ev_status rare[] = {EV_ESCALATED, EV_REGISTERED, EV_DISPATCHED, EV_VERIFIED,
	                                      EV_VERIFYING, EV_REPORTED, EV_HANDLING};

	if (!s->stall_needed || created < s->end - 36 * HOUR || created > s->end - 12 * HOUR)
		return;
	for (size_t r = 0; r < sizeof(rare) / sizeof(rare[0]); r++) {
		enum ev_status st = first;
		if (!(s->stall_needed & (1u << rare[r])))
			continue;
		for (int i = -1; i < p->n; i++) {
			if (i >= 0)
				st = step_to(p->s[i].k, st);
			if (st != rare[r])
				continue;
			p->n = i + 1;              /* stop right after entering it */
			if (++s->stalled[rare[r]] >= s->stall_quota)
				s->stall_needed &= ~(1u << rare[r]);
			return;
		}
	}
}

/* ================================================================ events */

/* Steps the duty officers of the centres take round the clock; the rest
 * (departments, grid staff handling and verifying, residents rating) wait
 * for the morning when they fall at night. */
static int office_step(enum hstep k)
{
	return k != H_ACCEPT && k != H_REJECT && k != H_ESCALATE && k != H_REGISTER &&
	       k != H_DISPATCH && k != H_EXT_OK && k != H_EXT_NO && k != H_SUPERVISE;
}

/* t, or the next morning between 07:30 and 09:00 when t lies between 22:00 and 07:30. */
static int64_t morning(struct sim *s, int64_t t)
{
	int64_t local = t + TZ, sec = local % DAY, day0 = local - sec - TZ;

	if (sec >= 22 * HOUR)
		day0 += DAY;
	else if (sec >= 7 * HOUR + 1800)
		return t;
	return day0 + 7 * HOUR + 1800 + demo_rng_range(&s->r, 0, 90 * 60);
}

struct slot {
	int64_t t;
	int source;
};

static int slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	return x->t < y->t ? -1 : x->t > y->t;
}

/* Make, play and write one event. */
static int one_event(struct sim *s, int64_t id, int64_t t, int source, int storm, int month,
                     struct err *e)
{
	struct event_rec *ev = &s->ev;
	size_t gi = pick_grid(s);
	struct hgrid *g = &s->grids[gi];
	const struct hcat *cat = pick_category(s, month, storm, g->hot);
	const char *src = demo_sources[source];
	int hotline = !strcmp(src, "hotline"), resident = !strcmp(src, "resident");
	struct htown *tw = &s->towns[g->town];
	struct plan p;
	char detail[96];
	int64_t at = t;

	memset(ev, 0, sizeof(*ev));
	s->g = g;
	s->lim.minutes[0] = cat->rec.minutes[0];
	s->lim.minutes[1] = cat->rec.minutes[1];
	s->lim.minutes[2] = cat->rec.minutes[2];
	ev->id = id;
	str_copy(ev->source, sizeof(ev->source), src);
	str_copy(ev->category, sizeof(ev->category), cat->rec.code);
	str_copy(ev->title, sizeof(ev->title), demo_event_title(&s->r, cat->rec.code));
	demo_event_address(&s->r, g->in->community->name, !strcmp(g->in->community->kind, "村"),
	                   g->special ? g->in->grid->name : NULL, ev->address, sizeof(ev->address));
	demo_event_description(src, ev->address, ev->title, ev->description, sizeof(ev->description));
	event_point(s, gi, &ev->lon, &ev->lat);
	ev->cell = store_event_cell(ev->lon, ev->lat);
	str_copy(ev->crs, sizeof(ev->crs), hotline ? "wgs84" : "gcj02");
	str_copy(ev->grid, sizeof(ev->grid), g->in->grid->code);
	ev->urgency = demo_category_urgency(&s->r, cat->rec.code);
	events_day(t, ev->day);
	ev->created_at = ev->updated_at = t;
	ev->due_at = t + ev_total_seconds(&s->lim, ev->urgency);
	ev->version = 1;

	/* who reports */
	if (resident) {
		if (!strcmp(tw->code, LOGIN_TOWN) && s->resident.account &&
		    u01(s) < P_DEMO_RESIDENT) {
			s->reporter = s->resident;
		} else {
			actor_set(&s->reporter, "", 0, "resident", NULL);
			demo_person_name(&s->r, demo_gender_pick(&s->r, 0.5), s->reporter.name,
			                 sizeof(s->reporter.name));
		}
		demo_phone((uint64_t)(60000000 + s->resident_serial++), ev->reporter_phone,
		           sizeof(ev->reporter_phone));
	} else if (hotline) {
		actor_set(&s->reporter, "", 0, NULL, NULL);
		demo_person_name(&s->r, demo_gender_pick(&s->r, 0.5), s->reporter.name,
		                 sizeof(s->reporter.name));
		demo_phone((uint64_t)(60000000 + s->resident_serial++), ev->reporter_phone,
		           sizeof(ev->reporter_phone));
	} else if (!strcmp(src, "assigned")) {
		s->reporter = s->leader;
	} else {
		s->reporter = g->worker;
	}
	ev->reporter_id = s->reporter.account;
	str_copy(ev->reporter_name, sizeof(ev->reporter_name), s->reporter.name);
	str_copy(ev->loop, sizeof(ev->loop), "internal");
	if (hotline) {
		/* 12345 work orders arrive at the town centre, to be registered */
		int y, m, d;
		int64_t day = (t + TZ) / DAY;
		demo_civil_from_days(day, &y, &m, &d);
		if (s->hotline_day != day) {
			s->hotline_day = day;
			s->hotline_serial = demo_rng_range(&s->r, 1, 40);
		} else {
			s->hotline_serial += demo_rng_range(&s->r, 1, 3);
		}
		/* GZ12345-2026MMDDnnn: the year, then seven digits */
		snprintf(ev->external_id, sizeof(ev->external_id), "GZ12345-%04d%02d%02d%03d", y, m, d,
		         s->hotline_serial % 1000);
		str_copy(ev->status, sizeof(ev->status), "escalated");
		str_copy(ev->loop, sizeof(ev->loop), "external");
		ev->level = EV_LEVEL_TOWN;
		ev->escalated = 1;
	} else {
		str_copy(ev->status, sizeof(ev->status), "reported");
		ev->level = EV_LEVEL_COMMUNITY;
	}
	ancestor(ev->grid, ev->level, ev->holder, sizeof(ev->holder));
	s->checked = t;
	clock_set(s, t, 1);
	s->st->events++;
	snprintf(detail, sizeof(detail), "{\"source\":\"%s\",\"category\":\"%s\"}", src,
	         cat->rec.code);
	/* a 12345 order is entered by the town centre */
	if (log_row(s, "report", NULL,
	            hotline ? &tw->centre[demo_rng_range(&s->r, 0, tw->ncentre - 1)] : &s->reporter,
	            NULL, detail, 1, t, e) < 0)
		return -1;
	make_plan(s, &p, hotline, resident);
	maybe_stall(s, &p, t, hotline ? EV_ESCALATED : EV_REPORTED);
	for (int i = 0; i < p.n; i++) {
		int64_t when = at + p.s[i].delay;
		if (office_step(p.s[i].k) && (ev->urgency == 1 || p.s[i].k == H_RATE))
			when = morning(s, when);
		if (when >= s->end)
			break;
		if (apply(s, &p.s[i], when, e) < 0)
			return -1;
		at = when;
	}
	if (ev_status_open((enum ev_status)ev_status_parse(ev->status))) {
		if (clock_until(s, s->end, e) < 0)
			return -1;
		clock_set(s, s->end, 0);
		s->st->open++;
	} else if (!strcmp(ev->status, "rejected")) {
		s->st->rejected++;
	} else {
		s->st->closed++;
		s->st->late += ev->overdue;
	}
	s->st->escalated += ev->escalated;
	/* the event in its final state; its rows above are buffered until it is written */
	return store_event_bulk_event(s->bulk, ev, e);
}

/* ============================================================= calendar */

static int write_days(struct sim *s, struct err *e)
{
	int64_t start = s->end - 365 * (int64_t)DAY;
	int64_t d0 = (start + TZ) / DAY, d1 = (s->end - 1 + TZ) / DAY;
	size_t nd = (size_t)(d1 - d0 + 1);
	double *w = calloc(nd, sizeof(*w)), (*cover)[24] = calloc(nd, sizeof(*cover));
	double (*mass)[DEMO_NSOURCES] = calloc(nd, sizeof(*mass));
	int *count = calloc(nd, sizeof(*count)), *storm = calloc(nd, sizeof(*storm));
	struct slot *slots = NULL;
	struct demo_rng cal;
	int64_t id = 0;
	int most = 0, ret = -1;

	if (!w || !cover || !mass || !count || !storm) {
		oom(e);
		goto out;
	}
	demo_rng_init(&cal, s->in->seed, demo_stream("history-calendar"));
	for (size_t i = 0; i < nd; i++) {
		int64_t day = d0 + (int64_t)i, t0 = day * DAY - TZ;
		int y, m, dd, wd = demo_weekday(day);
		double total = 0;

		demo_civil_from_days(day, &y, &m, &dd);
		for (int h = 0; h < 24; h++) {
			int64_t a = t0 + h * HOUR, b = a + HOUR;
			a = a < start ? start : a;
			b = b > s->end ? s->end : b;
			cover[i][h] = b > a ? (double)(b - a) / HOUR : 0;
		}
		for (int src = 0; src < DEMO_NSOURCES; src++) {
			double in = 0, all = 0;
			for (int h = 0; h < 24; h++) {
				in += demo_hour_weight(src, h) * cover[i][h];
				all += demo_hour_weight(src, h);
			}
			mass[i][src] = demo_source_share[src] * demo_weekday_weight(src, wd) * in / all;
			total += mass[i][src];
		}
		/* typhoons and rainstorms, June to September */
		storm[i] = m >= 6 && m <= 9 && demo_rng_double(&cal) < 0.06;
		w[i] = total * demo_day_factor(day) * demo_rng_uniform(&cal, 0.92, 1.08) *
		       (storm[i] ? demo_rng_uniform(&cal, 1.4, 1.9) : 1.0) *
		       (0.95 + 0.1 * (double)i / (double)nd);
	}
	if (demo_apportion(s->in->events, w, NULL, NULL, nd, count) < 0) {
		err_set(e, 500, "demo.history", "无法分配事件数量", "cannot spread the events over the days");
		goto out;
	}
	for (size_t i = 0; i < nd; i++)
		most = count[i] > most ? count[i] : most;
	if (!(slots = calloc((size_t)(most ? most : 1), sizeof(*slots)))) {
		oom(e);
		goto out;
	}
	for (size_t i = 0; i < nd; i++) {
		int64_t day = d0 + (int64_t)i, t0 = day * DAY - TZ;
		int y, m, dd;

		demo_civil_from_days(day, &y, &m, &dd);
		for (int k = 0; k < count[i]; k++) {
			double x, hw[24], tot = 0;
			int src = 0, h = 0;
			int64_t a, b;

			x = demo_rng_double(&s->r) * (mass[i][0] + mass[i][1] + mass[i][2] + mass[i][3] +
			                              mass[i][4]);
			for (src = 0; src < DEMO_NSOURCES - 1 && x >= mass[i][src]; src++)
				x -= mass[i][src];
			for (int hh = 0; hh < 24; hh++)
				tot += hw[hh] = demo_hour_weight(src, hh) * cover[i][hh];
			x = demo_rng_double(&s->r) * tot;
			for (h = 0; h < 23 && x >= hw[h]; h++)
				x -= hw[h];
			while (h > 0 && hw[h] <= 0)
				h--;
			a = t0 + h * HOUR;
			b = a + HOUR;
			a = a < start ? start : a;
			b = b > s->end ? s->end : b;
			slots[k].t = a + (int64_t)(demo_rng_double(&s->r) * (double)(b > a ? b - a : 1));
			slots[k].source = src;
		}
		qsort(slots, (size_t)count[i], sizeof(*slots), slot_cmp);
		for (int k = 0; k < count[i]; k++)
			if (one_event(s, ++id, slots[k].t, slots[k].source, storm[i], m, e) < 0)
				goto out;
	}
	ret = 0;
out:
	free(w);
	free(cover);
	free(mass);
	free(count);
	free(storm);
	free(slots);
	return ret;
}

/* ================================================================ main */

int demo_history_write(struct db *db, const struct demo_history_in *in,
                       struct demo_history_stats *st, struct err *e)
{
	struct sim *s = calloc(1, sizeof(*s));
	const GEOSGeometry **polys = NULL;
	uint64_t t0 = time_mono_us();
	int ret = -1;

	memset(st, 0, sizeof(*st));
	if (!s)
		return oom(e);
	if (in->events <= 0 || in->ngrids == 0) {
		free(s);
		return 0;
	}
	s->db = db;
	s->in = in;
	s->st = st;
	s->ngrids = in->ngrids;
	s->end = in->end;
	demo_rng_init(&s->r, in->seed, demo_stream("history"));
	demo_rng_init(&s->pr, in->seed, demo_stream("history-points"));
	s->stall_needed = STALL_ALL;
	s->stall_quota = in->events >= 100000 ? 2 : 1;
	if (!(polys = calloc(in->ngrids, sizeof(*polys)))) {
		oom(e);
		goto out;
	}
	for (size_t g = 0; g < in->ngrids; g++)
		polys[g] = in->grids[g].geom;
	if (!(s->loc = locate_build(in->h, polys, in->ngrids, e)))
		goto out;
	if (store_category_list(db, cat_add, s, e) < 0)
		goto out;
	if (s->ncats == 0) {
		err_set(e, 500, "demo.history", "没有可用的事件类别", "no event categories to draw from");
		goto out;
	}
	if (load_grids(s, e) < 0 || load_actors(s, e) < 0)
		goto out;
	if (store_event_bulk_new(db, &s->bulk, e) < 0)
		goto out;
	if (write_days(s, e) < 0 || store_event_bulk_finish(s->bulk, e) < 0)
		goto out;
	st->seconds = (double)(time_mono_us() - t0) / 1e6;
	ret = 0;
out:
	store_event_bulk_free(s->bulk);
	if (s->loc)
		locate_free(s->loc);
	free(polys);
	free(s->grids);
	free(s->towns);
	free(s);
	return ret;
}
