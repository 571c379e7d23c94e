/*
 * stream.c - the live stream hub (see stream.h): one reader thread per
 * instance turns committed event_log rows into Server-Sent Events frames
 * and queues them on the clients whose scope admits them.
 *
 * Frames are refcounted and shared: a row is serialised once for staff,
 * once for wall displays and once, if public, for its reporter, whatever
 * the number of clients. Each
 * client has a bounded ring of frame pointers; a client that falls that far
 * behind is dropped (it reconnects with Last-Event-ID and reads what it
 * missed from the database).
 *
 * Locks, always taken in this order and never the other way round:
 *   hub->clients_mu (client list, head, fan-out)
 *     -> client->mu (its queue, cursor, state)
 *       -> whatever the wake callback takes (the HTTP stream's lock).
 * hub->mu only guards the kick flag and the thread's sleep; it nests with
 * nothing, so a writer calling stream_kick() never waits for a fan-out.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "app/stream.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/timeutil.h"
#include "store/store_event.h"
#include "lib/banned.h"

#define FRAME_MAX (64u << 10)         /* a row's frame: notes are at most 6 KB */

/* One encoded SSE frame, shared by every queue it sits in. */
struct frame {
	_Atomic int refs;
	size_t len;
	char data[];
};

struct stream_client {
	struct stream_hub *hub;
	_Atomic int refs;                 /* the connection's, plus a waker's for a moment */
	pthread_mutex_t mu;
	struct stream_scope scope;
	struct stream_owner owner;        /* account, or wall display */
	int64_t cursor;                   /* last row queued or passed over */
	int64_t seen_head;                /* hub head at the last catch-up check */
	int live;                         /* fed by the hub; else reads its backlog */
	int dead;                         /* too slow: end after the frame being sent */
	int closed;                       /* connection gone: wake no more */
	int ending;                       /* credential ended: send what is queued, then end */
	int listed;                       /* in hub->clients */
	struct frame *q[STREAM_QUEUE_FRAMES]; /* ring of queued frames */
	unsigned qhead, qn;
	size_t qbytes;
	size_t off;                       /* bytes of q[qhead] already sent */
	void (*wake)(void *);
	void *wake_ctx;
	struct stream_client *prev, *next;
};

struct stream_hub {
	struct db *db;                    /* the reader's own connection */
	struct db_pool *pool;             /* lent to clients reading a backlog */
	struct stream_opts o;
	pthread_t thread;
	int has_thread;

	pthread_mutex_t mu;               /* kick and stop */
	pthread_cond_t cv;
	int kicked, stop;

	pthread_mutex_t clients_mu;       /* below */
	struct stream_client *clients;
	int nclients;
	int64_t head;                     /* last row fanned out */
	_Atomic int64_t head_pub;         /* head, for stream_kick without the lock */

	struct stream_client **wakes;     /* scratch: clients to wake after a fan-out */
	int wakes_cap;

	_Atomic uint64_t n_frames, n_rows, n_dropped, n_rejected, n_errors;
	_Atomic int n_open;
};

/* --------------------------------------------------------------- frames */

int stream_frame_encode(struct buf *b, int64_t id, const char *event, const char *data)
{
	int rc = 0;

	if (data && strpbrk(data, "\r\n"))
		return -1;
	if (event && strpbrk(event, "\r\n"))
		return -1;
	if (id >= 0)
		rc |= buf_printf(b, "id: %lld\n", (long long)id);
	if (event)
		rc |= buf_printf(b, "event: %s\n", event);
	if (data) {
		rc |= buf_adds(b, "data: ");
		rc |= buf_adds(b, data);
		rc |= buf_adds(b, "\n");
	}
	rc |= buf_adds(b, "\n");
	return rc ? -1 : 0;
}

static struct frame *frame_new(const char *data, size_t len)
{
	struct frame *f = malloc(sizeof(*f) + len);

	if (!f)
		return NULL;
	atomic_init(&f->refs, 1);
	f->len = len;
	memcpy(f->data, data, len);
	return f;
}

static void frame_unref(struct frame *f)
{
	if (f && atomic_fetch_sub(&f->refs, 1) == 1)
		free(f);
}

