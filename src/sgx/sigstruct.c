/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>

#include "sgx/sigstruct.h"

static const uint8_t header1[16] = SGX_SIGSTRUCT_HEADER1;
static const uint8_t header2[16] = SGX_SIGSTRUCT_HEADER2;

bool th_sigstruct_has_headers(const struct sgx_sigstruct *ss)
{
	uint8_t h1[16];

	/* Bytes 12..15 are TYPE, whose bit 31 may be set (production signer); the rest is fixed. */
	memcpy(h1, ss->header1, 16);
	h1[SGX_SIGSTRUCT_TYPE_OFFSET + 3] &= 0x7f;
	return !memcmp(h1, header1, 16) && !memcmp(ss->header2, header2, 16);
}

int th_sigstruct_parse(const uint8_t *data, size_t len, struct sgx_sigstruct *out,
		       struct th_err *err)
{
	if (len != sizeof(*out))
		return th_fail(err, EINVAL, "sigstruct", "is %zu bytes, expected %zu", len, sizeof(*out));
	memcpy(out, data, sizeof(*out));
	if (!th_sigstruct_has_headers(out)) {
		if (memcmp(out->header2, header2, 16))
			return th_fail(err, EINVAL, "header2", "not the SIGSTRUCT header (0101000060000000...)");
		return th_fail(err, EINVAL, "header", "not the SIGSTRUCT header (06000000E1000000...)");
	}
	if (out->exponent != 3)
		return th_fail(err, EINVAL, "exponent", "is %u, EINIT accepts only 3", out->exponent);
	return 0;
}

void th_sigstruct_init(struct sgx_sigstruct *ss, bool intel_vendor)
{
	memcpy(ss->header1, header1, 16);
	memcpy(ss->header2, header2, 16);
	ss->vendor = intel_vendor ? SGX_SIGSTRUCT_VENDOR_INTEL : 0;
	ss->exponent = 3;
}

/* The message that is signed: header [0,128) followed by body [900,1028). */
static void signed_bytes(const struct sgx_sigstruct *ss, uint8_t msg[256])
{
	const uint8_t *raw = (const uint8_t *)ss;

	memcpy(msg, raw, SGX_SIGSTRUCT_SIGNED1_END);
	memcpy(msg + 128, raw + SGX_SIGSTRUCT_SIGNED2_START,
	       SGX_SIGSTRUCT_SIGNED2_END - SGX_SIGSTRUCT_SIGNED2_START);
}

static void reverse_copy(uint8_t *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = src[n - 1 - i];
}

static EVP_PKEY *public_key(const struct sgx_sigstruct *ss)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	BIGNUM *n = BN_lebin2bn(ss->modulus, SGX_MODULUS_SIZE, NULL);
	BIGNUM *e = BN_new();

	if (!bld || !n || !e || !BN_set_word(e, ss->exponent))
		goto out;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
	ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	if (!params || !ctx || EVP_PKEY_fromdata_init(ctx) <= 0 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
		pkey = NULL;
out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return pkey;
}

static bool signature_ok(const struct sgx_sigstruct *ss)
{
	uint8_t msg[256], sig_be[SGX_MODULUS_SIZE];
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *pkey;
	bool ok = false;

	if (ss->exponent != 3)
		return false;
	pkey = public_key(ss);
	if (!pkey)
		return false;
	signed_bytes(ss, msg);
	reverse_copy(sig_be, ss->signature, SGX_MODULUS_SIZE);
	md = EVP_MD_CTX_new();
	if (md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
	    EVP_DigestVerify(md, sig_be, sizeof(sig_be), msg, sizeof(msg)) == 1)
		ok = true;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	return ok;
}

