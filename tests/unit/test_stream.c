/*
 * test_stream.c - unit tests of the live stream: the SSE frame encoding and
 * the row JSON (src/app/stream.c), the scope matcher
 * (src/domain/stream_scope.c), and the hub itself on a real database
 * (fan-out by scope, resume without gap or duplicate, reset, limits,
 * dropping a client that does not read).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "app/stream.h"
#include "domain/stream_scope.h"
#include "store/store_event.h"
#include "store/store_unit.h"
#include "lib/timeutil.h"
#include "testutil.h"
#include "lib/banned.h"

#define OK(call) do {                                                   \
	struct err e_ = ERR_INIT;                                       \
	if ((call) < 0)                                                 \
		fail_msg("%s: %d %s %s", #call, e_.status, e_.code, e_.msg_en); \
} while (0)

/* the owner of a client: an account */
#define ACC(n) (&(struct stream_owner){.account_id = (n)})

#define GRID1 "4401110020010101"
#define GRID2 "4401110020010102"
#define DEPT "440111-cg"

static int count(const char *s, const char *needle)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ------------------------------------------------------------ frames */

static void test_frame_encode(void **state)
{
	struct buf b;

	buf_init(&b, 1024);
	assert_int_equal(stream_frame_encode(&b, 42, "event", "{\"a\":1}"), 0);
	assert_string_equal(b.data, "id: 42\nevent: event\ndata: {\"a\":1}\n\n");
	buf_release(&b);

	buf_init(&b, 1024);
	assert_int_equal(stream_frame_encode(&b, 0, "hello", "{}"), 0);
	assert_string_equal(b.data, "id: 0\nevent: hello\ndata: {}\n\n");
	buf_release(&b);

	buf_init(&b, 1024);            /* no id, no event: a bare data frame */
	assert_int_equal(stream_frame_encode(&b, -1, NULL, "x"), 0);
	assert_string_equal(b.data, "data: x\n\n");
	buf_release(&b);

	buf_init(&b, 1024);            /* a line break would split the frame */
	assert_int_equal(stream_frame_encode(&b, 1, "event", "a\nid: 99"), -1);
	assert_int_equal(stream_frame_encode(&b, 1, "event", "a\rb"), -1);
	assert_int_equal(stream_frame_encode(&b, 1, "ev\nil", "{}"), -1);
	buf_release(&b);

	buf_init(&b, 16);              /* the buffer's bound holds */
	assert_int_equal(stream_frame_encode(&b, 1, "event", "0123456789abcdef"), -1);
	buf_release(&b);
}

static struct event_stream_rec sample_row(void)
{
	struct event_stream_rec r;

	memset(&r, 0, sizeof(r));
	r.log.id = 7;
	r.log.event_id = 3;
	r.log.at = 1700000000;
	r.log.action = "dispatch";
	r.log.from_status = "accepted";
	r.log.to_status = "dispatched";
	r.log.actor_name = "张三";
	r.log.role = "command";
	r.log.unit_code = "440111002";
	r.log.note = "第一行\n第二行 \"引号\"";
	r.log.public_step = 1;
	r.log.grid_code = GRID1;
	r.log.dept_code = DEPT;
	r.category = "mdjf";
	r.category_name = "矛盾纠纷";
	r.title = "楼道堆物";
	r.status = "dispatched";
	r.loop = "internal";
	r.source = "patrol";
	r.urgency = 2;
	r.lon = 113.269782;
	r.lat = 23.171234;
	r.reporter_id = 9;
	return r;
}

