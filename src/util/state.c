/* SPDX-License-Identifier: MIT */
/*
 * The simulated platform's state directory, one rule for everyone who keeps state there (the
 * SGX machine's sim-platform.key in src/sim/keys.c, the guest devices in src/guest/):
 * $TEEHOST_SIM_STATE_DIR, else $XDG_STATE_HOME/teehost, else ~/.local/state/teehost.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "util/state.h"

int th_state_dir(char *buf, size_t n)
{
	const char *d = getenv("TEEHOST_SIM_STATE_DIR"), *x = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");

	if (d && *d)
		return snprintf(buf, n, "%s", d) < (int)n ? 0 : -ENAMETOOLONG;
	if (x && *x)
		return snprintf(buf, n, "%s/teehost", x) < (int)n ? 0 : -ENAMETOOLONG;
	if (!home || !*home)
		return -ENOENT;
	return snprintf(buf, n, "%s/.local/state/teehost", home) < (int)n ? 0 : -ENAMETOOLONG;
}

int th_mkdirs(char *path, mode_t mode)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, mode) && errno != EEXIST) {
			int rc = -errno;

			*p = '/';
			return rc;
		}
		*p = '/';
	}
	return mkdir(path, mode) && errno != EEXIST ? -errno : 0;
}