/* A string, or null (NULL input, or text jansson refuses). */
static json_t *jstr(const char *s)
{
	json_t *j = s ? json_string(s) : NULL;
	return j ? j : json_null();
}

json_t *stream_row_json(const struct event_stream_rec *r, enum stream_view view)
{
	const struct event_log_rec *l = &r->log;
	json_t *ev = json_object(), *j = json_object();
	int public_view = view == STREAM_VIEW_PUBLIC, display_view = view == STREAM_VIEW_DISPLAY;

	if (!ev || !j) {
		json_decref(ev);
		json_decref(j);
		return NULL;
	}
	json_object_set_new(ev, "id", json_integer(l->event_id));
	json_object_set_new(ev, "category", jstr(r->category));
	json_object_set_new(ev, "category_name", jstr(r->category_name));
	json_object_set_new(ev, "title", jstr(r->title));
	json_object_set_new(ev, "status", jstr(r->status));
	if (!public_view) {
		json_object_set_new(ev, "urgency", json_integer(r->urgency));
		json_object_set_new(ev, "lon", json_real(r->lon));
		json_object_set_new(ev, "lat", json_real(r->lat));
		json_object_set_new(ev, "loop", jstr(r->loop));
		json_object_set_new(ev, "warning", json_integer(r->warning));
		json_object_set_new(ev, "source", jstr(r->source));
	}
	json_object_set_new(j, "id", json_integer(l->id));
	json_object_set_new(j, "event_id", json_integer(l->event_id));
	json_object_set_new(j, "at", json_integer(l->at));
	json_object_set_new(j, "action", jstr(l->action));
	json_object_set_new(j, "from_status", jstr(l->from_status));
	json_object_set_new(j, "to_status", jstr(l->to_status));
	json_object_set_new(j, "public", json_boolean(l->public_step));
	if (!public_view && !display_view) {
		json_object_set_new(j, "actor", jstr(l->actor_name));
		json_object_set_new(j, "role", jstr(l->role));
		json_object_set_new(j, "unit_code", jstr(l->unit_code));
		json_object_set_new(j, "note", jstr(l->note));
	}
	if (!public_view)
		json_object_set_new(j, "grid_code", jstr(l->grid_code));
	if (!public_view && !display_view)
		json_object_set_new(j, "dept_code", jstr(l->dept_code));
	json_object_set_new(j, "event", ev);
	return j;
}

/* The frame of one row for one view; NULL when out of memory. */
static struct frame *row_frame(const struct event_stream_rec *r, enum stream_view view)
{
	json_t *j = stream_row_json(r, view);
	char *s = j ? json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(15)) : NULL;
	struct frame *f = NULL;
	struct buf b;

	json_decref(j);
	buf_init(&b, FRAME_MAX);
	if (s && stream_frame_encode(&b, r->log.id, "event", s) == 0)
		f = frame_new(b.data, b.len);
	buf_release(&b);
	free(s);
	return f;
}

/* -------------------------------------------------------------- clients */

/* Queue f on c (c->mu held). Past the bounds a live client is dropped
 * (soft = 0) or, catching up (soft = 1), simply not given more now. */
static int client_push(struct stream_client *c, struct frame *f, int soft)
{
	if (c->qn >= STREAM_QUEUE_FRAMES || c->qbytes + f->len > STREAM_QUEUE_BYTES) {
		if (!soft && !c->dead) {
			c->dead = 1;
			atomic_fetch_add(&c->hub->n_dropped, 1);
		}
		return -1;
	}
	atomic_fetch_add(&f->refs, 1);
	c->q[(c->qhead + c->qn) % STREAM_QUEUE_FRAMES] = f;
	c->qn++;
	c->qbytes += f->len;
	atomic_fetch_add(&c->hub->n_frames, 1);
	return 0;
}

static void client_pop(struct stream_client *c)
{
	struct frame *f = c->q[c->qhead];

	c->q[c->qhead] = NULL;
	c->qhead = (c->qhead + 1) % STREAM_QUEUE_FRAMES;
	c->qn--;
	c->qbytes -= f->len;
	c->off = 0;
	frame_unref(f);
}

