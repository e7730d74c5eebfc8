/* SPDX-License-Identifier: MIT */
/*
 * DCAP-style attestation for simulated TEEs: quotes (build, parse), the simulated platform's
 * attestation identity, a test PKI with Intel's names (marked as not Intel), the collateral a
 * verifier needs (TCB info, QE identity, CRLs) and our own verifier.
 *
 * Who uses what:
 *   src/sim/qe.c        the quoting enclave inside the simulated machine: platform identity
 *                       (th_attest_platform_derive), the test CA (th_attest_ca_open), PCK
 *                       certificate, th_quote_build
 *   src/cli/attest.c    teehost attest quote|collateral|verify
 *   TDX (quote v4/v5, tee_type 0x81, TD report body): th_quote_build takes any body and tee type;
 *   the collateral writer takes the TCB info id ("SGX"/"TDX") and QE identity id ("QE"/"TD_QE").
 *
 * Errors: 0 or a negative errno, with "FIELD: message" in the caller's struct th_err.
 */
#ifndef TEEHOST_ATTEST_ATTEST_H
#define TEEHOST_ATTEST_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attest/quote.h"
#include "util/err.h"

struct evp_pkey_st;
struct x509_st;
struct X509_crl_st;

/* ---- ECDSA P-256 in the quote's raw encodings ---- */

/* A P-256 key whose private scalar is derived from SEED and LABEL (SHA-256, reduced mod n). */
int th_ec_key_derive(const uint8_t seed[32], const char *label, struct evp_pkey_st **out,
		     struct th_err *err);
/* A fresh random P-256 key. */
int th_ec_key_generate(struct evp_pkey_st **out, struct th_err *err);
/* x || y of a P-256 public key */
int th_ec_pub_raw(struct evp_pkey_st *key, uint8_t out[64]);
/* A public key from x || y (NULL if not a point on P-256). */
struct evp_pkey_st *th_ec_pub_from_raw(const uint8_t raw[64]);
/* ECDSA-SHA256 signature as r || s */
int th_ecdsa_sign_raw(struct evp_pkey_st *key, const void *data, size_t len, uint8_t sig[64]);
/* 1: valid, 0: not */
int th_ecdsa_verify_raw(struct evp_pkey_st *key, const void *data, size_t len,
			const uint8_t sig[64]);

/* ---- quotes ---- */

/* A parsed quote: pointers into the caller's buffer, which must outlive it. */
struct th_quote {
	const uint8_t *raw;
	size_t len;
	struct th_quote_header header;
	uint16_t body_type;           /* v5: the descriptor's; v3/v4: implied (1 SGX, 2 TDX) */
	const uint8_t *body;          /* SGX REPORT body (384) or TD report (584, 1.5: 648) */
	size_t body_len;
	size_t signed_len;            /* header (+ v5 descriptor) + body: what the key signs */
	uint32_t sig_data_len;
	const uint8_t *sig;           /* 64 */
	const uint8_t *attest_key;    /* 64 */
	const uint8_t *qe_report;     /* 384, an SGX REPORT body */
	const uint8_t *qe_report_sig; /* 64 */
	const uint8_t *qe_auth;
	uint16_t qe_auth_len;
	uint16_t outer_cert_type;     /* v3: 5; v4: 6 */
	uint16_t cert_type;           /* the innermost certification data type (5) */
	const uint8_t *cert;          /* the PCK chain PEM (not NUL-terminated) */
	uint32_t cert_len;
};

/* Parse v3 (SGX), v4 or v5 (SGX/TDX); every length checked against the buffer. */
int th_quote_parse(const void *buf, size_t len, struct th_quote *q, struct th_err *err);

struct th_quote_params {
	unsigned version;             /* 3, 4 or 5 */
	uint32_t tee_type;            /* TH_QUOTE_TEE_SGX or TH_QUOTE_TEE_TDX (v4, v5) */
	/* the body: SGX 384, TD report 1.0 584; v5 also TD report 1.5 648 (body type from these) */
	const void *body;
	size_t body_len;
	uint16_t qe_svn, pce_svn;
	uint8_t user_data[20];
	const struct sgx_report_body *qe_report;   /* REPORTDATA from th_quote_qe_report_data */
	const uint8_t *qe_auth;
	uint16_t qe_auth_len;
	const char *pck_chain_pem;
	size_t pck_chain_len;
	struct evp_pkey_st *attest_key;
	struct evp_pkey_st *pck_key;
};

/* SHA-256(attest_pub || auth) || 32 zero bytes: the QE report's REPORTDATA */
void th_quote_qe_report_data(const uint8_t attest_pub[64], const uint8_t *auth, size_t auth_len,
			     uint8_t out[64]);
size_t th_quote_size(const struct th_quote_params *p);
int th_quote_build(const struct th_quote_params *p, uint8_t *out, size_t cap, size_t *len,
		   struct th_err *err);

