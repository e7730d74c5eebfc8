/* SPDX-License-Identifier: MIT */
/*
 * The simulated platform's identity: the same 32-byte secret file the SGX simulator keeps
 * (src/sim/keys.c, which lives in the preload library and so cannot be linked here): one
 * platform, one secret, for SGX keys, the SNP chip ID, VCEK and derived keys alike. Same
 * directory rules, same file, same atomic exclusive creation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "guest/guest.h"
#include "util/file.h"

int guest_state_dir(char *buf, size_t n)
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

static int mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(path, 0700) && errno != EEXIST ? -errno : 0;
}

int guest_platform_secret(uint8_t out[32], struct th_err *err)
{
	char dir[4096], path[4200];
	uint8_t fresh[32];
	int fd, rc;
	ssize_t n;

	rc = guest_state_dir(dir, sizeof(dir));
	if (rc)
		return th_fail(err, rc, "state directory", "set TEEHOST_SIM_STATE_DIR or HOME");
	snprintf(path, sizeof(path), "%s/sim-platform.key", dir);
	for (int tries = 0; tries < 2; tries++) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, out, 32);
			close(fd);
			return n == 32 ? 0 : th_fail(err, -EINVAL, path, "not a 32-byte platform secret");
		}
		if (errno != ENOENT)
			return th_fail(err, -errno, path, "%s", strerror(errno));
		rc = mkdirs(dir);
		if (rc)
			return th_fail(err, rc, dir, "cannot create: %s", strerror(-rc));
		if (RAND_bytes(fresh, sizeof(fresh)) != 1)
			return th_fail(err, -EIO, path, "no randomness");
		rc = th_write_file_atomic(path, fresh, sizeof(fresh), 0600, 1, NULL);
		if (rc && rc != -EEXIST)
			return th_fail(err, rc, path, "cannot write: %s", strerror(-rc));
	}
	return th_fail(err, -EIO, path, "cannot read");
}
