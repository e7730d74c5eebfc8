/* SPDX-License-Identifier: MIT */
/* Static enclave ELF -> page plan: layout, MRENCLAVE recomputed by hand, bad input, sample.elf. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sgx/elf.h"
#include "sgx/image.h"
#include "sgx/measure.h"
#include "synth.h"

static int build(const uint8_t *d, size_t len, struct th_plan *plan, struct th_err *err)
{
	int ret;

	th_plan_init(plan, TH_FORMAT_ELF);
	ret = th_elf_plan_build(d, len, NULL, plan, err);
	if (!ret)
		ret = th_plan_finalize(plan, err);
	return ret;
}

static void test_small_layout_and_measure(void **state)
{
	struct th_plan plan;
	struct th_plan_stats st;
	struct th_err err = { { 0 } };
	struct th_mr mr;
	uint8_t *d, got[32], want[32], page[4096];
	size_t len;

	(void)state;
	d = synth_elf_small(&len);
	assert_int_equal(build(d, len, &plan, &err), 0);
	assert_int_equal(plan.size, 0x4000);
	assert_int_equal(plan.ssa_frame_size, 1);
	assert_int_equal(plan.nruns, 3);
	assert_int_equal(plan.runs[0].secinfo, SGX_SECINFO_TYPE(SGX_PT_TCS));
	assert_int_equal(plan.runs[1].secinfo, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_X);
	assert_int_equal(plan.runs[2].secinfo, SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W);
	assert_int_equal(plan.runs[2].npages, 2);
	th_plan_stats(&plan, &st);
	assert_int_equal(st.pages_added, 4);
	assert_int_equal(st.pages_measured, 4);
	assert_int_equal(st.tcs_count, 1);
	assert_int_equal(th_plan_measure(&plan, got, &err), 0);

	/* the same records by hand: the selftest's encl_measure */
	assert_int_equal(th_mr_init(&mr, 1, 0x4000), 0);
	th_mr_add_page(&mr, 0, SGX_SECINFO_TYPE(SGX_PT_TCS), d + 4096, 0xffff);
	th_mr_add_page(&mr, 0x1000, SGX_SECINFO_TYPE(SGX_PT_REG) | 5, d + 8192, 0xffff);
	memset(page, 0, sizeof(page));
	memset(page, 0x11, 100);        /* p_filesz 100, the rest of p_memsz is zero */
	th_mr_add_page(&mr, 0x2000, SGX_SECINFO_TYPE(SGX_PT_REG) | 3, page, 0xffff);
	memset(page, 0, sizeof(page));
	th_mr_add_page(&mr, 0x3000, SGX_SECINFO_TYPE(SGX_PT_REG) | 3, page, 0xffff);
	assert_int_equal(th_mr_final(&mr, want), 0);
	assert_memory_equal(got, want, 32);
	th_plan_free(&plan);
	free(d);
}

static void test_heap_option(void **state)
{
	struct th_elf_options o = { .heap_size = 3 * 4096 - 1 };
	struct th_plan plan;
	struct th_plan_stats st;
	struct th_err err = { { 0 } };
	uint8_t *d;
	size_t len;

	(void)state;
	d = synth_elf_small(&len);
	th_plan_init(&plan, TH_FORMAT_ELF);
	assert_int_equal(th_elf_plan_build(d, len, &o, &plan, &err), 0);
	assert_int_equal(th_plan_finalize(&plan, &err), 0);
	th_plan_stats(&plan, &st);
	assert_int_equal(st.pages_added, 7);
	assert_int_equal(st.pages_measured, 4);
	assert_int_equal(plan.size, 0x8000);
	th_plan_free(&plan);
	free(d);
}

/* Build SEGS and expect failure naming FIELD. */
static void expect_bad(const struct synth_seg *segs, int n, uint64_t ssa, uint64_t entry,
		       void (*mutate)(uint8_t *, size_t *), const char *field)
{
	struct th_plan plan;
	struct th_err err = { { 0 } };
	uint8_t *d;
	size_t len;
	int ret;

	d = synth_elf(segs, n, ssa, entry, &len);
	if (mutate)
		mutate(d, &len);
	ret = build(d, len, &plan, &err);
	if (ret == 0)
		fail_msg("accepted, expected an error in %s", field);
	if (strncmp(err.msg, field, strlen(field)))
		fail_msg("error '%s' does not name %s", err.msg, field);
	th_plan_free(&plan);
	free(d);
}

static const struct synth_seg good[] = {
	{ 0x0000, PF_R | PF_W, 4096, 4096, 0 },
	{ 0x1000, PF_R | PF_X, 4096, 4096, 0xcc },
	{ 0x2000, PF_R | PF_W, 4096, 8192, 0x11 },
};

