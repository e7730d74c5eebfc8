/* SPDX-License-Identifier: MIT */
/*
 * The call ABI of teehost's sample enclave (enclaves/sample/, installed as
 * PREFIX/share/teehost/sample.elf). Shared by the enclave and by hosts that run it.
 *
 * Entering: EENTER on any of the enclave's TH_SAMPLE_TCS_COUNT TCSs (pages 0 and 1 of the
 * enclave), with RDI = address of a struct th_sample_call in host memory (outside the enclave).
 * The host sets magic, op and args; the enclave writes ret and status.
 *
 * Inside, the entry stub finds the TCS's own stack (TH_SAMPLE_STACK_SIZE each), saves the host's
 * RSP, RBP and the return address (RCX at EENTER), calls the C dispatcher, then EEXITs to that
 * return address with RSP and RBP restored, R12-R15 preserved (callee-saved in the dispatcher),
 * RCX/RDX/RSI/RDI/R8-R11 zeroed and RAX = 4 (the EEXIT leaf, which ENCLU requires in RAX; the
 * call's own result is in the struct, never in a register). No SSE state is used inside.
 * An entry with CSSA != 0 (RAX at EENTER) or on an unknown TCS exits at once, touching nothing.
 *
 * Layout of sample.elf (the kernel selftest's convention, see src/sgx/elf.h): PT_LOAD segment 0
 * holds the TCS pages; code is R|X, data R|W; the SSA frames (one per TCS, SSA frame size 1),
 * the stacks and the heap are zero-initialised NOBITS pages at the end of the R|W segment, and
 * everything is measured. No segment is writable and executable and PT_GNU_STACK is R|W.
 */
#ifndef TEEHOST_SAMPLE_ABI_H
#define TEEHOST_SAMPLE_ABI_H

#include <stdint.h>

#define TH_SAMPLE_MAGIC 0x706d617368656574ull      /* "teehsamp", little-endian */

#define TH_SAMPLE_TCS_COUNT 2
#define TH_SAMPLE_STACK_SIZE (16 * 1024)
#define TH_SAMPLE_HEAP_SIZE (64 * 1024)

struct th_sample_call {
	uint64_t magic;         /* TH_SAMPLE_MAGIC */
	uint64_t op;            /* enum th_sample_op */
	uint64_t args[4];
	uint64_t ret;           /* out */
	int64_t status;         /* out: 0 ok, -22 (EINVAL) for a bad magic, op or buffer */
};

enum th_sample_op {
	TH_SAMPLE_OP_ADD = 1,    /* ret = args[0] + args[1] */
	TH_SAMPLE_OP_HASH = 2,   /* ret = FNV-1a 64 of host buffer args[0], length args[1] */
	TH_SAMPLE_OP_STORE = 3,  /* keep args[0] in enclave memory */
	TH_SAMPLE_OP_LOAD = 4,   /* ret = stored value */
	TH_SAMPLE_OP_REPORT = 5, /* EREPORT: TARGETINFO (512 B) at args[0], 64-byte REPORTDATA at
				  * args[1], REPORT (432 B) out to args[2] */
	TH_SAMPLE_OP_GETKEY = 6, /* EGETKEY: KEYREQUEST (512 B) at args[0], 16-byte key out to
				  * args[1]; status = EGETKEY's error code (0 on success) */
};

#define TH_SAMPLE_EINVAL (-22)

/* FNV-1a 64 (for hosts checking TH_SAMPLE_OP_HASH) */
#define TH_SAMPLE_FNV_OFFSET 0xcbf29ce484222325ull
#define TH_SAMPLE_FNV_PRIME 0x100000001b3ull

#endif
