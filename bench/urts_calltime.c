/* SPDX-License-Identifier: MIT */
/*
 * bench/urts_calltime.so: an LD_PRELOAD for bench/urts.sh that times what a runtime spends
 * inside libsgx_enclave_common.so.1 to create enclaves: enclave_create(_ex), enclave_load_data
 * and enclave_initialize, in thread CPU time. The simulator answers the device in the calling
 * thread, so this is the library and the device work it asks for, and neither the runtime's
 * own work nor the neighbours on a shared machine. Whichever library comes next in the lookup
 * order (ours or Intel's) is the one timed. At exit it appends to $URTS_CALLTIME_OUT:
 *   CALLTIME creates=N cpu=SECONDS
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define API __attribute__((visibility("default")))

static _Atomic uint64_t spent_ns;
static atomic_uint creates;

static uint64_t thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *next(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	if (!f) {
		fprintf(stderr, "urts_calltime: no %s after this library\n", name);
		abort();
	}
	return f;
}

/* Time CALL (an expression) into the total. */
#define TIMED(call) ({ uint64_t t0_ = thread_ns(); __typeof__(call) r_ = (call); \
		       spent_ns += thread_ns() - t0_; r_; })

API void *enclave_create_ex(void *base, size_t size, size_t commit, uint32_t type,
			    const void *info, size_t info_size, const uint32_t ex_features,
			    const void *ex_features_p[32], uint32_t *error)
{
	static void *(*real)(void *, size_t, size_t, uint32_t, const void *, size_t,
			     const uint32_t, const void *[32], uint32_t *);

	if (!real)
		real = next("enclave_create_ex");
	creates++;
	return TIMED(real(base, size, commit, type, info, info_size, ex_features, ex_features_p,
			  error));
}

API void *enclave_create(void *base, size_t size, size_t commit, uint32_t type,
			 const void *info, size_t info_size, uint32_t *error)
{
	static void *(*real)(void *, size_t, size_t, uint32_t, const void *, size_t, uint32_t *);

	if (!real)
		real = next("enclave_create");
	creates++;
	return TIMED(real(base, size, commit, type, info, info_size, error));
}

API size_t enclave_load_data(void *target, size_t size, const void *source, uint32_t props,
			     uint32_t *error)
{
	static size_t (*real)(void *, size_t, const void *, uint32_t, uint32_t *);

	if (!real)
		real = next("enclave_load_data");
	return TIMED(real(target, size, source, props, error));
}

API bool enclave_initialize(void *base, const void *info, size_t info_size, uint32_t *error)
{
	static bool (*real)(void *, const void *, size_t, uint32_t *);

	if (!real)
		real = next("enclave_initialize");
	return TIMED(real(base, info, info_size, error));
}

__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("URTS_CALLTIME_OUT");
	FILE *f = path && *path ? fopen(path, "a") : NULL;

	if (!f)
		return;
	fprintf(f, "CALLTIME creates=%u cpu=%.6f\n", (unsigned)creates, (double)spent_ns / 1e9);
	fclose(f);
}
