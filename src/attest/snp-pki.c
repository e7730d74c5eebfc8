/* SPDX-License-Identifier: MIT */
/* The simulated AMD SEV-SNP key hierarchy, report signing and verification (OpenSSL 3). */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include "attest/snp-pki.h"
#include "util/file.h"

/* 1.3.6.1.4.1.3704.1.* : AMD's KDS certificate extensions */
#define KDS_OID "1.3.6.1.4.1.3704.1."

static const long validity_days = 25 * 365;

static int set_name(X509_NAME *n, const char *cn)
{
	static const char *const fields[][2] = {
		{ "OU", "Engineering" }, { "C", "US" }, { "L", "Santa Clara" }, { "ST", "CA" },
		{ "O", "Advanced Micro Devices" },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!X509_NAME_add_entry_by_txt(n, fields[i][0], MBSTRING_ASC,
						(const unsigned char *)fields[i][1], -1, -1, 0))
			return -1;
	if (!X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0))
		return -1;
	/*
	 * The mark. go-sev-guest insists on exactly one OU ("Engineering"), so an added OU would
	 * make every verifier that checks names reject the chain; description (2.5.4.13) is
	 * checked by none and shows in every dump of the certificate.
	 */
	return X509_NAME_add_entry_by_txt(n, "description", MBSTRING_ASC,
					  (const unsigned char *)SNP_SIM_MARK, -1, -1, 0) ? 0 : -1;
}

static int set_serial(X509 *x)
{
	uint8_t s[16] = "teehost";
	BIGNUM *bn;
	int ok;

	if (RAND_bytes(s + 7, sizeof(s) - 7) != 1)
		return -1;
	bn = BN_bin2bn(s, sizeof(s), NULL);
	ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	return ok ? 0 : -1;
}

static int add_ext_conf(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = ext && X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok ? 0 : -1;
}

/* A raw DER value under an OID (the KDS extensions are not in OpenSSL's tables). */
static int add_ext_der(X509 *x, const char *oid, const uint8_t *der, int len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext = NULL;
	int ok = obj && os && ASN1_OCTET_STRING_set(os, der, len) &&
		 (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) && X509_add_ext(x, ext, -1);

	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	return ok ? 0 : -1;
}

static int add_ext_int(X509 *x, const char *oid, long v)
{
	ASN1_INTEGER *i = ASN1_INTEGER_new();
	uint8_t *der = NULL;
	int len = -1, rc;

	if (i && ASN1_INTEGER_set(i, v))
		len = i2d_ASN1_INTEGER(i, &der);
	rc = len > 0 ? add_ext_der(x, oid, der, len) : -1;
	OPENSSL_free(der);
	ASN1_INTEGER_free(i);
	return rc;
}

static int add_ext_ia5(X509 *x, const char *oid, const char *s)
{
	ASN1_IA5STRING *str = ASN1_IA5STRING_new();
	uint8_t *der = NULL;
	int len = -1, rc;

	if (str && ASN1_STRING_set(str, s, -1))
		len = i2d_ASN1_IA5STRING(str, &der);
	rc = len > 0 ? add_ext_der(x, oid, der, len) : -1;
	OPENSSL_free(der);
	ASN1_IA5STRING_free(str);
	return rc;
}

static int add_ext_octets(X509 *x, const char *oid, const uint8_t *b, int n)
{
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	uint8_t *der = NULL;
	int len = -1, rc;

	if (os && ASN1_OCTET_STRING_set(os, b, n))
		len = i2d_ASN1_OCTET_STRING(os, &der);
	rc = len > 0 ? add_ext_der(x, oid, der, len) : -1;
	OPENSSL_free(der);
	ASN1_OCTET_STRING_free(os);
	return rc;
}

/* RSA-PSS, SHA-384, MGF1 SHA-384, salt 48: what AMD's ARK and ASK sign with. */
static int sign_pss(X509 *x, EVP_PKEY *key)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pctx = NULL;
	int ok = md && EVP_DigestSignInit(md, &pctx, EVP_sha384(), NULL, key) > 0 &&
		 EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
		 EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48) > 0 &&
		 EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384()) > 0 && X509_sign_ctx(x, md) > 0;

	EVP_MD_CTX_free(md);
	return ok ? 0 : -1;
}

