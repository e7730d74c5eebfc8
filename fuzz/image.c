/* SPDX-License-Identifier: MIT */
/* libFuzzer target: format detection and the pure image entry point (every builder). */
#include <stdint.h>

#include "sgx/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_image_options opts = { 0 };
	struct th_image img;
	uint8_t mr[32];

	(void)th_image_detect(data, size);
	(void)th_image_is_sigstruct(data, size);
	for (int flat = 0; flat < 2; flat++) {
		opts.flags = flat ? TH_IMAGE_FLAT : 0;
		if (th_image_build(data, size, &opts, &img, NULL) == 0) {
			if (img.plan.size <= (16u << 20))
				th_plan_measure(&img.plan, mr, NULL);
			th_image_close(&img);
		}
	}
	return 0;
}
