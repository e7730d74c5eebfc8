/* SPDX-License-Identifier: MIT */
/*
 * SIGSTRUCT: parse, verify (RSA-3072, e = 3, PKCS#1 v1.5 over SHA-256 of the two signed
 * regions, plus the Q1/Q2 values EINIT uses), and sign with OpenSSL. Pure: takes bytes.
 */
#ifndef TEEHOST_SGX_SIGSTRUCT_H
#define TEEHOST_SGX_SIGSTRUCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgx/arch.h"
#include "util/err.h"

struct evp_pkey_st;

/* Both fixed headers present (HEADER, with any TYPE bit 31, and HEADER2). */
bool th_sigstruct_has_headers(const struct sgx_sigstruct *ss);

/* Copy and check a SIGSTRUCT: exactly 1808 bytes, both fixed headers, exponent 3. */
int th_sigstruct_parse(const uint8_t *data, size_t len, struct sgx_sigstruct *out,
		       struct th_err *err);

struct th_sigstruct_verdict {
	bool signature_valid;
	bool q1q2_valid;
};
void th_sigstruct_check(const struct sgx_sigstruct *ss, struct th_sigstruct_verdict *v);
/* 0 when both the signature and Q1/Q2 are valid; otherwise -EBADMSG naming the bad field. */
int th_sigstruct_verify(const struct sgx_sigstruct *ss, struct th_err *err);

/* MRSIGNER: SHA-256 of the modulus as stored (little-endian, 384 bytes). */
void th_sigstruct_mrsigner(const struct sgx_sigstruct *ss, uint8_t out[32]);

/* Fill header1/header2 with the architectural constants (TYPE 0: not production-signed). */
void th_sigstruct_init(struct sgx_sigstruct *ss, bool intel_vendor);

/*
 * Sign: writes modulus, exponent, signature, Q1 and Q2 over the header and body the caller has
 * filled. KEY must be RSA-3072 with public exponent 3.
 */
int th_sigstruct_sign(struct sgx_sigstruct *ss, struct evp_pkey_st *key, struct th_err *err);

/* Check that KEY is RSA-3072 with e = 3 (the only kind EINIT accepts). */
int th_rsa_key_check(struct evp_pkey_st *key, struct th_err *err);

#endif
