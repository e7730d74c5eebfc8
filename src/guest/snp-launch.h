/* SPDX-License-Identifier: MIT */
/*
 * An SEV-SNP launch measured as the AMD-SP measures it (SEV-SNP ABI spec, SNP_LAUNCH_UPDATE and
 * the PAGE_INFO structure): each page the VMM hands to SNP_LAUNCH_UPDATE extends the launch
 * digest, LD = SHA-384(PAGE_INFO) with PAGE_INFO = LD || contents digest || length, page type,
 * permissions || GPA. The launch is QEMU's with an SEV-capable OVMF: the firmware's pages (the
 * image ends at 4 GiB), then the sections its SEV metadata lists (zero, secrets, CPUID, SVSM CAA,
 * kernel hashes with no kernel), then one VMSA per vCPU (BSP at the reset vector, APs at the
 * SEV-ES reset block's address). This is what virtee/sev-snp-measure computes for QEMU.
 *
 * Layouts: OVMF's GUIDed footer table and SEV metadata (edk2 OvmfPkg/ResetVector,
 * OvmfSevMetadata.asm); the VMSA is the SEV-ES save area (AMD APM vol. 2, table B-4).
 */
#ifndef TEEHOST_GUEST_SNP_LAUNCH_H
#define TEEHOST_GUEST_SNP_LAUNCH_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define SNP_PAGE_SIZE 4096u

/* SNP_LAUNCH_UPDATE page types (ABI spec, table "Page Types") */
enum snp_page_type {
	SNP_PAGE_NORMAL = 1,
	SNP_PAGE_VMSA = 2,
	SNP_PAGE_ZERO = 3,
	SNP_PAGE_UNMEASURED = 4,
	SNP_PAGE_SECRETS = 5,
	SNP_PAGE_CPUID = 6,
};

struct snp_page_info {
	uint8_t digest_cur[48];
	uint8_t contents[48];
	uint16_t length;               /* 0x70 */
	uint8_t page_type;
	uint8_t imi_page;
	uint8_t vmpl3_perms, vmpl2_perms, vmpl1_perms;
	uint8_t reserved;
	uint64_t gpa;
} __attribute__((packed));
_Static_assert(sizeof(struct snp_page_info) == 0x70, "PAGE_INFO");
_Static_assert(offsetof(struct snp_page_info, contents) == 0x30, "PAGE_INFO.CONTENTS");
_Static_assert(offsetof(struct snp_page_info, length) == 0x60, "PAGE_INFO.LENGTH");
_Static_assert(offsetof(struct snp_page_info, page_type) == 0x62, "PAGE_INFO.PAGE_TYPE");
_Static_assert(offsetof(struct snp_page_info, vmpl3_perms) == 0x64, "PAGE_INFO.VMPL3_PERMS");
_Static_assert(offsetof(struct snp_page_info, gpa) == 0x68, "PAGE_INFO.GPA");

/* OVMF's SEV metadata section types (OvmfSevMetadata.asm) */
enum ovmf_section_type {
	OVMF_SECTION_SNP_SEC_MEM = 1,
	OVMF_SECTION_SNP_SECRETS = 2,
	OVMF_SECTION_CPUID = 3,
	OVMF_SECTION_SVSM_CAA = 4,
	OVMF_SECTION_SNP_KERNEL_HASHES = 0x10,
};

struct ovmf_footer_entry {            /* data precedes it; SIZE counts data + this header */
	uint16_t size;
	uint8_t guid[16];
} __attribute__((packed));
_Static_assert(sizeof(struct ovmf_footer_entry) == 18, "OVMF table entry header");

struct ovmf_sev_metadata_header {
	char signature[4];             /* "ASEV" */
	uint32_t size;                 /* header + sections */
	uint32_t version;              /* 1 */
	uint32_t num_items;
} __attribute__((packed));
_Static_assert(sizeof(struct ovmf_sev_metadata_header) == 16, "OVMF SEV metadata header");

struct ovmf_sev_section {
	uint32_t gpa, size, type;
} __attribute__((packed));
_Static_assert(sizeof(struct ovmf_sev_section) == 12, "OVMF SEV metadata section");

#define OVMF_MAX_SECTIONS 64

/* What the launch needs from an OVMF image; the sections point into the image. */
struct snp_ovmf {
	uint64_t gpa;                  /* where the image starts: 4 GiB - size */
	uint32_t ap_reset_eip;         /* SEV-ES reset block */
	size_t nsections;
	struct ovmf_sev_section sections[OVMF_MAX_SECTIONS];
};

/* Parse an OVMF image: footer table, SEV-ES reset block, SEV metadata. Errors name the field. */
int snp_ovmf_parse(const uint8_t *img, size_t len, struct snp_ovmf *o, struct th_err *err);

struct snp_launch_opts {
	unsigned vcpus;                /* 1.. */
	uint32_t vcpu_sig;             /* CPUID 1 EAX of the guest's vCPU model (RDX at reset) */
	uint64_t guest_features;       /* VMSA SEV_FEATURES; bit 0 SNPActive */
};

/* QEMU's defaults, as sev-snp-measure's: 1 vCPU, EPYC-v4 (family 23 model 1 stepping 2), 0x1. */
void snp_launch_opts_default(struct snp_launch_opts *o);
/* The CPUID signature of a QEMU CPU model name (EPYC, EPYC-Rome, EPYC-Milan, EPYC-Genoa...). */
int snp_vcpu_sig(const char *model, uint32_t *sig);

/* The launch digest (MEASUREMENT) of QEMU launching IMG with OPTS. */
int snp_launch_digest(const uint8_t *img, size_t len, const struct snp_launch_opts *opts,
		      uint8_t out[48], struct th_err *err);

#endif
