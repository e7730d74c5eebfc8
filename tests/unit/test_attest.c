/* SPDX-License-Identifier: MIT */
/*
 * src/attest: quotes built and parsed back (v3 SGX, v4 SGX, v4 TDX), every truncation an
 * error naming a field, the PCK certificate's SGX extension, collateral JSON round trips and
 * their signed bodies, TCB scenarios.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest/attest.h"

struct fx {
	struct th_attest_platform p;
	struct th_attest_ca ca;
	X509 *pck;
	char *chain;
	size_t chain_len;
	char dir[64];
};

static int setup(void **state)
{
	static struct fx f;
	uint8_t a[32] = { 1 }, b[32] = { 2 }, cpusvn[16] = "TEEHOST-SIM-CPU\x01";
	struct th_err err = { { 0 } };

	memset(&f, 0, sizeof(f));
	snprintf(f.dir, sizeof(f.dir), "/tmp/teehost-unit-attest.XXXXXX");
	if (!mkdtemp(f.dir) || th_attest_platform_derive(a, b, cpusvn, &f.p, &err) ||
	    th_attest_ca_open(f.dir, &f.ca, &err) || th_attest_pck_cert(&f.ca, &f.p, &f.pck, &err) ||
	    th_attest_chain_pem(f.pck, f.ca.pck_ca, f.ca.root, &f.chain, &f.chain_len))
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];

	free(f->chain);
	X509_free(f->pck);
	th_attest_ca_free(&f->ca);
	th_attest_platform_free(&f->p);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}

static uint8_t *build(struct fx *f, unsigned version, uint32_t tee, size_t *len)
{
	static const uint8_t auth[32] = { 9 };
	uint8_t body[TH_QUOTE_BODY_TDX10_SIZE], pub[64];
	struct sgx_report_body qe;
	struct th_quote_params qp = {
		.version = version, .tee_type = tee, .body = body,
		.body_len = tee == TH_QUOTE_TEE_TDX ? TH_QUOTE_BODY_TDX10_SIZE : TH_QUOTE_BODY_SGX_SIZE,
		.qe_svn = 8, .pce_svn = 13, .qe_report = &qe, .qe_auth = auth, .qe_auth_len = 32,
		.pck_chain_pem = f->chain, .pck_chain_len = f->chain_len,
		.attest_key = f->p.attest_key, .pck_key = f->p.pck_key,
	};
	struct th_err err = { { 0 } };
	uint8_t *q;

	memset(body, 0x5a, sizeof(body));
	memset(&qe, 0, sizeof(qe));
	assert_int_equal(th_ec_pub_raw(f->p.attest_key, pub), 0);
	th_quote_qe_report_data(pub, auth, 32, qe.report_data);
	q = malloc(th_quote_size(&qp));
	assert_non_null(q);
	assert_int_equal(th_quote_build(&qp, q, th_quote_size(&qp), len, &err), 0);
	assert_int_equal(*len, th_quote_size(&qp));
	return q;
}

static void check_round_trip(struct fx *f, unsigned version, uint32_t tee)
{
	struct th_err err = { { 0 } };
	struct th_quote q;
	size_t len;
	uint8_t *raw = build(f, version, tee, &len);
	EVP_PKEY *ak;

	assert_int_equal(th_quote_parse(raw, len, &q, &err), 0);
	assert_int_equal(q.header.version, version);
	assert_int_equal(q.header.tee_type, tee);
	assert_memory_equal(q.header.qe_vendor_id, th_quote_intel_qe_vendor, 16);
	assert_int_equal(q.outer_cert_type, version == 4 ? TH_CERT_QE_REPORT : TH_CERT_PCK_CHAIN);
	assert_int_equal(q.cert_type, TH_CERT_PCK_CHAIN);
	assert_int_equal(q.cert_len, f->chain_len);
	assert_memory_equal(q.cert, f->chain, f->chain_len);
	assert_int_equal(q.qe_auth_len, 32);
	ak = th_ec_pub_from_raw(q.attest_key);
	assert_non_null(ak);
	assert_int_equal(th_ecdsa_verify_raw(ak, raw, q.signed_len, q.sig), 1);
	assert_int_equal(th_ecdsa_verify_raw(f->p.pck_key, q.qe_report, 384, q.qe_report_sig), 1);
	raw[60] ^= 1;   /* in the body: the signature no longer holds */
	assert_int_equal(th_ecdsa_verify_raw(ak, raw, q.signed_len, q.sig), 0);
	raw[60] ^= 1;
	/* every proper prefix is an error naming a field, never a crash */
	for (size_t n = 0; n < len; n += (n < 1100 ? 1 : 97)) {
		memset(&err, 0, sizeof(err));
		assert_int_not_equal(th_quote_parse(raw, n, &q, &err), 0);
		assert_true(err.msg[0] != 0);
	}
	EVP_PKEY_free(ak);
	free(raw);
}

static void quote_v3_sgx(void **state) { check_round_trip(*state, 3, TH_QUOTE_TEE_SGX); }
static void quote_v4_sgx(void **state) { check_round_trip(*state, 4, TH_QUOTE_TEE_SGX); }
static void quote_v4_tdx(void **state) { check_round_trip(*state, 4, TH_QUOTE_TEE_TDX); }

