/* SPDX-License-Identifier: MIT */
/*
 * The test PKI of a simulated platform: a root CA, a PCK Platform CA and a TCB signing
 * certificate with Intel's names (verifiers compare CN, O, L, ST and C) made unmistakable by
 * the OU "teehost simulated platform, not Intel", serials that begin with the ASCII bytes
 * "TEEHOST-SIM", and the key fingerprint teehost prints wherever it shows the root. Intel's
 * real root does not verify anything issued here.
 *
 * The CA keys and certificates are created once per state directory (STATE/attest-ca, the
 * directory holding the simulator's sim-platform.key) and kept: a verifier trusts the exact
 * root certificate it was given, so the root must not change between runs. The platform's
 * own keys (PCK, attestation key) are never stored: they are derived from the platform secret
 * each time (th_attest_platform_derive).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "attest/attest.h"
#include "attest/x509build.h"
#include "util/file.h"

/* ---- the simulated QE3 and PCE ---- */

/* MRENCLAVE/MRSIGNER: SHA-256 of "teehost simulated QE3 enclave" / "... signer" (fixed) */
const struct th_attest_enclave_id th_attest_sim_qe = {
	.mrenclave = { 0x5c, 0x3f, 0x0e, 0x6d, 0x1b, 0xa4, 0x77, 0x20, 0x8e, 0x91, 0x4a, 0xd2,
		       0x33, 0x6c, 0xf5, 0x08, 0x9b, 0x7e, 0x12, 0xc4, 0x5a, 0xe0, 0x61, 0x3d,
		       0xa8, 0x2f, 0x97, 0x4b, 0x0c, 0xd6, 0x19, 0xe2 },
	.mrsigner = TH_SIM_MRSIGNER,
	.isv_prod_id = 1,
	.isv_svn = 8,
	.miscselect = 0,
	.attributes = SGX_ATTR_INIT | SGX_ATTR_MODE64BIT,
	.xfrm = 0x3,
};

const struct th_attest_enclave_id th_attest_sim_pce = {
	.mrenclave = { 0x9d, 0x21, 0x70, 0x4e, 0xa3, 0x18, 0xc6, 0x5b, 0x02, 0xef, 0x84, 0x39,
		       0x6a, 0xd5, 0x1c, 0xb0, 0x47, 0x93, 0x2e, 0xf8, 0x0b, 0x65, 0xca, 0x11,
		       0x5e, 0x80, 0x3c, 0xa7, 0xd2, 0x46, 0x99, 0x1f },
	.mrsigner = TH_SIM_MRSIGNER,
	.isv_prod_id = 2,
	.isv_svn = 13,
	.miscselect = 0,
	.attributes = SGX_ATTR_INIT | SGX_ATTR_MODE64BIT | SGX_ATTR_PROVISIONKEY,
	.xfrm = 0x3,
};

static void derive_bytes(const uint8_t seed[32], const char *label, uint8_t *out, size_t n)
{
	uint8_t in[64 + 32], h[32];
	size_t ll = strlen(label);

	memcpy(in, label, ll);
	memcpy(in + ll, seed, 32);
	SHA256(in, ll + 32, h);
	memcpy(out, h, n);
}

int th_attest_platform_derive(const uint8_t pce_seed[32], const uint8_t qe_seed[32],
			      const uint8_t cpusvn[16], struct th_attest_platform *p,
			      struct th_err *err)
{
	memset(p, 0, sizeof(*p));
	derive_bytes(pce_seed, "teehost-ppid", p->ppid, 16);
	derive_bytes(pce_seed, "teehost-pceid", p->pceid, 2);
	derive_bytes(pce_seed, "teehost-fmspc", p->fmspc, 6);
	derive_bytes(pce_seed, "teehost-platform-instance", p->platform_instance_id, 16);
	derive_bytes(qe_seed, "teehost-qe-id", p->qe_id, 16);
	memcpy(p->cpusvn, cpusvn, 16);
	memcpy(p->tcb_comp, cpusvn, 16);
	p->pcesvn = th_attest_sim_pce.isv_svn;
	p->sgx_type = TH_ATTEST_SGX_TYPE_SCALABLE;
	if (th_ec_key_derive(pce_seed, "teehost-pck-key", &p->pck_key, err) ||
	    th_ec_key_derive(qe_seed, "teehost-attestation-key", &p->attest_key, err)) {
		th_attest_platform_free(p);
		return -EIO;
	}
	return 0;
}

