/* SPDX-License-Identifier: MIT */
/*
 * teehost show on confidential-VM evidence: a TDREPORT (TDX_CMD_GET_REPORT0's 1024 bytes), an
 * SEV-SNP report (SNP_GET_REPORT's or configfs-tsm's outblob), and the TD quote body inside a
 * TDX quote. Every field, as text or JSON. Called from show.c and show_quote.c.
 */
#include <stdio.h>
#include <string.h>

#include "attest/snp.h"
#include "attest/tdx.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "util/json.h"

void show_tdx_fields(struct json_writer *w, const uint8_t *base, const struct tdx_field *f,
		     size_t n, const char *prefix)
{
	char hex[2 * 64 + 1];

	for (size_t i = 0; i < n; i++) {
		if (w) {
			json_key(w, f[i].name);
			json_hex(w, base + f[i].off, f[i].len);
			continue;
		}
		for (size_t k = 0; k < f[i].len; k++)
			snprintf(hex + 2 * k, 3, "%02x", base[f[i].off + k]);
		printf("%s%-*s %s\n", prefix, (int)(27 - strlen(prefix)), f[i].name, hex);
	}
}

/* 1: shown (or failed with a message), 0: not TDX/SNP evidence */
int show_tee(const char *path, const uint8_t *data, size_t size, bool json, int *ret)
{
	const struct tdx_report *tr;
	const struct snp_report *sr;
	struct th_err err = { "" };
	struct json_writer w;

	if (size == sizeof(struct tdx_report) && data[0] == TDX_REPORT_TYPE_TDX) {
		if (tdx_report_parse(data, size, &tr, &err)) {
			*ret = cli_error_err(path, &err);
			return 1;
		}
		if (json) {
			json_init(&w, stdout, false);
			json_begin_object(&w);
			json_key(&w, "file"); json_str(&w, path);
			json_key(&w, "format"); json_str(&w, "tdreport");
			show_tdx_fields(&w, data, tdx_report_fields, tdx_report_nfields, "");
			json_end_object(&w);
			json_finish(&w);
		} else {
			printf("format                     TDREPORT (TDX, version %u)\n",
			       tr->mac.type.version);
			show_tdx_fields(NULL, data, tdx_report_fields, tdx_report_nfields, "");
		}
		*ret = fflush(stdout) ? cli_error("stdout", "write failed") : EXIT_OK;
		return 1;
	}
	if (size == SNP_REPORT_SIZE && !snp_report_parse(data, size, &sr, NULL)) {
		/* the report's every field; text is the same object, indented */
		json_init(&w, stdout, !json);
		json_begin_object(&w);
		json_key(&w, "file"); json_str(&w, path);
		json_key(&w, "format"); json_str(&w, "sev-snp-report");
		json_key(&w, "report");
		snp_report_json(&w, sr);
		json_end_object(&w);
		json_finish(&w);
		*ret = fflush(stdout) ? cli_error("stdout", "write failed") : EXIT_OK;
		return 1;
	}
	return 0;
}