static void client_unref(struct stream_client *c)
{
	if (atomic_fetch_sub(&c->refs, 1) != 1)
		return;
	while (c->qn)
		client_pop(c);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Wake c's connection unless it is gone (c->mu not held). */
static void client_wake(struct stream_client *c)
{
	pthread_mutex_lock(&c->mu);
	if (!c->closed && c->wake)
		c->wake(c->wake_ctx);
	pthread_mutex_unlock(&c->mu);
}

/* Copy queued bytes into buf (c->mu held). A dropped client only finishes
 * the frame it is in the middle of. */
static size_t client_copy(struct stream_client *c, char *buf, size_t max)
{
	size_t n = 0;

	if (c->dead && c->off == 0) {
		while (c->qn)
			client_pop(c);
		return 0;
	}
	while (c->qn && n < max) {
		struct frame *f = c->q[c->qhead];
		size_t k = f->len - c->off;
		if (k > max - n)
			k = max - n;
		memcpy(buf + n, f->data + c->off, k);
		n += k;
		c->off += k;
		if (c->off == f->len) {
			client_pop(c);
			if (c->dead)
				break;
		}
	}
	return n;
}

struct catchup {
	struct stream_client *c;
	int64_t last;                     /* last row queued or passed over */
	int nrows;
	int full;                         /* the queue is full: continue later */
};

static int catchup_row(void *ctx, const struct event_stream_rec *r)
{
	struct catchup *cu = ctx;
	struct stream_client *c = cu->c;
	enum stream_view v = stream_scope_view(&c->scope, r->log.grid_code, r->log.dept_code,
	                                       r->log.public_step, r->reporter_id);

	if (v != STREAM_VIEW_NONE) {
		struct frame *f = row_frame(r, v);
		int rc;
		if (!f)
			return -1;
		pthread_mutex_lock(&c->mu);
		rc = c->ending ? -1 : client_push(c, f, 1);
		pthread_mutex_unlock(&c->mu);
		frame_unref(f);
		if (rc < 0) {
			cu->full = 1;
			return 1;
		}
	}
	cu->last = r->log.id;
	cu->nrows++;
	return 0;
}

/* One step of a resuming client's backlog: queue the next rows after its
 * cursor from the database, and switch it to the live feed once its cursor
 * has reached the hub's head. Runs on the client's connection thread, which
 * is the only one touching a client that is not live. -1 on a database
 * error (the stream then ends; the client resumes later). */
static int catch_up(struct stream_client *c)
{
	struct stream_hub *h = c->hub;
	struct catchup cu = {c, c->cursor, 0, 0};
	struct db *db = db_pool_get(h->pool);
	struct err e = ERR_INIT;
	int rc = store_event_stream_since(db, c->cursor, STREAM_BATCH, catchup_row, &cu, &e);

	db_pool_put(h->pool, db);
	if (rc < 0) {
		log_warn("stream: backlog read failed: %s", e.msg_en[0] ? e.msg_en : "out of memory");
		atomic_fetch_add(&h->n_errors, 1);
		return -1;
	}
	pthread_mutex_lock(&h->clients_mu);
	pthread_mutex_lock(&c->mu);
	/* nothing after the cursor although the hub had gone further: those
	 * rows are gone (deleted), skip to where the hub was */
	if (cu.nrows == 0 && !cu.full && cu.last < c->seen_head)
		cu.last = c->seen_head;
	c->cursor = cu.last;
	/* Every row up to head has been fanned out (under clients_mu) and was
	 * visible to the query above, which ran after head was read: from here
	 * the hub's fan-out continues exactly after the cursor. */
	if (c->cursor >= h->head)
		c->live = 1;
	c->seen_head = h->head;
	pthread_mutex_unlock(&c->mu);
	pthread_mutex_unlock(&h->clients_mu);
	return 0;
}

ssize_t stream_client_read(struct stream_client *c, char *buf, size_t max)
{
	for (;;) {
		size_t n;
		pthread_mutex_lock(&c->mu);
		n = client_copy(c, buf, max);
		if (n > 0 || c->dead || c->live || c->ending) {
			ssize_t r = n > 0 ? (ssize_t)n : (c->dead || c->ending ? -1 : 0);
			pthread_mutex_unlock(&c->mu);
			return r;
		}
		pthread_mutex_unlock(&c->mu);
		if (catch_up(c) < 0)
			return -1;
	}
}

void stream_client_set_wake(struct stream_client *c, void (*wake)(void *), void *wake_ctx)
{
	pthread_mutex_lock(&c->mu);
	c->wake = wake;
	c->wake_ctx = wake_ctx;
	pthread_mutex_unlock(&c->mu);
}

int stream_client_open(struct stream_hub *h, const struct stream_scope *scope,
                       const struct stream_owner *owner, int64_t last_event_id,
                       struct stream_client **out, struct err *e)
{
	struct stream_client *c;
	struct db *db;
	struct buf b;
	json_t *j;
	char *data;
	struct frame *f = NULL;
	int64_t dbhead = 0;
	int same = 0, rc, ret = -1;

	db = db_pool_get(h->pool);
	rc = store_event_log_last_id(db, &dbhead, e);
	db_pool_put(h->pool, db);
	if (rc < 0)
		return -1;
	if (!(c = calloc(1, sizeof(*c))))
		return err_set(e, 500, "internal.oom", "内存不足", "out of memory");
	c->hub = h;
	atomic_init(&c->refs, 1);
	pthread_mutex_init(&c->mu, NULL);
	c->scope = *scope;
	c->owner = *owner;

	/* the first frame: reconnection delay, then hello (or reset) */
	buf_init(&b, 4096);
	buf_printf(&b, "retry: %d\n", STREAM_RETRY_MS);
	if (last_event_id < 0) {
		c->cursor = dbhead;
		j = json_pack("{s:I}", "head", (json_int_t)dbhead);
		data = j ? json_dumps(j, JSON_COMPACT) : NULL;
		rc = data ? stream_frame_encode(&b, dbhead, "hello", data) : -1;
	} else if (last_event_id > dbhead || dbhead - last_event_id > STREAM_BACKLOG_MAX) {
		/* from another database, or too far behind to replay: start over */
		c->cursor = dbhead;
		j = json_pack("{s:I, s:I, s:s}", "head", (json_int_t)dbhead,
		              "last_event_id", (json_int_t)last_event_id,
		              "reason", last_event_id > dbhead ? "unknown_id" : "too_far_behind");
		data = j ? json_dumps(j, JSON_COMPACT) : NULL;
		rc = data ? stream_frame_encode(&b, dbhead, "reset", data) : -1;
	} else {
		c->cursor = last_event_id;
		j = json_pack("{s:I, s:I}", "head", (json_int_t)dbhead,
		              "last_event_id", (json_int_t)last_event_id);
		data = j ? json_dumps(j, JSON_COMPACT) : NULL;
		rc = data ? stream_frame_encode(&b, -1, "hello", data) : -1;
	}
	json_decref(j);
	free(data);
	if (rc < 0 || !(f = frame_new(b.data, b.len))) {
		err_set(e, 500, "internal.oom", "内存不足", "out of memory");
		goto out;
	}
	client_push(c, f, 1);

	pthread_mutex_lock(&h->clients_mu);
	for (struct stream_client *o = h->clients; o; o = o->next)
		same += o->owner.account_id == owner->account_id && o->owner.display_id == owner->display_id;
	if (h->nclients >= h->o.max_clients) {
		pthread_mutex_unlock(&h->clients_mu);
		atomic_fetch_add(&h->n_rejected, 1);
		err_set(e, 503, "stream.busy", "实时推送连接数已满，请稍后重试",
		        "too many live streams on this server, retry later");
		goto out;
	}
	if (same >= h->o.max_per_account) {
		pthread_mutex_unlock(&h->clients_mu);
		atomic_fetch_add(&h->n_rejected, 1);
		err_set(e, 429, "stream.too_many", "该账号打开的实时推送连接过多（最多 %d 个）",
		        "too many live streams for this account (at most %d)", h->o.max_per_account);
		goto out;
	}
	c->seen_head = h->head;
	if (c->cursor >= h->head)
		c->live = 1;             /* nothing to read back: the hub feeds it from here */
	c->next = h->clients;
	if (h->clients)
		h->clients->prev = c;
	h->clients = c;
	c->listed = 1;
	h->nclients++;
	atomic_store(&h->n_open, h->nclients);
	pthread_mutex_unlock(&h->clients_mu);
	*out = c;
	c = NULL;
	ret = 0;
out:
	buf_release(&b);
	frame_unref(f);
	if (c)
		client_unref(c);
	return ret;
}

void stream_client_close(struct stream_client *c)
{
	struct stream_hub *h = c->hub;

	pthread_mutex_lock(&h->clients_mu);
	if (c->listed) {
		if (c->prev)
			c->prev->next = c->next;
		else
			h->clients = c->next;
		if (c->next)
			c->next->prev = c->prev;
		c->listed = 0;
		h->nclients--;
		atomic_store(&h->n_open, h->nclients);
	}
	pthread_mutex_unlock(&h->clients_mu);
	pthread_mutex_lock(&c->mu);
	c->closed = 1;
	pthread_mutex_unlock(&c->mu);
	client_unref(c);
}

/* ------------------------------------------------------------------ hub */

/* A row as the fan-out needs it: its scope facts and its frames. */
struct batch_row {
	int64_t id;
	char grid[STREAM_CODE_MAX];
	char dept[STREAM_CODE_MAX];
	int public_step;
	int64_t reporter_id;
	struct frame *full, *disp, *pub;  /* pub only for public rows with a reporter */
};

struct batch {
	struct batch_row rows[STREAM_BATCH];
	int n;
};

static int batch_row(void *ctx, const struct event_stream_rec *r)
{
	struct batch *bt = ctx;
	struct batch_row *br = &bt->rows[bt->n];

	memset(br, 0, sizeof(*br));
	br->id = r->log.id;
	str_copy(br->grid, sizeof(br->grid), r->log.grid_code ? r->log.grid_code : "");
	str_copy(br->dept, sizeof(br->dept), r->log.dept_code ? r->log.dept_code : "");
	br->public_step = r->log.public_step;
	br->reporter_id = r->reporter_id;
	if (!(br->full = row_frame(r, STREAM_VIEW_FULL)))
		return -1;
	if (!(br->disp = row_frame(r, STREAM_VIEW_DISPLAY))) {
		frame_unref(br->full);
		return -1;
	}
	if (br->public_step && br->reporter_id && !(br->pub = row_frame(r, STREAM_VIEW_PUBLIC))) {
		frame_unref(br->full);
		frame_unref(br->disp);
		return -1;
	}
	bt->n++;
	return 0;
}

static void batch_release(struct batch *bt)
{
	for (int i = 0; i < bt->n; i++) {
		frame_unref(bt->rows[i].full);
		frame_unref(bt->rows[i].disp);
		frame_unref(bt->rows[i].pub);
	}
	bt->n = 0;
}

/* Room in the scratch list for every client (clients_mu held). */
static int wakes_reserve(struct stream_hub *h)
{
	if (h->wakes_cap >= h->nclients)
		return 0;
	int cap = h->nclients + 64;
	struct stream_client **w = realloc(h->wakes, (size_t)cap * sizeof(*w));
	if (!w)
		return -1;
	h->wakes = w;
	h->wakes_cap = cap;
	return 0;
}

/* Wake the clients collected by a fan-out and drop their extra reference
 * (clients_mu no longer held). */
static void wake_all(struct stream_hub *h, int n)
{
	for (int i = 0; i < n; i++) {
		client_wake(h->wakes[i]);
		client_unref(h->wakes[i]);
	}
}

/* Queue a batch on every live client that may see its rows; advance head. */
static void fan_out(struct stream_hub *h, struct batch *bt)
{
	int nwake = 0;
	int64_t last = bt->rows[bt->n - 1].id;

	pthread_mutex_lock(&h->clients_mu);
	if (wakes_reserve(h) < 0)      /* out of memory: those not woken now are at the next ping */
		log_warn("stream: out of memory, some clients are woken late");
	for (struct stream_client *c = h->clients; c; c = c->next) {
		int pushed = 0;
		pthread_mutex_lock(&c->mu);
		if (c->live && !c->dead && !c->ending) {
			for (int i = 0; i < bt->n && !c->dead; i++) {
				struct batch_row *br = &bt->rows[i];
				enum stream_view v;
				if (br->id <= c->cursor)
					continue;
				v = stream_scope_view(&c->scope, br->grid, br->dept, br->public_step,
				                      br->reporter_id);
				if (v == STREAM_VIEW_FULL)
					pushed += client_push(c, br->full, 0) == 0;
				else if (v == STREAM_VIEW_DISPLAY)
					pushed += client_push(c, br->disp, 0) == 0;
				else if (v == STREAM_VIEW_PUBLIC && br->pub)
					pushed += client_push(c, br->pub, 0) == 0;
			}
			if (c->cursor < last)
				c->cursor = last;
			if ((pushed || c->dead) && nwake < h->wakes_cap) {
				atomic_fetch_add(&c->refs, 1);
				h->wakes[nwake++] = c;
			}
		}
		pthread_mutex_unlock(&c->mu);
	}
	h->head = last;
	atomic_store(&h->head_pub, last);
	pthread_mutex_unlock(&h->clients_mu);
	atomic_fetch_add(&h->n_rows, (uint64_t)bt->n);
	wake_all(h, nwake);
}

/* With no client listening, move head to the newest row without reading
 * the rows (building three frames a row cost the hub ~40 µs of CPU a
 * report under intake load, for nobody). A client opening meanwhile is
 * seen under clients_mu and the rows are read as usual; one opening after
 * head moved on reads what it missed from its own cursor (catch_up).
 * Returns 1 when head was moved (or nothing was to be done), 0 when there
 * are clients. */
static int hub_skip_unheard(struct stream_hub *h)
{
	struct err e = ERR_INIT;
	int64_t last = 0;
	int idle;

	pthread_mutex_lock(&h->clients_mu);
	idle = h->nclients == 0;
	pthread_mutex_unlock(&h->clients_mu);
	if (!idle)
		return 0;
	if (store_event_log_last_id(h->db, &last, &e) < 0) {
		atomic_fetch_add(&h->n_errors, 1);
		log_warn("stream: reading the head failed: %s", e.msg_en[0] ? e.msg_en : "out of memory");
		return 1;                 /* the next kick or poll tries again */
	}
	pthread_mutex_lock(&h->clients_mu);
	idle = h->nclients == 0;
	if (idle && last > h->head) {
		h->head = last;
		atomic_store(&h->head_pub, last);
	}
	pthread_mutex_unlock(&h->clients_mu);
	return idle;
}

/* Read and fan out every row after head. */
static void hub_drain(struct stream_hub *h, struct batch *bt)
{
	if (hub_skip_unheard(h))
		return;
	for (;;) {
		struct err e = ERR_INIT;
		int rc = store_event_stream_since(h->db, h->head, STREAM_BATCH, batch_row, bt, &e);
		if (rc < 0) {
			batch_release(bt);
			atomic_fetch_add(&h->n_errors, 1);
			log_warn("stream: reading new rows failed: %s",
			         e.msg_en[0] ? e.msg_en : "out of memory");
			return;           /* the next kick or poll tries again */
		}
		if (bt->n == 0)
			return;
		int more = bt->n == STREAM_BATCH;
		fan_out(h, bt);
		batch_release(bt);
		if (!more)
			return;
	}
}

/* Heartbeat: a comment line keeps proxies from closing an idle stream and
 * lets the server notice clients that are gone; its id line moves each
 * client's Last-Event-ID to its cursor, so that a resume after a quiet
 * spell scans only the rows since. */
static void hub_ping(struct stream_hub *h)
{
	int nwake = 0;

	pthread_mutex_lock(&h->clients_mu);
	if (wakes_reserve(h) == 0) {
		for (struct stream_client *c = h->clients; c; c = c->next) {
			char line[64];
			struct frame *f;
			int n;
			pthread_mutex_lock(&c->mu);
			if (c->ending) {       /* ended (a display revoked): make sure it hears */
				atomic_fetch_add(&c->refs, 1);
				h->wakes[nwake++] = c;
			} else if (c->live && !c->dead) {
				n = snprintf(line, sizeof(line), ": ping\nid: %lld\n\n", (long long)c->cursor);
				if ((f = frame_new(line, (size_t)n))) {
					client_push(c, f, 0);
					frame_unref(f);
					atomic_fetch_add(&c->refs, 1);
					h->wakes[nwake++] = c;
				}
			}
			pthread_mutex_unlock(&c->mu);
		}
	}
	pthread_mutex_unlock(&h->clients_mu);
	wake_all(h, nwake);
}

static uint64_t mono_ms(void)
{
	return time_mono_us() / 1000u;
}

static void *hub_loop(void *arg)
{
	pthread_setname_np(pthread_self(), "wg-stream");
	struct stream_hub *h = arg;
	struct batch *bt = malloc(sizeof(*bt));
	uint64_t next_poll = mono_ms() + h->o.poll_ms, next_ping = mono_ms() + h->o.ping_ms;

	if (!bt) {
		log_error("stream: out of memory, the live stream is off");
		return NULL;
	}
	bt->n = 0;
	for (;;) {
		uint64_t now;
		pthread_mutex_lock(&h->mu);
		while (!h->stop && !h->kicked && (now = mono_ms()) < next_poll && now < next_ping) {
			uint64_t until = next_poll < next_ping ? next_poll : next_ping;
			struct timespec ts;
			clock_gettime(CLOCK_MONOTONIC, &ts);
			uint64_t wait = until - now;
			ts.tv_sec += (time_t)(wait / 1000);
			ts.tv_nsec += (long)(wait % 1000) * 1000000L;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&h->cv, &h->mu, &ts);
		}
		if (h->stop) {
			pthread_mutex_unlock(&h->mu);
			break;
		}
		h->kicked = 0;
		pthread_mutex_unlock(&h->mu);
		hub_drain(h, bt);
		now = mono_ms();
		next_poll = now + h->o.poll_ms;
		if (now >= next_ping) {
			hub_ping(h);
			next_ping = now + h->o.ping_ms;
		}
	}
	free(bt);
	return NULL;
}

