/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: SEV-SNP report parsing and JSON printing, and the extended report's
 * certificate table. The first 0x4a0 bytes are a report, the rest a certificate table.
 */
#include <stdint.h>
#include <stdio.h>

#include "attest/snp.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct snp_report *r;
	const uint8_t *blob;
	size_t n = size < SNP_REPORT_SIZE ? size : SNP_REPORT_SIZE, blob_len;

	if (snp_report_parse(data, n, &r, NULL) == 0) {
		static FILE *null;     /* opened once: an open per input would be the cost */
		struct json_writer w;

		if (!null)
			null = fopen("/dev/null", "w");
		if (null) {
			json_init(&w, null, false);
			snp_report_json(&w, r);
			json_finish(&w);
		}
	}
	if (size > SNP_REPORT_SIZE)
		snp_cert_table_find(data + SNP_REPORT_SIZE, size - SNP_REPORT_SIZE, snp_guid_ark, &blob,
				    &blob_len, NULL);
	return 0;
}
