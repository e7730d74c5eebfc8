/* SPDX-License-Identifier: MIT */
/*
 * Intel SGX SDK enclaves: an ELF shared object whose .note.sgxmeta section holds one or more
 * metadata blocks (versions 1.3, 1.4, 2.1, 2.4, ...), each with the enclave layout (TCS, SSA,
 * stack, heap, guard, thread data, dynamic/EDMM entries), patch entries, the enclave size,
 * the TCS policy and the enclave's SIGSTRUCT (enclave_css). Pure: takes bytes.
 *
 * The contract (implemented in sdk.c):
 *  - th_sdk_detect(): true when DATA is an ELF with an SGX metadata note.
 *  - th_sdk_plan_build(): the page plan the SDK's own loader would build from the newest
 *    metadata version teehost supports, page for page in the same EADD order, so that
 *    th_plan_measure() gives the MRENCLAVE in that metadata's SIGSTRUCT. INFO describes every
 *    metadata copy found.
 *  - th_sdk_resign(): a copy of the .so in which each metadata copy's SIGSTRUCT is rebuilt with
 *    PARAMS laid over that copy's existing fields (enclave hash unchanged) and signed with KEY.
 */
#ifndef TEEHOST_SGX_SDK_H
#define TEEHOST_SGX_SDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgx/arch.h"
#include "sgx/plan.h"
#include "sgx/signer.h"
#include "util/err.h"

#define TH_SDK_MAX_METADATA 8

struct th_sdk_metadata_copy {
	uint32_t version_major;
	uint32_t version_minor;
	uint64_t file_offset;           /* of this metadata block in the file */
	uint64_t sigstruct_offset;      /* of its enclave_css (SIGSTRUCT) in the file */
	uint64_t enclave_size;
	uint32_t tcs_policy;
	uint32_t ssa_frame_size;
};

struct th_sdk_info {
	struct th_sdk_metadata_copy copies[TH_SDK_MAX_METADATA];
	size_t ncopies;
	size_t used;                    /* index of the copy the plan was built from */
	const struct sgx_sigstruct *sigstruct;  /* that copy's SIGSTRUCT (points into DATA) */
	struct sgx_attributes attributes;       /* metadata's requested attributes */
	uint32_t miscselect;
};

struct evp_pkey_st;

bool th_sdk_detect(const uint8_t *data, size_t len);
int th_sdk_plan_build(const uint8_t *data, size_t len, struct th_plan *plan,
		      struct th_sdk_info *info, struct th_err *err);
/* The same from metadata copy COPY (an index into INFO->copies) rather than the newest;
 * every copy of a signed enclave describes the same MRENCLAVE. */
int th_sdk_plan_build_copy(const uint8_t *data, size_t len, size_t copy, struct th_plan *plan,
			   struct th_sdk_info *info, struct th_err *err);
/* *OUT is malloc'd, *OUT_LEN == LEN. */
int th_sdk_resign(const uint8_t *data, size_t len, const struct th_sdk_info *info,
		  const struct th_sign_params *params, struct evp_pkey_st *key,
		  uint8_t **out, size_t *out_len, struct th_err *err);

#endif
