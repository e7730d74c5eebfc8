/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the TDX part of TCB info reading (tdx_verify_module: tdxModule,
 * tdxModuleIdentities, tdxtcbcomponents) against a TD quote body: the first 584 bytes are the
 * body, the rest the JSON document.
 */
#include <stdint.h>
#include <string.h>

#include "attest/tdx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_quote q;
	struct th_pck_ext pck;
	struct th_verify_result res;

	if (size < TH_QUOTE_BODY_TDX10_SIZE)
		return 0;
	memset(&q, 0, sizeof(q));
	memset(&pck, 0, sizeof(pck));
	memset(&res, 0, sizeof(res));
	q.header.tee_type = TH_QUOTE_TEE_TDX;
	q.body = data;
	q.body_len = TH_QUOTE_BODY_TDX10_SIZE;
	pck.pcesvn = 13;
	memset(pck.tcb_comp, 0x54, 16);
	res.ok = true;
	tdx_verify_module(&q, (const char *)data + TH_QUOTE_BODY_TDX10_SIZE,
			  size - TH_QUOTE_BODY_TDX10_SIZE, &pck, &res, NULL);
	return 0;
}
