/* SPDX-License-Identifier: MIT */
/* The TDX side of teehost attest (src/cli/attest-tdx.c), called from src/cli/attest.c. */
#ifndef TEEHOST_CLI_ATTEST_TDX_H
#define TEEHOST_CLI_ATTEST_TDX_H

#include <stdbool.h>

#include "attest/attest.h"

/*
 * Write the collateral O describes for PCK, signed by CA, into DIR and (unless QUIET) print
 * its FMSPC, PCEID, TCB and root key; TEE is "" or "TDX ". The one writer behind attest
 * collateral for SGX (src/cli/attest.c) and TDX, so both say the same. EXIT_OK or EXIT_FAIL.
 */
int attest_write_collateral(const char *dir, const struct th_attest_ca *ca, struct x509_st *pck,
			    const struct th_collateral_opts *o, const char *tee, bool quiet);
/* write the simulated TDX platform's collateral into DIR: EXIT_OK or EXIT_FAIL (printed) */
int attest_tdx_collateral(const char *dir, enum th_tcb_scenario tcb, bool quiet);
/* after th_attest_verify passed on a TDX quote: the TDX-only checks into R (non-zero: error) */
int attest_tdx_verify(const struct th_quote *q, const char *dir, struct th_verify_result *r);

#endif
