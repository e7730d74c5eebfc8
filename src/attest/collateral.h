/* SPDX-License-Identifier: MIT */
/*
 * The PCS JSON writers of src/attest/collateral.c that the TDX collateral
 * (src/attest/tdx-collateral.c) reuses: PCS's "TDX" TCB info v3 is its "SGX" one with the TDX
 * parts added, so one writer serves both and the two cannot drift apart. Library-internal.
 */
#ifndef TEEHOST_ATTEST_COLLATERAL_H
#define TEEHOST_ATTEST_COLLATERAL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "attest/attest.h"
#include "util/json.h"

/* "tcbDate", "tcbStatus" and, unless UpToDate, "advisoryIDs" of one TCB level */
void th_json_tcb_status(struct json_writer *w, time_t date, const char *status);
/* B[0..N) (N <= 48) as an upper-case hex string, as PCS writes mrsigner and attributes */
void th_json_hex_upper(struct json_writer *w, const uint8_t *b, size_t n);
/*
 * Signed TCB info v3 with id ID for PCK's platform. TDX_SVN non-NULL adds "tdxtcbcomponents"
 * to every level; TEE_FIELDS non-NULL writes its fields between "tcbEvaluationDataNumber" and
 * "tcbLevels" (TDX: tdxModule, tdxModuleIdentities).
 */
int th_tcb_info_write(const struct th_attest_ca *ca, const struct th_pck_ext *pck,
		      const struct th_collateral_opts *o, const char *id, const uint8_t *tdx_svn,
		      void (*tee_fields)(struct json_writer *w, const struct th_collateral_opts *o),
		      char **out, struct th_err *err);

#endif
