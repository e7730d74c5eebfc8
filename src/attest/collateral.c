/* SPDX-License-Identifier: MIT */
/*
 * Collateral as Intel's PCS serves it: TCB info v3 ("tcbInfo", id "SGX"), QE identity v2
 * ("enclaveIdentity", id "QE"), each signed by the TCB signing key over the compact JSON of
 * the inner object (QVL re-serialises that object with rapidjson's Writer and verifies the
 * hex r || s "signature" over it, so the body is written compact, keys in PCS order), and
 * CRLs with CRL Number and Authority Key Identifier.
 *
 * TCB scenarios put the platform's own TCB level (its PCK certificate's SVNs) at UpToDate,
 * OutOfDate or Revoked; for the latter two a newer level (PCESVN + 1) is the UpToDate one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest/attest.h"
#include "attest/collateral.h"
#include "util/file.h"
#include "util/json.h"

static const char *const scenario_names[] = { "up-to-date", "out-of-date", "revoked" };

int th_tcb_scenario_parse(const char *s, enum th_tcb_scenario *out)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(s, scenario_names[i])) {
			*out = (enum th_tcb_scenario)i;
			return 0;
		}
	return -EINVAL;
}

const char *th_tcb_scenario_name(enum th_tcb_scenario s)
{
	return (unsigned)s < 3 ? scenario_names[s] : "?";
}

static void iso_date(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

#define NEXT_UPDATE_DAYS 30

/* {"BODYKEY":BODY,"signature":"HEX"} with BODY signed by the TCB signing key */
static int sign_document(const struct th_attest_ca *ca, const char *key, char *body, size_t blen,
			 char **out, struct th_err *err)
{
	uint8_t sig[64];
	char hex[129];
	size_t n;

	if (th_ecdsa_sign_raw(ca->tcb_key, body, blen, sig))
		return th_fail(err, -EIO, key, "cannot sign");
	for (int i = 0; i < 64; i++)
		snprintf(hex + 2 * i, 3, "%02x", sig[i]);
	n = strlen(key) + blen + 160;
	*out = malloc(n);
	if (!*out)
		return th_fail(err, -ENOMEM, key, "out of memory");
	snprintf(*out, n, "{\"%s\":%s,\"signature\":\"%s\"}", key, body, hex);
	return 0;
}

static FILE *body_stream(char **buf, size_t *len, struct json_writer *w)
{
	FILE *f = open_memstream(buf, len);

	if (f)
		json_init(w, f, false);
	return f;
}

void th_json_tcb_status(struct json_writer *w, time_t date, const char *status)
{
	char d[32];

	iso_date(date, d);
	json_key(w, "tcbDate");
	json_str(w, d);
	json_key(w, "tcbStatus");
	json_str(w, status);
	if (strcmp(status, "UpToDate")) {
		json_key(w, "advisoryIDs");
		json_begin_array(w);
		json_str(w, "TEEHOST-SIM-SA-00001");
		json_end_array(w);
	}
}

static void components(struct json_writer *w, const char *key, const uint8_t svn[16])
{
	json_key(w, key);
	json_begin_array(w);
	for (int i = 0; i < 16; i++) {
		json_begin_object(w);
		json_key(w, "svn");
		json_uint(w, svn[i]);
		json_end_object(w);
	}
	json_end_array(w);
}

static void tcb_level(struct json_writer *w, const uint8_t comp[16], const uint8_t *tdx_svn,
		      unsigned pcesvn, time_t date, const char *status)
{
	json_begin_object(w);
	json_key(w, "tcb");
	json_begin_object(w);
	components(w, "sgxtcbcomponents", comp);
	json_key(w, "pcesvn");
	json_uint(w, pcesvn);
	if (tdx_svn)
		components(w, "tdxtcbcomponents", tdx_svn);
	json_end_object(w);
	th_json_tcb_status(w, date, status);
	json_end_object(w);
}

static void common_head(struct json_writer *w, const char *id, unsigned version,
			const struct th_collateral_opts *o)
{
	char d[32];

	json_begin_object(w);
	json_key(w, "id");
	json_str(w, id);
	json_key(w, "version");
	json_uint(w, version);
	iso_date(o->now, d);
	json_key(w, "issueDate");
	json_str(w, d);
	iso_date(o->now + NEXT_UPDATE_DAYS * 86400, d);
	json_key(w, "nextUpdate");
	json_str(w, d);
}

int th_tcb_info_json(const struct th_attest_ca *ca, const struct th_pck_ext *pck,
		     const struct th_collateral_opts *o, char **out, struct th_err *err)
{
	return th_tcb_info_write(ca, pck, o, o->tcb_info_id ? o->tcb_info_id : "SGX", NULL, NULL,
				 out, err);
}

