/* SPDX-License-Identifier: MIT */
/* struct teehost_loader_opts, sized as libbpf sizes its opts (util/sized.h). */
#include "loader/internal.h"
#include "sgx_enclave_common.h"
#include "util/sized.h"

int th_loader_opts_get(const struct teehost_loader_opts *in, struct teehost_loader_opts *out,
		       struct th_sgx_status *st, struct th_err *err)
{
	int rc = th_sized_copy(in, out, sizeof(*out), "teehost_loader_opts", err);

	if (rc < 0 && st) {
		st->code = ENCLAVE_INVALID_PARAMETER;
		st->step = "opts";
	}
	return rc;
}
