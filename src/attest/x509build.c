/* SPDX-License-Identifier: MIT */
/* Certificate building shared by the simulated platforms' test PKIs (see x509build.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "attest/x509build.h"
#include "util/file.h"

static int set_serial(X509 *c, const char *mark, size_t len)
{
	uint8_t s[32];
	size_t m = strlen(mark);
	BIGNUM *bn;
	int ok;

	if (len > sizeof(s) || m >= len || (uint8_t)mark[0] >= 0x80)
		return -EINVAL;
	memcpy(s, mark, m);
	if (RAND_bytes(s + m, (int)(len - m)) != 1)
		return -EIO;
	bn = BN_bin2bn(s, (int)len, NULL);
	ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(c));
	BN_free(bn);
	return ok ? 0 : -EIO;
}

X509 *th_x509_new(X509_NAME *subject, X509 *issuer, EVP_PKEY *pub, time_t now, long days,
		  const char *mark, size_t serial_len)
{
	X509 *c = X509_new();

	if (!c || !X509_set_version(c, 2) || set_serial(c, mark, serial_len) ||
	    !X509_time_adj_ex(X509_getm_notBefore(c), -1, 0, &now) ||
	    !X509_time_adj_ex(X509_getm_notAfter(c), (int)days, 0, &now) ||
	    !X509_set_subject_name(c, subject) ||
	    !X509_set_issuer_name(c, issuer ? X509_get_subject_name(issuer) : subject) ||
	    !X509_set_pubkey(c, pub)) {
		X509_free(c);
		return NULL;
	}
	return c;
}

int th_x509_add_ext(X509 *c, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	int ok;

	X509V3_set_ctx(&ctx, issuer, c, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	ok = e && X509_add_ext(c, e, -1);
	X509_EXTENSION_free(e);
	return ok ? 0 : -EIO;
}

int th_x509_add_ext_der(X509 *c, const char *oid, const uint8_t *der, size_t len)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e = NULL;
	int ok = obj && os && len <= 0x7fffffff && ASN1_OCTET_STRING_set(os, der, (int)len) &&
		 (e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) && X509_add_ext(c, e, -1);

	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
	return ok ? 0 : -EIO;
}

int th_x509_write_pem(const char *path, X509 *cert, EVP_PKEY *key, bool exclusive,
		      struct th_err *err)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data;
	long n;
	int rc = -ENOMEM;

	if (b && (cert ? PEM_write_bio_X509(b, cert)
		       : PEM_write_bio_PrivateKey(b, key, NULL, NULL, 0, NULL, NULL))) {
		n = BIO_get_mem_data(b, &data);
		rc = th_write_file_atomic(path, data, (size_t)n, cert ? 0644 : 0600, exclusive, err);
	}
	BIO_free(b);
	return rc;
}

X509 *th_x509_read_cert(const char *path)
{
	FILE *f = fopen(path, "re");
	X509 *c;

	if (!f)
		return NULL;
	c = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return c;
}

EVP_PKEY *th_x509_read_key(const char *path)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *k;

	if (!f)
		return NULL;
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	return k;
}
