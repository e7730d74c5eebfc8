/* SPDX-License-Identifier: MIT */
/* libFuzzer target: SGXS stream -> page plan; an accepted stream must round-trip. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "sgx/sgxs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_plan plan;
	uint8_t mr[32], sha[32];

	th_plan_init(&plan, TH_FORMAT_SGXS);
	if (th_sgxs_plan_build(data, size, &plan, NULL) == 0 && th_plan_finalize(&plan, NULL) == 0 &&
	    th_plan_measure(&plan, mr, NULL) == 0) {
		SHA256(data, size, sha);
		if (memcmp(mr, sha, 32))
			abort();        /* the plan must measure to SHA-256 of the stream */
	}
	th_plan_free(&plan);
	return 0;
}
