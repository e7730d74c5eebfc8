/* SPDX-License-Identifier: MIT */
/*
 * Intel TDX structures, declared once with every offset asserted: the TDREPORT that
 * TDG.MR.REPORT writes (TDX module ABI spec, "TDREPORT_STRUCT"; the 1024 bytes of
 * TDX_CMD_GET_REPORT0), the TD quote body of quote v4 and of v5 body type 2 (DCAP
 * sgx_quote_4.h, sgx_report2_body_t: "TD report 1.0", 584 bytes), and v5 body type 3
 * (sgx_quote_5.h, sgx_report2_body_v1_5_t: "TD report 1.5", 648 bytes: 1.0, then
 * tee_tcb_svn2 at 584 (16) and mr_servicetd at 600 (48)).
 *
 *   TDREPORT (1024)                     TD quote body v4 (584)
 *     REPORTMACSTRUCT        0  256       tee_tcb_svn      0   16
 *     TEE_TCB_INFO         256  239       mr_seam         16   48
 *     reserved             495   17       mr_signer_seam  64   48
 *     TDINFO               512  512       seam_attributes 112   8
 *                                         td_attributes  120    8
 *                                         xfam           128    8
 *                                         mr_td          136   48
 *                                         mr_config_id   184   48
 *                                         mr_owner       232   48
 *                                         mr_owner_config 280  48
 *                                         rtmr[4]        328  192
 *                                         report_data    520   64
 */
#ifndef TEEHOST_ATTEST_TDX_H
#define TEEHOST_ATTEST_TDX_H

#include <stddef.h>
#include <stdint.h>

#include "attest/attest.h"

#define TDX_REPORT_TYPE_TDX 0x81

struct tdx_report_type {
	uint8_t type;          /* 0x81: TDX */
	uint8_t subtype;       /* 0 */
	uint8_t version;       /* 0: TDINFO has no SERVTD_HASH; 1: it has (TDX 1.5) */
	uint8_t reserved;
} __attribute__((packed));

struct tdx_report_mac {
	struct tdx_report_type type;
	uint8_t reserved1[12];
	uint8_t cpusvn[16];
	uint8_t tee_tcb_info_hash[48];   /* SHA-384(TEE_TCB_INFO) */
	uint8_t tee_info_hash[48];       /* SHA-384(TDINFO) */
	uint8_t report_data[64];
	uint8_t reserved2[32];
	uint8_t mac[32];                 /* over the 224 bytes before it */
} __attribute__((packed));
_Static_assert(sizeof(struct tdx_report_mac) == 256, "REPORTMACSTRUCT");
_Static_assert(offsetof(struct tdx_report_mac, cpusvn) == 16, "cpusvn");
_Static_assert(offsetof(struct tdx_report_mac, tee_tcb_info_hash) == 32, "tee_tcb_info_hash");
_Static_assert(offsetof(struct tdx_report_mac, tee_info_hash) == 80, "tee_info_hash");
_Static_assert(offsetof(struct tdx_report_mac, report_data) == 128, "report_data");
_Static_assert(offsetof(struct tdx_report_mac, mac) == 224, "mac");

struct tdx_tee_tcb_info {
	uint8_t valid[8];                /* which fields below are valid (bit per field) */
	uint8_t tee_tcb_svn[16];
	uint8_t mr_seam[48];
	uint8_t mr_signer_seam[48];      /* zero for Intel's module */
	uint8_t attributes[8];
	uint8_t tee_tcb_svn2[16];        /* TDX 1.5 */
	uint8_t reserved[95];
} __attribute__((packed));
_Static_assert(sizeof(struct tdx_tee_tcb_info) == 239, "TEE_TCB_INFO");
_Static_assert(offsetof(struct tdx_tee_tcb_info, tee_tcb_svn) == 8, "tee_tcb_svn");
_Static_assert(offsetof(struct tdx_tee_tcb_info, mr_seam) == 24, "mr_seam");
_Static_assert(offsetof(struct tdx_tee_tcb_info, mr_signer_seam) == 72, "mr_signer_seam");
_Static_assert(offsetof(struct tdx_tee_tcb_info, attributes) == 120, "attributes");
_Static_assert(offsetof(struct tdx_tee_tcb_info, tee_tcb_svn2) == 128, "tee_tcb_svn2");

