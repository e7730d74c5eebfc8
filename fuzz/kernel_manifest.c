/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the manifest.json reader of teehost kernel deploy. */
#include <stdint.h>
#include <string.h>

#include "kernel/manifest.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_kmanifest m;
	struct th_err err = { "" };

	if (th_kmanifest_parse(&m, (const char *)data, size, &err) == 0) {
		if (!m.release[0] || m.nprofiles > TH_KMANIFEST_MAX_PROFILES ||
		    strnlen(m.release, sizeof(m.release)) == sizeof(m.release))
			__builtin_trap();
		for (size_t i = 0; i < m.nprofiles; i++)
			if (strnlen(m.profiles[i], sizeof(m.profiles[i])) == sizeof(m.profiles[i]))
				__builtin_trap();
	} else if (memchr(err.msg, '\n', strnlen(err.msg, sizeof(err.msg)))) {
		__builtin_trap();	/* errors are one line */
	}
	return 0;
}
