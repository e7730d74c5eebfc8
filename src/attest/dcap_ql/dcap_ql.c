/* SPDX-License-Identifier: MIT */
/*
 * Drop-in libsgx_dcap_ql.so.1: Intel's quote library API (sgx_dcap_ql_wrapper.h) with the
 * same names, argument types and quote3_error_t codes, answered by the simulated quoting
 * enclave of `teehost sim` (attest/sim_qe.h). Outside the simulator there is no QE: every
 * call returns SGX_QL_ENCLAVE_LOAD_ERROR, as Intel's does on a machine without SGX.
 * sgx_ql_set_path and the load policy are accepted and ignored (nothing is loaded).
 */
#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

#include "attest/sim_qe.h"

#define API __attribute__((visibility("default")))

typedef int quote3_error_t;     /* an enum in Intel's header: same size and values */

static const struct teehost_sim_qe_v1 *qe(void)
{
	const struct teehost_sim_qe_v1 *t = dlsym(RTLD_DEFAULT, TEEHOST_SIM_QE_SYMBOL);

	return t && t->size >= sizeof(*t) ? t : NULL;
}

API quote3_error_t sgx_qe_set_enclave_load_policy(int policy)
{
	return policy == 0 || policy == 1 ? TH_QL_SUCCESS : TH_QL_UNSUPPORTED_LOADING_POLICY;
}

API quote3_error_t sgx_qe_get_target_info(void *p_qe_target_info)
{
	const struct teehost_sim_qe_v1 *q = qe();

	if (!p_qe_target_info)
		return TH_QL_ERROR_INVALID_PARAMETER;
	return q ? q->target_info(p_qe_target_info) : TH_QL_ENCLAVE_LOAD_ERROR;
}

API quote3_error_t sgx_qe_get_quote_size(uint32_t *p_quote_size)
{
	const struct teehost_sim_qe_v1 *q = qe();
	char err[256];

	if (!p_quote_size)
		return TH_QL_ERROR_INVALID_PARAMETER;
	return q ? q->quote_size(3, p_quote_size, err, sizeof(err)) : TH_QL_ENCLAVE_LOAD_ERROR;
}

API quote3_error_t sgx_qe_get_quote(const void *p_app_report, uint32_t quote_size,
				    uint8_t *p_quote)
{
	const struct teehost_sim_qe_v1 *q = qe();
	uint32_t need = 0, len = 0;
	char err[256];
	int rc;

	if (!p_app_report || !p_quote)
		return TH_QL_ERROR_INVALID_PARAMETER;
	if (!q)
		return TH_QL_ENCLAVE_LOAD_ERROR;
	rc = q->quote_size(3, &need, err, sizeof(err));
	if (rc)
		return rc;
	if (quote_size != need)     /* Intel's library insists on the exact size too */
		return TH_QL_ERROR_INVALID_PARAMETER;
	return q->quote(p_app_report, 3, p_quote, quote_size, &len, err, sizeof(err));
}

API quote3_error_t sgx_qe_cleanup_by_policy(void)
{
	return TH_QL_SUCCESS;
}

API quote3_error_t sgx_ql_set_path(int path_type, const char *p_path)
{
	if (!p_path || path_type < 0 || path_type > 3)
		return TH_QL_ERROR_INVALID_PARAMETER;
	return TH_QL_SUCCESS;
}
