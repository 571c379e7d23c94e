/*
 * cli.c - the command table and dispatcher (see cli.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli/cli.h"
#include "lib/banned.h"

#define WANGGE_VERSION "0.1.0"

static const struct cli_command commands[] = {
	{"help", cmd_help, "列出命令，或说明一个命令 / list commands or explain one",
	 "usage: wangge help [COMMAND]\n"},
	{"version", cmd_version, "显示版本 / print the version", "usage: wangge version\n"},
	{"serve", cmd_serve, "启动 HTTP 服务 / run the HTTP server",
	 "usage: wangge serve [--db URL] [--listen HOST:PORT] [--config FILE]\n"
	 "                    [--threads N] [--web DIR] [--access-log FILE|-|off]\n"
	 "                    [--photos DIR]\n"
	 "\n"
	 "Serves the JSON API under /api/v1 and the web pages. --config reads an ini\n"
	 "file (see docs/api.md); command-line options win over it. SIGTERM/SIGINT\n"
	 "stop accepting, let in-flight requests finish and close the database.\n"
	 "Defaults: --db wangge.db --listen 127.0.0.1:8080 --threads <16 per core, 64 at least> --web web\n"
	 "--photos: where event photos are kept (created 0750 when missing); default\n"
	 "FILE.photos beside a SQLite database FILE, ./wangge-photos for PostgreSQL.\n"
	 "Back it up together with the database.\n"},
	{"demo", cmd_demo, "生成白云区演示数据 / build the Baiyun demo district",
	 "usage: wangge demo [--db FILE] [--seed N] [--outline FILE [--crs gcj02|wgs84|bd09]]\n"
	 "                   [--events N] [--events-end TIME]\n"
	 "\n"
	 "Replaces the org data in FILE with a deterministic demo district: the 24\n"
	 "real towns/streets of Baiyun (official codes and names), 404 communities,\n"
	 "1,145 areas and 3,454 grids tiling the district outline, with fictional\n"
	 "staff. Without --outline a built-in approximation of the outline is used.\n"
	 "It also writes a year of grid events (the events already there are deleted):\n"
	 "  --events N         events over the 365 days before the end (default 259000,\n"
	 "                     Baiyun's yearly volume; 0 for none)\n"
	 "  --events-end TIME  when the history ends: Unix seconds or\n"
	 "                     YYYY-MM-DDTHH:MM:SSZ (default now). The same seed, count\n"
	 "                     and end give the same events; see docs/demo.md\n"},
	{"import", cmd_import, "导入 GeoJSON 单位边界 / import units from GeoJSON",
	 "usage: wangge import units FILE [--db FILE] [--crs wgs84|gcj02|bd09] [--repair]\n"
	 "                               [--level LEVEL] [--parent CODE] [--partial] [--dry-run]\n"
	 "\n"
	 "FILE is a GeoJSON FeatureCollection (RFC 7946) or a DataV-style JSON array\n"
	 "of Features (DataV files are GCJ-02: use --crs gcj02). Property names are\n"
	 "listed in docs/import.md. Everything is validated first and every problem is\n"
	 "listed; nothing is written unless all of it is valid (exit 2 otherwise).\n"
	 "  --repair       fix invalid polygons (GEOSMakeValid) and warn instead of failing\n"
	 "  --level LEVEL  level of features that state none (district … grid)\n"
	 "  --parent CODE  every unit must lie below CODE (a unit, or a city such as 440100)\n"
	 "  --partial      the file does not bring every child: coverage gaps are warnings\n"
	 "  --dry-run      validate only\n"},
	{"export", cmd_export, "导出 GeoJSON / export units as GeoJSON",
	 "usage: wangge export units [--level LEVEL|all] [--under CODE] [--db FILE]\n"
	 "                           [--out FILE] [--crs wgs84|gcj02|bd09]\n"
	 "\n"
	 "Writes a GeoJSON FeatureCollection (stdout by default) of the units at LEVEL\n"
	 "(default: every level, parents first) below CODE, with the properties that\n"
	 "`wangge import units` reads back (docs/import.md).\n"},
	{"locate", cmd_locate, "查询坐标所在网格 / which grid is this point in",
	 "usage: wangge locate --lat LAT --lon LON [--crs wgs84|gcj02|bd09] [--db FILE]\n"
	 "\n"
	 "Prints the grid containing the point, as GET /api/v1/locate answers it.\n"
	 "Exit 3 when the point lies outside every grid.\n"},
	{"migrate", cmd_migrate, "在数据库之间迁移整套部署 / copy a deployment between databases",
	 "usage: wangge migrate --from URL --to URL\n"
	 "\n"
	 "Copies everything (units and their geometry, people, posts, settings, and\n"
	 "whatever later versions add) from one database to another, e.g.\n"
	 "  wangge migrate --from sqlite:wangge.db --to postgresql://wangge@db/wangge\n"
	 "Both are brought to the newest schema first. The target's wangge tables are\n"
	 "replaced in one transaction, so a failure leaves it as it was and a rerun\n"
	 "gives the same result. Afterwards row counts and checksums of every table\n"
	 "are compared; exit 0 only when they all agree.\n"},
	{"audit", cmd_audit, "校验、查看审计日志 / verify and list the audit log",
	 "usage: wangge audit verify [--db URL]\n"
	 "       wangge audit list [--db URL] [--limit N] [--before ID]\n"
	 "       wangge audit append --action ACTION [--actor NAME] [--result ok|denied|failed]\n"
	 "                           [--role ROLE] [--scope CODE] [--target T] [--ip ADDR]\n"
	 "                           [--detail TEXT] [--account-id N] [--db URL]\n"
	 "\n"
	 "verify walks the hash chain of the audit log (docs/audit.md) and prints\n"
	 "'audit: N rows, chain intact' (exit 0) or 'audit: chain broken at row K: why'\n"
	 "(exit 1) naming the first edited, inserted or missing row; exit 2 when the\n"
	 "database cannot be read. list prints rows newest first as tab-separated\n"
	 "lines (default 50, at most 1000; --before ID for the next page). append\n"
	 "records one event by hand, for operators' test drills (actor: cli:<login>\n"
	 "unless --actor); it is chained and kept like every other row.\n"},
	{"user", cmd_user, "管理用户与角色 / manage users and their roles",
	 "usage: wangge user add --username NAME --name DISPLAY [--password P | --password-stdin]\n"
	 "                       [--phone PHONE] [--role ROLE --scope CODE [--title T]]...\n"
	 "                       [--no-must-change] [--db URL]\n"
	 "       wangge user list [--q TEXT] [--db URL]\n"
	 "       wangge user disable|enable --username NAME [--db URL]\n"
	 "       wangge user reset-password --username NAME [--password P | --password-stdin]\n"
	 "                       [--no-must-change] [--db URL]\n"
	 "       wangge user grant --username NAME --role ROLE --scope CODE [--title T] [--db URL]\n"
	 "       wangge user revoke --username NAME --grant ID [--db URL]\n"
	 "\n"
	 "Accounts and their role grants, with the rules of the admin API\n"
	 "(docs/api.md, 'Users and roles'). User names are 3-32 characters of a-z 0-9 _ . -;\n"
	 "passwords at least 10 characters and not a common one. Roles and the scope\n"
	 "each is granted on:\n"
	 "  admin         区管理员   the district          command      指挥中心  district or town\n"
	 "  station_head  站长       a community           grid_leader  网格长    an area\n"
	 "  grid_worker   网格员     a grid                department   职能部门  a department (440111-cg)\n"
	 "  leader        领导       district, town or community (read-only)\n"
	 "  resident      群众       the district\n"
	 "Without --password or --password-stdin a strong password is generated and\n"
	 "printed once. New and reset passwords must be changed at the next log-in\n"
	 "unless --no-must-change. disable also ends the user's sessions and API\n"
	 "tokens; reset-password ends their sessions. list prints tab-separated lines:\n"
	 "id, user name, display name, phone (masked), state, grants as ID:ROLE@SCOPE;\n"
	 "revoke takes such a grant ID. Every change is written to the audit log as\n"
	 "cli:<login>. Exit 1 on a usage error, 2 when the change is refused.\n"
	 "  wangge user add --username zhang --name 张三 --password-stdin \\\n"
	 "      --role command --scope 440111002 --title 调度员\n"
	 "  wangge user grant --username zhang --role grid_worker --scope 4401110020010101\n"},
	{"events", cmd_events, "导入 12345 工单 / import 12345 hotline work orders",
	 "usage: wangge events import-hotline FILE.csv [--db URL]\n"
	 "\n"
	 "Each row of the CSV (UTF-8, a header row) becomes a grid event of source\n"
	 "hotline, registered at the town of its point (docs/events.md). Columns by\n"
	 "header name: 工单编号 (external_id), 事件类别 (category: code or level-2\n"
	 "name), 诉求内容 (description), 经度 (lon), 纬度 (lat) are required; 坐标系\n"
	 "(crs), 标题 (title), 地址 (address), 紧急程度 (urgency), 来电人 (caller),\n"
	 "联系电话 (phone) are optional. The whole file is checked first: any bad row\n"
	 "and nothing is imported (each error is printed with its line). Orders\n"
	 "already imported are skipped, so a file may be imported again. Recorded in\n"
	 "the audit log as cli:<login>. Exit 1 on a usage error, 2 when refused.\n"},
	{"display", cmd_display, "大屏终端：列出、停用 / list or revoke wall displays",
	 "usage: wangge display list [--db URL]\n"
	 "       wangge display revoke ID [--db URL]\n"
	 "\n"
	 "The wall displays of the command big screen (docs/api.md, 'Wall displays'),\n"
	 "for when /displays cannot be reached. list prints tab-separated lines: id,\n"
	 "unit, name, status (pending unpaired active expired revoked), last seen,\n"
	 "expiry. revoke stops the display's token and any pairing code at once; its\n"
	 "open live streams end at once on PostgreSQL (every instance), on SQLite at\n"
	 "the screen's next request (within 30 s). Recorded in the audit log as\n"
	 "cli:<login>. Exit 1 on a usage error, 2 when refused (no such display,\n"
	 "already revoked).\n"},
	{"kpi", cmd_kpi, "重算事件指标计数 / rebuild the KPI counters",
	 "usage: wangge kpi rebuild [--db URL]\n"
	 "\n"
	 "Recomputes every KPI counter (table kpi_agg) from the event table in one\n"
	 "transaction and prints how many events and counter rows there are. The\n"
	 "counters are kept up to date as events change; rebuild after loading events\n"
	 "in bulk, after restoring the event table alone, or when in doubt. Readers\n"
	 "see the old counters until it commits. docs/kpi.md explains the counters.\n"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct cli_command *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int cli_usage(const char *name)
{
	const struct cli_command *c = find(name);
	if (c)
		fputs(c->usage, stderr);
	return 1;
}

int cli_fail(const char *name, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "wangge %s: ", name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

const char *cli_actor(void)
{
	static char actor[96];
	const char *u = getenv("SUDO_USER");

	if (!u || !*u)
		u = getenv("USER");
	snprintf(actor, sizeof(actor), "cli:%s", u && *u ? u : "unknown");
	return actor;
}

int cmd_help(int argc, char **argv)
{
	const struct cli_command *c;

	if (argc > 1) {
		if (!(c = find(argv[1]))) {
			fprintf(stderr, "wangge help: unknown command '%s'\n", argv[1]);
			return 1;
		}
		printf("wangge %s - %s\n\n%s", c->name, c->summary, c->usage);
		return 0;
	}
	printf("wangge %s - 网格化服务管理平台 / grid-based social governance\n\n"
	       "usage: wangge COMMAND [OPTIONS]\n\ncommands:\n", WANGGE_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-9s %s\n", commands[i].name, commands[i].summary);
	printf("\n'wangge help COMMAND' explains one command.\n");
	return 0;
}

int cmd_version(int argc, char **argv)
{
	printf("wangge %s\n", WANGGE_VERSION);
	return 0;
}

int cli_main(int argc, char **argv)
{
	const struct cli_command *c;

	if (argc < 2)
		return cmd_help(1, argv) ? 1 : 1;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return cmd_help(1, argv);
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv);
	if (!(c = find(argv[1]))) {
		fprintf(stderr, "wangge: unknown command '%s'; see 'wangge help'\n", argv[1]);
		return 1;
	}
	return c->fn(argc - 1, argv + 1);
}
