/*
 * cmd_export.c - `wangge export units`: write org units as a GeoJSON
 * FeatureCollection (app/org_export.c builds it) to stdout or a file.
 *
 * A file is written next to its destination and renamed into place, so a
 * failed export never leaves half a file behind. The output reads back
 * with `wangge import units` (same --crs).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "app/org_export.h"
#include "cli/cli.h"
#include "app/org_import.h"
#include "lib/banned.h"

/* Open the database at url, which must already exist when it is a plain
 * path (a read-only command should not create an empty database). */
static int open_existing(const char *url, struct db **db, struct err *e)
{
	struct stat st;

	if (!strchr(url, ':') && stat(url, &st) < 0)
		return err_set(e, 404, "db.missing", "数据库 '%s' 不存在", "no database '%s'", url);
	if (db_open(url, db, e) < 0 || db_migrate(*db, e) < 0)
		return -1;
	return 0;
}

/* Dump fc to path ("-" or NULL: stdout) through a temporary file. */
static int write_json(json_t *fc, const char *path)
{
	char tmp[4096];
	FILE *f;
	int ok;

	if (!path || !strcmp(path, "-")) {
		ok = json_dumpf(fc, stdout, ORG_EXPORT_DUMP_FLAGS) == 0 && fputc('\n', stdout) != EOF && fflush(stdout) == 0;
		return ok ? 0 : cli_fail("export", "cannot write to stdout: %s", strerror(errno));
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid()) >= sizeof(tmp))
		return cli_fail("export", "--out path too long");
	if (!(f = fopen(tmp, "w")))
		return cli_fail("export", "cannot write '%s': %s", tmp, strerror(errno));
	ok = json_dumpf(fc, f, ORG_EXPORT_DUMP_FLAGS) == 0 && fputc('\n', f) != EOF;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, path) < 0) {
		int err = errno;
		unlink(tmp);
		return cli_fail("export", "cannot write '%s': %s", path, strerror(err));
	}
	return 0;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"level", required_argument, NULL, 'l'},
		{"under", required_argument, NULL, 'u'},
		{"db", required_argument, NULL, 'd'},
		{"out", required_argument, NULL, 'o'},
		{"crs", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *db_url = CLI_DEFAULT_DB, *under = NULL, *out = NULL;
	enum unit_level level = LEVEL_NONE;
	enum crs crs = CRS_WGS84;
	struct err e = ERR_INIT;
	struct db *db = NULL;
	json_t *fc = NULL;
	int opt, ret = 2;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l':
			if (strcmp(optarg, "all") && (level = org_import_level_parse(optarg)) == LEVEL_NONE) {
				fprintf(stderr, "wangge export: unknown --level '%s': district, town, community, "
				        "area, grid or all expected\n", optarg);
				return 1;
			}
			break;
		case 'u': under = optarg; break;
		case 'd': db_url = optarg; break;
		case 'o': out = optarg; break;
		case 'c':
			if (crs_parse(optarg, &crs) < 0) {
				fprintf(stderr, "wangge export: unknown --crs '%s': wgs84, gcj02 or bd09 expected\n", optarg);
				return 1;
			}
			break;
		default: return cli_usage("export");
		}
	}
	if (argc - optind != 1 || strcmp(argv[optind], "units"))
		return cli_usage("export");
	if (open_existing(db_url, &db, &e) < 0 || !(fc = org_export_units(db, level, under, crs, &e))) {
		cli_fail("export", "%s", e.msg_en);
		goto done;
	}
	if (write_json(fc, out) == 0)
		ret = 0;
done:
	json_decref(fc);
	db_close(db);
	return ret;
}
