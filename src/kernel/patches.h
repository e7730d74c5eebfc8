/* SPDX-License-Identifier: MIT */
/*
 * The patches of a 'teehost kernel build': read from quilt-style series files or a directory
 * of *.patch, judged against the base (series.c's verdicts, for the manifest) and applied with
 * patch(1) to the build's copy of the tree.
 */
#ifndef TEEHOST_KERNEL_PATCHES_H
#define TEEHOST_KERNEL_PATCHES_H

#include <stddef.h>

struct th_err;
struct th_kbuild_opts;
struct th_ktree;
struct th_series;
struct th_status_run;

/* Absolute paths, in the order they apply. */
struct th_kpatches {
	char **v;
	size_t n;
};

/* The patches o->series (then o->more_series) or o->patches name; none when neither is set.
 * 0, or -errno with err naming the series or directory (l is left empty). */
int th_kpatches_read(const struct th_kbuild_opts *o, struct th_kpatches *l, struct th_err *err);
void th_kpatches_free(struct th_kpatches *l);

/* The series' verdicts on this base (src/kernel/series.c), for the manifest: the tree as it
 * is, or the commit base_sha when it is not empty. A malformed patch is an error here, before
 * the build creates anything. s holds the parsed series for run. */
int th_kpatches_verdicts(const struct th_ktree *t, const char *base_sha,
			 const struct th_kpatches *l, struct th_series *s,
			 struct th_status_run *run, struct th_err *err);

/* patch -p1 each of them into srcdir, output to log, reporting progress through o. 0, or
 * -EIO with err naming the patch that does not apply to version. */
int th_kpatches_apply(const struct th_kpatches *l, const char *srcdir, const char *version,
		      const char *log, const struct th_kbuild_opts *o, struct th_err *err);

#endif