static void truncate_to_header(uint8_t *d, size_t *len) { (void)d; *len = 40; }
static void bad_magic(uint8_t *d, size_t *len) { (void)len; d[1] = 'X'; }
static void phoff_past_end(uint8_t *d, size_t *len) { uint64_t v = *len - 8; memcpy(d + 32, &v, 8); }
static void cut_segment(uint8_t *d, size_t *len) { (void)d; *len -= 2048; }
static void bad_phentsize(uint8_t *d, size_t *len) { (void)len; d[54] = 40; }
static void big_phnum(uint8_t *d, size_t *len) { (void)len; d[56] = 0xff; d[57] = 0xff; }
static void as_relocatable(uint8_t *d, size_t *len) { (void)len; d[16] = ET_REL; }

static void test_bad_input(void **state)
{
	const struct synth_seg tcs_rx[] = { { 0, PF_R | PF_X, 4096, 4096, 0 }, good[1], good[2] };
	const struct synth_seg overlap[] = { good[0], { 0x1000, PF_R | PF_X, 6000, 6000, 1 },
					     { 0x2800, PF_R | PF_W, 100, 100, 1 } };
	const struct synth_seg huge[] = { good[0], good[1], { 0x2000, PF_R | PF_W, 0, 1ull << 40, 0 } };
	const struct synth_seg filesz[] = { good[0], good[1], { 0x2000, PF_R | PF_W, 8192, 4096, 0 } };
	const struct synth_seg oddflags[] = { good[0], { 0x1000, PF_R | PF_X | 0x10, 4096, 4096, 0 }, good[2] };
	const struct synth_seg descending[] = { good[0], good[2], good[1] };

	(void)state;
	expect_bad(good, 3, 0x2000, 0x1000, truncate_to_header, "elf_header");
	expect_bad(good, 3, 0x2000, 0x1000, bad_magic, "elf_header");
	expect_bad(good, 3, 0x2000, 0x1000, phoff_past_end, "e_phoff");
	expect_bad(good, 3, 0x2000, 0x1000, cut_segment, "p_offset");
	expect_bad(good, 3, 0x2000, 0x1000, bad_phentsize, "e_phentsize");
	expect_bad(good, 3, 0x2000, 0x1000, big_phnum, "e_phoff");
	expect_bad(good, 3, 0x2000, 0x1000, as_relocatable, "e_type");
	expect_bad(good, 1, 0x2000, 0x1000, NULL, "e_phnum");
	expect_bad(tcs_rx, 3, 0x2000, 0x1000, NULL, "p_flags");
	expect_bad(overlap, 3, 0x2000, 0x1000, NULL, "p_vaddr");
	expect_bad(descending, 3, 0x2000, 0x1000, NULL, "p_vaddr");
	expect_bad(huge, 3, 0x2000, 0x1000, NULL, "p_memsz");
	expect_bad(filesz, 3, 0x2000, 0x1000, NULL, "p_filesz");
	expect_bad(oddflags, 3, 0x2000, 0x1000, NULL, "p_flags");
	expect_bad(good, 3, 0x2001, 0x1000, NULL, "tcs");      /* OSSA not page aligned */
	expect_bad(good, 3, 0x100000, 0x1000, NULL, "tcs");    /* OSSA outside */
	expect_bad(good, 3, 0x2000, 0x100000, NULL, "tcs");    /* OENTRY outside */
}

static void test_sample_enclave(void **state)
{
	const char *b = getenv("BUILD");
	char path[4096];
	struct th_image img;
	struct th_plan_stats st;
	struct th_err err = { { 0 } };

	(void)state;
	snprintf(path, sizeof(path), "%s/sample.elf", b && *b ? b : "build");
	if (th_image_open(path, NULL, &img, &err))
		fail_msg("%s: %s", path, err.msg);
	assert_int_equal(img.plan.format, TH_FORMAT_ELF);
	th_plan_stats(&img.plan, &st);
	assert_int_equal(st.tcs_count, 2);
	assert_int_equal(st.pages_added, st.pages_measured);
	for (size_t i = 0; i < img.plan.nruns; i++) {
		uint64_t s = img.plan.runs[i].secinfo;

		/* never writable and executable */
		assert_false((s & SGX_SECINFO_W) && (s & SGX_SECINFO_X));
		if (th_secinfo_type(s) == SGX_PT_TCS) {
			for (uint64_t k = 0; k < img.plan.runs[i].npages; k++) {
				const struct sgx_tcs *t = (const void *)(img.plan.runs[i].data + k * 4096);

				assert_int_equal(t->nssa, 1);
				assert_true(t->ossa > 0 && t->ossa < img.plan.size);
			}
		}
	}
	th_image_close(&img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_layout_and_measure),
		cmocka_unit_test(test_heap_option),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_sample_enclave),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
