/* SPDX-License-Identifier: MIT */
/*
 * `teehost kernel series bisect`: the first patch of a series whose build
 * fails, whose boot-test verdict fails, or whose test command fails. One
 * work tree and one object tree (make O=) for every step: moving between
 * steps is git apply / git apply -R of the patches in between, which rewrites
 * only the files those patches touch, so make rebuilds only what depends on
 * them. Steps: the whole series first, then a binary search: at most
 * ceil(log2 N) + 1 builds.
 */
#ifndef TEEHOST_KERNEL_SERIES_BISECT_H
#define TEEHOST_KERNEL_SERIES_BISECT_H

#include <limits.h>
#include <stddef.h>

#include "kernel/series.h"

struct th_err;

struct th_bisect_opts {
	const char *build;		/* shell command; NULL: make olddefconfig bzImage */
	const char *test;		/* "boot" or a shell command (NULL: build only) */
	const char *config;		/* .config for the default build; NULL: generated */
	const char *const *profiles;	/* for the generated config and boot expectations */
	size_t nprofiles;
	const char *workdir;		/* kept (tree/, obj/, logs); NULL: temp, removed */
	unsigned jobs;
	void (*progress)(void *ctx, const char *line);
	void *ctx;
};

#define TH_BISECT_MAX_STEPS 40

struct th_bisect_step {
	size_t applied;		/* patches applied (0..N) */
	int built, passed;	/* build ok; test ok */
	double seconds;
	char evidence[512];	/* failing evidence: the log's error line or the check */
	char log[PATH_MAX];
};

struct th_bisect_result {
	size_t n;		/* patches in the series */
	int found;		/* a first bad patch was found */
	size_t culprit;		/* 0-based */
	struct th_bisect_step steps[TH_BISECT_MAX_STEPS];
	size_t nsteps;
	char obj[PATH_MAX];	/* the object tree every step reused */
	char evidence[512];
};

int th_series_bisect(const struct th_sbase *base, const struct th_series *s,
		     const struct th_bisect_opts *o, struct th_bisect_result *res,
		     struct th_err *err);

#endif
