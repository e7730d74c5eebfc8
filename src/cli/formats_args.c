/* SPDX-License-Identifier: MIT */
/* Argument helpers shared by measure, sign, keygen and show (declared in cli/formats.h). */
#include <getopt.h>
#include <stdint.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/formats.h"

int parse_date_bcd(const char *s, uint32_t *out)
{
	uint32_t v = 0;
	unsigned y, m, d;

	if (strlen(s) != 8)
		return -1;
	for (int i = 0; i < 8; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v << 4 | (uint32_t)(s[i] - '0');
	}
	y = (unsigned)((s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0'));
	m = (unsigned)((s[4] - '0') * 10 + (s[5] - '0'));
	d = (unsigned)((s[6] - '0') * 10 + (s[7] - '0'));
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	*out = v;
	return 0;
}

int bad_option(const char *cmd, int argc, char **argv, int opt)
{
	const char *arg = optind - 1 < argc && optind > 0 ? argv[optind - 1] : "?";

	if (opt == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", arg);
	if (optopt && optopt != '?')
		return cli_usage_error(cmd, "unknown option '-%c'", optopt);
	return cli_usage_error(cmd, "unknown option '%s'", arg);
}