static void quote_rejects(void **state)
{
	struct th_err err = { { 0 } };
	struct th_quote q;
	size_t len;
	uint8_t *raw = build(*state, 3, TH_QUOTE_TEE_SGX, &len);

	raw[0] = 5;
	assert_int_not_equal(th_quote_parse(raw, len, &q, &err), 0);
	assert_non_null(strstr(err.msg, "header.version"));
	raw[0] = 3;
	raw[4] = 0x81;  /* TDX in a v3 quote */
	assert_int_not_equal(th_quote_parse(raw, len, &q, &err), 0);
	assert_non_null(strstr(err.msg, "header.tee_type"));
	raw[4] = 0;
	raw[432] ^= 1;  /* signature_data_len */
	assert_int_not_equal(th_quote_parse(raw, len, &q, &err), 0);
	assert_non_null(strstr(err.msg, "signature_data_len"));
	free(raw);
}

static void pck_extension(void **state)
{
	struct fx *f = *state;
	struct th_pck_ext e;
	struct th_err err = { { 0 } };

	assert_int_equal(th_pck_ext_parse(f->pck, &e, &err), 0);
	assert_memory_equal(e.ppid, f->p.ppid, 16);
	assert_memory_equal(e.tcb_comp, f->p.tcb_comp, 16);
	assert_memory_equal(e.cpusvn, f->p.cpusvn, 16);
	assert_int_equal(e.pcesvn, f->p.pcesvn);
	assert_memory_equal(e.fmspc, f->p.fmspc, 6);
	assert_memory_equal(e.pceid, f->p.pceid, 2);
	assert_int_equal(e.sgx_type, TH_ATTEST_SGX_TYPE_SCALABLE);
	assert_true(e.platform);
	assert_int_not_equal(th_pck_ext_parse(f->ca.root, &e, &err), 0);
	assert_non_null(strstr(err.msg, "sgx_extension"));
}

static void platforms_differ(void **state)
{
	struct fx *f = *state;
	uint8_t a[32] = { 1 }, c[32] = { 3 }, b[32] = { 2 }, cpusvn[16] = { 0 };
	struct th_attest_platform same, other;
	struct th_err err = { { 0 } };

	assert_int_equal(th_attest_platform_derive(a, b, cpusvn, &same, &err), 0);
	assert_int_equal(th_attest_platform_derive(c, b, cpusvn, &other, &err), 0);
	assert_memory_equal(same.ppid, f->p.ppid, 16);
	assert_int_equal(EVP_PKEY_eq(same.pck_key, f->p.pck_key), 1);
	assert_memory_not_equal(other.ppid, f->p.ppid, 16);
	assert_int_not_equal(EVP_PKEY_eq(other.pck_key, f->p.pck_key), 1);
	th_attest_platform_free(&same);
	th_attest_platform_free(&other);
}

static void collateral_json(void **state)
{
	struct fx *f = *state;
	struct th_collateral_opts o = { .now = 1800000000, .tcb_info_id = "SGX",
					.qe_identity_id = "QE" };
	struct th_pck_ext e;
	struct th_tcb_info t;
	struct th_qe_identity q;
	struct th_err err = { { 0 } };
	char *doc;

	assert_int_equal(th_pck_ext_parse(f->pck, &e, &err), 0);
	for (int s = TH_TCB_UP_TO_DATE; s <= TH_TCB_REVOKED; s++) {
		o.tcb = (enum th_tcb_scenario)s;
		assert_int_equal(th_tcb_info_json(&f->ca, &e, &o, &doc, &err), 0);
		assert_int_equal(th_tcb_info_parse(doc, strlen(doc), &t, &err), 0);
		assert_string_equal(t.id, "SGX");
		assert_int_equal(t.version, 3);
		assert_int_equal(t.issue_date, o.now);
		assert_memory_equal(t.fmspc, e.fmspc, 6);
		assert_int_equal(t.n_levels, s == TH_TCB_UP_TO_DATE ? 1 : 2);
		assert_string_equal(t.levels[t.n_levels - 1].status,
				    s == 0 ? "UpToDate" : s == 1 ? "OutOfDate" : "Revoked");
		assert_memory_equal(t.levels[t.n_levels - 1].comp, e.tcb_comp, 16);
		/* the signed body is the compact inner object, verifiable with the TCB key */
		assert_non_null(strstr(doc, t.body));
		assert_int_equal(th_ecdsa_verify_raw(X509_get0_pubkey(f->ca.tcb), t.body,
						     strlen(t.body), t.sig), 1);
		th_tcb_info_free(&t);
		free(doc);
	}
	assert_int_equal(th_qe_identity_json(&f->ca, &th_attest_sim_qe, &o, &doc, &err), 0);
	assert_int_equal(th_qe_identity_parse(doc, strlen(doc), &q, &err), 0);
	assert_string_equal(q.id, "QE");
	assert_memory_equal(q.mrsigner, th_attest_sim_qe.mrsigner, 32);
	assert_int_equal(q.levels[0].isvsvn, th_attest_sim_qe.isv_svn);
	th_qe_identity_free(&q);
	free(doc);
	assert_int_not_equal(th_tcb_info_parse("{\"tcbInfo\":{}}", 14, &t, &err), 0);
	assert_non_null(strstr(err.msg, "signature"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quote_v3_sgx),
		cmocka_unit_test(quote_v4_sgx),
		cmocka_unit_test(quote_v4_tdx),
		cmocka_unit_test(quote_rejects),
		cmocka_unit_test(pck_extension),
		cmocka_unit_test(platforms_differ),
		cmocka_unit_test(collateral_json),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
