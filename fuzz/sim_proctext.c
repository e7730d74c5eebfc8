/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the simulator's rewriters of host text (src/sim/proctext.c): /proc/cpuinfo
 * (first byte even: with FLC; odd: without) and a kernel configuration (first byte & 2). The
 * output must be a NUL-terminated string of the length returned, and carry CONFIG_X86_SGX=y.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/sim/proctext.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_sim_identity id = {
		.vendor = TH_SIM_VENDOR, .brand = TH_SIM_BRAND, .family = TH_SIM_FAMILY,
		.model = TH_SIM_MODEL, .stepping = TH_SIM_STEPPING, .max_leaf = 0x12,
	};
	size_t n = 0;
	char *out;

	if (size < 1)
		return 0;
	id.flc = !(data[0] & 1);
	if (data[0] & 2) {
		out = th_sim_kconfig_rewrite((const char *)data + 1, size - 1, &n);
		if (out && (out[n] || !memmem(out, n, "CONFIG_X86_SGX=y", 16)))
			__builtin_trap();
	} else {
		out = th_sim_cpuinfo_rewrite((const char *)data + 1, size - 1, &id, &n);
		if (out && out[n])
			__builtin_trap();
	}
	free(out);
	return 0;
}
