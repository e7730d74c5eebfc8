/* SPDX-License-Identifier: MIT */
/*
 * Static enclave ELFs: the kernel SGX selftest's test_encl.elf and teehost's sample enclave.
 * Pure: takes bytes (a bounds-checked reader of the ELF64 program headers; no libelf state).
 *
 * The convention (the selftest's load.c, made explicit):
 *  - Every PT_LOAD segment becomes pages at (p_vaddr - base), base being the first segment's
 *    page-rounded p_vaddr; other program headers are ignored. Segments must be in ascending
 *    address order and may not share a page.
 *  - PT_LOAD segment 0 holds the TCS pages, one TCS per page, and must be exactly PF_R|PF_W.
 *    TCS pages get SECINFO type TCS with no permission bits.
 *  - Every later segment is a regular page run whose R/W/X come from p_flags.
 *  - Everything is added and fully measured. Bytes from p_filesz to p_memsz are zero (stacks,
 *    SSA, heap: the sample enclave keeps them in .bss-like NOBITS sections). When
 *    p_memsz == p_filesz the rest of the last page comes from the file, exactly as the
 *    selftest loader copies it.
 *  - SECS.SIZE is the next power of two >= the image end (at least 8 KiB); SSA frame size 1.
 *  - Optionally (the selftest's heap_size) unmeasured R|W pages follow the image.
 * Each TCS is checked: OSSA page aligned and NSSA frames inside the enclave, OENTRY inside.
 */
#ifndef TEEHOST_SGX_ELF_H
#define TEEHOST_SGX_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgx/plan.h"
#include "util/err.h"

#define TH_ELF_MAX_SEGMENTS 64
#define TH_ELF_MAX_SIZE (1ull << 36)    /* 64 GiB of enclave address space */

struct th_elf_options {
	uint64_t heap_size;     /* bytes of unmeasured R|W pages after the image (rounded up) */
};

/* True for a little-endian ELF64 x86-64 file header. */
bool th_elf_detect(const uint8_t *data, size_t len);

/* Build PLAN from DATA (OPTS may be NULL); does not finalize. */
int th_elf_plan_build(const uint8_t *data, size_t len, const struct th_elf_options *opts,
		      struct th_plan *plan, struct th_err *err);

#endif