struct tdx_td_info {
	uint8_t attributes[8];
	uint8_t xfam[8];
	uint8_t mr_td[48];
	uint8_t mr_config_id[48];
	uint8_t mr_owner[48];
	uint8_t mr_owner_config[48];
	uint8_t rtmr[4][48];
	uint8_t servtd_hash[48];         /* TDX 1.5 (report type version 1) */
	uint8_t reserved[64];
} __attribute__((packed));
_Static_assert(sizeof(struct tdx_td_info) == 512, "TDINFO");
_Static_assert(offsetof(struct tdx_td_info, mr_td) == 16, "mr_td");
_Static_assert(offsetof(struct tdx_td_info, mr_config_id) == 64, "mr_config_id");
_Static_assert(offsetof(struct tdx_td_info, mr_owner) == 112, "mr_owner");
_Static_assert(offsetof(struct tdx_td_info, mr_owner_config) == 160, "mr_owner_config");
_Static_assert(offsetof(struct tdx_td_info, rtmr) == 208, "rtmr");
_Static_assert(offsetof(struct tdx_td_info, servtd_hash) == 400, "servtd_hash");

struct tdx_report {
	struct tdx_report_mac mac;
	struct tdx_tee_tcb_info tee_tcb_info;
	uint8_t reserved[17];
	struct tdx_td_info td_info;
} __attribute__((packed));
_Static_assert(sizeof(struct tdx_report) == 1024, "TDREPORT_STRUCT");
_Static_assert(offsetof(struct tdx_report, tee_tcb_info) == 256, "tee_tcb_info");
_Static_assert(offsetof(struct tdx_report, td_info) == 512, "td_info");

struct tdx_quote_body {
	uint8_t tee_tcb_svn[16];
	uint8_t mr_seam[48];
	uint8_t mr_signer_seam[48];
	uint8_t seam_attributes[8];
	uint8_t td_attributes[8];
	uint8_t xfam[8];
	uint8_t mr_td[48];
	uint8_t mr_config_id[48];
	uint8_t mr_owner[48];
	uint8_t mr_owner_config[48];
	uint8_t rtmr[4][48];
	uint8_t report_data[64];
} __attribute__((packed));
_Static_assert(sizeof(struct tdx_quote_body) == TH_QUOTE_BODY_TDX10_SIZE, "TD quote body v4");
_Static_assert(offsetof(struct tdx_quote_body, mr_seam) == 16, "mr_seam");
_Static_assert(offsetof(struct tdx_quote_body, seam_attributes) == 112, "seam_attributes");
_Static_assert(offsetof(struct tdx_quote_body, td_attributes) == 120, "td_attributes");
_Static_assert(offsetof(struct tdx_quote_body, mr_td) == 136, "mr_td");
_Static_assert(offsetof(struct tdx_quote_body, mr_config_id) == 184, "mr_config_id");
_Static_assert(offsetof(struct tdx_quote_body, rtmr) == 328, "rtmr");
_Static_assert(offsetof(struct tdx_quote_body, report_data) == 520, "report_data");
/* in a v4 quote the body starts after the 48-byte header: MRTD at 184, REPORTDATA at 568 */
_Static_assert(sizeof(struct th_quote_header) + offsetof(struct tdx_quote_body, report_data) == 568,
	       "REPORTDATA at 568");