static void test_row_json(void **state)
{
	struct event_stream_rec r = sample_row();
	json_t *full = stream_row_json(&r, STREAM_VIEW_FULL), *pub = stream_row_json(&r, STREAM_VIEW_PUBLIC);
	json_t *disp = stream_row_json(&r, STREAM_VIEW_DISPLAY);
	char *s;
	struct buf b;

	assert_non_null(full);
	assert_non_null(pub);
	assert_int_equal(json_integer_value(json_object_get(full, "id")), 7);
	assert_string_equal(json_string_value(json_object_get(full, "actor")), "张三");
	assert_string_equal(json_string_value(json_object_get(full, "dept_code")), DEPT);
	assert_true(json_is_null(json_object_get(json_object_get(full, "event"), "lon")) == 0);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(full, "event"), "urgency")), 2);
	/* the resident's view: the step and the event, no staff, notes or places */
	for (const char *k = "actor\0role\0unit_code\0note\0grid_code\0dept_code\0"; *k; k += strlen(k) + 1)
		assert_null(json_object_get(pub, k));
	assert_null(json_object_get(json_object_get(pub, "event"), "lon"));
	assert_string_equal(json_string_value(json_object_get(pub, "to_status")), "dispatched");
	assert_string_equal(json_string_value(json_object_get(json_object_get(pub, "event"), "title")), "楼道堆物");
	/* a wall display's view: where and what, for the map; no staff, notes or departments */
	for (const char *k = "actor\0role\0unit_code\0note\0dept_code\0"; *k; k += strlen(k) + 1)
		assert_null(json_object_get(disp, k));
	assert_string_equal(json_string_value(json_object_get(disp, "grid_code")), GRID1);
	assert_string_equal(json_string_value(json_object_get(disp, "action")), "dispatch");
	assert_non_null(json_object_get(json_object_get(disp, "event"), "lon"));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(disp, "event"), "urgency")), 2);
	json_decref(disp);
	/* a note with line breaks still makes a one-line data field */
	s = json_dumps(full, JSON_COMPACT);
	buf_init(&b, 8192);
	assert_int_equal(stream_frame_encode(&b, 7, "event", s), 0);
	assert_int_equal(count(b.data, "\n"), 4);            /* id, event, data, blank */
	buf_release(&b);
	free(s);
	json_decref(full);
	json_decref(pub);

	/* null columns come out as JSON null, not missing keys */
	r.log.from_status = NULL;
	r.log.dept_code = NULL;
	full = stream_row_json(&r, STREAM_VIEW_FULL);
	assert_true(json_is_null(json_object_get(full, "from_status")));
	assert_true(json_is_null(json_object_get(full, "dept_code")));
	json_decref(full);
}

/* ------------------------------------------------------------- scope */

static void test_scope_units(void **state)
{
	struct stream_scope s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(stream_scope_add_unit(&s, "44011100200101"), 0);   /* an area */
	assert_int_equal(stream_scope_view(&s, GRID1, NULL, 0, 0), STREAM_VIEW_FULL);
	assert_int_equal(stream_scope_view(&s, GRID2, NULL, 0, 0), STREAM_VIEW_FULL);
	assert_int_equal(stream_scope_view(&s, "4401110020010201", NULL, 0, 0), STREAM_VIEW_NONE);
	assert_int_equal(stream_scope_view(&s, "440111002001", NULL, 0, 0), STREAM_VIEW_NONE);
	/* look-alikes are not inside */
	assert_int_equal(stream_scope_view(&s, "4401110020010101x", NULL, 0, 0), STREAM_VIEW_NONE);
	assert_int_equal(stream_scope_view(&s, "44011100200101011", NULL, 0, 0), STREAM_VIEW_NONE);
	assert_int_equal(stream_scope_view(&s, "", NULL, 0, 0), STREAM_VIEW_NONE);
	assert_int_equal(stream_scope_view(&s, NULL, NULL, 1, 0), STREAM_VIEW_NONE);

	/* roots: covered ones are skipped, wider ones replace narrower ones */
	assert_int_equal(stream_scope_add_unit(&s, GRID1), 0);
	assert_int_equal(s.nunits, 1);
	assert_int_equal(stream_scope_add_unit(&s, "440111002"), 0);
	assert_int_equal(s.nunits, 1);
	assert_string_equal(s.units[0], "440111002");
	assert_int_equal(stream_scope_add_unit(&s, "440111010"), 0);
	assert_int_equal(s.nunits, 2);
	assert_int_equal(stream_scope_add_unit(&s, "not-a-code"), -1);
	assert_int_equal(stream_scope_add_unit(&s, ""), -1);
	assert_int_equal(stream_scope_add_unit(&s, NULL), -1);
}

