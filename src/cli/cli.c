/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

int cli_error(const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "teehost: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_FAIL;
}

int cli_error_err(const char *what, const struct th_err *err)
{
	return cli_error(what, "%s", err->msg[0] ? err->msg : "failed");
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "teehost %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'teehost %s --help')\n", cmd);
	return EXIT_USAGE;
}

int cli_parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int cli_parse_hex(const char *s, uint8_t *out, size_t n)
{
	size_t len = strlen(s);

	if (len > 2 * n || len % 2)
		return -ERANGE;
	memset(out, 0, n);
	for (size_t i = 0; i < len / 2; i++) {
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };

		if (!strchr("0123456789abcdefABCDEF", b[0]) || !strchr("0123456789abcdefABCDEF", b[1]))
			return -EINVAL;
		out[i] = (uint8_t)strtoul(b, NULL, 16);
	}
	return 0;
}
