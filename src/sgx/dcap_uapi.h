/* SPDX-License-Identifier: MIT */
/*
 * The ABI of Intel's out-of-tree DCAP SGX driver, versions 1.30 to 1.36
 * (SGXDataCenterAttestationPrimitives, driver/linux/include/uapi/asm/sgx_oot.h).
 *
 * Nodes /dev/sgx/enclave and /dev/sgx/provision; one enclave per open file; ioctl numbers and
 * layouts equal to the in-kernel driver's for CREATE, ADD_PAGES and INIT, with
 * SET_ATTRIBUTE (0x03) where the kernel later put PROVISION. What differs is behaviour, handled
 * in src/loader/backend-dcap.c: no vDSO (the loader issues ENCLU itself), mmap() only over pages
 * already added (1.34+ refuses PROT_NONE and holes), no mprotect() hook, READ_IMPLIES_EXEC
 * processes refused (1.33+), EINIT failures reported as -EPERM, and Intel-signed provisioning
 * enclaves allowed the PROVISIONKEY without the provision node. DCAP 1.41 speaks the kernel ABI
 * and is driven by the kernel backend.
 */
#ifndef TEEHOST_SGX_DCAP_UAPI_H
#define TEEHOST_SGX_DCAP_UAPI_H

#include <linux/ioctl.h>
#include <stddef.h>
#include <stdint.h>

#include "sgx/arch.h"

#define DCAP_DEV_ENCLAVE   "/dev/sgx/enclave"
#define DCAP_DEV_PROVISION "/dev/sgx/provision"

#define DCAP_SGX_MAGIC 0xA4
#define DCAP_PAGE_MEASURE 0x01

struct dcap_enclave_create {
	uint64_t src;                   /* SECS */
};

struct dcap_enclave_add_pages {
	uint64_t src;
	uint64_t offset;
	uint64_t length;
	uint64_t secinfo;
	uint64_t flags;                 /* DCAP_PAGE_MEASURE */
	uint64_t count;                 /* out: bytes added */
};

struct dcap_enclave_init {
	uint64_t sigstruct;
};

struct dcap_enclave_set_attribute {
	uint64_t attribute_fd;          /* an open /dev/sgx/provision */
};

#define DCAP_IOC_ENCLAVE_CREATE        _IOW(DCAP_SGX_MAGIC, 0x00, struct dcap_enclave_create)
#define DCAP_IOC_ENCLAVE_ADD_PAGES     _IOWR(DCAP_SGX_MAGIC, 0x01, struct dcap_enclave_add_pages)
#define DCAP_IOC_ENCLAVE_INIT          _IOW(DCAP_SGX_MAGIC, 0x02, struct dcap_enclave_init)
#define DCAP_IOC_ENCLAVE_SET_ATTRIBUTE _IOW(DCAP_SGX_MAGIC, 0x03, struct dcap_enclave_set_attribute)

SGX_STATIC_ASSERT_LAYOUT(struct dcap_enclave_create, 8);
SGX_STATIC_ASSERT_LAYOUT(struct dcap_enclave_add_pages, 48);
SGX_STATIC_ASSERT_OFFSET(struct dcap_enclave_add_pages, secinfo, 24);
SGX_STATIC_ASSERT_OFFSET(struct dcap_enclave_add_pages, count, 40);
SGX_STATIC_ASSERT_LAYOUT(struct dcap_enclave_init, 8);
SGX_STATIC_ASSERT_LAYOUT(struct dcap_enclave_set_attribute, 8);
_Static_assert(DCAP_IOC_ENCLAVE_CREATE == 0x4008a400u, "DCAP CREATE ioctl number");
_Static_assert(DCAP_IOC_ENCLAVE_ADD_PAGES == 0xc030a401u, "DCAP ADD_PAGES ioctl number");
_Static_assert(DCAP_IOC_ENCLAVE_INIT == 0x4008a402u, "DCAP INIT ioctl number");
_Static_assert(DCAP_IOC_ENCLAVE_SET_ATTRIBUTE == 0x4008a403u, "DCAP SET_ATTRIBUTE ioctl number");

#endif
