/* Every file probe of `teehost check` and every write of `teehost setup`
 * goes through a root directory: "/" for the live machine, or --root DIR.
 * Paths are resolved inside the root: absolute symlinks and ".." stay in it,
 * cyclic symlinks end in ELOOP (openat2 RESOLVE_IN_ROOT where the kernel has
 * it, else a component-by-component walk with a 40-link budget). */
#ifndef TEEHOST_HOST_ROOT_H
#define TEEHOST_HOST_ROOT_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util/err.h"

struct th_root {
	int dirfd;
	bool live;          /* no --root: the machine itself */
	char path[4096];    /* "/" or the --root directory, for messages */
};

int th_root_init(struct th_root *r, const char *dir, struct th_err *e);
void th_root_close(struct th_root *r);

/* All return 0 / negative errno; `path` is absolute inside the root. */
int th_root_open(const struct th_root *r, const char *path, int flags);
int th_root_stat(const struct th_root *r, const char *path, struct stat *st, bool follow);
int th_root_readlink(const struct th_root *r, const char *path, char *buf, size_t cap);
/* Read a small file whole (at most max bytes), NUL-terminated, malloc'd. */
int th_root_read(const struct th_root *r, const char *path, size_t max, char **out, size_t *len);
int th_root_opendir(const struct th_root *r, const char *path, DIR **d);
/* MSR `index` of CPU `cpu` from DIR/dev/cpu/N/msr: 8 bytes at offset index of the
 * msr driver's character device, or at offset index * 8 of a regular (sparse fixture)
 * file, whose neighbouring 8-byte windows must not overlap.  -EIO for an index past
 * the end of a fixture file (the CPU does not implement it). */
int th_root_msr(const struct th_root *r, unsigned cpu, uint32_t index, uint64_t *val);

/* Open the parent directory of path (resolved in the root) and give the
 * last component; for writes. */
int th_root_open_parent(const struct th_root *r, const char *path, const char **base);

/* Tests: resolve with the component walk even where openat2 exists. */
void th_root_force_walk(bool on);

/* "/etc/group" -> "DIR/etc/group" for messages. */
const char *th_root_show(const struct th_root *r, const char *path, char *buf, size_t cap);

#endif
