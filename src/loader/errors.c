/* SPDX-License-Identifier: MIT */
/*
 * The loader's errors: one failure report (errno, common-loader code, step), the mapping of
 * errnos and ENCLS error codes to enclave_error_t, and the diagnosis of an EINIT the driver
 * refused without saying why. Plus the log line helper every step uses.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "loader/internal.h"
#include "sgx/sigstruct.h"
#include "sgx_enclave_common.h"

int th_lfail(struct th_sgx_status *st, struct th_err *err, const char *step, uint32_t code,
	     int errnum, const char *fmt, ...)
{
	va_list ap;

	if (st) {
		st->code = code;
		st->step = step;
	}
	va_start(ap, fmt);
	th_vfail(err, errnum, step, fmt, ap);
	va_end(ap);
	return -errnum;
}

uint32_t th_loader_errno_code(const char *step, int errnum)
{
	bool epc_step = !strcmp(step, "create") || !strcmp(step, "add");

	switch (errnum) {
	case 0:
		return ENCLAVE_ERROR_SUCCESS;
	case ENOMEM:
		/* ECREATE/EADD run out of EPC; anything else ran out of ordinary memory */
		return epc_step ? ENCLAVE_DEVICE_NO_RESOURCES : ENCLAVE_OUT_OF_MEMORY;
	case EINVAL:
		return ENCLAVE_INVALID_PARAMETER;
	case EEXIST:
		return ENCLAVE_INVALID_ADDRESS;
	case EACCES:
		return ENCLAVE_NOT_AUTHORIZED;
	case EPERM:
		if (!strcmp(step, "open") || !strcmp(step, "probe"))
			return ENCLAVE_NOT_AUTHORIZED;
		if (!strcmp(step, "map") || !strcmp(step, "reserve"))
			return ENCLAVE_MEMORY_MAP_FAILURE;
		return ENCLAVE_UNEXPECTED;
	case EIO:
		return !strcmp(step, "init") ? ENCLAVE_LOST : ENCLAVE_UNEXPECTED;
	case ENOENT:
	case ENODEV:
	case ENXIO:
	case ENOTTY:
		return ENCLAVE_NOT_SUPPORTED;
	default:
		return ENCLAVE_UNEXPECTED;
	}
}

uint32_t th_loader_sgx_code(int sgx_error)
{
	switch (sgx_error) {
	case SGX_SUCCESS:
		return ENCLAVE_ERROR_SUCCESS;
	case SGX_INVALID_SIG_STRUCT:
		return ENCLAVE_INVALID_SIG_STRUCT;
	case SGX_INVALID_SIGNATURE:
		return ENCLAVE_INVALID_SIGNATURE;
	case SGX_INVALID_ATTRIBUTE:
		return ENCLAVE_INVALID_ATTRIBUTE;
	case SGX_INVALID_MEASUREMENT:
		return ENCLAVE_INVALID_MEASUREMENT;
	case SGX_UNMASKED_EVENT:
		return ENCLAVE_RETRY;
	case SGX_INVALID_EINITTOKEN:
		return ENCLAVE_NOT_AUTHORIZED;
	case 0x40000000: /* isgx: power lost */
		return ENCLAVE_LOST;
	case 0x40000002: /* Intel's SGX_INVALID_PRIVILEGE */
		return ENCLAVE_NOT_AUTHORIZED;
	default:
		return ENCLAVE_UNEXPECTED;
	}
}

const char *th_sgx_error_name(int e)
{
	switch (e) {
	case SGX_INVALID_SIG_STRUCT: return "SGX_INVALID_SIG_STRUCT";
	case SGX_INVALID_ATTRIBUTE: return "SGX_INVALID_ATTRIBUTE";
	case SGX_INVALID_MEASUREMENT: return "SGX_INVALID_MEASUREMENT";
	case SGX_INVALID_SIGNATURE: return "SGX_INVALID_SIGNATURE";
	case SGX_INVALID_EINITTOKEN: return "SGX_INVALID_EINITTOKEN";
	case SGX_UNMASKED_EVENT: return "SGX_UNMASKED_EVENT";
	case SGX_INVALID_CPUSVN: return "SGX_INVALID_CPUSVN";
	case SGX_INVALID_ISVSVN: return "SGX_INVALID_ISVSVN";
	case 0x40000000: return "SGX_POWER_LOST_ENCLAVE";
	case 0x40000001: return "SGX_LE_ROLLBACK";
	default: return "SGX error";
	}
}

int th_einit_diagnose(const struct th_encl *e, const struct sgx_sigstruct *ss)
{
	static const uint8_t h1[16] = SGX_SIGSTRUCT_HEADER1, h2[16] = SGX_SIGSTRUCT_HEADER2;
	uint64_t want_flags, have_flags, want_xfrm, have_xfrm;

	/* header1's type dword may carry the debug bit (0x80000000) */
	if (memcmp(ss->header1, h1, 12) || memcmp(ss->header1 + 12, h1 + 12, 3) ||
	    memcmp(ss->header2, h2, 16) || ss->exponent != 3 ||
	    (ss->vendor != 0 && ss->vendor != SGX_SIGSTRUCT_VENDOR_INTEL))
		return SGX_INVALID_SIG_STRUCT;
	if (th_sigstruct_verify(ss, NULL) < 0)
		return SGX_INVALID_SIGNATURE;
	/* a debug signer's SIGSTRUCT (header type bit 31) launches debug enclaves only */
	if ((ss->header1[15] & 0x80) && !(e->attributes.flags & SGX_ATTR_DEBUG))
		return SGX_INVALID_SIG_STRUCT;
	want_flags = ss->attributes.flags & ss->attribute_mask.flags;
	have_flags = e->attributes.flags & ss->attribute_mask.flags;
	want_xfrm = ss->attributes.xfrm & ss->attribute_mask.xfrm;
	have_xfrm = e->attributes.xfrm & ss->attribute_mask.xfrm;
	if (want_flags != have_flags || want_xfrm != have_xfrm ||
	    (ss->miscselect & ss->miscmask) != (e->miscselect & ss->miscmask))
		return SGX_INVALID_ATTRIBUTE;
	if (e->have_mrenclave && memcmp(e->mrenclave, ss->enclave_hash, 32))
		return SGX_INVALID_MEASUREMENT;
	if (!e->have_mrenclave && e->mr_elided)
		return SGX_INVALID_MEASUREMENT;     /* nothing else left on this driver */
	return 0;
}

void th_loader_log(const struct teehost_loader_opts *opts, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!opts || !opts->log)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	opts->log(opts->log_ctx, line);
}
