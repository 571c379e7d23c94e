/*
 * api_event_reco.c - dispatch recommendations (派遣推荐) for one event.
 *
 *   GET /api/v1/events/:id/recommendations     (staff)
 *
 * The dispatcher choosing a department sees the departments of the event's
 * district ranked by how well they closed this kind of event in this town:
 * their on-time closing rate (closed_at <= due_at) for the event's category
 * over the last RECO_DAYS days, among closed events they were dispatched.
 * Departments without such history follow, by name. The numbers come from
 * store/store_event.c (store_event_dept_records); this file ranks them and
 * writes the JSON. An event the caller may not see is 404, like one that
 * does not exist (app/events.h: events_get).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "api/api.h"
#include "api/api_int.h"
#include "app/events.h"
#include "app/orgmodel.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "lib/banned.h"

#define RECO_DAYS 180
#define RECO_MAX_DEPTS 256        /* departments per district we rank */

struct reco_list {
	struct dept_record *rows;
	int n;
};

static int reco_collect(void *ctx, const struct dept_record *r)
{
	struct reco_list *l = ctx;

	if (l->n >= RECO_MAX_DEPTS)
		return 1;                 /* more than we rank: stop, keep what we have */
	l->rows[l->n++] = *r;
	return 0;
}

/* Order: with history first, by on-time rate (compared exactly as
 * on_time/closed fractions), then by more closed, then by code; without
 * history after, by name then code. */
static int reco_cmp(const void *pa, const void *pb)
{
	const struct dept_record *a = pa, *b = pb;
	int c;

	if ((a->closed > 0) != (b->closed > 0))
		return a->closed > 0 ? -1 : 1;
	if (a->closed > 0) {
		int64_t l = a->on_time * b->closed, r = b->on_time * a->closed;

		if (l != r)
			return l > r ? -1 : 1;
		if (a->closed != b->closed)
			return a->closed > b->closed ? -1 : 1;
		return strcmp(a->code, b->code);
	}
	c = strcmp(a->name, b->name);
	return c ? c : strcmp(a->code, b->code);
}

static json_t *reco_json(const struct dept_record *r, int rank)
{
	json_t *j = json_pack("{s:i, s:s, s:s, s:I, s:I}", "rank", rank, "code", r->code, "name", r->name,
	                      "closed", (json_int_t)r->closed, "on_time", (json_int_t)r->on_time);

	/* a rate to three decimals; null without history (not 0: unknown) */
	json_object_set_new(j, "on_time_rate",
	                    r->closed > 0 ? json_real((double)(r->on_time * 1000 / r->closed) / 1000.0)
	                    : json_null());
	return j;
}

int api_event_recommendations(struct http_req *req)
{
	struct app *a = api_app(req);
	const char *ids = http_param(req, "id");
	struct event_rec *ev = NULL;
	struct reco_list list = {NULL, 0};
	struct err e = ERR_INIT;
	char district[8], town[12], since_iso[TIME_ISO_MAX];
	int64_t id, since = (int64_t)time(NULL) - (int64_t)RECO_DAYS * 24 * 3600;
	struct org_model *m;
	const struct org_unit *tu;
	struct db *db;
	json_t *arr, *j;
	int rc;

	if (!ids || parse_int64(ids, 1, INT64_MAX, &id) < 0)
		return http_reply_error(req, 404, "event.not_found", "找不到该事件", "no such event");
	ev = malloc(sizeof(*ev));
	list.rows = malloc(sizeof(*list.rows) * RECO_MAX_DEPTS);
	if (!ev || !list.rows) {
		free(ev);
		free(list.rows);
		return http_reply_error(req, 500, "app.oom", "内存不足", "out of memory");
	}
	db = db_pool_get(a->pool);
	rc = events_get(db, req->auth, id, ev, &e);
	if (rc == 0) {
		snprintf(district, sizeof(district), "%.6s", ev->grid);
		snprintf(town, sizeof(town), "%.9s", ev->grid);
		rc = store_event_dept_records(db, district, ev->category, town, since, reco_collect, &list, &e);
	}
	db_pool_put(a->pool, db);
	if (rc < 0) {
		free(ev);
		free(list.rows);
		return http_reply_err(req, &e);
	}
	qsort(list.rows, (size_t)list.n, sizeof(*list.rows), reco_cmp);
	arr = json_array();
	for (int i = 0; i < list.n; i++)
		json_array_append_new(arr, reco_json(&list.rows[i], i + 1));
	j = json_pack("{s:I, s:s, s:s, s:i, s:s, s:o}", "event_id", (json_int_t)ev->id, "category",
	              ev->category, "town", town, "days", RECO_DAYS, "since",
	              time_iso((time_t)since, since_iso), "departments", arr);
	m = org_holder_get(&a->org);
	tu = m ? orgmodel_find(m, town) : NULL;
	json_object_set_new(j, "town_name", tu ? json_string(tu->rec.name) : json_null());
	if (m)
		orgmodel_release(m);
	free(ev);
	free(list.rows);
	return http_reply_json(req, 200, j);
}
