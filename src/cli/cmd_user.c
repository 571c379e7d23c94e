/*
 * cmd_user.c - `wangge user add|list|disable|enable|reset-password|grant|
 * revoke`: user administration from the server's shell, through the same
 * rules as the admin API (app/users.h). The operator acts as "cli:<login>"
 * in the audit log and, like anyone holding the database, is not limited to
 * a scope.
 *
 * Passwords: --password puts one on the command line (visible to `ps`);
 * --password-stdin reads one line from standard input; with neither, a
 * strong password is generated and printed once.
 *
 * Exit 0 on success, 1 on a usage error, 2 when the change is refused or
 * the database fails, with one line "wangge user: reason" on stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "app/users.h"
#include "cli/cli.h"
#include "app/app.h"
#include "domain/password.h"
#include "lib/log.h"
#include "lib/str.h"
#include "store/store_account.h"
#include "lib/banned.h"

#define CLI_GRANTS 8                   /* --role/--scope pairs of one `add` */
#define LIST_PAGE 200
#define PW_LINE_MAX 1026               /* password bytes + newline + NUL */

/* Options of every subcommand; each subcommand accepts a subset (allow). */
enum opt_bit {
	O_DB = 1 << 0, O_USERNAME = 1 << 1, O_NAME = 1 << 2, O_PASSWORD = 1 << 3,
	O_PW_STDIN = 1 << 4, O_PHONE = 1 << 5, O_ROLE = 1 << 6, O_SCOPE = 1 << 7,
	O_TITLE = 1 << 8, O_NO_MUST = 1 << 9, O_Q = 1 << 10, O_GRANT = 1 << 11,
};

struct user_opts {
	const char *db, *username, *name, *password, *phone, *q;
	int pw_stdin, no_must;
	int64_t grant;
	struct users_grant_spec grants[CLI_GRANTS];
	int ngrants;
	unsigned seen;                 /* enum opt_bit */
};

/* Parse argv (argv[0] = the subcommand) into o. 0, or 1 after printing
 * usage or a reason. */
static int parse(int argc, char **argv, unsigned allow, struct user_opts *o)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"username", required_argument, NULL, 'u'},
		{"name", required_argument, NULL, 'n'},
		{"password", required_argument, NULL, 'p'},
		{"password-stdin", no_argument, NULL, 'P'},
		{"phone", required_argument, NULL, 'f'},
		{"role", required_argument, NULL, 'r'},
		{"scope", required_argument, NULL, 's'},
		{"title", required_argument, NULL, 't'},
		{"no-must-change", no_argument, NULL, 'M'},
		{"q", required_argument, NULL, 'q'},
		{"grant", required_argument, NULL, 'g'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static const struct { int opt; unsigned bit; } bits[] = {
		{'d', O_DB}, {'u', O_USERNAME}, {'n', O_NAME}, {'p', O_PASSWORD}, {'P', O_PW_STDIN},
		{'f', O_PHONE}, {'r', O_ROLE}, {'s', O_SCOPE}, {'t', O_TITLE}, {'M', O_NO_MUST},
		{'q', O_Q}, {'g', O_GRANT},
	};
	struct users_grant_spec *cur = NULL;
	int c;

	memset(o, 0, sizeof(*o));
	o->db = CLI_DEFAULT_DB;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		unsigned bit = 0;
		for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
			if (bits[i].opt == c)
				bit = bits[i].bit;
		if (!bit || !(allow & bit))
			return cli_usage("user");
		o->seen |= bit;
		switch (c) {
		case 'd': o->db = optarg; break;
		case 'u': o->username = optarg; break;
		case 'n': o->name = optarg; break;
		case 'p': o->password = optarg; break;
		case 'P': o->pw_stdin = 1; break;
		case 'f': o->phone = optarg; break;
		case 'M': o->no_must = 1; break;
		case 'q': o->q = optarg; break;
		case 'r':
			if (o->ngrants == CLI_GRANTS)
				return cli_fail("user", "at most %d --role options", CLI_GRANTS), 1;
			cur = &o->grants[o->ngrants++];
			cur->role = optarg;
			break;
		case 's':
		case 't':
			if (!cur)
				return cli_fail("user", "--%s needs a --role before it",
				                c == 's' ? "scope" : "title"), 1;
			if (c == 's')
				cur->scope = optarg;
			else
				cur->title = optarg;
			break;
		case 'g':
			if (parse_int64(optarg, 1, INT64_MAX, &o->grant) < 0)
				return cli_fail("user", "bad --grant '%s': expected a grant id", optarg), 1;
			break;
		}
	}
	if (optind < argc)
		return cli_usage("user");
	for (int i = 0; i < o->ngrants; i++)
		if (!o->grants[i].scope)
			return cli_fail("user", "--role %s needs a --scope", o->grants[i].role), 1;
	if (o->password && o->pw_stdin)
		return cli_fail("user", "give --password or --password-stdin, not both"), 1;
	return 0;
}

