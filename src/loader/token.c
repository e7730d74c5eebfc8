/* SPDX-License-Identifier: MIT */
/* Launch tokens for the isgx driver: placeholder until the launch enclave lands. */
#include <errno.h>
#include <string.h>

#include "loader/internal.h"
#include "sgx_enclave_common.h"

int th_token_get(const struct sgx_sigstruct *ss, const struct sgx_attributes *attributes,
		 const struct teehost_loader_opts *opts, struct sgx_einittoken *token,
		 struct teehost_sgx_status *st, struct th_err *err)
{
	(void)ss; (void)opts;
	memset(token, 0, sizeof(*token));
	/* The launch enclave itself needs no token. */
	if (attributes->flags & SGX_ATTR_EINITTOKENKEY)
		return 0;
	return th_lfail(st, err, "token", ENCLAVE_SERVICE_NOT_AVAILABLE, ENOSYS,
			"no launch token provider");
}
