/* SPDX-License-Identifier: MIT */
/*
 * teehost sign: ELF / SGXS / flat input -> a 1808-byte SIGSTRUCT file; SDK .so -> a re-signed
 * .so (every SIGSTRUCT copy in its metadata replaced, MRENCLAVE unchanged). Outputs are written
 * atomically: on any failure nothing is left behind.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/formats.h"
#include "sgx/keys.h"
#include "sgx/sigstruct.h"
#include "util/file.h"

static const char sign_usage[] =
	"Usage: teehost sign --key KEY.pem [OPTIONS] ENCLAVE\n"
	"\n"
	"Sign ENCLAVE with an RSA-3072 (e = 3) key. A static ELF, .sgxs or flat image gives a\n"
	"1808-byte SIGSTRUCT (default ENCLAVE.sig); an Intel SGX SDK .so gives a re-signed .so\n"
	"(needs --out, or --force to replace the input).\n"
	"\n"
	"  -k, --key KEY.pem         private key (see 'teehost keygen')\n"
	"  -o, --out FILE            output file\n"
	"  -f, --force               allow replacing the input .so\n"
	"      --isvprodid N         ISVPRODID (0..65535)\n"
	"      --isvsvn N            ISVSVN (0..65535)\n"
	"      --date YYYYMMDD       signing date (default today, or SOURCE_DATE_EPOCH)\n"
	"      --vendor N            vendor field (0 or 0x8086)\n"
	"      --debug               set ATTRIBUTES.DEBUG\n"
	"      --attributes N        ATTRIBUTES.FLAGS      --attribute-mask N  its mask\n"
	"      --xfrm N              ATTRIBUTES.XFRM       --xfrm-mask N       its mask\n"
	"      --miscselect N        MISCSELECT            --miscmask N        its mask\n"
	"      --flat                ENCLAVE is a flat image (TCS at page 0)\n"
	"      --heap SIZE           (ELF) unmeasured heap after the image, as in measure\n"
	"  -h, --help                this help\n"
	"\n"
	"Defaults: for an SDK .so, from its metadata and existing SIGSTRUCT; otherwise the\n"
	"enclave's attributes, an attribute mask of every flag but DEBUG and all XFRM bits,\n"
	"MISCMASK all ones, ISV fields 0.\n";

enum {
	OPT_ISVPRODID = 256, OPT_ISVSVN, OPT_DATE, OPT_VENDOR, OPT_DEBUG, OPT_ATTR, OPT_ATTRMASK,
	OPT_XFRM, OPT_XFRMMASK, OPT_MISC, OPT_MISCMASK, OPT_FLAT, OPT_HEAP,
};

int sign_parse_args(int argc, char **argv, struct sign_args *a)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "force", no_argument, NULL, 'f' },
		{ "isvprodid", required_argument, NULL, OPT_ISVPRODID },
		{ "isvsvn", required_argument, NULL, OPT_ISVSVN },
		{ "date", required_argument, NULL, OPT_DATE },
		{ "vendor", required_argument, NULL, OPT_VENDOR },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "attributes", required_argument, NULL, OPT_ATTR },
		{ "attribute-mask", required_argument, NULL, OPT_ATTRMASK },
		{ "xfrm", required_argument, NULL, OPT_XFRM },
		{ "xfrm-mask", required_argument, NULL, OPT_XFRMMASK },
		{ "miscselect", required_argument, NULL, OPT_MISC },
		{ "miscmask", required_argument, NULL, OPT_MISCMASK },
		{ "flat", no_argument, NULL, OPT_FLAT },
		{ "heap", required_argument, NULL, OPT_HEAP },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct th_sign_params *p = &a->params;
	unsigned long long v;
	int c;

	memset(a, 0, sizeof(*a));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":k:o:fh", opts, NULL)) != -1) {
		unsigned long long max = ~0ull;
		const char *name = NULL;

		switch (c) {
		case 'k': a->key = optarg; continue;
		case 'o': a->out = optarg; continue;
		case 'f': a->force = true; continue;
		case 'h': fputs(sign_usage, stdout); return EXIT_OK;
		case OPT_DEBUG: p->set |= TH_SIGN_DEBUG; p->debug = true; continue;
		case OPT_FLAT: a->image.flags |= TH_IMAGE_FLAT; continue;
		case OPT_DATE:
			if (parse_date_bcd(optarg, &p->date))
				return cli_usage_error("sign", "--date: '%s' is not a date YYYYMMDD", optarg);
			p->set |= TH_SIGN_DATE;
			continue;
		case OPT_ISVPRODID: name = "--isvprodid"; max = 0xffff; break;
		case OPT_ISVSVN: name = "--isvsvn"; max = 0xffff; break;
		case OPT_VENDOR: name = "--vendor"; max = 0xffffffff; break;
		case OPT_MISC: name = "--miscselect"; max = 0xffffffff; break;
		case OPT_MISCMASK: name = "--miscmask"; max = 0xffffffff; break;
		case OPT_HEAP: name = "--heap"; max = 1ull << 36; break;
		case OPT_ATTR: name = "--attributes"; break;
		case OPT_ATTRMASK: name = "--attribute-mask"; break;
		case OPT_XFRM: name = "--xfrm"; break;
		case OPT_XFRMMASK: name = "--xfrm-mask"; break;
		default: return bad_option("sign", argc, argv, c);
		}
		if (cli_parse_u64(optarg, max, &v))
			return cli_usage_error("sign", "%s: '%s' is not a number up to 0x%llx", name, optarg, max);
		switch (c) {
		case OPT_ISVPRODID: p->isv_prod_id = (uint16_t)v; p->set |= TH_SIGN_ISVPRODID; break;
		case OPT_ISVSVN: p->isv_svn = (uint16_t)v; p->set |= TH_SIGN_ISVSVN; break;
		case OPT_VENDOR:
			if (v != 0 && v != SGX_SIGSTRUCT_VENDOR_INTEL)
				return cli_usage_error("sign", "--vendor: must be 0 or 0x8086");
			p->vendor = (uint32_t)v; p->set |= TH_SIGN_VENDOR; break;
		case OPT_MISC: p->miscselect = (uint32_t)v; p->set |= TH_SIGN_MISCSELECT; break;
		case OPT_MISCMASK: p->miscmask = (uint32_t)v; p->set |= TH_SIGN_MISCMASK; break;
		case OPT_HEAP: a->image.elf.heap_size = v; break;
		case OPT_ATTR: p->attributes.flags = v; p->set |= TH_SIGN_ATTRIBUTES; break;
		case OPT_ATTRMASK: p->attribute_mask.flags = v; p->set |= TH_SIGN_ATTRIBUTE_MASK; break;
		case OPT_XFRM: p->attributes.xfrm = v; p->set |= TH_SIGN_XFRM; break;
		case OPT_XFRMMASK: p->attribute_mask.xfrm = v; p->set |= TH_SIGN_XFRM_MASK; break;
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("sign", "expects one ENCLAVE file");
	a->path = argv[optind];
	if (!a->key)
		return cli_usage_error("sign", "--key KEY.pem is required");
	if ((p->set & TH_SIGN_ATTRIBUTES) && (p->attributes.flags & SGX_ATTR_INIT))
		return cli_usage_error("sign", "--attributes: the INIT bit (0x1) is set by EINIT, not by a signer");
	return ARGS_CONTINUE;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static int sign_sigstruct(const struct sign_args *a, const struct th_image *img, EVP_PKEY *key,
			  const char *out)
{
	struct sgx_sigstruct ss;
	struct th_err err = { { 0 } };

	memset(&ss, 0, sizeof(ss));
	th_sign_defaults(&ss, &img->plan.attributes, img->plan.miscselect);
	if (th_plan_measure(&img->plan, ss.enclave_hash, &err))
		return cli_error_err(a->path, &err);
	th_sign_params_apply(&ss, &a->params);
	if (th_sigstruct_sign(&ss, key, &err))
		return cli_error_err(a->key, &err);
	if (th_write_file_atomic(out, &ss, sizeof(ss), 0644, 0, &err))
		return cli_error_err(out, &err);
	printf("%s: SIGSTRUCT for MRENCLAVE ", out);
	for (int i = 0; i < 32; i++)
		printf("%02x", ss.enclave_hash[i]);
	printf("\n");
	return EXIT_OK;
}

static int sign_sdk(const struct sign_args *a, const struct th_image *img, EVP_PKEY *key,
		    const char *out)
{
	struct th_err err = { { 0 } };
	struct th_image check;
	uint8_t *buf = NULL, mr_old[32], mr_new[32];
	size_t len = 0;
	struct stat st;
	mode_t mode = 0755;
	int ret = EXIT_FAIL;

	if (stat(a->path, &st) == 0)
		mode = st.st_mode & 0777;
	if (th_sdk_resign(img->data, img->len, &img->sdk, &a->params, key, &buf, &len, &err))
		return cli_error_err(a->path, &err);
	/* Check the result before it reaches the disk: same MRENCLAVE, a valid new signature. */
	if (th_image_build(buf, len, &a->image, &check, &err)) {
		cli_error_err(a->path, &err);
		goto out;
	}
	if (th_plan_measure(&img->plan, mr_old, &err) || th_plan_measure(&check.plan, mr_new, &err)) {
		th_image_close(&check);
		cli_error_err(a->path, &err);
		goto out;
	}
	if (memcmp(mr_old, mr_new, 32) || !check.sdk.sigstruct ||
	    memcmp(check.sdk.sigstruct->enclave_hash, mr_new, 32) ||
	    th_sigstruct_verify(check.sdk.sigstruct, &err)) {
		th_image_close(&check);
		cli_error(a->path, "sigstruct: the re-signed enclave does not verify%s%s",
			  err.msg[0] ? ": " : "", err.msg);
		goto out;
	}
	th_image_close(&check);
	if (th_write_file_atomic(out, buf, len, mode, 0, &err)) {
		cli_error_err(out, &err);
		goto out;
	}
	printf("%s: re-signed %zu SIGSTRUCT copies, MRENCLAVE ", out, img->sdk.ncopies);
	for (int i = 0; i < 32; i++)
		printf("%02x", mr_new[i]);
	printf("\n");
	ret = EXIT_OK;