static void test_scope_depts_residents(void **state)
{
	struct stream_scope s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(stream_scope_add_dept(&s, DEPT), 0);
	assert_int_equal(stream_scope_add_dept(&s, DEPT), 0);
	assert_int_equal(s.ndepts, 1);
	assert_int_equal(stream_scope_view(&s, GRID1, DEPT, 0, 0), STREAM_VIEW_FULL);
	assert_int_equal(stream_scope_view(&s, GRID1, "440111-zj", 0, 0), STREAM_VIEW_NONE);
	assert_int_equal(stream_scope_view(&s, GRID1, NULL, 1, 0), STREAM_VIEW_NONE);
	assert_int_equal(stream_scope_view(&s, GRID1, "440111-cg2", 0, 0), STREAM_VIEW_NONE);

	memset(&s, 0, sizeof(s));
	s.reporter_id = 9;
	assert_int_equal(stream_scope_view(&s, GRID1, NULL, 1, 9), STREAM_VIEW_PUBLIC);
	assert_int_equal(stream_scope_view(&s, GRID1, NULL, 0, 9), STREAM_VIEW_NONE);   /* internal step */
	assert_int_equal(stream_scope_view(&s, GRID1, NULL, 1, 8), STREAM_VIEW_NONE);   /* someone else's */
	assert_int_equal(stream_scope_view(&s, GRID1, NULL, 1, 0), STREAM_VIEW_NONE);   /* no reporter */
	/* a resident who is also a grid worker sees that grid in full */
	assert_int_equal(stream_scope_add_unit(&s, GRID1), 0);
	assert_int_equal(stream_scope_view(&s, GRID1, NULL, 1, 9), STREAM_VIEW_FULL);
	assert_int_equal(stream_scope_view(&s, GRID2, NULL, 1, 9), STREAM_VIEW_PUBLIC);

	/* a wall display: its unit's rows, in the display view */
	memset(&s, 0, sizeof(s));
	s.display = 1;
	assert_int_equal(stream_scope_add_unit(&s, "440111002"), 0);
	assert_int_equal(stream_scope_view(&s, GRID1, NULL, 0, 0), STREAM_VIEW_DISPLAY);
	assert_int_equal(stream_scope_view(&s, GRID1, DEPT, 1, 9), STREAM_VIEW_DISPLAY);
	assert_int_equal(stream_scope_view(&s, "4401110100010101", NULL, 1, 0), STREAM_VIEW_NONE);

	/* the scope is bounded */
	memset(&s, 0, sizeof(s));
	for (int i = 0; i < STREAM_SCOPE_MAX; i++) {
		char code[16];
		snprintf(code, sizeof(code), "d-%d", i);
		assert_int_equal(stream_scope_add_dept(&s, code), 0);
	}
	assert_int_equal(stream_scope_add_dept(&s, "one-more"), -1);
}

/* --------------------------------------------------------------- hub */

struct hub_fx {
	struct test_db t;
	struct db_pool *pool;
	struct stream_hub *hub;
	int64_t event1, event2;       /* in GRID1 (reporter 9) and GRID2 */
};

static _Atomic int wakes;

static void count_wake(void *ctx)
{
	atomic_fetch_add(&wakes, 1);
}

static void put_unit(struct db *db, const char *code, const char *parent, int level)
{
	struct unit_rec u;

	memset(&u, 0, sizeof(u));
	snprintf(u.code, sizeof(u.code), "%s", code);
	snprintf(u.parent, sizeof(u.parent), "%s", parent);
	u.level = level;
	snprintf(u.kind, sizeof(u.kind), "%s",
	         level == 1 ? "区" : level == 2 ? "街道" : level == 3 ? "社区" : level == 4 ? "片区" : "网格");
	snprintf(u.name, sizeof(u.name), "单位 %s", code);
	u.households = u.population = -1;
	u.bbox[0] = 113.2, u.bbox[1] = 23.1, u.bbox[2] = 113.3, u.bbox[3] = 23.2;
	u.center[0] = 113.25, u.center[1] = 23.15;
	u.area_m2 = 1000;
	OK(store_unit_put(db, &u, NULL, 0, &e_));
}

