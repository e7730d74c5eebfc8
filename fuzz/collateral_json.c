/* SPDX-License-Identifier: MIT */
/* libFuzzer target: TCB info and QE identity JSON (the first byte picks which). */
#include <stdint.h>
#include <stddef.h>

#include "attest/attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_err err = { { 0 } };

	if (size < 1)
		return 0;
	if (data[0] & 1) {
		struct th_tcb_info t;

		if (th_tcb_info_parse((const char *)data + 1, size - 1, &t, &err) == 0)
			th_tcb_info_free(&t);
	} else {
		struct th_qe_identity q;

		if (th_qe_identity_parse((const char *)data + 1, size - 1, &q, &err) == 0)
			th_qe_identity_free(&q);
	}
	return 0;
}
