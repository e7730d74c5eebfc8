/* SPDX-License-Identifier: MIT */
/* teehost measure: MRENCLAVE and a layout summary of an enclave, from its page plan. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/formats.h"
#include "util/json.h"

static const char measure_usage[] =
	"Usage: teehost measure [--json] [--flat] [--heap SIZE] ENCLAVE\n"
	"\n"
	"Compute MRENCLAVE of ENCLAVE (static enclave ELF, Intel SGX SDK .so, Fortanix .sgxs)\n"
	"and summarise its layout, without SGX hardware.\n"
	"\n"
	"  --json       print one JSON object\n"
	"  --flat       ENCLAVE is a flat image: TCS at page 0, R|W|X pages after it\n"
	"  --heap SIZE  (ELF) add SIZE bytes of unmeasured R|W heap after the image,\n"
	"               as the kernel selftest loader does\n"
	"  -h, --help   this help\n";

int measure_parse_args(int argc, char **argv, struct measure_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "flat", no_argument, NULL, 'f' },
		{ "heap", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': a->json = true; break;
		case 'f': a->image.flags |= TH_IMAGE_FLAT; break;
		case 'H':
			if (cli_parse_u64(optarg, 1ull << 36, &v))
				return cli_usage_error("measure", "--heap: '%s' is not a size up to 64 GiB", optarg);
			a->image.elf.heap_size = v;
			break;
		case 'h': fputs(measure_usage, stdout); return EXIT_OK;
		default: return bad_option("measure", argc, argv, c);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("measure", "expects one ENCLAVE file");
	a->path = argv[optind];
	return ARGS_CONTINUE;
}

int cmd_measure(int argc, char **argv)
{
	struct measure_args a;
	struct th_image img;
	struct th_plan_stats st;
	struct th_err err = { { 0 } };
	uint8_t mr[32];
	char hex[65];
	int ret = measure_parse_args(argc, argv, &a);

	if (ret != ARGS_CONTINUE)
		return ret;
	if (th_image_open(a.path, &a.image, &img, &err))
		return cli_error_err(a.path, &err);
	if (th_plan_measure(&img.plan, mr, &err)) {
		th_image_close(&img);
		return cli_error_err(a.path, &err);
	}
	th_plan_stats(&img.plan, &st);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", mr[i]);
	if (a.json) {
		struct json_writer w;

		json_init(&w, stdout, false);
		json_begin_object(&w);
		json_key(&w, "file"); json_str(&w, a.path);
		json_key(&w, "format"); json_str(&w, th_plan_format_name(img.plan.format));
		json_key(&w, "mrenclave"); json_hex(&w, mr, 32);
		json_key(&w, "enclave_size"); json_uint(&w, img.plan.size);
		json_key(&w, "ssa_frame_size"); json_uint(&w, img.plan.ssa_frame_size);
		json_key(&w, "pages_added"); json_uint(&w, st.pages_added);
		json_key(&w, "pages_measured"); json_uint(&w, st.pages_measured);
		json_key(&w, "pages_dynamic"); json_uint(&w, st.pages_dynamic);
		json_key(&w, "tcs_count"); json_uint(&w, st.tcs_count);
		json_end_object(&w);
		json_finish(&w);
	} else {
		printf("mrenclave       %s\n", hex);
		printf("format          %s\n", th_plan_format_name(img.plan.format));
		printf("enclave_size    0x%llx\n", (unsigned long long)img.plan.size);
		printf("ssa_frame_size  %u\n", img.plan.ssa_frame_size);
		printf("pages_added     %llu\n", (unsigned long long)st.pages_added);
		printf("pages_measured  %llu\n", (unsigned long long)st.pages_measured);
		printf("pages_dynamic   %llu\n", (unsigned long long)st.pages_dynamic);
		printf("tcs_count       %llu\n", (unsigned long long)st.tcs_count);
	}
	th_image_close(&img);
	if (fflush(stdout) != 0)
		return cli_error("stdout", "write failed");
	return EXIT_OK;
}
