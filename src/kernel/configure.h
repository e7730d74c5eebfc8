/* SPDX-License-Identifier: MIT */
/*
 * `teehost kernel config` and `verify`: base config -> olddefconfig ->
 * profiles and fragments merged with the tree's merge_config.sh ->
 * olddefconfig -> proof (kernel/proof.h) with reasons from the tree's own
 * kconfig code (kernel/probe/kconfig-probe.c).
 */
#ifndef TEEHOST_KERNEL_CONFIGURE_H
#define TEEHOST_KERNEL_CONFIGURE_H

#include <limits.h>
#include <stddef.h>

#include "kernel/kbuild.h"
#include "kernel/proof.h"

struct th_err;

struct th_kconfig_opts {
	const char *src;		/* kernel source tree */
	const char *base;		/* "debian" (default), "tinyconfig", "defconfig",
					 * "allnoconfig", or a config FILE */
	const char *const *profiles;	/* names under <datadir>/profiles/NAME.config */
	size_t nprofiles;
	const char *const *fragments;	/* kconfig fragment files */
	size_t nfragments;
	const char *workdir;		/* NULL: a temp dir, removed afterwards */
};

struct th_kconfig_result {
	struct th_ktree tree;
	struct th_kproof proof;
	char base[PATH_MAX];		/* what the base was (file or make target) */
	char *config;			/* final .config text (malloc'd) */
	size_t config_len;
	char log[PATH_MAX + 32];	/* tool output (kept only with a workdir) */
};

/* Resolve "debian" to a Debian config file for a tree version (e.g.
 * /usr/src/linux-config-6.12/config.amd64_none_amd64.xz, else the newest
 * /boot/config-*). 0 or -ENOENT. */
int th_kernel_debian_config(const char *version, char *path, size_t len);

/* Path of profile NAME, or -ENOENT with err listing the known ones. */
int th_kernel_profile_path(const char *name, char *path, size_t len, struct th_err *err);

int th_kernel_configure(const struct th_kconfig_opts *o, struct th_kconfig_result *res,
			struct th_err *err);

/* The proof alone on an existing CONFIG (not modified). */
int th_kernel_verify(const struct th_kconfig_opts *o, const char *config,
		     struct th_kconfig_result *res, struct th_err *err);

void th_kconfig_result_free(struct th_kconfig_result *res);

/* The requests of profiles (by name) into PROOF, each file checked. */
int th_kernel_profile_requests(const char *const *profiles, size_t n, struct th_kproof *proof,
			       struct th_err *err);

/* Read and check a config file (a config that is not a config is an error
 * "FILE: line N: ..."); TEXT, when given, receives its bytes. */
int th_kernel_load_config(const char *path, struct th_kconfig *cfg, char **text,
			  size_t *textlen, struct th_err *err);

#endif
