/* SPDX-License-Identifier: MIT */
/*
 * Flat enclave images (enarx-sgx's encl.bin, and the layout the kernel selftest gives an ELF):
 * the file is the enclave from offset 0. Page 0 is a TCS (SECINFO: type TCS, no permissions),
 * every further page is a regular R|W|X page; everything is added and fully measured, a short
 * last page is zero-padded. SECS.SIZE is the next power of two >= the padded image (at least
 * two pages), SSA frame size 1. There is no magic number, so this format is only used when the
 * caller asks for it (`--flat`). Pure: takes bytes.
 */
#ifndef TEEHOST_SGX_FLAT_H
#define TEEHOST_SGX_FLAT_H

#include <stddef.h>
#include <stdint.h>

#include "sgx/plan.h"
#include "util/err.h"

/* Largest flat image accepted (SECS.SIZE stays sensible). */
#define TH_FLAT_MAX_SIZE (1ull << 36)

int th_flat_plan_build(const uint8_t *data, size_t len, struct th_plan *plan, struct th_err *err);

/* Smallest power of two >= N (N <= 2^63), at least MIN. */
uint64_t th_next_pow2(uint64_t n, uint64_t min);

#endif
