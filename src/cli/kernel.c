// SPDX-License-Identifier: MIT
/*
 * teehost kernel config|verify|build|boot-test|deploy: the kernel pipeline.
 * Dispatch from a table (help printed from it); each verb parses its own
 * options and calls src/kernel/.
 */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "kernel/boottest.h"
#include "kernel/build.h"
#include "kernel/configure.h"
#include "kernel/deploy.h"
#include "kernel/recipe.h"
#include "util/err.h"
#include "util/file.h"
#include "util/json.h"

#define MAX_LIST 32

/* Library errors already start with the file they are about ("FILE: FIELD:
 * message"): print them as "teehost: " + that, one line. */
static int kerr(const struct th_err *err)
{
	fprintf(stderr, "teehost: %s\n", err->msg[0] ? err->msg : "failed");
	return EXIT_FAIL;
}

/* ---- shared option handling -------------------------------------------- */

struct kopts {
	const char *src, *base, *out, *recipe, *workdir;
	const char *profiles[MAX_LIST];
	size_t nprofiles;
	const char *fragments[MAX_LIST];
	size_t nfragments;
	int json;
	struct th_krecipe rec;
	int have_rec;
};

static int load_recipe(struct kopts *k, const char *cmd)
{
	struct th_err err = { "" };
	char *text = NULL, dirbuf[PATH_MAX];
	size_t len = 0;
	int r;

	(void)cmd;
	r = th_read_file(k->recipe, 1 << 20, &text, &len, &err);
	if (r)
		return cli_error(k->recipe, "%s", err.msg[0] ? err.msg : strerror(-r));
	snprintf(dirbuf, sizeof(dirbuf), "%s", k->recipe);
	r = th_krecipe_parse(&k->rec, text, len, dirname(dirbuf), &err);
	free(text);
	if (r)
		return cli_error_err(k->recipe, &err);
	k->have_rec = 1;
	/* The command line wins over the recipe; lists add to it. */
	if (!k->src)
		k->src = k->rec.src;
	if (!k->base)
		k->base = k->rec.base;
	for (size_t i = 0; i < k->rec.nprofiles && k->nprofiles < MAX_LIST; i++) {
		memmove(k->profiles + 1, k->profiles, k->nprofiles * sizeof(k->profiles[0]));
		k->profiles[0] = k->rec.profiles[k->rec.nprofiles - 1 - i];
		k->nprofiles++;
	}
	for (size_t i = 0; i < k->rec.nfragments && k->nfragments < MAX_LIST; i++) {
		memmove(k->fragments + 1, k->fragments, k->nfragments * sizeof(k->fragments[0]));
		k->fragments[0] = k->rec.fragments[k->rec.nfragments - 1 - i];
		k->nfragments++;
	}
	return 0;
}

static void print_table(const struct th_kconfig_result *res, FILE *out)
{
	fprintf(out, "%-28s %-8s %-8s %-16s %s\n", "OPTION", "ASKED", "GOT", "STATUS", "FROM");
	for (size_t i = 0; i < res->proof.n; i++) {
		const struct th_kreq *q = &res->proof.v[i];

		fprintf(out, "%-28s %-8s %-8s %-16s %s\n", q->name, q->want,
			q->got ? q->got : "(absent)", th_kreq_status_name(q->status), q->source);
	}
}

static void print_json(const struct th_kconfig_result *res, const char *out_path, FILE *out)
{
	struct json_writer w;

	json_init(&w, out, true);
	json_begin_object(&w);
	json_key(&w, "tree");
	json_str(&w, res->tree.src);
	json_key(&w, "version");
	json_str(&w, res->tree.version);
	json_key(&w, "base");
	json_str(&w, res->base);
	json_key(&w, "out");
	if (out_path)
		json_str(&w, out_path);
	else
		json_null(&w);
	json_key(&w, "ok");
	json_bool(&w, th_kproof_failures(&res->proof) == 0);
	json_key(&w, "options");
	json_begin_array(&w);
	for (size_t i = 0; i < res->proof.n; i++) {
		const struct th_kreq *q = &res->proof.v[i];

		json_begin_object(&w);
		json_key(&w, "name");
		json_str(&w, q->name);
		json_key(&w, "asked");
		json_str(&w, q->want);
		json_key(&w, "got");
		if (q->got)
			json_str(&w, q->got);
		else
			json_null(&w);
		json_key(&w, "status");
		json_str(&w, th_kreq_status_name(q->status));
		json_key(&w, "from");
		json_str(&w, q->source);
		json_key(&w, "reason");
		if (q->reason)
			json_str(&w, q->reason);
		else
			json_null(&w);
		json_key(&w, "fix");
		if (q->fix)
			json_str(&w, q->fix);
		else
			json_null(&w);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);
	json_finish(&w);
}

