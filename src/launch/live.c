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
#include "sgx_enclave_common.h"

TEEHOST_API int teehost_sgx_live_test(const char *sample_path,
				      const struct teehost_loader_opts *opts,
				      struct teehost_sgx_live *out)
{
	struct th_sgx_status st;
	struct teehost_enclave *e = NULL;
	struct th_image img;
	struct th_err err = { { 0 } };
	struct th_sample_call call;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = th_launch_throwaway(sample_path, opts, &img, &e, &st, &err);
	if (rc < 0) {
		out->step = st.step ? st.step : "load";
		out->code = st.code;
		if (!strcmp(out->step, "image"))
			snprintf(out->msg, sizeof(out->msg), "%s: %s", sample_path, err.msg);
		else
			snprintf(out->msg, sizeof(out->msg), "%s", err.msg);
		return rc;
	}
	out->driver = teehost_enclave_driver(e);
	out->step = "enter";
	rc = th_sample_enter(e, 0, &call, TH_SAMPLE_OP_ADD, 2, 40, 0, &err);
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
