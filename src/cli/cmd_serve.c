/*
 * cmd_serve.c - `wangge serve`: open the app, start the HTTP server, wait
 * for SIGINT/SIGTERM, shut down gracefully.
 *
 * Settings come from defaults, then the ini file (--config), then the
 * command line. The ini file's keys are documented in docs/api.md
 * ("Running the server").
 */
#include <getopt.h>
#include <ini.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "api/api.h"
#include "app/app.h"
#include "app/photos.h"
#include "cli/cli.h"
#include "http/server.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/banned.h"

struct serve_cfg {
	char db[1024];
	char listen[128];
	char web[1024];
	char node_modules[1024];
	char access_log[1024];
	char trusted_proxies[512];
	char photos[1024];               /* photo directory; "" = beside the database */
	int64_t threads;
	int64_t db_connections;          /* [db] connections: the read pool; 0 = from cores */
	int64_t body_max;
	int64_t timeout_s;
	int64_t reload_ms;
	int64_t clock_ms;                /* [events] clock_ms: warning/supervision job interval */
	int64_t kpi_flush_ms;            /* [events] kpi_flush_ms: deferred KPI deltas (SQLite) */
	int cookie_secure;               /* [auth] cookie_secure: Secure on the session cookie */
	int64_t stream_max_clients;      /* [stream] max_clients */
	int64_t stream_max_per_account;  /* [stream] max_per_account */
	int64_t stream_poll_ms;          /* [stream] poll_ms: safety-net poll */
	int64_t stream_ping_ms;          /* [stream] ping_ms: heartbeat */
	char bad[256];                   /* first bad ini entry, for the error */
};

static int serve_ini_entry(void *user, const char *section, const char *name, const char *value)
{
	struct serve_cfg *c = user;
	int ok = 1;

#define KEY(s, n) (!strcmp(section, s) && !strcmp(name, n))
	if (KEY("server", "listen")) str_copy(c->listen, sizeof(c->listen), value);
	else if (KEY("server", "web")) str_copy(c->web, sizeof(c->web), value);
	else if (KEY("server", "node_modules")) str_copy(c->node_modules, sizeof(c->node_modules), value);
	else if (KEY("server", "access_log")) str_copy(c->access_log, sizeof(c->access_log), value);
	else if (KEY("server", "trusted_proxies")) str_copy(c->trusted_proxies, sizeof(c->trusted_proxies), value);
	else if (KEY("server", "photos")) str_copy(c->photos, sizeof(c->photos), value);
	else if (KEY("server", "threads")) ok = parse_int64(value, 1, 256, &c->threads) == 0;
	else if (KEY("server", "body_max")) ok = parse_int64(value, 1024, 64 << 20, &c->body_max) == 0;
	else if (KEY("server", "timeout")) ok = parse_int64(value, 1, 3600, &c->timeout_s) == 0;
	else if (KEY("server", "reload_ms")) ok = parse_int64(value, 100, 600000, &c->reload_ms) == 0;
	else if (KEY("events", "clock_ms")) ok = parse_int64(value, 200, 3600000, &c->clock_ms) == 0;
	else if (KEY("events", "kpi_flush_ms")) ok = parse_int64(value, 0, 60000, &c->kpi_flush_ms) == 0;
	else if (KEY("db", "url")) str_copy(c->db, sizeof(c->db), value);
	else if (KEY("db", "connections")) ok = parse_int64(value, 1, 256, &c->db_connections) == 0;
	else if (KEY("stream", "max_clients")) ok = parse_int64(value, 1, 100000, &c->stream_max_clients) == 0;
	else if (KEY("stream", "max_per_account")) ok = parse_int64(value, 1, 100000, &c->stream_max_per_account) == 0;
	else if (KEY("stream", "poll_ms")) ok = parse_int64(value, 10, 600000, &c->stream_poll_ms) == 0;
	else if (KEY("stream", "ping_ms")) ok = parse_int64(value, 100, 600000, &c->stream_ping_ms) == 0;
	else if (KEY("auth", "cookie_secure")) {
		if (!strcmp(value, "true") || !strcmp(value, "1")) c->cookie_secure = 1;
		else if (!strcmp(value, "false") || !strcmp(value, "0")) c->cookie_secure = 0;
		else ok = 0;
	}
	else ok = 0;
#undef KEY
	if (!ok && !c->bad[0])
		snprintf(c->bad, sizeof(c->bad), "[%s] %s = %s", section, name, value);
	return 1;
}

