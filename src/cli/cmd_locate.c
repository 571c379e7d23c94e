/*
 * cmd_locate.c - `wangge locate --lat LAT --lon LON`: which grid is this
 * point in, answered from the org snapshot exactly as GET /api/v1/locate
 * answers (the grid's ready-made reply, app/orgmodel.h).
 *
 * Exit 0 with the JSON on stdout, 3 when the point lies outside every grid,
 * 2 on other failures, 1 for a usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "app/orgmodel.h"
#include "cli/cli.h"
#include "geo/coord.h"
#include "lib/log.h"
#include "lib/str.h"
#include "lib/banned.h"

int cmd_locate(int argc, char **argv)
{
	static const struct option opts[] = {
		{"lat", required_argument, NULL, 'y'},
		{"lon", required_argument, NULL, 'x'},
		{"crs", required_argument, NULL, 'c'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *db_url = CLI_DEFAULT_DB;
	double lat = 0, lon = 0, wlon, wlat;
	int opt, has_lat = 0, has_lon = 0, ret = 2;
	enum crs crs = CRS_WGS84;
	struct err e = ERR_INIT;
	struct db *db = NULL;
	struct org_model *m = NULL;
	const struct org_unit *g;
	struct stat st;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'y':
			if (parse_double(optarg, -90, 90, &lat) < 0) {
				fprintf(stderr, "wangge locate: --lat must be a number in [-90, 90]\n");
				return 1;
			}
			has_lat = 1;
			break;
		case 'x':
			if (parse_double(optarg, -180, 180, &lon) < 0) {
				fprintf(stderr, "wangge locate: --lon must be a number in [-180, 180]\n");
				return 1;
			}
			has_lon = 1;
			break;
		case 'c':
			if (crs_parse(optarg, &crs) < 0) {
				fprintf(stderr, "wangge locate: unknown --crs '%s': wgs84, gcj02 or bd09 expected\n", optarg);
				return 1;
			}
			break;
		case 'd': db_url = optarg; break;
		default: return cli_usage("locate");
		}
	}
	if (optind != argc || !has_lat || !has_lon)
		return cli_usage("locate");
	log_set_level(LOG_WARN);             /* stdout is the answer; no progress chatter */
	if (!strchr(db_url, ':') && stat(db_url, &st) < 0)
		return cli_fail("locate", "no database '%s'", db_url);
	if (db_open(db_url, &db, &e) < 0 || db_migrate(db, &e) < 0 || !(m = orgmodel_load(db, &e))) {
		cli_fail("locate", "%s", e.msg_en);
		goto out;
	}
	coord_to_wgs84(crs, lon, lat, &wlon, &wlat);
	if (!(g = orgmodel_locate(m, wlon, wlat))) {
		cli_fail("locate", "the point lies outside every grid (lat %.6f, lon %.6f %s)", lat, lon, crs_name(crs));
		ret = 3;
		goto out;
	}
	fwrite(g->locate_json, 1, g->locate_len, stdout);
	fputc('\n', stdout);
	ret = 0;
out:
	orgmodel_release(m);
	db_close(db);
	return ret;
}
