/* SPDX-License-Identifier: MIT */
/* The TDX side of teehost attest (src/cli/attest-tdx.c), called from src/cli/attest.c. */
#ifndef TEEHOST_CLI_ATTEST_TDX_H
#define TEEHOST_CLI_ATTEST_TDX_H

#include <stdbool.h>

#include "attest/attest.h"

/* write the simulated TDX platform's collateral into DIR: EXIT_OK or EXIT_FAIL (printed) */
int attest_tdx_collateral(const char *dir, enum th_tcb_scenario tcb, bool quiet);
/* after th_attest_verify passed on a TDX quote: the TDX-only checks into R (non-zero: error) */
int attest_tdx_verify(const struct th_quote *q, const char *dir, struct th_verify_result *r);

#endif
