/* SPDX-License-Identifier: MIT */
/*
 * teehost attest quote|collateral|verify: DCAP quotes from the simulated machine, the
 * collateral a verifier needs (test root CA, PCK chain, TCB info, QE identity, CRLs), and our
 * verifier. The quoting enclave lives inside the simulator (src/sim/qe.c), so `quote` runs
 * under `teehost sim`; it is found through the table attest/sim_qe.h describes.
 */
#include <dlfcn.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest/attest.h"
#include "attest/sim_qe.h"
#include "cli/attest-tdx.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "launch/launch.h"
#include "sgx/image.h"
#include "sgx/keys.h"
#include "sgx/sigstruct.h"
#include "sgx/signer.h"
#include "teehost/loader.h"
#include "teehost/sample_abi.h"
#include "util/file.h"
#include "util/json.h"

static const char usage_text[] =
	"Usage: teehost attest quote [--enclave FILE] [--report-data HEX] [--quote-version 3|4]\n"
	"                            --out FILE                    (under teehost sim)\n"
	"       teehost attest collateral [--tee sgx|tdx|snp] [--tcb up-to-date|out-of-date|revoked]\n"
	"                            --out DIR\n"
	"       teehost attest verify [--collateral DIR] [--root PEM] [--json] QUOTE\n"
	"\n"
	"quote       load the enclave (default: the sample enclave), have it EREPORT to the\n"
	"            simulated quoting enclave and write the ECDSA quote (v3 by default)\n"
	"collateral  write root-ca.pem, pck-ca.pem, pck.pem, tcb-signing.pem, tcb-info.json,\n"
	"            qe-identity.json, root-ca.crl, pck-ca.crl (+ pck-chain.pem, tcb-chain.pem)\n"
	"            for this simulated platform; --tcb defaults to $TEEHOST_SIM_TCB, which\n"
	"            `teehost sim --tcb` sets, else up-to-date\n"
	"verify      verify QUOTE against DIR (default: fresh collateral of this platform),\n"
	"            trusting --root (default DIR/root-ca.pem); exit 0 only when verified and\n"
	"            the platform's TCB is UpToDate\n"
	"\n"
	"The test root is named like Intel's (verifiers compare names) and marked\n"
	"OU=\"" TH_ATTEST_OU "\"; its key fingerprint is printed. See teehost-attest(8).\n";

static const struct teehost_sim_qe_v1 *find_qe(void)
{
	const struct teehost_sim_qe_v1 *qe = dlsym(RTLD_DEFAULT, TEEHOST_SIM_QE_SYMBOL);

	return qe && qe->size >= sizeof(*qe) ? qe : NULL;
}

/* $TEEHOST_SAMPLE, else sample.elf beside the executable, else PREFIX/share/teehost/ */
static int default_enclave(char *buf, size_t cap)
{
	const char *env = getenv("TEEHOST_SAMPLE");
	char exe[PATH_MAX], *slash;
	ssize_t n;

	if (env && *env)
		return snprintf(buf, cap, "%s", env) < (int)cap ? 0 : -1;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return -1;
	exe[n] = 0;
	if ((slash = strrchr(exe, '/')))
		*slash = 0;
	if (snprintf(buf, cap, "%s/sample.elf", exe) < (int)cap && access(buf, R_OK) == 0)
		return 0;
	return snprintf(buf, cap, "%s/../share/teehost/sample.elf", exe) < (int)cap ? 0 : -1;
}

static int parse_hex(const char *s, uint8_t *out, size_t max, size_t *n)
{
	size_t len = strlen(s);

	if (len % 2 || len / 2 > max)
		return -1;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", s[2 * i]) ||
		    !strchr("0123456789abcdefABCDEF", s[2 * i + 1]))
			return -1;
		out[i] = (uint8_t)v;
	}
	*n = len / 2;
	return 0;
}