static int64_t put_event(struct db *db, const char *grid, int64_t reporter)
{
	struct event_rec ev;
	int64_t id;

	memset(&ev, 0, sizeof(ev));
	snprintf(ev.source, sizeof(ev.source), "patrol");
	snprintf(ev.category, sizeof(ev.category), "mdjf");
	snprintf(ev.title, sizeof(ev.title), "测试 %s", grid);
	snprintf(ev.description, sizeof(ev.description), "描述");
	ev.lon = 113.27, ev.lat = 23.17;
	snprintf(ev.crs, sizeof(ev.crs), "wgs84");
	snprintf(ev.grid, sizeof(ev.grid), "%s", grid);
	ev.urgency = 1;
	snprintf(ev.status, sizeof(ev.status), "reported");
	snprintf(ev.loop, sizeof(ev.loop), "internal");
	ev.level = 3;
	snprintf(ev.holder, sizeof(ev.holder), "440111002001");
	ev.reporter_id = reporter;
	ev.phase_started_at = ev.created_at = ev.updated_at = 1700000000;
	snprintf(ev.day, sizeof(ev.day), "2023-11-15");
	ev.version = 1;
	OK(store_event_insert(db, &ev, &id, &e_));
	return id;
}

/* One timeline row; its id. */
static int64_t put_log(struct db *db, int64_t event, const char *grid, const char *dept, int public_step)
{
	struct event_log_rec l;
	int64_t id;

	memset(&l, 0, sizeof(l));
	l.event_id = event;
	l.at = 1700000000;
	l.action = "note";
	l.to_status = "reported";
	l.actor_name = "张三";
	l.public_step = public_step;
	l.grid_code = grid;
	l.dept_code = dept;
	OK(store_event_log_add(db, &l, &id, &e_));
	return id;
}

static int hub_setup(void **state)
{
	struct hub_fx *f = calloc(1, sizeof(*f));
	struct test_db *t;
	struct category_rec c;
	struct err e = ERR_INIT;
	struct stream_opts o = {4, 2, 50, 60000};

	if (!f || test_db_setup((void **)&t) < 0)
		return -1;
	f->t = *t;
	free(t);
	put_unit(f->t.db, "440111", "", 1);
	put_unit(f->t.db, "440111002", "440111", 2);
	put_unit(f->t.db, "440111002001", "440111002", 3);
	put_unit(f->t.db, "44011100200101", "440111002001", 4);
	put_unit(f->t.db, GRID1, "44011100200101", 5);
	put_unit(f->t.db, GRID2, "44011100200101", 5);
	memset(&c, 0, sizeof(c));
	snprintf(c.code, sizeof(c.code), "mdjf");
	snprintf(c.name, sizeof(c.name), "矛盾纠纷");
	c.minutes[0] = 30, c.minutes[1] = 1440, c.minutes[2] = 60;
	c.enabled = 1;
	OK(store_category_put(f->t.db, &c, &e_));
	f->event1 = put_event(f->t.db, GRID1, 9);
	f->event2 = put_event(f->t.db, GRID2, 0);
	if (db_pool_open(f->t.url, 2, &f->pool, &e) < 0 ||
	    !(f->hub = stream_hub_new(f->t.url, f->pool, &o, &e))) {
		fprintf(stderr, "hub setup: %s\n", e.msg_en);
		return -1;
	}
	*state = f;
	return 0;
}

static int hub_teardown(void **state)
{
	struct hub_fx *f = *state;
	struct test_db *t = malloc(sizeof(*t));

	stream_hub_free(f->hub);
	db_pool_close(f->pool);
	*t = f->t;
	free(f);
	return test_db_teardown((void **)&t);
}

/* Everything the client has queued now (reads until 0), as text. */
static char *drain(struct stream_client *c)
{
	static char out[1 << 20];
	size_t n = 0;
	ssize_t r;

	while (n < sizeof(out) - 1 && (r = stream_client_read(c, out + n, 7)) > 0)  /* small reads: frames split */
		n += (size_t)r;
	out[n] = '\0';
	return out;
}

