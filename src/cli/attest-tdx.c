/* SPDX-License-Identifier: MIT */
/*
 * TDX side of `teehost attest`: collateral for the simulated TDX platform (the SGX file names:
 * root-ca.pem, pck-ca.pem, pck.pem, tcb-info.json with id "TDX" v3, qe-identity.json with id
 * "TD_QE" v2, CRLs) and the TDX-only checks of verify (TD module identity, TEE TCB SVN).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "cli/attest-tdx.h"
#include "cli/cli.h"
#include "guest/guest.h"
#include "util/file.h"

int attest_tdx_collateral(const char *dir, enum th_tcb_scenario tcb, bool quiet)
{
	struct th_collateral_opts o = { .tcb = tcb, .now = time(NULL), .tcb_info_id = "TDX",
					.qe_identity_id = "TD_QE", .qe = &tdx_sim_td_qe,
					.tcb_info_json = tdx_tcb_info_json };
	struct th_attest_platform p;
	struct th_attest_ca ca;
	struct th_err err = { { 0 } };
	X509 *pck = NULL;
	int ret;

	if (tdx_platform_pck(&p, &ca, &pck, &err))
		return cli_error_err("collateral", &err);
	ret = attest_write_collateral(dir, &ca, pck, &o, "TDX ", quiet);
	X509_free(pck);
	th_attest_ca_free(&ca);
	th_attest_platform_free(&p);
	return ret;
}

int attest_tdx_verify(const struct th_quote *q, const char *dir, struct th_verify_result *r)
{
	char path[4200], *json = NULL;
	size_t len;
	struct th_err err = { { 0 } };
	struct th_pck_ext ext;
	BIO *b;
	X509 *pck;
	int rc;

	if (!r->ok || q->header.tee_type != TH_QUOTE_TEE_TDX)
		return 0;
	b = BIO_new_mem_buf(q->cert, (int)q->cert_len);
	pck = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	if (!pck || th_pck_ext_parse(pck, &ext, &err)) {
		X509_free(pck);
		return cli_error("pck", "%s", err.msg[0] ? err.msg : "no PCK certificate");
	}
	X509_free(pck);
	snprintf(path, sizeof(path), "%s/%s", dir, TH_COLL_TCB_INFO);
	if (th_read_file(path, 1 << 20, &json, &len, &err))
		return cli_error_err(path, &err);
	rc = tdx_verify_module(q, json, len, &ext, r, &err);
	free(json);
	return rc ? cli_error_err(path, &err) : 0;
}
