/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: argument parsing of measure, sign, keygen and show. The input is NUL-
 * separated arguments; its first byte picks the command. Only the parsers run (no file is
 * opened or written). They live in the CLI rather than the library, so the CLI sources are
 * included here: that keeps the target buildable by both the corpus replayer and
 * scripts/fuzz.sh, which link the library only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cli/cli.c"
#include "../src/cli/formats_args.c"
#include "../src/cli/keygen.c"
#include "../src/cli/measure.c"
#include "../src/cli/show.c"
#include "../src/cli/show_quote.c"
#include "../src/cli/sign.c"

#define MAX_ARGS 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *names[] = { "measure", "sign", "keygen", "show" };
	char *buf, *argv[MAX_ARGS + 2];
	int argc = 1;
	size_t i = 1, start;
	union {
		struct measure_args m;
		struct sign_args s;
		struct keygen_args k;
		struct show_args sh;
	} a;
	int which;

	if (size == 0 || size > 4096)
		return 0;
	which = data[0] % 4;
	buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = (char *)names[which];
	for (start = 1; i <= size && argc <= MAX_ARGS; i++) {
		if (i == size || buf[i] == '\0') {
			buf[i] = '\0';
			argv[argc++] = buf + start;
			start = i + 1;
		}
	}
	argv[argc] = NULL;
	switch (which) {
	case 0: measure_parse_args(argc, argv, &a.m); break;
	case 1: sign_parse_args(argc, argv, &a.s); break;
	case 2: keygen_parse_args(argc, argv, &a.k); break;
	default: show_parse_args(argc, argv, &a.sh); break;
	}
	fflush(stdout);
	free(buf);
	return 0;
}