/* One line per option that did not stick: "teehost: SOURCE: CONFIG_X: ...". */
static void print_failures(const struct th_kconfig_result *res)
{
	for (size_t i = 0; i < res->proof.n; i++) {
		const struct th_kreq *q = &res->proof.v[i];

		if (q->status == TH_KREQ_OK)
			continue;
		if (q->status == TH_KREQ_ABSENT_OK) {
			fprintf(stderr, "teehost: %s: CONFIG_%s: note: %s\n", q->source, q->name,
				q->reason ? q->reason : "absent");
			continue;
		}
		fprintf(stderr, "teehost: %s: CONFIG_%s: asked %s, got %s: %s%s%s\n", q->source,
			q->name, q->want, q->got ? q->got : "nothing (absent from .config)",
			q->reason ? q->reason : "?", q->fix ? "; fix: " : "", q->fix ? q->fix : "");
	}
	if (res->proof.engine_mismatch)
		fprintf(stderr, "teehost: %s: note: kconfig recomputes this config differently "
			"(not an olddefconfig result, or another compiler); values above are "
			"kconfig's recomputation\n", res->base);
}

static const struct option config_long[] = {
	{ "src", required_argument, NULL, 's' },
	{ "base", required_argument, NULL, 'b' },
	{ "profile", required_argument, NULL, 'p' },
	{ "fragment", required_argument, NULL, 'f' },
	{ "out", required_argument, NULL, 'o' },
	{ "recipe", required_argument, NULL, 'r' },
	{ "workdir", required_argument, NULL, 'w' },
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_kopts(int argc, char **argv, const char *cmd, const char *usage,
		       struct kopts *k)
{
	int c;

	memset(k, 0, sizeof(*k));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", config_long, NULL)) != -1) {
		switch (c) {
		case 's': k->src = optarg; break;
		case 'b': k->base = optarg; break;
		case 'o': k->out = optarg; break;
		case 'r': k->recipe = optarg; break;
		case 'w': k->workdir = optarg; break;
		case 'j': k->json = 1; break;
		case 'p':
			if (k->nprofiles == MAX_LIST)
				return cli_usage_error(cmd, "too many --profile");
			k->profiles[k->nprofiles++] = optarg;
			break;
		case 'f':
			if (k->nfragments == MAX_LIST)
				return cli_usage_error(cmd, "too many --fragment");
			k->fragments[k->nfragments++] = optarg;
			break;
		case 'h':
			fputs(usage, stdout);
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	if (k->recipe && load_recipe(k, cmd))
		return EXIT_FAIL;
	return 0;
}

static const char config_usage[] =
	"Usage: teehost kernel config --src TREE [--base debian|tinyconfig|defconfig|allnoconfig|FILE]\n"
	"         [--profile NAME]... [--fragment FILE]... [--recipe FILE] [--out FILE] [--json]\n"
	"         [--workdir DIR]\n"
	"\n"
	"Make a kernel .config from a base (Debian's by default), new options at their defaults\n"
	"(olddefconfig), then the TEE profiles and fragments merged with the tree's own\n"
	"merge_config.sh and olddefconfig again. Then prove it: every requested option is\n"
	"compared with the result; one that did not stick is an error with the reason from the\n"
	"tree's own Kconfig (its 'depends on' with each term's value, the false term marked)\n"
	"and the option to add. The config is written atomically to --out (default .config)\n"
	"only when every option stuck. --workdir DIR keeps the work tree and kconfig.log there.\n"
	"\n"
	"Profiles: sgx-host sev-snp-host snp-guest tdx-guest tdx-host boot-test (see\n"
	"kernel/profiles/; TEEHOST_DATADIR overrides where they are looked up).\n";

static int kernel_config(int argc, char **argv)
{
	struct th_kconfig_opts o = { 0 };
	struct th_kconfig_result res;
	struct th_err err = { "" };
	struct kopts k;
	const char *out;
	int r;

	r = parse_kopts(argc, argv, "kernel config", config_usage, &k);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (optind < argc) {
		r = cli_usage_error("kernel config", "unexpected argument '%s'", argv[optind]);
		goto done;
	}
	if (!k.src) {
		r = cli_usage_error("kernel config", "--src TREE (or a recipe with src) is required");
		goto done;
	}
	out = k.out ? k.out : ".config";
	o.src = k.src;
	o.base = k.base;
	o.profiles = k.profiles;
	o.nprofiles = k.nprofiles;
	o.fragments = k.fragments;
	o.nfragments = k.nfragments;
	o.workdir = k.workdir;
	r = th_kernel_configure(&o, &res, &err);
	if (r) {
		th_kconfig_result_free(&res);
		r = kerr(&err);
		goto done;
	}
	if (k.json)
		print_json(&res, out, stdout);
	else {
		printf("Linux %s at %s, base %s\n", res.tree.version, res.tree.src, res.base);
		print_table(&res, stdout);
	}
	print_failures(&res);
	if (th_kproof_failures(&res.proof)) {
		fprintf(stderr, "teehost: %s: not written: %zu requested option(s) did not stick\n",
			out, th_kproof_failures(&res.proof));
		r = EXIT_FAIL;
	} else if (th_write_file_atomic(out, res.config, res.config_len, 0644, 0, &err)) {
		r = cli_error_err(out, &err);
	} else {
		if (!k.json)
			printf("wrote %s: %zu requested option(s), all as asked\n", out,
			       res.proof.n);
		r = EXIT_OK;
	}
	th_kconfig_result_free(&res);
done:
	if (k.have_rec)
		th_krecipe_free(&k.rec);
	return r;
}

static const char verify_usage[] =
	"Usage: teehost kernel verify --src TREE CONFIG [--profile NAME]... [--fragment FILE]...\n"
	"         [--json]\n"
	"\n"
	"The proof step alone: check that CONFIG has every option the profiles and fragments\n"
	"ask for, with the reason from the tree's Kconfig for each one it lacks. CONFIG is\n"
	"only read.\n";

static int kernel_verify(int argc, char **argv)
{
	struct th_kconfig_opts o = { 0 };
	struct th_kconfig_result res;
	struct th_err err = { "" };
	struct kopts k;
	int r;

	r = parse_kopts(argc, argv, "kernel verify", verify_usage, &k);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (optind + 1 != argc) {
		r = cli_usage_error("kernel verify", "one CONFIG file is required");
		goto done;
	}
	if (!k.src) {
		r = cli_usage_error("kernel verify", "--src TREE is required");
		goto done;
	}
	if (!k.nprofiles && !k.nfragments) {
		r = cli_usage_error("kernel verify", "give at least one --profile or --fragment");
		goto done;
	}
	o.src = k.src;
	o.profiles = k.profiles;
	o.nprofiles = k.nprofiles;
	o.fragments = k.fragments;
	o.nfragments = k.nfragments;
	o.workdir = k.workdir;
	r = th_kernel_verify(&o, argv[optind], &res, &err);
	if (r) {
		th_kconfig_result_free(&res);
		r = kerr(&err);
		goto done;
	}
	if (k.json)
		print_json(&res, NULL, stdout);
	else {
		printf("Linux %s at %s, config %s\n", res.tree.version, res.tree.src, res.base);
		print_table(&res, stdout);
	}
	print_failures(&res);
	r = th_kproof_failures(&res.proof) ? EXIT_FAIL : EXIT_OK;
	th_kconfig_result_free(&res);
done:
	if (k.have_rec)
		th_krecipe_free(&k.rec);
	return r;
}

/* ---- build ---------------------------------------------------------------- */

static void tty_progress(void *ctx, const char *phase, int pct, const char *detail)
{
	(void)ctx;
	if (!isatty(2))
		return;
	if (pct >= 0)
		fprintf(stderr, "\r\033[K[%s] %3d%% %s", phase, pct, detail ? detail : "");
	else
		fprintf(stderr, "\r\033[K[%s] %s", phase, detail ? detail : "");
	fflush(stderr);
}

static const char build_usage[] =
	"Usage: teehost kernel build --src TREE --config FILE [--series FILE | --patches DIR]\n"
	"         [--ref REF] [--profile NAME]... [--recipe FILE] [--out DIR] [--jobs N]\n"
	"         [--epoch SECONDS]\n"
	"\n"
	"Apply the patch series to a hard-linked copy of TREE, or with --ref (or a recipe's\n"
	"ref) to commit REF of the git work tree TREE exported by git archive (TREE's\n"
	"checkout is not touched), stopping at the first patch that does not apply, named;\n"
	"check that olddefconfig keeps every option of the profiles, build with\n"
	"bindeb-pkg, and write into --out (default ./kernel-out, which\n"
	"must not exist or be empty): the .debs, linux-RELEASE.tar.gz (vmlinuz, System.map,\n"
	"config, modules) and manifest.json. Reproducible: KBUILD_BUILD_TIMESTAMP/USER/HOST\n"
	"come from SOURCE_DATE_EPOCH (--epoch). OUT appears only when everything succeeded;\n"
	"the full log is OUT/build.log (or the file a failure names).\n";

static int kernel_build(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "src", required_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "series", required_argument, NULL, 'S' },
		{ "patches", required_argument, NULL, 'P' },
		{ "profile", required_argument, NULL, 'p' },
		{ "recipe", required_argument, NULL, 'r' },
		{ "out", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "epoch", required_argument, NULL, 'e' },
		{ "ref", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct th_kbuild_opts o = { .epoch = -1, .progress = tty_progress };
	struct th_kbuild_result res;
	struct th_err err = { "" };
	struct kopts k;
	const char *profiles[MAX_LIST];
	size_t np = 0;
	unsigned long long v;
	int c, r;

	memset(&k, 0, sizeof(k));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 's': o.src = optarg; break;
		case 'c': o.config = optarg; break;
		case 'S': o.series = optarg; break;
		case 'P': o.patches = optarg; break;
		case 'r': k.recipe = optarg; break;
		case 'o': o.out = optarg; break;
		case 'R': o.ref = optarg; break;
		case 'p':
			if (np == MAX_LIST)
				return cli_usage_error("kernel build", "too many --profile");
			profiles[np++] = optarg;
			break;
		case 'j':
			if (cli_parse_u64(optarg, 256, &v) || !v)
				return cli_usage_error("kernel build", "--jobs: want 1..256");
			o.jobs = (unsigned)v;
			break;
		case 'e':
			if (cli_parse_u64(optarg, 1ull << 40, &v))
				return cli_usage_error("kernel build", "--epoch: want seconds");
			o.epoch = (long long)v;
			break;
		case 'h': fputs(build_usage, stdout); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind < argc)
		return cli_usage_error("kernel build", "unexpected argument '%s'", argv[optind]);
	if (k.recipe) {
		if (load_recipe(&k, "kernel build"))
			return EXIT_FAIL;
		if (!o.src)
			o.src = k.rec.src;
		if (!o.series && !o.patches) {
			o.series = k.rec.series;
			o.more_series = (const char *const *)k.rec.more_series;
			o.nmore_series = k.rec.nmore_series;
			o.patches = k.rec.patches;
		}
		for (size_t i = 0; i < k.nprofiles && np < MAX_LIST; i++)
			profiles[np++] = k.profiles[i];
	}
	if (!o.src || !o.config) {
		r = cli_usage_error("kernel build", "--src TREE and --config FILE are required");
		goto done;
	}
	if (o.series && o.patches) {
		r = cli_usage_error("kernel build", "give --series or --patches, not both");
		goto done;
	}
	if (!o.out)
		o.out = "kernel-out";
	if (!o.jobs) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		o.jobs = n > 0 ? (unsigned)n : 1;
	}
	o.profiles = profiles;
	o.nprofiles = np;
	o.recipe = k.recipe;
	if (!o.ref && k.have_rec)
		o.ref = k.rec.ref;
	r = th_kernel_build(&o, &res, &err);
	if (isatty(2))
		fputs("\r\033[K", stderr);
	if (r) {
		r = kerr(&err);
		goto done;
	}
	printf("built %s in %.0f s: %s\nvmlinuz sha256 %s\nlog %s\n", res.release, res.seconds,
	       res.tarball, res.vmlinuz_sha256, res.log);
	r = EXIT_OK;
done:
	if (k.have_rec)
		th_krecipe_free(&k.rec);
	return r;
}

