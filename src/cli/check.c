/* SPDX-License-Identifier: MIT */
/* teehost check: is this machine ready for SGX, SEV-SNP or TDX? */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "host/check.h"
#include "util/json.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: teehost check [--json] [--only sgx|sev|tdx] [--root DIR] [--cpuid FILE]\n"
		"                     [--user NAME] [--verbose]\n"
		"\n"
		"Check that this machine is ready to run SGX enclaves, SEV-SNP or TDX guests: CPU, firmware,\n"
		"kernel, drivers, device nodes and services. Each check prints its id, status, what it means\n"
		"and, when something is wrong, the evidence and the fix. Exit status 0 when every relevant\n"
		"required check passes, 1 otherwise.\n"
		"\n"
		"  --json          one JSON object: {\"host\":..., \"checks\":[...], \"summary\":...}\n"
		"  --only FAMILY   only sgx, sev or tdx checks (the family becomes required); repeatable\n"
		"  --root DIR      read every file (procfs, sysfs, /dev, /etc, /boot) under DIR\n"
		"  --cpuid FILE    CPUID from FILE, a dump made by `cpuid -r`\n"
		"  --user NAME     also check that NAME is in group sgx_prv\n"
		"  --verbose       evidence of passing checks too, and every skipped check on its own line\n"
		"\n"
		"Check ids are listed in teehost-check(8).\n");
}

int parse_only(const char *cmd, const char *arg, unsigned *only)
{
	if (!strcmp(arg, "sgx"))
		*only |= TH_ONLY_SGX;
	else if (!strcmp(arg, "sev"))
		*only |= TH_ONLY_SEV;
	else if (!strcmp(arg, "tdx"))
		*only |= TH_ONLY_TDX;
	else
		return cli_usage_error(cmd, "--only takes sgx, sev or tdx, not '%s'", arg);
	return 0;
}

static const char *family(const char *id, char *buf, size_t cap)
{
	const char *dot = strchr(id, '.');
	snprintf(buf, cap, "%.*s", dot ? (int)(dot - id) : (int)strlen(id), id);
	return buf;
}

static void print_text(const struct th_host *h, bool verbose, const struct th_summary *s, int rc)
{
	static const char *const tag[] = { "PASS", "WARN", "FAIL", "SKIP" };

	printf("teehost check: %s%s%s (family 0x%x model 0x%x)%s%s%s; root %s\n", h->id.vendor,
	       h->id.brand[0] ? " " : "", h->id.brand, h->id.family, h->id.model,
	       h->id.hypervisor ? ", virtual machine (" : "", h->id.hypervisor ? h->id.hv_vendor : "",
	       h->id.hypervisor ? ")" : "", h->root.path);
	for (size_t i = 0; i < h->n; i++) {
		const struct th_check *c = &h->v[i];
		if (c->status == TH_SKIP && !verbose) {
			/* one line for a run of skips of the same family with the same reason */
			size_t j = i + 1;
			char f1[16], f2[16];
			while (j < h->n && h->v[j].status == TH_SKIP &&
			       !strcmp(family(c->id, f1, sizeof(f1)), family(h->v[j].id, f2, sizeof(f2))) &&
			       !strcmp(c->explanation, h->v[j].explanation))
				j++;
			if (j - i > 1)
				printf("SKIP  %s .. %s (%zu checks): %s\n", c->id, h->v[j - 1].id, j - i, c->explanation);
			else
				printf("SKIP  %-20s %s\n", c->id, c->explanation);
			i = j - 1;
			continue;
		}
		printf("%s  %-20s %s%s\n", tag[c->status], c->id, c->explanation,
		       c->status == TH_FAIL && !c->required ? " (optional)" : "");
		if (c->evidence[0] && (c->status == TH_WARN || c->status == TH_FAIL || verbose))
			printf("      evidence: %s\n", c->evidence);
		if (c->fix[0] && (c->status == TH_WARN || c->status == TH_FAIL))
			printf("      fix: %s\n", c->fix);
	}
	bool tee = h->sgx_hw || h->sev_hw || h->tdx_host_hw || h->sev_guest || h->tdx_guest || h->opts.only;
	printf("summary: %u passed, %u warning%s, %u failed (%u required), %u skipped: %s\n", s->pass,
	       s->warn, s->warn == 1 ? "" : "s", s->fail, s->required_fail, s->skip,
	       rc ? "NOT READY (a required check failed)" :
	       tee ? "ready (every relevant required check passed)" :
		     "no TEE hardware here; nothing relevant failed");
}

