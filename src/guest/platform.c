/* SPDX-License-Identifier: MIT */
/*
 * The simulated platform's identity: the same 32-byte secret file the SGX simulator keeps
 * (src/sim/keys.c): one platform, one secret, for SGX keys, the SNP chip ID, VCEK, the TDX
 * platform's keys and derived keys alike. Same directory (src/util/state.c), same file, same
 * atomic exclusive creation.
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
#include "util/state.h"

int guest_state_dir(char *buf, size_t n)
{
	return th_state_dir(buf, n);
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
		rc = th_mkdirs(dir, 0700);
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
