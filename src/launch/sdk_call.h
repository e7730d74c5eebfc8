/* SPDX-License-Identifier: MIT */
/*
 * The Intel SGX SDK's ECALL convention, from the untrusted side: EENTER with RDI = the ECALL
 * index (or a negative command: -1 initialize the runtime) and RSI = the marshalling
 * structure; the enclave EEXITs with RDI = -1 (ECALL return) and RSI = its sgx_status_t, or
 * with RDI = an OCALL index, which teehost does not serve (no EDL).
 */
#ifndef TEEHOST_LAUNCH_SDK_CALL_H
#define TEEHOST_LAUNCH_SDK_CALL_H

#include <stddef.h>
#include <stdint.h>

#include "loader/loader.h"
#include "util/err.h"

#define TH_SDK_ECMD_INIT_ENCLAVE (-1)
#define TH_SDK_OCMD_ERET (-1)

/* One ECALL. *STATUS gets the enclave's sgx_status_t. -ENOTSUP for an OCALL. */
int th_sdk_ecall(struct teehost_enclave *e, size_t tcs, int64_t index, void *ms,
		 uint64_t *status, struct th_err *err);

/*
 * The trts initialization ECALL with a system_features_t as Intel's uRTS fills it for
 * an SDK of METADATA_MAJOR (1: SDK 1.x runtime, cpu_sdk_info_t; 2+: system_features_t).
 */
int th_sdk_init(struct teehost_enclave *e, size_t tcs, uint32_t metadata_major,
		uint64_t *status, struct th_err *err);

#endif
