/* SPDX-License-Identifier: MIT */
/*
 * XSAVE-family instructions of enclave code.
 *
 * Inside an enclave the CPU runs with XCR0 = SECS.ATTRIBUTES.XFRM (EENTER loads it, EEXIT and
 * AEX put the OS's value back), so an XSAVEC or XRSTOR with EDX:EAX = all ones only touches the
 * enclave's components. The simulator runs enclave code under the host's XCR0. Where that has
 * components beyond XFRM (PKRU, AMX on a Sapphire Rapids host):
 *  - XSAVEC lays out a compacted area sized for the host's components, larger than the one the
 *    runtime allocated for XFRM. Intel's trts sizes its OCALL buffer for XFRM, and XRSTOR of
 *    that area then reads up to 8 KiB past its end, past the top of the stack;
 *  - XRSTOR puts the host's extra components (PKRU) into their init state.
 * For such an enclave (th_sim_xsave_needed) the page scan of cpuid.c also rewrites XSAVE,
 * XSAVEC, XSAVEOPT and XRSTOR to UD2. The machine then executes them here, with
 * RFBM = XFRM & EDX:EAX, against the interrupted thread's extended state, which is the signal
 * frame's XSAVE image (standard format): sigreturn loads it. XGETBV is rewritten too and
 * answers XFRM for XCR0 (ECX = 0), XINUSE & XFRM for ECX = 1 where the CPU has that.
 */
#include <string.h>
#include <sys/mman.h>
#include <sys/ucontext.h>

#include "sim/sim.h"

#define LEGACY 576                      /* legacy area + XSAVE header */
#define COMPACTED (1ull << 63)

uint64_t th_sim_xcr0;
static bool xgetbv1;                    /* CPUID.(0DH, 1):EAX[2]: XGETBV with ECX = 1 */
static struct {
	uint32_t size, off;             /* CPUID.(0DH, i): EAX, EBX */
	bool align;                     /* ECX[1]: 64-byte aligned in the compacted form */
} comp[64];

/* Called before CPUID faulting is on: the real leaf 0xD */
void th_sim_xsave_init(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	th_sim_xcr0 = (uint64_t)hi << 32 | lo;
	{
		uint32_t a, b, c, d;

		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(1));
		xgetbv1 = a & 4;
	}
	for (int i = 2; i < 63; i++) {
		uint32_t a, b, c, d;

		if (!(th_sim_xcr0 >> i & 1))
			continue;
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(i));
		comp[i].size = a;
		comp[i].off = b;
		comp[i].align = c & 2;
	}
}

bool th_sim_xsave_needed(const struct th_sim_encl *e)
{
	return (th_sim_xcr0 & ~e->secs.attributes.xfrm) != 0;
}

/* Offset of component I in the compacted form of BV */
static uint64_t compact_off(uint64_t bv, int i)
{
	uint64_t o = LEGACY;

	for (int j = 2; j <= i; j++) {
		if (!(bv >> j & 1) && j != i)
			continue;
		if (comp[j].align)
			o = (o + 63) & ~63ull;
		if (j == i)
			break;
		o += comp[j].size;
	}
	return o;
}

static uint64_t area_size(uint64_t bv, bool compacted)
{
	uint64_t end = LEGACY;

	for (int i = 2; i < 63; i++) {
		uint64_t e;

		if (!(bv >> i & 1))
			continue;
		e = (compacted ? compact_off(bv, i) : comp[i].off) + comp[i].size;
		if (e > end)
			end = e;
	}
	return end;
}

