/* SPDX-License-Identifier: MIT */
/*
 * The simulated quoting enclave's door: a table the simulator's preload library exports
 * (src/sim/qe.c) and whoever runs under `teehost sim` finds with dlsym(RTLD_DEFAULT, ...):
 * the drop-in libsgx_dcap_ql.so.1 and `teehost attest`. The QE's keys never leave the
 * simulator; callers get TARGETINFO, quotes and the (public) PCK certificate.
 *
 * Return values are quote3_error_t codes (sgx_ql_lib_common.h), 0 on success; ERR gets a
 * one-line "FIELD: message" for the CLI.
 */
#ifndef TEEHOST_ATTEST_SIM_QE_H
#define TEEHOST_ATTEST_SIM_QE_H

#include <stddef.h>
#include <stdint.h>

#define TEEHOST_SIM_QE_SYMBOL "teehost_sim_qe_v1"

/* the quote3_error_t values the simulated QE returns (same numbers as Intel's) */
#define TH_QL_SUCCESS 0x0000
#define TH_QL_ERROR_UNEXPECTED 0xe001
#define TH_QL_ERROR_INVALID_PARAMETER 0xe002
#define TH_QL_ERROR_OUT_OF_MEMORY 0xe003
#define TH_QL_ATT_KEY_CERT_DATA_INVALID 0xe010
#define TH_QL_INVALID_REPORT 0xe015
#define TH_QL_UNSUPPORTED_LOADING_POLICY 0xe00c
#define TH_QL_ENCLAVE_LOAD_ERROR 0xe016
#define TH_QL_QUOTE_FORMAT_UNSUPPORTED 0xe01d

struct teehost_sim_qe_v1 {
	uint32_t size;                  /* sizeof(struct teehost_sim_qe_v1) */
	/* the QE's TARGETINFO (512 bytes) for the application's EREPORT */
	int (*target_info)(void *targetinfo);
	/* bytes a quote of VERSION (3 or 4) takes on this platform */
	int (*quote_size)(unsigned version, uint32_t *size, char *err, size_t errlen);
	/* quote REPORT (432 bytes, made by EREPORT to target_info): checks its MAC with the QE's
	 * report key, then signs; TH_QL_INVALID_REPORT if the MAC is wrong */
	int (*quote)(const void *report, unsigned version, uint8_t *out, uint32_t cap,
		     uint32_t *len, char *err, size_t errlen);
	/* the platform's PCK certificate, PEM, malloc'ed (the test CA is created on first use) */
	int (*pck_cert)(char **pem, char *err, size_t errlen);
};

#endif
