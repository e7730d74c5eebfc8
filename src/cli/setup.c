/* SPDX-License-Identifier: MIT */
/* teehost setup: apply the fixes `teehost check` names that are safe to apply. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "host/setup.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: teehost setup [--dry-run] [--root DIR] [--cpuid FILE] [--user NAME]\n"
		"                     [--only sgx|sev|tdx]\n"
		"\n"
		"Apply the safe fixes for this host's TEE hardware and say what was done:\n"
		"  SGX      udev rules for /dev/sgx_enclave (0666) and /dev/sgx_provision (group sgx_prv,\n"
		"           0660) with /dev/sgx/ links; the sgx_prv group; --user NAME added to it;\n"
		"           `udevadm trigger` on the live machine\n"
		"  SEV      /etc/modprobe.d options for kvm_amd: sev, sev_es, sev_snp as the CPU has them\n"
		"  TDX      /etc/modprobe.d options for kvm_intel: tdx\n"
		"  MSRs     the msr module, now and at boot (teehost check reads firmware state with it)\n"
		"Stricter permissions found in other udev rules, and module options an admin set to 0,\n"
		"are kept. /dev is never remounted. A second run changes nothing. Every file is written\n"
		"atomically, all of them or none.\n"
		"\n"
		"  --dry-run       print the changes as a unified diff and change nothing\n"
		"  --root DIR      work on the system tree under DIR (no commands are run)\n"
		"  --cpuid FILE    CPUID from FILE, a dump made by `cpuid -r`\n"
		"  --user NAME     add NAME to group sgx_prv\n"
		"  --only FAMILY   only sgx, sev or tdx; repeatable\n");
}

int cmd_setup(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "root", required_argument, NULL, 'r' },
		{ "cpuid", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "only", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct th_check_opts o = { 0 };
	bool dry = false;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "hnr:c:u:o:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n': dry = true; break;
		case 'r': o.root = optarg; break;
		case 'c': o.cpuid_file = optarg; break;
		case 'u': o.user = optarg; break;
		case 'o':
			if ((r = parse_only("setup", optarg, &o.only)))
				return r;
			break;
		case 'h': usage(stdout); return EXIT_OK;
		default: return cli_usage_error("setup", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("setup", "unexpected argument '%s'", argv[optind]);

	struct th_host h;
	struct th_plan p;
	struct th_err e = { { 0 } };
	int rc = EXIT_OK;
	if (th_host_open(&h, &o, &e))
		return cli_error_err("setup", &e);
	if (th_setup_plan(&h, &p, &e)) {
		th_host_close(&h);
		return cli_error_err("setup", &e);
	}
	printf("teehost setup: root %s%s\n", h.root.path, dry ? " (dry run: nothing is changed)" : "");
	if (!p.nch && !p.nact) {
		printf("nothing to change\n");
	} else if (dry) {
		th_setup_print_diff(&p, stdout);
		for (int i = 0; i < p.nact; i++)
			printf("would run: %s\n", p.actions[i]);
	} else if (th_setup_apply(&h, &p, stdout, &e)) {
		rc = cli_error_err("setup", &e);
	} else {
		printf("changed %d file%s\n", p.nch, p.nch == 1 ? "" : "s");
	}
	for (int i = 0; i < p.nnotes; i++)
		printf("note: %s\n", p.notes[i]);
	th_setup_free(&p);
	th_host_close(&h);
	return rc;
}