/* the enclave's REPORT to the QE, through the sample enclave's EREPORT call */
static int enclave_report(const char *path, const void *ti, const uint8_t rd[64], void *report)
{
	struct teehost_loader_opts opts = { .sz = sizeof(opts) };
	struct th_sgx_status st;
	struct teehost_enclave *encl = NULL;
	struct th_image img;
	struct th_err err = { { 0 } };
	struct th_sample_call call;
	int ret = EXIT_FAIL;

	if (th_launch_throwaway(path, &opts, &img, &encl, &st, &err)) {
		const char *step = st.step ? st.step : "?";

		if (!strcmp(step, "image") || !strcmp(step, "sign"))
			return cli_error_err(path, &err);
		return cli_error(path, "%s (step %s)", err.msg, step);
	}
	if (th_sample_enter(encl, 0, &call, TH_SAMPLE_OP_REPORT, (uint64_t)(uintptr_t)ti,
			    (uint64_t)(uintptr_t)rd, (uint64_t)(uintptr_t)report, &err)) {
		ret = cli_error_err(path, &err);
		goto out;
	}
	if (call.status) {
		ret = cli_error(path, "report: the enclave answered status %" PRId64
				" (it must speak teehost's sample ABI)", call.status);
		goto out;
	}
	ret = EXIT_OK;
out:
	teehost_enclave_destroy(encl);
	th_image_close(&img);
	return ret;
}

static int cmd_quote(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "enclave", required_argument, NULL, 'e' },
		{ "report-data", required_argument, NULL, 'r' },
		{ "quote-version", required_argument, NULL, 'v' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct teehost_sim_qe_v1 *qe;
	char encl_path[PATH_MAX], errbuf[256] = "";
	const char *enclave = NULL, *out = NULL;
	uint8_t rd[64] = { 0 }, *quote = NULL;
	struct sgx_targetinfo ti;
	uint8_t report[512] __attribute__((aligned(512)));
	unsigned long long version = 3;
	uint32_t size = 0, len = 0;
	struct th_err err = { { 0 } };
	size_t n;
	int c, rc, ret = EXIT_FAIL;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'e': enclave = optarg; break;
		case 'r':
			if (parse_hex(optarg, rd, 64, &n))
				return cli_usage_error("attest quote", "--report-data: up to 64 bytes "
						       "of hex");
			break;
		case 'v':
			if (cli_parse_u64(optarg, 4, &version) || version < 3)
				return cli_usage_error("attest quote", "--quote-version: 3 or 4");
			break;
		case 'o': out = optarg; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: return cli_usage_error("attest quote", "unknown option or missing argument");
		}
	}
	if (!out || optind != argc)
		return cli_usage_error("attest quote", "expects --out FILE and no other argument");
	qe = find_qe();
	if (!qe)
		return cli_error("attest quote", "qe: no quoting enclave here; run it on the "
				 "simulated machine: teehost sim -- teehost attest quote --out %s", out);
	if (!enclave) {
		if (default_enclave(encl_path, sizeof(encl_path)))
			return cli_error("attest quote", "enclave: cannot locate sample.elf "
					 "(set TEEHOST_SAMPLE or give --enclave)");
		enclave = encl_path;
	}
	qe->target_info(&ti);
	if (enclave_report(enclave, &ti, rd, report))
		return EXIT_FAIL;
	rc = qe->quote_size((unsigned)version, &size, errbuf, sizeof(errbuf));
	if (!rc && !(quote = malloc(size)))
		rc = TH_QL_ERROR_OUT_OF_MEMORY;
	if (!rc)
		rc = qe->quote(report, (unsigned)version, quote, size, &len, errbuf, sizeof(errbuf));
	if (rc) {
		ret = cli_error("qe", "%s (quote3_error_t %#06x)", errbuf[0] ? errbuf : "failed", rc);
		goto out;
	}
	if (th_write_file_atomic(out, quote, len, 0644, 0, &err)) {
		ret = cli_error_err(out, &err);
		goto out;
	}
	printf("%s: quote v%llu, %u bytes, of %s\n", out, version, len, enclave);
	{
		struct th_quote pq;
		char fp[97], ou[128];

		if (th_quote_parse(quote, len, &pq, &err) == 0) {
			quote_root_id(&pq, fp, ou);
			printf("root CA key SHA-256 %s  OU=%s\n", fp, ou);
		}
	}
	ret = EXIT_OK;
out:
	free(quote);
	return ret;
}

