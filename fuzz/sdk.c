/* SPDX-License-Identifier: MIT */
/* libFuzzer target: Intel SGX SDK enclave detection, metadata parsing and page-plan building. */
#include <stdint.h>

#include "sgx/plan.h"
#include "sgx/sdk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_sdk_info info;
	struct th_plan plan;
	struct th_err err;

	(void)th_sdk_detect(data, size);
	if (th_sdk_plan_build(data, size, &plan, &info, &err) == 0) {
		struct th_plan_stats st;
		uint8_t mr[32], scratch[SGX_PAGE_SIZE];

		th_plan_stats(&plan, &st);
		/* measuring is linear in the pages added: keep each input fast */
		if (st.pages_added <= 4096) {
			(void)th_plan_measure(&plan, mr, &err);
		} else {
			for (size_t r = 0; r < plan.nruns && r < 64; r++)
				(void)th_plan_page(&plan, &plan.runs[r], plan.runs[r].npages - 1, scratch);
		}
		th_plan_free(&plan);
		for (size_t c = 0; c < info.ncopies; c++) {
			struct th_sdk_info ci;

			if (th_sdk_plan_build_copy(data, size, c, &plan, &ci, &err) == 0)
				th_plan_free(&plan);
		}
	}
	return 0;
}
