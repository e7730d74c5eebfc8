/* SPDX-License-Identifier: MIT */
/*
 * The loader core as the rest of teehost calls it: the public calls of teehost/loader.h with
 * the library's own types (a page plan, a parsed SIGSTRUCT, struct th_err) and the outcome in
 * common-loader terms. The public API (src/lib/) and the launch layer (src/launch/) sit on it;
 * it calls neither: launch tokens come through opts->launch_token.
 */
#ifndef TEEHOST_LOADER_LOADER_H
#define TEEHOST_LOADER_LOADER_H

#include <stdbool.h>
#include <stdint.h>

#include "sgx/arch.h"
#include "sgx/plan.h"
#include "teehost/loader.h"
#include "util/err.h"

/* Outcome of a failed call in common-loader terms. */
struct th_sgx_status {
	uint32_t code;                  /* enclave_error_t (0 on success) */
	const char *step;               /* "probe", "create", "add", "init", "map", "enter", ... */
	int sgx_error;                  /* ENCLS error code when the driver gave one, else 0 */
};

/*
 * Copy the caller's opts (NULL: defaults) to OUT by its sz (opts.c, util/sized.h): fields past a smaller sz
 * are zero; a bigger struct must be zero past ours. -EINVAL (ST, ERR filled) otherwise.
 */
int th_loader_opts_get(const struct teehost_loader_opts *in, struct teehost_loader_opts *out,
		       struct th_sgx_status *st, struct th_err *err);

/*
 * Find the driver in Intel's order (/dev/sgx/enclave, /dev/sgx_enclave, /dev/isgx), or the
 * one forced by OPTS->driver / $TEEHOST_SGX_DRIVER, open-test its node, and check the process
 * can use enclaves at all (READ_IMPLIES_EXEC personality, /dev mounted noexec).
 */
int th_sgx_probe(const struct teehost_loader_opts *opts, struct teehost_sgx_probe *out,
		 struct th_sgx_status *st, struct th_err *err);

/*
 * Which driver the device nodes under ROOT (NULL or "/": this machine) say is present, chosen
 * as th_sgx_probe() chooses, with VDSO saying whether the kernel's vDSO has
 * __vdso_sgx_enter_enclave (th_sgx_vdso_present() for this machine). Paths resolve inside ROOT
 * (symlinks and ".." stay in it). No open test, no process checks, no environment: what a host
 * check of a --root tree needs. 0 with OUT filled, or -ENODEV with OUT->why saying what is
 * missing.
 */
int th_sgx_detect(const char *root, bool vdso, struct teehost_sgx_probe *out);
bool th_sgx_vdso_present(void);

/*
 * Create, add every page of PLAN (finalized) in order, EINIT with SS (and, on isgx, a launch
 * token from opts), map. On failure nothing is left behind: no mapping, fd or EPC page.
 */
int th_enclave_load(const struct th_plan *plan, const struct sgx_sigstruct *ss,
		    const struct teehost_loader_opts *opts, struct teehost_enclave **out,
		    struct th_sgx_status *st, struct th_err *err);

/* teehost_enclave_enter() with the reason in ERR. */
int th_enclave_enter(struct teehost_enclave *e, size_t tcs_index, struct teehost_enter *io,
		     struct th_err *err);

#endif
