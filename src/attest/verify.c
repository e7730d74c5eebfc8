/* SPDX-License-Identifier: MIT */
/*
 * Our quote verifier, over OpenSSL: the steps of Intel's QVL (QuoteVerifier.cpp, 4.1.2.4.x)
 * in its order, so that its verdict and ours agree on the same inputs:
 *   1. the PCK chain from the quote's certification data: OpenSSL's X509_verify_cert with the
 *      trusted root and both CRLs (CRL_CHECK_ALL), and the chain's root byte-identical to the
 *      trusted root (QVL compares the signatures); Intel's names on every certificate;
 *   2. the TCB signing certificate, issued by the trusted root, not revoked;
 *   3. TCB info and QE identity: signature by the TCB signing key over the compact body, id
 *      matching the quote's TEE, not past nextUpdate, FMSPC/PCEID equal to the PCK's;
 *   4. the QE report signed by the PCK key, its REPORTDATA = SHA-256(attestation key || QE
 *      auth data), the QE's identity (MISCSELECT, ATTRIBUTES under their masks, MRSIGNER,
 *      ISVPRODID) and its ISVSVN level;
 *   5. the quote signature over header || body with the attestation key;
 *   6. the platform's TCB level: the first level all of whose 16 component SVNs and PCESVN
 *      the PCK certificate's are at or above. Verified = every step passes and that level is
 *      UpToDate (QVL returns TCB_OUT_OF_DATE, TCB_REVOKED, ... otherwise).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "attest/attest.h"
#include "util/file.h"

struct coll {
	X509 *root, *tcb;
	X509_CRL *root_crl, *pck_crl;
	char *tcb_json, *qe_json;
	size_t tcb_len, qe_len;
};

static void coll_free(struct coll *c)
{
	X509_free(c->root);
	X509_free(c->tcb);
	X509_CRL_free(c->root_crl);
	X509_CRL_free(c->pck_crl);
	free(c->tcb_json);
	free(c->qe_json);
}

static int read_text(const char *dir, const char *name, char **out, size_t *len,
		     struct th_err *err)
{
	char path[4200];

	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (th_read_file(path, 1 << 20, out, len, err)) {
		th_err_prefix(err, path);
		return -ENOENT;
	}
	return 0;
}

static int read_x509(const char *dir, const char *name, X509 **out, struct th_err *err)
{
	char *pem;
	size_t len;
	BIO *b;

	if (read_text(dir, name, &pem, &len, err))
		return -ENOENT;
	b = BIO_new_mem_buf(pem, (int)len);
	*out = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	free(pem);
	return *out ? 0 : th_fail(err, -EINVAL, name, "not a PEM certificate");
}

/* a CRL, PEM or DER (QVL takes both) */
static int read_crl(const char *dir, const char *name, X509_CRL **out, struct th_err *err)
{
	char *data;
	size_t len;
	BIO *b;

	if (read_text(dir, name, &data, &len, err))
		return -ENOENT;
	b = BIO_new_mem_buf(data, (int)len);
	*out = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
	if (!*out) {
		const unsigned char *p = (const unsigned char *)data;

		*out = d2i_X509_CRL(NULL, &p, (long)len);
	}
	BIO_free(b);
	free(data);
	return *out ? 0 : th_fail(err, -EINVAL, name, "not a CRL (PEM or DER)");
}

static int load(const char *dir, const char *trusted, struct coll *c, struct th_err *err)
{
	memset(c, 0, sizeof(*c));
	if (read_x509(trusted ? "." : dir, trusted ? trusted : TH_COLL_ROOT, &c->root, err) ||
	    read_x509(dir, TH_COLL_TCB_SIGNING, &c->tcb, err) ||
	    read_crl(dir, TH_COLL_ROOT_CRL, &c->root_crl, err) ||
	    read_crl(dir, TH_COLL_PCK_CRL, &c->pck_crl, err) ||
	    read_text(dir, TH_COLL_TCB_INFO, &c->tcb_json, &c->tcb_len, err) ||
	    read_text(dir, TH_COLL_QE_IDENTITY, &c->qe_json, &c->qe_len, err)) {
		coll_free(c);
		return -EINVAL;
	}
	return 0;
}

