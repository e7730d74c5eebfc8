/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "teehost/teehost.h"

int cmd_version(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: teehost version\n\nPrint the version of teehost.\n");
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage_error("version", "takes no arguments");
	printf("teehost %s\n", teehost_version());
	return EXIT_OK;
}
