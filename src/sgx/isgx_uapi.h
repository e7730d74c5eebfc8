/* SPDX-License-Identifier: MIT */
/*
 * The ABI of Intel's legacy out-of-tree SGX driver for platforms without flexible launch
 * control (intel/linux-sgx-driver, sgx_user.h; node /dev/isgx).
 *
 * One open file serves every enclave of the process; the enclave's range is mapped from that
 * file before ECREATE (the driver aligns the mapping to its power-of-two size); ADD_PAGE adds
 * one page with a 16-bit mask of the 256-byte chunks to EEXTEND; INIT takes the enclave's
 * address, its SIGSTRUCT and an EINITTOKEN. ioctl() returns -1/errno for POSIX errors and a
 * POSITIVE value for ENCLS errors (the SDM codes, plus the driver's own 0x4000000x codes).
 */
#ifndef TEEHOST_SGX_ISGX_UAPI_H
#define TEEHOST_SGX_ISGX_UAPI_H

#include <linux/ioctl.h>
#include <stddef.h>
#include <stdint.h>

#include "sgx/arch.h"

#define ISGX_DEV "/dev/isgx"

#define ISGX_SGX_MAGIC 0xA4

struct isgx_enclave_create {
	uint64_t src;                   /* SECS (BASE = the mapping's address) */
} __attribute__((packed));

struct isgx_enclave_add_page {
	uint64_t addr;                  /* linear address of the page */
	uint64_t src;
	uint64_t secinfo;
	uint16_t mrmask;                /* bit i: EEXTEND bytes [256 i, 256 i + 256) */
} __attribute__((packed));

struct isgx_enclave_init {
	uint64_t addr;                  /* enclave base */
	uint64_t sigstruct;
	uint64_t einittoken;
} __attribute__((packed));

#define ISGX_IOC_ENCLAVE_CREATE   _IOW(ISGX_SGX_MAGIC, 0x00, struct isgx_enclave_create)
#define ISGX_IOC_ENCLAVE_ADD_PAGE _IOW(ISGX_SGX_MAGIC, 0x01, struct isgx_enclave_add_page)
#define ISGX_IOC_ENCLAVE_INIT     _IOW(ISGX_SGX_MAGIC, 0x02, struct isgx_enclave_init)

/* ioctl() return values beyond the SDM's ENCLS codes */
#define ISGX_POWER_LOST_ENCLAVE 0x40000000
#define ISGX_LE_ROLLBACK        0x40000001

SGX_STATIC_ASSERT_LAYOUT(struct isgx_enclave_create, 8);
SGX_STATIC_ASSERT_LAYOUT(struct isgx_enclave_add_page, 26);
SGX_STATIC_ASSERT_OFFSET(struct isgx_enclave_add_page, mrmask, 24);
SGX_STATIC_ASSERT_LAYOUT(struct isgx_enclave_init, 24);
_Static_assert(ISGX_IOC_ENCLAVE_CREATE == 0x4008a400u, "isgx CREATE ioctl number");
_Static_assert(ISGX_IOC_ENCLAVE_ADD_PAGE == 0x401aa401u, "isgx ADD_PAGE ioctl number");
_Static_assert(ISGX_IOC_ENCLAVE_INIT == 0x4018a402u, "isgx INIT ioctl number");

#endif
