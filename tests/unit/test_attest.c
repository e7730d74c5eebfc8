/* SPDX-License-Identifier: MIT */
/*
 * src/attest: quotes built and parsed back (v3 SGX, v4 SGX, v4 TDX, v5 SGX and TDX body types
 * 2 and 3), every truncation an
 * error naming a field, the PCK certificate's SGX extension, collateral JSON round trips and
 * their signed bodies, TCB scenarios.
 */
#include <errno.h>
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
#include <openssl/x509v3.h>

#include "attest/attest.h"
#include "attest/tdx.h"
#include "attest/x509build.h"

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

static size_t default_body(uint32_t tee)
{
	return tee == TH_QUOTE_TEE_TDX ? TH_QUOTE_BODY_TDX10_SIZE : TH_QUOTE_BODY_SGX_SIZE;
}

static uint8_t *build_body(struct fx *f, unsigned version, uint32_t tee, size_t body_len,
			   size_t *len)
{
	static const uint8_t auth[32] = { 9 };
	uint8_t body[TH_QUOTE_BODY_TDX15_SIZE], pub[64];
	struct sgx_report_body qe;
	struct th_quote_params qp = {
		.version = version, .tee_type = tee, .body = body, .body_len = body_len,
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

static uint8_t *build(struct fx *f, unsigned version, uint32_t tee, size_t *len)
{
	return build_body(f, version, tee, default_body(tee), len);
}

static void check_round_trip(struct fx *f, unsigned version, uint32_t tee, size_t body_len,
			     unsigned body_type)
{
	struct th_err err = { { 0 } };
	struct th_quote q;
	size_t len, at = version == 5 ? 54 : 48;
	uint8_t *raw = build_body(f, version, tee, body_len, &len);
	EVP_PKEY *ak;

	assert_int_equal(th_quote_parse(raw, len, &q, &err), 0);
	assert_int_equal(q.header.version, version);
	assert_int_equal(q.header.tee_type, tee);
	assert_int_equal(q.body_type, body_type);
	assert_int_equal(q.body_len, body_len);
	/* v5: the descriptor (u16 type, u32 size) between header and body, both signed */
	assert_ptr_equal(q.body, raw + at);
	assert_int_equal(q.signed_len, at + body_len);
	if (version == 5) {
		assert_int_equal(raw[48] | raw[49] << 8, body_type);
		assert_int_equal(raw[50] | raw[51] << 8 | raw[52] << 16 | raw[53] << 24, body_len);
	}
	assert_int_equal(raw[at] | raw[at + body_len - 1], 0x5a);
	assert_memory_equal(q.header.qe_vendor_id, th_quote_intel_qe_vendor, 16);
	assert_int_equal(q.outer_cert_type, version >= 4 ? TH_CERT_QE_REPORT : TH_CERT_PCK_CHAIN);
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
	raw[q.signed_len - 1] ^= 1;   /* the body's last byte is signed too */
	assert_int_equal(th_ecdsa_verify_raw(ak, raw, q.signed_len, q.sig), 0);
	raw[q.signed_len - 1] ^= 1;
	/* every proper prefix is an error naming a field, never a crash */
	for (size_t n = 0; n < len; n += (n < 1100 ? 1 : 97)) {
		memset(&err, 0, sizeof(err));
		assert_int_not_equal(th_quote_parse(raw, n, &q, &err), 0);
		assert_true(err.msg[0] != 0);
	}
	EVP_PKEY_free(ak);
	free(raw);
}

#define SGX TH_QUOTE_TEE_SGX, TH_QUOTE_BODY_SGX_SIZE, TH_QUOTE_BODY_TYPE_SGX
#define TDX10 TH_QUOTE_TEE_TDX, TH_QUOTE_BODY_TDX10_SIZE, TH_QUOTE_BODY_TYPE_TDX10
#define TDX15 TH_QUOTE_TEE_TDX, TH_QUOTE_BODY_TDX15_SIZE, TH_QUOTE_BODY_TYPE_TDX15
static void quote_v3_sgx(void **state) { check_round_trip(*state, 3, SGX); }
static void quote_v4_sgx(void **state) { check_round_trip(*state, 4, SGX); }
static void quote_v4_tdx(void **state) { check_round_trip(*state, 4, TDX10); }
static void quote_v5_sgx(void **state) { check_round_trip(*state, 5, SGX); }
static void quote_v5_tdx10(void **state) { check_round_trip(*state, 5, TDX10); }
static void quote_v5_tdx15(void **state) { check_round_trip(*state, 5, TDX15); }

/* v5's descriptor: a type that is not the TEE's, a size that is not the type's; the builder
 * refuses TD report 1.5 outside v5 */
static void quote_v5_rejects(void **state)
{
	static const struct { unsigned at; uint8_t val; const char *field; } bad[] = {
		{ 48, 1, "body.type" },    /* SGX body in a TDX quote */
		{ 48, 4, "body.type" },    /* no such type */
		{ 48, 0, "body.type" },
		{ 48, 2, "body.size" },    /* TD report 1.0 is 584 bytes, not 648 */
		{ 50, 0x89, "body.size" },
		{ 51, 0x03, "body.size" },
		{ 53, 0x01, "body.size" },
		{ 4, 0x00, "body.type" },  /* an SGX quote with a TD report 1.5 body */
		{ 4, 0x82, "header.tee_type" },
	};
	struct fx *f = *state;
	struct th_err err = { { 0 } };
	struct th_quote q;
	size_t len;
	uint8_t *raw = build_body(f, 5, TH_QUOTE_TEE_TDX, TH_QUOTE_BODY_TDX15_SIZE, &len);
	uint8_t body[TH_QUOTE_BODY_TDX15_SIZE] = { 0 }, out[64];
	struct th_quote_params qp = { .version = 4, .tee_type = TH_QUOTE_TEE_TDX, .body = body,
				      .body_len = sizeof(body) };

	assert_int_equal(raw[48], 3);
	assert_int_equal(raw[50] | raw[51] << 8, 648);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t was = raw[bad[i].at];

		raw[bad[i].at] = bad[i].val;
		memset(&err, 0, sizeof(err));
		assert_int_not_equal(th_quote_parse(raw, len, &q, &err), 0);
		if (!strstr(err.msg, bad[i].field))
			fail_msg("byte %u = %#x: '%s', not %s", bad[i].at, bad[i].val, err.msg,
				 bad[i].field);
		raw[bad[i].at] = was;
	}
	assert_int_equal(th_quote_parse(raw, len, &q, &err), 0);
	free(raw);
	/* a TD report 1.5 body only in v5; an SGX body of TDX size nowhere */
	assert_int_equal(th_quote_build(&qp, out, sizeof(out), &len, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "body"));
	qp.version = 5;
	qp.tee_type = TH_QUOTE_TEE_SGX;
	assert_int_equal(th_quote_build(&qp, out, sizeof(out), &len, &err), -EINVAL);
	qp.version = 6;
	assert_int_equal(th_quote_build(&qp, out, sizeof(out), &len, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "version"));
}

/* TD report 1.5 from a TDREPORT: 1.0's fields, then TEE_TCB_SVN2 and SERVTD_HASH */
static void td_report15_body(void **state)
{
	struct tdx_report r;
	struct tdx_quote_body15 b;

	(void)state;
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < sizeof(r); i++)
		((uint8_t *)&r)[i] = (uint8_t)(i * 7 + 1);
	tdx_quote_body15_from_report(&r, &b);
	assert_memory_equal(b.v10.tee_tcb_svn, r.tee_tcb_info.tee_tcb_svn, 16);
	assert_memory_equal(b.v10.mr_td, r.td_info.mr_td, 48);
	assert_memory_equal(b.v10.rtmr[3], r.td_info.rtmr[3], 48);
	assert_memory_equal(b.v10.report_data, r.mac.report_data, 64);
	assert_memory_equal(b.tee_tcb_svn2, r.tee_tcb_info.tee_tcb_svn2, 16);
	assert_memory_equal(b.mr_servicetd, r.td_info.servtd_hash, 48);
	/* the fields `teehost show` lists: 1.0's 15, then 1.5's two at 584 and 600 */
	assert_int_equal(tdx_quote_body_nfields, 15);
	assert_int_equal(tdx_quote_body15_nfields, 17);
	assert_string_equal(tdx_quote_body_fields[15].name, "tee_tcb_svn2");
	assert_int_equal(tdx_quote_body_fields[15].off, 584);
	assert_string_equal(tdx_quote_body_fields[16].name, "mr_servicetd");
	assert_int_equal(tdx_quote_body_fields[16].off, 600);
	assert_int_equal(tdx_quote_body_fields[16].len, 48);
}

