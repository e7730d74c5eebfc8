/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the kernel .config reader. */
#include <stdint.h>
#include <string.h>

#include "util/kconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_kconfig cfg;
	struct th_err err;

	if (th_kconfig_parse(&cfg, (const char *)data, size, &err) == 0) {
		for (size_t i = 0; i < cfg.count; i++) {
			if (th_kconfig_find(&cfg, cfg.entries[i].name) != &cfg.entries[i])
				__builtin_trap();
			(void)th_kconfig_tristate(&cfg, cfg.entries[i].name);
		}
		th_kconfig_free(&cfg);
	} else if (memchr(err.msg, '\n', strnlen(err.msg, sizeof(err.msg)))) {
		__builtin_trap();       /* errors are one line */
	}
	return 0;
}
