/*
 * cmd_kpi.c - `wangge kpi rebuild`: recompute the KPI counters (kpi_agg)
 * from the event table in one transaction (app/kpi.h, docs/kpi.md). For
 * after bulk loads, restores of the event table alone, or a change of the
 * counting rules.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "app/kpi.h"
#include "cli/cli.h"
#include "lib/timeutil.h"
#include "store/db.h"
#include "lib/banned.h"

static int kpi_rebuild_cmd(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *url = CLI_DEFAULT_DB;
	struct db *db = NULL;
	struct err e = ERR_INIT;
	int64_t events = 0, rows = 0;
	uint64_t t0;
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': url = optarg; break;
		default: return cli_usage("kpi");
		}
	}
	if (optind < argc)
		return cli_usage("kpi");
	t0 = time_mono_us();
	if (db_open(url, &db, &e) < 0 || db_migrate(db, &e) < 0 || kpi_rebuild(db, &events, &e) < 0 ||
	    store_kpi_count(db, &rows, &e) < 0) {
		ret = cli_fail("kpi", "rebuild: %s", e.msg_en);
	} else {
		printf("kpi: %lld events counted into %lld rows in %.1f s\n", (long long)events,
		       (long long)rows, (double)(time_mono_us() - t0) / 1e6);
		ret = 0;
	}
	db_close(db);
	return ret;
}

int cmd_kpi(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("kpi");
	if (!strcmp(argv[1], "rebuild"))
		return kpi_rebuild_cmd(argc - 1, argv + 1);
	fprintf(stderr, "wangge kpi: unknown subcommand '%s'\n", argv[1]);
	return cli_usage("kpi");
}
