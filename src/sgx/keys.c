/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "sgx/keys.h"
#include "sgx/sigstruct.h"
#include "util/file.h"

#define TH_KEY_FILE_MAX (64u * 1024)

/* Encrypted keys are refused, never prompted for: signing runs unattended. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

int th_key_parse_pem(const void *pem, size_t len, EVP_PKEY **key, struct th_err *err)
{
	BIO *bio;

	*key = NULL;
	if (len > INT32_MAX)
		return th_fail(err, EINVAL, "key", "too large");
	bio = BIO_new_mem_buf(pem, (int)len);
	if (!bio)
		return th_fail(err, ENOMEM, "key", "out of memory");
	*key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
	BIO_free(bio);
	ERR_clear_error();
	if (!*key)
		return th_fail(err, EINVAL, "key", "not a PEM private key (unencrypted PKCS#1 or PKCS#8 expected)");
	return 0;
}

int th_key_load(const char *path, EVP_PKEY **key, struct th_err *err)
{
	char *pem;
	size_t len;
	int ret;

	*key = NULL;
	ret = th_read_file(path, TH_KEY_FILE_MAX, &pem, &len, err);
	if (ret)
		return ret;
	ret = th_key_parse_pem(pem, len, key, err);
	OPENSSL_cleanse(pem, len);
	free(pem);
	if (ret)
		return ret;
	ret = th_rsa_key_check(*key, err);
	if (ret) {
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	return ret;
}

int th_key_generate(EVP_PKEY **key, struct th_err *err)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *e = BN_new();
	int ok;

	*key = NULL;
	ok = ctx && e && BN_set_word(e, 3) && EVP_PKEY_keygen_init(ctx) > 0 &&
	     EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 3072) > 0 &&
	     EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) > 0 &&
	     EVP_PKEY_keygen(ctx, key) > 0;
	BN_free(e);
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	if (!ok) {
		EVP_PKEY_free(*key);
		*key = NULL;
		return th_fail(err, EIO, "key", "RSA-3072 key generation failed");
	}
	return 0;
}

int th_key_write(const char *path, EVP_PKEY *key, bool force, struct th_err *err)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *pem;
	long len;
	int ret;

	if (!bio)
		return th_fail(err, ENOMEM, "key", "out of memory");
	if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1) {
		BIO_free(bio);
		ERR_clear_error();
		return th_fail(err, EIO, "key", "cannot encode the key as PEM");
	}
	len = BIO_get_mem_data(bio, &pem);
	ret = th_write_file_atomic(path, pem, (size_t)len, 0600, !force, err);
	OPENSSL_cleanse(pem, (size_t)len);
	BIO_free(bio);
	return ret;
}

void th_key_free(EVP_PKEY *key)
{
	EVP_PKEY_free(key);
}
