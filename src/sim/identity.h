/* SPDX-License-Identifier: MIT */
/*
 * Who the simulated CPU is. One description, read by every place a program can look: CPUID
 * (cpuid.c), /proc/cpuinfo (proctext.c) and the SGX files of sysfs (vfiles.c).
 *
 * The part: an Intel Xeon of the Ice Lake-SP generation (family 6, model 0x6A, stepping 6),
 * the first server part with SGX2, FLC and KSS. Only the identity is that part's: the feature
 * bits that describe instructions (SSE, AVX, AVX-512, ...) stay the host's, because the
 * program's code runs on the host.
 */
#ifndef TH_SIM_IDENTITY_H
#define TH_SIM_IDENTITY_H

#include <stdbool.h>
#include <stddef.h>

#define TH_SIM_VENDOR "GenuineIntel"
#define TH_SIM_FAMILY 6u
#define TH_SIM_MODEL 0x6au
#define TH_SIM_STEPPING 6u
/* CPUID.1:EAX of that part: extended model 6, family 6, model 0xA, stepping 6 */
#define TH_SIM_CPUID1_EAX 0x000606a6u
/* CPUID 0x80000002..4: at most 47 characters and a NUL */
#define TH_SIM_BRAND "Intel(R) Xeon(R) CPU (teehost simulated SGX)"
_Static_assert(sizeof(TH_SIM_BRAND) <= 48, "brand string is 48 bytes of CPUID");

struct th_sim_identity {
	const char *vendor;
	const char *brand;
	unsigned family, model, stepping;
	unsigned max_leaf;      /* CPUID.0:EAX, the "cpuid level" of /proc/cpuinfo */
	bool flc;               /* sgx_lc: launch control the kernel may use */
};

/* The host's /proc/cpuinfo text IN rewritten for ID: a malloc'd NUL-terminated string of
 * *OUT_LEN bytes, or NULL when out of memory. */
char *th_sim_cpuinfo_rewrite(const char *in, size_t len, const struct th_sim_identity *id,
			     size_t *out_len) __attribute__((visibility("hidden")));

/* A kernel configuration's text with CONFIG_X86_SGX=y (set once, in place of any setting of
 * it, else appended): malloc'd, NUL-terminated, or NULL when out of memory. */
char *th_sim_kconfig_rewrite(const char *in, size_t len, size_t *out_len)
	__attribute__((visibility("hidden")));

#endif
