/* SPDX-License-Identifier: MIT */
/*
 * teehost attest collateral|verify --tee snp: the SEV-SNP half (src/cli/attest-snp.c).
 * The SGX/TDX half (h11) joins here: keep this dispatcher small.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"

int attest_snp_collateral(int argc, char **argv, const char *out);
int attest_snp_verify(const char *report_path, const char *dir, int json);

static void attest_help(void)
{
	printf("Usage: teehost attest collateral --tee snp --out DIR [sim --snp-guest options]\n"
	       "       teehost attest verify --tee snp --collateral DIR [--json] REPORT\n");
}

/* Takes --tee T, --out/--collateral DIR and --json out of argv; the rest stays for the verb. */
int cmd_attest(int argc, char **argv)
{
	const char *tee = NULL, *dir = NULL, *file = NULL;
	char *rest[64];
	int nrest = 0, json = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		attest_help();
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	rest[nrest++] = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--tee") && i + 1 < argc)
			tee = argv[++i];
		else if ((!strcmp(argv[i], "--out") || !strcmp(argv[i], "--collateral")) && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] != '-' && !strcmp(argv[1], "verify"))
			file = argv[i];
		else if (nrest < 63)
			rest[nrest++] = argv[i];
	}
	rest[nrest] = NULL;
	if (!tee || strcmp(tee, "snp"))
		return cli_usage_error("attest", "--tee %s: this build knows snp", tee ? tee : "missing");
	if (!dir)
		return cli_usage_error("attest", "%s needs %s DIR", argv[1],
				       !strcmp(argv[1], "verify") ? "--collateral" : "--out");
	if (!strcmp(argv[1], "collateral"))
		return attest_snp_collateral(nrest, rest, dir);
	if (!strcmp(argv[1], "verify")) {
		if (!file)
			return cli_usage_error("attest", "verify: no REPORT");
		return attest_snp_verify(file, dir, json);
	}
	return cli_usage_error("attest", "unknown verb '%s' (collateral, verify)", argv[1]);
}