/* One line of standard input, without its line end, into out. */
static int read_password(char *out, size_t n)
{
	size_t len;

	if (!fgets(out, (int)n, stdin))
		return cli_fail("user", "no password on standard input");
	len = strcspn(out, "\r\n");
	if (len == strlen(out) && len == n - 1)
		return cli_fail("user", "password on standard input is too long");
	out[len] = '\0';
	return 0;
}

/* The password to set: --password, stdin or a generated one (*generated
 * = 1). 0 or 2. */
static int password_of(const struct user_opts *o, char *out, size_t n, int *generated)
{
	*generated = 0;
	if (o->password) {
		str_copy(out, n, o->password);
		return 0;
	}
	if (o->pw_stdin)
		return read_password(out, n);
	users_generate_password(out, n);
	*generated = 1;
	return 0;
}

/* Open and migrate the database; prints the failure. 0 or 2. */
static int open_db(const char *url, struct db **db)
{
	struct err e = ERR_INIT;
	struct stat st;

	*db = NULL;
	if (!strchr(url, ':') && stat(url, &st) < 0)
		return cli_fail("user", "no database '%s'", url);
	if (db_open(url, db, &e) < 0 || db_migrate(*db, &e) < 0) {
		db_close(*db);
		*db = NULL;
		return cli_fail("user", "%s", e.msg_en);
	}
	return 0;
}

static void actor_init(struct users_actor *a)
{
	memset(a, 0, sizeof(*a));
	a->name = cli_actor();
}

/* Refuse the change: print e and return 2. */
static int refused(const struct err *e)
{
	return cli_fail("user", "%s", e->msg_en);
}

/* ------------------------------------------------------------- add */

static int user_add(struct db *db, const struct user_opts *o)
{
	struct users_actor a;
	struct users_new n;
	struct err e = ERR_INIT;
	char pw[PW_LINE_MAX];
	int64_t id;
	int generated;

	if (!o->username || !o->name)
		return cli_fail("user", "add needs --username and --name"), 1;
	if (password_of(o, pw, sizeof(pw), &generated) != 0)
		return 2;
	actor_init(&a);
	memset(&n, 0, sizeof(n));
	n.username = o->username;
	n.display_name = o->name;
	n.password = pw;
	n.phone = o->phone;
	n.must_change_password = !o->no_must;
	n.grants = o->grants;
	n.ngrants = (size_t)o->ngrants;
	if (users_add(db, &a, &n, &id, &e) < 0)
		return refused(&e);
	printf("user %s added (id %lld)\n", o->username, (long long)id);
	if (generated)
		printf("password: %s\n(shown once%s)\n", pw,
		       n.must_change_password ? "; to be changed at the first log-in" : "");
	return 0;
}

/* ------------------------------------------------------------ list */

struct list_ctx {
	struct db *db;
	int64_t last;
	int rows;
};

static int grant_print(void *ctx, const struct grant_rec *g)
{
	int *first = ctx;

	printf("%s%lld:%s@%s%s%s%s", *first ? "" : ", ", (long long)g->id, g->role, g->scope_code,
	       g->title[0] ? "(" : "", g->title, g->title[0] ? ")" : "");
	*first = 0;
	return 0;
}

/* id, user name, display name, masked phone, state, grants: tab-separated. */
static int list_row(void *ctx, const struct account_rec *a)
{
	struct list_ctx *c = ctx;
	struct err e = ERR_INIT;
	char masked[sizeof(a->phone)];
	int first = 1;

	mask_phone(a->phone, masked, sizeof(masked));
	printf("%lld\t%s\t%s\t%s\t%s%s\t", (long long)a->id, a->username, a->display_name,
	       masked[0] ? masked : "-", a->disabled ? "disabled" : "active",
	       a->must_change_password ? ",must-change-password" : "");
	if (store_grants_of(c->db, a->id, grant_print, &first, &e) < 0)
		return -1;
	printf("%s\n", first ? "-" : "");
	c->last = a->id;
	c->rows++;
	return 0;
}

static int user_list(struct db *db, const struct user_opts *o)
{
	struct users_actor a;
	struct list_ctx c = {db, 0, 0};
	struct err e = ERR_INIT;
	int64_t next = 0;

	actor_init(&a);
	do {
		if (users_list(db, &a, o->q, next, LIST_PAGE, list_row, &c, &next, &e) != 0)
			return err_isset(&e) ? refused(&e) : cli_fail("user", "cannot read the grants");
	} while (next);
	if (!c.rows)
		fprintf(stderr, "wangge user: no users%s%s\n", o->q ? " matching " : "", o->q ? o->q : "");
	return 0;
}

/* ------------------------------------------- changes to one account */

static int need_username(const struct user_opts *o, const char *sub)
{
	if (o->username)
		return 0;
	return cli_fail("user", "%s needs --username", sub), 1;
}

/* The account's open live streams end on the servers (PostgreSQL; a server
 * on SQLite keeps them until they reconnect). */
static void end_streams(struct db *db, int64_t id)
{
	struct err e = ERR_INIT;

	if (app_notify_account_streams(db, id, &e) < 0)
		fprintf(stderr, "wangge user: the servers were not told to end the user's live streams: %s\n",
		        e.msg_en);
}