/* ---- the simulated platform's attestation identity ---- */

/* The simulated QE3 and PCE: fixed identities, published in qe-identity.json */
struct th_attest_enclave_id {
	uint8_t mrenclave[32];
	uint8_t mrsigner[32];
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint32_t miscselect;
	uint64_t attributes;
	uint64_t xfrm;
};
/*
 * MRSIGNER of every simulated Intel enclave (QE3 and PCE in pki.c, TD QE in tdx.c): one value,
 * as Intel signs all its architectural enclaves with one key.
 */
#define TH_SIM_MRSIGNER                                                                            \
	{ 0x7e, 0x48, 0xa1, 0x0f, 0xc2, 0x5d, 0x93, 0x36, 0x1e, 0xb7, 0x04, 0x6a, 0xf9, 0x22, 0x8c, \
	  0x51, 0xd0, 0x3b, 0x6f, 0xa5, 0x14, 0xe8, 0x79, 0x02, 0xbd, 0x46, 0x9a, 0x2c, 0x63, 0xf1, \
	  0x0e, 0x85 }
extern const struct th_attest_enclave_id th_attest_sim_qe;
extern const struct th_attest_enclave_id th_attest_sim_pce;

#define TH_ATTEST_SGX_TYPE_SCALABLE 1

struct th_attest_platform {
	uint8_t ppid[16];
	uint8_t cpusvn[16];
	uint8_t tcb_comp[16];         /* the 16 SGX TCB component SVNs (= CPUSVN bytes) */
	uint16_t pcesvn;
	uint8_t pceid[2];
	uint8_t fmspc[6];
	uint8_t platform_instance_id[16];
	uint8_t qe_id[16];
	uint8_t sgx_type;
	struct evp_pkey_st *pck_key;
	struct evp_pkey_st *attest_key;
};

/*
 * Derive a platform's identity from two 32-byte secrets the simulated machine derives from its
 * platform key (the PCE's provisioning keys and the QE's seal key) and its CPUSVN.
 */
int th_attest_platform_derive(const uint8_t pce_seed[32], const uint8_t qe_seed[32],
			      const uint8_t cpusvn[16], struct th_attest_platform *p,
			      struct th_err *err);
void th_attest_platform_free(struct th_attest_platform *p);

/* ---- the test PKI ("Intel SGX Root CA", OU "teehost simulated platform, not Intel") ---- */

#define TH_ATTEST_OU "teehost simulated platform, not Intel"

struct th_attest_ca {
	struct evp_pkey_st *root_key, *pck_ca_key, *tcb_key;
	struct x509_st *root, *pck_ca, *tcb;
	char dir[4096];               /* STATE/attest-ca */
};

/* The directory the simulator keeps its platform secret in (see src/sim/keys.c). */
int th_attest_state_dir(char *buf, size_t n);
/* Open STATE_DIR/attest-ca, creating the test CA there on first use (atomically). */
int th_attest_ca_open(const char *state_dir, struct th_attest_ca *ca, struct th_err *err);
void th_attest_ca_free(struct th_attest_ca *ca);
/* The platform's PCK certificate: the stored one when its key and TCB match, else issued now. */
int th_attest_pck_cert(struct th_attest_ca *ca, const struct th_attest_platform *p,
		       struct x509_st **out, struct th_err *err);
/* PCK leaf || PCK CA || root, PEM (malloc'ed, NUL-terminated) */
int th_attest_chain_pem(struct x509_st *leaf, struct x509_st *mid, struct x509_st *root,
			char **pem, size_t *len);
/* SHA-256 of a certificate's SubjectPublicKeyInfo, hex with colons (96 chars + NUL) */
void th_attest_key_fingerprint(struct x509_st *cert, char out[97]);

/* The SGX extension of a PCK certificate (OID 1.2.840.113741.1.13.1) */
struct th_pck_ext {
	uint8_t ppid[16];
	uint8_t tcb_comp[16];
	uint16_t pcesvn;
	uint8_t cpusvn[16];
	uint8_t pceid[2];
	uint8_t fmspc[6];
	int sgx_type;
	bool platform;                /* PlatformInstanceID and Configuration present */
	uint8_t platform_instance_id[16];
};
int th_pck_ext_parse(struct x509_st *pck, struct th_pck_ext *out, struct th_err *err);

/* ---- collateral ---- */

enum th_tcb_scenario { TH_TCB_UP_TO_DATE, TH_TCB_OUT_OF_DATE, TH_TCB_REVOKED };
int th_tcb_scenario_parse(const char *s, enum th_tcb_scenario *out);
const char *th_tcb_scenario_name(enum th_tcb_scenario s);

