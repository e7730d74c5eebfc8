/* SPDX-License-Identifier: MIT */
/*
 * The simulated AMD key hierarchy of `teehost sim --snp-guest`: an ARK (RSA-4096, self-signed)
 * and ASK (RSA-4096, signed by the ARK) per product line, and a VCEK (ECDSA P-384) per chip and
 * TCB, certified by the ASK with RSA-PSS SHA-384 and AMD's KDS extensions. Names are AMD's (so
 * verifiers that check them accept the chain once told to trust this ARK); what makes the
 * chain unmistakable is a description attribute in every name, serials beginning with the
 * bytes "teehost", and the ARK fingerprint teehost prints. Plus report signing and our own
 * verifier.
 */
#ifndef TEEHOST_ATTEST_SNP_PKI_H
#define TEEHOST_ATTEST_SNP_PKI_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "attest/snp.h"

#define SNP_SIM_MARK "teehost simulated SEV-SNP platform, not AMD hardware"

struct snp_pki {
	enum snp_product product;
	EVP_PKEY *ark_key, *ask_key, *vcek_key;
	X509 *ark, *ask, *vcek;
};

/*
 * Load the hierarchy kept under DIR (created on first use, each file written atomically and
 * exclusively so that racing processes end up with one hierarchy): DIR/snp-LINE/ark.key, ask.key,
 * {key,pem} and DIR/snp-LINE/vcek-CHIP8-TCB.{key,pem}.
 */
int snp_pki_load(const char *dir, enum snp_product product, const uint8_t chip_id[64],
		 const struct snp_tcb *tcb, struct snp_pki *out, struct th_err *err);
void snp_pki_free(struct snp_pki *pki);

/* Sign bytes 0..0x29f of R with the VCEK into R's signature field. */
int snp_report_sign(struct snp_report *r, EVP_PKEY *vcek, struct th_err *err);

/* ECDSA check of R's signature against the VCEK certificate's key. */
int snp_report_verify_sig(const struct snp_report *r, X509 *vcek, struct th_err *err);

/*
 * The whole check: ARK self-signed and trusted (its DER equals TRUSTED_ARK's), ASK signed by
 * the ARK, VCEK by the ASK (RSA-PSS SHA-384), VCEK extensions (hwID = chip_id, SPLs =
 * reported_tcb, product) matching the report, the report's signature.
 */
int snp_verify(const struct snp_report *r, X509 *ark, X509 *ask, X509 *vcek, X509 *trusted_ark,
	       struct th_err *err);

/* SHA-256 fingerprint of a certificate as "AA:BB:..." (96 chars + NUL). */
void snp_cert_fingerprint(X509 *cert, char out[97]);

/* Certificate encodings for collateral and the extended report. Caller frees *out. */
int snp_cert_der(X509 *cert, uint8_t **out, size_t *len);
int snp_cert_pem(X509 *cert, char **out, size_t *len);

#endif
