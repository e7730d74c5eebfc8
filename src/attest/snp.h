/* SPDX-License-Identifier: MIT */
/*
 * AMD SEV-SNP attestation: the ATTESTATION_REPORT structure (SEV Secure Nested Paging Firmware
 * ABI Specification, 56860, table "ATTESTATION_REPORT Structure"; report versions 2, 3 and 5),
 * the guest message payloads of /dev/sev-guest (MSG_REPORT_RSP, MSG_KEY_REQ/RSP) and the GHCB
 * certificate table of an extended report. Pure bytes in, bytes out: no I/O here.
 */
#ifndef TEEHOST_ATTEST_SNP_H
#define TEEHOST_ATTEST_SNP_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define SNP_REPORT_SIZE 0x4a0
#define SNP_SIGNED_SIZE 0x2a0             /* bytes 0x000..0x29f are signed */
#define SNP_SIG_ALGO_ECDSA_P384_SHA384 1

/* TCB_VERSION of Milan/Genoa: one byte per SPL (Turin adds an FMC byte and moves them). */
struct snp_tcb {
	uint8_t bootloader;
	uint8_t tee;
	uint8_t reserved[4];
	uint8_t snp;
	uint8_t microcode;
} __attribute__((packed));
_Static_assert(sizeof(struct snp_tcb) == 8, "TCB_VERSION");

struct snp_report {
	uint32_t version;                /* 0x000 */
	uint32_t guest_svn;              /* 0x004 */
	uint64_t policy;                 /* 0x008 */
	uint8_t family_id[16];           /* 0x010 */
	uint8_t image_id[16];            /* 0x020 */
	uint32_t vmpl;                   /* 0x030 */
	uint32_t signature_algo;         /* 0x034 */
	struct snp_tcb current_tcb;      /* 0x038 */
	uint64_t platform_info;          /* 0x040 */
	uint32_t signer_info;            /* 0x048: AUTHOR_KEY_EN bit 0, MASK_CHIP_KEY 1, SIGNING_KEY 4:2 */
	uint32_t reserved1;              /* 0x04c */
	uint8_t report_data[64];         /* 0x050 */
	uint8_t measurement[48];         /* 0x090 */
	uint8_t host_data[32];           /* 0x0c0 */
	uint8_t id_key_digest[48];       /* 0x0e0 */
	uint8_t author_key_digest[48];   /* 0x110 */
	uint8_t report_id[32];           /* 0x140 */
	uint8_t report_id_ma[32];        /* 0x160 */
	struct snp_tcb reported_tcb;     /* 0x180 */
	uint8_t cpuid_fam_id;            /* 0x188 (version 3+) */
	uint8_t cpuid_mod_id;            /* 0x189 */
	uint8_t cpuid_step;              /* 0x18a */
	uint8_t reserved2[21];           /* 0x18b */
	uint8_t chip_id[64];             /* 0x1a0 */
	struct snp_tcb committed_tcb;    /* 0x1e0 */
	uint8_t current_build;           /* 0x1e8 */
	uint8_t current_minor;           /* 0x1e9 */
	uint8_t current_major;           /* 0x1ea */
	uint8_t reserved3;               /* 0x1eb */
	uint8_t committed_build;         /* 0x1ec */
	uint8_t committed_minor;         /* 0x1ed */
	uint8_t committed_major;         /* 0x1ee */
	uint8_t reserved4;               /* 0x1ef */
	struct snp_tcb launch_tcb;       /* 0x1f0 */
	uint64_t launch_mit_vector;      /* 0x1f8 (version 5) */
	uint64_t current_mit_vector;     /* 0x200 (version 5) */
	uint8_t reserved5[0x2a0 - 0x208];
	/* ECDSA P-384: R and S little-endian, each in 72 bytes; the rest of the 512 is zero */
	uint8_t sig_r[72];               /* 0x2a0 */
	uint8_t sig_s[72];               /* 0x2e8 */
	uint8_t sig_reserved[512 - 144]; /* 0x330 */
} __attribute__((packed));

