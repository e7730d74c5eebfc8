/* SPDX-License-Identifier: MIT */
/* libFuzzer target: SIGSTRUCT parsing and verification. */
#include <stdint.h>

#include "sgx/sigstruct.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sgx_sigstruct ss;
	struct th_sigstruct_verdict v;
	uint8_t mrsigner[32];

	if (th_sigstruct_parse(data, size, &ss, NULL) == 0) {
		th_sigstruct_check(&ss, &v);
		th_sigstruct_mrsigner(&ss, mrsigner);
	}
	return 0;
}
