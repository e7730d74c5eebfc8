/* SPDX-License-Identifier: MIT */
/* SIGSTRUCT parsing, verification and signing against the public vectors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "sgx/sigstruct.h"
#include "vectors.h"

struct known_signer {
	const char *path;
	const char *mrenclave;
	const char *mrsigner;
};

/* From ../shared/vectors/EXPECTED.tsv */
static const struct known_signer known[] = {
	{ "enarx-sgx/encl.ss",
	  "b999536238fcf4e9d360ef6cd3e0c20ef8a684c7b93f74a9c4a4c6d517d61fc0",
	  "2f9f8fd4fe12d77232f1d87571ca8252ca27714efe7705e46222cffd5a22e8c4" },
	{ "fortanix/sig1.sigstruct.bin",
	  "c50673624a6cb17c1c6c2a4e6906f47a170c4629b8723781d1017ef376f1a75d",
	  "83d719e77deaca1470f6baf62a4d774303c899db69020f9c70ee1dfc08c7ce9e" },
	{ "intel-linux-sgx/le_prod_css.bin",
	  "7881af9f9def547da9908c008f29cde9bd78064e36ac7e14c83c294ca4806150",
	  "acb77012053e05a63d413b8bbae8fb6c5d73b3f2996d91c43bbbf90959c0f8d4" },
};

static void load(const char *rel, struct sgx_sigstruct *ss)
{
	struct th_err err = { "" };
	size_t len;
	uint8_t *raw = vector_read(rel, &len);

	if (!raw)
		skip();
	assert_int_equal(th_sigstruct_parse(raw, len, ss, &err), 0);
	free(raw);
}

static void test_known_vectors_verify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		struct sgx_sigstruct ss;
		struct th_sigstruct_verdict v;
		uint8_t mrsigner[32];
		char hex[65];

		load(known[i].path, &ss);
		th_sigstruct_check(&ss, &v);
		assert_true(v.signature_valid);
		assert_true(v.q1q2_valid);
		assert_int_equal(th_sigstruct_verify(&ss, NULL), 0);
		th_sigstruct_mrsigner(&ss, mrsigner);
		hex_encode(mrsigner, 32, hex);
		assert_string_equal(hex, known[i].mrsigner);
		hex_encode(ss.enclave_hash, 32, hex);
		assert_string_equal(hex, known[i].mrenclave);
	}
}

static void test_tampering_is_detected(void **state)
{
	struct sgx_sigstruct ss, t;
	struct th_sigstruct_verdict v;
	struct th_err err = { "" };

	(void)state;
	load("enarx-sgx/encl.ss", &ss);

	t = ss;
	t.isv_svn ^= 1;                 /* signed body */
	th_sigstruct_check(&t, &v);
	assert_false(v.signature_valid);
	assert_int_equal(th_sigstruct_verify(&t, &err), -EBADMSG);
	assert_string_equal(err.msg, "signature: does not verify with the embedded modulus");

	t = ss;
	t.vendor ^= 0x8086;             /* signed header */
	th_sigstruct_check(&t, &v);
	assert_false(v.signature_valid);

	t = ss;
	t.q2[17] ^= 0x40;               /* unsigned buffer, but EINIT checks Q1/Q2 */
	th_sigstruct_check(&t, &v);
	assert_true(v.signature_valid);
	assert_false(v.q1q2_valid);

	t = ss;
	t.reserved4[0] ^= 1;            /* outside both signed regions and Q1/Q2 */
	th_sigstruct_check(&t, &v);
	assert_true(v.signature_valid);
	assert_true(v.q1q2_valid);
}

static void test_parse_rejects_bad_input(void **state)
{
	struct sgx_sigstruct ss;
	struct th_err err = { "" };
	size_t len;
	uint8_t *raw = vector_read("enarx-sgx/encl.ss", &len);

	(void)state;
	if (!raw)
		skip();
	assert_int_equal(th_sigstruct_parse(raw, len - 1, &ss, &err), -EINVAL);
	assert_string_equal(err.msg, "sigstruct: is 1807 bytes, expected 1808");
	raw[15] = 0x80;                 /* TYPE bit 31: production-signed, accepted */
	assert_int_equal(th_sigstruct_parse(raw, len, &ss, &err), 0);
	raw[15] = 0;
	raw[7] = 0x80;                  /* inside the fixed HEADER */
	assert_int_equal(th_sigstruct_parse(raw, len, &ss, &err), -EINVAL);
	raw[7] = 0;
	raw[2] = 0x55;
	assert_int_equal(th_sigstruct_parse(raw, len, &ss, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "header: "));
	raw[2] = 0;
	raw[28] = 0x55;
	assert_int_equal(th_sigstruct_parse(raw, len, &ss, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "header2: "));
	raw[28] = 0x60;
	raw[512] = 65;
	assert_int_equal(th_sigstruct_parse(raw, len, &ss, &err), -EINVAL);
	assert_string_equal(err.msg, "exponent: is 65, EINIT accepts only 3");
	free(raw);
}

static EVP_PKEY *read_key(const char *rel)
{
	size_t len;
	uint8_t *pem = vector_read(rel, &len);
	BIO *bio;
	EVP_PKEY *key;

	if (!pem)
		return NULL;
	bio = BIO_new_mem_buf(pem, (int)len);
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
	BIO_free(bio);
	free(pem);
	return key;
}

/* PKCS#1 v1.5 is deterministic: re-signing a vector's header+body with its own key must give
 * back its signature and Q1/Q2 byte for byte. */
static void test_sign_reproduces_vector(void **state)
{
	struct sgx_sigstruct ss, t;
	struct th_err err = { "" };
	EVP_PKEY *key = read_key("fortanix/sig1.key.pem");

	(void)state;
	if (!key)
		skip();
	load("fortanix/sig1.sigstruct.bin", &ss);
	t = ss;
	memset(t.signature, 0, sizeof(t.signature));
	memset(t.modulus, 0, sizeof(t.modulus));
	memset(t.q1, 0, sizeof(t.q1));
	memset(t.q2, 0, sizeof(t.q2));
	assert_int_equal(th_sigstruct_sign(&t, key, &err), 0);
	assert_memory_equal(t.modulus, ss.modulus, sizeof(ss.modulus));
	assert_memory_equal(t.signature, ss.signature, sizeof(ss.signature));
	assert_memory_equal(t.q1, ss.q1, sizeof(ss.q1));
	assert_memory_equal(t.q2, ss.q2, sizeof(ss.q2));
	EVP_PKEY_free(key);
}

static void test_sign_rejects_wrong_keys(void **state)
{
	struct sgx_sigstruct ss;
	struct th_err err = { "" };
	EVP_PKEY *key = EVP_RSA_gen(2048);

	(void)state;
	memset(&ss, 0, sizeof(ss));
	th_sigstruct_init(&ss, false);
	assert_non_null(key);
	assert_int_equal(th_sigstruct_sign(&ss, key, &err), -EINVAL);
	assert_string_equal(err.msg, "key: RSA-2048, SGX needs RSA-3072");
	EVP_PKEY_free(key);
	key = EVP_RSA_gen(3072);        /* e = 65537 */
	assert_int_equal(th_sigstruct_sign(&ss, key, &err), -EINVAL);
	assert_string_equal(err.msg, "key: public exponent is not 3");
	EVP_PKEY_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors_verify),
		cmocka_unit_test(test_tampering_is_detected),
		cmocka_unit_test(test_parse_rejects_bad_input),
		cmocka_unit_test(test_sign_reproduces_vector),
		cmocka_unit_test(test_sign_rejects_wrong_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
