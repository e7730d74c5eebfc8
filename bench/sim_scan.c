/* SPDX-License-Identifier: MIT */
/*
 * bench/sim_scan: the simulator's scan of an enclave code page before it first runs
 * (th_sim_cpuid_scan_page), against the scan it replaced (tests/unit/sim_scan_ref.h: Capstone
 * decodes every instruction of the sweep) on the same pages in the same run. The pages are
 * those of the fuzz corpus (code of the signed PCE, SGX SSL's TestEnclave, SampleEnclave,
 * sgx-hash, and a few made by hand) that hold a 0F A2 (or, with XFRM x87|SSE on a host with
 * more, an XSAVE-family opcode): the rest are not decoded by either. Each page is scanned
 * with both XFRMs; both scans must find the same sites. Thread CPU time, median of 9 batches
 * of 10 passes.
 */
#include <dirent.h>
#include <stdio.h>

#include "bench.h"
#include "../fuzz/sim_codescan.c"
#include "../tests/unit/sim_scan_ref.h"

#define CORPUS "fuzz/corpus/sim_codescan"
#define BATCHES 9
#define REPS 10                         /* passes a batch */
#define MAX_ENCL 64

static struct th_sim_encl encl[2][2 * MAX_ENCL];       /* new, reference; each XFRM */
static size_t n_encl;

static void add(const uint8_t *bytes, size_t npages, uint64_t xfrm)
{
	for (int w = 0; w < 2; w++) {
		struct th_sim_encl *e = &encl[w][n_encl];

		e->base = BASE;
		e->size = npages * TH_SIM_PAGE;
		e->epc = malloc(e->size);
		e->pages = calloc(npages, sizeof(*e->pages));
		if (!e->epc || !e->pages)
			exit(1);
		memcpy(e->epc, bytes, e->size);
		e->secs.attributes.xfrm = xfrm;
	}
	n_encl++;
}

/* REPS scans of every page of every enclave: the seconds they took, the scans that decoded */
static double pass(int w, size_t *decoded)
{
	double t0 = bench_now();

	*decoded = 0;
	for (int r = 0; r < REPS; r++) {
		for (size_t i = 0; i < n_encl; i++) {
			struct th_sim_encl *e = &encl[w][i];

			for (uint64_t p = e->base; p < e->base + e->size; p += TH_SIM_PAGE) {
				(w ? ref_scan_page : th_sim_cpuid_scan_page)(e, p);
				*decoded += has_pair(e->epc + (p - e->base), e->base + e->size - p,
						     0, TH_SIM_PAGE, th_sim_xsave_needed(e) ?
						     "\xa2\xae\xc7\x01" : "\xa2");
			}
		}
	}
	return bench_now() - t0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(void)
{
	DIR *d = opendir(CORPUS);
	struct dirent *de;
	double t[2][BATCHES];
	size_t scans = 0;

	if (!d) {
		fprintf(stderr, "bench/sim_scan: %s: cannot open the directory\n", CORPUS);
		return 1;
	}
	th_sim_xsave_init();
	while ((de = readdir(d)) && n_encl + 2 <= 2 * MAX_ENCL) {
		static uint8_t buf[1 + MAX_PAGES * TH_SIM_PAGE], bytes[MAX_PAGES * TH_SIM_PAGE];
		char path[512];
		size_t n;
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", CORPUS, de->d_name);
		if (de->d_name[0] == '.' || !(f = fopen(path, "rb")))
			continue;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		if (n < 2)
			continue;
		memset(bytes, 0, sizeof(bytes));
		memcpy(bytes, buf + 1, n - 1);
		add(bytes, (n - 1 + TH_SIM_PAGE - 1) / TH_SIM_PAGE, 3);
		add(bytes, (n - 1 + TH_SIM_PAGE - 1) / TH_SIM_PAGE, ~0ull);
	}
	closedir(d);
	for (int b = 0; b < BATCHES; b++)
		for (int w = 0; w < 2; w++)
			t[w][b] = pass(w, &scans);
	/* the same sites and bytes both ways */
	for (size_t i = 0; i < n_encl; i++) {
		struct th_sim_encl *e = &encl[0][i], *r = &encl[1][i];

		if (memcmp(e->epc, r->epc, e->size) || e->n_cpuid_sites != r->n_cpuid_sites ||
		    e->n_xsave_sites != r->n_xsave_sites ||
		    (r->n_cpuid_sites && memcmp(e->cpuid_sites, r->cpuid_sites,
						r->n_cpuid_sites * sizeof(*r->cpuid_sites))) ||
		    (r->n_xsave_sites && memcmp(e->xsave_sites, r->xsave_sites,
						r->n_xsave_sites * sizeof(*r->xsave_sites)))) {
			fprintf(stderr, "bench/sim_scan: the scans differ on enclave %zu\n", i);
			return 1;
		}
	}
	for (int w = 0; w < 2; w++)
		qsort(t[w], BATCHES, sizeof(double), cmp_d);
	printf("sim scan: %zu code pages to decode (%zu enclaves of the fuzz corpus, 2 XFRMs)\n",
	       scans / REPS, n_encl);
	printf("sim scan: length table + Capstone for the rest: %.1f us a page\n",
	       t[0][BATCHES / 2] / (double)scans * 1e6);
	printf("sim scan: Capstone for every instruction (before): %.1f us a page\n",
	       t[1][BATCHES / 2] / (double)scans * 1e6);
	printf("sim scan: speed-up %.1fx\n", t[1][BATCHES / 2] / t[0][BATCHES / 2]);
	return 0;
}
