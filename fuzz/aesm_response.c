/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the AESM response parser (bytes from /var/run/aesmd/aesm.socket). */
#include <errno.h>
#include <stdint.h>

#include "host/aesm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t code;
	int r = th_aesm_parse_response(data, size, &code);
	if (r != 0 && r != -EBADMSG)
		__builtin_trap();
	return 0;
}
