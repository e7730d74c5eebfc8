/* SPDX-License-Identifier: MIT */
/*
 * Confidential-VM guest devices without the hardware: the simulated SEV-SNP guest
 * (/dev/sev-guest) and its configfs-tsm provider. The device models take the caller's
 * memory through accessors, so the same code serves the seccomp supervisor (process_vm_readv
 * and process_vm_writev on the trapped process) and the unit tests (plain memcpy).
 */
#ifndef TEEHOST_GUEST_GUEST_H
#define TEEHOST_GUEST_GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "attest/snp-pki.h"
#include "attest/tdx.h"

/* The trapped process's memory: 0 or -EFAULT (partial transfers are faults). */
struct guest_mem {
	int (*read)(void *ctx, uint64_t addr, void *buf, size_t len);
	int (*write)(void *ctx, uint64_t addr, const void *buf, size_t len);
	void *ctx;
};

/* The launch: what the guest owner and the platform put in every report. */
struct snp_guest_config {
	enum snp_product product;
	uint8_t measurement[48];
	uint8_t host_data[32];
	uint8_t family_id[16], image_id[16];
	uint8_t id_key_digest[48], author_key_digest[48];
	uint64_t policy;
	uint32_t vmpl;                 /* the VMPL the guest OS runs at (0..3) */
	uint32_t guest_svn;
	struct snp_tcb tcb;            /* current = reported = committed = launch */
	uint32_t report_version;       /* 2, 3 or 5 */
};

struct snp_guest {
	struct snp_guest_config cfg;
	struct snp_pki pki;
	uint8_t chip_id[64];
	uint8_t report_id[32];
	uint8_t vmrk_seed[32];         /* derived-key roots, from the platform secret */
	uint8_t vcek_seed[32];
	uint8_t *certs;                /* GHCB certificate table with VCEK, ASK, ARK (DER) */
	size_t certs_len;              /* rounded up to whole pages, as the host hands it over */
};

/* The state directory shared with the SGX simulator and its 32-byte platform secret. */
int guest_state_dir(char *buf, size_t n);
int guest_platform_secret(uint8_t out[32], struct th_err *err);

void snp_guest_config_default(struct snp_guest_config *cfg);
/* Platform identity (chip_id, key seeds) from the secret, the key hierarchy, the cert table. */
int snp_guest_init(struct snp_guest *g, const struct snp_guest_config *cfg, struct th_err *err);
void snp_guest_free(struct snp_guest *g);

/* Build and sign a report for REPORT_DATA at VMPL; status is the firmware status (0 = ok). */
int snp_guest_report(struct snp_guest *g, const uint8_t report_data[64], uint32_t vmpl,
		     struct snp_msg_report_rsp *rsp, struct th_err *err);
void snp_guest_derived_key(struct snp_guest *g, const struct snp_msg_key_req *req,
			   struct snp_msg_key_rsp *rsp);

/* /dev/sev-guest's ioctl, as drivers/virt/coco/sev-guest: 0 or a negative errno. */
long snp_guest_ioctl(struct snp_guest *g, unsigned long cmd, uint64_t arg,
		     const struct guest_mem *mem);

/* ---- TDX ---- */

/* The TD's launch: what TDINFO reports (the VMM and the TD's firmware set these). */
struct tdx_guest_config {
	uint8_t mr_td[48];
	uint8_t mr_config_id[48], mr_owner[48], mr_owner_config[48];
	uint8_t rtmr[4][48];
	uint8_t mr_servicetd[48];      /* TDINFO.SERVTD_HASH (TDX 1.5 module only) */
	uint64_t td_attributes;        /* bit 0: DEBUG */
	uint64_t xfam;
	unsigned module_minor;         /* the TDX module: 0 (1.0) or 5 (1.5: TDREPORT version 1) */
	unsigned quote_version;        /* 4, or 5 (body type 2 from a 1.0 module, 3 from 1.5) */
};

struct tdx_guest {
	struct tdx_guest_config cfg;
	uint8_t mac_key[32];           /* the simulated CPU's REPORTMACSTRUCT key */
	struct th_attest_platform platform;   /* PCK, attestation key, FMSPC, QE id */
	char *pck_chain;               /* PCK leaf || PCK CA || root, PEM */
	size_t pck_chain_len;
	unsigned reports, quotes;
};

void tdx_guest_config_default(struct tdx_guest_config *cfg);
int tdx_guest_init(struct tdx_guest *g, const struct tdx_guest_config *cfg, struct th_err *err);
void tdx_guest_free(struct tdx_guest *g);
/* The platform's PCK certificate and the opened test CA (for collateral): caller frees both. */
int tdx_platform_pck(struct th_attest_platform *p, struct th_attest_ca *ca, struct x509_st **pck,
		     struct th_err *err);

/* TDG.MR.REPORT: TDREPORT for REPORT_DATA, MACed with the CPU's key. */
void tdx_guest_report(struct tdx_guest *g, const uint8_t report_data[64], struct tdx_report *r);
/* The TD QE's work: check the TDREPORT's MAC, then quote (malloc'ed). */
int tdx_guest_quote(struct tdx_guest *g, const uint8_t report_data[64], uint8_t **quote,
		    size_t *len, struct th_err *err);

/* TDG.MR.RTMR.EXTEND: RTMR[INDEX] = SHA-384(RTMR[INDEX] || DATA); 0 or -EINVAL (index > 3) */
int tdx_guest_extend_rtmr(struct tdx_guest *g, unsigned index, const uint8_t data[48]);

/* /dev/tdx_guest's ioctl, as drivers/virt/coco/tdx-guest (6.12): 0 or a negative errno. */
long tdx_guest_ioctl(struct tdx_guest *g, unsigned long cmd, uint64_t arg,
		     const struct guest_mem *mem);

#endif
