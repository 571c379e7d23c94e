/*
 * bench_sse.c - the server side of bench/sse: `wangge serve` in-process
 * (the same app, routes, guard and stream hub) plus a committer that writes
 * timeline rows the way the event writer does: one transaction per row,
 * then stream_kick() with the row's id (and, on PostgreSQL, a NOTIFY on
 * STREAM_CHANNEL inside the transaction, as every other instance needs).
 * Each row's note holds the wall-clock time (ms) taken just before its
 * transaction began, so a client's delay "commit -> receipt" includes the
 * commit itself.
 *
 *   bench_sse --db URL [--port P] [--threads T] --clients N --rows R
 *             [--interval-ms MS] [--grid CODE]
 *
 * It prints "listening on http://127.0.0.1:P/" (bench/sse starts the
 * clients then), waits until N streams are open, commits R rows MS apart,
 * waits 2 s and exits.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>
#include "api/api.h"
#include "app/app.h"
#include "app/cluster.h"
#include "app/stream.h"
#include "http/server.h"
#include "lib/str.h"
#include "store/store_event.h"

static double now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec * 1000.0 + (double)tv.tv_usec / 1000.0;
}

static int open_streams(struct app *a)
{
	struct buf b;
	const char *p;
	int n = -1;

	buf_init(&b, 1 << 16);
	if (stream_hub_metrics(a->stream, &b) == 0 && (p = strstr(b.data, "\nwangge_stream_clients ")))
		n = atoi(p + 23);
	buf_release(&b);
	return n;
}

static int fail(const char *what, const struct err *e)
{
	fprintf(stderr, "bench_sse: %s: %s\n", what, e->msg_en);
	return 1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'}, {"port", required_argument, NULL, 'p'},
		{"threads", required_argument, NULL, 't'}, {"clients", required_argument, NULL, 'c'},
		{"rows", required_argument, NULL, 'r'}, {"interval-ms", required_argument, NULL, 'i'},
		{"grid", required_argument, NULL, 'g'}, {NULL, 0, NULL, 0},
	};
	const char *db_url = NULL, *grid = "4401110020010101";
	int port = 0, threads = 2, clients = 1000, rows = 50, interval = 200, opt;
	struct app app;
	struct http_server_opts so = {0};
	struct err e = ERR_INIT;
	struct category_rec cat = {0};
	struct event_rec ev;
	struct db *db;
	int64_t event_id;
	sigset_t sigs;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': db_url = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 't': threads = atoi(optarg); break;
		case 'c': clients = atoi(optarg); break;
		case 'r': rows = atoi(optarg); break;
		case 'i': interval = atoi(optarg); break;
		case 'g': grid = optarg; break;
		default: return 2;
		}
	}
	if (!db_url) {
		fprintf(stderr, "usage: bench_sse --db URL [--port P] [--threads T] --clients N --rows R [--interval-ms MS]\n");
		return 2;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	if (app_open(&app, db_url, threads + 2, &e) < 0)
		return fail("open", &e);
	app.stream_opts.max_clients = clients + 100;
	app.stream_opts.max_per_account = clients + 100;
	so.host = "127.0.0.1";
	so.port = (unsigned short)port;
	so.threads = threads;
	so.body_max = 1 << 20;
	so.timeout_s = 60;
	so.access_log = "off";
	so.routes = api_routes;
	so.nroutes = api_nroutes;
	so.app = &app;
	so.guard = api_guard;
	if (http_server_start(&app.server, &so, &e) < 0 || app_start_background(&app, &e) < 0)
		return fail("start", &e);

	/* an event to hang the rows on */
	db = db_pool_get(app.pool);
	str_copy(cat.code, sizeof(cat.code), "bench");
	str_copy(cat.name, sizeof(cat.name), "压测");
	cat.minutes[0] = 30, cat.minutes[1] = 1440, cat.minutes[2] = 60;
	cat.enabled = 1;
	memset(&ev, 0, sizeof(ev));
	str_copy(ev.source, sizeof(ev.source), "patrol");
	str_copy(ev.category, sizeof(ev.category), "bench");
	str_copy(ev.title, sizeof(ev.title), "实时推送压测");
	str_copy(ev.description, sizeof(ev.description), "bench/sse");
	ev.lon = 113.27, ev.lat = 23.17;
	str_copy(ev.crs, sizeof(ev.crs), "wgs84");
	str_copy(ev.grid, sizeof(ev.grid), grid);
	ev.urgency = 1;
	str_copy(ev.status, sizeof(ev.status), "reported");
	str_copy(ev.loop, sizeof(ev.loop), "internal");
	ev.level = 3;
	str_copy(ev.holder, sizeof(ev.holder), grid);
	ev.holder[12] = '\0';                   /* its community */
	ev.phase_started_at = ev.created_at = ev.updated_at = (int64_t)(now_ms() / 1000);
	str_copy(ev.day, sizeof(ev.day), "2026-01-01");
	ev.version = 1;
	if (store_category_put(db, &cat, &e) < 0 || store_event_insert(db, &ev, &event_id, &e) < 0)
		return fail("event", &e);

	printf("listening on http://127.0.0.1:%u/\n", http_server_port(app.server));
	fflush(stdout);
	for (int waited = 0; open_streams(&app) < clients; waited += 100) {
		if (waited > 120000) {
			fprintf(stderr, "bench_sse: only %d of %d streams opened\n", open_streams(&app), clients);
			return 1;
		}
		usleep(100000);
	}
	fprintf(stderr, "bench_sse: %d streams open, committing %d rows %d ms apart\n", clients, rows, interval);
	usleep(500000);
	for (int i = 0; i < rows; i++) {
		struct event_log_rec l = {0};
		char note[32], id_text[24];
		int64_t id;
		snprintf(note, sizeof(note), "%.3f", now_ms());
		l.event_id = event_id;
		l.at = (int64_t)(now_ms() / 1000);
		l.action = "note";
		l.to_status = "reported";
		l.actor_name = "压测";
		l.note = note;
		l.public_step = 1;
		l.grid_code = grid;
		if (db_begin(db, &e) < 0 || store_event_log_add(db, &l, &id, &e) < 0)
			return fail("insert", &e);
		snprintf(id_text, sizeof(id_text), "%lld", (long long)id);
		if (!strcmp(db_driver_name(db), "postgresql") &&
		    cluster_publish(app.cluster, db, STREAM_CHANNEL, id_text, &e) < 0)
			return fail("notify", &e);
		if (db_commit(db, &e) < 0)
			return fail("commit", &e);
		stream_kick(app.stream, id);
		usleep((useconds_t)interval * 1000u);
	}
	db_pool_put(app.pool, db);
	sleep(2);
	http_server_stop(app.server, 5);
	app.server = NULL;
	app_close(&app);
	return 0;
}
