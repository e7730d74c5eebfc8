/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the OVMF image parser behind `sim --snp-guest --launch` (GUIDed footer
 * table, SEV-ES reset block, SEV metadata) and, when it parses, the launch digest over it.
 * Images are whole pages, so the input is also tried cut to whole pages: otherwise nearly every
 * mutation stops at the size check.
 */
#include <stdint.h>

#include "guest/snp-launch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snp_launch_opts o;
	uint8_t ld[48];

	snp_launch_opts_default(&o);
	o.vcpus = 2;
	snp_launch_digest(data, size, &o, ld, NULL);
	if (size > SNP_PAGE_SIZE && size % SNP_PAGE_SIZE)
		snp_launch_digest(data, size - size % SNP_PAGE_SIZE, &o, ld, NULL);
	return 0;
}
