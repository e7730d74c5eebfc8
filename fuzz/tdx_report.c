/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a TDREPORT (tdx_report_parse), and the TD quote body made from it. */
#include <stdint.h>

#include "attest/tdx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct tdx_report *r;
	struct tdx_quote_body b;

	if (tdx_report_parse(data, size, &r, NULL) == 0)
		tdx_quote_body_from_report(r, &b);
	return 0;
}
