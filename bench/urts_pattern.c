/* SPDX-License-Identifier: MIT */
/*
 * bench/urts_pattern: libsgx_enclave_common.so.1 fed as Intel's urts feeds it -- one
 * enclave_load_data() call per page, zero pages with a NULL source, stack-like pages from an
 * unaligned buffer -- against a baseline of ours in the same run: the same pages through the
 * same library in one call per run with page-aligned sources. The ratio says what the per-call
 * path costs beyond the device work (1.0 = nothing). Thread CPU time, best of N (the simulator
 * runs in the calling thread; the machine is shared). Run under `teehost sim` (bench/urts.sh).
 *   bench/urts_pattern [SIZE_MIB [ROUNDS]]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "sgx_enclave_common.h"

/* A TCS: OSSA page 1, one SSA frame, entry page 2, FS/GS limits of a page. */
static void make_tcs(uint8_t *t)
{
	uint64_t ossa = 0x1000, oentry = 0x2000;
	uint32_t nssa = 1, lim = 0xfff;

	memset(t, 0, 4096);
	memcpy(t + 16, &ossa, 8);
	memcpy(t + 28, &nssa, 4);
	memcpy(t + 32, &oentry, 8);
	memcpy(t + 64, &lim, 4);
	memcpy(t + 68, &lim, 4);
}

/* One enclave: a TCS, DATA measured R|X pages, ZERO unmeasured R|W zero pages, STACK measured
 * 0xcc pages. PER_PAGE: urts' pattern; otherwise one call per run, aligned sources. */
static double load_once(uint64_t size, const uint8_t *data, size_t ndata, size_t nzero,
			const uint8_t *stack_odd, const uint8_t *stack_aligned, size_t nstack,
			const uint8_t *zeros, const uint8_t *tcs, int per_page, int *ok)
{
	enclave_create_sgx_t c;
	uint64_t flags = 0x6, xfrm = 3;  /* DEBUG | MODE64, x87 | SSE */
	uint32_t err = 0;
	double t0 = bench_now();
	uint8_t *b;
	size_t off = 4096;

	memset(&c, 0, sizeof(c));
	memcpy(c.secs, &size, 8);
	c.secs[16] = 1;
	memcpy(c.secs + 48, &flags, 8);
	memcpy(c.secs + 56, &xfrm, 8);
	b = enclave_create(NULL, size, size, ENCLAVE_TYPE_SGX1, &c, sizeof(c), &err);
	if (!b) {
		*ok = 0;
		return 0;
	}
	*ok &= enclave_load_data(b, 4096, tcs, ENCLAVE_PAGE_THREAD_CONTROL, &err) == 4096;
	if (per_page) {
		for (size_t i = 0; i < ndata; i++, off += 4096)
			*ok &= enclave_load_data(b + off, 4096, data + i * 4096, ENCLAVE_PAGE_READ |
						 ENCLAVE_PAGE_EXECUTE, &err) == 4096;
		for (size_t i = 0; i < nzero; i++, off += 4096)
			*ok &= enclave_load_data(b + off, 4096, NULL, ENCLAVE_PAGE_READ |
						 ENCLAVE_PAGE_WRITE | ENCLAVE_PAGE_UNVALIDATED,
						 &err) == 4096;
		for (size_t i = 0; i < nstack; i++, off += 4096)
			*ok &= enclave_load_data(b + off, 4096, stack_odd, ENCLAVE_PAGE_READ |
						 ENCLAVE_PAGE_WRITE, &err) == 4096;
	} else {
		*ok &= enclave_load_data(b + off, ndata * 4096, data, ENCLAVE_PAGE_READ |
					 ENCLAVE_PAGE_EXECUTE, &err) == ndata * 4096;
		off += ndata * 4096;
		*ok &= enclave_load_data(b + off, nzero * 4096, zeros, ENCLAVE_PAGE_READ |
					 ENCLAVE_PAGE_WRITE | ENCLAVE_PAGE_UNVALIDATED,
					 &err) == nzero * 4096;
		off += nzero * 4096;
		*ok &= enclave_load_data(b + off, nstack * 4096, stack_aligned, ENCLAVE_PAGE_READ |
					 ENCLAVE_PAGE_WRITE, &err) == nstack * 4096;
	}
	enclave_delete(b, &err);
	return bench_now() - t0;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 32;
	int rounds = argc > 2 ? atoi(argv[2]) : 3, ok = 1;
	size_t pages = mib << 8, ndata = pages / 8, nstack = pages / 16;
	size_t nzero = pages - 1 - ndata - nstack;
	uint64_t size = 8192, x = 0x2545f4914f6cdd1dull;
	uint8_t *data, *zeros, *stack, *odd, *tcs;
	double best_page = 1e9, best_run = 1e9;

	if (mib == 0 || rounds < 1)
		return 2;
	while (size < pages * 4096)
		size <<= 1;
	data = aligned_alloc(4096, ndata * 4096);
	zeros = aligned_alloc(4096, nzero * 4096);
	stack = aligned_alloc(4096, nstack * 4096);
	odd = malloc(4096 + 1);
	tcs = aligned_alloc(4096, 4096);
	if (!data || !zeros || !stack || !odd || !tcs)
		return 2;
	for (size_t i = 0; i + 8 <= ndata * 4096; i += 8) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		memcpy(data + i, &x, 8);
	}
	memset(zeros, 0, nzero * 4096);
	memset(stack, 0xcc, nstack * 4096);
	memset(odd, 0xcc, 4096 + 1);
	make_tcs(tcs);
	for (int r = 0; r < rounds; r++) {
		double a = load_once(size, data, ndata, nzero, odd + 1, stack, nstack, zeros, tcs, 1, &ok);
		double b = load_once(size, data, ndata, nzero, odd + 1, stack, nstack, zeros, tcs, 0, &ok);

		best_page = a < best_page ? a : best_page;
		best_run = b < best_run ? b : best_run;
	}
	if (!ok) {
		fprintf(stderr, "bench/urts_pattern: a load failed\n");
		return 1;
	}
	printf("urts pattern: %zu MiB (%zu pages: %zu data, %zu zero, %zu stack), best of %d\n",
	       mib, pages, ndata, nzero, nstack, rounds);
	printf("  one call per page (NULL, unaligned)  %8.3f s\n", best_page);
	printf("  one call per run (aligned) [baseline] %8.3f s\n", best_run);
	printf("  ratio per-page / baseline             %8.2f\n", best_page / best_run);
	return 0;
}