static X509 *new_cert(const char *cn, EVP_PKEY *pub, X509 *issuer)
{
	X509 *x = X509_new();

	if (!x || !X509_set_version(x, 2) || set_serial(x) ||
	    set_name(X509_get_subject_name(x), cn) ||
	    !X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : X509_get_subject_name(x)) ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -86400) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), validity_days * 86400) || !X509_set_pubkey(x, pub)) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509 *make_ca(enum snp_product p, int is_root, EVP_PKEY *key, X509 *ark, EVP_PKEY *ark_key)
{
	char cn[32], crl[96];
	X509 *x;

	snprintf(cn, sizeof(cn), "%s-%s", is_root ? "ARK" : "SEV", snp_product_line(p));
	snprintf(crl, sizeof(crl), "URI:https://kdsintf.amd.com/vcek/v1/%s/crl", snp_product_line(p));
	x = new_cert(cn, key, is_root ? NULL : ark);
	if (!x || add_ext_conf(x, is_root ? x : ark, NID_subject_key_identifier, "hash") ||
	    add_ext_conf(x, is_root ? x : ark, NID_key_usage, "critical,keyCertSign,cRLSign") ||
	    add_ext_conf(x, is_root ? x : ark, NID_basic_constraints, "critical,CA:TRUE") ||
	    add_ext_conf(x, is_root ? x : ark, NID_crl_distribution_points, crl) ||
	    sign_pss(x, is_root ? key : ark_key)) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509 *make_vcek(enum snp_product p, EVP_PKEY *key, X509 *ask, EVP_PKEY *ask_key,
		       const uint8_t chip_id[64], const struct snp_tcb *t)
{
	X509 *x = new_cert("SEV-VCEK", key, ask);

	if (!x || add_ext_int(x, KDS_OID "1", 1) ||
	    add_ext_ia5(x, KDS_OID "2", snp_product_name(p)) ||
	    add_ext_int(x, KDS_OID "3.1", t->bootloader) || add_ext_int(x, KDS_OID "3.2", t->tee) ||
	    add_ext_int(x, KDS_OID "3.3", t->snp) || add_ext_int(x, KDS_OID "3.4", t->reserved[0]) ||
	    add_ext_int(x, KDS_OID "3.5", t->reserved[1]) ||
	    add_ext_int(x, KDS_OID "3.6", t->reserved[2]) ||
	    add_ext_int(x, KDS_OID "3.7", t->reserved[3]) ||
	    add_ext_int(x, KDS_OID "3.8", t->microcode) || add_ext_octets(x, KDS_OID "4", chip_id, 64) ||
	    sign_pss(x, ask_key)) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static EVP_PKEY *gen_key(int rsa)
{
	return rsa ? EVP_RSA_gen(4096) : EVP_EC_gen("P-384");
}

static int write_pem(const char *path, EVP_PKEY *key, X509 *cert)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc = -ENOMEM;

	if (b && (key ? PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL)
		      : PEM_write_bio_X509(b, cert))) {
		n = BIO_get_mem_data(b, &data);
		rc = th_write_file_atomic(path, data, (size_t)n, key ? 0600 : 0644, 1, NULL);
	}
	BIO_free(b);
	return rc;
}

static int read_pem(const char *path, EVP_PKEY **key, X509 **cert)
{
	FILE *f = fopen(path, "re");

	if (!f)
		return -errno;
	if (key)
		*key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	else
		*cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return (key ? !!*key : !!*cert) ? 0 : -EINVAL;
}

/*
 * One key and its certificate: read both when the certificate exists; otherwise make them.
 * The key is written first, exclusively: whoever wins the race makes the certificate, and a
 * loser rereads (retrying briefly while the winner's certificate is not there yet).
 */
typedef X509 *make_fn(struct snp_pki *pki, EVP_PKEY *key, const void *arg);

static int load_pair(const char *keypath, const char *certpath, int rsa, struct snp_pki *pki,
		     make_fn *make, const void *arg, EVP_PKEY **key, X509 **cert)
{
	int rc;

	for (int tries = 0; tries < 600; tries++) {
		if (!access(certpath, F_OK)) {
			rc = read_pem(keypath, key, NULL);
			if (!rc)
				rc = read_pem(certpath, NULL, cert);
			return rc;
		}
		if (!access(keypath, F_OK)) {
			usleep(100000);   /* another process is making it (RSA-4096: seconds) */
			continue;
		}
		*key = gen_key(rsa);
		if (!*key)
			return -ENOMEM;
		rc = write_pem(keypath, *key, NULL);
		if (rc == -EEXIST) {
			EVP_PKEY_free(*key);
			*key = NULL;
			continue;
		}
		if (rc)
			return rc;
		*cert = make(pki, *key, arg);
		if (!*cert)
			return -EIO;
		return write_pem(certpath, NULL, *cert);
	}
	return -ETIMEDOUT;
}

