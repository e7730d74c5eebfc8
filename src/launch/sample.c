/* SPDX-License-Identifier: MIT */
/*
 * The sample enclave from the host: the throw-away load and the call through its ABI that
 * `teehost check`'s live test, `teehost attest quote` and the tests share.
 */
#include <string.h>

#include "launch/launch.h"
#include "sgx/signer.h"

int th_launch_throwaway(const char *path, const struct teehost_loader_opts *opts,
			struct th_image *img, struct teehost_enclave **out,
			struct th_sgx_status *st, struct th_err *err)
{
	struct th_image_options iopts;
	struct sgx_sigstruct ss;
	int rc;

	*out = NULL;
	memset(st, 0, sizeof(*st));
	memset(&iopts, 0, sizeof(iopts));
	st->step = "image";
	if ((rc = th_image_open(path, &iopts, img, err)) < 0)
		return rc;
	st->step = "sign";
	if ((rc = th_sign_throwaway(&img->plan, &ss, err)) < 0)
		goto fail;
	st->step = NULL;
	if ((rc = th_launch_load(&img->plan, &ss, opts, out, st, err)) < 0)
		goto fail;
	return 0;
fail:
	th_image_close(img);
	return rc;
}

int th_sample_enter(struct teehost_enclave *e, size_t tcs, struct th_sample_call *call,
		    uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2, struct th_err *err)
{
	struct teehost_enter io;

	memset(call, 0, sizeof(*call));
	call->magic = TH_SAMPLE_MAGIC;
	call->op = op;
	call->args[0] = a0;
	call->args[1] = a1;
	call->args[2] = a2;
	call->status = 1;
	memset(&io, 0, sizeof(io));
	io.rdi = (uint64_t)(uintptr_t)call;
	return th_enclave_enter(e, tcs, &io, err);
}
