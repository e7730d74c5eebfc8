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

#endif
