/* SPDX-License-Identifier: MIT */
/*
 * teehost show on a DCAP quote: every field of the header, the application's and the QE's
 * REPORT bodies, the signatures, the certification data, and the fingerprint and OU of the
 * root certificate the quote carries (a test root says "not Intel"). Called from show.c.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "attest/attest.h"
#include "attest/tdx.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "util/json.h"

static void quote_hex(char *out, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* teehost show on a quote: every field (called from show.c when the file parses as one) */
void quote_root_id(const struct th_quote *q, char fp[97], char ou[128])
{
	BIO *bio = BIO_new_mem_buf(q->cert, (int)q->cert_len);
	X509 *x, *last = NULL;

	fp[0] = ou[0] = 0;
	while (bio && (x = PEM_read_bio_X509(bio, NULL, NULL, NULL))) {
		X509_free(last);
		last = x;
	}
	BIO_free(bio);
	if (last) {
		th_attest_key_fingerprint(last, fp);
		X509_NAME_get_text_by_NID(X509_get_subject_name(last), NID_organizationalUnitName,
					  ou, 128);
		X509_free(last);
	}
}

static const char *body_type_name(unsigned type)
{
	return type == TH_QUOTE_BODY_TYPE_SGX ? "SGX REPORT body"
	       : type == TH_QUOTE_BODY_TYPE_TDX10 ? "TD report 1.0" : "TD report 1.5";
}