static int user_set_disabled(struct db *db, const struct user_opts *o, int disabled)
{
	struct users_actor a;
	struct account_rec acc;
	struct err e = ERR_INIT;

	actor_init(&a);
	if (users_get_by_name(db, &a, o->username, &acc, &e) < 0 ||
	    users_set_disabled(db, &a, acc.id, disabled, &e) < 0)
		return refused(&e);
	if (disabled)
		end_streams(db, acc.id);
	printf(disabled ? "user %s disabled; its sessions and API tokens have ended\n"
	                : "user %s enabled\n", acc.username);
	return 0;
}

static int user_reset_password(struct db *db, const struct user_opts *o)
{
	struct users_actor a;
	struct account_rec acc;
	struct err e = ERR_INIT;
	char pw[PW_LINE_MAX];
	int generated;

	actor_init(&a);
	if (users_get_by_name(db, &a, o->username, &acc, &e) < 0)
		return refused(&e);
	if (password_of(o, pw, sizeof(pw), &generated) != 0)
		return 2;
	if (users_set_password(db, &a, acc.id, pw, !o->no_must, &e) < 0)
		return refused(&e);
	end_streams(db, acc.id);
	printf("password of %s reset; its sessions have ended\n", acc.username);
	if (generated)
		printf("new password: %s\n(shown once%s)\n", pw,
		       o->no_must ? "" : "; to be changed at the next log-in");
	return 0;
}

static int user_grant(struct db *db, const struct user_opts *o)
{
	struct users_actor a;
	struct account_rec acc;
	struct grant_rec g;
	struct err e = ERR_INIT;

	if (o->ngrants != 1)
		return cli_fail("user", "grant needs one --role and --scope"), 1;
	actor_init(&a);
	if (users_get_by_name(db, &a, o->username, &acc, &e) < 0 ||
	    users_grant(db, &a, acc.id, &o->grants[0], &g, &e) < 0)
		return refused(&e);
	printf("granted %s@%s to %s (grant %lld)\n", g.role, g.scope_code, acc.username,
	       (long long)g.id);
	return 0;
}

static int user_revoke(struct db *db, const struct user_opts *o)
{
	struct users_actor a;
	struct account_rec acc;
	struct err e = ERR_INIT;

	if (!o->grant)
		return cli_fail("user", "revoke needs --grant ID (see 'wangge user list')"), 1;
	actor_init(&a);
	if (users_get_by_name(db, &a, o->username, &acc, &e) < 0 ||
	    users_revoke(db, &a, acc.id, o->grant, &e) < 0)
		return refused(&e);
	end_streams(db, acc.id);
	printf("revoked grant %lld of %s\n", (long long)o->grant, acc.username);
	return 0;
}

/* ------------------------------------------------------------ table */

enum sub { S_ADD, S_LIST, S_DISABLE, S_ENABLE, S_RESET, S_GRANT, S_REVOKE };

static const struct {
	const char *name;
	enum sub sub;
	unsigned allow;                /* enum opt_bit */
} subs[] = {
	{"add", S_ADD, O_DB | O_USERNAME | O_NAME | O_PASSWORD | O_PW_STDIN | O_PHONE | O_ROLE |
	               O_SCOPE | O_TITLE | O_NO_MUST},
	{"list", S_LIST, O_DB | O_Q},
	{"disable", S_DISABLE, O_DB | O_USERNAME},
	{"enable", S_ENABLE, O_DB | O_USERNAME},
	{"reset-password", S_RESET, O_DB | O_USERNAME | O_PASSWORD | O_PW_STDIN | O_NO_MUST},
	{"grant", S_GRANT, O_DB | O_USERNAME | O_ROLE | O_SCOPE | O_TITLE},
	{"revoke", S_REVOKE, O_DB | O_USERNAME | O_GRANT},
};

int cmd_user(int argc, char **argv)
{
	struct user_opts o;
	struct db *db = NULL;
	size_t i;
	int ret;

	if (argc < 2)
		return cli_usage("user");
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]) && strcmp(argv[1], subs[i].name); i++)
		;
	if (i == sizeof(subs) / sizeof(subs[0])) {
		fprintf(stderr, "wangge user: unknown subcommand '%s'; see 'wangge help user'\n", argv[1]);
		return 1;
	}
	if ((ret = parse(argc - 1, argv + 1, subs[i].allow, &o)) != 0)
		return ret;
	if (subs[i].sub != S_ADD && subs[i].sub != S_LIST && (ret = need_username(&o, subs[i].name)))
		return ret;
	log_set_level(LOG_WARN);
	if ((ret = open_db(o.db, &db)) != 0)
		return ret;
	switch (subs[i].sub) {
	case S_ADD: ret = user_add(db, &o); break;
	case S_LIST: ret = user_list(db, &o); break;
	case S_DISABLE: ret = user_set_disabled(db, &o, 1); break;
	case S_ENABLE: ret = user_set_disabled(db, &o, 0); break;
	case S_RESET: ret = user_reset_password(db, &o); break;
	case S_GRANT: ret = user_grant(db, &o); break;
	case S_REVOKE: ret = user_revoke(db, &o); break;
	}
	db_close(db);
	return ret;
}
