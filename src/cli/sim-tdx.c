/* SPDX-License-Identifier: MIT */
/*
 * teehost sim --tdx-guest [OPTIONS] -- PROGRAM: run PROGRAM as if inside a TDX guest:
 * /dev/tdx_guest served by the seccomp supervisor (src/guest/supervisor.c), quotes through
 * configfs-tsm (src/guest/tsm.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/sim-guest.h"
#include "guest/supervisor.h"

static void sim_tdx_help(void)
{
	printf("Usage: teehost sim --tdx-guest [--mrtd HEX] [--rtmr I:HEX]... [--mrconfigid HEX]\n"
	       "                   [--mrowner HEX] [--mrownerconfig HEX] [--debug]\n"
	       "                   [--tdx-module 1.0|1.5] [--mrservicetd HEX]\n"
	       "                   [--quote-version 4|5] [--verbose] -- PROGRAM [ARGS]\n\n"
	       "Run PROGRAM (any program: static, Go, dynamic) as a TD: /dev/tdx_guest with\n"
	       "TDX_CMD_GET_REPORT0 as the kernel driver, and configfs-tsm under\n"
	       "/sys/kernel/config/tsm/report (provider tdx_guest) whose outblob is a TDX quote v4\n"
	       "(or v5) signed by a simulated TD quoting enclave under the test PCK chain (see\n"
	       "teehost attest collateral --tee tdx). --tdx-module 1.5: TDREPORT version 1 with\n"
	       "TEE_TCB_SVN2 and SERVTD_HASH (--mrservicetd), and v5 quotes carry body type 3\n"
	       "(TD report 1.5); a 1.0 module's v5 quotes carry body type 2 (TD report 1.0).\n"
	       "Measurements are 48 bytes (96 hex digits, shorter\n"
	       "values are zero-padded); RTMR I is 0 to 3, its launch value. PROGRAM extends RTMRs\n"
	       "as on Linux 6.16: 48 bytes written to /sys/class/misc/tdx_guest/measurements/\n"
	       "rtmrI:sha384 (RTMR = SHA-384(RTMR || data), in the next TDREPORT and quote).\n");
}

static int hex48(const char *opt, const char *s, uint8_t out[48])
{
	int rc = cli_parse_hex(s, out, 48);

	if (rc == -ERANGE)
		return cli_usage_error("sim", "%s: up to 96 hex digits, an even number", opt);
	if (rc)
		return cli_usage_error("sim", "%s: '%s' is not hex", opt, s);
	return 0;
}

/* Options shared with attest collateral --tee tdx. */
int sim_tdx_parse(int argc, char **argv, struct tdx_guest_config *cfg, int *verbose)
{
	static const struct option opts[] = {
		{ "tdx-guest", no_argument, NULL, 'T' },
		{ "tee", required_argument, NULL, 't' },
		{ "mrtd", required_argument, NULL, 'm' },
		{ "rtmr", required_argument, NULL, 'r' },
		{ "mrconfigid", required_argument, NULL, 'c' },
		{ "mrowner", required_argument, NULL, 'o' },
		{ "mrownerconfig", required_argument, NULL, 'O' },
		{ "mrservicetd", required_argument, NULL, 's' },
		{ "tdx-module", required_argument, NULL, 'M' },
		{ "quote-version", required_argument, NULL, 'q' },
		{ "debug", no_argument, NULL, 'd' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool servtd = false;
	int c;

	tdx_guest_config_default(cfg);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'T':
		case 't':
			break;
		case 'm':
			if (hex48("--mrtd", optarg, cfg->mr_td))
				return 2;
			break;
		case 'r':
			if (optarg[0] < '0' || optarg[0] > '3' || optarg[1] != ':')
				return cli_usage_error("sim", "--rtmr '%s': I:HEX with I 0 to 3", optarg);
			if (hex48("--rtmr", optarg + 2, cfg->rtmr[optarg[0] - '0']))
				return 2;
			break;
		case 'c':
			if (hex48("--mrconfigid", optarg, cfg->mr_config_id))
				return 2;
			break;
		case 'o':
			if (hex48("--mrowner", optarg, cfg->mr_owner))
				return 2;
			break;
		case 'O':
			if (hex48("--mrownerconfig", optarg, cfg->mr_owner_config))
				return 2;
			break;
		case 's':
			if (hex48("--mrservicetd", optarg, cfg->mr_servicetd))
				return 2;
			servtd = true;
			break;
		case 'M':
			if (strcmp(optarg, "1.0") && strcmp(optarg, "1.5"))
				return cli_usage_error("sim", "--tdx-module '%s': 1.0 or 1.5", optarg);
			cfg->module_minor = optarg[2] == '5' ? 5 : 0;
			break;
		case 'q':
			if (strcmp(optarg, "4") && strcmp(optarg, "5"))
				return cli_usage_error("sim", "--quote-version '%s': 4 or 5", optarg);
			cfg->quote_version = (unsigned)(optarg[0] - '0');
			break;
		case 'd':
			cfg->td_attributes |= 1;
			break;
		case 'V':
			*verbose = 1;
			break;
		case 'h':
			sim_tdx_help();
			return -1;
		default:
			return cli_usage_error("sim", "unknown option");
		}
	}
	if (servtd && cfg->module_minor != 5)
		return cli_usage_error("sim", "--mrservicetd: a TDX 1.0 module's TDINFO has no "
				       "SERVTD_HASH (add --tdx-module 1.5)");
	return 0;
}

int cmd_sim_tdx(int argc, char **argv)
{
	struct tdx_guest_config cfg;
	struct tdx_guest g;
	struct guest_supervisor s = { 0 };
	struct guest_tsm_provider tsm;
	struct th_err err = { "" };
	int verbose = 0, rc;

	rc = sim_tdx_parse(argc, argv, &cfg, &verbose);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (optind >= argc)
		return cli_usage_error("sim", "no PROGRAM to run (teehost sim --tdx-guest -- PROGRAM)");
	if (tdx_guest_init(&g, &cfg, &err))
		return cli_error_err("sim", &err);
	s.tdx = &g;
	guest_tsm_tdx(&g, &tsm);
	s.tsm = &tsm;
	rc = sim_guest_supervise(&s, argv + optind);
	if (rc >= 0 && verbose)
		fprintf(stderr, "teehost: sim: served %lu opens and %lu ioctls of /dev/tdx_guest, "
			"%u quotes\n", s.opens, s.ioctls, g.quotes);
	tdx_guest_free(&g);
	return rc < 0 ? EXIT_FAIL : rc;
}