int show_quote(const char *path, const uint8_t *data, size_t size, bool json)
{
	struct th_quote q;
	struct th_err err = { { 0 } };
	struct sgx_report_body b, qe;
	struct json_writer w;
	char h[2 * 64 + 1];
	size_t nfields;

	if (th_quote_parse(data, size, &q, &err))
		return cli_error_err(path, &err);
	nfields = q.body_type == TH_QUOTE_BODY_TYPE_TDX15 ? tdx_quote_body15_nfields
							  : tdx_quote_body_nfields;
	json_init(&w, stdout, false);
	if (!json) {
		printf("format             quote v%u (%s)\n", q.header.version,
		       q.header.tee_type == TH_QUOTE_TEE_TDX ? "TDX" : "SGX");
		if (q.header.version >= TH_QUOTE_VERSION_5)
			printf("body_type          %u (%s)\nbody_size          %zu\n", q.body_type,
			       body_type_name(q.body_type), q.body_len);
		printf("att_key_type       %u (ECDSA-256-with-P-256)\n", q.header.att_key_type);
		printf("qe_svn             %u\npce_svn            %u\n", q.header.qe_svn,
		       q.header.pce_svn);
		quote_hex(h, q.header.qe_vendor_id, 16);
		printf("qe_vendor_id       %s\n", h);
		quote_hex(h, q.header.user_data, 20);
		printf("user_data          %s\n", h);
	} else {
		json_begin_object(&w);
		json_key(&w, "file"); json_str(&w, path);
		json_key(&w, "format"); json_str(&w, "quote");
		json_key(&w, "version"); json_uint(&w, q.header.version);
		json_key(&w, "att_key_type"); json_uint(&w, q.header.att_key_type);
		json_key(&w, "tee_type"); json_uint(&w, q.header.tee_type);
		json_key(&w, "qe_svn"); json_uint(&w, q.header.qe_svn);
		json_key(&w, "pce_svn"); json_uint(&w, q.header.pce_svn);
		json_key(&w, "qe_vendor_id"); json_hex(&w, q.header.qe_vendor_id, 16);
		json_key(&w, "user_data"); json_hex(&w, q.header.user_data, 20);
		if (q.header.version >= TH_QUOTE_VERSION_5) {
			json_key(&w, "body_type"); json_uint(&w, q.body_type);
			json_key(&w, "body_size"); json_uint(&w, q.body_len);
		}
	}
	memcpy(&qe, q.qe_report, sizeof(qe));
	for (int which = 0; which < 2; which++) {
		const struct sgx_report_body *r = which ? &qe : &b;
		const char *pfx = which ? "qe_report." : "report.";

		if (!which) {
			if (q.body_len != sizeof(b)) {
				if (json) {
					json_key(&w, "td_quote_body");
					json_begin_object(&w);
					show_tdx_fields(&w, q.body, tdx_quote_body_fields,
							nfields, "");
					json_end_object(&w);
				} else {
					show_tdx_fields(NULL, q.body, tdx_quote_body_fields,
							nfields, "td.");
				}
				continue;
			}
			memcpy(&b, q.body, sizeof(b));
		}
		if (json) {
			json_key(&w, which ? "qe_report" : "report");
			json_begin_object(&w);
			json_key(&w, "cpusvn"); json_hex(&w, r->cpusvn, 16);
			json_key(&w, "miscselect"); json_uint(&w, r->miscselect);
			json_key(&w, "attributes"); json_hex(&w, (const uint8_t *)&r->attributes, 16);
			json_key(&w, "mrenclave"); json_hex(&w, r->mrenclave, 32);
			json_key(&w, "mrsigner"); json_hex(&w, r->mrsigner, 32);
			json_key(&w, "config_id"); json_hex(&w, r->config_id, 64);
			json_key(&w, "isv_prod_id"); json_uint(&w, r->isv_prod_id);
			json_key(&w, "isv_svn"); json_uint(&w, r->isv_svn);
			json_key(&w, "config_svn"); json_uint(&w, r->config_svn);
			json_key(&w, "isv_ext_prod_id"); json_hex(&w, r->isv_ext_prod_id, 16);
			json_key(&w, "isv_family_id"); json_hex(&w, r->isv_family_id, 16);
			json_key(&w, "report_data"); json_hex(&w, r->report_data, 64);
			json_end_object(&w);
			continue;
		}
		quote_hex(h, r->cpusvn, 16);
		printf("%-18s %s\n", which ? "qe_report.cpusvn" : "report.cpusvn", h);
		printf("%smiscselect%*s %08x\n", pfx, which ? 0 : 3, "", r->miscselect);
		quote_hex(h, (const uint8_t *)&r->attributes, 16);
		printf("%sattributes%*s %s\n", pfx, which ? 0 : 3, "", h);
		quote_hex(h, r->mrenclave, 32);
		printf("%smrenclave%*s %s\n", pfx, which ? 1 : 4, "", h);
		quote_hex(h, r->mrsigner, 32);
		printf("%smrsigner%*s %s\n", pfx, which ? 2 : 5, "", h);
		printf("%sisv_prod_id%*s %u\n", pfx, which ? 0 : 0, "", r->isv_prod_id);
		printf("%sisv_svn%*s %u\n", pfx, which ? 4 : 4, "", r->isv_svn);
		quote_hex(h, r->report_data, 64);
		printf("%sreport_data%*s %s\n", pfx, 0, "", h);
	}
	quote_hex(h, q.sig, 64);
	if (json) {
		json_key(&w, "signature"); json_hex(&w, q.sig, 64);
		json_key(&w, "attest_pub_key"); json_hex(&w, q.attest_key, 64);
		json_key(&w, "qe_report_signature"); json_hex(&w, q.qe_report_sig, 64);
		json_key(&w, "qe_auth_data"); json_hex(&w, q.qe_auth, q.qe_auth_len);
		json_key(&w, "certification_data_type"); json_uint(&w, q.cert_type);
		json_key(&w, "outer_certification_data_type"); json_uint(&w, q.outer_cert_type);
		json_key(&w, "certification_data_size"); json_uint(&w, q.cert_len);
	} else {
		printf("signature          %s\n", h);
		quote_hex(h, q.attest_key, 64);
		printf("attest_pub_key     %s\n", h);
		printf("qe_auth_data       %u bytes\n", q.qe_auth_len);
		printf("certification_data type %u, %u bytes (PCK certificate chain, PEM)\n",
		       q.cert_type, q.cert_len);
	}
	/* the chain's root, which verifiers must trust: fingerprint and whether it is ours */
	{
		char fp[97] = "", ou[128] = "";

		quote_root_id(&q, fp, ou);
		if (json) {
			json_key(&w, "root_key_sha256"); json_str(&w, fp);
			json_key(&w, "root_ou"); json_str(&w, ou);
			json_end_object(&w);
			json_finish(&w);
		} else {
			printf("root CA key SHA-256 %s%s%s\n", fp, ou[0] ? "  OU=" : "", ou);
		}
	}
	return fflush(stdout) ? cli_error("stdout", "write failed") : EXIT_OK;
}

