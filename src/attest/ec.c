/* SPDX-License-Identifier: MIT */
/*
 * ECDSA P-256 in the encodings quotes use: public keys as x || y and signatures as r || s,
 * 32 bytes big-endian each, rather than SubjectPublicKeyInfo and DER.
 */
#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include "attest/attest.h"

static EVP_PKEY *key_from_params(const BIGNUM *priv, const uint8_t *pub, size_t publen)
{
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *key = NULL;

	if (!b || !OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, publen) ||
	    (priv && !OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, priv)))
		goto out;
	params = OSSL_PARAM_BLD_to_param(b);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &key, priv ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY, params) <= 0)
		key = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	return key;
}

int th_ec_key_derive(const uint8_t seed[32], const char *label, EVP_PKEY **out, struct th_err *err)
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	BN_CTX *bn = BN_CTX_new();
	BIGNUM *d = NULL, *nm1 = NULL;
	EC_POINT *q = NULL;
	uint8_t h[32], pub[65];
	uint8_t in[128 + 32];
	size_t ll = strnlen(label, 127) + 1;
	int rc = -EIO;

	*out = NULL;
	memcpy(in, label, ll - 1);
	in[ll - 1] = 0;
	memcpy(in + ll, seed, 32);
	SHA256(in, ll + 32, h);
	OPENSSL_cleanse(in, sizeof(in));
	if (!g || !bn)
		goto out;
	/* d = h mod (n - 1) + 1: never zero, always below n */
	d = BN_bin2bn(h, 32, NULL);
	nm1 = BN_dup(EC_GROUP_get0_order(g));
	q = EC_POINT_new(g);
	if (!d || !nm1 || !q || !BN_sub_word(nm1, 1) || !BN_mod(d, d, nm1, bn) || !BN_add_word(d, 1) ||
	    !EC_POINT_mul(g, q, d, NULL, NULL, bn) ||
	    EC_POINT_point2oct(g, q, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), bn) != 65)
		goto out;
	*out = key_from_params(d, pub, sizeof(pub));
	if (*out)
		rc = 0;
out:
	OPENSSL_cleanse(h, sizeof(h));
	BN_clear_free(d);
	BN_free(nm1);
	EC_POINT_free(q);
	BN_CTX_free(bn);
	EC_GROUP_free(g);
	return rc ? th_fail(err, rc, label, "cannot derive a P-256 key") : 0;
}

int th_ec_key_generate(EVP_PKEY **out, struct th_err *err)
{
	*out = EVP_EC_gen("prime256v1");
	return *out ? 0 : th_fail(err, -EIO, "key", "cannot generate a P-256 key");
}

int th_ec_pub_raw(EVP_PKEY *key, uint8_t out[64])
{
	uint8_t pub[65];
	size_t n = 0;

	if (!EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub), &n) ||
	    n != 65 || pub[0] != 4)
		return -EINVAL;
	memcpy(out, pub + 1, 64);
	return 0;
}

EVP_PKEY *th_ec_pub_from_raw(const uint8_t raw[64])
{
	uint8_t pub[65];

	pub[0] = 4;
	memcpy(pub + 1, raw, 64);
	return key_from_params(NULL, pub, sizeof(pub));
}

int th_ecdsa_sign_raw(EVP_PKEY *key, const void *data, size_t len, uint8_t sig[64])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t der[80];
	const uint8_t *p = der;
	size_t dlen = sizeof(der);
	ECDSA_SIG *s = NULL;
	int rc = -EIO;

	if (md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) > 0 &&
	    EVP_DigestSign(md, der, &dlen, data, len) > 0 &&
	    (s = d2i_ECDSA_SIG(NULL, &p, (long)dlen)) &&
	    BN_bn2binpad(ECDSA_SIG_get0_r(s), sig, 32) == 32 &&
	    BN_bn2binpad(ECDSA_SIG_get0_s(s), sig + 32, 32) == 32)
		rc = 0;
	ECDSA_SIG_free(s);
	EVP_MD_CTX_free(md);
	return rc;
}

int th_ecdsa_verify_raw(EVP_PKEY *key, const void *data, size_t len, const uint8_t sig[64])
{
	ECDSA_SIG *s = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(sig, 32, NULL), *ss = BN_bin2bn(sig + 32, 32, NULL);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t *der = NULL;
	int dlen, ok = 0;

	if (!s || !r || !ss || !md || !ECDSA_SIG_set0(s, r, ss)) {
		BN_free(r);
		BN_free(ss);
		goto out;
	}
	dlen = i2d_ECDSA_SIG(s, &der);
	if (dlen > 0 && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) > 0 &&
	    EVP_DigestVerify(md, der, (size_t)dlen, data, len) == 1)
		ok = 1;
out:
	OPENSSL_free(der);
	ECDSA_SIG_free(s);
	EVP_MD_CTX_free(md);
	return ok;
}
