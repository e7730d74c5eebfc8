/* SPDX-License-Identifier: MIT */
/*
 * `teehost kernel build`: patch series on an upstream base, bindeb-pkg,
 * tarball artifact and manifest.json, reproducibly (KBUILD_BUILD_* fixed from
 * SOURCE_DATE_EPOCH). Output appears in OUT only when everything succeeded
 * (built in OUT.partial-XXXXXX next to it, renamed at the end).
 */
#ifndef TEEHOST_KERNEL_BUILD_H
#define TEEHOST_KERNEL_BUILD_H

#include <limits.h>
#include <stddef.h>

struct th_err;

struct th_kbuild_opts {
	const char *src;		/* upstream base tree */
	const char *config;		/* .config to build */
	const char *series;		/* quilt-style series file, or */
	const char *const *more_series;	/* further series files, applied after it */
	size_t nmore_series;
	const char *patches;		/* directory of *.patch (name order) */
	const char *out;		/* output dir: must not exist or be empty */
	const char *const *profiles;	/* TEE profiles the config must satisfy */
	size_t nprofiles;
	const char *recipe;		/* recorded in the manifest */
	const char *ref;		/* the base's git ref as the recipe names it (recorded) */
	unsigned jobs;			/* make -j */
	long long epoch;		/* SOURCE_DATE_EPOCH; <0: $SOURCE_DATE_EPOCH or 0 */
	/* progress: phase name and percent (0-100, -1 unknown); may be NULL */
	void (*progress)(void *ctx, const char *phase, int percent, const char *detail);
	void *ctx;
};

struct th_kbuild_result {
	char release[128];
	char tarball[PATH_MAX];		/* final path in OUT */
	char vmlinuz_sha256[65];
	double seconds;
	char log[PATH_MAX];		/* OUT/build.log (kept on failure: OUT.failed.log) */
};

int th_kernel_build(const struct th_kbuild_opts *o, struct th_kbuild_result *res,
		    struct th_err *err);

/* sha256 of a file as lower-case hex. 0 or -errno. */
int th_ksha256_file(const char *path, char hex[65]);

#endif