int th_tcb_info_write(const struct th_attest_ca *ca, const struct th_pck_ext *pck,
		      const struct th_collateral_opts *o, const char *id, const uint8_t *tdx_svn,
		      void (*tee_fields)(struct json_writer *w, const struct th_collateral_opts *o),
		      char **out, struct th_err *err)
{
	struct json_writer w;
	char *body = NULL;
	size_t blen = 0;
	FILE *f = body_stream(&body, &blen, &w);
	int rc;

	if (!f)
		return th_fail(err, -ENOMEM, "tcbInfo", "out of memory");
	common_head(&w, id, 3, o);
	json_key(&w, "fmspc");
	json_hex(&w, pck->fmspc, 6);
	json_key(&w, "pceId");
	json_hex(&w, pck->pceid, 2);
	json_key(&w, "tcbType");
	json_uint(&w, 0);
	json_key(&w, "tcbEvaluationDataNumber");
	json_uint(&w, o->tcb_eval_num ? o->tcb_eval_num : 17);
	if (tee_fields)
		tee_fields(&w, o);
	json_key(&w, "tcbLevels");
	json_begin_array(&w);
	if (o->tcb == TH_TCB_UP_TO_DATE) {
		tcb_level(&w, pck->tcb_comp, tdx_svn, pck->pcesvn, o->now - 86400, "UpToDate");
	} else {
		tcb_level(&w, pck->tcb_comp, tdx_svn, pck->pcesvn + 1u, o->now - 86400, "UpToDate");
		tcb_level(&w, pck->tcb_comp, tdx_svn, pck->pcesvn, o->now - 400 * 86400,
			  o->tcb == TH_TCB_OUT_OF_DATE ? "OutOfDate" : "Revoked");
	}
	json_end_array(&w);
	json_end_object(&w);
	fclose(f);
	rc = sign_document(ca, "tcbInfo", body, blen, out, err);
	free(body);
	return rc;
}

void th_json_hex_upper(struct json_writer *w, const uint8_t *b, size_t n)
{
	char s[2 * 48 + 1];

	for (size_t i = 0; i < n && i < 48; i++)
		snprintf(s + 2 * i, 3, "%02X", b[i]);
	json_str(w, s);
}

int th_qe_identity_json(const struct th_attest_ca *ca, const struct th_attest_enclave_id *qe,
			const struct th_collateral_opts *o, char **out, struct th_err *err)
{
	struct json_writer w;
	char *body = NULL;
	size_t blen = 0;
	FILE *f = body_stream(&body, &blen, &w);
	uint8_t misc[4], mask4[4] = { 0xff, 0xff, 0xff, 0xff }, attr[16] = { 0 };
	/* flags: all but MODE64BIT (bit 2), as in Intel's QE identity; XFRM ignored */
	static const uint8_t attr_mask[16] = { 0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	int rc;

	if (!f)
		return th_fail(err, -ENOMEM, "enclaveIdentity", "out of memory");
	for (int i = 0; i < 4; i++)
		misc[i] = (uint8_t)(qe->miscselect >> (8 * i));
	for (int i = 0; i < 8; i++) {
		attr[i] = (uint8_t)(qe->attributes >> (8 * i));
		attr[8 + i] = (uint8_t)(qe->xfrm >> (8 * i));
	}
	for (int i = 0; i < 16; i++)      /* the identity is the masked value */
		attr[i] &= attr_mask[i];
	common_head(&w, o->qe_identity_id ? o->qe_identity_id : "QE", 2, o);
	json_key(&w, "tcbEvaluationDataNumber");
	json_uint(&w, o->tcb_eval_num ? o->tcb_eval_num : 17);
	json_key(&w, "miscselect");
	th_json_hex_upper(&w, misc, 4);
	json_key(&w, "miscselectMask");
	th_json_hex_upper(&w, mask4, 4);
	json_key(&w, "attributes");
	th_json_hex_upper(&w, attr, 16);
	json_key(&w, "attributesMask");
	th_json_hex_upper(&w, attr_mask, 16);
	json_key(&w, "mrsigner");
	th_json_hex_upper(&w, qe->mrsigner, 32);
	json_key(&w, "isvprodid");
	json_uint(&w, qe->isv_prod_id);
	json_key(&w, "tcbLevels");
	json_begin_array(&w);
	json_begin_object(&w);
	json_key(&w, "tcb");
	json_begin_object(&w);
	json_key(&w, "isvsvn");
	json_uint(&w, qe->isv_svn);
	json_end_object(&w);
	th_json_tcb_status(&w, o->now - 86400, "UpToDate");
	json_end_object(&w);
	json_end_array(&w);
	json_end_object(&w);
	fclose(f);
	rc = sign_document(ca, "enclaveIdentity", body, blen, out, err);
	free(body);
	return rc;
}

int th_crl_pem(X509 *issuer, EVP_PKEY *key, time_t now, X509 *revoked, char **out,
	       struct th_err *err)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t1 = ASN1_TIME_set(NULL, now - 3600);
	ASN1_TIME *t2 = ASN1_TIME_set(NULL, now + NEXT_UPDATE_DAYS * 86400);
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	X509V3_CTX ctx;
	X509_EXTENSION *aki = NULL;
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc = -EIO;

	*out = NULL;
	if (!crl || !t1 || !t2 || !num || !b || !X509_CRL_set_version(crl, 1) ||
	    !X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer)) ||
	    !X509_CRL_set1_lastUpdate(crl, t1) || !X509_CRL_set1_nextUpdate(crl, t2) ||
	    !ASN1_INTEGER_set(num, 1) || !X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0))
		goto out;
	if (revoked) {
		X509_REVOKED *r = X509_REVOKED_new();

		if (!r || !X509_REVOKED_set_serialNumber(r, X509_get_serialNumber(revoked)) ||
		    !X509_REVOKED_set_revocationDate(r, t1) || !X509_CRL_add0_revoked(crl, r)) {
			X509_REVOKED_free(r);
			goto out;
		}
	}
	X509V3_set_ctx(&ctx, issuer, NULL, NULL, crl, 0);
	aki = X509V3_EXT_conf_nid(NULL, &ctx, NID_authority_key_identifier, "keyid:always");
	if (!aki || !X509_CRL_add_ext(crl, aki, -1) || !X509_CRL_sort(crl) ||
	    !X509_CRL_sign(crl, key, EVP_sha256()) || !PEM_write_bio_X509_CRL(b, crl))
		goto out;
	n = BIO_get_mem_data(b, &data);
	*out = strndup(data, (size_t)n);
	rc = *out ? 0 : -ENOMEM;