/* TD report 1.5 (quote v5 body type 3): TDX 1.5's TEE_TCB_SVN2 and SERVTD_HASH added */
struct tdx_quote_body15 {
	struct tdx_quote_body v10;
	uint8_t tee_tcb_svn2[16];        /* TEE_TCB_INFO.TEE_TCB_SVN2 */
	uint8_t mr_servicetd[48];        /* TDINFO.SERVTD_HASH */
} __attribute__((packed));
_Static_assert(sizeof(struct tdx_quote_body15) == TH_QUOTE_BODY_TDX15_SIZE, "TD report 1.5");
_Static_assert(offsetof(struct tdx_quote_body15, v10.report_data) == 520, "report_data");
_Static_assert(offsetof(struct tdx_quote_body15, tee_tcb_svn2) == 584, "tee_tcb_svn2");
_Static_assert(offsetof(struct tdx_quote_body15, mr_servicetd) == 600, "mr_servicetd");
/* in a v5 quote the body starts at 54 (header, descriptor): REPORTDATA at 574, MRSERVICETD 654 */
_Static_assert(sizeof(struct th_quote_header) + sizeof(struct th_quote_type_size) +
	       offsetof(struct tdx_quote_body15, v10.report_data) == 574, "v5 REPORTDATA at 574");
_Static_assert(sizeof(struct th_quote_header) + sizeof(struct th_quote_type_size) +
	       offsetof(struct tdx_quote_body15, mr_servicetd) == 654, "v5 MRSERVICETD at 654");

/* The simulated TDX module: what the TCB info's tdxModule and TEE_TCB_SVN levels publish. */
struct tdx_sim_module {
	uint8_t tee_tcb_svn[16];
	uint8_t mr_seam[48];
	uint8_t mr_signer_seam[48];      /* Intel's module: zero */
	uint8_t seam_attributes[8];
};
extern const struct tdx_sim_module tdx_sim_module;
/* The simulated TD quoting enclave: QE3's signer, ISVPRODID 2 (as Intel's TD QE) */
extern const struct th_attest_enclave_id tdx_sim_td_qe;

/* The quote body of a TDREPORT: TD report 1.0, and 1.5 (1.0 plus TEE_TCB_SVN2, SERVTD_HASH). */
void tdx_quote_body_from_report(const struct tdx_report *r, struct tdx_quote_body *b);
void tdx_quote_body15_from_report(const struct tdx_report *r, struct tdx_quote_body15 *b);

/* TCB info "TDX" v3 for PCK's platform and the simulated module, signed (malloc'ed JSON). */
int tdx_tcb_info_json(const struct th_attest_ca *ca, const struct th_pck_ext *pck,
		      const struct th_collateral_opts *o, char **out, struct th_err *err);

/*
 * The TDX-only checks after th_attest_verify: MRSIGNERSEAM and SEAM attributes against the
 * TCB info's tdxModule, TEE_TCB_SVN against the tdxtcbcomponents of the level that matched
 * the PCK certificate, the module identity when TEE_TCB_SVN[1] > 0. Updates R.
 */
int tdx_verify_module(const struct th_quote *q, const char *tcb_info_json, size_t len,
		      const struct th_pck_ext *pck, struct th_verify_result *r, struct th_err *err);


/* ---- parsing and showing ---- */

/* One field of a TDX structure, for `teehost show`: NAME, its offset and length (hex). */
struct tdx_field {
	const char *name;
	size_t off, len;
};
extern const struct tdx_field tdx_report_fields[];
extern const size_t tdx_report_nfields;
/* TD report 1.5's fields: the first tdx_quote_body_nfields are TD report 1.0's */
extern const struct tdx_field tdx_quote_body_fields[];
extern const size_t tdx_quote_body_nfields, tdx_quote_body15_nfields;

/*
 * A TDREPORT as TDX_CMD_GET_REPORT0 returns it: 1024 bytes, REPORTTYPE 0x81/0, version 0 or 1,
 * reserved bytes zero, the MAC structure's hashes matching TEE_TCB_INFO and TDINFO (which the
 * QE checks with the MAC). On success *out points into DATA.
 */
int tdx_report_parse(const uint8_t *data, size_t len, const struct tdx_report **out,
		     struct th_err *err);

#endif
