/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the /proc/self/mountinfo reader the loader uses to spot a noexec /dev. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "loader/mountinfo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const paths[] = { "/dev/sgx_enclave", "/dev/sgx/enclave", "/", "" };
	char *text = malloc(size + 1);
	struct th_mount m;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		memset(&m, 0x5a, sizeof(m));
		if (th_mountinfo_find(text, paths[i], &m) == 0) {
			/* a match is a NUL-terminated absolute mount point that prefixes the path */
			if (!memchr(m.mount_point, 0, sizeof(m.mount_point)) || m.mount_point[0] != '/')
				__builtin_trap();
			if (strcmp(m.mount_point, "/") &&
			    strncmp(paths[i], m.mount_point, strlen(m.mount_point)))
				__builtin_trap();
		}
	}
	free(text);
	return 0;
}
