/* SPDX-License-Identifier: MIT */
/*
 * teehost show: every SIGSTRUCT field of a SIGSTRUCT file or of a signed SDK enclave, and the
 * verdicts (signature, Q1/Q2; for an enclave also whether the signed MRENCLAVE matches a fresh
 * measurement of the file).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/formats.h"
#include "sgx/sigstruct.h"
#include "util/json.h"

static const char show_usage[] =
	"Usage: teehost show [--json] FILE\n"
	"\n"
	"Print the SIGSTRUCT of FILE (a 1808-byte SIGSTRUCT, or a signed Intel SGX SDK .so) and\n"
	"whether its signature and Q1/Q2 are valid. For an enclave, also measure it and say\n"
	"whether the signed MRENCLAVE matches.\n"
	"\n"
	"  --json       print one JSON object\n"
	"  -h, --help   this help\n";

int show_parse_args(int argc, char **argv, struct show_args *a)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'j': a->json = true; break;
		case 'h': fputs(show_usage, stdout); return EXIT_OK;
		default: return bad_option("show", argc, argv, c);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("show", "expects one FILE");
	a->path = argv[optind];
	return ARGS_CONTINUE;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

static void print_sigstruct(const struct show_args *a, const struct sgx_sigstruct *ss,
			    const char *format, const uint8_t *measured)
{
	struct th_sigstruct_verdict v;
	uint8_t mrsigner[32];
	uint32_t type;
	char mr[65], signer[65], attr[33], mask[33], date[9];

	th_sigstruct_check(ss, &v);
	th_sigstruct_mrsigner(ss, mrsigner);
	memcpy(&type, ss->header1 + SGX_SIGSTRUCT_TYPE_OFFSET, 4);
	hex(mr, ss->enclave_hash, 32);
	hex(signer, mrsigner, 32);
	hex(attr, (const uint8_t *)&ss->attributes, 16);
	hex(mask, (const uint8_t *)&ss->attribute_mask, 16);
	snprintf(date, sizeof(date), "%08x", ss->date);
	if (a->json) {
		struct json_writer w;
		char buf[16];

		json_init(&w, stdout, false);
		json_begin_object(&w);
		json_key(&w, "file"); json_str(&w, a->path);
		json_key(&w, "format"); json_str(&w, format);
		json_key(&w, "mrenclave"); json_str(&w, mr);
		json_key(&w, "mrsigner"); json_str(&w, signer);
		json_key(&w, "isv_prod_id"); json_uint(&w, ss->isv_prod_id);
		json_key(&w, "isv_svn"); json_uint(&w, ss->isv_svn);
		json_key(&w, "attributes"); json_str(&w, attr);
		json_key(&w, "attribute_mask"); json_str(&w, mask);
		snprintf(buf, sizeof(buf), "%08x", ss->miscselect);
		json_key(&w, "misc_select"); json_str(&w, buf);
		snprintf(buf, sizeof(buf), "%08x", ss->miscmask);
		json_key(&w, "misc_mask"); json_str(&w, buf);
		snprintf(buf, sizeof(buf), "0x%x", type);
		json_key(&w, "header_type"); json_str(&w, buf);
		snprintf(buf, sizeof(buf), "0x%x", ss->vendor);
		json_key(&w, "vendor"); json_str(&w, buf);
		json_key(&w, "date"); json_str(&w, date);
		json_key(&w, "hw_version"); json_uint(&w, ss->swdefined);
		json_key(&w, "signature_valid"); json_bool(&w, v.signature_valid);
		json_key(&w, "q1q2_valid"); json_bool(&w, v.q1q2_valid);
		if (measured) {
			json_key(&w, "measured_mrenclave"); json_hex(&w, measured, 32);
			json_key(&w, "mrenclave_matches");
			json_bool(&w, !memcmp(measured, ss->enclave_hash, 32));
		}
		json_end_object(&w);
		json_finish(&w);
		return;
	}
	printf("mrenclave          %s\n", mr);
	printf("mrsigner           %s\n", signer);
	printf("isv_prod_id        %u\n", ss->isv_prod_id);
	printf("isv_svn            %u\n", ss->isv_svn);
	printf("attributes         %s\n", attr);
	printf("attribute_mask     %s\n", mask);
	printf("misc_select        %08x\n", ss->miscselect);
	printf("misc_mask          %08x\n", ss->miscmask);
	printf("header_type        0x%x\n", type);
	printf("vendor             0x%x\n", ss->vendor);
	printf("date               %s\n", date);
	printf("hw_version         %u\n", ss->swdefined);
	printf("signature_valid    %s\n", v.signature_valid ? "true" : "false");
	printf("q1q2_valid         %s\n", v.q1q2_valid ? "true" : "false");
	if (measured) {
		char m[65];

		hex(m, measured, 32);
		printf("measured_mrenclave %s\n", m);
		printf("mrenclave_matches  %s\n", memcmp(measured, ss->enclave_hash, 32) ? "false" : "true");
	}
}

int cmd_show(int argc, char **argv)
{
	struct show_args a;
	struct th_mapped_file f;
	struct th_image img;
	struct sgx_sigstruct ss;
	struct th_err err = { { 0 } };
	uint8_t measured[32];
	int ret = show_parse_args(argc, argv, &a);

	if (ret != ARGS_CONTINUE)
		return ret;
	if (th_map_file(a.path, &f, &err))
		return cli_error_err(a.path, &err);
	if (f.size >= 48 && f.data[0] >= 3 && f.data[0] <= 5 && !f.data[1] && f.data[2] == 2 &&
	    !f.data[3]) {       /* a DCAP quote: version 3, 4 or 5, ECDSA P-256 */
		ret = show_quote(a.path, f.data, f.size, a.json);
		th_unmap_file(&f);
		return ret;
	}
	if (show_tee(a.path, f.data, f.size, a.json, &ret)) {
		th_unmap_file(&f);
		return ret;
	}
	if (f.size == sizeof(ss) && th_image_detect(f.data, f.size) == TH_FORMAT_UNKNOWN) {
		ret = th_sigstruct_parse(f.data, f.size, &ss, &err);
		th_unmap_file(&f);
		if (ret)
			return cli_error_err(a.path, &err);
		print_sigstruct(&a, &ss, "sigstruct", NULL);
		return fflush(stdout) ? cli_error("stdout", "write failed") : EXIT_OK;
	}
	if (th_image_detect(f.data, f.size) == TH_FORMAT_UNKNOWN) {
		th_unmap_file(&f);
		return cli_error(a.path, "format: neither a 1808-byte SIGSTRUCT nor a signed SGX SDK enclave");
	}
	ret = th_image_build(f.data, f.size, &a.image, &img, &err);
	if (ret) {
		th_unmap_file(&f);
		return cli_error_err(a.path, &err);
	}
	if (!img.sdk.sigstruct) {
		ret = cli_error(a.path, "sigstruct: this %s enclave carries no SIGSTRUCT (show its .sig file)",
				th_plan_format_name(img.plan.format));
	} else if (th_sigstruct_parse((const uint8_t *)img.sdk.sigstruct, sizeof(ss), &ss, &err)) {
		ret = cli_error_err(a.path, &err);
	} else if (th_plan_measure(&img.plan, measured, &err)) {
		ret = cli_error_err(a.path, &err);
	} else {
		print_sigstruct(&a, &ss, th_plan_format_name(img.plan.format), measured);
		ret = fflush(stdout) ? cli_error("stdout", "write failed") : EXIT_OK;
	}
	th_image_close(&img);
	th_unmap_file(&f);
	return ret;
}