out:
	X509_EXTENSION_free(aki);
	BIO_free(b);
	ASN1_INTEGER_free(num);
	ASN1_TIME_free(t1);
	ASN1_TIME_free(t2);
	X509_CRL_free(crl);
	return rc ? th_fail(err, rc, "crl", "cannot issue the CRL") : 0;
}

static int put(const char *dir, const char *name, const char *data, struct th_err *err)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return th_write_file_atomic(path, data, strlen(data), 0644, 0, err);
}

int th_collateral_write(const struct th_attest_ca *ca, X509 *pck,
			const struct th_collateral_opts *o, const char *dir, struct th_err *err)
{
	struct th_pck_ext ext;
	char *f[10] = { 0 };
	size_t len;
	static const char *const names[10] = {
		TH_COLL_ROOT, TH_COLL_PCK_CA, TH_COLL_PCK, TH_COLL_TCB_SIGNING, TH_COLL_TCB_INFO,
		TH_COLL_QE_IDENTITY, TH_COLL_ROOT_CRL, TH_COLL_PCK_CRL, TH_COLL_PCK_CHAIN,
		TH_COLL_TCB_CHAIN,
	};
	int rc;

	rc = th_pck_ext_parse(pck, &ext, err);
	if (rc)
		return rc;
	/* everything is made before the first file is written */
	if (th_attest_chain_pem(NULL, NULL, ca->root, &f[0], &len) ||
	    th_attest_chain_pem(NULL, ca->pck_ca, NULL, &f[1], &len) ||
	    th_attest_chain_pem(pck, NULL, NULL, &f[2], &len) ||
	    th_attest_chain_pem(NULL, ca->tcb, NULL, &f[3], &len) ||
	    th_attest_chain_pem(NULL, ca->pck_ca, ca->root, &f[8], &len) ||
	    th_attest_chain_pem(NULL, ca->tcb, ca->root, &f[9], &len))
		rc = th_fail(err, -ENOMEM, "certificates", "cannot encode");
	if (!rc)
		rc = (o->tcb_info_json ? o->tcb_info_json : th_tcb_info_json)(ca, &ext, o, &f[4], err);
	if (!rc)
		rc = th_qe_identity_json(ca, o->qe ? o->qe : &th_attest_sim_qe, o, &f[5], err);
	if (!rc)
		rc = th_crl_pem(ca->root, ca->root_key, o->now, NULL, &f[6], err);
	if (!rc)
		rc = th_crl_pem(ca->pck_ca, ca->pck_ca_key, o->now, NULL, &f[7], err);
	if (!rc && mkdir(dir, 0755) && errno != EEXIST)
		rc = th_fail(err, -errno, dir, "cannot create: %s", strerror(errno));
	for (int i = 0; !rc && i < 10; i++)
		rc = put(dir, names[i], f[i], err);
	for (int i = 0; i < 10; i++)
		free(f[i]);
	return rc;
}
