/* SPDX-License-Identifier: MIT */
/* libFuzzer target: one host's record gathered by teehost fleet check (the
 * Ansible wrapper and the host's teehost check --json inside it). */
#include <stdint.h>
#include <string.h>

#include "host/fleet.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct th_fleet_host h;
	struct th_err err = { "" };

	if (th_fleet_parse_host((const char *)data, size, &h, &err) == 0) {
		if (!h.name[0] || h.nissues > TH_FLEET_MAX_ISSUES || (!h.answered && h.nissues))
			__builtin_trap();
	} else if (memchr(err.msg, '\n', strnlen(err.msg, sizeof(err.msg)))) {
		__builtin_trap();	/* errors are one line */
	}
	return 0;
}