static X509 *make_ark(struct snp_pki *pki, EVP_PKEY *key, const void *arg)
{
	(void)arg;
	return make_ca(pki->product, 1, key, NULL, NULL);
}

static X509 *make_ask(struct snp_pki *pki, EVP_PKEY *key, const void *arg)
{
	(void)arg;
	return make_ca(pki->product, 0, key, pki->ark, pki->ark_key);
}

struct vcek_arg {
	const uint8_t *chip_id;
	const struct snp_tcb *tcb;
};

static X509 *make_vcek_cb(struct snp_pki *pki, EVP_PKEY *key, const void *arg)
{
	const struct vcek_arg *a = arg;

	return make_vcek(pki->product, key, pki->ask, pki->ask_key, a->chip_id, a->tcb);
}

int snp_pki_load(const char *dir, enum snp_product product, const uint8_t chip_id[64],
		 const struct snp_tcb *tcb, struct snp_pki *out, struct th_err *err)
{
	char base[4096], k[4200], c[4200];
	struct vcek_arg va = { chip_id, tcb };
	uint64_t tcbraw;
	int rc;

	memset(out, 0, sizeof(*out));
	out->product = product;
	if (snprintf(base, sizeof(base), "%s/snp-%s", dir, snp_product_line(product)) >=
	    (int)sizeof(base))
		return th_fail(err, -ENAMETOOLONG, dir, "path too long");
	if (mkdir(base, 0700) && errno != EEXIST)
		return th_fail(err, -errno, base, "cannot create: %s", strerror(errno));
	snprintf(k, sizeof(k), "%s/ark.key", base);
	snprintf(c, sizeof(c), "%s/ark.pem", base);
	rc = load_pair(k, c, 1, out, make_ark, NULL, &out->ark_key, &out->ark);
	if (!rc) {
		snprintf(k, sizeof(k), "%s/ask.key", base);
		snprintf(c, sizeof(c), "%s/ask.pem", base);
		rc = load_pair(k, c, 1, out, make_ask, NULL, &out->ask_key, &out->ask);
	}
	if (!rc) {
		memcpy(&tcbraw, tcb, 8);
		snprintf(k, sizeof(k), "%s/vcek-%02x%02x%02x%02x-%016llx.key", base, chip_id[0],
			 chip_id[1], chip_id[2], chip_id[3], (unsigned long long)tcbraw);
		snprintf(c, sizeof(c), "%.*s.pem", (int)strlen(k) - 4, k);
		rc = load_pair(k, c, 0, out, make_vcek_cb, &va, &out->vcek_key, &out->vcek);
	}
	if (rc) {
		snp_pki_free(out);
		return th_fail(err, rc, base, "simulated AMD key hierarchy: %s", strerror(-rc));
	}
	return 0;
}

void snp_pki_free(struct snp_pki *pki)
{
	EVP_PKEY_free(pki->ark_key);
	EVP_PKEY_free(pki->ask_key);
	EVP_PKEY_free(pki->vcek_key);
	X509_free(pki->ark);
	X509_free(pki->ask);
	X509_free(pki->vcek);
	memset(pki, 0, sizeof(*pki));
}

/* big-endian bignum <-> the report's 72-byte little-endian fields */
static void bn_to_le72(const BIGNUM *bn, uint8_t out[72])
{
	uint8_t be[72];
	int n = BN_bn2binpad(bn, be, 72);

	memset(out, 0, 72);
	for (int i = 0; i < n; i++)
		out[i] = be[n - 1 - i];
}

static BIGNUM *le72_to_bn(const uint8_t in[72])
{
	return BN_lebin2bn(in, 72, NULL);
}

