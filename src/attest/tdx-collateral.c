/* SPDX-License-Identifier: MIT */
/*
 * TCB info "TDX" v3, as Intel's PCS serves /tdx/certification/v4/tcb: the SGX levels of the
 * PCK's platform with tdxtcbcomponents (TEE_TCB_SVN) added, tdxModule (MRSIGNERSEAM, SEAM
 * attributes) and tdxModuleIdentities ("TDX_01"), signed by the TCB signing key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attest/collateral.h"
#include "attest/tdx.h"
#include "util/json.h"

/* ---- TCB info "TDX" v3: the SGX writer (src/attest/collateral.c) with the TDX parts ---- */

static void module_fields(struct json_writer *w)
{
	static const uint8_t mask[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	json_key(w, "mrsigner");
	th_json_hex_upper(w, tdx_sim_module.mr_signer_seam, 48);
	json_key(w, "attributes");
	th_json_hex_upper(w, tdx_sim_module.seam_attributes, 8);
	json_key(w, "attributesMask");
	th_json_hex_upper(w, mask, 8);
}

static void tdx_module_json(struct json_writer *w, const struct th_collateral_opts *o)
{
	char id[16];

	json_key(w, "tdxModule");
	json_begin_object(w);
	module_fields(w);
	json_end_object(w);
	json_key(w, "tdxModuleIdentities");
	json_begin_array(w);
	json_begin_object(w);
	snprintf(id, sizeof(id), "TDX_%02X", tdx_sim_module.tee_tcb_svn[1]);
	json_key(w, "id");
	json_str(w, id);
	module_fields(w);
	json_key(w, "tcbLevels");
	json_begin_array(w);
	json_begin_object(w);
	json_key(w, "tcb");
	json_begin_object(w);
	json_key(w, "isvsvn");
	json_uint(w, tdx_sim_module.tee_tcb_svn[0]);
	json_end_object(w);
	th_json_tcb_status(w, o->now - 86400, "UpToDate");
	json_end_object(w);
	json_end_array(w);
	json_end_object(w);
	json_end_array(w);
}

int tdx_tcb_info_json(const struct th_attest_ca *ca, const struct th_pck_ext *pck,
		      const struct th_collateral_opts *o, char **out, struct th_err *err)
{
	return th_tcb_info_write(ca, pck, o, "TDX", tdx_sim_module.tee_tcb_svn, tdx_module_json,
				 out, err);
}
