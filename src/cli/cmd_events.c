/*
 * cmd_events.c - `wangge events import-hotline FILE`: 12345 work orders
 * from CSV into grid events (app/hotline.h), as the operator "cli:<login>"
 * with the powers of a district command centre: the operator is the system,
 * and its district grant reaches every grid (上报范围, docs/events.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "app/app.h"
#include "app/auth.h"
#include "app/hotline.h"
#include "domain/role.h"
#include "lib/buf.h"
#include "lib/str.h"
#include "lib/banned.h"

static int import_hotline(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char db[1024];
	struct app app;
	struct principal p;
	struct buf file;
	struct err e = ERR_INIT;
	json_t *report = NULL;
	int opt, ret = 2;

	str_copy(db, sizeof(db), CLI_DEFAULT_DB);
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': str_copy(db, sizeof(db), optarg); break;
		default: return cli_usage("events");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("events");
	buf_init(&file, 64u << 20);
	if (buf_read_file(&file, argv[optind]) < 0) {
		buf_release(&file);
		return cli_fail("events", "cannot read '%s'", argv[optind]);
	}
	if (app_open(&app, db, 2, &e) < 0) {
		app_close(&app);
		buf_release(&file);
		return cli_fail("events", "%s", e.msg_en);
	}
	/* the operator: a district command centre, named cli:<login> */
	memset(&p, 0, sizeof(p));
	str_copy(p.username, sizeof(p.username), cli_actor());
	str_copy(p.display_name, sizeof(p.display_name), p.username);
	str_copy(p.kind, sizeof(p.kind), "cli");
	p.roles = ROLE_COMMAND;
	p.ngrants = 1;
	p.grants[0].role = ROLE_COMMAND;
	p.grants[0].level = 1;
	{
		struct org_model *m = org_holder_get(&app.org);

		if (m && m->root >= 0)
			str_copy(p.grants[0].scope, sizeof(p.grants[0].scope), m->units[m->root].rec.code);
		if (m)
			orgmodel_release(m);
	}
	if (hotline_import(&app, &p, file.data ? file.data : "", file.len, "cli", &report, &e) < 0) {
		json_t *errs = report ? json_object_get(report, "errors") : NULL;
		size_t i;
		json_t *r;

		json_array_foreach(errs, i, r)
			fprintf(stderr, "%s:%lld: %s: %s\n", argv[optind],
			        (long long)json_integer_value(json_object_get(r, "line")),
			        json_string_value(json_object_get(r, "code")),
			        json_string_value(json_object_get(r, "message_en")));
		cli_fail("events", "%s", e.msg_en);
	} else {
		printf("imported %lld work orders, skipped %zu already imported\n",
		       (long long)json_integer_value(json_object_get(report, "created")),
		       json_array_size(json_object_get(report, "skipped")));
		ret = 0;
	}
	json_decref(report);
	app_close(&app);
	buf_release(&file);
	return ret;
}

int cmd_events(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("events");
	if (strcmp(argv[1], "import-hotline") == 0)
		return import_hotline(argc - 1, argv + 1);
	return cli_usage("events");
}
