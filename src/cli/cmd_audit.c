/*
 * cmd_audit.c - `wangge audit verify|list|append`: check the hash-chained
 * audit log (store/store_audit.h, docs/audit.md) from the command line,
 * page through it, and add an event by hand for operators' test drills.
 *
 * verify exits 0 when the chain is intact and 1 when it is broken (naming
 * the first bad row); every command exits 2 when the database cannot be
 * read and 1 on a usage error.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "cli/cli.h"
#include "lib/str.h"
#include "store/db.h"
#include "store/store_audit.h"
#include "lib/banned.h"

#define LIST_DEFAULT 50

/* Open and migrate url; prints the failure. 0 or 2. */
static int open_db(const char *url, struct db **db)
{
	struct err e = ERR_INIT;

	if (db_open(url, db, &e) < 0 || db_migrate(*db, &e) < 0) {
		db_close(*db);
		*db = NULL;
		return cli_fail("audit", "%s", e.msg_en);
	}
	return 0;
}

/* ---------------------------------------------------------------- verify */

static int audit_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *url = CLI_DEFAULT_DB;
	struct db *db = NULL;
	struct err e = ERR_INIT;
	char why[AUDIT_WHY_MAX];
	int64_t rows = 0, bad = 0;
	int opt, r, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': url = optarg; break;
		default: return cli_usage("audit");
		}
	}
	if (optind < argc)
		return cli_usage("audit");
	if ((ret = open_db(url, &db)) != 0)
		return ret;
	r = store_audit_verify(db, &rows, &bad, why, sizeof(why), &e);
	if (r < 0) {
		ret = cli_fail("audit", "verify: %s", e.msg_en);
	} else if (r == 0) {
		printf("audit: %lld rows, chain intact\n", (long long)rows);
		ret = 0;
	} else {
		/* why names the row itself ("row 17: …") unless audit_head is unreadable */
		printf("audit: chain broken %s%s\n", bad > 0 ? "at " : ": ", why);
		ret = 1;
	}
	db_close(db);
	return ret;
}

/* ------------------------------------------------------------------ list */

/* Print s as one tab-separated field: NULL as empty, tabs and control
 * characters (a tampered row may hold anything) as '?'. */
static void put_field(const char *s, int last)
{
	for (const char *p = s ? s : ""; *p; p++)
		putchar((unsigned char)*p < 0x20 || *p == 0x7f ? '?' : *p);
	putchar(last ? '\n' : '\t');
}

struct list_ctx {
	int64_t count;
	int64_t last_id;
};

static int print_row(void *ctx, const struct audit_row *r)
{
	struct list_ctx *c = ctx;
	const struct audit_entry *a = &r->entry;
	char id[24], acc[24];

	snprintf(id, sizeof(id), "%lld", (long long)r->id);
	snprintf(acc, sizeof(acc), "%lld", (long long)a->account_id);
	put_field(id, 0);
	put_field(r->at, 0);
	put_field(r->account_id_null ? NULL : acc, 0);
	put_field(a->actor, 0);
	put_field(a->role, 0);
	put_field(a->scope_code, 0);
	put_field(a->action, 0);
	put_field(a->target, 0);
	put_field(a->ip, 0);
	put_field(a->result, 0);
	put_field(a->detail, 0);
	put_field(r->hash, 1);
	c->count++;
	c->last_id = r->id;
	return 0;
}

static int audit_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"limit", required_argument, NULL, 'n'},
		{"before", required_argument, NULL, 'b'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *url = CLI_DEFAULT_DB;
	struct db *db = NULL;
	struct err e = ERR_INIT;
	struct list_ctx c = {0, 0};
	int64_t limit = LIST_DEFAULT, before = 0;
	int opt, ret;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': url = optarg; break;
		case 'n':
			if (parse_int64(optarg, 1, AUDIT_LIST_MAX, &limit) < 0) {
				fprintf(stderr, "wangge audit: --limit must be a number in [1, %d]\n",
				        AUDIT_LIST_MAX);
				return 1;
			}
			break;
		case 'b':
			if (parse_int64(optarg, 1, INT64_MAX, &before) < 0) {
				fprintf(stderr, "wangge audit: --before must be a row id\n");
				return 1;
			}
			break;
		default: return cli_usage("audit");
		}
	}
	if (optind < argc)
		return cli_usage("audit");
	if ((ret = open_db(url, &db)) != 0)
		return ret;
	printf("id\tat\taccount_id\tactor\trole\tscope_code\taction\ttarget\tip\tresult\tdetail\thash\n");
	if (store_audit_list(db, before, (int)limit, print_row, &c, &e) < 0) {
		ret = cli_fail("audit", "list: %s", e.msg_en);
	} else {
		if (c.count == limit && c.last_id > 1)
			fprintf(stderr, "audit: more with --before %lld\n", (long long)c.last_id);
		ret = 0;
	}
	db_close(db);
	return ret;
}

/* ---------------------------------------------------------------- append */

static int audit_append(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"actor", required_argument, NULL, 'a'},
		{"action", required_argument, NULL, 'A'},
		{"result", required_argument, NULL, 'r'},
		{"role", required_argument, NULL, 'R'},
		{"scope", required_argument, NULL, 's'},
		{"target", required_argument, NULL, 't'},
		{"ip", required_argument, NULL, 'i'},
		{"detail", required_argument, NULL, 'D'},
		{"account-id", required_argument, NULL, 'u'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *url = CLI_DEFAULT_DB;
	struct audit_entry a = {0};
	struct db *db = NULL;
	struct err e = ERR_INIT;
	int opt, ret;

	a.result = "ok";
	optind = 1;
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': url = optarg; break;
		case 'a': a.actor = optarg; break;
		case 'A': a.action = optarg; break;
		case 'r': a.result = optarg; break;
		case 'R': a.role = optarg; break;
		case 's': a.scope_code = optarg; break;
		case 't': a.target = optarg; break;
		case 'i': a.ip = optarg; break;
		case 'D': a.detail = optarg; break;
		case 'u':
			if (parse_int64(optarg, 1, INT64_MAX, &a.account_id) < 0) {
				fprintf(stderr, "wangge audit: --account-id must be a positive number\n");
				return 1;
			}
			break;
		default: return cli_usage("audit");
		}
	}
	if (optind < argc || (a.actor && !*a.actor) || !a.action || !*a.action || !*a.result)
		return cli_usage("audit");
	if (!a.actor)
		a.actor = cli_actor();     /* "cli:<login name>" */
	if ((ret = open_db(url, &db)) != 0)
		return ret;
	if (store_audit_append(db, &a, &e) < 0)
		ret = cli_fail("audit", "append: %s", e.msg_en);
	else
		printf("audit: event appended\n");
	db_close(db);
	return ret;
}

int cmd_audit(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage("audit");
	if (!strcmp(argv[1], "verify"))
		return audit_verify(argc - 1, argv + 1);
	if (!strcmp(argv[1], "list"))
		return audit_list(argc - 1, argv + 1);
	if (!strcmp(argv[1], "append"))
		return audit_append(argc - 1, argv + 1);
	fprintf(stderr, "wangge audit: unknown subcommand '%s'\n", argv[1]);
	return cli_usage("audit");
}