/* the platform's PCK certificate: from the simulated QE, else the one stored by an earlier run */
static int load_pck(const char *state, X509 **pck)
{
	const struct teehost_sim_qe_v1 *qe = find_qe();
	char errbuf[256] = "", path[4200], *pem = NULL;
	size_t len;
	struct th_err err = { { 0 } };
	BIO *b;

	*pck = NULL;
	if (qe) {
		int rc = qe->pck_cert(&pem, errbuf, sizeof(errbuf));

		if (rc)
			return cli_error("qe", "%s (quote3_error_t %#06x)", errbuf, rc);
		len = strlen(pem);
	} else {
		snprintf(path, sizeof(path), "%s/attest-ca/%s", state, TH_COLL_PCK);
		if (th_read_file(path, 1 << 16, &pem, &len, &err))
			return cli_error(path, "pck: no PCK certificate for this platform yet; run "
					 "once on the simulated machine: teehost sim -- teehost "
					 "attest collateral ...");
	}
	b = BIO_new_mem_buf(pem, (int)len);
	*pck = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	free(pem);
	return *pck ? EXIT_OK : cli_error("pck", "not a PEM certificate");
}

static int write_collateral(const char *dir, enum th_tcb_scenario tcb, bool quiet)
{
	struct th_collateral_opts o = { .tcb = tcb, .now = time(NULL), .tcb_info_id = "SGX",
					.qe_identity_id = "QE" };
	struct th_attest_ca ca;
	struct th_err err = { { 0 } };
	char state[4096];
	X509 *pck = NULL;
	int ret = EXIT_FAIL;

	if (th_attest_state_dir(state, sizeof(state)))
		return cli_error("attest", "state: set TEEHOST_SIM_STATE_DIR or HOME");
	if (th_attest_ca_open(state, &ca, &err))
		return cli_error_err("attest", &err);
	if (!load_pck(state, &pck))
		ret = attest_write_collateral(dir, &ca, pck, &o, "", quiet);
	X509_free(pck);
	th_attest_ca_free(&ca);
	return ret;
}

int attest_write_collateral(const char *dir, const struct th_attest_ca *ca, X509 *pck,
			    const struct th_collateral_opts *o, const char *tee, bool quiet)
{
	struct th_pck_ext ext;
	struct th_err err = { { 0 } };
	char fp[97];

	if (th_collateral_write(ca, pck, o, dir, &err))
		return cli_error_err(dir, &err);
	if (!quiet && !th_pck_ext_parse(pck, &ext, NULL)) {
		th_attest_key_fingerprint(ca->root, fp);
		printf("%s: %scollateral for FMSPC %02x%02x%02x%02x%02x%02x, PCEID %02x%02x, TCB %s\n",
		       dir, tee, ext.fmspc[0], ext.fmspc[1], ext.fmspc[2], ext.fmspc[3],
		       ext.fmspc[4], ext.fmspc[5], ext.pceid[0], ext.pceid[1],
		       th_tcb_scenario_name(o->tcb));
		printf("test root CA (not Intel) key SHA-256 %s\n", fp);
	}
	return EXIT_OK;
}

static int cmd_collateral(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tee", required_argument, NULL, 't' },
		{ "tcb", required_argument, NULL, 'c' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *tcb_s = getenv("TEEHOST_SIM_TCB");
	enum th_tcb_scenario tcb = TH_TCB_UP_TO_DATE;
	bool tdx = false;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			tdx = !strcmp(optarg, "tdx");
			if (strcmp(optarg, "sgx") && !tdx)
				return cli_usage_error("attest collateral", "--tee: sgx, tdx or snp");
			break;
		case 'c': tcb_s = optarg; break;
		case 'o': out = optarg; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: return cli_usage_error("attest collateral", "unknown option or missing argument");
		}
	}
	if (!out || optind != argc)
		return cli_usage_error("attest collateral", "expects --out DIR and no other argument");
	if (tcb_s && *tcb_s && th_tcb_scenario_parse(tcb_s, &tcb))
		return cli_usage_error("attest collateral", "--tcb '%s': use up-to-date, "
				       "out-of-date or revoked", tcb_s);
	return tdx ? attest_tdx_collateral(out, tcb, false) : write_collateral(out, tcb, false);
}