static void print_json(const struct th_host *h, const struct th_summary *s, int rc)
{
	struct json_writer w;
	json_init(&w, stdout, false);
	json_begin_object(&w);
	json_key(&w, "host");
	json_begin_object(&w);
	json_key(&w, "root");
	json_str(&w, h->root.path);
	json_key(&w, "vendor");
	json_str(&w, h->id.vendor);
	json_key(&w, "brand");
	json_str(&w, h->id.brand);
	json_key(&w, "family");
	json_uint(&w, h->id.family);
	json_key(&w, "model");
	json_uint(&w, h->id.model);
	json_key(&w, "hypervisor");
	json_bool(&w, h->id.hypervisor);
	json_key(&w, "kernel");
	json_str(&w, h->osrelease);
	json_key(&w, "tee");
	json_begin_array(&w);
	if (h->sgx_hw)
		json_str(&w, "sgx");
	if (h->sev_hw)
		json_str(&w, "sev-host");
	if (h->tdx_host_hw)
		json_str(&w, "tdx-host");
	if (h->sev_guest)
		json_str(&w, "sev-guest");
	if (h->tdx_guest)
		json_str(&w, "tdx-guest");
	json_end_array(&w);
	json_end_object(&w);
	json_key(&w, "checks");
	json_begin_array(&w);
	for (size_t i = 0; i < h->n; i++) {
		const struct th_check *c = &h->v[i];
		json_begin_object(&w);
		json_key(&w, "id");
		json_str(&w, c->id);
		json_key(&w, "status");
		json_str(&w, th_status_name(c->status));
		json_key(&w, "required");
		json_bool(&w, c->required);
		json_key(&w, "evidence");
		json_str(&w, c->evidence);
		json_key(&w, c->status == TH_SKIP ? "reason" : "explanation");
		json_str(&w, c->explanation);
		json_key(&w, "fix");
		json_str(&w, c->fix);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_key(&w, "summary");
	json_begin_object(&w);
	json_key(&w, "pass");
	json_uint(&w, s->pass);
	json_key(&w, "warn");
	json_uint(&w, s->warn);
	json_key(&w, "fail");
	json_uint(&w, s->fail);
	json_key(&w, "required_fail");
	json_uint(&w, s->required_fail);
	json_key(&w, "skip");
	json_uint(&w, s->skip);
	json_key(&w, "ready");
	json_bool(&w, rc == 0);
	json_end_object(&w);
	json_end_object(&w);
	json_finish(&w);
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "only", required_argument, NULL, 'o' },
		{ "root", required_argument, NULL, 'r' },
		{ "cpuid", required_argument, NULL, 'c' },
		{ "user", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct th_check_opts o = { 0 };
	bool json = false, verbose = false;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "ho:r:c:u:v", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j': json = true; break;
		case 'o':
			if ((r = parse_only("check", optarg, &o.only)))
				return r;
			break;
		case 'r': o.root = optarg; break;
		case 'c': o.cpuid_file = optarg; break;
		case 'u': o.user = optarg; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return EXIT_OK;
		default: return cli_usage_error("check", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage_error("check", "unexpected argument '%s'", argv[optind]);

	struct th_host h;
	struct th_err e = { { 0 } };
	if (th_host_open(&h, &o, &e))
		return cli_error_err("check", &e);
	th_host_check(&h, &e);
	struct th_summary s;
	int rc = th_host_summary(&h, &s);
	if (json)
		print_json(&h, &s, rc);
	else
		print_text(&h, verbose, &s, rc);
	fflush(stdout);
	th_host_close(&h);
	return rc;
}