void th_attest_platform_free(struct th_attest_platform *p)
{
	EVP_PKEY_free(p->pck_key);
	EVP_PKEY_free(p->attest_key);
	p->pck_key = p->attest_key = NULL;
}

/* ---- the SGX extension, DER by hand: fixed shape, small ---- */

struct der {
	uint8_t b[1024];
	size_t n;
	bool overflow;
};

static void der_put(struct der *d, const void *p, size_t n)
{
	if (d->n + n > sizeof(d->b)) {
		d->overflow = true;
		return;
	}
	memcpy(d->b + d->n, p, n);
	d->n += n;
}

static void der_tlv(struct der *d, uint8_t tag, const void *v, size_t n)
{
	uint8_t h[4] = { tag };
	size_t hl;

	if (n < 128) {
		h[1] = (uint8_t)n;
		hl = 2;
	} else if (n < 256) {
		h[1] = 0x81;
		h[2] = (uint8_t)n;
		hl = 3;
	} else {
		h[1] = 0x82;
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		hl = 4;
	}
	der_put(d, h, hl);
	der_put(d, v, n);
}

/* SEQUENCE { OID 1.2.840.113741.1.13.1.ARC[.SUB], VALUE } with VALUE already encoded */
static void der_oid_tuple(struct der *d, unsigned arc, unsigned sub, const struct der *value)
{
	static const uint8_t sgx[] = { 0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01 };
	struct der t = { .n = 0 }, oid = { .n = 0 };

	der_put(&oid, sgx, sizeof(sgx));
	der_put(&oid, &(uint8_t){ (uint8_t)arc }, 1);
	if (sub)
		der_put(&oid, &(uint8_t){ (uint8_t)sub }, 1);
	der_tlv(&t, 0x06, oid.b, oid.n);
	der_put(&t, value->b, value->n);
	der_tlv(d, 0x30, t.b, t.n);
	d->overflow |= t.overflow || value->overflow;
}

/* INTEGER 0..65535, minimal two's complement (a leading zero when the top bit is set) */
static void der_int(struct der *d, unsigned v)
{
	uint8_t b[3];
	size_t n = 0;

	if (v >= 0x100) {
		if (v >= 0x8000)
			b[n++] = 0;
		b[n++] = (uint8_t)(v >> 8);
	} else if (v >= 0x80) {
		b[n++] = 0;
	}
	b[n++] = (uint8_t)v;
	der_tlv(d, 0x02, b, n);
}

static int sgx_extension_der(const struct th_attest_platform *p, struct der *out)
{
	struct der v = { .n = 0 }, tcb = { .n = 0 }, conf = { .n = 0 }, all = { .n = 0 };

	for (unsigned i = 0; i < 16; i++) {
		v.n = 0;
		der_int(&v, p->tcb_comp[i]);
		der_oid_tuple(&tcb, 2, i + 1, &v);
	}
	v.n = 0;
	der_int(&v, p->pcesvn);
	der_oid_tuple(&tcb, 2, 17, &v);
	v.n = 0;
	der_tlv(&v, 0x04, p->cpusvn, 16);
	der_oid_tuple(&tcb, 2, 18, &v);

	v.n = 0;
	der_tlv(&v, 0x04, p->ppid, 16);
	der_oid_tuple(&all, 1, 0, &v);
	v.n = 0;
	der_tlv(&v, 0x30, tcb.b, tcb.n);
	der_oid_tuple(&all, 2, 0, &v);
	v.n = 0;
	der_tlv(&v, 0x04, p->pceid, 2);
	der_oid_tuple(&all, 3, 0, &v);
	v.n = 0;
	der_tlv(&v, 0x04, p->fmspc, 6);
	der_oid_tuple(&all, 4, 0, &v);
	v.n = 0;
	der_tlv(&v, 0x0a, &p->sgx_type, 1);
	der_oid_tuple(&all, 5, 0, &v);
	v.n = 0;
	der_tlv(&v, 0x04, p->platform_instance_id, 16);
	der_oid_tuple(&all, 6, 0, &v);
	/* Configuration: dynamic platform no, cached keys yes, SMT yes */
	for (unsigned i = 1; i <= 3; i++) {
		v.n = 0;
		der_tlv(&v, 0x01, &(uint8_t){ i == 1 ? 0x00 : 0xff }, 1);
		der_oid_tuple(&conf, 7, i, &v);
	}
	v.n = 0;
	der_tlv(&v, 0x30, conf.b, conf.n);
	der_oid_tuple(&all, 7, 0, &v);

	out->n = 0;
	out->overflow = false;
	der_tlv(out, 0x30, all.b, all.n);
	return out->overflow || all.overflow || tcb.overflow ? -EOVERFLOW : 0;
}