struct stream_hub *stream_hub_new(const char *db_url, struct db_pool *pool,
                                  const struct stream_opts *o, struct err *e)
{
	struct stream_hub *h = calloc(1, sizeof(*h));
	pthread_condattr_t ca;
	int64_t head = 0;

	if (!h) {
		err_set(e, 500, "internal.oom", "内存不足", "out of memory");
		return NULL;
	}
	h->pool = pool;
	h->o = *o;
	if (h->o.max_clients <= 0)
		h->o.max_clients = 2000;
	if (h->o.max_per_account <= 0)
		h->o.max_per_account = 20;
	if (!h->o.poll_ms)
		h->o.poll_ms = STREAM_POLL_MS;
	if (!h->o.ping_ms)
		h->o.ping_ms = STREAM_PING_MS;
	pthread_mutex_init(&h->mu, NULL);
	pthread_mutex_init(&h->clients_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* start at the current head: the stream shows what happens from now */
	if (db_open(db_url, &h->db, e) < 0 || store_event_log_last_id(h->db, &head, e) < 0)
		goto fail;
	h->head = head;
	atomic_store(&h->head_pub, head);
	if (pthread_create(&h->thread, NULL, hub_loop, h) != 0) {
		err_set(e, 500, "app.thread", "无法启动线程", "cannot start the stream thread");
		goto fail;
	}
	h->has_thread = 1;
	return h;
fail:
	db_close(h->db);
	pthread_mutex_destroy(&h->mu);
	pthread_mutex_destroy(&h->clients_mu);
	pthread_cond_destroy(&h->cv);
	free(h);
	return NULL;
}

void stream_hub_free(struct stream_hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->stop = 1;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
	if (h->has_thread)
		pthread_join(h->thread, NULL);
	if (h->nclients)
		log_warn("stream: %d clients still open at shutdown", h->nclients);
	db_close(h->db);
	free(h->wakes);
	pthread_mutex_destroy(&h->mu);
	pthread_mutex_destroy(&h->clients_mu);
	pthread_cond_destroy(&h->cv);
	free(h);
}

void stream_kick(struct stream_hub *h, int64_t last_log_id)
{
	if (!h || (last_log_id > 0 && last_log_id <= atomic_load(&h->head_pub)))
		return;                   /* already sent (our own commit, notified back) */
	pthread_mutex_lock(&h->mu);
	h->kicked = 1;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

void stream_on_notify(void *ctx, const char *channel, const char *payload)
{
	int64_t id = 0;

	if (!payload || parse_int64(payload, 0, INT64_MAX, &id) < 0)
		id = 0;                   /* unreadable: just look */
	stream_kick(ctx, id);
}

/* End the streams whose owner matches: each gets the frame `bye` (event:
 * revoked) and then ends. Returns how many. */
static int end_streams(struct stream_hub *h, int (*match)(const struct stream_owner *, const void *),
                       const void *ctx, const char *bye, size_t bye_len)
{
	struct frame *f;
	int nwake = 0, n = 0;

	if (!h || !(f = frame_new(bye, bye_len)))
		return 0;
	pthread_mutex_lock(&h->clients_mu);
	if (wakes_reserve(h) < 0)          /* out of memory: those not woken end at the next ping */
		log_warn("stream: out of memory, some ended streams are woken late");
	for (struct stream_client *c = h->clients; c; c = c->next) {
		if (!match(&c->owner, ctx))
			continue;
		pthread_mutex_lock(&c->mu);
		if (!c->ending && !c->dead) {
			c->ending = 1;
			if (client_push(c, f, 1) < 0)
				c->dead = 1;           /* no room for the last word: just end */
			n++;
			if (nwake < h->wakes_cap) {
				atomic_fetch_add(&c->refs, 1);
				h->wakes[nwake++] = c;
			}
		}
		pthread_mutex_unlock(&c->mu);
	}
	pthread_mutex_unlock(&h->clients_mu);
	frame_unref(f);
	wake_all(h, nwake);
	return n;
}

struct display_match {
	int64_t id;
	const char *keep_tag;
};

static int is_display(const struct stream_owner *o, const void *ctx)
{
	const struct display_match *m = ctx;

	return o->display_id == m->id &&
	       !(m->keep_tag && *m->keep_tag && !strcmp(o->display_tag, m->keep_tag));
}

int stream_end_display(struct stream_hub *h, int64_t display_id, const char *keep_tag)
{
	static const char bye[] = "event: revoked\ndata: {\"reason\":\"display_ended\"}\n\n";
	struct display_match m = {display_id, keep_tag};

	if (display_id <= 0)
		return 0;
	return end_streams(h, is_display, &m, bye, sizeof(bye) - 1);
}

static int is_account(const struct stream_owner *o, const void *ctx)
{
	return o->account_id == *(const int64_t *)ctx;
}

int stream_end_account(struct stream_hub *h, int64_t account_id)
{
	static const char bye[] = "event: revoked\ndata: {\"reason\":\"session_ended\"}\n\n";

	if (account_id <= 0)
		return 0;
	return end_streams(h, is_account, &account_id, bye, sizeof(bye) - 1);
}

int stream_hub_metrics(struct stream_hub *h, struct buf *b)
{
	if (!h)
		return 0;
	return buf_printf(b,
		"# HELP wangge_stream_clients Live stream clients connected to this instance.\n"
		"# TYPE wangge_stream_clients gauge\n"
		"wangge_stream_clients %d\n"
		"# HELP wangge_stream_head_id Last event_log id fanned out.\n"
		"# TYPE wangge_stream_head_id gauge\n"
		"wangge_stream_head_id %lld\n"
		"# HELP wangge_stream_rows_total Timeline rows read by the hub.\n"
		"# TYPE wangge_stream_rows_total counter\n"
		"wangge_stream_rows_total %llu\n"
		"# HELP wangge_stream_frames_total Frames queued to clients.\n"
		"# TYPE wangge_stream_frames_total counter\n"
		"wangge_stream_frames_total %llu\n"
		"# HELP wangge_stream_dropped_total Clients dropped for falling too far behind.\n"
		"# TYPE wangge_stream_dropped_total counter\n"
		"wangge_stream_dropped_total %llu\n"
		"# HELP wangge_stream_rejected_total Streams refused by the per-instance or per-account limit.\n"
		"# TYPE wangge_stream_rejected_total counter\n"
		"wangge_stream_rejected_total %llu\n"
		"# HELP wangge_stream_errors_total Database reads of the stream that failed.\n"
		"# TYPE wangge_stream_errors_total counter\n"
		"wangge_stream_errors_total %llu\n",
		atomic_load(&h->n_open), (long long)atomic_load(&h->head_pub),
		(unsigned long long)atomic_load(&h->n_rows), (unsigned long long)atomic_load(&h->n_frames),
		(unsigned long long)atomic_load(&h->n_dropped), (unsigned long long)atomic_load(&h->n_rejected),
		(unsigned long long)atomic_load(&h->n_errors));
}
