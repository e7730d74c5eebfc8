/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the proof's reader of kconfig-probe records (the probe is
 * compiled against whatever tree the user points at, so its output is input).
 * The first line is a fragment (the requests), the rest are probe records.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/proof.h"
#include "util/err.h"
#include "util/kconfig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nl = memchr(text, '\n', size);
	size_t flen = nl ? (size_t)(nl - text) + 1 : size;
	struct th_kproof p = { 0 };
	struct th_kconfig frag, empty = { 0 };
	struct th_err err = { "" };

	if (th_kconfig_parse(&frag, text, flen, &err))
		return 0;
	if (th_kproof_add(&p, &frag, text, flen, "fuzz") == 0) {
		th_kproof_compare(&p, &empty);
		th_kproof_explain(&p, text + flen, size - flen);
		for (size_t i = 0; i < p.n; i++)
			if ((p.v[i].reason && strchr(p.v[i].reason, '\n')) ||
			    (p.v[i].fix && strchr(p.v[i].fix, '\n')))
				__builtin_trap();	/* reasons are one line */
	}
	th_kproof_free(&p);
	th_kconfig_free(&frag);
	return 0;
}
