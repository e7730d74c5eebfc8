/* SPDX-License-Identifier: MIT */
/*
 * Argument parsing for measure, sign, keygen and show, kept apart from what the commands do so
 * the fuzz target fuzz/cli_args.c can drive it without touching files. Each parser returns
 * -1 to go on, or the exit status to end with (0 after --help, 2 after a usage error).
 */
#ifndef TEEHOST_CLI_FORMATS_H
#define TEEHOST_CLI_FORMATS_H

#include <stdbool.h>

#include "sgx/image.h"
#include "sgx/signer.h"

#define ARGS_CONTINUE (-1)

struct measure_args {
	bool json;
	struct th_image_options image;
	const char *path;
};

struct sign_args {
	const char *key;
	const char *out;
	bool force;
	struct th_image_options image;
	struct th_sign_params params;
	const char *path;
};

struct keygen_args {
	bool force;
	const char *path;
};

struct show_args {
	bool json;
	struct th_image_options image;
	const char *path;
};

int measure_parse_args(int argc, char **argv, struct measure_args *a);
int sign_parse_args(int argc, char **argv, struct sign_args *a);
int keygen_parse_args(int argc, char **argv, struct keygen_args *a);
int show_parse_args(int argc, char **argv, struct show_args *a);

/* "YYYYMMDD" to BCD 0xYYYYMMDD; 0 on success. */
int parse_date_bcd(const char *s, uint32_t *out);
/* Report an unknown option or missing argument the way every subcommand does. */
int bad_option(const char *cmd, int argc, char **argv, int opt);

#endif
