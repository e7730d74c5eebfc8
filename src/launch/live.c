/* SPDX-License-Identifier: MIT */
/*
 * The live launch test `teehost check` runs, as sgx-detect does: load the installed sample
 * enclave on the driver present (signed on the fly with a throw-away test key, as a DEBUG
 * enclave), enter it with the sample ABI (add 2 40) and report the result, or the failing step
 * and its common-loader error code.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "launch/launch.h"
#include "sgx/image.h"
#include "sgx/signer.h"
#include "sgx_enclave_common.h"
#include "teehost/sample_abi.h"

TEEHOST_API int teehost_sgx_live_test(const char *sample_path,
				      const struct teehost_loader_opts *opts,
				      struct teehost_sgx_live *out)
{
	struct th_sgx_status st = { 0 };
	struct teehost_enclave *e = NULL;
	struct th_image img;
	struct th_image_options iopts;
	struct th_err err = { { 0 } };
	struct sgx_sigstruct ss;
	struct th_sample_call call;
	struct teehost_enter io;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&iopts, 0, sizeof(iopts));
	out->step = "image";
	if ((rc = th_image_open(sample_path, &iopts, &img, &err)) < 0) {
		snprintf(out->msg, sizeof(out->msg), "%s: %s", sample_path, err.msg);
		return rc;
	}
	out->step = "sign";
	if ((rc = th_sign_throwaway(&img.plan, &ss, &err)) < 0) {
		snprintf(out->msg, sizeof(out->msg), "%s", err.msg);
		goto out;
	}
	rc = th_launch_load(&img.plan, &ss, opts, &e, &st, &err);
	if (rc < 0) {
		out->step = st.step ? st.step : "load";
		out->code = st.code;
		snprintf(out->msg, sizeof(out->msg), "%s", err.msg);
		goto out;
	}
	out->driver = teehost_enclave_driver(e);
	memset(&call, 0, sizeof(call));
	call.magic = TH_SAMPLE_MAGIC;
	call.op = TH_SAMPLE_OP_ADD;
	call.args[0] = 2;
	call.args[1] = 40;
	call.status = 1;
	memset(&io, 0, sizeof(io));
	io.rdi = (uint64_t)(uintptr_t)&call;
	out->step = "enter";
	rc = th_enclave_enter(e, 0, &io, &err);
	if (rc < 0) {
		out->code = ENCLAVE_UNEXPECTED;
		snprintf(out->msg, sizeof(out->msg), "%s", err.msg);
		goto out;
	}
	out->answer = call.ret;
	if (call.status != 0 || call.ret != 42) {
		rc = -EPROTO;
		out->code = ENCLAVE_UNEXPECTED;
		snprintf(out->msg, sizeof(out->msg), "the sample enclave answered %llu (status %lld) "
			 "to add 2 40", (unsigned long long)call.ret, (long long)call.status);
		goto out;
	}
	out->ok = true;
	out->step = NULL;
	rc = 0;
out:
	teehost_enclave_destroy(e);
	th_image_close(&img);
	return rc;
}