out:
	free(buf);
	return ret;
}

int cmd_sign(int argc, char **argv)
{
	struct sign_args a;
	struct th_image img;
	struct th_err err = { { 0 } };
	EVP_PKEY *key = NULL;
	char *def_out = NULL;
	const char *out;
	int ret = sign_parse_args(argc, argv, &a);

	if (ret != ARGS_CONTINUE)
		return ret;
	if (th_key_load(a.key, &key, &err))
		return cli_error_err(a.key, &err);
	if (th_image_open(a.path, &a.image, &img, &err)) {
		th_key_free(key);
		return cli_error_err(a.path, &err);
	}
	out = a.out;
	if (img.plan.format == TH_FORMAT_SDK) {
		if (!out)
			out = a.path;
		if (same_file(out, a.path) && !a.force) {
			ret = cli_error(a.path, "output: would replace the input .so; pass --out FILE (or --force)");
			goto out;
		}
		ret = sign_sdk(&a, &img, key, out);
	} else {
		if (!out) {
			if (asprintf(&def_out, "%s.sig", a.path) < 0) {
				ret = cli_error(a.path, "output: out of memory");
				goto out;
			}
			out = def_out;
		}
		if (same_file(out, a.path)) {
			ret = cli_error(out, "output: is the input enclave");
			goto out;
		}
		ret = sign_sigstruct(&a, &img, key, out);
	}
out:
	free(def_out);
	th_image_close(&img);
	th_key_free(key);
	return ret;
}