#define SNP_OFF(f, o) _Static_assert(offsetof(struct snp_report, f) == (o), "snp_report." #f)
SNP_OFF(version, 0x000); SNP_OFF(guest_svn, 0x004); SNP_OFF(policy, 0x008);
SNP_OFF(family_id, 0x010); SNP_OFF(image_id, 0x020); SNP_OFF(vmpl, 0x030);
SNP_OFF(signature_algo, 0x034); SNP_OFF(current_tcb, 0x038); SNP_OFF(platform_info, 0x040);
SNP_OFF(signer_info, 0x048); SNP_OFF(report_data, 0x050); SNP_OFF(measurement, 0x090);
SNP_OFF(host_data, 0x0c0); SNP_OFF(id_key_digest, 0x0e0); SNP_OFF(author_key_digest, 0x110);
SNP_OFF(report_id, 0x140); SNP_OFF(report_id_ma, 0x160); SNP_OFF(reported_tcb, 0x180);
SNP_OFF(cpuid_fam_id, 0x188); SNP_OFF(cpuid_mod_id, 0x189); SNP_OFF(cpuid_step, 0x18a);
SNP_OFF(chip_id, 0x1a0); SNP_OFF(committed_tcb, 0x1e0); SNP_OFF(current_build, 0x1e8);
SNP_OFF(committed_build, 0x1ec); SNP_OFF(launch_tcb, 0x1f0); SNP_OFF(launch_mit_vector, 0x1f8);
SNP_OFF(current_mit_vector, 0x200); SNP_OFF(sig_r, 0x2a0); SNP_OFF(sig_s, 0x2e8);
_Static_assert(sizeof(struct snp_report) == SNP_REPORT_SIZE, "ATTESTATION_REPORT is 0x4a0 bytes");

/* Guest policy bits (ABI 56860 "Guest Policy") */
#define SNP_POLICY_SMT          (1ull << 16)
#define SNP_POLICY_RESERVED1    (1ull << 17)    /* must be 1 */
#define SNP_POLICY_MIGRATE_MA   (1ull << 18)
#define SNP_POLICY_DEBUG        (1ull << 19)
#define SNP_POLICY_SINGLE_SOCKET (1ull << 20)

/* MSG_REPORT_RSP, the 4000-byte response of SNP_GET_REPORT / SNP_GET_EXT_REPORT */
struct snp_msg_report_rsp {
	uint32_t status;
	uint32_t report_size;
	uint8_t reserved[24];
	struct snp_report report;
} __attribute__((packed));
_Static_assert(offsetof(struct snp_msg_report_rsp, report) == 0x20, "MSG_REPORT_RSP.report");

/* MSG_KEY_REQ (the kernel's struct snp_derived_key_req) and MSG_KEY_RSP */
struct snp_msg_key_req {
	uint32_t root_key_select;        /* bit 0: 0 VCEK, 1 VMRK; bits 2:1 KEY_SEL (ABI 1.55+) */
	uint32_t reserved;
	uint64_t guest_field_select;
	uint32_t vmpl;
	uint32_t guest_svn;
	uint64_t tcb_version;
} __attribute__((packed));
_Static_assert(sizeof(struct snp_msg_key_req) == 32, "MSG_KEY_REQ");
_Static_assert(offsetof(struct snp_msg_key_req, tcb_version) == 24, "MSG_KEY_REQ.tcb_version");

struct snp_msg_key_rsp {
	uint32_t status;
	uint8_t reserved[28];
	uint8_t derived_key[32];
} __attribute__((packed));
_Static_assert(sizeof(struct snp_msg_key_rsp) == 64, "MSG_KEY_RSP");

/* GHCB certificate table entry: GUID (in the byte order of its text form), offset, length */
struct snp_cert_entry {
	uint8_t guid[16];
	uint32_t offset;
	uint32_t length;
} __attribute__((packed));
_Static_assert(sizeof(struct snp_cert_entry) == 24, "certificate table entry");

extern const uint8_t snp_guid_vcek[16], snp_guid_ask[16], snp_guid_ark[16];

/* Firmware status codes used in MSG_*_RSP.status (include/uapi/linux/psp-sev.h) */
#define SNP_FW_INVALID_PARAM 0x16
#define SNP_FW_INVALID_KEY   0x27

/* Product lines teehost can play. */
enum snp_product { SNP_MILAN, SNP_GENOA, SNP_PRODUCT_COUNT };
const char *snp_product_line(enum snp_product p);      /* "Milan", "Genoa" */
const char *snp_product_name(enum snp_product p);      /* KDS productName: "Genoa-B1" */
void snp_product_cpuid(enum snp_product p, uint8_t *fam, uint8_t *mod, uint8_t *step);
/* From a report's CPUID fields (version 3+); -1 when unknown. */
int snp_product_from_report(const struct snp_report *r);

/*
 * Parse: check size, version (2..5), signature algorithm, policy's must-be-one bit and every
 * must-be-zero range; the checks go-sev-guest's abi.ReportToProto makes. On success *out
 * points into data (which must stay alive).
 */
int snp_report_parse(const uint8_t *data, size_t len, const struct snp_report **out,
		     struct th_err *err);

/* Write every field of a report as one JSON object (util/json.h). */
struct json_writer;
void snp_report_json(struct json_writer *w, const struct snp_report *r);

/*
 * Certificate table: parse an extended report's table (terminated by an all-zero entry),
 * return the blob for a GUID. 0 and *blob and *blob_len set, -ENOENT when absent, -EINVAL malformed.
 */
int snp_cert_table_find(const uint8_t *table, size_t len, const uint8_t guid[16],
			const uint8_t **blob, size_t *blob_len, struct th_err *err);

#endif
