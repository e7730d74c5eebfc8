/* SPDX-License-Identifier: MIT */
/*
 * The ECDSA quote formats, as Intel's DCAP defines them (QuoteGeneration/quote_wrapper/common/
 * inc/sgx_quote_3.h, sgx_quote_4.h) and QVL parses them. Declared once, every offset asserted.
 *
 *   Quote v3 (SGX only):                 Quote v4 (SGX or TDX):
 *     header                 48            header                 48
 *     body (SGX REPORT body) 384           body (SGX 384, TD report 584)
 *     signature_data_len     u32           signature_data_len     u32
 *     th_quote_ecdsa_sig     128           th_quote_ecdsa_sig_v4  128
 *     QE report body         384           certification data: type 6 (QE report cert data),
 *     QE report signature    64              u32 size, then: QE report 384, QE report
 *     QE auth data: u16 size + bytes          signature 64, QE auth data (u16 + bytes),
 *     certification data: u16 type,           certification data (type 5: PCK chain PEM)
 *       u32 size, bytes (type 5: PEM)
 *
 *   Quote v5 (sgx_quote_5.h): header (48), then the body descriptor (u16 type, u32 size) and
 *   the body it describes: type 1 SGX REPORT body (384), 2 TD report 1.0 (584), 3 TD report 1.5
 *   (648: 1.0 plus TEE_TCB_SVN2 and MRSERVICETD); then signature data exactly as v4. The
 *   attestation key signs header || descriptor || body.
 *
 * Multi-byte integers are little-endian; signatures are r || s and public keys x || y, each
 * 32 bytes big-endian (P-256). The quote signature covers header || body.
 */
#ifndef TEEHOST_ATTEST_QUOTE_H
#define TEEHOST_ATTEST_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include "sgx/arch.h"

#define TH_QUOTE_VERSION_3 3
#define TH_QUOTE_VERSION_4 4
#define TH_QUOTE_VERSION_5 5
#define TH_QUOTE_ATT_KEY_ECDSA_P256 2
#define TH_QUOTE_TEE_SGX 0x00000000u
#define TH_QUOTE_TEE_TDX 0x00000081u

/* certification data types (sgx_ql_cert_key_type_t) */
#define TH_CERT_PCK_CHAIN 5        /* PCK leaf || PCK CA || root CA, PEM */
#define TH_CERT_QE_REPORT 6        /* v4: QE report certification data, nesting type 5 */

#define TH_QUOTE_BODY_SGX_SIZE 384u
#define TH_QUOTE_BODY_TDX10_SIZE 584u
#define TH_QUOTE_BODY_TDX15_SIZE 648u

/* v5 body types (the descriptor's type) */
#define TH_QUOTE_BODY_TYPE_SGX 1      /* SGX REPORT body, 384 */
#define TH_QUOTE_BODY_TYPE_TDX10 2    /* TD report 1.0, 584 */
#define TH_QUOTE_BODY_TYPE_TDX15 3    /* TD report 1.5, 648 */

/* Intel's QE vendor id 939A7233-F79C-4CA9-940A-0DB3957F0607: verifiers insist on it */
extern const uint8_t th_quote_intel_qe_vendor[16];

struct th_quote_header {
	uint16_t version;
	uint16_t att_key_type;
	uint32_t tee_type;          /* v3: reserved (0 = SGX) */
	uint16_t qe_svn;
	uint16_t pce_svn;
	uint8_t qe_vendor_id[16];
	uint8_t user_data[20];      /* QE3 puts the 16-byte QE id first */
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct th_quote_header, 48);
SGX_STATIC_ASSERT_OFFSET(struct th_quote_header, att_key_type, 2);
SGX_STATIC_ASSERT_OFFSET(struct th_quote_header, tee_type, 4);
SGX_STATIC_ASSERT_OFFSET(struct th_quote_header, qe_svn, 8);
SGX_STATIC_ASSERT_OFFSET(struct th_quote_header, pce_svn, 10);
SGX_STATIC_ASSERT_OFFSET(struct th_quote_header, qe_vendor_id, 12);
SGX_STATIC_ASSERT_OFFSET(struct th_quote_header, user_data, 28);

/*
 * A u16 type and a u32 size: the certification data header (sgx_ql_certification_data_t) and
 * v5's body descriptor (what follows the header, before the body)
 */
struct th_quote_type_size {
	uint16_t type;
	uint32_t size;
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct th_quote_type_size, 6);
SGX_STATIC_ASSERT_OFFSET(struct th_quote_type_size, size, 2);
/* in a v5 quote the body starts at 54 */
_Static_assert(sizeof(struct th_quote_header) + sizeof(struct th_quote_type_size) == 54,
	       "v5 body at 54");

/* The fixed start of a v3 SGX quote (sgx_quote3_t) */
struct th_quote3 {
	struct th_quote_header header;
	struct sgx_report_body report_body;
	uint32_t signature_data_len;
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct th_quote3, 436);
SGX_STATIC_ASSERT_OFFSET(struct th_quote3, report_body, 48);
SGX_STATIC_ASSERT_OFFSET(struct th_quote3, signature_data_len, 432);

/* sgx_ql_ecdsa_sig_data_t (v3): the fixed part of the signature data */
struct th_quote_ecdsa_sig {
	uint8_t sig[64];                    /* over header || body, by the attestation key */
	uint8_t attest_pub_key[64];
	struct sgx_report_body qe_report;   /* REPORTDATA = SHA-256(attest key || auth data) || 0 */
	uint8_t qe_report_sig[64];          /* over qe_report, by the PCK key */
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct th_quote_ecdsa_sig, 576);
SGX_STATIC_ASSERT_OFFSET(struct th_quote_ecdsa_sig, attest_pub_key, 64);
SGX_STATIC_ASSERT_OFFSET(struct th_quote_ecdsa_sig, qe_report, 128);
SGX_STATIC_ASSERT_OFFSET(struct th_quote_ecdsa_sig, qe_report_sig, 512);
/* in a v3 quote: sig data at 436, QE report at 564, its signature at 948, auth data at 1012 */
_Static_assert(sizeof(struct th_quote3) + offsetof(struct th_quote_ecdsa_sig, qe_report) == 564,
	       "v3 QE report at 564");
_Static_assert(sizeof(struct th_quote3) + sizeof(struct th_quote_ecdsa_sig) == 1012,
	       "v3 QE auth data at 1012");

/* v4: the fixed part before the certification data (sgx_quote4 ecdsa sig data) */
struct th_quote_ecdsa_sig_v4 {
	uint8_t sig[64];
	uint8_t attest_pub_key[64];
} __attribute__((packed));
SGX_STATIC_ASSERT_LAYOUT(struct th_quote_ecdsa_sig_v4, 128);

#endif
