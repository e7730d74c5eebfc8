/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the kernel recipe parser (teehost kernel --recipe FILE). */
#include <stdint.h>
#include <string.h>

#include "kernel/recipe.h"
#include "util/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_krecipe r;
	struct th_err err = { "" };

	if (th_krecipe_parse(&r, (const char *)data, size, "/base", &err) == 0) {
		if (r.nprofiles > TH_RECIPE_MAX_LIST || r.nfragments > TH_RECIPE_MAX_LIST ||
		    (r.series && r.patches))
			__builtin_trap();
		th_krecipe_free(&r);
	} else if (memchr(err.msg, '\n', strnlen(err.msg, sizeof(err.msg)))) {
		__builtin_trap();	/* errors are one line */
	}
	return 0;
}
