/* SPDX-License-Identifier: MIT */
#include <cpuid.h>
#include <errno.h>
#include <string.h>

#include "launch/sdk_call.h"

/* The runtime's system_features_t (rts.h); SDK 1.x reads only the first two fields. */
struct sdk_system_features {
	uint64_t cpu_features;
	uint32_t version;               /* sdk_version_t: 0 = 1.5, 1 = 2.0, ... */
	uint32_t pad;
	uint64_t system_feature_set[1]; /* bit 62: the fields after 'sealed_key' are valid */
	uint32_t cpuinfo_table[8][4];
	uint8_t *sealed_key;
	uint64_t size;
	uint64_t cpu_features_ext;
	uint32_t cpu_core_num;
	uint32_t pad2;
};
_Static_assert(offsetof(struct sdk_system_features, system_feature_set) == 16, "rts.h layout");
_Static_assert(offsetof(struct sdk_system_features, sealed_key) == 152, "rts.h layout");
_Static_assert(offsetof(struct sdk_system_features, cpu_core_num) == 176, "rts.h layout");

/*
 * The feature bits (se_cpu_feature_defs.h) up to SSE4.2, the trts's baseline: set only when
 * CPUID says so, each with all the bits below it, as the runtime's consistency check wants.
 */
static uint64_t cpu_features(void)
{
	unsigned a, b, c, d;
	uint64_t f = 0x1;               /* GENERIC_IA32 */

	if (!__get_cpuid(1, &a, &b, &c, &d))
		return f;
	if (d & 0x1) f |= 0x2;        /* FPU */
	if ((f & 0x2) && (d & bit_CMOV)) f |= 0x4;
	if ((f & 0x4) && (d & bit_MMX)) f |= 0x8;
	if ((f & 0x8) && (d & bit_FXSAVE)) f |= 0x10;
	if ((f & 0x10) && (d & bit_SSE)) f |= 0x20;
	if ((f & 0x20) && (d & bit_SSE2)) f |= 0x40;
	if ((f & 0x40) && (c & bit_SSE3)) f |= 0x80;
	if ((f & 0x80) && (c & bit_SSSE3)) f |= 0x100;
	if ((f & 0x100) && (c & bit_SSE4_1)) f |= 0x200;
	if ((f & 0x200) && (c & bit_SSE4_2)) f |= 0x400;
	return f;
}

int th_sdk_ecall(struct teehost_enclave *e, size_t tcs, int64_t index, void *ms,
		 uint64_t *status, struct th_err *err)
{
	struct teehost_enter io;
	int rc;

	memset(&io, 0, sizeof(io));
	io.rdi = (uint64_t)index;
	io.rsi = (uint64_t)(uintptr_t)ms;
	rc = th_enclave_enter(e, tcs, &io, err);
	if (rc < 0)
		return rc;
	if ((int64_t)io.rdi != TH_SDK_OCMD_ERET)
		return th_fail(err, ENOTSUP, "ecall", "ECALL %lld made OCALL %lld: teehost has no "
			       "EDL for this enclave and cannot serve it", (long long)index,
			       (long long)(int64_t)io.rdi);
	*status = io.rsi;
	return 0;
}

int th_sdk_init(struct teehost_enclave *e, size_t tcs, uint32_t metadata_major,
		uint64_t *status, struct th_err *err)
{
	struct sdk_system_features sf __attribute__((aligned(64)));

	memset(&sf, 0, sizeof(sf));
	sf.cpu_features = cpu_features();
	sf.version = metadata_major >= 2 ? 1 : 0;
	return th_sdk_ecall(e, tcs, TH_SDK_ECMD_INIT_ENCLAVE, &sf, status, err);
}
