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

#endif