/* ---- sites ---- */
static size_t site_index(const struct th_sim_encl *e, uint64_t addr)
{
	size_t lo = 0, hi = e->n_xsave_sites;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (e->xsave_sites[mid].addr < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static const struct th_sim_xsave_site *site_at(const struct th_sim_encl *e, uint64_t addr)
{
	size_t i = site_index(e, addr);

	return i < e->n_xsave_sites && e->xsave_sites[i].addr == addr ? &e->xsave_sites[i] : NULL;
}

bool th_sim_xsave_site_add(struct th_sim_encl *e, const struct th_sim_xsave_site *s)
{
	size_t i = site_index(e, s->addr);

	if (i < e->n_xsave_sites && e->xsave_sites[i].addr == s->addr)
		return true;
	if (!th_sim_grow(&e->xsave_sites, &e->cap_xsave_sites, e->n_xsave_sites,
			 sizeof(*e->xsave_sites)))
		return false;
	memmove(e->xsave_sites + i + 1, e->xsave_sites + i,
		(e->n_xsave_sites - i) * sizeof(*e->xsave_sites));
	e->xsave_sites[i] = *s;
	e->n_xsave_sites++;
	return true;
}

/* Undo the rewrites of the sites that start in [ADDR, ADDR + LEN) in BUF, the BUFLEN bytes from
 * ADDR (see th_sim_code_original) */
void th_sim_xsave_original(const struct th_sim_encl *e, uint64_t addr, size_t len, uint8_t *buf,
			   size_t buflen)
{
	static const uint8_t opcode[] = {
		[TH_SIM_XSAVE] = 0xae, [TH_SIM_XSAVEC] = 0xc7, [TH_SIM_XRSTOR] = 0xae,
		[TH_SIM_XGETBV] = 0x01,
	};

	for (size_t i = site_index(e, addr); i < e->n_xsave_sites; i++) {
		const struct th_sim_xsave_site *s = &e->xsave_sites[i];
		uint64_t o = s->addr - addr;
		size_t k;

		if (o >= len)
			break;
		/* the rewritten 0F 0B after the prefixes, as the scan found it (no prefix is 0F) */
		for (k = 0; k + 1 < s->len && o + k + 1 < buflen && buf[o + k] != 0x0f; k++)
			;
		if (k + 1 < s->len && o + k + 1 < buflen && buf[o + k] == 0x0f &&
		    buf[o + k + 1] == 0x0b &&
		    s->op < sizeof(opcode))
			buf[o + k + 1] = opcode[s->op];
	}
}

void th_sim_xsave_forget_page(struct th_sim_encl *e, uint64_t page)
{
	size_t i = site_index(e, page), j = site_index(e, page + TH_SIM_PAGE);

	if (i == j)
		return;
	memmove(e->xsave_sites + i, e->xsave_sites + j,
		(e->n_xsave_sites - j) * sizeof(*e->xsave_sites));
	e->n_xsave_sites -= j - i;
}

/* ---- execution ---- */
static const int gregs_of_reg[16] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
};

static uint64_t reg_value(const ucontext_t *uc, int8_t r)
{
	return r < 0 ? 0 : (uint64_t)uc->uc_mcontext.gregs[gregs_of_reg[r]];
}

/*
 * The enclave's access to [A, A + LEN): 0 and its bytes in *P, TH_SIM_XSAVE_RETRY when the
 * fault was the machine's to fix (the instruction runs again), else 14 with the #PF's
 * error code and address. The operand must lie in the enclave (the scan only takes such code).
 */
static int encl_access(struct th_sim_encl *e, uint64_t a, uint64_t len, bool write, uint8_t **p,
		  uint32_t *code, uint64_t *addr)
{
	int need = write ? PROT_WRITE : PROT_READ;

	if (a - e->base >= e->size || a + len - e->base > e->size || a + len < a) {
		*code = 4 | (write ? 2 : 0);
		*addr = a;
		return 14;
	}
	for (uint64_t pg = a & ~0xfffull; pg < a + len; pg += TH_SIM_PAGE) {
		uint64_t at = pg < a ? a : pg;
		int prot;

		th_sim_lock();
		prot = th_sim_page_prot(e, th_sim_page_at(e, pg));
		th_sim_unlock();
		if (prot >= 0 && (prot & need))
			continue;
		if (!th_sim_classify_pf(e, at, 4 | (write ? 2 : 0), code))
			return TH_SIM_XSAVE_RETRY;
		*addr = at;
		return 14;
	}
	*p = e->epc + (a - e->base);
	return 0;
}

/* the legacy area's parts: x87 (FCW..FDP, ST0-7), MXCSR with its mask, XMM0-15 */
static void legacy_move(uint8_t *to, const uint8_t *from, uint64_t rfbm, bool mxcsr)
{
	if (rfbm & 1) {
		memcpy(to, from, 24);
		memcpy(to + 32, from + 32, 128);
	}
	if (mxcsr)
		memcpy(to + 24, from + 24, 8);
	if (rfbm & 2)
		memcpy(to + 160, from + 160, 256);
}

static int do_save(struct th_sim_encl *e, ucontext_t *uc, const struct th_sim_xsave_site *s,
		   uint64_t m, uint64_t rfbm, size_t n, uint32_t *code, uint64_t *addr)
{
	const uint8_t *fx = (const uint8_t *)uc->uc_mcontext.fpregs;
	bool compacted = s->op == TH_SIM_XSAVEC;
	uint64_t inuse = *(const uint64_t *)(fx + 512) | 3, *h;
	uint8_t *mem;
	int v = encl_access(e, m, area_size(rfbm, compacted), true, &mem, code, addr);

	if (v)
		return v;
	legacy_move(mem, fx, rfbm, rfbm & 6);
	h = (uint64_t *)(mem + 512);
	if (compacted) {
		h[0] = inuse & rfbm;
		h[1] = rfbm | COMPACTED;
	} else {
		h[0] = (h[0] & ~rfbm) | (inuse & rfbm);
	}
	for (int i = 2; i < 63; i++) {
		if (!(rfbm & inuse & (1ull << i)) || comp[i].off + comp[i].size > n)
			continue;
		memcpy(mem + (compacted ? compact_off(rfbm, i) : comp[i].off), fx + comp[i].off,
		       comp[i].size);
	}
	return 0;
}

static int do_restore(struct th_sim_encl *e, ucontext_t *uc, uint64_t m, uint64_t rfbm,
		      size_t n, uint32_t *code, uint64_t *addr)
{
	uint8_t *fx = (uint8_t *)uc->uc_mcontext.fpregs, *mem;
	uint64_t *fbv = (uint64_t *)(fx + 512), xfrm = e->secs.attributes.xfrm;
	uint64_t bv, xcomp, h[8];
	bool compacted;
	int v = encl_access(e, m, LEGACY, false, &mem, code, addr);

	if (v)
		return v;
	memcpy(h, mem + 512, 64);
	bv = h[0];
	xcomp = h[1];
	compacted = xcomp & COMPACTED;
	if (compacted) {
		if ((xcomp & ~COMPACTED & ~xfrm) || (bv & ~xcomp))
			return 13;
		for (int i = 2; i < 8; i++)
			if (h[i])
				return 13;
	} else if ((bv & ~xfrm) || h[1] || h[2]) {
		return 13;
	}
	v = encl_access(e, m, compacted ? area_size(xcomp & ~COMPACTED, true) : area_size(rfbm, false),
		   false, &mem, code, addr);
	if (v)
		return v;
	legacy_move(fx, mem, rfbm & bv, (rfbm & 6) && (!compacted || (bv & 6)));
	if (rfbm & ~bv & 1) {                   /* x87 to its init state */
		static const uint8_t init[24] = { 0x7f, 0x03 };

		memcpy(fx, init, 24);
		memset(fx + 32, 0, 128);
	}
	if (rfbm & ~bv & 2)
		memset(fx + 160, 0, 256);
	if (compacted && (rfbm & 6) && !(bv & 6)) {
		uint32_t mxcsr = 0x1f80;

		memcpy(fx + 24, &mxcsr, 4);
	}
	*fbv |= rfbm & 3;
	for (int i = 2; i < 63; i++) {
		if (!(rfbm >> i & 1) || comp[i].off + comp[i].size > n)
			continue;
		if (bv >> i & 1) {
			memcpy(fx + comp[i].off,
			       mem + (compacted ? compact_off(xcomp, i) : comp[i].off), comp[i].size);
			*fbv |= 1ull << i;
		} else {
			memset(fx + comp[i].off, 0, comp[i].size);
			*fbv &= ~(1ull << i);   /* sigreturn's XRSTOR puts it in its init state */
		}
	}
	return 0;
}

int th_sim_xsave_exec(struct th_sim_encl *e, ucontext_t *uc, uint64_t rip, uint32_t *code,
		      uint64_t *addr)
{
	const struct th_sim_xsave_site *s = site_at(e, rip);
	greg_t *gr = uc->uc_mcontext.gregs;
	size_t n = th_sim_frame_xsave_size(uc);
	uint64_t m, rfbm;
	int v;

	*code = 0;
	*addr = 0;
	if (!s)
		return TH_SIM_XSAVE_NONE;
	if (s->op == TH_SIM_XGETBV) {
		uint32_t ecx = (uint32_t)gr[REG_RCX];
		uint64_t v = e->secs.attributes.xfrm;

		if (ecx > 1 || (ecx == 1 && (!xgetbv1 || n < LEGACY)))
			return 13;
		if (ecx == 1)   /* the frame's XSTATE_BV: what the thread's XSAVE found in use */
			v &= *(const uint64_t *)((const uint8_t *)uc->uc_mcontext.fpregs + 512);
		gr[REG_RAX] = (greg_t)(uint32_t)v;
		gr[REG_RDX] = (greg_t)(v >> 32);
		gr[REG_RIP] = (greg_t)(rip + s->len);
		return 0;
	}
	if (n < LEGACY)
		return 6;               /* no XSAVE state in the frame: as without OSXSAVE */
	m = reg_value(uc, s->base) + reg_value(uc, s->index) * s->scale + (uint64_t)(int64_t)s->disp;
	if (s->rip_rel)
		m += rip + s->len;
	if (m & 63)
		return 13;
	rfbm = e->secs.attributes.xfrm &
	       ((uint64_t)(uint32_t)gr[REG_RDX] << 32 | (uint32_t)gr[REG_RAX]);
	v = s->op == TH_SIM_XRSTOR ? do_restore(e, uc, m, rfbm, n, code, addr) :
				     do_save(e, uc, s, m, rfbm, n, code, addr);
	if (!v)
		gr[REG_RIP] = (greg_t)(rip + s->len);
	return v;
}
