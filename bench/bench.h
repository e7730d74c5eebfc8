/* SPDX-License-Identifier: MIT */
/*
 * What the benches share: thread CPU time (the machine is shared: wall time would measure the
 * neighbours), and the synthetic static enclave ELF bench/measure and bench/load time.
 */
#ifndef TEEHOST_BENCH_H
#define TEEHOST_BENCH_H

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../tests/unit/synth.h"

#define BENCH_CODE_OFFSET (3 * 4096)    /* where the code pages start in the file */

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * One TCS page (file offset 8192: OSSA 0x1000, NSSA 1, OENTRY 0x1000) and CODE bytes of R|X
 * pages at 0x1000 (file offset BENCH_CODE_OFFSET), filled by an xorshift from SEED so they do
 * not compress. A page-aligned malloc'd buffer of *LEN bytes, or NULL.
 */
static inline uint8_t *bench_elf(size_t code, uint64_t seed, size_t *len)
{
	uint8_t *buf;
	Elf64_Ehdr eh;
	Elf64_Phdr ph[2];
	uint64_t x = seed;

	*len = BENCH_CODE_OFFSET + code;
	buf = aligned_alloc(4096, *len);
	if (!buf)
		return NULL;
	memset(buf, 0, BENCH_CODE_OFFSET);
	for (size_t i = BENCH_CODE_OFFSET; i + 8 <= *len; i += 8) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
	synth_ehdr(&eh, ET_EXEC, 0, 2);
	memcpy(buf, &eh, sizeof(eh));
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 8192,
			      .p_vaddr = 0, .p_filesz = 4096, .p_memsz = 4096 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X,
			      .p_offset = BENCH_CODE_OFFSET, .p_vaddr = 4096, .p_filesz = code,
			      .p_memsz = code };
	memcpy(buf + sizeof(eh), ph, sizeof(ph));
	memcpy(buf + 8192 + 16, &(uint64_t){ 0x1000 }, 8);     /* TCS: OSSA */
	memcpy(buf + 8192 + 28, &(uint32_t){ 1 }, 4);           /* NSSA */
	memcpy(buf + 8192 + 32, &(uint64_t){ 0x1000 }, 8);     /* OENTRY */
	return buf;
}

#endif
