/* SPDX-License-Identifier: MIT */
/*
 * The launch layer, above the loader core: launch tokens for the isgx driver (Intel's
 * libsgx_launch.so.1, or a launch enclave teehost runs itself through the core), the SDK's
 * ECALL convention (sdk_call.h), the live launch test of `teehost check`, and the drop-in
 * libsgx_enclave_common.so.1 (common.c). The core never calls up here: a token reaches it
 * through teehost_loader_opts.launch_token.
 */
#ifndef TEEHOST_LAUNCH_LAUNCH_H
#define TEEHOST_LAUNCH_LAUNCH_H

#include "loader/loader.h"

/*
 * An EINITTOKEN for SS on an isgx platform (zeros for an enclave with EINITTOKENKEY, which
 * needs none). OPTS (may be NULL): the root and log the launch enclave's own load uses.
 */
int th_token_get(const struct sgx_sigstruct *ss, const struct sgx_attributes *attributes,
		 const struct teehost_loader_opts *opts, struct sgx_einittoken *token,
		 struct th_sgx_status *st, struct th_err *err);

/* th_token_get() as a teehost_loader_opts.launch_token; CTX: the loader opts, or NULL. */
int th_launch_token(void *ctx, struct teehost_token_request *req);

/* Give OUT (sized opts) teehost's token provider unless it has one; OUT is its context. */
void th_launch_opts(struct teehost_loader_opts *out);

/* th_enclave_load() with teehost's launch token provider unless OPTS names one. */
int th_launch_load(const struct th_plan *plan, const struct sgx_sigstruct *ss,
		   const struct teehost_loader_opts *opts, struct teehost_enclave **out,
		   struct th_sgx_status *st, struct th_err *err);

#endif
