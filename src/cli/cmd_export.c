/*
 * cmd_export.c - `wangge export` (placeholder until implemented).
 */
#include "cli/cli.h"
#include "lib/banned.h"

int cmd_export(int argc, char **argv)
{
	return cli_fail("export", "not implemented yet");
}
