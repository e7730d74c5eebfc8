/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the boot test's reading of the guest's serial console (the
 * TEEHOST-CHECK / TEEHOST-VERDICT lines and the in-guest test's report). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/boottest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *log = malloc(size + 1);
	struct th_kboot_result *res = calloc(1, sizeof(*res));
	int v, v2;

	if (!log || !res)
		goto out;
	memcpy(log, data, size);
	log[size] = 0;
	v = th_kboot_read_console(log, NULL, 1);
	v2 = th_kboot_read_console(log, res, 1);
	if (v != v2 || v < -1 || v > 1 || res->nchecks > TH_KBOOT_MAX_CHECKS ||
	    strnlen(res->test_out, sizeof(res->test_out)) == sizeof(res->test_out) ||
	    (res->test_ran && !strstr(log, "TEEHOST-TEST: exit ")))
		__builtin_trap();
	for (size_t i = 0; i < res->nchecks; i++)
		if (res->checks[i].pass < -1 || res->checks[i].pass > 1 ||
		    strnlen(res->checks[i].text, sizeof(res->checks[i].text)) ==
			    sizeof(res->checks[i].text))
			__builtin_trap();
	/* Reading again gives the same result (the boot loop re-reads the console). */
	{
		struct th_kboot_result *again = calloc(1, sizeof(*again));

		if (again) {
			th_kboot_read_console(log, again, 1);
			if (again->nchecks != res->nchecks || again->test_ran != res->test_ran ||
			    again->test_status != res->test_status ||
			    strcmp(again->test_out, res->test_out))
				__builtin_trap();
			free(again);
		}
	}
out:
	free(res);
	free(log);
	return 0;
}
