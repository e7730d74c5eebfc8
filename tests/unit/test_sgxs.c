/* SPDX-License-Identifier: MIT */
/* SGXS stream -> page plan: the plan measures to SHA-256 of the stream; bad streams refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/sha.h>

#include "sgx/sgxs.h"
#include "synth.h"

#define TCS SGX_SECINFO_TYPE(SGX_PT_TCS)
#define RX (SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_X)
#define RW (SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W)

static uint8_t buf[1 << 20];

static int build(const uint8_t *d, size_t len, struct th_plan *plan, struct th_err *err)
{
	int ret;

	th_plan_init(plan, TH_FORMAT_SGXS);
	ret = th_sgxs_plan_build(d, len, plan, err);
	if (!ret)
		ret = th_plan_finalize(plan, err);
	return ret;
}

static void test_round_trip(void **state)
{
	struct th_plan plan;
	struct th_plan_stats st;
	struct th_err err = { { 0 } };
	uint8_t got[32], want[32], *p = buf;

	(void)state;
	p = sgxs_ecreate(p, 2, 0x10000);
	p = sgxs_page(p, 0x0000, TCS, 0xffff, 0);        /* zero chunks: no patch needed */
	p = sgxs_page(p, 0x1000, RX, 0xffff, 0xc3);
	p = sgxs_page(p, 0x2000, RX, 0xffff, 0xc4);      /* joins the run before */
	p = sgxs_page(p, 0x3000, RW, 0x00f0, 0x5a);      /* partly measured */
	p = sgxs_page(p, 0x4000, RW, 0, 0);              /* added, unmeasured */
	p = sgxs_page(p, 0x8000, RW, 0x8001, 0x77);      /* after a hole */
	assert_int_equal(build(buf, (size_t)(p - buf), &plan, &err), 0);
	assert_int_equal(plan.size, 0x10000);
	assert_int_equal(plan.ssa_frame_size, 2);
	assert_int_equal(plan.nruns, 5);
	th_plan_stats(&plan, &st);
	assert_int_equal(st.pages_added, 6);
	assert_int_equal(st.pages_measured, 5);
	assert_int_equal(st.tcs_count, 1);
	assert_int_equal(th_plan_measure(&plan, got, &err), 0);
	SHA256(buf, (size_t)(p - buf), want);
	assert_memory_equal(got, want, 32);
	th_plan_free(&plan);
}

static void expect_bad(size_t len, const char *field)
{
	struct th_plan plan;
	struct th_err err = { { 0 } };

	if (build(buf, len, &plan, &err) == 0)
		fail_msg("accepted, expected an error in %s", field);
	if (strncmp(err.msg, field, strlen(field)))
		fail_msg("error '%s' does not name %s", err.msg, field);
	th_plan_free(&plan);
}

static void test_bad_streams(void **state)
{
	uint8_t *p;

	(void)state;
	memcpy(buf, "EADD\0\0\0\0", 8);
	expect_bad(64, "ecreate");                        /* wrong magic */
	p = sgxs_ecreate(buf, 1, 0x3000);
	expect_bad((size_t)(p - buf), "enclave_size");    /* not a power of two */
	p = sgxs_ecreate(buf, 0, 0x4000);
	expect_bad((size_t)(p - buf), "ssa_frame_size");
	p = sgxs_ecreate(buf, 1, 0x4000);
	expect_bad((size_t)(p - buf), "eadd");            /* no pages */
	p = sgxs_page(p, 0, TCS, 0xffff, 1);
	expect_bad((size_t)(p - buf) - 10, "eextend");    /* truncated chunk data */
	expect_bad((size_t)(p - buf) + 10, "record");     /* trailing partial record */

	p = sgxs_ecreate(buf, 1, 0x4000);
	p = sgxs_put(p, "EEXTEND", 0, 0);                 /* EEXTEND before any EADD */
	memset(p, 0, 256);
	expect_bad((size_t)(p + 256 - buf), "eextend");

	p = sgxs_ecreate(buf, 1, 0x4000);
	p = sgxs_put(p, "EADD\0\0\0", 0, TCS);
	p = sgxs_put(p, "EEXTEND", 0x100, 0);
	p += 256;
	p = sgxs_put(p, "EEXTEND", 0x000, 0);             /* out of order */
	p += 256;
	expect_bad((size_t)(p - buf), "eextend");

	p = sgxs_ecreate(buf, 1, 0x4000);
	p = sgxs_page(p, 0x1000, RW, 0, 0);
	p = sgxs_page(p, 0x1000, RW, 0, 0);               /* page added twice */
	expect_bad((size_t)(p - buf), "layout");

	p = sgxs_ecreate(buf, 1, 0x4000);
	p = sgxs_page(p, 0x4000, RW, 0, 0);               /* outside SIZE */
	expect_bad((size_t)(p - buf), "eadd");

	p = sgxs_ecreate(buf, 1, 0x4000);
	p = sgxs_page(p, 0x1800, RW, 0, 0);               /* not page aligned */
	expect_bad((size_t)(p - buf), "eadd");

	p = sgxs_ecreate(buf, 1, 0x4000);
	p = sgxs_put(p, "EADD\0\0\0", 0, RW);
	p[-1] = 1;                                        /* SECINFO reserved byte */
	expect_bad((size_t)(p - buf), "secinfo");

	p = sgxs_ecreate(buf, 1, 0x4000);
	p = sgxs_put(p, "UNMEASRD", 0, 0);
	expect_bad((size_t)(p - buf), "record");

	p = sgxs_ecreate(buf, 1, 0x4000);
	p = sgxs_ecreate(p, 1, 0x4000);
	expect_bad((size_t)(p - buf), "ecreate");

	p = sgxs_ecreate(buf, 1, 0x4000);
	p = sgxs_page(p, 0, SGX_SECINFO_TYPE(SGX_PT_VA), 0, 0); /* VA pages cannot be EADDed */
	expect_bad((size_t)(p - buf), "layout");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_bad_streams),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
