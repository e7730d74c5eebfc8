/* SPDX-License-Identifier: MIT */
/*
 * A kernel recipe: one kernel flavour (upstream base, patch series, base
 * config, profiles, fragments). A lab keeps several at once because their
 * patch series need different bases. Format: "key = value" lines, '#'
 * comments; list keys (profile, fragment) may repeat or hold several
 * space-separated values. Relative paths are relative to the recipe file.
 *
 *   name     = sgx
 *   src      = /var/cache/teehost/kernel-src/<sha256>   (or: tarball path / git dir)
 *   ref      = v6.12.1                  (git base only: the commit to build)
 *   series   = patches/series           (quilt-style series file; may repeat: the
 *                                        series are applied one after the other) or
 *   patches  = patches/                 (directory of *.patch, applied in name order)
 *   base     = debian | tinyconfig | defconfig | allnoconfig | FILE
 *   profile  = sgx-host boot-test
 *   fragment = local.config
 *
 * Pure: bytes in, struct out; paths are resolved against DIR given by the caller.
 */
#ifndef TEEHOST_KERNEL_RECIPE_H
#define TEEHOST_KERNEL_RECIPE_H

#include <stddef.h>

struct th_err;

#define TH_RECIPE_MAX_LIST 16

struct th_krecipe {
	char *name, *src, *ref, *series, *patches, *base;
	char *profiles[TH_RECIPE_MAX_LIST];
	size_t nprofiles;
	char *fragments[TH_RECIPE_MAX_LIST];
	size_t nfragments;
	char *more_series[TH_RECIPE_MAX_LIST];	/* further 'series' lines, in order */
	size_t nmore_series;
};

/* DIR: directory relative paths are resolved against (NULL: as written). */
int th_krecipe_parse(struct th_krecipe *r, const char *text, size_t len, const char *dir,
		     struct th_err *err);
void th_krecipe_free(struct th_krecipe *r);

#endif
