/* SPDX-License-Identifier: MIT */
/*
 * The page plan and the MRENCLAVE engine. The expected digests are computed here from the
 * SDM's record formats with one-shot SHA-256, independently of measure.c's batching.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "sgx/measure.h"
#include "sgx/plan.h"

struct ref {
	uint8_t buf[1 << 20];
	size_t len;
};

static void ref_record(struct ref *r, const char *tag, uint64_t a, uint64_t b, const uint8_t *data)
{
	uint8_t rec[64] = { 0 };

	memcpy(rec, tag, strlen(tag));
	if (!strcmp(tag, "ECREATE")) {
		uint32_t ssa = (uint32_t)a;

		memcpy(rec + 8, &ssa, 4);
		memcpy(rec + 12, &b, 8);
	} else {
		memcpy(rec + 8, &a, 8);
		if (!strcmp(tag, "EADD"))
			memcpy(rec + 16, &b, 8);
	}
	memcpy(r->buf + r->len, rec, 64);
	r->len += 64;
	if (data) {
		memcpy(r->buf + r->len, data, 256);
		r->len += 256;
	}
}

static void ref_digest(const struct ref *r, uint8_t out[32])
{
	unsigned int n;

	EVP_Digest(r->buf, r->len, out, &n, EVP_sha256(), NULL);
}

static uint8_t image[3 * 4096];
static uint8_t tcs_patch[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static void build(struct th_plan *plan)
{
	struct th_err err = { "" };
	struct th_plan_run tcs = {
		.offset = 0, .npages = 1, .secinfo = SGX_SECINFO_TYPE(SGX_PT_TCS),
		.data = image, .data_len = 4096, .measure_mask = TH_MEASURE_ALL,
	};
	struct th_plan_run code = {
		.offset = 0x1000, .npages = 2,
		.secinfo = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_X,
		.data = image + 4096, .data_len = 4096 + 100, .fill = 0xcccccccc,
		.measure_mask = TH_MEASURE_ALL,
	};
	struct th_plan_run heap = {
		.offset = 0x3000, .npages = 2,
		.secinfo = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W,
		.measure_mask = 0x0003,
	};
	struct th_plan_run unmeasured = {
		.offset = 0x5000, .npages = 1,
		.secinfo = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W,
		.measure_mask = TH_MEASURE_NONE,
	};
	struct th_plan_run dynamic = {
		.offset = 0x6000, .npages = 2,
		.secinfo = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W,
		.dynamic = true,
	};

	for (size_t i = 0; i < sizeof(image); i++)
		image[i] = (uint8_t)(i * 7 + 3);
	th_plan_init(plan, TH_FORMAT_ELF);
	plan->size = 0x8000;
	plan->ssa_frame_size = 1;
	assert_int_equal(th_plan_add_run(plan, &tcs, &err), 0);
	assert_int_equal(th_plan_add_run(plan, &code, &err), 0);
	assert_int_equal(th_plan_add_run(plan, &heap, &err), 0);
	assert_int_equal(th_plan_add_run(plan, &unmeasured, &err), 0);
	assert_int_equal(th_plan_add_run(plan, &dynamic, &err), 0);
	assert_int_equal(th_plan_add_patch(plan, 0x10, tcs_patch, sizeof(tcs_patch), &err), 0);
	assert_int_equal(th_plan_finalize(plan, &err), 0);
}

static void test_measure_matches_reference(void **state)
{
	static struct ref r;
	static uint8_t page[4096];
	struct th_plan plan;
	struct th_err err = { "" };
	struct th_plan_stats st;
	uint8_t got[32], want[32];
	uint64_t reg_rx = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_X;
	uint64_t reg_rw = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W;

	(void)state;
	build(&plan);
	r.len = 0;
	ref_record(&r, "ECREATE", 1, 0x8000, NULL);
	/* TCS page with the patch applied */
	memcpy(page, image, 4096);
	memcpy(page + 0x10, tcs_patch, 8);
	ref_record(&r, "EADD", 0, SGX_SECINFO_TYPE(SGX_PT_TCS), NULL);
	for (int i = 0; i < 16; i++)
		ref_record(&r, "EEXTEND", (uint64_t)i * 256, 0, page + i * 256);
	/* code page 1: straight from the image */
	ref_record(&r, "EADD", 0x1000, reg_rx, NULL);
	for (int i = 0; i < 16; i++)
		ref_record(&r, "EEXTEND", 0x1000 + (uint64_t)i * 256, 0, image + 4096 + i * 256);
	/* code page 2: 100 bytes of data then the 0xcc fill */
	memset(page, 0xcc, 4096);
	memcpy(page, image + 8192, 100);
	ref_record(&r, "EADD", 0x2000, reg_rx, NULL);
	for (int i = 0; i < 16; i++)
		ref_record(&r, "EEXTEND", 0x2000 + (uint64_t)i * 256, 0, page + i * 256);
	/* two heap pages, first 512 bytes measured */
	memset(page, 0, 4096);
	for (uint64_t off = 0x3000; off < 0x5000; off += 0x1000) {
		ref_record(&r, "EADD", off, reg_rw, NULL);
		ref_record(&r, "EEXTEND", off, 0, page);
		ref_record(&r, "EEXTEND", off + 256, 0, page);
	}
	ref_record(&r, "EADD", 0x5000, reg_rw, NULL);
	ref_digest(&r, want);

	assert_int_equal(th_plan_measure(&plan, got, &err), 0);
	assert_memory_equal(got, want, 32);

	th_plan_stats(&plan, &st);
	assert_int_equal(st.pages_added, 6);
	assert_int_equal(st.pages_measured, 5);
	assert_int_equal(st.pages_dynamic, 2);
	assert_int_equal(st.tcs_count, 1);
	th_plan_free(&plan);
}

