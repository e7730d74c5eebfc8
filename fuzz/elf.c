/* SPDX-License-Identifier: MIT */
/* libFuzzer target: static enclave ELF -> page plan -> MRENCLAVE. */
#include <stdint.h>

#include "sgx/elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_elf_options opts = { .heap_size = size ? data[0] * 4096u : 0 };
	struct th_plan plan;
	uint8_t mr[32];

	th_plan_init(&plan, TH_FORMAT_ELF);
	if (th_elf_plan_build(data, size, &opts, &plan, NULL) == 0 &&
	    th_plan_finalize(&plan, NULL) == 0 && plan.size <= (16u << 20))
		th_plan_measure(&plan, mr, NULL);
	th_plan_free(&plan);
	return 0;
}
