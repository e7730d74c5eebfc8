/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "sgx/flat.h"

uint64_t th_next_pow2(uint64_t n, uint64_t min)
{
	uint64_t p = min ? min : 1;

	while (p < n)
		p <<= 1;
	return p;
}

int th_flat_plan_build(const uint8_t *data, size_t len, struct th_plan *plan, struct th_err *err)
{
	uint64_t npages = ((uint64_t)len + SGX_PAGE_SIZE - 1) / SGX_PAGE_SIZE;
	struct th_plan_run tcs = {
		.offset = 0, .npages = 1, .secinfo = SGX_SECINFO_TYPE(SGX_PT_TCS),
		.data = data, .data_len = len < SGX_PAGE_SIZE ? len : SGX_PAGE_SIZE,
		.measure_mask = TH_MEASURE_ALL,
	};
	int ret;

	plan->format = TH_FORMAT_FLAT;
	if (len < SGX_PAGE_SIZE)
		return th_fail(err, EINVAL, "size", "%zu bytes: a flat image needs at least the TCS page", len);
	if (len > TH_FLAT_MAX_SIZE)
		return th_fail(err, EFBIG, "size", "%zu bytes: larger than the 64 GiB limit", len);
	plan->size = th_next_pow2(npages * SGX_PAGE_SIZE, 2 * SGX_PAGE_SIZE);
	plan->ssa_frame_size = 1;
	ret = th_plan_add_run(plan, &tcs, err);
	if (ret || npages == 1)
		return ret;
	return th_plan_add_run(plan, &(struct th_plan_run){
		.offset = SGX_PAGE_SIZE, .npages = npages - 1,
		.secinfo = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X,
		.data = data + SGX_PAGE_SIZE, .data_len = len - SGX_PAGE_SIZE,
		.measure_mask = TH_MEASURE_ALL,
	}, err);
}
