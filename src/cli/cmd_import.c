/*
 * cmd_import.c - `wangge import units FILE`: load a GeoJSON (or DataV) file
 * of org units into the database, all or nothing.
 *
 * The work is app/org_import.c's; this file reads the options and the file,
 * opens the database and prints the outcome: after an import a summary line
 * per level on stdout; the problems (errors and warnings, one line each,
 * Chinese and English) on stderr. Exit 0 when the file was imported (or is valid, with
 * --dry-run), 2 when it was not, 1 for a usage error.
 */
#include <getopt.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "app/org_import.h"
#include "app/audit.h"
#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/banned.h"

/* One problem as a line: "error   #3 4401110020010101 geom.overlap: 中文 / english". */
static void print_problem(FILE *f, const struct org_problem *p)
{
	char where[48];

	if (p->feature >= 0)
		snprintf(where, sizeof(where), "#%ld", p->feature);
	else
		str_copy(where, sizeof(where), "file");
	fprintf(f, "  %-7s %-5s %-16s %s: %s / %s\n", p->severity == ORG_ERROR ? "error" : "warning",
	        where, p->code[0] ? p->code : "-", p->err.code, p->err.msg, p->err.msg_en);
}

/* Per level: "town       24 (20 new, 4 replaced)". */
static void print_summary(const struct org_import_report *r)
{
	for (int l = LEVEL_DISTRICT; l <= LEVEL_GRID; l++)
		if (r->units[l])
			printf("%-10s %6zu (%zu new, %zu replaced)\n", unit_level_name(l), r->units[l],
			       r->units[l] - r->replaced[l], r->replaced[l]);
}

/* Read the whole file, refusing anything but a regular file of at most
 * ORG_IMPORT_MAX_BYTES. */
static int read_input(const char *path, struct buf *b)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return cli_fail("import", "cannot read '%s': %s", path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return cli_fail("import", "'%s' is not a regular file", path);
	if ((size_t)st.st_size > ORG_IMPORT_MAX_BYTES)
		return cli_fail("import", "'%s' is larger than %zu MiB", path, ORG_IMPORT_MAX_BYTES >> 20);
	buf_init(b, ORG_IMPORT_MAX_BYTES);
	if (buf_read_file(b, path) < 0)
		return cli_fail("import", "cannot read '%s': %s", path,
		                errno == EFBIG ? "file too large" : strerror(errno));
	return 0;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"crs", required_argument, NULL, 'c'},
		{"repair", no_argument, NULL, 'r'},
		{"level", required_argument, NULL, 'l'},
		{"parent", required_argument, NULL, 'p'},
		{"dry-run", no_argument, NULL, 'n'},
		{"partial", no_argument, NULL, 'P'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct org_import_opts o;
	struct org_import_report r;
	struct err e = ERR_INIT;
	struct buf text;
	struct db *db = NULL;
	const char *db_url = CLI_DEFAULT_DB, *path;
	int opt, ret = 2;

	memset(&o, 0, sizeof(o));
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': db_url = optarg; break;
		case 'c':
			if (crs_parse(optarg, &o.crs) < 0) {
				fprintf(stderr, "wangge import: unknown --crs '%s': wgs84, gcj02 or bd09 expected\n", optarg);
				return 1;
			}
			break;
		case 'r': o.flags |= ORG_IMPORT_REPAIR; break;
		case 'l':
			if ((o.level = org_import_level_parse(optarg)) == LEVEL_NONE) {
				fprintf(stderr, "wangge import: unknown --level '%s': district, town, community, "
				        "area or grid expected\n", optarg);
				return 1;
			}
			break;
		case 'p':
			if (strlen(optarg) >= sizeof(o.under)) {
				fprintf(stderr, "wangge import: invalid --parent '%.32s'\n", optarg);
				return 1;
			}
			str_copy(o.under, sizeof(o.under), optarg);
			break;
		case 'n': o.flags |= ORG_IMPORT_DRY_RUN; break;
		case 'P': o.flags |= ORG_IMPORT_PARTIAL; break;
		default: return cli_usage("import");
		}
	}
	if (argc - optind != 2 || strcmp(argv[optind], "units"))
		return cli_usage("import");
	path = argv[optind + 1];
	if (read_input(path, &text) != 0)
		return 2;
	org_import_report_init(&r);
	if (db_open(db_url, &db, &e) < 0 || db_migrate(db, &e) < 0) {
		cli_fail("import", "%s", e.msg_en);
		goto out;
	}
	if (org_import_run(db, text.data, text.len, &o, &r, &e) < 0) {
		if (r.nerrors + r.nwarnings == 1 && r.n == 1) {
			const struct org_problem *p = &r.items[0];
			char where[64] = "";
			if (p->feature >= 0)
				snprintf(where, sizeof(where), "feature #%ld%s%s: ", p->feature,
				         p->code[0] ? " " : "", p->code);
			cli_fail("import", "%s: %s%s [%s] / %s; nothing written", path, where, p->err.msg_en,
			         p->err.code, p->err.msg);
		} else if (r.nerrors) {
			cli_fail("import", "%s: %zu error%s, %zu warning%s; nothing written", path, r.nerrors,
			         r.nerrors == 1 ? "" : "s", r.nwarnings, r.nwarnings == 1 ? "" : "s");
			for (size_t i = 0; i < r.n; i++)
				print_problem(stderr, &r.items[i]);
			if (r.nerrors + r.nwarnings > r.n)
				fprintf(stderr, "  … and %zu more\n", r.nerrors + r.nwarnings - r.n);
		} else {
			cli_fail("import", "%s: %s", path, e.msg_en);
		}
		goto out;
	}
	print_summary(&r);
	for (size_t i = 0; i < r.n; i++)
		print_problem(stderr, &r.items[i]);
	if (r.nwarnings > r.n)
		fprintf(stderr, "  … and %zu more warnings\n", r.nwarnings - r.n);
	if (o.flags & ORG_IMPORT_DRY_RUN)
		printf("dry run: %s is valid (%zu warning%s); nothing written\n", path, r.nwarnings,
		       r.nwarnings == 1 ? "" : "s");
	else {
		char detail[160];
		snprintf(detail, sizeof(detail), "%zu features, %zu warnings", r.nfeatures, r.nwarnings);
		audit_record_alone(db, NULL, cli_actor(), AUDIT_ORG_IMPORT, path, NULL, "ok", detail);
		printf("imported %zu features from %s (%zu warning%s)\n", r.nfeatures, path, r.nwarnings,
		       r.nwarnings == 1 ? "" : "s");
	}
	ret = 0;
out:
	org_import_report_release(&r);
	buf_release(&text);
	db_close(db);
	return ret;
}
