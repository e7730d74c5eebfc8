/* SPDX-License-Identifier: MIT */
/*
 * teehost run [--driver D] [--sigstruct F] [--tcs N] [--verbose] ENCLAVE [-- OP ARGS]
 *
 * Load an enclave through teehost's loader on the SGX driver present (or the one asked for)
 * and call it. ELF and SGXS enclaves are called with teehost's sample ABI
 * (include/teehost/sample_abi.h): OP is add A B (the default, 2 40), hash TEXT, store V, load.
 * Without --sigstruct they are signed on the fly with a throw-away test key (said so on stderr)
 * as DEBUG enclaves. An Intel SGX SDK .signed.so is loaded with its own SIGSTRUCT and gets the
 * SDK runtime's initialization ECALL, whose success is reported; full ECALLs need the
 * enclave's EDL and are out of scope.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/formats.h"
#include "launch/launch.h"
#include "launch/sdk_call.h"
#include "sgx/image.h"
#include "sgx/sigstruct.h"
#include "sgx/signer.h"
#include "teehost/loader.h"
#include "teehost/sample_abi.h"
#include "util/file.h"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: teehost run [--driver D] [--sigstruct F] [--tcs N] [--verbose] ENCLAVE "
		"[-- OP ARGS]\n\n"
		"Load ENCLAVE (ELF, SGXS or SDK .signed.so) with teehost's SGX loader and call it.\n"
		"Sample-ABI operations: add A B (default: add 2 40), hash TEXT, store V, load.\n\n"
		"  --driver D      kernel, dcap or isgx (default: probe as Intel's loader does;\n"
		"                  also $TEEHOST_SGX_DRIVER)\n"
		"  --sigstruct F   use this SIGSTRUCT (default: the SDK enclave's own, or sign\n"
		"                  with a throw-away test key)\n"
		"  --tcs N         enter on TCS number N (default 0)\n"
		"  -v, --verbose   say which driver was chosen and why, and each loader step\n"
		"  -h, --help      this text\n");
}

static void log_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "teehost run: %s\n", line);
}

static char what_buf[160];

static int parse_op(int argc, char **argv, struct th_sample_call *c, const char **what)
{
	unsigned long long a, b;

	memset(c, 0, sizeof(*c));
	c->magic = TH_SAMPLE_MAGIC;
	c->status = 1; /* the enclave overwrites it */
	if (argc == 0) {
		c->op = TH_SAMPLE_OP_ADD;
		c->args[0] = 2;
		c->args[1] = 40;
		*what = "add 2 40";
		return 0;
	}
	what_buf[0] = 0;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(what_buf);

		snprintf(what_buf + n, sizeof(what_buf) - n, "%s%s", i ? " " : "", argv[i]);
	}
	*what = what_buf;
	if (!strcmp(argv[0], "add") && argc == 3 && !cli_parse_u64(argv[1], UINT64_MAX, &a) &&
	    !cli_parse_u64(argv[2], UINT64_MAX, &b)) {
		c->op = TH_SAMPLE_OP_ADD;
		c->args[0] = a;
		c->args[1] = b;
	} else if (!strcmp(argv[0], "hash") && argc == 2) {
		c->op = TH_SAMPLE_OP_HASH;
		c->args[0] = (uint64_t)(uintptr_t)argv[1];
		c->args[1] = strlen(argv[1]);
	} else if (!strcmp(argv[0], "store") && argc == 2 &&
		   !cli_parse_u64(argv[1], UINT64_MAX, &a)) {
		c->op = TH_SAMPLE_OP_STORE;
		c->args[0] = a;
	} else if (!strcmp(argv[0], "load") && argc == 1) {
		c->op = TH_SAMPLE_OP_LOAD;
	} else {
		return -1;
	}
	return 0;
}

/* What the command line asks for. */
struct run_args {
	struct teehost_loader_opts opts;
	const char *path, *sigpath, *what;
	unsigned long long tcs;
	struct th_sample_call call;
};

