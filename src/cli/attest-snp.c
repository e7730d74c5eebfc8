/* SPDX-License-Identifier: MIT */
/*
 * SEV-SNP side of `teehost attest`: collateral (the simulated ARK/ASK/VCEK as AMD's KDS serves
 * them) and verify (our verifier over a report and a certificate directory).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/pem.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "guest/guest.h"
#include "util/file.h"
#include "util/json.h"

int sim_guest_parse(int argc, char **argv, struct snp_guest_config *cfg, int *verbose);

static int write_cert(const char *dir, const char *name, X509 *x, int der)
{
	char path[4200];
	uint8_t *d = NULL;
	char *p = NULL;
	size_t len = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = der ? snp_cert_der(x, &d, &len) : snp_cert_pem(x, &p, &len);
	if (!rc)
		rc = th_write_file_atomic(path, der ? (void *)d : (void *)p, len, 0644, 0, NULL);
	OPENSSL_free(d);
	free(p);
	return rc ? cli_error(path, "cannot write: %s", strerror(-rc)) : 0;
}

/* attest collateral --tee snp --out DIR [launch options of sim --snp-guest] */
int attest_snp_collateral(int argc, char **argv, const char *out)
{
	struct snp_guest_config cfg;
	struct snp_guest g;
	struct th_err err = { "" };
	char fp[97];
	int verbose = 0, rc;

	rc = sim_guest_parse(argc, argv, &cfg, &verbose);
	if (rc)
		return rc < 0 ? EXIT_OK : rc;
	if (mkdir(out, 0755) && errno != EEXIST)
		return cli_error(out, "cannot create: %s", strerror(errno));
	if (snp_guest_init(&g, &cfg, &err))
		return cli_error_err("collateral", &err);
	rc = write_cert(out, "ark.pem", g.pki.ark, 0) || write_cert(out, "ask.pem", g.pki.ask, 0) ||
	     write_cert(out, "vcek.pem", g.pki.vcek, 0) || write_cert(out, "vcek.der", g.pki.vcek, 1);
	if (!rc) {
		snp_cert_fingerprint(g.pki.ark, fp);
		printf("ARK-%s (simulated, \"%s\") SHA-256 fingerprint %s\n",
		       snp_product_line(cfg.product), SNP_SIM_MARK, fp);
	}
	snp_guest_free(&g);
	return rc ? EXIT_FAIL : EXIT_OK;
}

static X509 *load_cert(const char *dir, const char *name, struct th_err *err)
{
	char path[4200];
	FILE *f;
	X509 *x = NULL;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "re");
	if (f) {
		x = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	if (!x)
		th_fail(err, -EINVAL, path, "no PEM certificate");
	return x;
}

/* attest verify --tee snp --collateral DIR [--json] REPORT: exit 0 only when it verifies. */
int attest_snp_verify(const char *report_path, const char *dir, int json)
{
	struct th_mapped_file f;
	struct th_err err = { "" };
	const struct snp_report *r;
	X509 *ark = NULL, *ask = NULL, *vcek = NULL;
	int rc;

	if (th_map_file(report_path, &f, &err))
		return cli_error_err(report_path, &err);
	rc = snp_report_parse(f.data, f.size, &r, &err);
	if (!rc && (!(ark = load_cert(dir, "ark.pem", &err)) || !(ask = load_cert(dir, "ask.pem", &err)) ||
		    !(vcek = load_cert(dir, "vcek.pem", &err))))
		rc = -EINVAL;
	/* the collateral's ARK is the trust anchor the user chose by pointing at DIR */
	if (!rc)
		rc = snp_verify(r, ark, ask, vcek, ark, &err);
	if (json && !snp_report_parse(f.data, f.size, &r, NULL)) {
		struct json_writer w;

		json_init(&w, stdout, true);
		json_begin_object(&w);
		json_key(&w, "verified");
		json_bool(&w, rc == 0);
		if (rc) {
			json_key(&w, "error");
			json_str(&w, err.msg);
		}
		json_key(&w, "report");
		snp_report_json(&w, r);
		json_end_object(&w);
		json_finish(&w);
	}
	X509_free(ark);
	X509_free(ask);
	X509_free(vcek);
	th_unmap_file(&f);
	if (rc)
		return cli_error_err(report_path, &err);
	if (!json)
		printf("%s: SEV-SNP report verifies (VCEK, ASK, ARK from %s)\n", report_path, dir);
	return EXIT_OK;
}

/* teehost attest collateral|verify --tee snp: the dispatcher src/cli/attest.c hands SNP to. */
static void attest_snp_help(void)
{
	printf("Usage: teehost attest collateral --tee snp --out DIR [sim --snp-guest options]\n"
	       "       teehost attest verify --tee snp --collateral DIR [--json] REPORT\n");
}

/* Takes --tee T, --out/--collateral DIR and --json out of argv; the rest stays for the verb. */
int cmd_attest_snp(int argc, char **argv)
{
	const char *tee = NULL, *dir = NULL, *file = NULL;
	char *rest[64];
	int nrest = 0, json = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		attest_snp_help();
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	rest[nrest++] = argv[1];
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--tee") && i + 1 < argc)
			tee = argv[++i];
		else if ((!strcmp(argv[i], "--out") || !strcmp(argv[i], "--collateral")) && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (argv[i][0] != '-' && !strcmp(argv[1], "verify"))
			file = argv[i];
		else if (nrest < 63)
			rest[nrest++] = argv[i];
	}
	rest[nrest] = NULL;
	if (!tee || strcmp(tee, "snp"))
		return cli_usage_error("attest", "--tee %s: this build knows snp", tee ? tee : "missing");
	if (!dir)
		return cli_usage_error("attest", "%s needs %s DIR", argv[1],
				       !strcmp(argv[1], "verify") ? "--collateral" : "--out");
	if (!strcmp(argv[1], "collateral"))
		return attest_snp_collateral(nrest, rest, dir);
	if (!strcmp(argv[1], "verify")) {
		if (!file)
			return cli_usage_error("attest", "verify: no REPORT");
		return attest_snp_verify(file, dir, json);
	}
	return cli_usage_error("attest", "unknown verb '%s' (collateral, verify)", argv[1]);
}
