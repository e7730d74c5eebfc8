/* SPDX-License-Identifier: MIT */
/*
 * teehost: the command table. Usage text is printed from the same table that dispatches, so
 * help cannot drift from what runs. Commands match exactly (no prefix abbreviations: new
 * commands would break them).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "version", cmd_version, "print the teehost version" },
	{ "measure", cmd_measure, "compute MRENCLAVE and the layout of an enclave" },
	{ "sign", cmd_sign, "sign an enclave: SIGSTRUCT file, or a re-signed SDK .so" },
	{ "keygen", cmd_keygen, "generate an RSA-3072 (e = 3) enclave signing key" },
	{ "show", cmd_show, "print and verify a SIGSTRUCT or a signed enclave" },
	{ "sim", cmd_sim, "run a program on the user-mode SGX machine" },
	{ "run", cmd_run, "load an enclave with the SGX loader and call it" },
	{ "check", cmd_check, "check that this host is ready for SGX, SEV-SNP or TDX" },
	{ "setup", cmd_setup, "apply the safe fixes: udev rules, sgx_prv group, module options" },
	{ "attest", cmd_attest, "SEV-SNP collateral and report verification" },
	{ "kernel", cmd_kernel, "TEE kernel pipeline: config, verify, build, boot-test, deploy" },
	{ "fleet", cmd_fleet, "teehost check on every inventory host: one report (text, JSON, HTML)" },
	{ "attest", cmd_attest, "DCAP quotes from the simulator, their collateral, verification" },
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: teehost COMMAND [OPTIONS] [ARGS]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'teehost COMMAND --help' describes a command; man teehost(8) has the rest.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version"))
		return cmd_version(1, argv + 1);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "teehost: '%s' is not a command (see 'teehost --help')\n", argv[1]);
	return EXIT_USAGE;
}
