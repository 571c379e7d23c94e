/*
 * cmd_display.c - `wangge display list|revoke`: the wall displays of the
 * command big screen from the server's shell (app/displays.h), as the
 * operator "cli:<login>" with the powers of the district's administrator —
 * for when a wall screen must be cut off and nobody can reach /displays.
 * Revoking is audited like the web's; on PostgreSQL the display's open
 * streams end at once on every instance, on SQLite at the screen's next
 * request (within 30 s).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "cli/cli.h"
#include "app/app.h"
#include "app/auth.h"
#include "app/displays.h"
#include "domain/role.h"
#include "lib/str.h"
#include "lib/banned.h"

/* The operator: the district's administrator, named cli:<login>. */
static void operator_principal(struct app *app, struct principal *p)
{
	struct org_model *m = org_holder_get(&app->org);

	memset(p, 0, sizeof(*p));
	str_copy(p->username, sizeof(p->username), cli_actor());
	str_copy(p->display_name, sizeof(p->display_name), p->username);
	str_copy(p->kind, sizeof(p->kind), "cli");
	p->roles = ROLE_ADMIN;
	p->ngrants = 1;
	p->grants[0].role = ROLE_ADMIN;
	p->grants[0].level = 1;
	if (m && m->root >= 0)
		str_copy(p->grants[0].scope, sizeof(p->grants[0].scope), m->units[m->root].rec.code);
	if (m)
		orgmodel_release(m);
}

static int print_row(void *ctx, const struct display_rec *d)
{
	time_t now = *(const time_t *)ctx;

	printf("%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)d->id, d->unit, d->name,
	       display_status_name(displays_status(d, now)),
	       d->last_seen_at[0] ? d->last_seen_at : "-", d->expires_at[0] ? d->expires_at : "-");
	return 0;
}

int cmd_display(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	char dbu[1024];
	struct app app;
	struct principal p;
	struct err e = ERR_INIT;
	struct db *db;
	const char *verb;
	int64_t id = 0, before = 0, next = 0;
	time_t now = time(NULL);
	int opt, ret = 0;

	if (argc < 2)
		return cli_usage("display");
	verb = argv[1];
	if (strcmp(verb, "list") && strcmp(verb, "revoke"))
		return cli_usage("display");
	str_copy(dbu, sizeof(dbu), CLI_DEFAULT_DB);
	optind = 2;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': str_copy(dbu, sizeof(dbu), optarg); break;
		default: return cli_usage("display");
		}
	}
	if (!strcmp(verb, "revoke")) {
		if (optind + 1 != argc || parse_int64(argv[optind], 1, INT64_MAX, &id) < 0)
			return cli_usage("display");
	} else if (optind != argc) {
		return cli_usage("display");
	}
	if (app_open(&app, dbu, 2, &e) < 0) {
		app_close(&app);
		return cli_fail("display", "%s", e.msg_en);
	}
	operator_principal(&app, &p);
	db = db_pool_get(app.pool);
	if (!strcmp(verb, "list")) {
		do {
			before = next;
			if (displays_list(db, &p, before, DISPLAY_LIST_MAX, print_row, &now, &next, &e) < 0)
				break;
		} while (next);
	} else {
		struct display_rec d;

		if (displays_revoke(db, &p, id, "cli", &d, &e) == 0) {
			app_end_display_streams(&app, db, id, NULL);
			printf("display %lld (%s, %s) revoked\n", (long long)id, d.name, d.unit);
		}
	}
	db_pool_put(app.pool, db);
	if (err_isset(&e)) {
		fprintf(stderr, "wangge display: %s (%s)\n", e.msg_en, e.code);
		ret = 2;
	}
	app_close(&app);
	return ret;
}