int snp_report_sign(struct snp_report *r, EVP_PKEY *vcek, struct th_err *err)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[128];
	const uint8_t *p = der;
	size_t len = sizeof(der);
	ECDSA_SIG *sig = NULL;
	int ok;

	r->signature_algo = SNP_SIG_ALGO_ECDSA_P384_SHA384;
	ok = md && EVP_DigestSignInit(md, NULL, EVP_sha384(), NULL, vcek) > 0 &&
	     EVP_DigestSign(md, der, &len, (const uint8_t *)r, SNP_SIGNED_SIZE) > 0 &&
	     (sig = d2i_ECDSA_SIG(NULL, &p, (long)len));
	EVP_MD_CTX_free(md);
	if (!ok)
		return th_fail(err, -EIO, "signature", "ECDSA P-384 signing failed");
	memset(r->sig_r, 0, sizeof(r->sig_r) + sizeof(r->sig_s) + sizeof(r->sig_reserved));
	bn_to_le72(ECDSA_SIG_get0_r(sig), r->sig_r);
	bn_to_le72(ECDSA_SIG_get0_s(sig), r->sig_s);
	ECDSA_SIG_free(sig);
	return 0;
}

int snp_report_verify_sig(const struct snp_report *r, X509 *vcek, struct th_err *err)
{
	EVP_PKEY *pub = X509_get0_pubkey(vcek);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *br = le72_to_bn(r->sig_r), *bs = le72_to_bn(r->sig_s);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t *der = NULL;
	int len = -1, ok = 0;

	if (sig && br && bs && ECDSA_SIG_set0(sig, br, bs)) {
		br = bs = NULL;
		len = i2d_ECDSA_SIG(sig, &der);
	}
	if (pub && md && len > 0 && EVP_DigestVerifyInit(md, NULL, EVP_sha384(), NULL, pub) > 0)
		ok = EVP_DigestVerify(md, der, (size_t)len, (const uint8_t *)r, SNP_SIGNED_SIZE) == 1;
	OPENSSL_free(der);
	BN_free(br);
	BN_free(bs);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(md);
	return ok ? 0 : th_fail(err, -EBADMSG, "signature", "does not verify with the VCEK's key");
}

/* The DER contents of a KDS extension, or NULL. */
static const ASN1_OCTET_STRING *kds_ext(X509 *x, const char *suffix)
{
	char oid[64];
	ASN1_OBJECT *obj;
	int at;

	snprintf(oid, sizeof(oid), KDS_OID "%s", suffix);
	obj = OBJ_txt2obj(oid, 1);
	at = obj ? X509_get_ext_by_OBJ(x, obj, -1) : -1;
	ASN1_OBJECT_free(obj);
	return at < 0 ? NULL : X509_EXTENSION_get_data(X509_get_ext(x, at));
}

static int kds_int(X509 *x, const char *suffix, long *v)
{
	const ASN1_OCTET_STRING *os = kds_ext(x, suffix);
	const uint8_t *p;
	ASN1_INTEGER *i;

	if (!os)
		return -1;
	p = ASN1_STRING_get0_data(os);
	i = d2i_ASN1_INTEGER(NULL, &p, ASN1_STRING_length(os));
	if (!i)
		return -1;
	*v = ASN1_INTEGER_get(i);
	ASN1_INTEGER_free(i);
	return 0;
}

