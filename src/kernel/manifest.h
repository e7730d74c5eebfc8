/* SPDX-License-Identifier: MIT */
/*
 * The two fields of a 'teehost kernel build' manifest.json that a roll-out
 * needs: the kernel release and the profiles it was built with. The manifest
 * comes from disk (outside input), so this reads only those two keys at the
 * top level of the object and refuses anything it cannot read exactly.
 */
#ifndef TEEHOST_KERNEL_MANIFEST_H
#define TEEHOST_KERNEL_MANIFEST_H

#include <stddef.h>

struct th_err;
struct th_kbuild_opts;
struct th_kpatches;
struct th_kproof;
struct th_ktree;
struct th_status_run;

#define TH_KMANIFEST_MAX_PROFILES 16

struct th_kmanifest {
	char release[128];
	char profiles[TH_KMANIFEST_MAX_PROFILES][64];
	size_t nprofiles;
};

/* 0, or -EINVAL with err naming the field ("kernel_release", "profiles"). */
int th_kmanifest_parse(struct th_kmanifest *m, const char *text, size_t len, struct th_err *err);

/* The TEE family teehost check --only takes for a profile name (sgx-host ->
 * "sgx"), or NULL for a profile that is no TEE family (boot-test). */
const char *th_kprofile_family(const char *profile);

/* Writer (manifest_write.c), for 'teehost kernel build': STAGE/manifest.json, atomically,
 * describing the build in STAGE: the base t (and its commit, from STAGE/base-commit), the
 * recipe, each patch with its verdict on the base (status, or NULL: none), the profiles, the
 * requested TEE options and their final values, the compiler (STAGE/cc-version), and the
 * sha256 of every .deb and .tar.gz in STAGE and of the kernel in the tarball. 0 or -errno. */
int th_kmanifest_write(const struct th_kbuild_opts *o, const struct th_ktree *t,
		       const struct th_kpatches *patches, const struct th_status_run *status,
		       const struct th_kproof *proof, const char *stage, const char *release,
		       long long epoch, double seconds, struct th_err *err);

#endif
