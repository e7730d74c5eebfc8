/* SPDX-License-Identifier: MIT */
/*
 * The simulated quoting enclave (QE3) and provisioning certification enclave (PCE). No Intel
 * binary: two fixed identities (th_attest_sim_qe / _pce, published in qe-identity.json) whose
 * keys come from the machine's own EGETKEY, as the real enclaves' keys do:
 *   - the application's REPORT is checked with the QE's report key (EGETKEY(REPORT) as the QE),
 *   - the PCK key, PPID, FMSPC, PCEID derive from the PCE's PROVISION and PROVISION_SEAL keys,
 *   - the attestation key derives from the QE's MRSIGNER-bound seal key,
 *   - the QE report is a real EREPORT of the QE targeted at the PCE.
 * So every platform secret stays inside the machine, identities are stable for one
 * sim-platform.key and differ between platforms. Exported as struct teehost_sim_qe_v1
 * (attest/sim_qe.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "attest/attest.h"
#include "attest/sim_qe.h"
#include "sim/sim.h"

static void as_encl(const struct th_attest_enclave_id *id, struct th_sim_encl *e)
{
	memset(e, 0, sizeof(*e));
	memcpy(e->mrenclave, id->mrenclave, 32);
	memcpy(e->mrsigner, id->mrsigner, 32);
	e->isvprodid = id->isv_prod_id;
	e->isvsvn = id->isv_svn;
	e->secs.attributes.flags = id->attributes;
	e->secs.attributes.xfrm = id->xfrm;
	e->secs.miscselect = id->miscselect;
	e->initialized = true;
}

static int getkey(struct th_sim_encl *e, uint16_t name, uint16_t policy, const char *keyid,
		  uint8_t out[16])
{
	struct sgx_keyrequest kr;

	memset(&kr, 0, sizeof(kr));
	kr.keyname = name;
	kr.keypolicy = policy;
	kr.isv_svn = e->isvsvn;
	memcpy(kr.cpusvn, th_sim_cpusvn, 16);
	kr.attribute_mask.flags = ~0ull;
	strncpy((char *)kr.keyid, keyid, sizeof(kr.keyid));
	return th_sim_egetkey(e, &kr, out);
}

static int platform(struct th_attest_platform *p, char *err, size_t errlen)
{
	struct th_sim_encl pce, qe;
	uint8_t pce_seed[32], qe_seed[32];
	struct th_err e = { { 0 } };
	int rc;

	if (th_sim_keys_load()) {
		snprintf(err, errlen, "platform key: cannot read or create sim-platform.key");
		return TH_QL_ENCLAVE_LOAD_ERROR;
	}
	as_encl(&th_attest_sim_pce, &pce);
	as_encl(&th_attest_sim_qe, &qe);
	rc = getkey(&pce, SGX_KEY_PROVISION, 0, "", pce_seed) ||
	     getkey(&pce, SGX_KEY_PROVISION_SEAL, 0, "", pce_seed + 16) ||
	     getkey(&qe, SGX_KEY_SEAL, SGX_KEYPOLICY_MRSIGNER, "teehost-qe-attestation-key-1", qe_seed) ||
	     getkey(&qe, SGX_KEY_SEAL, SGX_KEYPOLICY_MRSIGNER, "teehost-qe-attestation-key-2", qe_seed + 16);
	if (!rc)
		rc = th_attest_platform_derive(pce_seed, qe_seed, th_sim_cpusvn, p, &e);
	OPENSSL_cleanse(pce_seed, sizeof(pce_seed));
	OPENSSL_cleanse(qe_seed, sizeof(qe_seed));
	if (rc) {
		snprintf(err, errlen, "platform: %s", e.msg[0] ? e.msg : "key derivation failed");
		return TH_QL_ERROR_UNEXPECTED;
	}
	return 0;
}

static int qe_target_info(void *out)
{
	struct sgx_targetinfo ti;

	memset(&ti, 0, sizeof(ti));
	memcpy(ti.mrenclave, th_attest_sim_qe.mrenclave, 32);
	ti.attributes.flags = th_attest_sim_qe.attributes;
	ti.attributes.xfrm = th_attest_sim_qe.xfrm;
	ti.miscselect = th_attest_sim_qe.miscselect;
	memcpy(out, &ti, sizeof(ti));
	return 0;
}

/* The PCK certificate chain for P, PEM (malloc'ed) */
static int pck_chain(const struct th_attest_platform *p, char **pem, size_t *len, X509 **leaf,
		     char *err, size_t errlen)
{
	struct th_attest_ca ca;
	struct th_err e = { { 0 } };
	char dir[4096];
	X509 *pck = NULL;
	int rc;

	rc = th_attest_state_dir(dir, sizeof(dir));
	if (rc) {
		snprintf(err, errlen, "state directory: set TEEHOST_SIM_STATE_DIR or HOME");
		return TH_QL_ATT_KEY_CERT_DATA_INVALID;
	}
	rc = th_attest_ca_open(dir, &ca, &e);
	if (!rc)
		rc = th_attest_pck_cert(&ca, p, &pck, &e);
	if (!rc && pem)
		rc = th_attest_chain_pem(pck, ca.pck_ca, ca.root, pem, len);
	if (!rc && leaf)
		*leaf = pck;
	else
		X509_free(pck);
	th_attest_ca_free(&ca);
	if (rc) {
		snprintf(err, errlen, "%s", e.msg[0] ? e.msg : "PCK certificate chain: cannot encode");
		return TH_QL_ATT_KEY_CERT_DATA_INVALID;
	}
	return 0;
}

static const uint8_t qe_auth_data[32] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};

