/* SPDX-License-Identifier: MIT */
/* teehost keygen: a fresh RSA-3072, e = 3 enclave signing key, PEM, mode 0600, atomic. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/formats.h"
#include "sgx/keys.h"

static const char keygen_usage[] =
	"Usage: teehost keygen [--force] FILE\n"
	"\n"
	"Write a new RSA-3072 private key with public exponent 3 (the only kind EINIT accepts)\n"
	"to FILE as PEM, mode 0600, atomically. An existing FILE is kept unless --force.\n"
	"\n"
	"  -f, --force  replace an existing FILE\n"
	"  -h, --help   this help\n";

int keygen_parse_args(int argc, char **argv, struct keygen_args *a)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":fh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': a->force = true; break;
		case 'h': fputs(keygen_usage, stdout); return EXIT_OK;
		default: return bad_option("keygen", argc, argv, c);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("keygen", "expects one FILE");
	a->path = argv[optind];
	return ARGS_CONTINUE;
}

int cmd_keygen(int argc, char **argv)
{
	struct keygen_args a;
	struct th_err err = { { 0 } };
	struct evp_pkey_st *key;
	int ret = keygen_parse_args(argc, argv, &a);

	if (ret != ARGS_CONTINUE)
		return ret;
	if (th_key_generate(&key, &err))
		return cli_error_err(a.path, &err);
	ret = th_key_write(a.path, key, a.force, &err);
	th_key_free(key);
	if (ret)
		return cli_error_err(a.path, &err);
	printf("%s: RSA-3072 (e = 3) private key written (mode 0600)\n", a.path);
	return EXIT_OK;
}
