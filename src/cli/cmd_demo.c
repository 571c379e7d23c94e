/*
 * cmd_demo.c - `wangge demo`: parse the options, build the demo district
 * (app/demo.h) and print a one-line summary with the time taken and the
 * size of the database file, then the demo log-ins.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "app/demo.h"
#include "cli/cli.h"
#include "lib/str.h"
#include "lib/banned.h"

/* Size of an SQLite database file and its WAL, or -1 when url is not a
 * local file. */
static long long db_file_size(const char *url)
{
	char path[1024];
	struct stat st;
	long long size;

	if (str_starts_with(url, "sqlite:"))
		url += strlen("sqlite:");
	else if (strstr(url, "://"))
		return -1;
	if (stat(url, &st) < 0)
		return -1;
	size = (long long)st.st_size;
	snprintf(path, sizeof(path), "%s-wal", url);
	if (stat(path, &st) == 0)
		size += (long long)st.st_size;
	return size;
}

/* The demo log-ins, one a line: user name, role, scope, title. */
static void print_logins(const struct demo_stats *st)
{
	printf("\ndemo log-ins (password %s for every one; demo only, never on a real system):\n",
	       DEMO_PASSWORD);
	for (int i = 0; i < st->nlogins; i++) {
		const struct demo_login *l = &st->logins[i];
		printf("  %-11s %-13s %-17s %s%s%s%s  (%s)\n", l->username, l->role, l->scope,
		       l->scope_name, l->title[0] ? " " : "", l->title,
		       !strcmp(l->role, "leader") ? "，只读" : "", l->display_name);
	}
}

/* --events-end: Unix seconds or UTC ISO 8601, from 2000 on. */
static int parse_end(const char *s, int64_t *out)
{
	struct tm tm;
	const char *rest;

	if (parse_int64(s, 946684800, INT32_MAX, out) == 0)
		return 0;
	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!rest || *rest)
		return -1;
	*out = (int64_t)timegm(&tm);
	return *out >= 946684800 ? 0 : -1;
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"seed", required_argument, NULL, 's'},
		{"outline", required_argument, NULL, 'o'},
		{"crs", required_argument, NULL, 'c'},
		{"events", required_argument, NULL, 'n'},
		{"events-end", required_argument, NULL, 'E'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct demo_opts o = {CLI_DEFAULT_DB, 1, NULL, CRS_GCJ02, -1, DEMO_EVENTS, 0};
	struct demo_stats st;
	struct err e = ERR_INIT;
	const char *crs = NULL;
	long long size;
	int64_t v;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o.db_url = optarg;
			break;
		case 's':
			if (parse_int64(optarg, 0, INT64_MAX, &v) < 0)
				return cli_fail("demo", "bad --seed '%s': expected a non-negative integer", optarg);
			o.seed = (uint64_t)v;
			break;
		case 'o':
			o.outline = optarg;
			break;
		case 'c':
			crs = optarg;
			break;
		case 'n':
			if (parse_int64(optarg, 0, DEMO_EVENTS_MAX, &v) < 0)
				return cli_fail("demo", "bad --events '%s': expected 0 to %d", optarg,
				                DEMO_EVENTS_MAX);
			o.events = (int)v;
			break;
		case 'E':
			if (parse_end(optarg, &o.events_end) < 0)
				return cli_fail("demo", "bad --events-end '%s': expected Unix seconds or "
				                "YYYY-MM-DDTHH:MM:SSZ", optarg);
			break;
		default:
			return cli_usage("demo");
		}
	}
	if (optind < argc)
		return cli_usage("demo");
	if (crs && !o.outline)
		return cli_fail("demo", "--crs needs --outline");
	if (crs && crs_parse(crs, &o.crs) < 0)
		return cli_fail("demo", "unknown --crs '%s': expected gcj02, wgs84 or bd09", crs);
	if (demo_build(&o, &st, &e) < 0)
		return cli_fail("demo", "%s", e.msg_en);
	size = db_file_size(o.db_url);
	printf("demo: %d towns, %d communities, %d areas, %d grids, %d staff posts in %.1f s; %s",
	       st.towns, st.communities, st.areas, st.grids, st.posts,
	       st.gen_seconds + st.write_seconds, o.db_url);
	if (size >= 0)
		printf(" %.1f MB", (double)size / 1e6);
	printf("\n");
	if (st.history.events > 0) {
		const struct demo_history_stats *h = &st.history;
		double n = (double)h->events / 100;
		printf("history: %lld events over 365 days (%.1f%% closed, %.1f%% rejected, %lld open; "
		       "%.1f%% escalated, %.1f%% closed late), %lld steps, %lld supervisions in %.1f s\n",
		       (long long)h->events, (double)h->closed / n, (double)h->rejected / n,
		       (long long)h->open, (double)h->escalated / n, (double)h->late / n,
		       (long long)h->logs, (long long)h->supervisions, h->seconds);
	}
	print_logins(&st);
	return 0;
}
