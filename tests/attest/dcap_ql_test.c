/* SPDX-License-Identifier: MIT */
/*
 * Quotes the sample enclave through libsgx_dcap_ql.so.1 only, by Intel's function names
 * (dlopen: no teehost header for the quoting side), as an SGX application does:
 *   dcap_ql_test LIB SAMPLE OUT  -> target info, EREPORT, quote size, quote -> OUT
 * and prints the quote3_error_t of the failure cases: a wrong size, a report with one bit
 * flipped. Exit 0 when every call answered what Intel's library answers.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgx/arch.h"
#include "sgx/image.h"
#include "sgx/sigstruct.h"
#include "launch/launch.h"
#include "teehost/sample_abi.h"
#include "util/file.h"

typedef int (*ti_fn)(void *);
typedef int (*size_fn)(uint32_t *);
typedef int (*quote_fn)(const void *, uint32_t, uint8_t *);

static int report_of(const char *path, const void *ti, void *report)
{
	struct teehost_loader_opts opts = { .sz = sizeof(opts) };
	struct th_sgx_status st;
	struct teehost_enclave *e = NULL;
	struct th_image img;
	struct th_err err = { { 0 } };
	struct th_sample_call call;
	uint8_t rd[64] = "dcap_ql_test";
	int rc = -1;

	if (!th_launch_throwaway(path, &opts, &img, &e, &st, &err) &&
	    !th_sample_enter(e, 0, &call, TH_SAMPLE_OP_REPORT, (uint64_t)(uintptr_t)ti,
			     (uint64_t)(uintptr_t)rd, (uint64_t)(uintptr_t)report, &err) &&
	    call.status == 0)
		rc = 0;
	if (rc)
		fprintf(stderr, "%s: %s\n", path, err.msg[0] ? err.msg : "EREPORT failed");
	teehost_enclave_destroy(e);
	th_image_close(&img);
	return rc;
}

int main(int argc, char **argv)
{
	static uint8_t ti[512] __attribute__((aligned(512))), rep[512] __attribute__((aligned(512)));
	struct th_err err = { { 0 } };
	void *lib;
	ti_fn get_ti;
	size_fn get_size;
	quote_fn get_quote;
	uint32_t size = 0;
	uint8_t *q;
	int rc;

	if (argc != 4)
		return fprintf(stderr, "usage: dcap_ql_test LIB SAMPLE OUT\n"), 2;
	lib = dlopen(argv[1], RTLD_NOW);
	if (!lib)
		return fprintf(stderr, "%s\n", dlerror()), 1;
	get_ti = (ti_fn)dlsym(lib, "sgx_qe_get_target_info");
	get_size = (size_fn)dlsym(lib, "sgx_qe_get_quote_size");
	get_quote = (quote_fn)dlsym(lib, "sgx_qe_get_quote");
	if (!get_ti || !get_size || !get_quote || !dlsym(lib, "sgx_qe_cleanup_by_policy") ||
	    !dlsym(lib, "sgx_ql_set_path"))
		return fprintf(stderr, "an API function is missing\n"), 1;
	rc = get_ti(ti);
	printf("sgx_qe_get_target_info %#x\n", rc);
	if (rc)
		return 1;
	if (report_of(argv[2], ti, rep))
		return 1;
	rc = get_size(&size);
	printf("sgx_qe_get_quote_size %#x\n", rc);
	if (rc || !(q = malloc(size)))
		return 1;
	printf("wrong size %#x\n", get_quote(rep, size - 1, q));
	rep[100] ^= 1;
	printf("flipped report %#x\n", get_quote(rep, size, q));
	rep[100] ^= 1;
	rc = get_quote(rep, size, q);
	printf("sgx_qe_get_quote %#x\n", rc);
	if (rc || th_write_file_atomic(argv[3], q, size, 0644, 0, &err))
		return 1;
	free(q);
	return 0;
}
