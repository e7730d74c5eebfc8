/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the simulator's scan of enclave code pages (th_sim_cpuid_scan_page in
 * src/sim/cpuid.c, included here), which rewrites the CPUIDs of a page about to run to UD2
 * (and, where the XSAVE scan of src/sim/xsave.c is built in, its XSAVE-family instructions and
 * XGETBV).
 *
 * Input: a control byte, then the enclave's bytes (zero-padded to whole pages, at most 4; the
 * rest is ignored: the scan reads the page, 64 bytes before and 15 after):
 *   bits 0-1  the page to scan (modulo the number of pages)
 *   bit 4     the enclave's XFRM is x87|SSE only (XSAVE sites wanted where the host has more)
 *   bit 5     scan the neighbouring pages first (their sites must survive this page's scan)
 *   bit 6     forget the page and scan it again
 * The enclave lives in a buffer of exactly its size, so ASan sees any access outside it.
 * Asserted after the scan of page P:
 *  - the enclave's bytes are those before the scan but at the sites P's scan reports;
 *  - each CPUID site starts on P, and its bytes before the scan were 0F A2 and decode (a
 *    decoder of our own) as CPUID; it reads 0F 0B (UD2) now;
 *  - each XSAVE site starts on P and decoded, before the scan, as the instruction it claims,
 *    of the length it records, with 0F AE or 0F C7 (0F 01 for XGETBV) made 0F 0B;
 *  - a page with no 0F A2 (nor 0F AE / 0F C7 / 0F 01) is left unchanged, with no site;
 *  - the site lists stay sorted, other pages' sites stay; P is marked scanned;
 *  - a copy of P with P's sites undone (th_sim_code_original, EACCEPTCOPY's source) is P's
 *    bytes from before its scan;
 *  - forgetting P drops exactly P's sites and puts back the enclave's bytes from before P's
 *    scan (the sites' 0F A2 / 0F AE / 0F C7 / 0F 01); scanning them again finds the same sites.
 * The scan decodes most instructions with x86len.c's table (tests/unit/test_sim_x86len.c holds
 * it to Capstone's lengths), so a page with a 0F A2 runs in ~50 us here, not ~1 ms; the sweep
 * it replaced is checked against it in tests/unit/test_sim_codescan.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../src/sim/cpuid.c"
#include "../src/sim/x86len.c"

/* What cpuid.c takes from the rest of the machine; the scan uses only th_sim_page_at. */
struct th_sim_config th_sim_cfg;

void th_sim_log(const char *fmt, ...)
{
	(void)fmt;
}

int th_sim_real_mprotect(void *a, size_t n, int prot)
{
	(void)a, (void)n, (void)prot;
	__builtin_trap();       /* the program's text is not the scan's business */
}

struct th_sim_page *th_sim_page_at(struct th_sim_encl *e, uint64_t addr)
{
	if (!e || addr - e->base >= e->size)
		__builtin_trap();
	return &e->pages[(addr - e->base) >> 12];
}

#if __has_include("../src/sim/xsave.c")
#define site_index xsave_site_index     /* a static of both files */
#include "../src/sim/xsave.c"
#undef site_index
#define XSAVE_SCAN 1

bool th_sim_grow(void *arrp, size_t *cap, size_t n, size_t elem)
{
	void **arr = arrp, *p;

	if (n < *cap)
		return true;
	p = realloc(*arr, (*cap ? *cap * 2 : 16) * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = *cap ? *cap * 2 : 16;
	return true;
}

/* xsave.c's execution side: never reached from the scan */
void th_sim_lock(void) { __builtin_trap(); }
void th_sim_unlock(void) { __builtin_trap(); }
int th_sim_page_prot(const struct th_sim_encl *e, const struct th_sim_page *p)
{
	(void)e, (void)p;
	__builtin_trap();
}
int th_sim_classify_pf(struct th_sim_encl *e, uint64_t addr, uint32_t kerr, uint32_t *code)
{
	(void)e, (void)addr, (void)kerr, (void)code;
	__builtin_trap();
}
size_t th_sim_frame_xsave_size(const ucontext_t *uc)
{
	(void)uc;
	__builtin_trap();
}
#else
#define XSAVE_SCAN 0
#endif

#define BASE 0x7f1234560000ull
#define MAX_PAGES 4

static csh ref;         /* our own decoder, for the claims about each site */

/* Does CODE (LEN bytes, at ADDR) start with instruction ID of SIZE bytes? */
static bool decodes_as(const uint8_t *code, size_t len, uint64_t addr, unsigned id, size_t size)
{
	cs_insn *insn;
	bool ok;

	if (!ref && cs_open(CS_ARCH_X86, CS_MODE_64, &ref) != CS_ERR_OK)
		__builtin_trap();
	ok = cs_disasm(ref, code, len, addr, 1, &insn) == 1;
	if (ok) {
		ok = insn->id == id && insn->size == size;
		cs_free(insn, 1);
	}
	return ok;
}

/* Is there a byte pair 0F X (X one of WANT) starting in [FROM, TO) of the N bytes at CODE? */
static bool has_pair(const uint8_t *code, size_t n, size_t from, size_t to, const char *want)
{
	const uint8_t *q = code + from, *end = code + (to + 1 < n ? to : n - 1);

	/* memchr: a loop of ours over every byte would cost more than the scan (coverage) */
	for (; q < end && (q = memchr(q, 0x0f, (size_t)(end - q))); q++)
		if (memchr(want, q[1], strlen(want)))
			return true;
	return false;
}

struct sites {
	uint64_t *cpuid;
	size_t n_cpuid;
#if XSAVE_SCAN
	struct th_sim_xsave_site *xsave;
	size_t n_xsave;
#endif
};

static void *copy_of(const void *src, size_t n, size_t elem)
{
	void *p = malloc(n * elem + 1);

	if (!p)
		abort();
	if (n)
		memcpy(p, src, n * elem);
	return p;
}

static void take_sites(const struct th_sim_encl *e, struct sites *s)
{
	s->n_cpuid = e->n_cpuid_sites;
	s->cpuid = copy_of(e->cpuid_sites, s->n_cpuid, sizeof(*s->cpuid));
#if XSAVE_SCAN
	s->n_xsave = e->n_xsave_sites;
	s->xsave = copy_of(e->xsave_sites, s->n_xsave, sizeof(*s->xsave));
#endif
}

static void free_sites(struct sites *s)
{
	free(s->cpuid);
#if XSAVE_SCAN
	free(s->xsave);
#endif
}

/* The sites of E on page P: their number (sorted, unique, other pages' equal to OTHER's) */
static size_t cpuid_on_page(const struct th_sim_encl *e, const struct sites *other, uint64_t p)
{
	size_t k = 0, on = 0;

	for (size_t i = 0; i < e->n_cpuid_sites; i++) {
		uint64_t a = e->cpuid_sites[i];

		if (i && a <= e->cpuid_sites[i - 1])
			__builtin_trap();
		if (a >= p && a < p + TH_SIM_PAGE) {
			on++;
			continue;
		}
		if (k == other->n_cpuid || other->cpuid[k++] != a)
			__builtin_trap();
	}
	if (k != other->n_cpuid)
		__builtin_trap();
	return on;
}

#if XSAVE_SCAN
static size_t xsave_on_page(const struct th_sim_encl *e, const struct sites *other, uint64_t p)
{
	size_t k = 0, on = 0;

	for (size_t i = 0; i < e->n_xsave_sites; i++) {
		const struct th_sim_xsave_site *s = &e->xsave_sites[i];

		if (i && s->addr <= e->xsave_sites[i - 1].addr)
			__builtin_trap();
		if (s->addr >= p && s->addr < p + TH_SIM_PAGE) {
			on++;
			continue;
		}
		if (k == other->n_xsave || memcmp(&other->xsave[k++], s, sizeof(*s)))
			__builtin_trap();
	}
	if (k != other->n_xsave)
		__builtin_trap();
	return on;
}

/* The offset of the opcode's 0F in the instruction at CODE, after its prefixes */
static size_t opcode_at(const uint8_t *code, size_t len)
{
	size_t k = 0;

	while (k + 1 < len && code[k] != 0x0f)
		k++;
	return k;
}

static bool xsave_claim(const struct th_sim_xsave_site *s, const uint8_t *code, size_t len)
{
	static const unsigned ids[][2] = {
		[TH_SIM_XSAVE] = { X86_INS_XSAVE, X86_INS_XSAVE64 },
		[TH_SIM_XSAVEC] = { X86_INS_XSAVEC, X86_INS_XSAVEC64 },
		[TH_SIM_XRSTOR] = { X86_INS_XRSTOR, X86_INS_XRSTOR64 },
	};

	/* XGETBV has no operand and one form */
	if (s->op == TH_SIM_XGETBV)
		return decodes_as(code, len, s->addr, X86_INS_XGETBV, s->len);
	if (s->op > TH_SIM_XRSTOR)
		return false;
	if (decodes_as(code, len, s->addr, ids[s->op][0], s->len) ||
	    decodes_as(code, len, s->addr, ids[s->op][1], s->len))
		return true;
	/* XSAVEOPT is run as XSAVE */
	return s->op == TH_SIM_XSAVE && (decodes_as(code, len, s->addr, X86_INS_XSAVEOPT, s->len) ||
					 decodes_as(code, len, s->addr, X86_INS_XSAVEOPT64, s->len));
}
#endif

/* Scan page P of E and check the claims against BEFORE (E's bytes before the scan) */
static void scan_and_check(struct th_sim_encl *e, uint64_t p, const uint8_t *before,
			   const struct sites *other)
{
	size_t off = p - e->base, n_cpuid, n_xsave = 0;
	uint8_t *expect = malloc(e->size);
	bool pairs;

	if (!expect)
		abort();
	memcpy(expect, before, e->size);
	th_sim_cpuid_scan_page(e, p);
	if (!(th_sim_page_at(e, p)->state & TH_EPCM_SCANNED))
		__builtin_trap();
	n_cpuid = cpuid_on_page(e, other, p);
	for (size_t i = 0; i < e->n_cpuid_sites; i++) {
		uint64_t a = e->cpuid_sites[i], o = a - e->base;

		if (a < p || a >= p + TH_SIM_PAGE)
			continue;
		if (o + 2 > e->size || before[o] != 0x0f || before[o + 1] != 0xa2 ||
		    !decodes_as(before + o, e->size - o, a, X86_INS_CPUID, 2))
			__builtin_trap();
		expect[o + 1] = 0x0b;
	}
#if XSAVE_SCAN
	n_xsave = xsave_on_page(e, other, p);
	for (size_t i = 0; i < e->n_xsave_sites; i++) {
		const struct th_sim_xsave_site *s = &e->xsave_sites[i];
		uint64_t o = s->addr - e->base;
		size_t k;

		if (s->addr < p || s->addr >= p + TH_SIM_PAGE)
			continue;
		if (o + s->len > e->size || !xsave_claim(s, before + o, e->size - o))
			__builtin_trap();
		k = opcode_at(before + o, s->len);
		if (before[o + k] != 0x0f || (before[o + k + 1] != 0xae && before[o + k + 1] != 0xc7 &&
					      before[o + k + 1] != 0x01))
			__builtin_trap();
		expect[o + k + 1] = 0x0b;
	}
	pairs = has_pair(before, e->size, off, off + TH_SIM_PAGE,
			 th_sim_xsave_needed(e) ? "\xa2\xae\xc7\x01" : "\xa2");
#else
	pairs = has_pair(before, e->size, off, off + TH_SIM_PAGE, "\xa2");
#endif
	/* nothing but the sites changed, anywhere in the enclave */
	if (memcmp(expect, e->epc, e->size))
		__builtin_trap();
	if (!pairs && (n_cpuid || n_xsave || memcmp(before, e->epc, e->size)))
		__builtin_trap();
	free(expect);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_sim_encl e = { 0 };
	struct sites other, again;
	size_t npages, k;
	uint64_t p;
	uint8_t *before;

	if (size < 2)
		return 0;
#if XSAVE_SCAN
	if (!th_sim_xcr0)
		th_sim_xsave_init();    /* the host's XCR0, as the machine's start-up reads it */
#endif
	if (size - 1 > MAX_PAGES * TH_SIM_PAGE)
		size = 1 + MAX_PAGES * TH_SIM_PAGE;
	npages = (size - 1 + TH_SIM_PAGE - 1) / TH_SIM_PAGE;
	k = (data[0] & 3) % npages;
	e.base = BASE;
	e.size = npages * TH_SIM_PAGE;
	e.epc = calloc(1, e.size);
	e.pages = calloc(npages, sizeof(*e.pages));
	before = malloc(e.size);
	if (!e.epc || !e.pages || !before)
		abort();
	memcpy(e.epc, data + 1, size - 1);
	/* x87|SSE only, or all the host's components */
	e.secs.attributes.xfrm = data[0] & 16 ? 3 : ~0ull;
	p = e.base + k * TH_SIM_PAGE;

	if (data[0] & 32) {
		/* the neighbours first: each scan is checked too */
		for (size_t i = k ? k - 1 : 0; i <= k + 1 && i < npages; i++) {
			if (i == k)
				continue;
			take_sites(&e, &other);
			memcpy(before, e.epc, e.size);
			scan_and_check(&e, e.base + i * TH_SIM_PAGE, before, &other);
			free_sites(&other);
		}
	}
	take_sites(&e, &other);
	memcpy(before, e.epc, e.size);
	scan_and_check(&e, p, before, &other);

	if (!(data[0] & 64))
		goto out;
	/* forget P: exactly its sites go; its old bytes back, a new scan finds the same sites */
	take_sites(&e, &again);
	{
		/* EACCEPTCOPY's view of P as a source: a copy of its bytes with P's sites undone */
		size_t off = p - e.base, n = off + TH_SIM_PAGE + 15 <= e.size ? TH_SIM_PAGE + 15 :
					    e.size - off;
		uint8_t *copy = malloc(n);

		if (!copy)
			abort();
		memcpy(copy, e.epc + off, n);
		th_sim_code_original(&e, p, TH_SIM_PAGE, copy, n);
		if (memcmp(copy, before + off, n))
			__builtin_trap();
		free(copy);
	}
	th_sim_cpuid_forget_page(&e, p);
	if (th_sim_page_at(&e, p)->state & TH_EPCM_SCANNED)
		__builtin_trap();
	(void)cpuid_on_page(&e, &other, p + TH_SIM_PAGE * MAX_PAGES * 2);
#if XSAVE_SCAN
	(void)xsave_on_page(&e, &other, p + TH_SIM_PAGE * MAX_PAGES * 2);
#endif
	if (memcmp(e.epc, before, e.size))
		__builtin_trap();
	th_sim_cpuid_scan_page(&e, p);
	if (e.n_cpuid_sites != again.n_cpuid || (again.n_cpuid &&
	    memcmp(e.cpuid_sites, again.cpuid, again.n_cpuid * sizeof(*again.cpuid))))
		__builtin_trap();
#if XSAVE_SCAN
	if (e.n_xsave_sites != again.n_xsave || (again.n_xsave &&
	    memcmp(e.xsave_sites, again.xsave, again.n_xsave * sizeof(*again.xsave))))
		__builtin_trap();
#endif
	free_sites(&again);
out:
#if XSAVE_SCAN
	free(e.xsave_sites);
#endif
	free_sites(&other);
	free(e.cpuid_sites);
	free(e.cpuid_holds);
	free(e.pages);
	free(e.epc);
	free(before);
	return 0;
}