/* Wait up to 3 s for the client to have something (the hub polls every 50 ms). */
static char *wait_for(struct stream_client *c, const char *needle)
{
	static char acc[1 << 20];
	uint64_t end = time_mono_us() + 3000000;
	size_t n = 0;

	acc[0] = '\0';
	while (time_mono_us() < end) {
		const char *s = drain(c);
		size_t k = strlen(s);
		if (k > sizeof(acc) - 1 - n)
			k = sizeof(acc) - 1 - n;
		memcpy(acc + n, s, k);
		acc[n += k] = '\0';
		if (strstr(acc, needle))
			return acc;
		usleep(5000);
	}
	fail_msg("timed out waiting for '%s', got '%s'", needle, acc);
	return NULL;
}

static void test_hub_fanout_by_scope(void **state)
{
	struct hub_fx *f = *state;
	struct stream_scope s1, s2, sd, sr;
	struct stream_client *c1, *c2, *cd, *cr;
	char *got, line[64];
	int64_t a, b, d, p;

	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	memset(&sd, 0, sizeof(sd));
	memset(&sr, 0, sizeof(sr));
	stream_scope_add_unit(&s1, GRID1);
	stream_scope_add_unit(&s2, GRID2);
	stream_scope_add_dept(&sd, DEPT);
	sr.reporter_id = 9;
	OK(stream_client_open(f->hub, &s1, ACC(1), -1, &c1, &e_));
	OK(stream_client_open(f->hub, &s2, ACC(2), -1, &c2, &e_));
	OK(stream_client_open(f->hub, &sd, ACC(3), -1, &cd, &e_));
	OK(stream_client_open(f->hub, &sr, ACC(9), -1, &cr, &e_));
	stream_client_set_wake(c1, count_wake, NULL);
	assert_non_null(strstr(drain(c1), "event: hello\ndata: {\"head\":0}"));
	drain(c2), drain(cd), drain(cr);
	assert_string_equal(drain(c1), "");                 /* nothing more: 0, no spin */

	a = put_log(f->t.db, f->event1, GRID1, NULL, 0);    /* grid 1, internal */
	b = put_log(f->t.db, f->event2, GRID2, DEPT, 1);    /* grid 2, at the department */
	p = put_log(f->t.db, f->event1, GRID1, NULL, 1);    /* grid 1, public: its reporter sees it */
	d = put_log(f->t.db, f->event2, GRID2, NULL, 1);
	atomic_store(&wakes, 0);
	stream_kick(f->hub, d);

	snprintf(line, sizeof(line), "id: %lld\n", (long long)p);
	got = wait_for(c1, line);
	assert_int_equal(count(got, "event: event"), 2);
	assert_true(atomic_load(&wakes) >= 1);
	snprintf(line, sizeof(line), "id: %lld\n", (long long)d);
	got = wait_for(c2, line);
	assert_int_equal(count(got, "event: event"), 2);
	snprintf(line, sizeof(line), "id: %lld\n", (long long)a);
	assert_null(strstr(got, line));
	snprintf(line, sizeof(line), "id: %lld\n", (long long)b);
	got = wait_for(cd, line);
	assert_int_equal(count(got, "event: event"), 1);   /* only the row held by the department */
	snprintf(line, sizeof(line), "id: %lld\n", (long long)p);
	got = wait_for(cr, line);
	assert_int_equal(count(got, "event: event"), 1);   /* own report, public step only */
	assert_null(strstr(got, "张三"));                  /* the reduced view */
	stream_client_close(c1);
	stream_client_close(c2);
	stream_client_close(cd);
	stream_client_close(cr);
}