/* ---- boot-test ------------------------------------------------------------ */

static const char boot_usage[] =
	"Usage: teehost kernel boot-test ARTIFACT [--accel auto|kvm|tcg] [--timeout S]\n"
	"         [--profile NAME]... [--console FILE] [--json]\n"
	"\n"
	"Boot a 'teehost kernel build' output (its directory or linux-*.tar.gz) under QEMU\n"
	"with a generated busybox initramfs that checks, inside the guest, the running\n"
	"release, the TEE options in the running kernel's /proc/config.gz (those the build\n"
	"asked for, or those of --profile), and the SGX/SEV/TDX state (present but\n"
	"unsupported is the expected answer under QEMU), then powers off. KVM only where the\n"
	"CPU offers vmx/svm, TCG otherwise. Prints the verdict and seconds to verdict; exit 0\n"
	"on pass, 1 on fail.\n";

static int kernel_boot_test(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "accel", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "profile", required_argument, NULL, 'p' },
		{ "console", required_argument, NULL, 'C' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct th_kboot_opts o = { 0 };
	struct th_kboot_result res;
	struct th_err err = { "" };
	const char *profiles[MAX_LIST];
	size_t np = 0;
	unsigned long long v;
	int c, json = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'a': o.accel = optarg; break;
		case 'C': o.console = optarg; break;
		case 'j': json = 1; break;
		case 't':
			if (cli_parse_u64(optarg, 3600, &v) || !v)
				return cli_usage_error("kernel boot-test", "--timeout: want 1..3600");
			o.timeout = (unsigned)v;
			break;
		case 'p':
			if (np == MAX_LIST)
				return cli_usage_error("kernel boot-test", "too many --profile");
			profiles[np++] = optarg;
			break;
		case 'h': fputs(boot_usage, stdout); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind + 1 != argc)
		return cli_usage_error("kernel boot-test", "one ARTIFACT is required");
	if (o.accel && strcmp(o.accel, "auto") && strcmp(o.accel, "kvm") && strcmp(o.accel, "tcg"))
		return cli_usage_error("kernel boot-test", "--accel: want auto, kvm or tcg");
	o.artifact = argv[optind];
	o.profiles = profiles;
	o.nprofiles = np;
	if (th_kernel_boot_test(&o, &res, &err))
		return kerr(&err);
	if (json) {
		struct json_writer w;

		json_init(&w, stdout, true);
		json_begin_object(&w);
		json_key(&w, "verdict");
		json_str(&w, res.pass ? "pass" : "fail");
		json_key(&w, "seconds");
		json_double(&w, res.seconds);
		json_key(&w, "accel");
		json_str(&w, res.accel);
		json_key(&w, "release");
		json_str(&w, res.release);
		json_key(&w, "checks");
		json_begin_array(&w);
		for (size_t i = 0; i < res.nchecks; i++) {
			json_begin_object(&w);
			json_key(&w, "result");
			json_str(&w, res.checks[i].pass > 0 ? "pass" :
				 res.checks[i].pass == 0 ? "fail" : "info");
			json_key(&w, "text");
			json_str(&w, res.checks[i].text);
			json_end_object(&w);
		}
		json_end_array(&w);
		json_end_object(&w);
		json_finish(&w);
	} else {
		for (size_t i = 0; i < res.nchecks; i++)
			printf("  %s %s\n", res.checks[i].pass > 0 ? "pass" :
			       res.checks[i].pass == 0 ? "FAIL" : "info", res.checks[i].text);
		printf("verdict: %s in %.2f s (%s, %s)\n", res.pass ? "PASS" : "FAIL", res.seconds,
		       res.release, res.accel);
	}
	if (!res.pass) {
		for (size_t i = 0; i < res.nchecks; i++)
			if (res.checks[i].pass == 0) {
				fprintf(stderr, "teehost: %s: boot-test: %s\n", o.artifact,
					res.checks[i].text);
				break;
			}
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* ---- deploy --------------------------------------------------------------- */

static const char deploy_usage[] =
	"Usage: teehost kernel deploy ARTIFACT --inventory FILE [--reboot] [--check]\n"
	"         [--limit PATTERN] [--serial 1,5,25%] [--profile NAME]...\n"
	"\n"
	"Roll a 'teehost kernel build' output out to lab machines with the Ansible role in\n"
	"deploy/: install the linux-image .deb keeping the current default; with --reboot,\n"
	"boot it once (grub-reboot), gate it on the new kernel (release, the profiles' TEE\n"
	"options and 'teehost check --only FAMILY', inventory's extra commands), then make it\n"
	"the default, or reboot back into the old default and fail with the evidence.\n"
	"Hosts go a canary first, then in batches (--serial; default 1,5); the first failure\n"
	"stops the roll-out. --profile gates on some of the kernel's profiles only (default:\n"
	"all of them, from manifest.json). --check is Ansible's dry run.\n";

static const char rollback_usage[] =
	"Usage: teehost kernel rollback --inventory FILE [--check] [--limit PATTERN]\n"
	"         [--serial 1,5,25%] [--profile NAME]...\n"
	"\n"
	"Back to the kernel that was the default before the last deploy committed: boot it\n"
	"once, gate it as deploy does (on --profile's families), then make it the default.\n";

static int deploy_or_rollback(int argc, char **argv, bool rollback)
{
	static const struct option lo[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "check", no_argument, NULL, 'c' },
		{ "reboot", no_argument, NULL, 'r' },
		{ "limit", required_argument, NULL, 'l' },
		{ "serial", required_argument, NULL, 's' },
		{ "profile", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cmd = rollback ? "kernel rollback" : "kernel deploy";
	struct th_kdeploy_opts o = { 0 };
	struct th_err err = { "" };
	int c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'i': o.inventory = optarg; break;
		case 'c': o.check = 1; break;
		case 'r': o.reboot = 1; break;
		case 'l': o.limit = optarg; break;
		case 's': o.serial = optarg; break;
		case 'p':
			if (o.nprofiles == TH_KDEPLOY_MAX_PROFILES)
				return cli_usage_error(cmd, "too many --profile");
			o.profiles[o.nprofiles++] = optarg;
			break;
		case 'h': fputs(rollback ? rollback_usage : deploy_usage, stdout); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (rollback ? optind != argc : optind + 1 != argc)
		return cli_usage_error(cmd, rollback ? "takes no ARTIFACT" : "one ARTIFACT is required");
	if (rollback && o.reboot)
		return cli_usage_error(cmd, "--reboot is for deploy (a rollback always reboots)");
	if (!o.inventory)
		return cli_usage_error(cmd, "--inventory FILE is required");
	o.artifact = rollback ? NULL : argv[optind];
	o.reboot = rollback ? 1 : o.reboot;
	fflush(stdout);
	r = th_kernel_deploy(&o, &err);
	if (r < 0)
		return kerr(&err);
	return r ? EXIT_FAIL : EXIT_OK;
}

static int kernel_deploy(int argc, char **argv)
{
	return deploy_or_rollback(argc, argv, false);
}

static int kernel_rollback(int argc, char **argv)
{
	return deploy_or_rollback(argc, argv, true);
}

/* ---- dispatch ------------------------------------------------------------- */

struct verb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct verb verbs[] = {
	{ "config", kernel_config, "make a .config from a base + TEE profiles, and prove it" },
	{ "verify", kernel_verify, "prove an existing .config has the TEE options asked" },
	{ "build", kernel_build, "patch, build .debs + tarball + manifest.json, reproducibly" },
	{ "boot-test", kernel_boot_test, "boot a built kernel under QEMU and check it inside" },
	{ "deploy", kernel_deploy, "roll a built kernel out to lab machines with Ansible" },
	{ "rollback", kernel_rollback, "back to the previous default kernel, gated" },
	{ "series", cmd_kernel_series, "patch series: status, rebase, compose, bisect" },
};

static void kernel_usage(FILE *out)
{
	fprintf(out, "Usage: teehost kernel VERB [OPTIONS]\n\nVerbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		fprintf(out, "  %-10s %s\n", verbs[i].name, verbs[i].summary);
	fprintf(out, "\n'teehost kernel VERB --help' describes a verb; man teehost-kernel(8).\n");
}

int cmd_kernel(int argc, char **argv)
{
	if (argc < 2) {
		kernel_usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		kernel_usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "teehost kernel: '%s' is not a verb (see 'teehost kernel --help')\n",
		argv[1]);
	return EXIT_USAGE;
}
