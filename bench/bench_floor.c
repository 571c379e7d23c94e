/*
 * bench_floor.c - the floor under report intake (docs/performance.md,
 * "Report intake"): the bare prototype the issue measures against —
 * libmicrohttpd's thread pool, jansson parsing the body, and one row
 * inserted into SQLite per request behind one connection and a mutex — with
 * none of wangge (no log-in, scope, locate, event row with its indexes,
 * timeline, KPI counters, audit, near-duplicates or reply of the event).
 * bench/intake-floor runs wrk against it with bench/intake.lua, so that the
 * machine's ceiling is measured in the same run, under the same load, as
 * wangge's own figure.
 *
 *   bench_floor --db FILE [--port P] [--threads T] [--sync normal|full]
 *               [--batch]
 *
 * --sync: SQLite synchronous (WAL): normal (no fsync per commit) or full.
 * --batch: requests wait for a group commit (one writer thread, one fsync a
 * batch), as wangge's writer does; otherwise each request commits alone.
 */
#include <getopt.h>
#include <microhttpd.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct body {
	char *p;
	size_t n;
};

static sqlite3 *db;
static sqlite3_stmt *ins;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER, done = PTHREAD_COND_INITIALIZER;
static int batch_mode;
static unsigned long long queued, committed;   /* jobs (batch mode) */

struct job {
	const char *desc;
	double lon, lat;
	long long id;
	struct job *next;
};
static struct job *head, *tail;

static long long insert_row(const char *desc, double lon, double lat)
{
	long long id = -1;

	sqlite3_bind_text(ins, 1, desc, -1, SQLITE_TRANSIENT);
	sqlite3_bind_double(ins, 2, lon);
	sqlite3_bind_double(ins, 3, lat);
	if (sqlite3_step(ins) == SQLITE_DONE)
		id = sqlite3_last_insert_rowid(db);
	sqlite3_reset(ins);
	return id;
}

static void *writer(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&mu);
	for (;;) {
		struct job *b;
		unsigned long long n = 0;

		while (!head)
			pthread_cond_wait(&work, &mu);
		b = head;
		head = tail = NULL;
		pthread_mutex_unlock(&mu);
		sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
		for (struct job *j = b; j; j = j->next, n++)
			j->id = insert_row(j->desc, j->lon, j->lat);
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		pthread_mutex_lock(&mu);
		committed += n;
		pthread_cond_broadcast(&done);
	}
	return NULL;
}

static long long store(const char *desc, double lon, double lat)
{
	long long id;

	if (!batch_mode) {
		pthread_mutex_lock(&mu);
		id = insert_row(desc, lon, lat);
		pthread_mutex_unlock(&mu);
		return id;
	}
	struct job j = {desc, lon, lat, -1, NULL};
	unsigned long long mine;

	pthread_mutex_lock(&mu);
	if (tail)
		tail->next = &j;
	else
		head = &j;
	tail = &j;
	mine = ++queued;
	pthread_cond_signal(&work);
	while (committed < mine)
		pthread_cond_wait(&done, &mu);
	pthread_mutex_unlock(&mu);
	return j.id;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
	                                                         MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	MHD_add_response_header(r, "Content-Type", "application/json");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *data,
                                  size_t *size, void **con_cls)
{
	struct body *b = *con_cls;
	json_t *j;
	json_error_t err;
	char out[64];
	long long id;

	(void)cls, (void)url, (void)version;
	if (!b) {
		if (!(b = calloc(1, sizeof(*b))))
			return MHD_NO;
		*con_cls = b;
		return MHD_YES;
	}
	if (*size) {
		char *p = realloc(b->p, b->n + *size + 1);

		if (!p)
			return MHD_NO;
		memcpy(p + b->n, data, *size);
		b->p = p;
		b->n += *size;
		b->p[b->n] = '\0';
		*size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST") || !b->p || !(j = json_loadb(b->p, b->n, 0, &err)))
		return reply(c, 400, "{\"error\":\"bad request\"}");
	id = store(json_string_value(json_object_get(j, "description")),
	           json_number_value(json_object_get(j, "lon")), json_number_value(json_object_get(j, "lat")));
	json_decref(j);
	if (id < 0)
		return reply(c, 500, "{\"error\":\"insert failed\"}");
	snprintf(out, sizeof(out), "{\"id\":%lld}", id);
	return reply(c, 201, out);
}

static void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct body *b = *con_cls;

	(void)cls, (void)c, (void)t;
	if (b) {
		free(b->p);
		free(b);
		*con_cls = NULL;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'}, {"port", required_argument, NULL, 'p'},
		{"threads", required_argument, NULL, 't'}, {"sync", required_argument, NULL, 's'},
		{"batch", no_argument, NULL, 'b'}, {NULL, 0, NULL, 0},
	};
	const char *path = NULL, *sync = "normal";
	unsigned port = 0, threads = 2;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	char pragma[64];
	sigset_t sigs;
	pthread_t wt;
	int opt, sig;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': path = optarg; break;
		case 'p': port = (unsigned)atoi(optarg); break;
		case 't': threads = (unsigned)atoi(optarg); break;
		case 's': sync = optarg; break;
		case 'b': batch_mode = 1; break;
		default: goto usage;
		}
	}
	if (!path || (strcmp(sync, "normal") && strcmp(sync, "full")) || threads < 1)
		goto usage;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return fprintf(stderr, "bench_floor: cannot open %s\n", path), 1;
	snprintf(pragma, sizeof(pragma), "PRAGMA synchronous=%s", sync);
	sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
	sqlite3_exec(db, pragma, NULL, NULL, NULL);
	sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS report (id INTEGER PRIMARY KEY, description TEXT,"
	                 " lon REAL, lat REAL)", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(db, "INSERT INTO report (description, lon, lat) VALUES (?, ?, ?)", -1, &ins,
	                       NULL) != SQLITE_OK)
		return fprintf(stderr, "bench_floor: %s\n", sqlite3_errmsg(db)), 1;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (batch_mode && pthread_create(&wt, NULL, writer, NULL) != 0)
		return 1;
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL, (uint16_t)port, NULL, NULL,
	                     on_request, NULL, MHD_OPTION_THREAD_POOL_SIZE, threads,
	                     MHD_OPTION_NOTIFY_COMPLETED, on_done, NULL, MHD_OPTION_CONNECTION_LIMIT, 10000u,
	                     MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_END);
	if (!d)
		return fprintf(stderr, "bench_floor: cannot listen\n"), 1;
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("listening on http://127.0.0.1:%u/\n", info ? info->port : port);
	fflush(stdout);
	sigwait(&sigs, &sig);
	MHD_stop_daemon(d);
	sqlite3_finalize(ins);
	sqlite3_close(db);
	return 0;
usage:
	fprintf(stderr, "usage: bench_floor --db FILE [--port P] [--threads T] [--sync normal|full] [--batch]\n");
	return 2;
}