static void test_page_composition(void **state)
{
	struct th_plan plan;
	uint8_t scratch[4096];
	const uint8_t *p;

	(void)state;
	build(&plan);
	/* untouched, fully covered page: a pointer into the input, no copy */
	p = th_plan_page(&plan, &plan.runs[1], 0, scratch);
	assert_ptr_equal(p, image + 4096);
	/* patched page: composed */
	p = th_plan_page(&plan, &plan.runs[0], 0, scratch);
	assert_ptr_equal(p, scratch);
	assert_memory_equal(p + 0x10, tcs_patch, 8);
	assert_int_equal(p[0x18], image[0x18]);
	/* partial page: data then the fill pattern */
	p = th_plan_page(&plan, &plan.runs[1], 1, scratch);
	assert_memory_equal(p, image + 8192, 100);
	assert_int_equal(p[100], 0xcc);
	assert_int_equal(p[4095], 0xcc);
	th_plan_free(&plan);
}

static void test_incremental_equals_page_api(void **state)
{
	uint8_t page[4096], a[32], b[32];
	struct th_mr mr;

	(void)state;
	for (int i = 0; i < 4096; i++)
		page[i] = (uint8_t)(i ^ 0x5a);
	assert_int_equal(th_mr_init(&mr, 2, 0x100000), 0);
	for (uint64_t off = 0; off < 64 * 4096; off += 4096)
		th_mr_add_page(&mr, off, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R, page, 0xa5a5);
	assert_int_equal(th_mr_final(&mr, a), 0);
	assert_int_equal(th_mr_init(&mr, 2, 0x100000), 0);
	for (uint64_t off = 0; off < 64 * 4096; off += 4096) {
		th_mr_eadd(&mr, off, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R);
		for (int i = 0; i < 16; i++)
			if (0xa5a5 & (1 << i))
				th_mr_eextend(&mr, off + (uint64_t)i * 256, page + i * 256);
	}
	assert_int_equal(th_mr_final(&mr, b), 0);
	assert_memory_equal(a, b, 32);
}

static void test_finalize_rejects_bad_layouts(void **state)
{
	struct th_plan plan;
	struct th_err err = { "" };
	struct th_plan_run run = {
		.offset = 0, .npages = 2, .secinfo = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R,
		.measure_mask = TH_MEASURE_ALL,
	};
	static const uint8_t bytes[16];

	(void)state;
	th_plan_init(&plan, TH_FORMAT_ELF);
	plan.size = 0x3000;
	assert_int_equal(th_plan_add_run(&plan, &run, &err), 0);
	assert_int_equal(th_plan_finalize(&plan, &err), -EINVAL);
	assert_string_equal(err.msg, "enclave_size: 0x3000 is not a power of two of at least 8 KiB");

	plan.size = 0x4000;
	run.offset = 0x1000;
	assert_int_equal(th_plan_add_run(&plan, &run, &err), 0);
	assert_int_equal(th_plan_finalize(&plan, &err), -EINVAL);
	assert_string_equal(err.msg, "layout: pages at offset 0x1000 are added twice");
	th_plan_free(&plan);

	th_plan_init(&plan, TH_FORMAT_ELF);
	plan.size = 0x2000;
	run.offset = 0x1000;
	assert_int_equal(th_plan_add_run(&plan, &run, &err), 0);
	assert_int_equal(th_plan_finalize(&plan, &err), -EINVAL);
	assert_string_equal(err.msg, "layout: pages [0x1000, 0x3000) lie outside the enclave size 0x2000");
	th_plan_free(&plan);

	th_plan_init(&plan, TH_FORMAT_ELF);
	plan.size = 0x4000;
	run.offset = 0;
	assert_int_equal(th_plan_add_run(&plan, &run, &err), 0);
	assert_int_equal(th_plan_add_patch(&plan, 0xff8, bytes, 16, &err), 0);
	assert_int_equal(th_plan_finalize(&plan, &err), 0);   /* spans two pages of one run */
	assert_int_equal(th_plan_add_patch(&plan, 0xffc, bytes, 4, &err), 0);
	assert_int_equal(th_plan_finalize(&plan, &err), -EINVAL);
	assert_string_equal(err.msg, "patch: patches overlap at offset 0xffc");
	th_plan_free(&plan);

	th_plan_init(&plan, TH_FORMAT_ELF);
	plan.size = 0x4000;
	assert_int_equal(th_plan_add_run(&plan, &run, &err), 0);
	assert_int_equal(th_plan_add_patch(&plan, 0xff8, bytes, 16, &err), 0);
	plan.runs[0].npages = 1;
	assert_int_equal(th_plan_finalize(&plan, &err), -EINVAL);
	assert_string_equal(err.msg, "patch: patch at offset 0xff8 (16 bytes) is outside the added pages");
	run.offset = 0x800;
	assert_int_equal(th_plan_add_run(&plan, &run, &err), -EINVAL);
	assert_string_equal(err.msg, "layout: page run at offset 0x800 is not page aligned");
	th_plan_free(&plan);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_measure_matches_reference),
		cmocka_unit_test(test_page_composition),
		cmocka_unit_test(test_incremental_equals_page_api),
		cmocka_unit_test(test_finalize_rejects_bad_layouts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
