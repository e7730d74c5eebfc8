/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the OVMF image parser behind `sim --snp-guest --launch` (GUIDed footer
 * table, SEV-ES reset block, SEV metadata) and, for images of up to two pages whose sections
 * are small, the launch digest over it.
 * Images are whole pages, so the input is also tried cut to whole pages: otherwise nearly every
 * mutation stops at the size check.
 */
#include <stdint.h>

#include "guest/snp-launch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct snp_launch_opts o;
	struct snp_ovmf ovmf;
	uint8_t ld[48];
	size_t whole = size - size % SNP_PAGE_SIZE;

	snp_ovmf_parse(data, size, &ovmf, NULL);
	/* the digest hashes every page: only for small images, or the fuzzer crawls */
	snp_launch_opts_default(&o);
	o.vcpus = 2;
	if (!whole || snp_ovmf_parse(data, whole, &ovmf, NULL) || whole > 2 * SNP_PAGE_SIZE)
		return 0;
	/* sections may span up to 4 GiB of zero pages, one SHA-384 each: keep executions short */
	for (size_t i = 0; i < ovmf.nsections; i++)
		if (ovmf.sections[i].size > 16 * SNP_PAGE_SIZE)
			return 0;
	snp_launch_digest(data, whole, &o, ld, NULL);
	return 0;
}
