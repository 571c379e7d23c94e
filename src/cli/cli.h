/*
 * cli.h - git-style subcommands of the wangge binary.
 *
 * How to add a command:
 *   1. write `int cmd_NAME(int argc, char **argv)` in src/cli/cmd_NAME.c:
 *      argv[0] is the command name; parse options with getopt_long; return 0
 *      on success, or print one line "wangge NAME: reason" to stderr and
 *      return non-zero (1 for usage, 2 for a failure);
 *   2. declare it below;
 *   3. add a row to `commands[]` in cli.c with a one-line summary and the
 *      usage text that `wangge help NAME` prints;
 *   4. add a test that runs it (tests/api/ for commands that touch data).
 */
#ifndef WG_CLI_H
#define WG_CLI_H

struct cli_command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;   /* one line, for `wangge help` */
	const char *usage;     /* full text, for `wangge help NAME` */
};

int cli_main(int argc, char **argv);
/* Print a command's usage to stderr; returns 1 (usage error). */
int cli_usage(const char *name);
/* Print "wangge NAME: message" to stderr; returns 2. */
int cli_fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "cli:<login name>": who ran a command, for the audit log. */
const char *cli_actor(void);

/* Default database when --db is not given. */
#define CLI_DEFAULT_DB "wangge.db"

int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_locate(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_events(int argc, char **argv);
int cmd_display(int argc, char **argv);
int cmd_kpi(int argc, char **argv);

#endif