static int check_vcek_exts(const struct snp_report *r, X509 *vcek, struct th_err *err)
{
	static const struct { const char *oid, *name; size_t off; } spl[] = {
		{ "3.1", "bootloader", offsetof(struct snp_tcb, bootloader) },
		{ "3.2", "tee", offsetof(struct snp_tcb, tee) },
		{ "3.3", "snp", offsetof(struct snp_tcb, snp) },
		{ "3.8", "microcode", offsetof(struct snp_tcb, microcode) },
	};
	const ASN1_OCTET_STRING *hw = kds_ext(vcek, "4"), *pn = kds_ext(vcek, "2");
	int product = snp_product_from_report(r);
	const uint8_t *p;
	long v;

	if (!hw)
		return th_fail(err, -EBADMSG, "vcek", "no hwID extension (1.3.6.1.4.1.3704.1.4)");
	p = ASN1_STRING_get0_data(hw);
	/* KDS stores the 64 bytes bare; a DER OCTET STRING around them is accepted too */
	if (ASN1_STRING_length(hw) == 66 && p[0] == 0x04 && p[1] == 64)
		p += 2;
	else if (ASN1_STRING_length(hw) != 64)
		return th_fail(err, -EBADMSG, "vcek", "hwID extension is not 64 bytes");
	if (memcmp(p, r->chip_id, 64))
		return th_fail(err, -EBADMSG, "chip_id", "differs from the VCEK certificate's hwID");
	for (size_t i = 0; i < sizeof(spl) / sizeof(spl[0]); i++) {
		uint8_t want = ((const uint8_t *)&r->reported_tcb)[spl[i].off];

		if (kds_int(vcek, spl[i].oid, &v))
			return th_fail(err, -EBADMSG, "vcek", "no %s SPL extension (1.3.6.1.4.1.3704.1.%s)",
				       spl[i].name, spl[i].oid);
		if (v != want)
			return th_fail(err, -EBADMSG, "reported_tcb", "%s SPL %u, the VCEK is for %ld",
				       spl[i].name, want, v);
	}
	if (product >= 0 && pn) {
		const uint8_t *s = ASN1_STRING_get0_data(pn);
		const char *want = snp_product_name(product);
		int n = ASN1_STRING_length(pn);

		/* IA5String DER: tag 0x16, short length, the name ("Genoa-B1") */
		if (n != (int)strlen(want) + 2 || s[0] != 0x16 || s[1] != n - 2 ||
		    memcmp(s + 2, want, strlen(want)))
			return th_fail(err, -EBADMSG, "vcek", "product name is not %s's",
				       snp_product_line(product));
	}
	return 0;
}

static int signed_by(X509 *cert, X509 *issuer, const char *name, struct th_err *err)
{
	const X509_ALGOR *alg;

	X509_get0_signature(NULL, &alg, cert);
	if (OBJ_obj2nid(alg->algorithm) != NID_rsassaPss)
		return th_fail(err, -EBADMSG, name, "not signed with RSA-PSS");
	if (X509_check_issued(issuer, cert) != X509_V_OK ||
	    X509_verify(cert, X509_get0_pubkey(issuer)) != 1)
		return th_fail(err, -EBADMSG, name, "signature does not verify with its issuer's key");
	return 0;
}

int snp_verify(const struct snp_report *r, X509 *ark, X509 *ask, X509 *vcek, X509 *trusted_ark,
	       struct th_err *err)
{
	int rc;

	if (X509_cmp(ark, trusted_ark))
		return th_fail(err, -EBADMSG, "ark", "not the trusted root");
	if ((rc = signed_by(ark, ark, "ark", err)) || (rc = signed_by(ask, ark, "ask", err)) ||
	    (rc = signed_by(vcek, ask, "vcek", err)))
		return rc;
	if (EVP_PKEY_get_base_id(X509_get0_pubkey(vcek)) != EVP_PKEY_EC ||
	    EVP_PKEY_get_bits(X509_get0_pubkey(vcek)) != 384)
		return th_fail(err, -EBADMSG, "vcek", "key is not ECDSA P-384");
	if (((r->signer_info >> 2) & 7) != 0)
		return th_fail(err, -EBADMSG, "signer_info", "not signed by a VCEK");
	rc = check_vcek_exts(r, vcek, err);
	return rc ? rc : snp_report_verify_sig(r, vcek, err);
}

void snp_cert_fingerprint(X509 *cert, char out[97])
{
	uint8_t md[32];
	unsigned n = 0;

	X509_digest(cert, EVP_sha256(), md, &n);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 3 * i, 4, "%02X%s", md[i], i < 31 ? ":" : "");
}

int snp_cert_der(X509 *cert, uint8_t **out, size_t *len)
{
	int n;

	*out = NULL;
	n = i2d_X509(cert, out);
	if (n <= 0)
		return -EINVAL;
	*len = (size_t)n;
	return 0;
}

int snp_cert_pem(X509 *cert, char **out, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;

	*out = NULL;
	if (!b || !PEM_write_bio_X509(b, cert)) {
		BIO_free(b);
		return -ENOMEM;
	}
	n = BIO_get_mem_data(b, &data);
	*out = malloc((size_t)n + 1);
	if (*out) {
		memcpy(*out, data, (size_t)n);
		(*out)[n] = 0;
		*len = (size_t)n;
	}
	BIO_free(b);
	return *out ? 0 : -ENOMEM;
}
