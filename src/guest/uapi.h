/* SPDX-License-Identifier: MIT */
/*
 * The guest kernel ABIs the simulator serves, declared once: include/uapi/linux/sev-guest.h
 * and tdx-guest.h of Linux 6.12 (not every distribution ships them in linux-libc-dev).
 */
#ifndef TEEHOST_GUEST_UAPI_H
#define TEEHOST_GUEST_UAPI_H

#include <stddef.h>
#include <stdint.h>
#include <linux/ioctl.h>

struct snp_report_req {
	uint8_t user_data[64];
	uint32_t vmpl;
	uint8_t rsvd[28];
};
_Static_assert(sizeof(struct snp_report_req) == 96, "snp_report_req");

struct snp_guest_request_ioctl {
	uint8_t msg_version;
	uint64_t req_data;
	uint64_t resp_data;
	uint64_t exitinfo2;   /* bits 63:32 VMM error, 31:0 firmware error */
};
_Static_assert(sizeof(struct snp_guest_request_ioctl) == 32, "snp_guest_request_ioctl");
_Static_assert(offsetof(struct snp_guest_request_ioctl, req_data) == 8, "req_data");
_Static_assert(offsetof(struct snp_guest_request_ioctl, exitinfo2) == 24, "exitinfo2");

struct snp_ext_report_req {
	struct snp_report_req data;
	uint64_t certs_address;
	uint32_t certs_len;
};
_Static_assert(sizeof(struct snp_ext_report_req) == 112, "snp_ext_report_req");
_Static_assert(offsetof(struct snp_ext_report_req, certs_len) == 104, "certs_len");

#define SNP_GET_REPORT      _IOWR('S', 0x0, struct snp_guest_request_ioctl)
#define SNP_GET_DERIVED_KEY _IOWR('S', 0x1, struct snp_guest_request_ioctl)
#define SNP_GET_EXT_REPORT  _IOWR('S', 0x2, struct snp_guest_request_ioctl)
_Static_assert(SNP_GET_REPORT == 0xc0205300, "SNP_GET_REPORT");

#define SNP_GUEST_VMM_ERR_INVALID_LEN 1
#define SNP_GUEST_VMM_ERR_BUSY        2
#define SEV_FW_BLOB_MAX_SIZE          0x4000     /* include/linux/psp-sev.h */

struct tdx_report_req {
	uint8_t reportdata[64];
	uint8_t tdreport[1024];
};
#define TDX_CMD_GET_REPORT0 _IOWR('T', 1, struct tdx_report_req)

#endif