bool th_reject(struct th_verify_result *r, const char *step, const char *fmt, ...)
{
	va_list ap;

	r->ok = false;
	snprintf(r->failed, sizeof(r->failed), "%s", step);
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	return false;
}

static bool cn_contains(X509 *c, const char *phrase)
{
	char cn[256];

	return X509_NAME_get_text_by_NID(X509_get_subject_name(c), NID_commonName, cn,
					 sizeof(cn)) > 0 && strstr(cn, phrase);
}

static bool crl_has_required_exts(X509_CRL *crl)
{
	return X509_CRL_get_ext_by_NID(crl, NID_crl_number, -1) >= 0 &&
	       X509_CRL_get_ext_by_NID(crl, NID_authority_key_identifier, -1) >= 0;
}

/* OpenSSL's path validation: CHAIN[0] up to ROOT, both CRLs checked, at NOW */
static int verify_path(X509 *leaf, STACK_OF(X509) *untrusted, const struct coll *c, time_t now,
		       bool pck_crl, int *depth)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int rc = -1;

	if (st && ctx && X509_STORE_add_cert(st, c->root) && X509_STORE_add_crl(st, c->root_crl) &&
	    (!pck_crl || X509_STORE_add_crl(st, c->pck_crl)) &&
	    X509_STORE_CTX_init(ctx, st, leaf, untrusted)) {
		X509_STORE_CTX_set_flags(ctx, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL |
					      X509_V_FLAG_X509_STRICT);
		X509_STORE_CTX_set_time(ctx, 0, now);
		rc = X509_verify_cert(ctx) == 1 ? X509_V_OK : X509_STORE_CTX_get_error(ctx);
		if (depth)
			*depth = X509_STORE_CTX_get_error_depth(ctx);
	}
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return rc;
}

