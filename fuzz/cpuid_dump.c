/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the `cpuid -r` dump parser (teehost check --cpuid FILE). */
#include <stdint.h>
#include <string.h>

#include "host/cpuid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_cpuid c;
	struct th_err err = { { 0 } };
	struct th_cpu_ident id;
	uint32_t r[4];

	th_cpuid_init_dump(&c);
	if (th_cpuid_dump_parse(&c, (const char *)data, size, &err) == 0) {
		th_cpuid_ident(&c, &id);
		if (strlen(id.vendor) > 12 || strlen(id.brand) > 48)
			__builtin_trap();
		/* every leaf the checks read */
		static const uint32_t leaves[][2] = { { 7, 0 }, { 0x12, 0 }, { 0x12, 1 }, { 0x12, 2 },
						      { 0x21, 0 }, { 0x8000001f, 0 }, { 0x40000000, 0 } };
		for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++)
			th_cpuid_query(&c, leaves[i][0], leaves[i][1], r);
	} else if (!err.msg[0] || memchr(err.msg, '\n', strnlen(err.msg, sizeof(err.msg)))) {
		__builtin_trap(); /* errors say something, on one line */
	}
	th_cpuid_free(&c);
	return 0;
}
