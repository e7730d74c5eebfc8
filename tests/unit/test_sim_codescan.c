/* SPDX-License-Identifier: MIT */
/*
 * The simulator's enclave page scan (th_sim_cpuid_scan_page: x86len.c's lengths, Capstone for
 * the rest, a CPUID's look-behind decoded again, the sweep's end at the last possible site)
 * against the scan it replaced (sim_scan_ref.h, Capstone for every instruction): the same
 * CPUID and XSAVE sites and the same enclave bytes after each scan, for every page of the
 * fuzz corpus and of made-up code (fragments that set EAX/ECX at every distance before a CPUID,
 * undecodable bytes between them, prefixes, VEX, the XSAVE family and random bytes), with
 * XFRM x87|SSE and all the host's components, each page after its neighbours.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "../../fuzz/sim_codescan.c"
#include "sim_scan_ref.h"

#define CORPUS "fuzz/corpus/sim_codescan"

static unsigned long n_pages, n_cpuid, n_xsave, n_left;

static void encl_init(struct th_sim_encl *e, const uint8_t *bytes, size_t npages, uint64_t xfrm)
{
	memset(e, 0, sizeof(*e));
	e->base = BASE;
	e->size = npages * TH_SIM_PAGE;
	e->epc = malloc(e->size);
	e->pages = calloc(npages, sizeof(*e->pages));
	assert_non_null(e->epc);
	assert_non_null(e->pages);
	memcpy(e->epc, bytes, e->size);
	e->secs.attributes.xfrm = xfrm;
}

static void encl_free(struct th_sim_encl *e)
{
	free(e->epc);
	free(e->pages);
	free(e->cpuid_sites);
	free(e->xsave_sites);
}

/* Scan each page of BYTES in turn, then the first again, both ways: the same after each scan */
static void compare(const uint8_t *bytes, size_t npages, uint64_t xfrm)
{
	struct th_sim_encl e, r;

	encl_init(&e, bytes, npages, xfrm);
	encl_init(&r, bytes, npages, xfrm);
	for (size_t i = 0; i <= npages; i++) {
		uint64_t p = BASE + (i % npages) * TH_SIM_PAGE;

		th_sim_cpuid_scan_page(&e, p);
		ref_scan_page(&r, p);
		assert_memory_equal(e.epc, r.epc, e.size);
		assert_int_equal(e.n_cpuid_sites, r.n_cpuid_sites);
		if (r.n_cpuid_sites)
			assert_memory_equal(e.cpuid_sites, r.cpuid_sites,
					    r.n_cpuid_sites * sizeof(*r.cpuid_sites));
		assert_int_equal(e.n_xsave_sites, r.n_xsave_sites);
		if (r.n_xsave_sites)
			assert_memory_equal(e.xsave_sites, r.xsave_sites,
					    r.n_xsave_sites * sizeof(*r.xsave_sites));
		assert_int_equal(e.pages[i % npages].state, r.pages[i % npages].state);
	}
	n_pages += npages;
	n_cpuid += r.n_cpuid_sites;
	n_xsave += r.n_xsave_sites;
	for (size_t o = 0; o + 1 < r.size; o++)
		n_left += r.epc[o] == 0x0f && r.epc[o + 1] == 0xa2;
	encl_free(&e);
	encl_free(&r);
}

