/* SPDX-License-Identifier: MIT */
/*
 * teehost sim --snp-guest [OPTIONS] -- PROGRAM: run PROGRAM as if inside an SEV-SNP guest,
 * /dev/sev-guest served by the seccomp supervisor (src/guest/supervisor.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/sim-guest.h"
#include "guest/snp-launch.h"
#include "guest/supervisor.h"
#include "util/file.h"

static void sim_guest_help(void)
{
	printf("Usage: teehost sim --snp-guest [--measurement HEX | --launch OVMF [--vcpus N]\n"
	       "                   [--vcpu-type MODEL | --vcpu-sig N] [--guest-features N]]\n"
	       "                   [--host-data HEX] [--policy N] [--vmpl N] [--guest-svn N] [--product milan|genoa]\n"
	       "                   [--report-version 2|3|5] [--verbose] -- PROGRAM [ARGS]\n\n"
	       "Run PROGRAM (any program: static, Go, dynamic) with /dev/sev-guest: SNP_GET_REPORT,\n"
	       "SNP_GET_DERIVED_KEY and SNP_GET_EXT_REPORT as the kernel driver, reports signed by\n"
	       "a simulated VCEK under a simulated ASK/ARK (see teehost attest collateral).\n"
	       "--launch OVMF measures QEMU launching that SEV-capable OVMF image as the AMD-SP\n"
	       "does (the value sev-snp-measure --mode snp computes); --verbose prints it.\n");
}

/* --launch: the measurement of QEMU launching the OVMF image at PATH */
static int sim_guest_launch(const char *path, const struct snp_launch_opts *lo,
			    struct snp_guest_config *cfg)
{
	struct th_mapped_file f;
	struct th_err err = { "" };
	int rc = th_map_file(path, &f, &err);

	if (!rc) {
		rc = snp_launch_digest(f.data, f.size, lo, cfg->measurement, &err);
		th_unmap_file(&f);
	}
	if (rc) {
		th_err_prefix(&err, path);
		return cli_error_err("sim", &err);
	}
	return 0;
}

/* Options shared with collateral: the same launch makes the same VCEK. */
int sim_guest_parse(int argc, char **argv, struct snp_guest_config *cfg, int *verbose)
{
	static const struct option opts[] = {
		{ "snp-guest", no_argument, NULL, 'S' },
		{ "measurement", required_argument, NULL, 'm' },
		{ "host-data", required_argument, NULL, 'H' },
		{ "policy", required_argument, NULL, 'p' },
		{ "vmpl", required_argument, NULL, 'v' },
		{ "guest-svn", required_argument, NULL, 'g' },
		{ "product", required_argument, NULL, 'P' },
		{ "report-version", required_argument, NULL, 'r' },
		{ "launch", required_argument, NULL, 'L' },
		{ "vcpus", required_argument, NULL, 'n' },
		{ "vcpu-type", required_argument, NULL, 't' },
		{ "vcpu-sig", required_argument, NULL, 's' },
		{ "guest-features", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct snp_launch_opts lo;
	const char *launch = NULL;
	int measurement_set = 0;
	unsigned long long v;
	int c;

	snp_guest_config_default(cfg);
	snp_launch_opts_default(&lo);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'S':
			break;
		case 'm':
			if (cli_parse_hex(optarg, cfg->measurement, 48))
				return cli_usage_error("sim", "--measurement: up to 96 hex digits");
			measurement_set = 1;
			break;
		case 'L':
			launch = optarg;
			break;
		case 'n':
			if (cli_parse_u64(optarg, 512, &v) || v == 0)
				return cli_usage_error("sim", "--vcpus '%s': 1 to 512", optarg);
			lo.vcpus = (unsigned)v;
			break;
		case 't':
			if (snp_vcpu_sig(optarg, &lo.vcpu_sig))
				return cli_usage_error("sim", "--vcpu-type '%s': EPYC, EPYC-v4, EPYC-IBPB, "
						       "EPYC-Rome, EPYC-Milan or EPYC-Genoa", optarg);
			break;
		case 's':
			if (cli_parse_u64(optarg, UINT32_MAX, &v))
				return cli_usage_error("sim", "--vcpu-sig '%s': a 32-bit number", optarg);
			lo.vcpu_sig = (uint32_t)v;
			break;
		case 'f':
			if (cli_parse_u64(optarg, UINT64_MAX, &v) || !(v & 1))
				return cli_usage_error("sim", "--guest-features '%s': bit 0 (SNPActive) "
						       "must be set", optarg);
			lo.guest_features = v;
			break;
		case 'H':
			if (cli_parse_hex(optarg, cfg->host_data, 32))
				return cli_usage_error("sim", "--host-data: up to 64 hex digits");
			break;
		case 'p':
			if (cli_parse_u64(optarg, (1ull << 26) - 1, &v) || !(v & SNP_POLICY_RESERVED1))
				return cli_usage_error("sim", "--policy '%s': bit 17 must be set and bits "
						       "63:26 clear (e.g. 0x30000)", optarg);
			cfg->policy = v;
			break;
		case 'v':
			if (cli_parse_u64(optarg, 3, &v))
				return cli_usage_error("sim", "--vmpl '%s': 0 to 3", optarg);
			cfg->vmpl = (uint32_t)v;
			break;
		case 'g':
			if (cli_parse_u64(optarg, UINT32_MAX, &v))
				return cli_usage_error("sim", "--guest-svn '%s': a 32-bit number", optarg);
			cfg->guest_svn = (uint32_t)v;
			break;
		case 'P':
			if (!strcmp(optarg, "milan"))
				cfg->product = SNP_MILAN;
			else if (!strcmp(optarg, "genoa"))
				cfg->product = SNP_GENOA;
			else
				return cli_usage_error("sim", "--product '%s': milan or genoa", optarg);
			break;
		case 'r':
			if (cli_parse_u64(optarg, 5, &v) || (v != 2 && v != 3 && v != 5))
				return cli_usage_error("sim", "--report-version '%s': 2, 3 or 5", optarg);
			cfg->report_version = (uint32_t)v;
			break;
		case 'V':
			*verbose = 1;
			break;
		case 'h':
			sim_guest_help();
			return -1;
		default:
			return cli_usage_error("sim", "unknown option");
		}
	}
	if (launch && measurement_set)
		return cli_usage_error("sim", "--launch and --measurement: give one");
	if (launch)
		return sim_guest_launch(launch, &lo, cfg);
	return 0;
}