struct th_collateral_opts {
	enum th_tcb_scenario tcb;
	time_t now;
	const char *tcb_info_id;      /* "SGX" (h12: "TDX") */
	const char *qe_identity_id;   /* "QE" (h12: "TD_QE") */
	unsigned tcb_eval_num;
	/* TDX: the TD QE's identity and the TCB info writer (NULL: the SGX QE and th_tcb_info_json) */
	const struct th_attest_enclave_id *qe;
	int (*tcb_info_json)(const struct th_attest_ca *ca, const struct th_pck_ext *pck,
			     const struct th_collateral_opts *o, char **out, struct th_err *err);
};

/* The signed JSON documents, compact, as Intel's PCS serves them (malloc'ed). */
int th_tcb_info_json(const struct th_attest_ca *ca, const struct th_pck_ext *pck,
		     const struct th_collateral_opts *o, char **out, struct th_err *err);
int th_qe_identity_json(const struct th_attest_ca *ca, const struct th_attest_enclave_id *qe,
			const struct th_collateral_opts *o, char **out, struct th_err *err);
/* CRL (PEM) issued by ISSUER, listing REVOKED_SERIAL when non-NULL */
int th_crl_pem(struct x509_st *issuer, struct evp_pkey_st *key, time_t now,
	       struct x509_st *revoked, char **out, struct th_err *err);

/* The fixed file names of a collateral directory */
#define TH_COLL_ROOT "root-ca.pem"
#define TH_COLL_PCK_CA "pck-ca.pem"
#define TH_COLL_PCK "pck.pem"
#define TH_COLL_TCB_SIGNING "tcb-signing.pem"
#define TH_COLL_TCB_INFO "tcb-info.json"
#define TH_COLL_QE_IDENTITY "qe-identity.json"
#define TH_COLL_ROOT_CRL "root-ca.crl"
#define TH_COLL_PCK_CRL "pck-ca.crl"
#define TH_COLL_PCK_CHAIN "pck-chain.pem"     /* pck-ca || root (QVL's --pckSignChain) */
#define TH_COLL_TCB_CHAIN "tcb-chain.pem"     /* tcb-signing || root (QVL's --tcbSignChain) */

/* Write every collateral file into DIR (created if missing), each atomically. */
int th_collateral_write(const struct th_attest_ca *ca, struct x509_st *pck,
			const struct th_collateral_opts *o, const char *dir, struct th_err *err);

/* ---- parsed collateral JSON (fuzzed) ---- */

#define TH_TCB_LEVELS_MAX 32
struct th_tcb_level {
	uint8_t comp[16];
	uint16_t pcesvn;
	char status[40];
};
struct th_tcb_info {
	char id[8];
	unsigned version;
	time_t issue_date, next_update;
	uint8_t fmspc[6];
	uint8_t pceid[2];
	unsigned n_levels;
	struct th_tcb_level levels[TH_TCB_LEVELS_MAX];
	char *body;                   /* the signed "tcbInfo" object, compact (malloc'ed) */
	uint8_t sig[64];
};
int th_tcb_info_parse(const char *json, size_t len, struct th_tcb_info *out, struct th_err *err);
void th_tcb_info_free(struct th_tcb_info *t);

struct th_qe_identity {
	char id[8];
	unsigned version;
	time_t issue_date, next_update;
	uint32_t miscselect, miscselect_mask;
	uint8_t attributes[16], attributes_mask[16];
	uint8_t mrsigner[32];
	uint16_t isv_prod_id;
	unsigned n_levels;
	struct { uint16_t isvsvn; char status[40]; } levels[TH_TCB_LEVELS_MAX];
	char *body;
	uint8_t sig[64];
};
int th_qe_identity_parse(const char *json, size_t len, struct th_qe_identity *out,
			 struct th_err *err);
void th_qe_identity_free(struct th_qe_identity *q);

/* ---- verification ---- */

struct th_verify_result {
	bool ok;                      /* the verdict: signatures, chain, identities, TCB UpToDate */
	char tcb_status[40];          /* the platform's TCB level status, "" if not reached */
	char qe_status[40];           /* the QE identity's TCB status */
	char failed[64];              /* the first failing step ("" when ok) */
	char reason[256];
	char root_fingerprint[97];
};

/*
 * Record in R that STEP failed for the reason FMT; returns false (0), for `return` from a
 * check. Library-internal: the one way the SGX (verify.c) and TDX (tdx.c) checks fail.
 */
__attribute__((format(printf, 3, 4)))
bool th_reject(struct th_verify_result *r, const char *step, const char *fmt, ...);

/*
 * Verify QUOTE against the collateral in DIR, trusting TRUSTED_ROOT_PEM (NULL: DIR/root-ca.pem)
 * at time NOW. Returns 0 when the verification ran (the verdict is in R), negative when the
 * collateral could not be read (ERR names the file and field).
 */
int th_attest_verify(const struct th_quote *q, const char *dir, const char *trusted_root_path,
		     time_t now, struct th_verify_result *r, struct th_err *err);

#endif
