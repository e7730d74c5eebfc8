/* SPDX-License-Identifier: MIT */
/*
 * Enclave signing keys: RSA-3072 with public exponent 3, the only kind EINIT accepts.
 * Private keys are PEM files written with mode 0600, atomically (never half a key on disk).
 */
#ifndef TEEHOST_SGX_KEYS_H
#define TEEHOST_SGX_KEYS_H

#include <stdbool.h>

#include "util/err.h"

struct evp_pkey_st;

/* Load a PEM private key from PATH and check it is RSA-3072, e = 3. */
int th_key_load(const char *path, struct evp_pkey_st **key, struct th_err *err);

/* Parse a PEM private key from memory (no checks beyond being a private key). */
int th_key_parse_pem(const void *pem, size_t len, struct evp_pkey_st **key, struct th_err *err);

/* Generate a fresh RSA-3072, e = 3 key. */
int th_key_generate(struct evp_pkey_st **key, struct th_err *err);

/* Write KEY as a PKCS#8 PEM to PATH, mode 0600, atomically; refuse an existing PATH unless FORCE. */
int th_key_write(const char *path, struct evp_pkey_st *key, bool force, struct th_err *err);

void th_key_free(struct evp_pkey_st *key);

#endif