int cmd_sim_guest(int argc, char **argv)
{
	struct snp_guest_config cfg;
	struct snp_guest g;
	struct guest_supervisor s = { 0 };
	struct guest_tsm_provider tsm;
	struct th_err err = { "" };
	char fp[97];
	int verbose = 0, rc;

	rc = sim_guest_parse(argc, argv, &cfg, &verbose);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (optind >= argc)
		return cli_usage_error("sim", "no PROGRAM to run (teehost sim --snp-guest -- PROGRAM)");
	if (snp_guest_init(&g, &cfg, &err))
		return cli_error_err("sim", &err);
	if (verbose) {
		snp_cert_fingerprint(g.pki.ark, fp);
		fprintf(stderr, "teehost: sim: SEV-SNP guest (%s, simulated): ARK SHA-256 %s\n",
			snp_product_line(cfg.product), fp);
		fprintf(stderr, "teehost: sim: measurement ");
		for (int i = 0; i < 48; i++)
			fprintf(stderr, "%02x", cfg.measurement[i]);
		fputc('\n', stderr);
	}
	s.snp = &g;
	guest_tsm_snp(&g, &tsm);
	s.tsm = &tsm;
	rc = sim_guest_supervise(&s, argv + optind);
	if (rc >= 0 && verbose)
		fprintf(stderr, "teehost: sim: served %lu opens and %lu ioctls of /dev/sev-guest\n",
			s.opens, s.ioctls);
	snp_guest_free(&g);
	return rc < 0 ? EXIT_FAIL : rc;
}

int sim_guest_supervise(struct guest_supervisor *s, char **argv)
{
	int rc = guest_supervise(s, argv);

	if (rc >= 0 && s->tsm_error)
		fprintf(stderr, "teehost: sim: configfs-tsm was not available: %s\n",
			strerror(-s->tsm_error));
	if (rc >= 0 && s->mr_error)
		fprintf(stderr, "teehost: sim: the TD's sysfs measurements were not available: %s\n",
			strerror(-s->mr_error));
	if (rc < 0)
		cli_error("sim", "cannot start the guest supervisor: %s", strerror(-rc));
	return rc;
}