static STACK_OF(X509) *chain_from_quote(const struct th_quote *q)
{
	BIO *b = BIO_new_mem_buf(q->cert, (int)q->cert_len);
	STACK_OF(X509) *s = sk_X509_new_null();
	X509 *x;

	while (b && s && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
		if (!sk_X509_push(s, x))
			X509_free(x);
	BIO_free(b);
	ERR_clear_error();   /* the end of the PEM data leaves an error queued */
	return s;
}

static bool check_pck_chain(const struct th_quote *q, const struct coll *c, time_t now,
			    struct th_verify_result *r, X509 **pck_out)
{
	STACK_OF(X509) *chain = chain_from_quote(q);
	X509 *leaf, *mid, *root;
	int v, depth = -1;
	bool ok = false;

	*pck_out = NULL;
	if (!chain || sk_X509_num(chain) != 3) {
		th_reject(r, "pck_chain", "the certification data holds %d certificates, not 3 "
		          "(PCK, PCK CA, root)", chain ? sk_X509_num(chain) : 0);
		goto out;
	}
	leaf = sk_X509_value(chain, 0);
	mid = sk_X509_value(chain, 1);
	root = sk_X509_value(chain, 2);
	if (!cn_contains(root, "SGX Root CA") || !cn_contains(mid, "CA") ||
	    !cn_contains(leaf, "SGX PCK Certificate")) {
		th_reject(r, "pck_chain", "the names are not root CA, PCK CA and PCK certificate");
		goto out;
	}
	if (X509_cmp(root, c->root) != 0) {
		th_reject(r, "pck_chain", "the chain's root is not the trusted root (key %s)",
		          r->root_fingerprint);
		goto out;
	}
	if (!crl_has_required_exts(c->root_crl) || !crl_has_required_exts(c->pck_crl)) {
		th_reject(r, "crl", "a CRL lacks CRL Number or Authority Key Identifier");
		goto out;
	}
	v = verify_path(leaf, chain, c, now, true, &depth);
	if (v != X509_V_OK) {
		static const char *const names[] = { "PCK certificate", "PCK CA", "root CA" };
		X509 *bad = depth >= 0 && depth < 3 ? sk_X509_value(chain, depth) : NULL;

		/* OpenSSL says "unspecified" when a key does not decode: name that instead */
		th_reject(r, v == X509_V_ERR_CERT_REVOKED ? "pck_revoked" : "pck_chain", "%s%s%s",
		          v < 0 ? "cannot run the path validation"
			        : bad && !X509_get0_pubkey(bad) ? "the public key does not decode"
							        : X509_verify_cert_error_string(v),
		          v >= 0 && bad ? ": " : "", v >= 0 && bad ? names[depth] : "");
		goto out;
	}
	X509_up_ref(leaf);
	*pck_out = leaf;
	ok = true;
out:
	sk_X509_pop_free(chain, X509_free);
	return ok;
}

static bool check_signed_json(const char *what, const char *body, const uint8_t sig[64],
			      const struct coll *c, time_t now, time_t next_update,
			      struct th_verify_result *r)
{
	int v = verify_path(c->tcb, NULL, c, now, false, NULL);

	if (v != X509_V_OK || !cn_contains(c->tcb, "SGX TCB Signing"))
		return th_reject(r, "tcb_signing_chain", "%s",
			         v < 0 ? "cannot run the path validation"
				       : v ? X509_verify_cert_error_string(v)
				           : "the TCB signing certificate is not \"Intel SGX TCB Signing\"");
	if (!th_ecdsa_verify_raw(X509_get0_pubkey(c->tcb), body, strlen(body), sig))
		return th_reject(r, what, "the signature does not verify with the TCB signing key");
	if (now > next_update)
		return th_reject(r, what, "expired: nextUpdate is in the past");
	return true;
}

static const char *tcb_level_status(const struct th_tcb_info *t, const struct th_pck_ext *p)
{
	for (unsigned i = 0; i < t->n_levels; i++) {
		const struct th_tcb_level *l = &t->levels[i];
		bool ge = p->pcesvn >= l->pcesvn;

		for (int j = 0; ge && j < 16; j++)
			ge = p->tcb_comp[j] >= l->comp[j];
		if (ge)
			return l->status;
	}
	return NULL;
}

static bool check_qe_identity(const struct th_qe_identity *id, const struct sgx_report_body *qe,
			      struct th_verify_result *r)
{
	const uint8_t *attr = (const uint8_t *)&qe->attributes;
	const char *st = NULL;

	if ((qe->miscselect & id->miscselect_mask) != id->miscselect)
		return th_reject(r, "qe_identity", "the QE's MISCSELECT does not match");
	for (int i = 0; i < 16; i++)
		if ((attr[i] & id->attributes_mask[i]) != id->attributes[i])
			return th_reject(r, "qe_identity", "the QE's ATTRIBUTES do not match");
	if (memcmp(qe->mrsigner, id->mrsigner, 32))
		return th_reject(r, "qe_identity", "the QE's MRSIGNER does not match");
	if (qe->isv_prod_id != id->isv_prod_id)
		return th_reject(r, "qe_identity", "the QE's ISVPRODID does not match");
	for (unsigned i = 0; i < id->n_levels && !st; i++)
		if (qe->isv_svn >= id->levels[i].isvsvn)
			st = id->levels[i].status;
	snprintf(r->qe_status, sizeof(r->qe_status), "%s", st ? st : "Revoked");
	return true;
}

static bool run(const struct th_quote *q, const struct coll *c, time_t now,
		struct th_verify_result *r)
{
	struct th_tcb_info tcb;
	struct th_qe_identity qid;
	struct th_pck_ext ext;
	struct th_err e = { { 0 } };
	struct sgx_report_body qe;
	X509 *pck = NULL;
	EVP_PKEY *ak = NULL;
	uint8_t rd[64];
	const char *st;
	bool ok = false;

	memset(&tcb, 0, sizeof(tcb));
	memset(&qid, 0, sizeof(qid));
	if (!check_pck_chain(q, c, now, r, &pck))
		return false;
	if (th_pck_ext_parse(pck, &ext, &e)) {
		th_reject(r, "pck_certificate", "%s", e.msg);
		goto out;
	}
	if (th_tcb_info_parse(c->tcb_json, c->tcb_len, &tcb, &e)) {
		th_reject(r, "tcb_info", "%s: %s", TH_COLL_TCB_INFO, e.msg);
		goto out;
	}
	if (th_qe_identity_parse(c->qe_json, c->qe_len, &qid, &e)) {
		th_reject(r, "qe_identity", "%s: %s", TH_COLL_QE_IDENTITY, e.msg);
		goto out;
	}
	if (!check_signed_json("tcb_info", tcb.body, tcb.sig, c, now, tcb.next_update, r) ||
	    !check_signed_json("qe_identity", qid.body, qid.sig, c, now, qid.next_update, r))
		goto out;
	if (strcmp(tcb.id, q->header.tee_type == TH_QUOTE_TEE_TDX ? "TDX" : "SGX")) {
		th_reject(r, "tcb_info", "id %s does not match the quote's TEE", tcb.id);
		goto out;
	}
	if (strcmp(qid.id, q->header.tee_type == TH_QUOTE_TEE_TDX ? "TD_QE" : "QE")) {
		th_reject(r, "qe_identity", "id %s does not match the quote's TEE", qid.id);
		goto out;
	}
	if (memcmp(ext.fmspc, tcb.fmspc, 6) || memcmp(ext.pceid, tcb.pceid, 2)) {
		th_reject(r, "tcb_info", "FMSPC or PCEID differs from the PCK certificate's");
		goto out;
	}
	if (!th_ecdsa_verify_raw(X509_get0_pubkey(pck), q->qe_report, 384, q->qe_report_sig)) {
		th_reject(r, "qe_report_signature", "the QE report is not signed by the PCK key");
		goto out;
	}
	th_quote_qe_report_data(q->attest_key, q->qe_auth, q->qe_auth_len, rd);
	memcpy(&qe, q->qe_report, sizeof(qe));
	if (memcmp(rd, qe.report_data, 32)) {
		th_reject(r, "qe_report_data", "REPORTDATA is not SHA-256(attestation key || auth data)");
		goto out;
	}
	if (!check_qe_identity(&qid, &qe, r))
		goto out;
	ak = th_ec_pub_from_raw(q->attest_key);
	if (!ak) {
		th_reject(r, "attest_key", "not a P-256 point");
		goto out;
	}
	if (!th_ecdsa_verify_raw(ak, q->raw, q->signed_len, q->sig)) {
		th_reject(r, "quote_signature", "header || body is not signed by the attestation key");
		goto out;
	}
	st = tcb_level_status(&tcb, &ext);
	snprintf(r->tcb_status, sizeof(r->tcb_status), "%s", st ? st : "TcbLevelNotFound");
	if (!st) {
		th_reject(r, "tcb_level", "no TCB level of the TCB info matches the PCK certificate");
		goto out;
	}
	if (strcmp(st, "UpToDate")) {
		th_reject(r, "tcb_status", "the platform's TCB is %s", st);
		goto out;
	}
	if (strcmp(r->qe_status, "UpToDate")) {
		th_reject(r, "qe_identity", "the QE's TCB is %s", r->qe_status);
		goto out;
	}
	ok = true;
	r->ok = true;
out:
	EVP_PKEY_free(ak);
	X509_free(pck);
	th_tcb_info_free(&tcb);
	th_qe_identity_free(&qid);
	return ok;
}

int th_attest_verify(const struct th_quote *q, const char *dir, const char *trusted_root_path,
		     time_t now, struct th_verify_result *r, struct th_err *err)
{
	struct coll c;

	memset(r, 0, sizeof(*r));
	if (load(dir, trusted_root_path, &c, err))
		return -EINVAL;
	th_attest_key_fingerprint(c.root, r->root_fingerprint);
	run(q, &c, now, r);
	coll_free(&c);
	return 0;
}