/* ---- certificates ---- */

static X509_NAME *intel_name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();
	static const struct { const char *f, *v; } parts[] = {
		{ "CN", NULL }, { "O", "Intel Corporation" }, { "L", "Santa Clara" },
		{ "ST", "CA" }, { "C", "US" }, { "OU", TH_ATTEST_OU },
	};

	for (size_t i = 0; n && i < sizeof(parts) / sizeof(parts[0]); i++)
		if (!X509_NAME_add_entry_by_txt(n, parts[i].f, MBSTRING_UTF8,
						(const unsigned char *)(parts[i].v ? parts[i].v : cn),
						-1, -1, 0)) {
			X509_NAME_free(n);
			return NULL;
		}
	return n;
}

static int add_sgx_ext(X509 *c, const struct th_attest_platform *p)
{
	struct der d = { .n = 0 };

	if (sgx_extension_der(p, &d))
		return -EIO;
	return th_x509_add_ext_der(c, "1.2.840.113741.1.13.1", d.b, d.n);
}

enum cert_kind { CERT_ROOT, CERT_PCK_CA, CERT_TCB, CERT_PCK };

static X509 *issue(enum cert_kind kind, EVP_PKEY *subject_key, X509 *issuer,
		   EVP_PKEY *issuer_key, const struct th_attest_platform *p, time_t now)
{
	static const char *const cn[] = { "Intel SGX Root CA", "Intel SGX PCK Platform CA",
					  "Intel SGX TCB Signing", "Intel SGX PCK Certificate" };
	static const long years[] = { 25, 20, 7, 7 };
	X509_NAME *name = intel_name(cn[kind]);
	/* serial: "TEEHOST-SIM" followed by 8 random bytes */
	X509 *c = name ? th_x509_new(name, issuer, subject_key, now, years[kind] * 365,
				     "TEEHOST-SIM", 19) : NULL;
	int rc = 0;

	if (!c)
		goto fail;
	if (!issuer)
		issuer = c;
	rc |= th_x509_add_ext(c, issuer, NID_subject_key_identifier, "hash");
	rc |= th_x509_add_ext(c, issuer, NID_authority_key_identifier, "keyid:always");
	/* verifiers require the extension; the .invalid host says where it does not lead */
	rc |= th_x509_add_ext(c, issuer, NID_crl_distribution_points,
		      kind == CERT_PCK ? "URI:https://pccs.teehost.invalid/sgx/certification/v4/pckcrl?ca=platform"
				       : "URI:https://pccs.teehost.invalid/sgx/certification/v4/rootcacrl");
	switch (kind) {
	case CERT_ROOT:
		rc |= th_x509_add_ext(c, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:1");
		rc |= th_x509_add_ext(c, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
		break;
	case CERT_PCK_CA:
		rc |= th_x509_add_ext(c, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
		rc |= th_x509_add_ext(c, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
		break;
	case CERT_TCB:
	case CERT_PCK:
		rc |= th_x509_add_ext(c, issuer, NID_basic_constraints, "critical,CA:FALSE");
		rc |= th_x509_add_ext(c, issuer, NID_key_usage, "critical,digitalSignature,nonRepudiation");
		if (kind == CERT_PCK)
			rc |= add_sgx_ext(c, p);
		break;
	}
	if (rc || !X509_sign(c, issuer_key, EVP_sha256()))
		goto fail;
	X509_NAME_free(name);
	return c;
fail:
	X509_NAME_free(name);
	X509_free(c);
	return NULL;
}

/* ---- the store ---- */

int th_attest_state_dir(char *buf, size_t n)
{
	const char *d = getenv("TEEHOST_SIM_STATE_DIR"), *x = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	int w;

	if (d && *d)
		w = snprintf(buf, n, "%s", d);
	else if (x && *x)
		w = snprintf(buf, n, "%s/teehost", x);
	else if (home && *home)
		w = snprintf(buf, n, "%s/.local/state/teehost", home);
	else
		return -ENOENT;
	return w < (int)n ? 0 : -ENAMETOOLONG;
}

static int write_pem(const char *dir, const char *name, X509 *cert, EVP_PKEY *key,
		     struct th_err *err)
{
	char path[4200];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	rc = th_x509_write_pem(path, cert, key, false, err);
	return rc ? (err && err->msg[0] ? rc : th_fail(err, rc, path, "cannot write")) : 0;
}

static int create_ca(const char *state_dir, const char *final, struct th_err *err)
{
	char tmp[4200];
	struct th_attest_ca ca;
	time_t now = time(NULL);
	int rc;

	memset(&ca, 0, sizeof(ca));
	snprintf(tmp, sizeof(tmp), "%s/attest-ca.tmpXXXXXX", state_dir);
	if (!mkdtemp(tmp))
		return th_fail(err, -errno, state_dir, "cannot create the test CA directory: %s",
			       strerror(errno));
	rc = th_ec_key_generate(&ca.root_key, err);
	if (!rc)
		rc = th_ec_key_generate(&ca.pck_ca_key, err);
	if (!rc)
		rc = th_ec_key_generate(&ca.tcb_key, err);
	if (!rc) {
		ca.root = issue(CERT_ROOT, ca.root_key, NULL, ca.root_key, NULL, now);
		ca.pck_ca = ca.root ? issue(CERT_PCK_CA, ca.pck_ca_key, ca.root, ca.root_key, NULL, now)
				    : NULL;
		ca.tcb = ca.root ? issue(CERT_TCB, ca.tcb_key, ca.root, ca.root_key, NULL, now) : NULL;
		if (!ca.root || !ca.pck_ca || !ca.tcb)
			rc = th_fail(err, -EIO, "test CA", "cannot issue the CA certificates");
	}
	if (!rc)
		rc = write_pem(tmp, "root-ca.key", NULL, ca.root_key, err) ||
		     write_pem(tmp, "pck-ca.key", NULL, ca.pck_ca_key, err) ||
		     write_pem(tmp, "tcb-signing.key", NULL, ca.tcb_key, err) ||
		     write_pem(tmp, TH_COLL_ROOT, ca.root, NULL, err) ||
		     write_pem(tmp, TH_COLL_PCK_CA, ca.pck_ca, NULL, err) ||
		     write_pem(tmp, TH_COLL_TCB_SIGNING, ca.tcb, NULL, err) ? -EIO : 0;
	th_attest_ca_free(&ca);
	/* first one wins: a racing process's rename fails and it uses the winner's CA */
	if (!rc && rename(tmp, final) && errno != EEXIST && errno != ENOTEMPTY)
		rc = th_fail(err, -errno, final, "cannot install the test CA: %s", strerror(errno));
	if (access(tmp, F_OK) == 0) {
		static const char *const names[] = { "root-ca.key", "pck-ca.key", "tcb-signing.key",
						     TH_COLL_ROOT, TH_COLL_PCK_CA,
						     TH_COLL_TCB_SIGNING };
		char p[4300];

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", tmp, names[i]);
			unlink(p);
		}
		rmdir(tmp);
	}
	return rc;
}

static int mkdirs(const char *path)
{
	char p[4096];

	if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p))
		return -ENAMETOOLONG;
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(p, 0700) && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return mkdir(p, 0700) && errno != EEXIST ? -errno : 0;
}

int th_attest_ca_open(const char *state_dir, struct th_attest_ca *ca, struct th_err *err)
{
	char p[4300];
	int rc;

	memset(ca, 0, sizeof(*ca));
	if (snprintf(ca->dir, sizeof(ca->dir), "%s/attest-ca", state_dir) >= (int)sizeof(ca->dir))
		return th_fail(err, -ENAMETOOLONG, state_dir, "path too long");
	if (access(ca->dir, F_OK)) {
		rc = mkdirs(state_dir);
		if (rc)
			return th_fail(err, rc, state_dir, "cannot create: %s", strerror(-rc));
		rc = create_ca(state_dir, ca->dir, err);
		if (rc)
			return rc;
	}
#define LOAD(field, fn, name, what)                                                    \
	do {                                                                           \
		snprintf(p, sizeof(p), "%s/%s", ca->dir, name);                        \
		if (!(ca->field = fn(p))) {                                            \
			th_attest_ca_free(ca);                                         \
			return th_fail(err, -EINVAL, p, "missing or not a PEM " what); \
		}                                                                      \
	} while (0)
	LOAD(root_key, th_x509_read_key, "root-ca.key", "key");
	LOAD(pck_ca_key, th_x509_read_key, "pck-ca.key", "key");
	LOAD(tcb_key, th_x509_read_key, "tcb-signing.key", "key");
	LOAD(root, th_x509_read_cert, TH_COLL_ROOT, "certificate");
	LOAD(pck_ca, th_x509_read_cert, TH_COLL_PCK_CA, "certificate");
	LOAD(tcb, th_x509_read_cert, TH_COLL_TCB_SIGNING, "certificate");
#undef LOAD
	return 0;
}

void th_attest_ca_free(struct th_attest_ca *ca)
{
	EVP_PKEY_free(ca->root_key);
	EVP_PKEY_free(ca->pck_ca_key);
	EVP_PKEY_free(ca->tcb_key);
	X509_free(ca->root);
	X509_free(ca->pck_ca);
	X509_free(ca->tcb);
	ca->root_key = ca->pck_ca_key = ca->tcb_key = NULL;
	ca->root = ca->pck_ca = ca->tcb = NULL;
}

static bool pck_matches(X509 *c, const struct th_attest_platform *p)
{
	struct th_pck_ext e;
	EVP_PKEY *k = X509_get0_pubkey(c);

	if (!k || EVP_PKEY_eq(k, p->pck_key) != 1 || th_pck_ext_parse(c, &e, NULL))
		return false;
	return !memcmp(e.ppid, p->ppid, 16) && !memcmp(e.tcb_comp, p->tcb_comp, 16) &&
	       e.pcesvn == p->pcesvn && !memcmp(e.cpusvn, p->cpusvn, 16) &&
	       !memcmp(e.fmspc, p->fmspc, 6) && !memcmp(e.pceid, p->pceid, 2);
}

int th_attest_pck_cert(struct th_attest_ca *ca, const struct th_attest_platform *p, X509 **out,
		       struct th_err *err)
{
	char path[4300];
	X509 *c;

	snprintf(path, sizeof(path), "%s/%s", ca->dir, TH_COLL_PCK);
	c = th_x509_read_cert(path);
	if (c && pck_matches(c, p) && X509_verify(c, ca->pck_ca_key) == 1) {
		*out = c;
		return 0;
	}
	X509_free(c);
	c = issue(CERT_PCK, p->pck_key, ca->pck_ca, ca->pck_ca_key, p, time(NULL));
	if (!c)
		return th_fail(err, -EIO, "pck", "cannot issue the PCK certificate");
	if (write_pem(ca->dir, TH_COLL_PCK, c, NULL, err)) {
		X509_free(c);
		return -EIO;
	}
	*out = c;
	return 0;
}

int th_attest_chain_pem(X509 *leaf, X509 *mid, X509 *root, char **pem, size_t *len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc = -EIO;

	*pem = NULL;
	if (b && (!leaf || PEM_write_bio_X509(b, leaf)) && (!mid || PEM_write_bio_X509(b, mid)) &&
	    (!root || PEM_write_bio_X509(b, root))) {
		n = BIO_get_mem_data(b, &data);
		*pem = malloc((size_t)n + 1);
		if (*pem) {
			memcpy(*pem, data, (size_t)n);
			(*pem)[n] = 0;
			*len = (size_t)n;
			rc = 0;
		}
	}
	BIO_free(b);
	return rc;
}

void th_attest_key_fingerprint(X509 *cert, char out[97])
{
	uint8_t h[32];
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(X509_get0_pubkey(cert), &der);

	out[0] = 0;
	if (n <= 0)
		return;
	SHA256(der, (size_t)n, h);
	OPENSSL_free(der);
	for (int i = 0; i < 32; i++)
		snprintf(out + 3 * i, 4, i < 31 ? "%02X:" : "%02X", h[i]);
}

/* ---- the SGX extension, read with OpenSSL's ASN.1 parser (as QVL does) ---- */

static int oid_arcs(const ASN1_TYPE *t, unsigned *arc, unsigned *sub)
{
	char buf[64];
	const char *pfx = "1.2.840.113741.1.13.1.";

	if (t->type != V_ASN1_OBJECT || OBJ_obj2txt(buf, sizeof(buf), t->value.object, 1) <= 0 ||
	    strncmp(buf, pfx, strlen(pfx)))
		return -EINVAL;
	*sub = 0;
	return sscanf(buf + strlen(pfx), "%u.%u", arc, sub) >= 1 ? 0 : -EINVAL;
}

static STACK_OF(ASN1_TYPE) *seq_of(const ASN1_TYPE *t)
{
	const unsigned char *p;

	if (!t || t->type != V_ASN1_SEQUENCE)
		return NULL;
	p = t->value.sequence->data;
	return d2i_ASN1_SEQUENCE_ANY(NULL, &p, t->value.sequence->length);
}

static int octets(const ASN1_TYPE *v, uint8_t *out, int n, const char *field, struct th_err *err)
{
	if (v->type != V_ASN1_OCTET_STRING || v->value.octet_string->length != n)
		return th_fail(err, -EINVAL, field, "not a %d-byte OCTET STRING", n);
	memcpy(out, v->value.octet_string->data, (size_t)n);
	return 0;
}

static int parse_tcb(const ASN1_TYPE *v, struct th_pck_ext *out, struct th_err *err)
{
	STACK_OF(ASN1_TYPE) *s = seq_of(v);
	unsigned seen = 0;
	int rc = 0;

	if (!s || sk_ASN1_TYPE_num(s) != 18)
		rc = th_fail(err, -EINVAL, "sgx_extension.tcb", "not a SEQUENCE of 18 entries");
	for (int i = 0; !rc && i < sk_ASN1_TYPE_num(s); i++) {
		STACK_OF(ASN1_TYPE) *t = seq_of(sk_ASN1_TYPE_value(s, i));
		unsigned arc, sub;
		ASN1_TYPE *val;
		long n;

		if (!t || sk_ASN1_TYPE_num(t) != 2 || oid_arcs(sk_ASN1_TYPE_value(t, 0), &arc, &sub) ||
		    arc != 2 || sub < 1 || sub > 18) {
			rc = th_fail(err, -EINVAL, "sgx_extension.tcb", "entry %d is not a TCB tuple", i);
		} else if ((val = sk_ASN1_TYPE_value(t, 1)), sub == 18) {
			rc = octets(val, out->cpusvn, 16, "sgx_extension.tcb.cpusvn", err);
		} else if (val->type != V_ASN1_INTEGER ||
			   (n = ASN1_INTEGER_get(val->value.integer)) < 0 ||
			   n > (sub == 17 ? 65535 : 255)) {
			rc = th_fail(err, -EINVAL, "sgx_extension.tcb", "component %u out of range", sub);
		} else if (sub == 17) {
			out->pcesvn = (uint16_t)n;
		} else {
			out->tcb_comp[sub - 1] = (uint8_t)n;
		}
		if (!rc)
			seen |= 1u << (sub - 1);
		sk_ASN1_TYPE_pop_free(t, ASN1_TYPE_free);
	}
	sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
	if (!rc && seen != 0x3ffff)
		rc = th_fail(err, -EINVAL, "sgx_extension.tcb", "a component is missing or repeated");
	return rc;
}

int th_pck_ext_parse(X509 *pck, struct th_pck_ext *out, struct th_err *err)
{
	ASN1_OBJECT *oid = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
	int idx = oid ? X509_get_ext_by_OBJ(pck, oid, -1) : -1;
	ASN1_OCTET_STRING *data;
	const unsigned char *p;
	ASN1_TYPE *top = NULL;
	STACK_OF(ASN1_TYPE) *s = NULL;
	unsigned seen = 0;
	int rc = 0;

	ASN1_OBJECT_free(oid);
	memset(out, 0, sizeof(*out));
	if (idx < 0)
		return th_fail(err, -EINVAL, "sgx_extension", "the certificate has no SGX extension "
			       "(OID 1.2.840.113741.1.13.1)");
	data = X509_EXTENSION_get_data(X509_get_ext(pck, idx));
	p = data->data;
	top = d2i_ASN1_TYPE(NULL, &p, data->length);
	s = seq_of(top);
	if (!s)
		rc = th_fail(err, -EINVAL, "sgx_extension", "not a SEQUENCE");
	for (int i = 0; !rc && i < sk_ASN1_TYPE_num(s); i++) {
		STACK_OF(ASN1_TYPE) *t = seq_of(sk_ASN1_TYPE_value(s, i));
		unsigned arc, sub;
		ASN1_TYPE *v;

		if (!t || sk_ASN1_TYPE_num(t) != 2 || oid_arcs(sk_ASN1_TYPE_value(t, 0), &arc, &sub) ||
		    sub || arc < 1 || arc > 7) {
			sk_ASN1_TYPE_pop_free(t, ASN1_TYPE_free);
			rc = th_fail(err, -EINVAL, "sgx_extension", "entry %d is not an SGX tuple", i);
			break;
		}
		v = sk_ASN1_TYPE_value(t, 1);
		switch (arc) {
		case 1:
			rc = octets(v, out->ppid, 16, "sgx_extension.ppid", err);
			break;
		case 2:
			rc = parse_tcb(v, out, err);
			break;
		case 3:
			rc = octets(v, out->pceid, 2, "sgx_extension.pceid", err);
			break;
		case 4:
			rc = octets(v, out->fmspc, 6, "sgx_extension.fmspc", err);
			break;
		case 5:
			if (v->type != V_ASN1_ENUMERATED)
				rc = th_fail(err, -EINVAL, "sgx_extension.sgx_type", "not ENUMERATED");
			else
				out->sgx_type = (int)ASN1_ENUMERATED_get(v->value.enumerated);
			break;
		case 6:
			rc = octets(v, out->platform_instance_id, 16,
				    "sgx_extension.platform_instance_id", err);
			break;
		case 7:
			if (v->type != V_ASN1_SEQUENCE)
				rc = th_fail(err, -EINVAL, "sgx_extension.configuration",
					     "not a SEQUENCE");
			break;
		}
		if (!rc && (seen & (1u << arc)))
			rc = th_fail(err, -EINVAL, "sgx_extension", "entry %u repeated", arc);
		seen |= 1u << arc;
		sk_ASN1_TYPE_pop_free(t, ASN1_TYPE_free);
	}
	sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free);
	ASN1_TYPE_free(top);
	if (rc)
		return rc;
	if ((seen & 0x3e) != 0x3e)
		return th_fail(err, -EINVAL, "sgx_extension", "PPID, TCB, PCEID, FMSPC or SGX type "
			       "is missing");
	out->platform = (seen & 0xc0) == 0xc0;
	return 0;
}
