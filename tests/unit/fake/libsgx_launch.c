/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for AESM's client library, libsgx_launch.so.1, for test_launch_token: the one
 * function Intel's common loader and teehost's token provider call. It reports itself through
 * the environment, which outlives a dlclose: FAKE_LAUNCH_LOADS counts loads, FAKE_LAUNCH_CALLS
 * calls; FAKE_LAUNCH_STATUS (if set) is the sgx_status_t to fail with. A token it gives is
 * 0x5a bytes with the first 16 bytes of the SIGSTRUCT's header at the start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void bump(const char *name)
{
	const char *v = getenv(name);
	char num[16];

	snprintf(num, sizeof(num), "%d", v ? atoi(v) + 1 : 1);
	setenv(name, num, 1);
}

__attribute__((constructor)) static void loaded(void)
{
	bump("FAKE_LAUNCH_LOADS");
}

int get_launch_token(const void *css, const void *attributes, void *token)
{
	const char *status = getenv("FAKE_LAUNCH_STATUS");

	(void)attributes;
	bump("FAKE_LAUNCH_CALLS");
	if (status && *status)
		return (int)strtol(status, NULL, 0);
	memset(token, 0x5a, 304);
	memcpy(token, css, 16);
	return 0;
}