static void print_verdict(const char *path, const struct th_quote *q,
			  const struct th_verify_result *r, bool json)
{
	if (json) {
		struct json_writer w;

		json_init(&w, stdout, false);
		json_begin_object(&w);
		json_key(&w, "quote"); json_str(&w, path);
		json_key(&w, "quote_version"); json_uint(&w, q->header.version);
		json_key(&w, "body_type"); json_uint(&w, q->body_type);
		json_key(&w, "verified"); json_bool(&w, r->ok);
		json_key(&w, "tcb_status"); json_str(&w, r->tcb_status);
		json_key(&w, "qe_tcb_status"); json_str(&w, r->qe_status);
		json_key(&w, "failed_step"); json_str(&w, r->failed);
		json_key(&w, "reason"); json_str(&w, r->reason);
		json_key(&w, "root_key_sha256"); json_str(&w, r->root_fingerprint);
		json_end_object(&w);
		json_finish(&w);
		return;
	}
	printf("root CA key SHA-256 %s\n", r->root_fingerprint);
	printf("quote              v%u, %s, body type %u (%zu bytes)\n", q->header.version,
	       q->header.tee_type == TH_QUOTE_TEE_TDX ? "TDX" : "SGX", q->body_type, q->body_len);
	if (r->tcb_status[0])
		printf("TCB status         %s\n", r->tcb_status);
	if (r->ok)
		printf("%s: verified\n", path);
	else
		printf("%s: NOT verified: %s: %s\n", path, r->failed, r->reason);
}

/* a private temporary directory with fresh collateral of this platform */
static int fresh_collateral(char *dir, size_t cap, bool tdx)
{
	const char *tmp = getenv("TMPDIR");
	char *tcb_s = getenv("TEEHOST_SIM_TCB");
	enum th_tcb_scenario tcb = TH_TCB_UP_TO_DATE;

	snprintf(dir, cap, "%s/teehost-collateral.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		return cli_error(dir, "cannot create a temporary directory: %s", strerror(errno));
	if (tcb_s && *tcb_s && th_tcb_scenario_parse(tcb_s, &tcb))
		tcb = TH_TCB_UP_TO_DATE;
	return tdx ? attest_tdx_collateral(dir, tcb, true) : write_collateral(dir, tcb, true);
}

static void remove_collateral(const char *dir)
{
	static const char *const names[] = {
		TH_COLL_ROOT, TH_COLL_PCK_CA, TH_COLL_PCK, TH_COLL_TCB_SIGNING, TH_COLL_TCB_INFO,
		TH_COLL_QE_IDENTITY, TH_COLL_ROOT_CRL, TH_COLL_PCK_CRL, TH_COLL_PCK_CHAIN,
		TH_COLL_TCB_CHAIN,
	};
	char p[PATH_MAX + 64];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
}

static int cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "collateral", required_argument, NULL, 'c' },
		{ "root", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = NULL, *root = NULL, *path;
	char tmp[PATH_MAX];
	struct th_mapped_file f;
	struct th_quote q;
	struct th_verify_result r;
	struct th_err err = { { 0 } };
	bool json = false;
	int c, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': dir = optarg; break;
		case 'r': root = optarg; break;
		case 'j': json = true; break;
		case 'h': fputs(usage_text, stdout); return EXIT_OK;
		default: return cli_usage_error("attest verify", "unknown option or missing argument");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("attest verify", "expects one QUOTE");
	path = argv[optind];
	if (th_map_file(path, &f, &err))
		return cli_error_err(path, &err);
	if (th_quote_parse(f.data, f.size, &q, &err)) {
		th_unmap_file(&f);
		return cli_error_err(path, &err);
	}
	tmp[0] = 0;
	if (!dir) {
		if (fresh_collateral(tmp, sizeof(tmp), q.header.tee_type == TH_QUOTE_TEE_TDX)) {
			if (tmp[0])
				remove_collateral(tmp);
			th_unmap_file(&f);
			return EXIT_FAIL;
		}
		dir = tmp;
	}
	if (th_attest_verify(&q, dir, root, time(NULL), &r, &err)) {
		ret = cli_error_err(path, &err);
	} else if (attest_tdx_verify(&q, dir, &r)) {
		ret = EXIT_FAIL;
	} else {
		print_verdict(path, &q, &r, json);
		ret = r.ok ? EXIT_OK : EXIT_FAIL;
	}
	if (tmp[0])
		remove_collateral(tmp);
	th_unmap_file(&f);
	return ret;
}

int cmd_attest_snp(int argc, char **argv);

int cmd_attest(int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error("attest", "expects quote, collateral or verify");
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	for (int i = 2; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--tee") && !strcmp(argv[i + 1], "snp"))
			return cmd_attest_snp(argc, argv);
	if (!strcmp(argv[1], "quote"))
		return cmd_quote(argc - 1, argv + 1);
	if (!strcmp(argv[1], "collateral"))
		return cmd_collateral(argc - 1, argv + 1);
	if (!strcmp(argv[1], "verify"))
		return cmd_verify(argc - 1, argv + 1);
	return cli_usage_error("attest", "'%s' is not quote, collateral or verify", argv[1]);
}
