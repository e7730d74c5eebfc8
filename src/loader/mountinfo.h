/* SPDX-License-Identifier: MIT */
/* /proc/self/mountinfo: which mount holds a path, and is it noexec. Pure: takes the text. */
#ifndef TEEHOST_LOADER_MOUNTINFO_H
#define TEEHOST_LOADER_MOUNTINFO_H

#include <stdbool.h>

struct th_mount {
	char mount_point[256];
	bool noexec;
};

/* The mount whose mount point is the longest prefix of PATH (the last such line when several
 * mounts stack on one point). 0, or -ENOENT when no line matches. */
int th_mountinfo_find(const char *text, const char *path, struct th_mount *out);

#endif