static void test_corpus(void **state)
{
	DIR *d = opendir(CORPUS);
	struct dirent *de;
	size_t files = 0;

	(void)state;
	if (!d)
		fail_msg("%s: cannot open the directory", CORPUS);
	while ((de = readdir(d))) {
		static uint8_t buf[1 + MAX_PAGES * TH_SIM_PAGE];
		uint8_t *bytes;
		char path[512];
		size_t n, npages;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		bytes = calloc(MAX_PAGES, TH_SIM_PAGE);
		snprintf(path, sizeof(path), "%s/%s", CORPUS, de->d_name);
		f = fopen(path, "rb");
		assert_non_null(f);
		assert_non_null(bytes);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (n < 2) {
			free(bytes);
			continue;
		}
		memcpy(bytes, buf + 1, n - 1);
		npages = (n - 1 + TH_SIM_PAGE - 1) / TH_SIM_PAGE;
		compare(bytes, npages, 3);
		compare(bytes, npages, ~0ull);
		free(bytes);
		files++;
	}
	closedir(d);
	assert_true(files >= 10);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

/* code-like bytes: the scan's cases in every order and distance, and noise */
static void made_up(uint8_t *b, size_t len)
{
	static const struct { uint8_t n, b[8]; } frag[] = {
		{ 2, { 0x0f, 0xa2 } },                          /* CPUID */
		{ 2, { 0x0f, 0xa2 } },
		{ 5, { 0xb8, 7, 0, 0, 0 } },                    /* mov eax, 7 */
		{ 2, { 0x31, 0xc9 } },                          /* xor ecx, ecx */
		{ 2, { 0x89, 0xc1 } },                          /* mov ecx, eax */
		{ 3, { 0x48, 0x89, 0xc3 } },                    /* mov rbx, rax */
		{ 2, { 0x89, 0xd8 } },                          /* mov eax, ebx */
		{ 1, { 0x90 } },
		{ 1, { 0x06 } },                                /* undecodable in 64-bit mode */
		{ 3, { 0x0f, 0xae, 0x20 } },                    /* xsave [rax] */
		{ 4, { 0x48, 0x0f, 0xae, 0x2f } },              /* xrstor64 [rdi] */
		{ 4, { 0x0f, 0xc7, 0x64, 0x24 } },              /* xsavec [rsp + ...] */
		{ 3, { 0x0f, 0x01, 0xd0 } },                    /* xgetbv */
		{ 4, { 0x0f, 0xae, 0x35, 0x10 } },              /* xsaveopt [rip + ...] */
		{ 3, { 0xc5, 0xf8, 0x77 } },                    /* vzeroupper */
		{ 4, { 0x66, 0x0f, 0xef, 0xc0 } },              /* pxor xmm0, xmm0 */
		{ 3, { 0xf3, 0x0f, 0x6f } },                    /* movdqu xmm, ... */
		{ 2, { 0x0f, 0x05 } },                          /* syscall */
		{ 5, { 0xe8, 0, 0, 0, 0 } },
		{ 2, { 0x66, 0xb8 } },
		{ 1, { 0x0f } },
	};
	size_t i = 0;

	while (i < len) {
		uint32_t r = next();

		if (r % 4 == 0) {
			b[i++] = (uint8_t)(r >> 8);
		} else {
			size_t f = (r >> 8) % (sizeof(frag) / sizeof(frag[0]));

			for (size_t j = 0; j < frag[f].n && i < len; j++)
				b[i++] = frag[f].b[j];
		}
	}
}

static void test_made_up(void **state)
{
	uint8_t *b = malloc(3 * TH_SIM_PAGE);

	(void)state;
	assert_non_null(b);
	for (int k = 0; k < 150; k++) {
		size_t npages = 1 + (size_t)k % 3;

		made_up(b, npages * TH_SIM_PAGE);
		compare(b, npages, 3);
		compare(b, npages, ~0ull);
	}
	free(b);
	print_message("%lu pages: %lu CPUID sites, %lu XSAVE sites, %lu 0F A2 left\n", n_pages,
		      n_cpuid, n_xsave, n_left);
	/* the cases happened: CPUIDs rewritten and left (no leaf set), XSAVEs where the host has
	 * components beyond x87|SSE */
	assert_true(n_cpuid > 1000);
	assert_true(n_left > 1000);
	if (th_sim_xcr0 & ~3ull)
		assert_true(n_xsave > 1000);
}

/* sites that start on the page's last bytes and end on the next: the sweep must reach them */
static void test_page_end(void **state)
{
	static const uint8_t tail[][8] = {
		{ 0xb8, 1, 0, 0, 0, 0x0f, 0xa2 },               /* CPUID on 4094, 4095 */
		{ 0x66, 0x66, 0x66, 0x48, 0x0f, 0xae, 0x20 },   /* XSAVE64 from 4089: 0F on 4093 */
		{ 0x90, 0x90, 0x90, 0x90, 0x0f, 0x01, 0xd0 },   /* XGETBV from 4093 */
	};
	uint8_t *b = calloc(2, TH_SIM_PAGE);

	(void)state;
	assert_non_null(b);
	for (size_t t = 0; t < sizeof(tail) / sizeof(tail[0]); t++) {
		for (size_t shift = 0; shift < 8; shift++) {
			struct th_sim_encl e;

			memset(b, 0x90, 2 * TH_SIM_PAGE);
			memcpy(b + 100, "\xb8\x07\0\0\0\x0f\xa2", 7);     /* a CPUID before */
			memcpy(b + TH_SIM_PAGE - 7 + shift, tail[t], 7);
			compare(b, 2, 3);
			compare(b, 2, ~0ull);
			/* the one at the end is a site where it starts on the page */
			encl_init(&e, b, 2, t ? 3 : ~0ull);
			th_sim_cpuid_scan_page(&e, BASE);
			if (!t)
				assert_int_equal(e.n_cpuid_sites, 1 + (shift < 2));
			else if (th_sim_xcr0 & ~3ull)
				assert_int_equal(e.n_xsave_sites, shift < (t == 1 ? 7u : 3u));
			encl_free(&e);
		}
	}
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_made_up),
		cmocka_unit_test(test_page_end),
	};

	th_sim_xsave_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