/* As QE3 does: EGETKEY(REPORT) with the report's KEYID, CMAC over the body, compare. */
static bool report_mac_ok(const struct sgx_report *r)
{
	struct th_sim_encl qe;
	struct sgx_keyrequest kr;
	uint8_t key[16], mac[16];
	bool ok;

	as_encl(&th_attest_sim_qe, &qe);
	memset(&kr, 0, sizeof(kr));
	kr.keyname = SGX_KEY_REPORT;
	memcpy(kr.keyid, r->keyid, 32);
	if (th_sim_egetkey(&qe, &kr, key))
		return false;
	th_sim_cmac(key, &r->body, sizeof(r->body), mac);
	ok = CRYPTO_memcmp(mac, r->mac, 16) == 0;
	OPENSSL_cleanse(key, sizeof(key));
	return ok;
}

static int make_quote(const void *report, unsigned version, uint8_t *out, uint32_t cap,
		      uint32_t *len, char *err, size_t errlen)
{
	struct th_attest_platform p;
	struct th_quote_params qp;
	struct sgx_report r;
	struct sgx_report_body qe_report;
	struct sgx_targetinfo pce_ti;
	struct th_sim_encl qe;
	struct th_err e = { { 0 } };
	uint8_t pub[64], rd[64];
	char *pem = NULL;
	size_t pem_len = 0, n = 0;
	int rc;

	if (version != 3 && version != 4) {
		snprintf(err, errlen, "version: quote v%u is not supported (3 or 4)", version);
		return TH_QL_QUOTE_FORMAT_UNSUPPORTED;
	}
	rc = platform(&p, err, errlen);
	if (rc)
		return rc;
	if (report) {
		memcpy(&r, report, SGX_REPORT_SIZE);
		if (!report_mac_ok(&r)) {
			th_attest_platform_free(&p);
			snprintf(err, errlen, "report: MAC does not verify with the QE's report key "
				 "(not an EREPORT to the QE's TARGETINFO on this platform)");
			return TH_QL_INVALID_REPORT;
		}
	}
	rc = pck_chain(&p, &pem, &pem_len, NULL, err, errlen);
	if (rc) {
		th_attest_platform_free(&p);
		return rc;
	}
	memset(&qp, 0, sizeof(qp));
	qp.version = version;
	qp.tee_type = TH_QUOTE_TEE_SGX;
	qp.body = report ? (const void *)&r.body : NULL;
	qp.body_len = TH_QUOTE_BODY_SGX_SIZE;
	qp.qe_svn = th_attest_sim_qe.isv_svn;
	qp.pce_svn = p.pcesvn;
	memcpy(qp.user_data, p.qe_id, 16);
	qp.qe_auth = qe_auth_data;
	qp.qe_auth_len = sizeof(qe_auth_data);
	qp.pck_chain_pem = pem;
	qp.pck_chain_len = pem_len;
	qp.attest_key = p.attest_key;
	qp.pck_key = p.pck_key;
	if (!report) {
		*len = (uint32_t)th_quote_size(&qp);
		goto out;
	}
	/* the QE's own REPORT, targeted at the PCE, binding the attestation key */
	th_ec_pub_raw(p.attest_key, pub);
	th_quote_qe_report_data(pub, qe_auth_data, sizeof(qe_auth_data), rd);
	memset(&pce_ti, 0, sizeof(pce_ti));
	memcpy(pce_ti.mrenclave, th_attest_sim_pce.mrenclave, 32);
	pce_ti.attributes.flags = th_attest_sim_pce.attributes;
	pce_ti.attributes.xfrm = th_attest_sim_pce.xfrm;
	as_encl(&th_attest_sim_qe, &qe);
	{
		struct sgx_report qr;

		if (th_sim_ereport(&qe, &pce_ti, rd, &qr)) {
			snprintf(err, errlen, "qe_report: EREPORT failed");
			rc = TH_QL_ERROR_UNEXPECTED;
			goto out;
		}
		qe_report = qr.body;
	}
	qp.qe_report = &qe_report;
	if (th_quote_build(&qp, out, cap, &n, &e)) {
		snprintf(err, errlen, "%s", e.msg);
		rc = n > cap ? TH_QL_ERROR_INVALID_PARAMETER : TH_QL_ERROR_UNEXPECTED;
		goto out;
	}
	*len = (uint32_t)n;
out:
	free(pem);
	th_attest_platform_free(&p);
	return rc;
}

static int qe_quote_size(unsigned version, uint32_t *size, char *err, size_t errlen)
{
	return make_quote(NULL, version, NULL, 0, size, err, errlen);
}

static int qe_quote(const void *report, unsigned version, uint8_t *out, uint32_t cap,
		    uint32_t *len, char *err, size_t errlen)
{
	if (!report || !out || !len) {
		snprintf(err, errlen, "report: NULL");
		return TH_QL_ERROR_INVALID_PARAMETER;
	}
	return make_quote(report, version, out, cap, len, err, errlen);
}

static int qe_pck_cert(char **pem, char *err, size_t errlen)
{
	struct th_attest_platform p;
	X509 *leaf = NULL;
	size_t len;
	int rc = platform(&p, err, errlen);

	if (rc)
		return rc;
	rc = pck_chain(&p, NULL, NULL, &leaf, err, errlen);
	if (!rc && th_attest_chain_pem(leaf, NULL, NULL, pem, &len))
		rc = TH_QL_ERROR_OUT_OF_MEMORY;
	X509_free(leaf);
	th_attest_platform_free(&p);
	return rc;
}

__attribute__((visibility("default")))
const struct teehost_sim_qe_v1 teehost_sim_qe_v1 = {
	.size = sizeof(struct teehost_sim_qe_v1),
	.target_info = qe_target_info,
	.quote_size = qe_quote_size,
	.quote = qe_quote,
	.pck_cert = qe_pck_cert,
};