/* ARGS_CONTINUE, or the exit code (help, usage errors). */
static int run_parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option longopts[] = {
		{ "driver", required_argument, NULL, 'd' },
		{ "sigstruct", required_argument, NULL, 's' },
		{ "tcs", required_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	memset(a, 0, sizeof(*a));
	a->opts.sz = sizeof(a->opts);
	while ((opt = getopt_long(argc, argv, "+d:s:t:vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			if (teehost_sgx_driver_parse(optarg, &a->opts.driver) < 0)
				return cli_usage_error("run", "--driver '%s': use kernel, dcap or isgx",
						       optarg);
			break;
		case 's':
			a->sigpath = optarg;
			break;
		case 't':
			if (cli_parse_u64(optarg, 1u << 20, &a->tcs))
				return cli_usage_error("run", "--tcs '%s' is not a TCS number", optarg);
			break;
		case 'v':
			a->opts.log = log_line;
			a->opts.log_ctx = NULL;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return cli_usage_error("run", "unknown option or missing argument");
		}
	}
	if (optind >= argc)
		return cli_usage_error("run", "no ENCLAVE given");
	a->path = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	if (parse_op(argc - optind, argv + optind, &a->call, &a->what) < 0)
		return cli_usage_error("run", "operation '%s' is not one of: add A B, hash TEXT, "
				       "store V, load", argv[optind]);
	return ARGS_CONTINUE;
}

/*
 * The SIGSTRUCT to load IMG with: --sigstruct, the SDK enclave's own, or one made on the fly
 * with a throw-away key. Exit code on failure (said), else EXIT_OK.
 */
static int run_sigstruct(const struct run_args *a, struct th_image *img, struct sgx_sigstruct *ss)
{
	struct th_err err = { { 0 } };
	bool sdk = img->plan.format == TH_FORMAT_SDK;

	if (a->sigpath) {
		struct th_mapped_file f;

		if (th_map_file(a->sigpath, &f, &err))
			return cli_error_err(a->sigpath, &err);
		if (th_sigstruct_parse(f.data, f.size, ss, &err)) {
			th_unmap_file(&f);
			return cli_error_err(a->sigpath, &err);
		}
		th_unmap_file(&f);
	} else if (sdk && img->sdk.sigstruct) {
		memcpy(ss, img->sdk.sigstruct, sizeof(*ss));
	} else {
		if (th_sign_throwaway(&img->plan, ss, &err))
			return cli_error_err(a->path, &err);
		fprintf(stderr, "teehost run: %s: no --sigstruct given: signed on the fly with a "
			"throw-away test key, as a DEBUG enclave\n", a->path);
		return EXIT_OK;
	}
	/* SECS attributes as the signer asked (INIT clear). */
	img->plan.attributes.flags = ss->attributes.flags & ~SGX_ATTR_INIT;
	img->plan.attributes.xfrm = ss->attributes.xfrm;
	img->plan.miscselect = ss->miscselect;
	return EXIT_OK;
}

/* Load and say where; the TCS asked for must exist. Exit code on failure, else EXIT_OK. */
static int run_load(const struct run_args *a, const struct th_image *img,
		    const struct sgx_sigstruct *ss, struct teehost_enclave **encl)
{
	struct th_sgx_status st;
	struct th_err err = { { 0 } };

	if (th_launch_load(&img->plan, ss, &a->opts, encl, &st, &err)) {
		fprintf(stderr, "teehost: %s: %s (step %s, common-loader error %#06x)\n", a->path,
			err.msg, st.step ? st.step : "?", st.code);
		return EXIT_FAIL;
	}
	printf("%s: loaded on the %s driver at %#" PRIx64 ", %" PRIu64 " pages, %zu TCS\n",
	       a->path, teehost_sgx_driver_name(teehost_enclave_driver(*encl)),
	       teehost_enclave_base(*encl), teehost_enclave_pages_added(*encl),
	       teehost_enclave_tcs_count(*encl));
	if (a->tcs >= teehost_enclave_tcs_count(*encl))
		return cli_error(a->path, "tcs: the enclave has %zu TCS, no number %llu",
				 teehost_enclave_tcs_count(*encl), a->tcs);
	return EXIT_OK;
}

/* An SDK enclave: the runtime's initialization ECALL (full ECALLs need its EDL). */
static int run_sdk_init(const struct run_args *a, const struct th_image *img,
			struct teehost_enclave *encl)
{
	const struct th_sdk_metadata_copy *m = &img->sdk.copies[img->sdk.used];
	struct th_err err = { { 0 } };
	uint64_t status = 0;

	if (th_sdk_init(encl, (size_t)a->tcs, m->version_major, &status, &err))
		return cli_error_err(a->path, &err);
	if (status != 0)
		return cli_error(a->path, "ecall: the SDK runtime's initialization ECALL returned "
				 "sgx_status_t %#" PRIx64, status);
	printf("%s: SDK runtime initialization ECALL (metadata %u.%u) succeeded\n", a->path,
	       m->version_major, m->version_minor);
	return EXIT_OK;
}

/* teehost's sample ABI: one call, its answer printed. */
static int run_sample_call(struct run_args *a, struct teehost_enclave *encl)
{
	struct th_err err = { { 0 } };
	struct teehost_enter io;

	memset(&io, 0, sizeof(io));
	io.rdi = (uint64_t)(uintptr_t)&a->call;
	if (th_enclave_enter(encl, (size_t)a->tcs, &io, &err))
		return cli_error_err(a->path, &err);
	if (a->call.status == 1)
		return cli_error(a->path, "enter: the enclave returned without answering the "
				 "sample ABI (is it teehost's sample enclave?)");
	if (a->call.status != 0)
		return cli_error(a->path, "%s: the enclave answered status %" PRId64, a->what,
				 a->call.status);
	printf("%s: %s = %" PRIu64 " (%#" PRIx64 ")\n", a->path, a->what, a->call.ret,
	       a->call.ret);
	return EXIT_OK;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct teehost_enclave *encl = NULL;
	struct th_image img;
	struct th_image_options iopts;
	struct th_err err = { { 0 } };
	struct sgx_sigstruct ss;
	int ret = run_parse_args(argc, argv, &a);

	if (ret != ARGS_CONTINUE)
		return ret;
	memset(&iopts, 0, sizeof(iopts));
	if (th_image_open(a.path, &iopts, &img, &err))
		return cli_error_err(a.path, &err);
	ret = run_sigstruct(&a, &img, &ss);
	if (ret == EXIT_OK)
		ret = run_load(&a, &img, &ss, &encl);
	if (ret == EXIT_OK)
		ret = img.plan.format == TH_FORMAT_SDK ? run_sdk_init(&a, &img, encl) :
		      run_sample_call(&a, encl);
	teehost_enclave_destroy(encl);
	th_image_close(&img);
	return ret;
}