static void test_hub_resume(void **state)
{
	struct hub_fx *f = *state;
	struct stream_scope s;
	struct stream_client *c;
	int64_t id[6];
	char line[64], *got;

	memset(&s, 0, sizeof(s));
	stream_scope_add_unit(&s, "440111");
	for (int i = 0; i < 5; i++)
		id[i] = put_log(f->t.db, f->event1, GRID1, NULL, 1);
	stream_kick(f->hub, id[4]);
	/* the hub has moved past them, or not yet: either way the resume is exact */
	OK(stream_client_open(f->hub, &s, ACC(1), id[1], &c, &e_));
	snprintf(line, sizeof(line), "id: %lld\n", (long long)id[4]);
	got = wait_for(c, line);
	assert_non_null(strstr(got, "event: hello"));
	assert_int_equal(count(got, "event: event"), 3);
	for (int i = 2; i < 5; i++) {
		snprintf(line, sizeof(line), "id: %lld\n", (long long)id[i]);
		assert_int_equal(count(got, line), 1);
	}
	id[5] = put_log(f->t.db, f->event1, GRID1, NULL, 1);
	stream_kick(f->hub, id[5]);
	snprintf(line, sizeof(line), "id: %lld\n", (long long)id[5]);
	got = wait_for(c, line);
	assert_int_equal(count(got, "event: event"), 1);     /* the new row, once */
	stream_client_close(c);

	/* an id from the future (another database): reset to the head */
	OK(stream_client_open(f->hub, &s, ACC(1), id[5] + 1000, &c, &e_));
	got = drain(c);
	snprintf(line, sizeof(line), "id: %lld\nevent: reset\n", (long long)id[5]);
	assert_non_null(strstr(got, line));
	assert_non_null(strstr(got, "\"reason\":\"unknown_id\""));
	stream_client_close(c);
}

static void test_hub_limits(void **state)
{
	struct hub_fx *f = *state;
	struct stream_scope s;
	struct stream_client *c[5];
	struct err e = ERR_INIT;

	memset(&s, 0, sizeof(s));
	OK(stream_client_open(f->hub, &s, ACC(1), -1, &c[0], &e_));
	OK(stream_client_open(f->hub, &s, ACC(1), -1, &c[1], &e_));
	assert_int_equal(stream_client_open(f->hub, &s, ACC(1), -1, &c[2], &e), -1);   /* 2 per account */
	assert_int_equal(e.status, 429);
	assert_string_equal(e.code, "stream.too_many");
	OK(stream_client_open(f->hub, &s, ACC(2), -1, &c[2], &e_));
	OK(stream_client_open(f->hub, &s, ACC(3), -1, &c[3], &e_));
	e = (struct err)ERR_INIT;
	assert_int_equal(stream_client_open(f->hub, &s, ACC(4), -1, &c[4], &e), -1);   /* 4 per instance */
	assert_int_equal(e.status, 503);
	assert_string_equal(e.code, "stream.busy");
	stream_client_close(c[0]);
	OK(stream_client_open(f->hub, &s, ACC(4), -1, &c[4], &e_));                    /* a place again */
	for (int i = 1; i < 5; i++)
		stream_client_close(c[i]);
}

/* A wall display revoked (or paired anew): its streams get `event: revoked`
 * and end; other owners' streams, and (when paired anew) the new pairing's,
 * go on. Displays count against the per-owner limit one by one. */
