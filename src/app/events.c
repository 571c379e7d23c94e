/*
 * events.c - grid events: intake, steps, clocks and visibility (see
 * events.h). Every write runs as a job of the group-commit writer (or, with
 * no writer, e.g. in a CLI, in a transaction of its own).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <jansson.h>
#include "app/events.h"
#include "app/audit.h"
#include "app/kpi.h"
#include "app/photos.h"
#include "app/forces.h"
#include "app/duty.h"
#include "app/writer.h"
#include "domain/event_taxonomy.h"
#include "domain/role.h"
#include "domain/unit_code.h"
#include "lib/log.h"
#include "lib/str.h"
#include "store/store_department.h"
#include "store/store_account.h"
#include "lib/banned.h"

/* ------------------------------------------------------------- helpers */

void events_day(int64_t t, char out[12])
{
	time_t local = (time_t)(t + 8 * 3600);     /* China Standard Time, no DST */
	struct tm tm;

	gmtime_r(&local, &tm);
	strftime(out, 12, "%Y-%m-%d", &tm);
}

static int64_t now_s(void)
{
	return (int64_t)time(NULL);
}

/* Code of the unit at `level` above (or equal to) a grid: codes nest by
 * prefix (docs/codes.md): district 6, town 9, community 12 digits. */
static void ancestor_code(const char *grid, int level, char *out, size_t n)
{
	static const size_t len[] = {0, 6, 9, 12, 14, 16};
	size_t l = level >= 1 && level <= 5 ? len[level] : 6;

	if (l + 1 > n)
		l = n - 1;
	memcpy(out, grid, l);
	out[l] = '\0';
}

/* Run a write: through the writer when there is one, else in a
 * transaction of its own on a pool connection. */
static int exec_write(struct app *a, writer_fn fn, void *arg, struct err *e)
{
	return writer_exec(a->writer, a->pool, fn, arg, e);
}

/* UTF-8 text of at most max characters and bytes, no control characters
 * but newlines and tabs. */
static int text_ok(const char *s, size_t max_chars, size_t max_bytes)
{
	size_t n, chars = 0;

	if (!s)
		return 1;
	n = strlen(s);
	if (n >= max_bytes || !str_valid_utf8(s, n))
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
			return 0;
		if ((c & 0xC0) != 0x80)
			chars++;
	}
	return chars <= max_chars;
}

static int bad_field(struct err *e, const char *field, const char *zh, const char *en)
{
	err_set_param(e, 400, "event.bad_field", field, "%s", "%s", zh);
	str_copy(e->msg_en, sizeof(e->msg_en), en);
	return -1;
}