/* "host:port" or "[v6]:port" -> host, port. */
static int parse_listen(const char *s, char *host, size_t n, unsigned short *port)
{
	const char *colon;
	int64_t p;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':' || (size_t)(end - s) >= n)
			return -1;
		memcpy(host, s + 1, (size_t)(end - s - 1));
		host[end - s - 1] = '\0';
		colon = end + 1;
	} else {
		if (!(colon = strrchr(s, ':')) || (size_t)(colon - s) >= n)
			return -1;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	if (parse_int64(colon + 1, 0, 65535, &p) < 0)
		return -1;
	*port = (unsigned short)p;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"config", required_argument, NULL, 'c'},
		{"threads", required_argument, NULL, 't'},
		{"web", required_argument, NULL, 'w'},
		{"access-log", required_argument, NULL, 'a'},
		{"photos", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct serve_cfg cfg = {0}, cli = {0};
	const char *config = NULL;
	struct http_server_opts so = {0};
	struct app app;
	struct err e = ERR_INIT;
	char host[64];
	sigset_t sigs;
	int opt, sig, ret = 2;
	long nproc = sysconf(_SC_NPROCESSORS_ONLN);

	str_copy(cfg.db, sizeof(cfg.db), CLI_DEFAULT_DB);
	str_copy(cfg.listen, sizeof(cfg.listen), "127.0.0.1:8080");
	str_copy(cfg.web, sizeof(cfg.web), "web");
	str_copy(cfg.node_modules, sizeof(cfg.node_modules), "node_modules");
	str_copy(cfg.access_log, sizeof(cfg.access_log), "-");
	/* Worker threads: 16 per core, 64 at least. A report does not hold
	 * its worker while the event writer commits it (http_defer), but an
	 * event step still waits for the writer on its worker, and reads wait
	 * for the database: with few workers, one slow request holds up the
	 * other connections libmicrohttpd gave its thread. 4 or 8 threads gave
	 * report intake more reports/s in some runs and a p99 from 37 to 700 ms
	 * across runs (docs/performance.md). Idle threads cost a stack and
	 * nothing else. */
	cfg.threads = nproc > 0 ? nproc * 16 : 64;
	if (cfg.threads < 64)
		cfg.threads = 64;
	if (cfg.threads > 256)
		cfg.threads = 256;
	cfg.body_max = 2 << 20;
	cfg.timeout_s = 30;
	cfg.reload_ms = 2000;
	cfg.clock_ms = 15000;
	cfg.kpi_flush_ms = 1000;
	cfg.stream_max_clients = 2000;
	cfg.stream_max_per_account = 20;
	cfg.stream_poll_ms = 2000;
	cfg.stream_ping_ms = 15000;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': str_copy(cli.db, sizeof(cli.db), optarg); break;
		case 'l': str_copy(cli.listen, sizeof(cli.listen), optarg); break;
		case 'c': config = optarg; break;
		case 't':
			if (parse_int64(optarg, 1, 256, &cli.threads) < 0)
				return cli_fail("serve", "--threads must be 1..256");
			break;
		case 'w': str_copy(cli.web, sizeof(cli.web), optarg); break;
		case 'a': str_copy(cli.access_log, sizeof(cli.access_log), optarg); break;
		case 'p':
			if (str_copy(cli.photos, sizeof(cli.photos), optarg) >= sizeof(cli.photos) || !optarg[0])
				return cli_fail("serve", "bad --photos '%s'", optarg);
			break;
		default: return cli_usage("serve");
		}
	}
	if (optind < argc)
		return cli_usage("serve");
	if (config) {
		int line = ini_parse(config, serve_ini_entry, &cfg);
		if (line < 0)
			return cli_fail("serve", "cannot read config '%s'", config);
		if (line > 0)
			return cli_fail("serve", "config '%s': syntax error on line %d", config, line);
		if (cfg.bad[0])
			return cli_fail("serve", "config '%s': unknown or invalid setting %s", config, cfg.bad);
	}
	if (cli.db[0]) str_copy(cfg.db, sizeof(cfg.db), cli.db);
	if (cli.listen[0]) str_copy(cfg.listen, sizeof(cfg.listen), cli.listen);
	if (cli.web[0]) str_copy(cfg.web, sizeof(cfg.web), cli.web);
	if (cli.access_log[0]) str_copy(cfg.access_log, sizeof(cfg.access_log), cli.access_log);
	if (cli.threads) cfg.threads = cli.threads;
	if (cli.photos[0]) str_copy(cfg.photos, sizeof(cfg.photos), cli.photos);
	/* photos live beside the database unless told otherwise; checked
	 * before anything starts, so a bad directory stops the server at once */
	if (!cfg.photos[0] && photos_dir_default(cfg.db, cfg.photos, sizeof(cfg.photos)) < 0)
		return cli_fail("serve", "database path too long for the photo directory: use --photos DIR");
	if (photos_dir_prepare(cfg.photos, &e) < 0)
		return cli_fail("serve", "%s", e.msg_en);
	if (parse_listen(cfg.listen, host, sizeof(host), &so.port) < 0)
		return cli_fail("serve", "bad --listen '%s': HOST:PORT expected", cfg.listen);

	/* Block the stop signals before any thread starts, so every thread
	 * inherits the mask and only sigwait() below sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* The read pool is not sized to the threads: a worker takes a connection
	 * for each query and gives it back at once, and never holds one while
	 * the writer commits; more connections than about two per core only add
	 * page caches (SQLite) or server processes (PostgreSQL). */
	if (!cfg.db_connections)
		cfg.db_connections = (nproc > 0 ? nproc : 2) * 2 + 1;
	if (cfg.db_connections > cfg.threads + 1)
		cfg.db_connections = cfg.threads + 1;
	if (app_open(&app, cfg.db, (int)cfg.db_connections, &e) < 0) {
		app_close(&app);
		return cli_fail("serve", "%s", e.msg_en);
	}
	app.reload_ms = (unsigned)cfg.reload_ms;
	app.clock_ms = (unsigned)cfg.clock_ms;
	app.kpi_flush_ms = (unsigned)cfg.kpi_flush_ms;
	app.cookie_secure = cfg.cookie_secure;
	str_copy(app.photo_dir, sizeof(app.photo_dir), cfg.photos);
	app.stream_opts.max_clients = (int)cfg.stream_max_clients;
	app.stream_opts.max_per_account = (int)cfg.stream_max_per_account;
	app.stream_opts.poll_ms = (unsigned)cfg.stream_poll_ms;
	app.stream_opts.ping_ms = (unsigned)cfg.stream_ping_ms;
	so.host = host;
	so.threads = (int)cfg.threads;
	so.body_max = (size_t)cfg.body_max;
	so.timeout_s = (unsigned)cfg.timeout_s;
	so.web_dir = cfg.web;
	so.node_modules_dir = cfg.node_modules;
	so.access_log = cfg.access_log;
	so.trusted_proxies = cfg.trusted_proxies;
	so.routes = api_routes;
	so.nroutes = api_nroutes;
	so.app = &app;
	so.guard = api_guard;
	if (http_server_start(&app.server, &so, &e) < 0) {
		cli_fail("serve", "%s", e.msg_en);
		goto out;
	}
	if (app_start_background(&app, &e) < 0) {
		cli_fail("serve", "%s", e.msg_en);
		http_server_stop(app.server, 1);
		app.server = NULL;
		goto out;
	}
	log_info("listening on http://%s:%u/ (db %s, photos %s, %d threads)", host[0] == ':' ||
	         strchr(host, ':') ? host : host, http_server_port(app.server), cfg.db, cfg.photos,
	         (int)cfg.threads);
	fflush(stderr);
	sigwait(&sigs, &sig);
	log_info("%s received: finishing in-flight requests", sig == SIGINT ? "SIGINT" : "SIGTERM");
	http_server_stop(app.server, 10);
	app.server = NULL;
	ret = 0;
	log_info("stopped cleanly");
out:
	app_close(&app);
	return ret;
}
