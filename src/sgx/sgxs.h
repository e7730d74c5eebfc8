/* SPDX-License-Identifier: MIT */
/*
 * Fortanix SGXS streams. An SGXS file is exactly the byte stream that ECREATE, EADD and EEXTEND
 * feed into MRENCLAVE (SDM vol. 3D): 64-byte records, each EEXTEND record followed by the 256
 * bytes it measures. So SHA-256 of a well-formed .sgxs file is the enclave's MRENCLAVE, and the
 * plan built here measures to exactly that (it round-trips).
 *
 * Accepted (the canonical form Fortanix's tools write): one ECREATE first; then per page an EADD
 * (page-aligned offset, SECINFO with reserved bytes zero) followed by EEXTENDs of that page's
 * chunks in ascending order, each at most once. Pages with no EEXTEND are added unmeasured and
 * zero. Anything else (unknown tags such as UNMEASRD, EEXTEND of an earlier page, chunks out of
 * order) is refused rather than given a plan that would measure differently.
 *
 * No page data is copied: every non-zero 256-byte chunk becomes a plan patch pointing into the
 * caller's bytes (24 bytes of plan per such chunk), zero chunks cost nothing. Pure: takes bytes.
 */
#ifndef TEEHOST_SGX_SGXS_H
#define TEEHOST_SGX_SGXS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgx/plan.h"
#include "util/err.h"

#define TH_SGXS_RECORD 64u

/* True when DATA starts with an SGXS ECREATE record. */
bool th_sgxs_detect(const uint8_t *data, size_t len);

/* Build PLAN (initialised by the caller with TH_FORMAT_SGXS) from DATA; does not finalize. */
int th_sgxs_plan_build(const uint8_t *data, size_t len, struct th_plan *plan, struct th_err *err);

#endif
