/* SPDX-License-Identifier: MIT */
/*
 * The one MRENCLAVE engine. It hashes the same 64-byte records that ECREATE, EADD and EEXTEND
 * feed into SECS.MRENCLAVE (SDM vol. 3D, "ECREATE/EADD/EEXTEND: operation"):
 *   ECREATE: "ECREATE\0" | SSAFRAMESIZE (u32) | SIZE (u64) | 44 zero bytes
 *   EADD:    "EADD\0\0\0\0" | page offset (u64) | SECINFO[0..48)
 *   EEXTEND: "EEXTEND\0" | chunk offset (u64) | 48 zero bytes | the 256 bytes of data
 * The page-level call assembles a whole page's records and hashes them in one update, which is
 * what makes measuring run near SHA-256's own speed. Measuring, signing and the simulator's
 * EEXTEND all use this engine.
 */
#ifndef TEEHOST_SGX_MEASURE_H
#define TEEHOST_SGX_MEASURE_H

#include <stdint.h>

#include "sgx/arch.h"

struct evp_md_ctx_st;

struct th_mr {
	struct evp_md_ctx_st *md;
	/* Records are batched two pages' worth (10 KiB) per SHA-256 update: large enough to make
	 * the per-call cost vanish, small enough to stay in L1 with the page being read. Four
	 * pages measured 0.73-0.76x OpenSSL's raw SHA-256, two pages 0.76-0.77x (bench/measure). */
	uint32_t fill;
	uint8_t buf[2 * (64 + SGX_CHUNKS_PER_PAGE * (64 + SGX_EEXTEND_CHUNK))];
};

/* Returns 0 or -ENOMEM. */
int th_mr_init(struct th_mr *mr, uint32_t ssa_frame_size, uint64_t enclave_size);
void th_mr_eadd(struct th_mr *mr, uint64_t offset, uint64_t secinfo_flags);
void th_mr_eextend(struct th_mr *mr, uint64_t offset, const uint8_t chunk[SGX_EEXTEND_CHUNK]);
/* EADD of PAGE at OFFSET followed by EEXTEND of every chunk whose bit is set in MEASURE_MASK. */
void th_mr_add_page(struct th_mr *mr, uint64_t offset, uint64_t secinfo_flags,
		    const uint8_t page[SGX_PAGE_SIZE], uint16_t measure_mask);
/* Writes the digest and releases the context. Returns 0 or -EIO. */
int th_mr_final(struct th_mr *mr, uint8_t out[32]);
/* Releases the context without a digest (safe on an initialised or finalised context). */
void th_mr_abort(struct th_mr *mr);

#endif