static void test_hub_end_display(void **state)
{
	struct hub_fx *f = *state;
	struct stream_scope s;
	struct stream_owner d1 = {0, 5, "00000000000000aa"}, d1new = {0, 5, "00000000000000bb"};
	struct stream_owner d2 = {0, 6, "00000000000000cc"};
	struct stream_client *old, *fresh, *other, *person;
	char buf[512], line[64], *got;
	int64_t id;

	memset(&s, 0, sizeof(s));
	s.display = 1;
	stream_scope_add_unit(&s, "440111002");
	OK(stream_client_open(f->hub, &s, &d1, -1, &old, &e_));
	OK(stream_client_open(f->hub, &s, &d1new, -1, &fresh, &e_));
	OK(stream_client_open(f->hub, &s, &d2, -1, &other, &e_));
	OK(stream_client_open(f->hub, &s, ACC(1), -1, &person, &e_));
	drain(old), drain(fresh), drain(other), drain(person);

	/* paired anew: only the old pairing's stream ends */
	assert_int_equal(stream_end_display(f->hub, 5, "00000000000000bb"), 1);
	got = wait_for(old, "event: revoked\n");
	assert_non_null(strstr(got, "display_ended"));
	assert_true(stream_client_read(old, buf, sizeof(buf)) == -1);
	/* the others still get rows, in the display's view */
	id = put_log(f->t.db, f->event1, GRID1, NULL, 1);
	stream_kick(f->hub, id);
	snprintf(line, sizeof(line), "id: %lld\n", (long long)id);
	got = wait_for(fresh, line);
	assert_null(strstr(got, "张三"));
	assert_null(strstr(got, "\"note\":"));
	wait_for(other, line);
	wait_for(person, line);
	/* revoked: every stream of the display ends, nobody else's */
	assert_int_equal(stream_end_display(f->hub, 5, NULL), 1);
	wait_for(fresh, "event: revoked\n");
	assert_true(stream_client_read(fresh, buf, sizeof(buf)) == -1);
	assert_int_equal(stream_end_display(f->hub, 5, NULL), 0);       /* already ending */
	assert_int_equal(stream_end_display(NULL, 5, NULL), 0);
	id = put_log(f->t.db, f->event1, GRID1, NULL, 1);
	stream_kick(f->hub, id);
	snprintf(line, sizeof(line), "id: %lld\n", (long long)id);
	wait_for(other, line);
	stream_client_close(old);
	stream_client_close(fresh);
	stream_client_close(other);
	stream_client_close(person);
}

static void test_hub_drops_slow_client(void **state)
{
	struct hub_fx *f = *state;
	struct stream_scope s;
	struct stream_client *slow, *late;
	int64_t last = 0;
	char buf[256];
	ssize_t r;
	uint64_t end;

	memset(&s, 0, sizeof(s));
	stream_scope_add_unit(&s, GRID1);
	OK(stream_client_open(f->hub, &s, ACC(1), -1, &slow, &e_));
	assert_true(stream_client_read(slow, buf, 10) == 10);   /* in the middle of the hello frame */
	OK(db_begin(f->t.db, &e_));
	for (int i = 0; i < STREAM_QUEUE_FRAMES + 10; i++)
		last = put_log(f->t.db, f->event1, GRID1, NULL, 1);
	OK(db_commit(f->t.db, &e_));
	stream_kick(f->hub, last);
	/* the hub drops it (the metrics say so) … */
	end = time_mono_us() + 3000000;
	for (;;) {
		struct buf m;
		int dropped;
		buf_init(&m, 1 << 16);
		stream_hub_metrics(f->hub, &m);
		dropped = strstr(m.data, "wangge_stream_dropped_total 1\n") != NULL;
		buf_release(&m);
		if (dropped)
			break;
		if (time_mono_us() > end)
			fail_msg("the slow client was not dropped");
		usleep(5000);
	}
	/* … and it finishes the frame it was in, then its stream ends */
	r = stream_client_read(slow, buf, sizeof(buf));
	assert_true(r > 0);
	assert_memory_equal(buf + r - 2, "\n\n", 2);
	assert_null(memmem(buf, (size_t)r, "event: event", 12));
	assert_int_equal(stream_client_read(slow, buf, sizeof(buf)), -1);
	stream_client_close(slow);
	/* a resume from the start reads every row back from the database */
	OK(stream_client_open(f->hub, &s, ACC(1), 0, &late, &e_));
	snprintf(buf, sizeof(buf), "id: %lld\n", (long long)last);
	assert_int_equal(count(wait_for(late, buf), "event: event"), STREAM_QUEUE_FRAMES + 10);
	stream_client_close(late);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_encode),
		cmocka_unit_test(test_row_json),
		cmocka_unit_test(test_scope_units),
		cmocka_unit_test(test_scope_depts_residents),
		cmocka_unit_test_setup_teardown(test_hub_fanout_by_scope, hub_setup, hub_teardown),
		cmocka_unit_test_setup_teardown(test_hub_resume, hub_setup, hub_teardown),
		cmocka_unit_test_setup_teardown(test_hub_limits, hub_setup, hub_teardown),
		cmocka_unit_test_setup_teardown(test_hub_drops_slow_client, hub_setup, hub_teardown),
		cmocka_unit_test_setup_teardown(test_hub_end_display, hub_setup, hub_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
