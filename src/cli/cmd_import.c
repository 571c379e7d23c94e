/*
 * cmd_import.c - `wangge import` (placeholder until implemented).
 */
#include "cli/cli.h"
#include "lib/banned.h"

int cmd_import(int argc, char **argv)
{
	return cli_fail("import", "not implemented yet");
}
