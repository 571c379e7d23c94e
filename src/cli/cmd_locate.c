/*
 * cmd_locate.c - `wangge locate` (placeholder until implemented).
 */
#include "cli/cli.h"
#include "lib/banned.h"

int cmd_locate(int argc, char **argv)
{
	return cli_fail("locate", "not implemented yet");
}
