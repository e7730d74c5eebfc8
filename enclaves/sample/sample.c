/* SPDX-License-Identifier: MIT */
/*
 * The sample enclave's dispatcher: freestanding C, no libc. Everything it reads from the host
 * is read once into enclave memory before use, and every host buffer must lie wholly outside
 * the enclave's address range.
 */
#include <stddef.h>
#include <stdint.h>

#include "teehost/sample_abi.h"

#pragma GCC visibility push(hidden)

extern char __encl_base[], __encl_end[];

void sample_dispatch(struct th_sample_call *call);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

/* The compiler may emit calls to these even in freestanding code. */
void *memcpy(void *dst, const void *src, size_t n)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	volatile uint8_t *d = dst;

	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

static uint64_t stored_value;
static uint8_t heap[TH_SAMPLE_HEAP_SIZE] __attribute__((aligned(4096), used));

/* ELRANGE as teehost lays this image out: SECS.SIZE is the next power of two >= the image. */
static int outside_enclave(uint64_t p, uint64_t len)
{
	uint64_t base = (uint64_t)(uintptr_t)__encl_base;
	uint64_t image = (uint64_t)(uintptr_t)__encl_end - base, size = 8192;

	while (size < image)
		size <<= 1;
	if (p + len < p)
		return 0;
	return p + len <= base || p >= base + size;
}

static void host_read(void *dst, uint64_t src, size_t n)
{
	memcpy(dst, (const void *)(uintptr_t)src, n);
}

static void host_write(uint64_t dst, const void *src, size_t n)
{
	memcpy((void *)(uintptr_t)dst, src, n);
}

static int64_t do_report(const uint64_t args[4])
{
	uint8_t targetinfo[512] __attribute__((aligned(512)));
	uint8_t reportdata[64] __attribute__((aligned(128)));
	uint8_t report[432] __attribute__((aligned(512)));

	if (!outside_enclave(args[0], sizeof(targetinfo)) ||
	    !outside_enclave(args[1], sizeof(reportdata)) || !outside_enclave(args[2], sizeof(report)))
		return TH_SAMPLE_EINVAL;
	host_read(targetinfo, args[0], sizeof(targetinfo));
	host_read(reportdata, args[1], sizeof(reportdata));
	__asm__ volatile("enclu"
			 :
			 : "a"(0), "b"(targetinfo), "c"(reportdata), "d"(report)
			 : "memory");
	host_write(args[2], report, sizeof(report));
	return 0;
}

static int64_t do_getkey(const uint64_t args[4])
{
	uint8_t keyrequest[512] __attribute__((aligned(512)));
	uint8_t key[16] __attribute__((aligned(16)));
	uint64_t rax = 1;       /* EGETKEY */

	if (!outside_enclave(args[0], sizeof(keyrequest)) || !outside_enclave(args[1], sizeof(key)))
		return TH_SAMPLE_EINVAL;
	host_read(keyrequest, args[0], sizeof(keyrequest));
	memset(key, 0, sizeof(key));
	__asm__ volatile("enclu" : "+a"(rax) : "b"(keyrequest), "c"(key) : "memory", "cc");
	if (rax == 0)
		host_write(args[1], key, sizeof(key));
	memset(key, 0, sizeof(key));    /* memset here is the volatile one above */
	return (int64_t)rax;
}

void sample_dispatch(struct th_sample_call *call)
{
	uint64_t p = (uint64_t)(uintptr_t)call;
	struct th_sample_call c;
	int64_t status = 0;
	uint64_t ret = 0;

	if (!outside_enclave(p, sizeof(c)))
		return;
	host_read(&c, p, sizeof(c));
	if (c.magic != TH_SAMPLE_MAGIC) {
		status = TH_SAMPLE_EINVAL;
		goto out;
	}
	switch (c.op) {
	case TH_SAMPLE_OP_ADD:
		ret = c.args[0] + c.args[1];
		break;
	case TH_SAMPLE_OP_HASH: {
		const volatile uint8_t *b = (const volatile uint8_t *)(uintptr_t)c.args[0];
		uint64_t h = TH_SAMPLE_FNV_OFFSET;

		if (!outside_enclave(c.args[0], c.args[1])) {
			status = TH_SAMPLE_EINVAL;
			break;
		}
		for (uint64_t i = 0; i < c.args[1]; i++) {
			h ^= b[i];
			h *= TH_SAMPLE_FNV_PRIME;
		}
		ret = h;
		break;
	}
	case TH_SAMPLE_OP_STORE:
		__atomic_store_n(&stored_value, c.args[0], __ATOMIC_SEQ_CST);
		break;
	case TH_SAMPLE_OP_LOAD:
		ret = __atomic_load_n(&stored_value, __ATOMIC_SEQ_CST);
		break;
	case TH_SAMPLE_OP_REPORT:
		status = do_report(c.args);
		break;
	case TH_SAMPLE_OP_GETKEY:
		status = do_getkey(c.args);
		break;
	default:
		status = TH_SAMPLE_EINVAL;
		break;
	}
out:
	host_write(p + offsetof(struct th_sample_call, ret), &ret, sizeof(ret));
	host_write(p + offsetof(struct th_sample_call, status), &status, sizeof(status));
}