static void quote_rejects(void **state)
{
	struct th_err err = { { 0 } };
	struct th_quote q;
	size_t len;
	uint8_t *raw = build(*state, 3, TH_QUOTE_TEE_SGX, &len);

	raw[0] = 6;
	assert_int_not_equal(th_quote_parse(raw, len, &q, &err), 0);
	assert_non_null(strstr(err.msg, "header.version"));
	raw[0] = 2;
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

/* the shared certificate skeleton: marked positive serial of the asked length, validity from
 * a day before NOW, issuer name from the issuer; a mark that would make it negative is refused */
static void x509_skeleton(void **state)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509_NAME *n = X509_NAME_new();
	X509 *c, *child;
	const ASN1_INTEGER *sn;
	time_t now = 1700000000, t = now - 86400;
	struct th_err err = { { 0 } };

	(void)state;
	assert_non_null(k);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
						    (const unsigned char *)"t", -1, -1, 0), 1);
	c = th_x509_new(n, NULL, k, now, 10, "MARK", 12);
	assert_non_null(c);
	sn = X509_get0_serialNumber(c);
	assert_int_equal(ASN1_STRING_length(sn), 12);
	assert_memory_equal(ASN1_STRING_get0_data(sn), "MARK", 4);
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notBefore(c), t), 0);
	t = now + 10 * 86400;
	assert_int_equal(ASN1_TIME_cmp_time_t(X509_get0_notAfter(c), t), 0);
	assert_int_equal(th_x509_add_ext(c, c, NID_basic_constraints, "critical,CA:TRUE"), 0);
	assert_int_equal(th_x509_add_ext_der(c, "1.2.3.4", (const uint8_t *)"\x05\x00", 2), 0);
	ASN1_OBJECT *oid = OBJ_txt2obj("1.2.3.4", 1);
	assert_int_equal(X509_get_ext_by_OBJ(c, oid, -1) >= 0, 1);
	ASN1_OBJECT_free(oid);
	assert_int_equal(th_x509_add_ext(c, c, NID_basic_constraints, "no such value"), -EIO);
	child = th_x509_new(n, c, k, now, 1, "M", 2);
	assert_non_null(child);
	assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(child), X509_get_subject_name(c)), 0);
	X509_free(child);
	assert_null(th_x509_new(n, NULL, k, now, 1, "\x80", 8));
	assert_null(th_x509_new(n, NULL, k, now, 1, "LONGMARK", 8));
	/* PEM files: exclusive refuses an existing file */
	assert_int_not_equal(X509_sign(c, k, EVP_sha256()), 0);
	char dir[] = "/tmp/test_attest.XXXXXX", path[64];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.pem", dir);
	assert_int_equal(th_x509_write_pem(path, c, NULL, true, &err), 0);
	assert_int_equal(th_x509_write_pem(path, c, NULL, true, &err), -EEXIST);
	X509 *back = th_x509_read_cert(path);
	assert_non_null(back);
	assert_int_equal(X509_cmp(back, c), 0);
	assert_null(th_x509_read_key(path));
	X509_free(back);
	unlink(path);
	rmdir(dir);
	X509_free(c);
	X509_NAME_free(n);
	EVP_PKEY_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quote_v3_sgx),
		cmocka_unit_test(quote_v4_sgx),
		cmocka_unit_test(quote_v4_tdx),
		cmocka_unit_test(quote_v5_sgx),
		cmocka_unit_test(quote_v5_tdx10),
		cmocka_unit_test(quote_v5_tdx15),
		cmocka_unit_test(quote_v5_rejects),
		cmocka_unit_test(td_report15_body),
		cmocka_unit_test(quote_rejects),
		cmocka_unit_test(pck_extension),
		cmocka_unit_test(platforms_differ),
		cmocka_unit_test(collateral_json),
		cmocka_unit_test(x509_skeleton),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
