/* SPDX-License-Identifier: MIT */
/*
 * The in-kernel SGX uAPI (Linux 5.11+). The structures come from the system's <asm/sgx.h>
 * (linux-libc-dev); this header only pins their layout, so a libc-dev that drifts breaks the
 * build rather than the ioctl ABI. The out-of-tree drivers' ABIs live in their own headers.
 */
#ifndef TEEHOST_SGX_UAPI_H
#define TEEHOST_SGX_UAPI_H

#include <asm/sgx.h>
#include <stddef.h>
#include "sgx/arch.h"

#define SGX_DEV_ENCLAVE   "/dev/sgx_enclave"
#define SGX_DEV_PROVISION "/dev/sgx_provision"
#define SGX_DEV_VEPC      "/dev/sgx_vepc"

SGX_STATIC_ASSERT_LAYOUT(struct sgx_enclave_create, 8);
SGX_STATIC_ASSERT_LAYOUT(struct sgx_enclave_add_pages, 48);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_add_pages, secinfo, 24);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_add_pages, flags, 32);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_add_pages, count, 40);
SGX_STATIC_ASSERT_LAYOUT(struct sgx_enclave_init, 8);
SGX_STATIC_ASSERT_LAYOUT(struct sgx_enclave_provision, 8);
SGX_STATIC_ASSERT_LAYOUT(struct sgx_enclave_restrict_permissions, 40);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_restrict_permissions, permissions, 16);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_restrict_permissions, result, 24);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_restrict_permissions, count, 32);
SGX_STATIC_ASSERT_LAYOUT(struct sgx_enclave_modify_types, 40);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_modify_types, page_type, 16);
SGX_STATIC_ASSERT_LAYOUT(struct sgx_enclave_remove_pages, 24);
SGX_STATIC_ASSERT_LAYOUT(struct sgx_enclave_run, 256);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_run, tcs, 0);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_run, function, 8);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_run, exception_vector, 12);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_run, exception_error_code, 14);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_run, exception_addr, 16);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_run, user_handler, 24);
SGX_STATIC_ASSERT_OFFSET(struct sgx_enclave_run, user_data, 32);

#endif