static int photo_hash_ok(const char *s)
{
	if (!s || strlen(s) != 64)
		return 0;
	for (int i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int photos_ok(const char *const *photos, int n, struct err *e)
{
	if (n > EV_PHOTOS_MAX)
		return err_set_param(e, 400, "photo.too_many", "photos", "每次最多 %d 张照片",
		                     "at most %d photos", EV_PHOTOS_MAX);
	for (int i = 0; i < n; i++) {
		if (!photo_hash_ok(photos[i]))
			return err_set_param(e, 400, "photo.bad_hash", "photos",
			                     "照片编号必须是 64 位小写十六进制 SHA-256",
			                     "a photo is named by its SHA-256 in 64 lower-case hex digits");
		for (int j = 0; j < i; j++)
			if (strcmp(photos[i], photos[j]) == 0)
				return err_set_param(e, 400, "photo.duplicate", "photos", "照片重复",
				                     "the same photo twice");
	}
	return 0;
}

/* How many photos an event carries already (the limit is per event). */
static int count_photo(void *ctx, const char *sha, const char *kind, int64_t log_id)
{
	(void)sha, (void)kind, (void)log_id;
	++*(int *)ctx;
	return 0;
}

/* Photos must have been uploaded (POST /api/v1/photos) before; at most
 * PHOTO_EVENT_MAX per event over all its steps. */
static int photos_known(struct db *db, int64_t event_id, const char *const *photos, int n,
                        struct err *e)
{
	int have = 0;

	if (n == 0)
		return 0;
	if (event_id && store_event_photos(db, event_id, count_photo, &have, e) < 0)
		return -1;
	if (have + n > PHOTO_EVENT_MAX)
		return err_set_param(e, 400, "photo.too_many", "photos", "每个事件最多 %d 张照片",
		                     "at most %d photos per event", PHOTO_EVENT_MAX);
	return photos_check_list(db, photos, (size_t)n, (size_t)(PHOTO_EVENT_MAX - have), "photos", e);
}

static void join_photos(const char *const *photos, int n, char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (int i = 0; i < n && len + 66 < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? "," : "", photos[i]);
}

/* A timeline row's detail: compact JSON of j (stolen) into out. */
static void detail_json(char *out, size_t n, json_t *j)
{
	char *d = j ? json_dumps(j, JSON_COMPACT) : NULL;

	str_copy(out, n, d ? d : "");
	free(d);
	json_decref(j);
}

/* The grant a principal acts in for a role set over a code (for the log). */
static void acting_as(const struct principal *p, unsigned roles, const char *code,
                      const char **role, const char **scope)
{
	const struct auth_grant *g = code ? auth_scope(p, roles, code) : NULL;

	if (!g && p && p->ngrants)
		g = &p->grants[0];
	*role = g ? role_name(g->role) : NULL;
	*scope = g ? g->scope : NULL;
}

/* ------------------------------------------------------------ taxonomy */

int events_ensure_taxonomy(struct db *db, struct err *e)
{
	int64_t n;

	if (store_category_count(db, &n, e) < 0)
		return -1;
	if (n > 0)
		return 0;
	for (int i = 0; i < event_taxonomy_n; i++) {
		const struct taxon *t = &event_taxonomy[i];
		struct category_rec c = {0};
		const char *dot = strchr(t->code, '.');

		str_copy(c.code, sizeof(c.code), t->code);
		if (dot)
			snprintf(c.parent, sizeof(c.parent), "%.*s", (int)(dot - t->code), t->code);
		str_copy(c.name, sizeof(c.name), t->name);
		c.minutes[0] = t->accept;
		c.minutes[1] = t->handle;
		c.minutes[2] = t->verify;
		c.sort = i;
		c.enabled = 1;
		if (store_category_put(db, &c, e) < 0)
			return -1;
	}
	return 0;
}

/* -------------------------------------------------------- capacities */

unsigned events_caps(const struct principal *p, const struct event_rec *ev)
{
	unsigned caps = 0;

	if (!p)
		return 0;
	if (auth_scope(p, ROLE_COMMAND, ev->holder))
		caps |= EV_CAP_CENTRE;
	if (auth_scope(p, ROLE_COMMAND, ev->grid))
		caps |= EV_CAP_CENTRE_ANY;
	if (auth_scope(p, ROLE_STATION_HEAD, ev->grid))
		caps |= EV_CAP_STATION;
	if (auth_scope(p, ROLE_GRID_LEADER, ev->grid))
		caps |= EV_CAP_GRID_LEADER;
	if (auth_scope(p, ROLE_GRID_WORKER, ev->grid))
		caps |= EV_CAP_GRID_WORKER;
	if (auth_scope(p, ROLE_LEADER, ev->grid))
		caps |= EV_CAP_LEADER;
	if (ev->dept[0]) {
		if (unit_code_level(ev->dept) == LEVEL_NONE ? auth_scope(p, ROLE_DEPARTMENT, ev->dept) != NULL
		                                          : auth_scope(p, ROLE_COMMAND, ev->dept) != NULL)
			caps |= EV_CAP_DEPT;
	}
	if (ev->reporter_id && ev->reporter_id == p->account_id) {
		caps |= EV_CAP_REPORTER;
		if (strcmp(ev->source, "resident") == 0)
			caps |= EV_CAP_RESIDENT;
	}
	if (ev->handler_id && ev->handler_id == p->account_id)
		caps |= EV_CAP_HANDLER;
	if (ev->assignee_id && ev->assignee_id == p->account_id)
		caps |= EV_CAP_ASSIGNEE;
	return caps;
}

static int has_grant(struct db *db, int64_t account, const char *role, const char *scope)
{
	struct err e = ERR_INIT;

	return account && store_account_has_grant(db, account, role, scope, &e) == 1;
}

void events_facts(struct db *db, const struct event_rec *ev, struct ev_facts *f)
{
	int prev = ev_status_parse(ev->prev_status);

	memset(f, 0, sizeof(*f));
	f->status = (enum ev_status)ev_status_parse(ev->status);
	f->loop = strcmp(ev->loop, "external") == 0 ? EV_LOOP_EXTERNAL : EV_LOOP_INTERNAL;
	f->level = ev->level;
	f->pending = strcmp(ev->pending, "extend") == 0 ? EV_PENDING_EXTEND
	             : strcmp(ev->pending, "to_internal") == 0 ? EV_PENDING_TO_INTERNAL
	             : EV_PENDING_NONE;
	f->prev_status = prev < 0 ? EV_NSTATUS : (enum ev_status)prev;
	f->reopen_count = ev->reopen_count;
	f->rated = ev->rating != 0;
	f->resident_report = strcmp(ev->source, "resident") == 0;
	f->handler_is_grid_worker = db && ev->handler_id &&
	                            has_grant(db, ev->handler_id, "grid_worker", ev->grid);
}

int events_visible(const struct principal *p, const struct event_rec *ev)
{
	if (!p)
		return 0;
	if (auth_scope(p, ROLE_TERRITORIAL, ev->grid))
		return 1;
	if (ev->dept[0] && auth_scope(p, ROLE_DEPARTMENT, ev->dept))
		return 1;
	return ev->reporter_id && ev->reporter_id == p->account_id;
}

static int not_found(struct err *e)
{
	return err_set(e, 404, "event.not_found", "找不到该事件", "no such event");
}

int events_get(struct db *db, const struct principal *p, int64_t id, struct event_rec *out,
               struct err *e)
{
	if (store_event_get(db, id, out, e) < 0)
		return -1;
	if (!events_visible(p, out))
		return not_found(e);
	return 0;
}

struct contact_job {
	const struct principal *p;
	int64_t id;
	const char *ip;
	struct event_rec ev;
};

static int contact_run(struct db *db, void *arg, int64_t *log_id, struct err *e)
{
	struct contact_job *j = arg;
	char target[40];

	(void)log_id;
	if (events_get(db, j->p, j->id, &j->ev, e) < 0)
		return -1;
	snprintf(target, sizeof(target), "event:%lld", (long long)j->id);
	return audit_record(db, j->p, AUDIT_PII_READ, target, j->ip, "ok", "reporter_phone", e);
}

int events_reporter_contact(struct app *a, const struct principal *p, int64_t id, const char *ip,
                            char *name, size_t name_n, char *phone, size_t phone_n, struct err *e)
{
	struct contact_job *j = calloc(1, sizeof(*j));
	int rc;

	if (!j)
		return err_set(e, 500, "app.oom", "内存不足", "out of memory");
	j->p = p;
	j->id = id;
	j->ip = ip;
	if ((rc = exec_write(a, contact_run, j, e)) == 0) {
		str_copy(name, name_n, j->ev.reporter_name);
		str_copy(phone, phone_n, j->ev.reporter_phone);
	}
	free(j);
	return rc;
}

int events_scope_filter(const struct principal *p, const char *unit, struct event_filter *f,
                        char *scope_buf, size_t n, struct err *e)
{
	const struct auth_grant *g = NULL;

	if (unit && *unit) {
		if (unit_code_level(unit) == LEVEL_NONE || !auth_scope(p, ROLE_TERRITORIAL, unit))
			return err_set_param(e, 404, "unit.not_found", "unit", "找不到该单位",
			                     "no such unit");
		str_copy(scope_buf, n, unit);
		f->under = scope_buf;
		return 0;
	}
	/* the broadest territorial grant */
	for (int i = 0; i < p->ngrants; i++)
		if ((p->grants[i].role & ROLE_TERRITORIAL) && p->grants[i].level > 0 &&
		    (!g || p->grants[i].level < g->level))
			g = &p->grants[i];
	if (g) {
		str_copy(scope_buf, n, g->scope);
		f->under = scope_buf;
		return 0;
	}
	for (int i = 0; i < p->ngrants; i++)
		if (p->grants[i].role == ROLE_DEPARTMENT) {
			str_copy(scope_buf, n, p->grants[i].scope);
			f->dept = scope_buf;
			return 0;
		}
	f->reporter_id = p->account_id ? p->account_id : -1;
	return 0;
}

/* ------------------------------------------------------------- clocks */

/* Restart the phase clock at now (or refresh it) and the next check. */
static void set_clock(struct event_rec *ev, const struct category_rec *cat, int64_t now, int restart)
{
	struct ev_limits lim = {{cat->minutes[0], cat->minutes[1], cat->minutes[2]}};
	enum ev_status st = (enum ev_status)ev_status_parse(ev->status);
	struct ev_clock c;
	int64_t allowance;

	if (!ev_status_open(st)) {
		ev->warn_at = ev->deadline_at = ev->next_check_at = 0;
		ev->warning = 0;
		return;
	}
	if (restart) {
		ev->phase_started_at = now;
		allowance = ev_phase_seconds(&lim, ev_phase_of(st), ev->urgency);
	} else {
		allowance = ev->deadline_at > ev->phase_started_at ? ev->deadline_at - ev->phase_started_at
		            : ev_phase_seconds(&lim, ev_phase_of(st), ev->urgency);
	}
	ev_clock(ev->phase_started_at, allowance, now, &c);
	ev->warn_at = c.warn_at;
	ev->deadline_at = c.deadline_at;
	ev->warning = c.warning;
	if (restart)
		ev->supervision = 0;   /* a new phase leaves the supervision lists (the rows stay) */
	ev->next_check_at = c.next;
	if (ev->due_at && !ev->overdue) {
		if (now >= ev->due_at)
			ev->overdue = 1;
		else if (!ev->next_check_at || ev->due_at < ev->next_check_at)
			ev->next_check_at = ev->due_at;
	}
}

/* ------------------------------------------------------------- intake */

struct event_report {
	const struct principal *p;
	const struct event_new *n;
	struct event_rec ev;          /* prepared; id set on success */
	struct event_rec ev0;         /* as prepared: each run starts from it */
	int ran;                      /* ev may have been changed by a run */
	struct category_rec cat;
	char photos[EV_PHOTOS_MAX * 66];
	int replayed;
};

static int log_add(struct db *db, const struct event_rec *ev, const char *action, const char *from,
                   const struct principal *p, const char *role, const char *unit, const char *note,
                   const char *detail, const char *photos, int pub, int64_t now, int64_t *id,
                   struct err *e)
{
	struct event_log_rec l = {0};

	l.event_id = ev->id;
	l.at = now;
	l.action = action;
	l.from_status = from;
	l.to_status = ev->status;
	l.actor_id = p ? p->account_id : 0;
	l.actor_name = p ? (p->display_name[0] ? p->display_name : p->username) : "系统";
	l.role = role;
	l.unit_code = unit;
	l.note = note && *note ? note : NULL;
	l.detail = detail;
	l.photos = photos && *photos ? photos : NULL;
	l.public_step = pub;
	l.grid_code = ev->grid;
	l.dept_code = ev->dept[0] ? ev->dept : NULL;
	return store_event_log_add(db, &l, id, e);
}

static int report_run(struct db *db, void *arg, int64_t *log_id, struct err *e)
{
	struct event_report *j = arg;
	const struct event_new *n = j->n;
	int64_t acct = j->p ? j->p->account_id : 0;
	int64_t now = now_s();
	char hash[65], target[40], detail[160];
	const char *role, *scope;

	if (j->ran)                       /* a job may run twice (writer.h) */
		j->ev = j->ev0;           /* (~14 KB: not copied on the first run) */
	j->ran = 1;
	j->replayed = 0;

	if (n->idem_key) {
		int64_t prior;
		int found;

		if (store_idem_get(db, acct, n->idem_key, hash, &prior, &found, e) < 0)
			return -1;
		if (found) {
			if (strcmp(hash, n->body_hash) != 0)
				return err_set(e, 409, "event.idempotency_mismatch",
				               "该幂等键已用于另一份内容不同的上报",
				               "this Idempotency-Key was used for a different request body");
			j->replayed = 1;
			return store_event_get(db, prior, &j->ev, e);
		}
	}
	if (j->ev.external_id[0]) {
		int64_t prior;

		if (store_event_by_external(db, j->ev.source, j->ev.external_id, &prior, e) < 0)
			return -1;
		if (prior) {
			err_set(e, 409, "event.duplicate_external", "该工单（%s）已登记为事件 %lld",
			        "work order %s is already event %lld", j->ev.external_id, (long long)prior);
			snprintf(e->param, sizeof(e->param), "%lld", (long long)prior);
			return -1;
		}
	}
	if (photos_known(db, 0, n->photos, n->nphotos, e) < 0)
		return -1;
	j->ev.created_at = j->ev.updated_at = j->ev.phase_started_at = now;
	events_day(now, j->ev.day);
	j->ev.due_at = now + ev_total_seconds(&(struct ev_limits){{j->cat.minutes[0], j->cat.minutes[1],
	                                                          j->cat.minutes[2]}}, j->ev.urgency);
	set_clock(&j->ev, &j->cat, now, 1);
	j->ev.version = 1;
	if (store_event_insert(db, &j->ev, &j->ev.id, e) < 0)
		return -1;
	acting_as(j->p, ROLE_ANY, j->ev.grid, &role, &scope);
	detail_json(detail, sizeof(detail), json_pack("{s:s, s:s}", "source", j->ev.source,
	                                              "category", j->ev.category));
	if (log_add(db, &j->ev, "report", NULL, j->p, role, scope, NULL, detail, j->photos, 1, now,
	            log_id, e) < 0)
		return -1;
	for (int i = 0; i < n->nphotos; i++)
		if (store_event_photo_add(db, j->ev.id, n->photos[i], *log_id, "report", e) < 0)
			return -1;
	if (n->idem_key && store_idem_put(db, acct, n->idem_key, n->body_hash, j->ev.id, now, e) < 0)
		return -1;
	if (kpi_event_changed(db, NULL, &j->ev, e) < 0)
		return -1;
	snprintf(target, sizeof(target), "event:%lld", (long long)j->ev.id);
	snprintf(detail, sizeof(detail), "%s %s %s", j->ev.source, j->ev.category, j->ev.grid);
	return audit_record(db, j->p, "event.report", target, n->ip, "ok", detail, e);
}

/* 上报范围: may p report an event of this source into this grid? One grant
 * must both admit the source and reach the grid (the rule per role is in
 * domain/event_flow.h, ev_intake_root; docs/events.md, "Intake"). p NULL is
 * the system, which reports anywhere. 403 event.out_of_scope naming param
 * otherwise. */
int events_place_check(const struct principal *p, const char *source, const char *grid,
                       const char *param, struct err *e)
{
	char root[SCOPE_MAX];

	if (!p)
		return 0;
	for (int i = 0; i < p->ngrants; i++) {
		const struct auth_grant *g = &p->grants[i];

		if (ev_source_allowed(g->role, source) &&
		    ev_intake_root(g->role, g->scope, root, sizeof(root)) == 0 && unit_code_under(grid, root))
			return 0;
	}
	return err_set_param(e, 403, "event.out_of_scope", param, "网格 '%s' 不在您的管辖范围内，不能在此上报",
	                     "grid '%s' lies outside your scope; you may not report there", grid);
}

static const char *default_source(const struct principal *p)
{
	unsigned r = p ? p->roles : 0;

	if (r & (ROLE_GRID_WORKER | ROLE_GRID_LEADER | ROLE_STATION_HEAD))
		return "patrol";
	if (r & (ROLE_LEADER | ROLE_DEPARTMENT))
		return "assigned";
	if (r & ROLE_COMMAND)
		return "hotline";
	return "resident";
}

int events_report_begin(struct app *a, const struct principal *p, const struct event_new *n,
                        struct event_report **out, struct err *e)
{
	struct event_report *j = calloc(1, sizeof(*j));
	struct org_model *m = NULL;
	const struct org_unit *grid = NULL;
	struct db *db;
	double lon, lat;
	int rc = -1;

	*out = NULL;
	if (!j)
		return err_set(e, 500, "app.oom", "内存不足", "out of memory");
	j->p = p;
	j->n = n;
	/* fields */
	if (!n->category || !event_category_code_ok(n->category) || !strchr(n->category, '.')) {
		err_set_param(e, 400, "event.bad_category", "category",
		              "请选择事件小类（如 csgl.srhj）", "choose a level-2 category, e.g. csgl.srhj");
		goto out;
	}
	db = db_pool_get(a->pool);
	rc = store_category_get(db, n->category, &j->cat, e);
	db_pool_put(a->pool, db);
	if (rc < 0)
		goto out;
	rc = -1;
	if (!j->cat.enabled) {
		err_set_param(e, 400, "event.bad_category", "category", "该事件类别已停用",
		              "that category is no longer in use");
		goto out;
	}
	if (!n->description || !*n->description || !text_ok(n->description, EV_TEXT_CHARS, EV_TEXT_MAX)) {
		bad_field(e, "description", "请填写事件描述（不超过 2000 字）",
		          "a description of at most 2,000 characters is required");
		goto out;
	}
	if (n->title && (!*n->title || !text_ok(n->title, EV_TITLE_CHARS, EV_TITLE_MAX))) {
		bad_field(e, "title", "标题不超过 80 字", "the title is 1 to 80 characters");
		goto out;
	}
	if (!text_ok(n->address, 200, EV_ADDR_MAX) || !text_ok(n->grid_reason, 200, EV_ADDR_MAX) ||
	    !text_ok(n->reporter_name, 30, EV_NAME_MAX) || !text_ok(n->reporter_phone, 20, EV_PHONE_MAX) ||
	    (n->external_id && (!*n->external_id || !text_ok(n->external_id, 60, EV_EXT_MAX)))) {
		bad_field(e, "address", "地址、原因、联系人或工单号过长或含非法字符",
		          "address, reason, contact or work-order number too long or not text");
		goto out;
	}
	if (n->urgency < 0 || n->urgency > 3) {
		bad_field(e, "urgency", "紧急程度必须是 一般、紧急 或 特急",
		          "urgency is normal, urgent or critical");
		goto out;
	}
	str_copy(j->ev.source, sizeof(j->ev.source), n->source ? n->source : default_source(p));
	if (!ev_source_ok(j->ev.source)) {
		bad_field(e, "source", "来源必须是 patrol、resident、wechat、hotline 或 assigned",
		          "source is patrol, resident, wechat, hotline or assigned");
		goto out;
	}
	if (!ev_source_allowed(p ? p->roles : 0, j->ev.source)) {
		err_set_param(e, 403, "event.source_forbidden", "source", "您的角色不能以该来源上报",
		              "your role may not report with this source");
		goto out;
	}
	if (n->external_id && strcmp(j->ev.source, "hotline") != 0) {
		bad_field(e, "external_id", "只有 12345 工单带外部编号",
		          "only hotline work orders carry an external id");
		goto out;
	}
	if (photos_ok(n->photos, n->nphotos, e) < 0)
		goto out;
	/* where */
	if (!(n->lon >= -180 && n->lon <= 180 && n->lat >= -90 && n->lat <= 90)) {
		bad_field(e, "lon", "经纬度无效", "invalid longitude/latitude");
		goto out;
	}
	coord_to_wgs84(n->crs, n->lon, n->lat, &lon, &lat);
	if (!(m = org_holder_get(&a->org))) {
		err_set(e, 503, "org.not_loaded", "组织架构尚未加载", "the org model is not loaded yet");
		goto out;
	}
	if (n->grid) {
		if (!n->grid_reason || !*n->grid_reason) {
			err_set_param(e, 400, "event.grid_reason_required", "grid_reason",
			              "手动指定网格时必须说明原因", "choosing the grid by hand needs a reason");
			goto out;
		}
		grid = orgmodel_find(m, n->grid);
		if (!grid || grid->rec.level != LEVEL_GRID) {
			err_set_param(e, 400, "event.bad_grid", "grid", "没有这个网格", "no such grid");
			goto out;
		}
	} else {
		grid = orgmodel_locate(m, lon, lat);
		if (!grid) {
			err_set_param(e, 422, "event.outside", "lon", "该位置不在本区任何网格内",
			              "the point lies in no grid of this district");
			goto out;
		}
	}
	/* where the caller may report (上报范围): the grid decides, found or
	 * chosen by hand */
	if (events_place_check(p, j->ev.source, grid->rec.code, n->grid ? "grid" : "lon", e) < 0)
		goto out;
	/* the event as it will be stored */
	j->ev.lon = lon;
	j->ev.lat = lat;
	j->ev.cell = store_event_cell(lon, lat);
	str_copy(j->ev.crs, sizeof(j->ev.crs), crs_name(n->crs));
	str_copy(j->ev.category, sizeof(j->ev.category), n->category);
	str_copy(j->ev.title, sizeof(j->ev.title), n->title ? n->title : j->cat.name);
	str_copy(j->ev.description, sizeof(j->ev.description), n->description);
	str_copy(j->ev.address, sizeof(j->ev.address), n->address ? n->address : "");
	str_copy(j->ev.grid, sizeof(j->ev.grid), grid->rec.code);
	str_copy(j->ev.grid_reason, sizeof(j->ev.grid_reason), n->grid ? n->grid_reason : "");
	str_copy(j->ev.external_id, sizeof(j->ev.external_id), n->external_id ? n->external_id : "");
	j->ev.urgency = n->urgency ? n->urgency : 1;
	j->ev.reporter_id = p ? p->account_id : 0;
	if (n->reporter_name)
		str_copy(j->ev.reporter_name, sizeof(j->ev.reporter_name), n->reporter_name);
	else if (p)
		str_copy(j->ev.reporter_name, sizeof(j->ev.reporter_name),
		         p->display_name[0] ? p->display_name : p->username);
	str_copy(j->ev.reporter_phone, sizeof(j->ev.reporter_phone),
	         n->reporter_phone ? n->reporter_phone : "");
	str_copy(j->ev.loop, sizeof(j->ev.loop), "internal");
	if (strcmp(j->ev.source, "hotline") == 0) {
		/* 12345 work orders arrive at the town centre, to be registered */
		str_copy(j->ev.status, sizeof(j->ev.status), "escalated");
		str_copy(j->ev.loop, sizeof(j->ev.loop), "external");
		j->ev.level = EV_LEVEL_TOWN;
		j->ev.escalated = 1;
	} else {
		str_copy(j->ev.status, sizeof(j->ev.status), "reported");
		j->ev.level = EV_LEVEL_COMMUNITY;
	}
	ancestor_code(j->ev.grid, j->ev.level, j->ev.holder, sizeof(j->ev.holder));
	join_photos(n->photos, n->nphotos, j->photos, sizeof(j->photos));
	j->ev0 = j->ev;
	*out = j;
	j = NULL;
	rc = 0;
out:
	if (m)
		orgmodel_release(m);
	free(j);
	return rc;
}

int events_report_submit(struct app *a, struct event_report *r, struct err *e,
                         void (*done)(void *ctx, int rc), void *ctx)
{
	if (a->writer)
		return writer_submit(a->writer, report_run, r, e, done, ctx);
	done(ctx, exec_write(a, report_run, r, e));
	return 0;
}

void events_report_result(const struct event_report *r, struct event_rec *out,
                          struct category_rec *cat, int *replayed)
{
	*out = r->ev;
	if (cat)
		*cat = r->cat;
	*replayed = r->replayed;
}

void events_report_free(struct event_report *r)
{
	free(r);
}

int events_report(struct app *a, const struct principal *p, const struct event_new *n,
                  struct event_rec *out, struct category_rec *cat, int *replayed,
                  struct err *e)
{
	struct event_report *r;
	int rc;

	*replayed = 0;
	if (events_report_begin(a, p, n, &r, e) < 0)
		return -1;
	if ((rc = exec_write(a, report_run, r, e)) == 0)
		events_report_result(r, out, cat, replayed);
	events_report_free(r);
	return rc;
}

/* -------------------------------------------------------------- steps */

struct step_job {
	const struct principal *p;
	const struct org_model *org;  /* for who is on duty (escalation notices) */
	int64_t id;
	const struct event_step_in *in;
	struct event_rec ev, before;
	char photos[EV_PHOTOS_MAX * 66];
};

/* Close the events merged into a master that just closed. */
struct merged_ctx {
	struct db *db;
	int64_t now;
	int64_t *log_id;
	int64_t *ids;
	int n, cap;
};

static int collect_merged(void *ctx, const struct event_rec *ev)
{
	struct merged_ctx *c = ctx;

	if (strcmp(ev->status, "merged") == 0 && c->n < c->cap)
		c->ids[c->n++] = ev->id;
	return 0;
}

static int close_merged(struct db *db, const struct principal *p, const struct event_rec *master,
                        int64_t now, int64_t *log_id, struct err *e)
{
	int64_t ids[256];
	struct merged_ctx c = {db, now, log_id, ids, 0, 256};
	char note[64];

	if (store_event_merged_into(db, master->id, collect_merged, &c, e) < 0)
		return -1;
	snprintf(note, sizeof(note), "随主事件 %lld 结案", (long long)master->id);
	for (int i = 0; i < c.n; i++) {
		struct event_rec ev, before;

		if (store_event_get(db, ids[i], &ev, e) < 0)
			return -1;
		before = ev;
		str_copy(ev.status, sizeof(ev.status), "closed");
		str_copy(ev.loop, sizeof(ev.loop), master->loop);
		ev.closed_at = now;
		if (!ev.accepted_at)
			ev.accepted_at = now;
		ev.updated_at = now;
		ev.warn_at = ev.deadline_at = ev.next_check_at = 0;
		ev.warning = 0;
		if (store_event_update(db, &ev, e) < 0 ||
		    log_add(db, &ev, "close", "merged", NULL, NULL, NULL, note, NULL, NULL, 1, now,
		            log_id, e) < 0 ||
		    kpi_event_changed(db, &before, &ev, e) < 0)
			return -1;
	}
	return 0;
}

/* Check a step's target and write it into the event. */
static int apply_target(struct db *db, const struct principal *p, const struct step_job *j,
                        unsigned effects, struct event_rec *ev, struct err *e)
{
	const struct event_step_in *in = j->in;

	if (effects & EF_SET_DEPT) {
		if (in->dept) {
			struct department_rec d;

			if (store_department_get(db, in->dept, &d, e) < 0) {
				err_clear(e);
				return err_set_param(e, 400, "event.bad_target", "dept", "没有这个职能部门",
				                     "no such department");
			}
			str_copy(ev->dept, sizeof(ev->dept), in->dept);
		} else {
			/* a town's office: a town of this district */
			if (!in->unit || unit_code_level(in->unit) != LEVEL_TOWN ||
			    strncmp(in->unit, ev->grid, 6) != 0)
				return err_set_param(e, 400, "event.bad_target", "unit",
				                     "请选择派遣的职能部门或镇街", "dispatch to a department or a town");
			str_copy(ev->dept, sizeof(ev->dept), in->unit);
		}
	}
	if (effects & EF_ASSIGN) {
		struct account_rec acc;

		if (store_account_get(db, in->account, &acc, e) < 0 || acc.disabled) {
			err_clear(e);
			return err_set_param(e, 400, "event.bad_target", "account", "没有这个可指派的人员",
			                     "no such account to assign");
		}
		ev->assignee_id = in->account;
	}
	if (effects & EF_MERGE) {
		struct event_rec master;

		if (in->master == ev->id || store_event_get(db, in->master, &master, e) < 0 ||
		    !events_visible(p, &master)) {
			err_clear(e);
			return err_set_param(e, 400, "event.bad_target", "master", "没有这个主事件",
			                     "no such master event");
		}
		if (!ev_status_open((enum ev_status)ev_status_parse(master.status)) ||
		    strcmp(master.status, "merged") == 0)
			return err_set_param(e, 409, "event.master_closed", "master",
			                     "主事件已办结或已合并", "the master event is closed or merged");
		ev->master_id = in->master;
	}
	return 0;
}

/* An escalation notifies the centre that now holds the event: a timeline
 * row (action "notify", on the live stream too) naming who is on duty there
 * now (duty_now). Nobody on duty: the row says so, for the supervisors. */
static int notify_on_duty(struct db *db, const struct org_model *m, const struct event_rec *ev,
                          int64_t now, int64_t *log_id, struct err *e)
{
	struct duty_now dn;
	struct err ignored = ERR_INIT;
	char note[640], detail[1536];
	json_t *who = NULL;
	size_t len = 0;

	if (!m || duty_now(db, m, ev->holder, (time_t)now, &dn, &ignored) < 0)
		return 0;
	if (!dn.found) {
		snprintf(note, sizeof(note), "%s 当前无人值班，请督办", dn.centre_name);
	} else {
		who = duty_shift_json(&dn.view);
		len = (size_t)snprintf(note, sizeof(note), "已通知%s值班", dn.centre_name);
		for (int pass = 0; pass < 2 && len < sizeof(note); pass++) {
			json_t *arr = json_object_get(who, pass ? "officers" : "leaders"), *p;
			size_t i;

			json_array_foreach(arr, i, p) {
				const char *name = json_string_value(json_object_get(p, "name"));

				if (name && len < sizeof(note))
					len += (size_t)snprintf(note + len, sizeof(note) - len, "%s%s",
					                        i ? "、" : pass ? "；值班员 " : "：带班领导 ", name);
			}
		}
	}
	detail_json(detail, sizeof(detail), json_pack("{s:s, s:s, s:b, s:o?}", "centre", dn.centre,
	                                              "centre_name", dn.centre_name, "fallback", dn.fallback,
	                                              "on_duty", who));
	return log_add(db, ev, "notify", ev->status, NULL, NULL, dn.centre, note, detail, NULL, 0, now,
	               log_id, e);
}

static int step_run(struct db *db, void *arg, int64_t *log_id, struct err *e)
{
	struct step_job *j = arg;
	const struct event_step_in *in = j->in;
	struct event_rec *ev = &j->ev;
	struct category_rec cat;
	struct ev_facts f;
	struct ev_input input = {0};
	struct ev_step s;
	unsigned caps;
	int64_t now = now_s();
	const char *role, *scope, *from;
	char detail[256], target[40], audit_detail[128];
	int restart;

	if (events_get(db, j->p, j->id, ev, e) < 0)
		return -1;
	if (in->version && in->version != ev->version)
		return err_set(e, 409, "event.conflict", "事件已被他人更新，请刷新后重试",
		               "the event changed meanwhile; reload and try again");
	j->before = *ev;
	events_facts(db, ev, &f);
	caps = events_caps(j->p, ev);
	input.has_reason = in->note && *in->note;
	input.has_result = in->result && *in->result;
	input.minutes = in->minutes;
	input.rating = in->rating;
	input.supervision = in->supervision;
	input.has_target = (in->action == EA_DISPATCH && (in->dept || in->unit)) ||
	                   (in->action == EA_ASSIGN && in->account) ||
	                   (in->action == EA_MERGE && in->master);
	if (ev_decide(&f, in->action, caps, &input, &s, e) < 0)
		return -1;
	if (photos_known(db, ev->id, in->photos, in->nphotos, e) < 0)
		return -1;
	if (store_category_get(db, ev->category, &cat, e) < 0)
		return -1;
	if (apply_target(db, j->p, j, s.effects, ev, e) < 0)
		return -1;

	from = j->before.status;
	/* effects */
	if ((s.effects & EF_ACCEPTED) && !ev->accepted_at)
		ev->accepted_at = now;
	if (s.effects & EF_REJECT)
		str_copy(ev->reject_reason, sizeof(ev->reject_reason), in->note);
	if (s.effects & EF_ESCALATE) {
		ev->level = ev->level > EV_LEVEL_DISTRICT ? ev->level - 1 : EV_LEVEL_DISTRICT;
		str_copy(ev->loop, sizeof(ev->loop), "external");
		ev->escalated = 1;
		ev->assignee_id = 0;
	}
	if (s.effects & EF_INTERNALIZE) {
		ev->level = EV_LEVEL_COMMUNITY;
		str_copy(ev->loop, sizeof(ev->loop), "internal");
		ev->assignee_id = 0;
	}
	ancestor_code(ev->grid, ev->level, ev->holder, sizeof(ev->holder));
	if (s.effects & EF_CLEAR_DEPT)
		ev->dept[0] = '\0';
	if (s.effects & EF_SET_HANDLER) {
		ev->handler_id = j->p->account_id;
		str_copy(ev->result, sizeof(ev->result), in->result);
	}
	if (s.effects & EF_CLEAR_HANDLER)
		ev->handler_id = 0;
	if (s.effects & EF_SET_VERIFIER)
		ev->verifier_id = j->p->account_id;
	if (s.effects & EF_REWORK)
		ev->rework_count++;
	if (s.effects & EF_EXTEND) {
		int64_t add = (int64_t)ev->pending_minutes * 60;

		ev->deadline_at += add;
		ev->due_at += add;
		ev->extension_count++;
		if (ev->overdue && now < ev->due_at && ev_status_open((enum ev_status)f.status))
			ev->overdue = 0;
	}
	if (s.effects & EF_PENDING_CLEAR) {
		ev->pending[0] = '\0';
		ev->pending_minutes = 0;
		ev->pending_by = 0;
	}
	if (s.effects & EF_PENDING_SET) {
		str_copy(ev->pending, sizeof(ev->pending),
		         in->action == EA_EXTEND_REQUEST ? "extend" : "to_internal");
		ev->pending_minutes = in->action == EA_EXTEND_REQUEST ? in->minutes : 0;
		ev->pending_by = j->p->account_id;
	}
	if (s.effects & EF_REOPEN) {
		ev->reopen_count++;
		ev->closed_at = 0;
		ev->rating = 0;
		ev->rating_note[0] = '\0';
	} else if (s.effects & EF_RATE) {
		ev->rating = in->rating;
		str_copy(ev->rating_note, sizeof(ev->rating_note), in->note ? in->note : "");
	}
	if (s.effects & EF_SUPERVISE && in->supervision > ev->supervision)
		ev->supervision = in->supervision;
	if (s.effects & EF_CLOSE)
		ev->closed_at = now;
	if (s.effects & EF_ROLLBACK) {
		if (strcmp(from, "dispatched") == 0)
			ev->dept[0] = '\0';
		if (s.to == EV_REPORTED)
			ev->accepted_at = 0;           /* not accepted after all */
		ev->prev_status[0] = '\0';
	} else if (s.to != f.status) {
		str_copy(ev->prev_status, sizeof(ev->prev_status), from);
	}
	/* 退回 and 外转内 take the department off: going back would leave the
	 * event dispatched with nobody to sign it */
	if ((s.effects & EF_CLEAR_DEPT) && (in->action == EA_RETURN || in->action == EA_TO_INTERNAL_APPROVE))
		ev->prev_status[0] = '\0';
	str_copy(ev->status, sizeof(ev->status), ev_status_name(s.to));
	restart = (s.effects & (EF_PHASE | EF_ROLLBACK)) != 0;
	set_clock(ev, &cat, now, restart);
	ev->updated_at = now;
	if (store_event_update(db, ev, e) < 0)
		return -1;

	/* the timeline */
	{
		static const unsigned centre = (1u << EA_ACCEPT) | (1u << EA_REJECT) | (1u << EA_REGISTER) |
		                               (1u << EA_DISPATCH) | (1u << EA_EXTEND_APPROVE) |
		                               (1u << EA_EXTEND_DENY) | (1u << EA_TO_INTERNAL_APPROVE) |
		                               (1u << EA_TO_INTERNAL_DENY) | (1u << EA_ROLLBACK) |
		                               (1u << EA_MERGE) | (1u << EA_SUPERVISE);
		unsigned roles = (centre & (1u << in->action)) ? ROLE_COMMAND | ROLE_STATION_HEAD | ROLE_LEADER
		                 : ROLE_ANY;
		const char *code = ev->dept[0] && (caps & EV_CAP_DEPT) && !(centre & (1u << in->action))
		                   ? ev->dept : ev->grid;

		acting_as(j->p, roles, code, &role, &scope);
	}
	detail[0] = '\0';
	switch (in->action) {
	case EA_DISPATCH:
		detail_json(detail, sizeof(detail), json_pack("{s:s}", "target", ev->dept));
		break;
	case EA_ASSIGN:
		detail_json(detail, sizeof(detail), json_pack("{s:I}", "account", (json_int_t)in->account));
		break;
	case EA_MERGE:
		detail_json(detail, sizeof(detail), json_pack("{s:I}", "master", (json_int_t)in->master));
		break;
	case EA_EXTEND_REQUEST:
		detail_json(detail, sizeof(detail), json_pack("{s:i}", "minutes", in->minutes));
		break;
	case EA_EXTEND_APPROVE:
		detail_json(detail, sizeof(detail), json_pack("{s:i}", "minutes", j->before.pending_minutes));
		break;
	case EA_RATE:
		detail_json(detail, sizeof(detail), json_pack("{s:i}", "rating", in->rating));
		break;
	case EA_SUPERVISE:
		detail_json(detail, sizeof(detail), json_pack("{s:i}", "level", in->supervision));
		break;
	case EA_VERIFY_FAIL:
		detail_json(detail, sizeof(detail), json_pack("{s:i}", "rework", ev->rework_count));
		break;
	default:
		break;
	}
	join_photos(in->photos, in->nphotos, j->photos, sizeof(j->photos));
	if (log_add(db, ev, ev_action_name(in->action), from, j->p, role, scope,
	            in->action == EA_COMPLETE ? in->result : in->note, detail[0] ? detail : NULL,
	            j->photos, s.public_step, now, log_id, e) < 0)
		return -1;
	{
		/* the photos belong to the step's own row, not to a notice */
		int64_t step_log = *log_id;

		if ((s.effects & EF_ESCALATE) && notify_on_duty(db, j->org, ev, now, log_id, e) < 0)
			return -1;
		for (int i = 0; i < in->nphotos; i++)
			if (store_event_photo_add(db, ev->id, in->photos[i], step_log,
			                          in->action == EA_COMPLETE ? "result"
			                          : in->action == EA_VERIFY_PASS || in->action == EA_VERIFY_FAIL
			                          ? "verify" : "step", e) < 0)
				return -1;
	}
	if (s.effects & EF_SUPERVISE) {
		char sup_unit[EV_CODE_MAX];

		str_copy(sup_unit, sizeof(sup_unit), scope ? scope : ev->holder);
		if (store_supervision_add(db, ev->id, in->supervision, sup_unit, j->p->account_id,
		                          in->note, now, e) < 0)
			return -1;
	}
	if (kpi_event_changed(db, &j->before, ev, e) < 0)
		return -1;
	if ((s.effects & EF_CLOSE) && close_merged(db, j->p, ev, now, log_id, e) < 0)
		return -1;
	snprintf(target, sizeof(target), "event:%lld", (long long)ev->id);
	snprintf(audit_detail, sizeof(audit_detail), "%s %s -> %s", ev_action_name(in->action), from,
	         ev->status);
	return audit_record(db, j->p, "event.step", target, in->ip, "ok", audit_detail, e);
}

int events_step(struct app *a, const struct principal *p, int64_t id,
                const struct event_step_in *in, struct event_rec *out, struct err *e)
{
	struct step_job *j;
	int rc = -1;

	if ((in->note && !text_ok(in->note, 500, EV_TEXT_MAX)) ||
	    (in->result && !text_ok(in->result, EV_TEXT_CHARS, EV_TEXT_MAX)))
		return bad_field(e, "note", "说明或处置结果过长或含非法字符",
		                 "note or result too long or not text");
	if (photos_ok(in->photos, in->nphotos, e) < 0)
		return -1;
	if (!(j = calloc(1, sizeof(*j))))
		return err_set(e, 500, "app.oom", "内存不足", "out of memory");
	j->p = p;
	j->id = id;
	j->in = in;
	j->org = org_holder_get(&a->org);
	if (exec_write(a, step_run, j, e) == 0) {
		*out = j->ev;
		rc = 0;
	}
	if (j->org)
		orgmodel_release((struct org_model *)j->org);
	free(j);
	return rc;
}

/* ---------------------------------------------------------- near-dups */

/*
 * Candidates read from each of the 3 × 3 cells around the event, newest
 * first, off the covering index (store_event_near). More than the
 * EV_SIMILAR_MAX listed, on purpose: a cell is scanned newest first, not
 * nearest first, so with a limit of 5 a cell holding 5 newer reports a
 * little farther away would hide an older one right next to the event —
 * exactly in the busy spots where the list matters. With 16 the answer is
 * the true nearest five as long as no cell holds more than 16 open reports
 * of the category from the last day; past that it stays bounded (a hotspot
 * costs 16 index entries a cell, not a sort of all of them). The entries
 * are ~50 bytes of one covering index, so 16 of a cell lie on the same
 * leaf page as 5 would: no more pages to read, a few more index steps.
 * The index also carries each event's status and title (migration 9), so
 * the list needs no row of `event` at all: reading five rows for their
 * titles was a sixth of a report's request-side CPU (in WAL mode every
 * commit empties each pooled connection's page cache, so each row's pages
 * were read afresh).
 */
#define NEAR_CELL_MAX 16

_Static_assert(EV_SIMILAR_MAX <= NEAR_CELL_MAX, "a cell offers at least as many candidates as are listed");

struct near_hit {
	struct event_near_rec r;
	char title[EV_TITLE_MAX];
	char status[16];
	double m;
};

struct near_ctx {
	const struct event_rec *ev;
	struct near_hit hits[EV_SIMILAR_MAX];   /* the nearest so far, in no order */
	int n;
};

static double metres(double lon1, double lat1, double lon2, double lat2)
{
	double dx = (lon2 - lon1) * 111320.0 * cos((lat1 + lat2) / 2 * M_PI / 180.0);
	double dy = (lat2 - lat1) * 110574.0;

	return sqrt(dx * dx + dy * dy);
}

/* A candidate: keep it when it lies within EV_NEAR_METRES and is nearer
 * than the farthest kept (which it replaces once the list is full). */
static int near_row(void *ctx, const struct event_near_rec *r)
{
	struct near_ctx *c = ctx;
	struct near_hit *h;
	double m;

	if (r->id == c->ev->id)
		return 0;
	m = metres(c->ev->lon, c->ev->lat, r->lon, r->lat);
	if (m > EV_NEAR_METRES)
		return 0;
	if (c->n < EV_SIMILAR_MAX) {
		h = &c->hits[c->n++];
	} else {                        /* full: this one replaces the farthest */
		h = &c->hits[0];
		for (int i = 1; i < EV_SIMILAR_MAX; i++)
			if (c->hits[i].m > h->m)
				h = &c->hits[i];
		if (h->m <= m)
			return 0;
	}
	h->r = *r;                      /* its strings live until the next row: copy */
	str_copy(h->title, sizeof(h->title), r->title ? r->title : "");
	str_copy(h->status, sizeof(h->status), r->status ? r->status : "");
	h->r.title = h->title;
	h->r.status = h->status;
	h->m = m;
	return 0;
}

int events_near(struct db *db, const struct event_rec *ev, events_near_cb cb, void *ctx,
                struct err *e)
{
	struct near_ctx c;              /* ~1.6 KB: on the stack, no allocation a report */

	c.ev = ev;
	c.n = 0;
	if (store_event_near(db, ev->category, ev->created_at - EV_NEAR_SECONDS, ev->lon, ev->lat,
	                     NEAR_CELL_MAX, near_row, &c, e) < 0)
		return -1;
	/* nearest first (insertion sort: ties keep the order found) */
	for (int i = 1; i < c.n; i++)
		for (int k = i; k > 0 && c.hits[k].m < c.hits[k - 1].m; k--) {
			struct near_hit t = c.hits[k];

			c.hits[k] = c.hits[k - 1];
			c.hits[k - 1] = t;
		}
	for (int i = 0; i < c.n; i++) {
		struct near_hit *h = &c.hits[i];

		h->r.title = h->title;        /* the sort moved the hits */
		h->r.status = h->status;
		if (cb(ctx, &h->r, h->m) != 0)
			break;
	}
	return 0;
}

/* ------------------------------------------------------------- clocks */

#define CLOCK_BATCH 200

struct clock_job {
	int64_t ids[CLOCK_BATCH];
	int n;
	int64_t now;
	int changed;
};

static int clock_run(struct db *db, void *arg, int64_t *log_id, struct err *e)
{
	struct clock_job *j = arg;

	j->changed = 0;                   /* a job may run twice (writer.h) */

	for (int i = 0; i < j->n; i++) {
		struct event_rec ev, before;
		struct category_rec cat;
		struct ev_clock c;
		char sup_unit[EV_CODE_MAX], note[96], detail[64];
		int auto_sup;

		if (store_event_get(db, j->ids[i], &ev, e) < 0) {
			if (e->status == 404) {
				err_clear(e);
				continue;
			}
			return -1;
		}
		if (store_category_get(db, ev.category, &cat, e) < 0)
			return -1;
		before = ev;
		set_clock(&ev, &cat, j->now, 0);
		ev_clock(ev.phase_started_at, ev.deadline_at - ev.phase_started_at, j->now, &c);
		auto_sup = c.supervision > ev.supervision ? c.supervision : 0;
		if (auto_sup)
			ev.supervision = auto_sup;
		if (ev.warning == before.warning && ev.overdue == before.overdue && !auto_sup &&
		    ev.next_check_at == before.next_check_at)
			continue;
		ev.updated_at = j->now;
		if (store_event_update(db, &ev, e) < 0)
			return -1;
		if (ev.warning != before.warning || auto_sup || ev.overdue != before.overdue) {
			detail_json(detail, sizeof(detail), json_pack("{s:i, s:i}", "warning", ev.warning,
			                                              "overdue", ev.overdue));
			if (log_add(db, &ev, auto_sup ? "supervise" : "warning", ev.status, NULL, NULL, NULL,
			            auto_sup ? (auto_sup == 3 ? "系统自动督办：严重超期（红牌）"
			                        : auto_sup == 2 ? "系统自动督办：超期（黄牌）"
			                        : "系统自动督办：超时未办")
			            : ev.warning == 2 ? "已超时" : ev.warning == 1 ? "即将超时" : NULL,
			            detail, NULL, 0, j->now, log_id, e) < 0)
				return -1;
		}
		if (auto_sup) {
			/* onto the next level's list: the community's events go to
			 * the town, the town's to the district */
			ancestor_code(ev.grid, ev.level > EV_LEVEL_DISTRICT ? ev.level - 1 : EV_LEVEL_DISTRICT,
			              sup_unit, sizeof(sup_unit));
			snprintf(note, sizeof(note), "系统自动督办（%s）",
			         auto_sup == 3 ? "红牌" : auto_sup == 2 ? "黄牌" : "普通");
			if (store_supervision_add(db, ev.id, auto_sup, sup_unit, 0, note, j->now, e) < 0)
				return -1;
		}
		if (kpi_event_changed(db, &before, &ev, e) < 0)
			return -1;
		j->changed++;
	}
	return 0;
}

int events_check_clocks(struct app *a, struct db *db, int64_t now, int *changed, struct err *e)
{
	struct clock_job *j = calloc(1, sizeof(*j));
	int rc = 0;

	*changed = 0;
	if (!j)
		return err_set(e, 500, "app.oom", "内存不足", "out of memory");
	for (int round = 0; round < 50; round++) {
		j->now = now;
		j->changed = 0;
		if (store_event_due(db, now, CLOCK_BATCH, j->ids, &j->n, e) < 0) {
			rc = -1;
			break;
		}
		if (j->n == 0)
			break;
		if (exec_write(a, clock_run, j, e) < 0) {
			rc = -1;
			break;
		}
		*changed += j->changed;
		if (j->n < CLOCK_BATCH)
			break;
	}
	free(j);
	return rc;
}

/* ------------------------------------------------------- forces' load */

/* Load of a force: the open events assigned to the accounts of a person.
 * Emergency units and volunteers have no accounts: 0. */
static int force_load(void *ctx, const char *kind, int64_t ref_id)
{
	struct app *a = ctx;
	struct db *db;
	struct err e = ERR_INIT;
	int64_t n = 0;

	if (strcmp(kind, "emergency_unit") == 0 || strcmp(kind, "volunteer") == 0)
		return 0;
	db = db_pool_get(a->pool);
	if (store_event_person_load(db, ref_id, &n, &e) < 0)
		n = 0;
	db_pool_put(a->pool, db);
	return (int)n;
}

void events_install_force_load(struct app *a)
{
	forces_set_load_hook(force_load, a);
}
