/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the DCAP quote parser (v3/v4/v5, SGX/TDX, v5 body types 1-3), then
 * the PCK chain inside it.
 */
#include <stdint.h>
#include <stddef.h>

#include "attest/attest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_quote q;
	struct th_err err = { { 0 } };

	if (th_quote_parse(data, size, &q, &err) == 0) {
		volatile uint8_t sink = 0;

		for (size_t i = 0; i < q.body_len; i++)
			sink ^= q.body[i];
		for (size_t i = 0; i < q.cert_len; i++)
			sink ^= q.cert[i];
		for (size_t i = 0; i < q.qe_auth_len; i++)
			sink ^= q.qe_auth[i];
		(void)sink;
	}
	return 0;
}