/* Q1 = floor(s^2 / n), Q2 = floor((s^3 - Q1 * s * n) / n), both little-endian. */
static int compute_q1q2(const uint8_t sig_le[SGX_MODULUS_SIZE], const uint8_t mod_le[SGX_MODULUS_SIZE],
			uint8_t q1_le[SGX_MODULUS_SIZE], uint8_t q2_le[SGX_MODULUS_SIZE])
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *s, *n, *t, *q1, *q2, *r;
	int ret = -ENOMEM;

	if (!ctx)
		return ret;
	BN_CTX_start(ctx);
	s = BN_CTX_get(ctx);
	n = BN_CTX_get(ctx);
	t = BN_CTX_get(ctx);
	q1 = BN_CTX_get(ctx);
	q2 = BN_CTX_get(ctx);
	r = BN_CTX_get(ctx);
	if (!r || !BN_lebin2bn(sig_le, SGX_MODULUS_SIZE, s) || !BN_lebin2bn(mod_le, SGX_MODULUS_SIZE, n))
		goto out;
	ret = -EINVAL;
	if (BN_is_zero(n))
		goto out;
	ret = -ENOMEM;
	if (!BN_sqr(t, s, ctx) || !BN_div(q1, r, t, n, ctx))      /* r = s^2 mod n */
		goto out;
	if (!BN_mul(t, r, s, ctx) || !BN_div(q2, NULL, t, n, ctx)) /* (s^2 mod n) * s / n */
		goto out;
	ret = -ERANGE;
	if ((unsigned)BN_num_bytes(q1) > SGX_MODULUS_SIZE || (unsigned)BN_num_bytes(q2) > SGX_MODULUS_SIZE)
		goto out;
	if (BN_bn2lebinpad(q1, q1_le, SGX_MODULUS_SIZE) < 0 || BN_bn2lebinpad(q2, q2_le, SGX_MODULUS_SIZE) < 0)
		goto out;
	ret = 0;
out:
	BN_CTX_end(ctx);
	BN_CTX_free(ctx);
	return ret;
}

void th_sigstruct_check(const struct sgx_sigstruct *ss, struct th_sigstruct_verdict *v)
{
	uint8_t q1[SGX_MODULUS_SIZE], q2[SGX_MODULUS_SIZE];

	v->signature_valid = signature_ok(ss);
	v->q1q2_valid = compute_q1q2(ss->signature, ss->modulus, q1, q2) == 0 &&
			!memcmp(q1, ss->q1, sizeof(q1)) && !memcmp(q2, ss->q2, sizeof(q2));
}

int th_sigstruct_verify(const struct sgx_sigstruct *ss, struct th_err *err)
{
	struct th_sigstruct_verdict v;

	th_sigstruct_check(ss, &v);
	if (!v.signature_valid)
		return th_fail(err, EBADMSG, "signature", "does not verify with the embedded modulus");
	if (!v.q1q2_valid)
		return th_fail(err, EBADMSG, "q1", "Q1/Q2 do not match the signature and modulus");
	return 0;
}

void th_sigstruct_mrsigner(const struct sgx_sigstruct *ss, uint8_t out[32])
{
	unsigned int len = 32;

	EVP_Digest(ss->modulus, SGX_MODULUS_SIZE, out, &len, EVP_sha256(), NULL);
}

int th_rsa_key_check(EVP_PKEY *key, struct th_err *err)
{
	BIGNUM *e = NULL;
	int ok;

	if (!key || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
		return th_fail(err, EINVAL, "key", "not an RSA key");
	if (EVP_PKEY_get_bits(key) != 3072)
		return th_fail(err, EINVAL, "key", "RSA-%d, SGX needs RSA-3072", EVP_PKEY_get_bits(key));
	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_E, &e))
		return th_fail(err, EINVAL, "key", "cannot read the public exponent");
	ok = BN_is_word(e, 3);
	BN_free(e);
	if (!ok)
		return th_fail(err, EINVAL, "key", "public exponent is not 3");
	return 0;
}

int th_sigstruct_sign(struct sgx_sigstruct *ss, EVP_PKEY *key, struct th_err *err)
{
	uint8_t msg[256], sig_be[SGX_MODULUS_SIZE];
	size_t siglen = sizeof(sig_be);
	EVP_MD_CTX *md = NULL;
	BIGNUM *n = NULL;
	int ret;

	ret = th_rsa_key_check(key, err);
	if (ret < 0)
		return ret;
	if (!EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    BN_bn2lebinpad(n, ss->modulus, SGX_MODULUS_SIZE) < 0) {
		BN_free(n);
		return th_fail(err, EINVAL, "key", "cannot read the modulus");
	}
	BN_free(n);
	ss->exponent = 3;
	signed_bytes(ss, msg);
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, sig_be, &siglen, msg, sizeof(msg)) != 1 || siglen != sizeof(sig_be)) {
		EVP_MD_CTX_free(md);
		return th_fail(err, EIO, "signature", "RSA signing failed");
	}
	EVP_MD_CTX_free(md);
	reverse_copy(ss->signature, sig_be, SGX_MODULUS_SIZE);
	if (compute_q1q2(ss->signature, ss->modulus, ss->q1, ss->q2) < 0)
		return th_fail(err, EIO, "q1", "cannot compute Q1/Q2");
	return 0;
}
