/* SPDX-License-Identifier: MIT */
/*
 * The launch layer, above the loader core: launch tokens for the isgx driver (Intel's
 * libsgx_launch.so.1, or a launch enclave teehost runs itself through the core), the SDK's
 * ECALL convention (sdk_call.h), the throw-away load of and calls into the sample enclave
 * (sample.c), the live launch test of `teehost check`, and the drop-in
 * libsgx_enclave_common.so.1 (common.c). The core never calls up here: a token reaches it
 * through teehost_loader_opts.launch_token.
 */
#ifndef TEEHOST_LAUNCH_LAUNCH_H
#define TEEHOST_LAUNCH_LAUNCH_H

#include "loader/loader.h"
#include "sgx/image.h"
#include "teehost/sample_abi.h"

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

/*
 * The throw-away load (sample.c): open PATH into IMG, sign it on the fly with a throw-away test
 * key (a DEBUG enclave) and load it with th_launch_load(). On failure ST->step names the step
 * ("image", "sign", or the load's own), *OUT is NULL and IMG is closed; either way
 * th_image_close(IMG) after teehost_enclave_destroy(*OUT) is safe.
 */
int th_launch_throwaway(const char *path, const struct teehost_loader_opts *opts,
			struct th_image *img, struct teehost_enclave **out,
			struct th_sgx_status *st, struct th_err *err);

/*
 * Enter E on TCS with the sample ABI's OP and arguments A0..A2 through CALL, which this fills
 * (status 1 until the enclave answers): th_enclave_enter()'s return; the answer is in CALL.
 */
int th_sample_enter(struct teehost_enclave *e, size_t tcs, struct th_sample_call *call,
		    uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, struct th_err *err);

#endif
