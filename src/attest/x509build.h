/* SPDX-License-Identifier: MIT */
/*
 * Certificate building shared by the simulated platforms' test PKIs: the SGX one (pki.c: Intel's
 * names, ECDSA P-256) and the SEV-SNP one (snp-pki.c: AMD's names, RSA-PSS and P-384). What
 * differs between them -- names, keys, extensions, signature -- stays with each; the skeleton
 * of a certificate, its marked serial and its extensions are built here once.
 */
#ifndef TEEHOST_ATTEST_X509BUILD_H
#define TEEHOST_ATTEST_X509BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "util/err.h"

/*
 * An unsigned v3 certificate for PUB named SUBJECT, issued by ISSUER (NULL: self-issued), valid
 * from a day before NOW for DAYS days, with a serial of SERIAL_LEN bytes: the bytes of MARK
 * (whose first byte must be below 0x80, so the serial is positive), then random ones.
 */
X509 *th_x509_new(X509_NAME *subject, X509 *issuer, EVP_PKEY *pub, time_t now, long days,
		  const char *mark, size_t serial_len);

/* An extension by OpenSSL's configuration syntax (NID, "critical,CA:TRUE", ...); ISSUER
 * (the certificate itself when self-issued) serves authority key identifiers. 0 or -EIO. */
int th_x509_add_ext(X509 *c, X509 *issuer, int nid, const char *value);

/* An extension under a dotted OID that OpenSSL has no table for, its value already DER. */
int th_x509_add_ext_der(X509 *c, const char *oid, const uint8_t *der, size_t len);

/* PEM of CERT, or of the private KEY when CERT is NULL, written atomically (mode 0644 for a
 * certificate, 0600 for a key); EXCLUSIVE: fail with -EEXIST if PATH exists. */
int th_x509_write_pem(const char *path, X509 *cert, EVP_PKEY *key, bool exclusive,
		      struct th_err *err);

/* The first certificate, or private key, of the PEM file PATH; NULL if none or unreadable. */
X509 *th_x509_read_cert(const char *path);
EVP_PKEY *th_x509_read_key(const char *path);

#endif
