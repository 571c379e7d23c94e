/*
 * cmd_demo.c - `wangge demo` (placeholder until implemented).
 */
#include "cli/cli.h"
#include "lib/banned.h"

int cmd_demo(int argc, char **argv)
{
	return cli_fail("demo", "not implemented yet");
}
