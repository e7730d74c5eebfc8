/* SPDX-License-Identifier: MIT */
/*
 * ENCLU and the enclave/host transitions.
 *
 * Enclave code runs natively. ENCLU (0F 01 D7) traps: #UD (SIGILL) on CPUs without SGX such as
 * AMD ones, #GP (SIGSEGV, si_code SI_KERNEL) on Intel CPUs with SGX off. The dispatcher
 * recognises it by the bytes at RIP and by the signal being kernel-generated, never by the
 * signal alone, so a real fault is never taken for an ENCLU.
 *
 * EENTER/ERESUME issued through the simulated vDSO do not trap: entry.S calls
 * th_sim_soft_enclu() directly. EEXIT, the in-enclave leaves and every AEX arrive here through
 * the signal trampoline, which has already put the host FS/GS bases back and hands us the
 * interrupted ones in fsgs[] (and takes back what the thread must resume with).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <unistd.h>

#include "sim/device.h"

#define RF_CF 0x1
#define RF_PF 0x4
#define RF_AF 0x10
#define RF_ZF 0x40
#define RF_SF 0x80
#define RF_TF 0x100
#define RF_DF 0x400
#define RF_OF 0x800
#define RF_USER (RF_CF | RF_PF | RF_AF | RF_ZF | RF_SF | RF_TF | RF_DF | RF_OF | 0x40000 | 0x200000)

/* --strict: the first thread in opens the enclave's pages, the last one out closes them */
static void strict_open(struct th_sim_encl *e, bool open)
{
	int n = open ? __atomic_add_fetch(&e->inside, 1, __ATOMIC_ACQ_REL) :
		       __atomic_sub_fetch(&e->inside, 1, __ATOMIC_ACQ_REL);

	if (th_sim_cfg.strict && n == (open ? 1 : 0))
		th_sim_apply_prot(e, e->base, e->base + e->size);
}

/* GPRSGX.AEXNOTIFY: the byte after EXITINFO's reserved bytes (SDM: GPRSGX offset 167) */
#define GPRSGX_AEXNOTIFY 167

/* Does ERESUME on TP deliver an AEX notification? (the frame it would resume asks for one) */
static bool aex_notify(struct th_sim_encl *e, struct sgx_tcs *tp)
{
	const uint8_t *g = (const uint8_t *)th_sim_ssa_gpr(e, th_sim_ssa_frame(e, tp, tp->cssa - 1));

	return (e->secs.attributes.flags & SGX_ATTR_AEXNOTIFY) && (tp->flags & SGX_TCS_AEXNOTIFY) &&
	       (g[GPRSGX_AEXNOTIFY] & 1);
}

/*
 * EENTER or ERESUME (R->rax) with TCS R->rbx from a host register file. On success R holds the
 * enclave's register file; NEXT_RIP is what EENTER puts in RCX. On a fault returns the vector.
 */
int th_sim_enter(struct th_sim_thread *t, struct th_sim_regs *r, uint64_t next_rip,
		 uint64_t *vec, uint64_t *code, uint64_t *addr)
{
	uint64_t leaf = r->rax & 0xffffffff, tcsaddr = r->rbx;
	struct th_sim_encl *e = th_sim_encl_find(tcsaddr);
	struct th_sim_page *p = th_sim_page_at(e, tcsaddr);
	struct th_sim_tcs *ts;
	struct sgx_tcs *tp;
	struct sgx_gpr *g;
	uint8_t *frame;

	*vec = 13;
	*code = 0;
	*addr = 0;
	if ((tcsaddr & 0xfff) || (e && !e->initialized))
		return 13;
	if (!p || !(p->state & TH_EPCM_VALID) || (p->state & (TH_EPCM_PENDING | TH_EPCM_MODIFIED)) ||
	    p->type != SGX_PT_TCS || !p->tcs) {
		/* DS:RBX does not point to a valid TCS: #PF, an EPCM-induced one */
		*vec = 14;
		*code = SGX_PFEC_SGX | 5;
		*addr = tcsaddr;
		return 14;
	}
	ts = p->tcs;
	if (__atomic_exchange_n(&ts->busy, 1, __ATOMIC_ACQUIRE))
		return 13;     /* the TCS is in use by another logical processor: #GP(0) */
	tp = th_sim_tcs_page(e, tcsaddr);
	/*
	 * AEX-Notify: when the frame ERESUME would resume asks for it (GPRSGX.AEXNOTIFY, on a TCS
	 * with FLAGS.AEXNOTIFY in an enclave with ATTRIBUTES.AEXNOTIFY), ERESUME enters as EENTER
	 * does, at OENTRY with RAX = CSSA and CSSA kept; the enclave's handler takes EDECCSSA and
	 * resumes the frame itself.
	 */
	if (leaf == SGX_EENTER ||
	    (tp->cssa != 0 && th_sim_ssa_ok(e, tp, tp->cssa - 1) && aex_notify(e, tp))) {
		if (tp->cssa >= tp->nssa || !th_sim_ssa_ok(e, tp, tp->cssa))
			goto gp;
		frame = th_sim_ssa_frame(e, tp, tp->cssa);
		g = th_sim_ssa_gpr(e, frame);
		ts->aep = r->rcx;
		tp->aep = r->rcx;
		ts->ursp = g->ursp = r->rsp;
		ts->urbp = g->urbp = r->rbp;
		ts->host_fs = r->fsbase;
		ts->host_gs = r->gsbase;
		r->rax = tp->cssa;
		r->rcx = next_rip;
		r->rip = e->base + tp->oentry;
		r->fsbase = e->base + tp->ofsbase;
		r->gsbase = e->base + tp->ogsbase;
		r->xrstor = 0;
	} else {
		if (tp->cssa == 0 || !th_sim_ssa_ok(e, tp, tp->cssa - 1))
			goto gp;
		frame = th_sim_ssa_frame(e, tp, tp->cssa - 1);
		g = th_sim_ssa_gpr(e, frame);
		if (!th_sim_xsave_header_ok(e, frame))
			goto gp;        /* XRSTOR of a corrupt SSA: #GP, as ERESUME's */
		ts->aep = r->rcx;
		tp->aep = r->rcx;
		ts->ursp = r->rsp;
		ts->urbp = r->rbp;
		ts->host_fs = r->fsbase;
		ts->host_gs = r->gsbase;
		memcpy(r, g, 18 * sizeof(uint64_t));   /* rax..r15, rflags, rip */
		r->rflags = (g->rflags & RF_USER) | 0x202;
		r->fsbase = g->fsbase;
		r->gsbase = g->gsbase;
		r->xrstor = (uint64_t)frame;
		r->xrstor_mask = e->secs.attributes.xfrm;
		tp->cssa--;
	}
	ts->thread = t;
	/* the host frames this entry leaves live: see th_sim_thread.alt_floor */
	t->alt_floor = r->rsp - (uint64_t)t < TH_ALT_SLOT ? r->rsp - 128 :
		       (uint64_t)t + TH_ALT_SLOT - TH_ALT_LANDING;
	t->host_fs = ts->host_fs;
	t->host_gs = ts->host_gs;
	__atomic_store_n(&t->fs_switched, 1, __ATOMIC_RELEASE);
	t->cur_tcs = ts;
	t->cur_encl = e;
	strict_open(e, true);
	return 0;
gp:
	__atomic_store_n(&ts->busy, 0, __ATOMIC_RELEASE);
	return 13;
}

static void leave_enclave(struct th_sim_thread *t)
{
	struct th_sim_tcs *ts = t->cur_tcs;

	strict_open(t->cur_encl, false);
	ts->thread = NULL;
	t->cur_tcs = NULL;
	t->cur_encl = NULL;
	/* the trampoline writes fsgs[] (the host bases) when the handler returns */
	__atomic_store_n(&t->fs_switched, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&ts->busy, 0, __ATOMIC_RELEASE);
}

/* Called from entry.S for the vDSO's EENTER/ERESUME. */
void th_sim_soft_enclu(struct th_sim_regs *r)
{
	struct th_sim_thread *t = th_sim_thread_self();
	uint64_t vec, code, addr;

	if (!t && !th_sim_thread_setup())
		t = th_sim_thread_self();
	if (!t) {
		vec = 13;
		code = addr = 0;
	} else if (!th_sim_enter(t, r, (uint64_t)th_sim_vdso_after, &vec, &code, &addr)) {
		return;
	}
	/* the kernel's vDSO exception fixup: report the fault in the run struct */
	r->rip = (uint64_t)th_sim_vdso_exception;
	r->rdi = vec;
	r->rsi = code;
	r->rdx = addr;
}

/* ---- register file <-> ucontext ---- */
static const int greg_of[18] = {
	REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP, REG_RSI, REG_RDI,
	REG_R8, REG_R9, REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
	REG_EFL, REG_RIP,
};

static void uc_to_regs(const ucontext_t *uc, struct th_sim_regs *r)
{
	uint64_t *v = &r->rax;

	for (int i = 0; i < 18; i++)
		v[i] = (uint64_t)uc->uc_mcontext.gregs[greg_of[i]];
}

static void regs_to_uc(const struct th_sim_regs *r, ucontext_t *uc)
{
	const uint64_t *v = &r->rax;

	for (int i = 0; i < 18; i++)
		uc->uc_mcontext.gregs[greg_of[i]] = (greg_t)v[i];
}

/* ---- AEX ---- */
static bool exitinfo_reported(struct th_sim_encl *e, int vec)
{
	switch (vec) {
	case 0: case 1: case 3: case 5: case 6: case 16: case 17: case 19:
		return true;
	case 13: case 14:
		return e->secs.miscselect & SGX_MISC_EXINFO;
	}
	return false;
}

/*
 * Asynchronous exit: save the enclave's state in the current SSA frame, CSSA++, and leave the
 * synthetic state at the AEP. VEC < 0 for an interrupt (signal), else the exception.
 */
static void aex(struct th_sim_thread *t, ucontext_t *uc, uint64_t *fsgs, int vec,
		uint32_t code, uint64_t addr)
{
	struct th_sim_encl *e = t->cur_encl;
	struct th_sim_tcs *ts = t->cur_tcs;
	struct sgx_tcs *tp = th_sim_tcs_page(e, ts->addr);
	uint8_t *frame = th_sim_ssa_frame(e, tp, tp->cssa);
	struct sgx_gpr *g = th_sim_ssa_gpr(e, frame);
	struct th_sim_regs r;
	greg_t *gr = uc->uc_mcontext.gregs;

	uc_to_regs(uc, &r);
	memcpy(g, &r, 18 * sizeof(uint64_t));
	g->ursp = ts->ursp;
	g->urbp = ts->urbp;
	g->fsbase = fsgs ? fsgs[0] : th_sim_get_base(false);
	g->gsbase = fsgs ? fsgs[1] : th_sim_get_base(true);
	g->exitinfo = 0;
	if (vec >= 0 && exitinfo_reported(e, vec))
		g->exitinfo = SGX_EXITINFO_VALID | (uint32_t)vec |
			      ((vec == 3 ? SGX_EXIT_TYPE_SW : SGX_EXIT_TYPE_HW) << 8);
	if ((e->secs.miscselect & SGX_MISC_EXINFO) && (vec == 13 || vec == 14)) {
		struct sgx_exinfo *x = (struct sgx_exinfo *)((uint8_t *)g - sizeof(*x));

		x->maddr = vec == 14 ? addr : 0;
		x->errcd = code;
		x->reserved = 0;
	}
	th_sim_save_xstate(e, uc, frame);
	th_sim_synthetic_xstate(e, uc);
	tp->cssa++;

	/* synthetic state */
	for (int i = 0; i < 18; i++)
		gr[greg_of[i]] = 0;
	gr[REG_RAX] = SGX_ERESUME;
	gr[REG_RBX] = (greg_t)ts->addr;
	gr[REG_RCX] = (greg_t)ts->aep;
	gr[REG_RSP] = (greg_t)ts->ursp;
	gr[REG_RBP] = (greg_t)ts->urbp;
	gr[REG_RIP] = (greg_t)ts->aep;
	gr[REG_EFL] = (greg_t)((r.rflags & ~(uint64_t)(RF_CF | RF_PF | RF_AF | RF_ZF | RF_SF | RF_OF |
						       RF_TF)) | 0x2);
	if (fsgs) {
		fsgs[0] = ts->host_fs;
		fsgs[1] = ts->host_gs;
	}
	leave_enclave(t);
}

static void sigsegv_default(int sig)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	th_sim_real_sigaction(sig, &sa, NULL);
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
}

/* Report an exception the way the kernel would: vDSO fixup, else a signal to the program. */
static void deliver_exception(ucontext_t *uc, int sig, siginfo_t *info, int vec, uint32_t code,
			      uint64_t addr)
{
	greg_t *gr = uc->uc_mcontext.gregs;

	if ((uint64_t)gr[REG_RIP] == (uint64_t)th_sim_vdso_aep) {
		gr[REG_RIP] = (greg_t)th_sim_vdso_exception;
		gr[REG_RDI] = vec;
		gr[REG_RSI] = code;
		gr[REG_RDX] = (greg_t)addr;
		return;
	}
	if (vec == 14)
		info->si_addr = (void *)addr;
	gr[REG_ERR] = code;
	gr[REG_TRAPNO] = vec;
	th_sim_deliver_app(sig, info, uc);
}

/* A fault of an ENCLU issued outside the enclave (#GP(0) or #PF): SIGSEGV as the kernel sends */
static void raise_fault(ucontext_t *uc, siginfo_t *info, int vec, uint32_t code, uint64_t addr)
{
	memset(info, 0, sizeof(*info));
	info->si_signo = SIGSEGV;
	info->si_code = vec == 14 ? SEGV_ACCERR : SI_KERNEL;
	deliver_exception(uc, SIGSEGV, info, vec, code, addr);
}

static void raise_gp(ucontext_t *uc, siginfo_t *info)
{
	raise_fault(uc, info, 13, 0, 0);
}

/* Translate an enclave linear address for an ENCLU operand: inside the enclave, valid REG. */
static void *encl_ptr(struct th_sim_encl *e, uint64_t addr, size_t len, bool write)
{
	if (addr - e->base >= e->size || addr + len - e->base > e->size || addr + len < addr)
		return NULL;
	for (uint64_t a = addr & ~0xfffull; a < addr + len; a += TH_SIM_PAGE) {
		struct th_sim_page *p = th_sim_page_at(e, a);

		if (!(p->state & TH_EPCM_VALID) || (p->state & (TH_EPCM_PENDING | TH_EPCM_MODIFIED)) ||
		    p->type != SGX_PT_REG || !(p->rwx & SGX_SECINFO_R) ||
		    (write && !(p->rwx & SGX_SECINFO_W)))
			return NULL;
	}
	return e->epc + (addr - e->base);
}

static void set_result(ucontext_t *uc, uint64_t rax)
{
	greg_t *gr = uc->uc_mcontext.gregs;

	gr[REG_RAX] = (greg_t)rax;
	if (rax)
		gr[REG_EFL] |= RF_ZF;
	else
		gr[REG_EFL] &= ~(greg_t)RF_ZF;
	gr[REG_EFL] &= ~(greg_t)(RF_CF | RF_PF | RF_AF | RF_OF | RF_SF);
}

/* The page an EACCEPT/EACCEPTCOPY targets, EAUGed on demand as the kernel's #PF handler does. */
static struct th_sim_page *aug_target(struct th_sim_encl *e, uint64_t addr)
{
	struct th_sim_page *p = th_sim_page_at(e, addr);

	if (!p)
		return NULL;
	if (!(p->state & TH_EPCM_VALID)) {
		if (!(p->vma & TH_VMA_MAPPED) || !e->fault || e->fault(e, addr))
			return NULL;
	}
	return p;
}

/*
 * In-enclave leaves, one function each (inside_leaves[]). A leaf returns 0 when done (RIP then
 * moves past the ENCLU), LEAF_JUMPED when it set RIP itself (EEXIT), else the vector of the
 * fault to raise, with the #PF's error code and address in *code and *addr.
 */
struct leaf_call {
	struct th_sim_thread *t;
	struct th_sim_encl *e;
	ucontext_t *uc;
	uint64_t *fsgs;
	uint64_t leaf, rbx, rcx, rdx;
	uint32_t *code;
	uint64_t *addr;
};
#define LEAF_JUMPED (-1)

/* AEX-Notify's: pop the SSA frame the notification entry left (SDM EDECCSSA) */
static int leaf_edeccssa(struct leaf_call *c)
{
	struct sgx_tcs *tp = th_sim_tcs_page(c->e, c->t->cur_tcs->addr);

	if (tp->cssa == 0 || !th_sim_ssa_ok(c->e, tp, tp->cssa - 1))
		return 13;
	tp->cssa--;
	return 0;
}

static int leaf_eexit(struct leaf_call *c)
{
	greg_t *gr = c->uc->uc_mcontext.gregs;
	struct th_sim_tcs *ts = c->t->cur_tcs;

	if ((uint64_t)((int64_t)(c->rbx << 16) >> 16) != c->rbx)
		return 13;      /* target not canonical */
	if (ts->cpuid_holds) {
		/* leaving the frame a CPUID's #UD interrupted: its handler has run */
		th_sim_lock();
		th_sim_cpuid_release(c->e, ts, th_sim_tcs_page(c->e, ts->addr)->cssa);
		th_sim_unlock();
	}
	gr[REG_RIP] = (greg_t)c->rbx;
	gr[REG_RCX] = (greg_t)c->t->cur_tcs->aep;
	c->fsgs[0] = c->t->cur_tcs->host_fs;
	c->fsgs[1] = c->t->cur_tcs->host_gs;
	leave_enclave(c->t);
	return LEAF_JUMPED;
}

static int leaf_ereport(struct leaf_call *c)
{
	void *ti, *rd, *out;
	int rc;

	if ((c->rbx & 511) || (c->rcx & 127) || (c->rdx & 511))
		return 13;
	ti = encl_ptr(c->e, c->rbx, 512, false);
	rd = encl_ptr(c->e, c->rcx, 64, false);
	out = encl_ptr(c->e, c->rdx, SGX_REPORT_SIZE, true);
	if (!ti || !rd || !out)
		return 13;
	rc = th_sim_ereport(c->e, ti, rd, out);
	return rc < 0 ? -rc : 0;
}

static int leaf_egetkey(struct leaf_call *c)
{
	void *kr, *out;
	int rc;

	if ((c->rbx & 511) || (c->rcx & 15))
		return 13;
	kr = encl_ptr(c->e, c->rbx, 512, false);
	out = encl_ptr(c->e, c->rcx, 16, true);
	if (!kr || !out)
		return 13;
	rc = th_sim_egetkey(c->e, kr, out);
	if (rc < 0)
		return -rc;
	set_result(c->uc, (uint64_t)rc);
	return 0;
}

/*
 * What EACCEPT, EMODPE and EACCEPTCOPY share: the SECINFO at RBX (its flags in *F) and the
 * page at RCX (*P, EAUGed on demand except for EMODPE), under th_sim_lock() when it returns 0;
 * else the vector to raise, unlocked.
 */
static int sgx2_target(struct leaf_call *c, struct th_sim_page **p, uint64_t *f)
{
	const struct sgx_secinfo *si;

	if ((c->rbx & 63) || (c->rcx & 0xfff) || (c->leaf == SGX_EACCEPTCOPY && (c->rdx & 0xfff)))
		return 13;
	si = encl_ptr(c->e, c->rbx, sizeof(*si), false);
	if (!si)
		return 13;
	*f = si->flags;
	if ((*f & TH_SECINFO_RESERVED) || ((*f & SGX_SECINFO_W) && !(*f & SGX_SECINFO_R)))
		return 13;
	th_sim_lock();
	*p = c->leaf == SGX_EMODPE ? th_sim_page_at(c->e, c->rcx) : aug_target(c->e, c->rcx);
	if (!*p || !((*p)->state & TH_EPCM_VALID)) {
		th_sim_unlock();
		*c->addr = c->rcx;
		*c->code = 4;      /* user read of a page not present */
		return 14;
	}
	return 0;
}

/* the end of EACCEPT/EACCEPTCOPY: the page's protection follows the EPCM, RAX = RC */
static int sgx2_done(struct leaf_call *c, int rc)
{
	th_sim_apply_prot(c->e, c->rcx, c->rcx + TH_SIM_PAGE);
	th_sim_unlock();
	set_result(c->uc, (uint64_t)rc);
	return 0;
}

static int leaf_emodpe(struct leaf_call *c)
{
	struct th_sim_page *p;
	uint64_t f;
	int v = sgx2_target(c, &p, &f);

	if (v)
		return v;
	if (p->type != SGX_PT_REG || (p->state & (TH_EPCM_PENDING | TH_EPCM_MODIFIED))) {
		th_sim_unlock();
		*c->addr = c->rcx;
		*c->code = SGX_PFEC_SGX | 5;
		return 14;
	}
	p->rwx |= f & SGX_SECINFO_PERM_MASK;
	th_sim_apply_prot(c->e, c->rcx, c->rcx + TH_SIM_PAGE);
	th_sim_unlock();
	return 0;
}

static int leaf_eacceptcopy(struct leaf_call *c)
{
	struct th_sim_page *p;
	const void *src;
	uint64_t f;
	int v = sgx2_target(c, &p, &f);

	if (v)
		return v;
	src = encl_ptr(c->e, c->rdx, TH_SIM_PAGE, false);
	if (!src) {
		th_sim_unlock();
		return 13;
	}
	if (p->type != SGX_PT_REG || !(p->state & TH_EPCM_PENDING) ||
	    (p->state & TH_EPCM_MODIFIED) || ((f >> SGX_SECINFO_TYPE_SHIFT) & 0xff) != SGX_PT_REG)
		return sgx2_done(c, SGX_PAGE_ATTRIBUTES_MISMATCH);
	/* new code, scanned when it runs: the old page's sites go first (their bytes are still
	 * the scan's), and the copy holds the source's own code, not its rewritten sites */
	th_sim_cpuid_forget_page(c->e, c->rcx);
	memcpy(c->e->epc + (c->rcx - c->e->base), src, TH_SIM_PAGE);
	th_sim_code_original(c->e, c->rdx, TH_SIM_PAGE, c->e->epc + (c->rcx - c->e->base),
			     TH_SIM_PAGE);
	p->rwx = f & SGX_SECINFO_PERM_MASK;
	p->state &= ~TH_EPCM_PENDING;
	return sgx2_done(c, 0);
}

static int leaf_eaccept(struct leaf_call *c)
{
	struct th_sim_page *p;
	uint64_t f, st;
	uint8_t type, want;
	int v = sgx2_target(c, &p, &f);

	if (v)
		return v;
	type = (f >> SGX_SECINFO_TYPE_SHIFT) & 0xff;
	st = f & (SGX_SECINFO_PENDING | SGX_SECINFO_MODIFIED | SGX_SECINFO_PR);
	want = st == SGX_SECINFO_PENDING ? TH_EPCM_PENDING : st == SGX_SECINFO_MODIFIED ?
	       TH_EPCM_MODIFIED : st == SGX_SECINFO_PR ? TH_EPCM_PR : 0;
	if (p->gen > c->e->tracked)
		return sgx2_done(c, SGX_NOT_TRACKED);
	if (!want || p->type != type || p->rwx != (f & SGX_SECINFO_PERM_MASK) ||
	    (p->state & (TH_EPCM_PENDING | TH_EPCM_MODIFIED | TH_EPCM_PR)) != want)
		return sgx2_done(c, SGX_PAGE_ATTRIBUTES_MISMATCH);
	p->state &= ~want;
	if (p->type == SGX_PT_TCS && !p->tcs) {
		p->tcs = calloc(1, sizeof(*p->tcs));
		if (p->tcs)
			p->tcs->addr = c->rcx;
	}
	return sgx2_done(c, 0);
}

static const struct {
	uint64_t leaf;
	int (*fn)(struct leaf_call *c);
	bool sgx2;              /* #UD on an SGX1 machine */
} inside_leaves[] = {
	{ SGX_EEXIT, leaf_eexit, false },
	{ SGX_EREPORT, leaf_ereport, false },
	{ SGX_EGETKEY, leaf_egetkey, false },
	{ SGX_EACCEPT, leaf_eaccept, true },
	{ SGX_EMODPE, leaf_emodpe, true },
	{ SGX_EACCEPTCOPY, leaf_eacceptcopy, true },
	{ SGX_EDECCSSA, leaf_edeccssa, true },
};

/* In-enclave leaves. Returns 0 when done, else the vector of the fault to raise. */
static int enclu_inside(struct th_sim_thread *t, ucontext_t *uc, uint64_t *fsgs, uint64_t leaf,
			uint32_t *code, uint64_t *addr)
{
	greg_t *gr = uc->uc_mcontext.gregs;
	struct leaf_call c = {
		.t = t, .e = t->cur_encl, .uc = uc, .fsgs = fsgs, .leaf = leaf,
		.rbx = (uint64_t)gr[REG_RBX], .rcx = (uint64_t)gr[REG_RCX],
		.rdx = (uint64_t)gr[REG_RDX], .code = code, .addr = addr,
	};

	*code = 0;
	*addr = 0;
	for (size_t i = 0; i < sizeof(inside_leaves) / sizeof(inside_leaves[0]); i++) {
		int v;

		if (inside_leaves[i].leaf != leaf)
			continue;
		if (inside_leaves[i].sgx2 && th_sim_cfg.sgx1_only)
			return 6;
		v = inside_leaves[i].fn(&c);
		if (v == LEAF_JUMPED)
			return 0;
		if (!v)
			gr[REG_RIP] += 3;
		return v;
	}
	return 13;
}

/* A fault (#UD, #GP or #PF) of an instruction the machine executes for the enclave: AEX */
static void fault_inside(struct th_sim_thread *t, ucontext_t *uc, uint64_t *fsgs, siginfo_t *info,
			 int vec, uint32_t code, uint64_t addr)
{
	memset(info, 0, sizeof(*info));
	info->si_signo = vec == 6 ? SIGILL : SIGSEGV;
	info->si_code = vec == 14 ? SEGV_ACCERR : vec == 6 ? ILL_ILLOPN : SI_KERNEL;
	aex(t, uc, fsgs, vec, code, addr);
	deliver_exception(uc, info->si_signo, info, vec, code, addr & ~0xfffull);
}

static void enclu(struct th_sim_thread *t, bool inside, int sig, siginfo_t *info,
		  ucontext_t *uc, uint64_t *fsgs)
{
	greg_t *gr = uc->uc_mcontext.gregs;
	uint64_t leaf = (uint64_t)gr[REG_RAX] & 0xffffffff;

	if (inside) {
		uint32_t code;
		uint64_t addr;
		int vec;

		if (leaf == SGX_EENTER || leaf == SGX_ERESUME) {
			vec = 13;
			code = 0;
			addr = 0;
		} else {
			vec = enclu_inside(t, uc, fsgs, leaf, &code, &addr);
		}
		if (vec)
			fault_inside(t, uc, fsgs, info, vec, code, addr);
		return;
	}
	if (leaf != SGX_EENTER && leaf != SGX_ERESUME) {
		raise_gp(uc, info);     /* in-enclave leaves outside an enclave: #GP(0) */
		return;
	}
	if (!fsgs) {
		/* not on a simulator altstack: make one and let the ENCLU trap again there */
		if (th_sim_thread_setup_frame(uc))
			raise_gp(uc, info);
		return;
	}
	{
		struct th_sim_regs r;
		uint64_t vec, code, addr;
		struct th_sim_encl *e;
		const uint8_t *fx;

		uc_to_regs(uc, &r);
		r.fsbase = fsgs[0];
		r.gsbase = fsgs[1];
		if (th_sim_enter(t, &r, (uint64_t)gr[REG_RIP] + 3, &vec, &code, &addr)) {
			raise_fault(uc, info, (int)vec, (uint32_t)code, addr);
			return;
		}
		fx = (const uint8_t *)r.xrstor;
		e = t->cur_encl;
		regs_to_uc(&r, uc);
		if (fx)
			th_sim_load_xstate(e, uc, fx);
		fsgs[0] = r.fsbase;
		fsgs[1] = r.gsbase;
	}
	(void)sig;
}

/* #PF inside the enclave: decide between a PTE fault, an EPCM fault and a fault to fix. */
int th_sim_classify_pf(struct th_sim_encl *e, uint64_t addr, uint32_t kerr, uint32_t *code)
{
	uint32_t acc = kerr & (2 | 0x10);
	struct th_sim_page *p = th_sim_page_at(e, addr);
	int need = (kerr & 0x10) ? PROT_EXEC : (kerr & 2) ? PROT_WRITE : PROT_READ;
	int prot;

	if (!p) {
		*code = kerr;
		return 1;
	}
	if (!(p->vma & TH_VMA_MAPPED) || !(p->vma & need)) {
		*code = ((p->vma & TH_VMA_MAPPED) && (p->vma & 7) ? 1 : 0) | 4 | acc;
		return 1;
	}
	th_sim_lock();
	if (th_sim_epc_page_in(e, addr)) {
		/* written back by the driver: its fault handler loads it (ELDU), the access retries */
		th_sim_unlock();
		return 0;
	}
	if (!(p->state & TH_EPCM_VALID)) {
		/* the driver's fault handler may add the page (EAUG); the retried access then
		 * meets a PENDING page: an EPCM fault */
		if (!e->fault || e->fault(e, addr & ~0xfffull)) {
			th_sim_unlock();
			*code = 4 | acc;
			return 1;
		}
		th_sim_apply_prot(e, addr & ~0xfffull, (addr & ~0xfffull) + TH_SIM_PAGE);
		th_sim_unlock();
		*code = SGX_PFEC_SGX | 5 | acc;
		return 1;
	}
	/* the first execution of a page since it changed: its CPUIDs become UD2 first; a write
	 * to an executable page makes it a page to scan again (see th_sim_cpuid_in_code) */
	if (th_sim_cpuid_in_code && p->type == SGX_PT_REG && (p->vma & need) && (p->rwx & need) &&
	    (need == PROT_EXEC || need == PROT_WRITE) && !(p->state & TH_EPCM_OUT)) {
		if (need == PROT_EXEC && !(p->state & TH_EPCM_SCANNED))
			th_sim_cpuid_scan_page(e, addr & ~0xfffull);
		else if (need == PROT_WRITE && (p->state & TH_EPCM_SCANNED))
			th_sim_cpuid_forget_page(e, addr & ~0xfffull);
	}
	prot = th_sim_page_prot(e, p);
	if (prot >= 0 && (prot & need)) {
		/* stale protection (another thread changed the EPCM): fix and retry */
		th_sim_apply_prot(e, addr & ~0xfffull, (addr & ~0xfffull) + TH_SIM_PAGE);
		th_sim_unlock();
		return 0;
	}
	th_sim_unlock();
	*code = SGX_PFEC_SGX | 5 | acc;
	return 1;
}

static int vector_of(int sig, siginfo_t *info, ucontext_t *uc)
{
	int trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];

	switch (sig) {
	case SIGSEGV:
		return info->si_code == SI_KERNEL ? 13 : 14;
	case SIGBUS:
		return trapno == 17 ? 17 : 14;
	case SIGILL:
		return 6;
	case SIGFPE:
		return trapno ? trapno : 0;
	case SIGTRAP:
		return trapno == 3 ? 3 : 1;
	}
	return -1;
}

static bool is_sync(int sig, const siginfo_t *info)
{
	if (info->si_code <= 0 && info->si_code != SI_KERNEL)
		return false;           /* sent by a process (kill, tgkill, sigqueue) */
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP;
}

static bool read_code(struct th_sim_thread *t, uint64_t rip, uint8_t out[3])
{
	struct th_sim_encl *e = t && t->cur_encl ? t->cur_encl : NULL;

	if (e && rip - e->base + 3 <= e->size) {
		memcpy(out, e->epc + (rip - e->base), 3);
		return true;
	}
	/* the instruction was fetched, but its last bytes may sit on an unmapped next page */
	if ((rip & 0xfff) > 0xffd)
		return th_sim_copy_from(out, rip, 3) == 0;
	memcpy(out, (const void *)rip, 3);
	return true;
}

/* A host access to a page its driver wrote back: the fault handler loads it, the access retries */
static bool page_in_for_host(uint64_t addr)
{
	struct th_sim_encl *e;
	bool done = false;

	th_sim_lock_keep();
	done = th_sim_epc_unstage(addr);        /* a page added but not yet stored: now it is */
	e = th_sim_encl_find(addr);
	if (e && !done)
		done = th_sim_epc_page_in(e, addr);
	th_sim_unlock();
	return done;
}

__thread unsigned th_sim_in_signal __attribute__((tls_model("initial-exec")));

void th_sim_signal(int sig, siginfo_t *info, void *ucv, uint64_t *fsgs)
{
	ucontext_t *uc = ucv;
	greg_t *gr = uc->uc_mcontext.gregs;
	uint64_t rip = (uint64_t)gr[REG_RIP];
	struct th_sim_thread *t = fsgs ? th_sim_thread_self() : NULL;
	bool inside = t && t->cur_tcs && rip - t->cur_encl->base < t->cur_encl->size;
	bool sync = is_sync(sig, info);
	int saved_errno = errno;

	/* th_sim_copy_from's source was unreadable: it returns -EFAULT (checked before any lock) */
	if (sync && (sig == SIGSEGV || sig == SIGBUS) && rip == (uint64_t)th_sim_copy_user_insn) {
		gr[REG_RIP] = (greg_t)th_sim_copy_user_fixup;
		return;
	}
	/* left with a jump (an application handler's siglongjmp) it stays set: then the copies
	 * of this thread take the system call, which is only slower */
	th_sim_in_signal++;
	th_sim_log("signal %d code %d rip %#lx addr %p inside %d fsgs %d", sig, info->si_code,
		   (unsigned long)rip, info->si_addr, inside, fsgs != NULL);

	/*
	 * On a CPU with SGX enabled a direct ENCLU[EENTER/ERESUME] really executes and faults with
	 * #PF on the simulated TCS (not EPC): recognise it by the bytes, the leaf and a TCS of ours.
	 */
	if (sync && sig == SIGSEGV && info->si_code != SI_KERNEL && !inside &&
	    (uint64_t)info->si_addr != rip &&
	    ((uint64_t)gr[REG_RAX] == SGX_EENTER || (uint64_t)gr[REG_RAX] == SGX_ERESUME) &&
	    th_sim_encl_find((uint64_t)gr[REG_RBX])) {
		uint8_t b[3] = { 0, 0, 0 };

		if (!th_sim_copy_from(b, rip, 3) && b[0] == 0x0f && b[1] == 0x01 && b[2] == 0xd7) {
			enclu(t, false, sig, info, uc, fsgs);
			goto out;
		}
	}
	if (sync && (sig == SIGILL || (sig == SIGSEGV && info->si_code == SI_KERNEL))) {
		uint8_t b[3] = { 0, 0, 0 };

		if (!read_code(t, rip, b))
			b[0] = 0;
		if (b[0] == 0x0f && b[1] == 0x01 && b[2] == 0xd7) {
			enclu(t, inside, sig, info, uc, fsgs);
			goto out;
		}
		if ((b[0] == 0x0f && b[1] == 0xa2 && sig == SIGSEGV) ||
		    (sig == SIGILL && th_sim_cpuid_is_patched(rip))) {
			if (!inside) {
				th_sim_cpuid_trap(uc, sig == SIGILL);
				goto out;
			}
			sig = SIGILL;   /* CPUID inside an enclave is #UD */
			info->si_code = ILL_ILLOPN;
		}
		/* an XSAVE-family instruction the machine made UD2: it executes it (xsave.c) */
		if (inside && sig == SIGILL && t->cur_encl->n_xsave_sites) {
			uint32_t code;
			uint64_t addr;
			int vec = th_sim_xsave_exec(t->cur_encl, uc, rip, &code, &addr);

			if (vec == 0 || vec == TH_SIM_XSAVE_RETRY)
				goto out;
			if (vec != TH_SIM_XSAVE_NONE) {
				fault_inside(t, uc, fsgs, info, vec, code, addr);
				goto out;
			}
		}
		/* a CPUID the machine made UD2: the handler reads CPUID at RIP, from the frame
		 * this AEX saves into until the TCS leaves that frame (th_sim_cpuid_restore) */
		if (inside && sig == SIGILL && th_sim_cpuid_in_code) {
			th_sim_lock();
			th_sim_cpuid_restore(t->cur_encl, t->cur_tcs,
					     th_sim_tcs_page(t->cur_encl, t->cur_tcs->addr)->cssa, rip);
			th_sim_unlock();
		}
	}
	if (inside) {
		int vec = sync ? vector_of(sig, info, uc) : -1;
		uint32_t code = 0;
		uint64_t addr = 0;

		if (vec == 14) {
			addr = (uint64_t)info->si_addr;
			if (!th_sim_classify_pf(t->cur_encl, addr, (uint32_t)gr[REG_ERR], &code))
				goto out;
		} else if (vec >= 0) {
			code = (uint32_t)gr[REG_ERR];
		}
		aex(t, uc, fsgs, vec, code, addr);      /* EXINFO.MADDR: the whole address */
		if (vec >= 0)   /* CR2 of an enclave fault has its low 12 bits cleared */
			deliver_exception(uc, sig, info, vec, code, addr & ~0xfffull);
		else
			th_sim_deliver_app(sig, info, uc);
		goto out;
	}
	if (sync && sig == SIGSEGV && page_in_for_host((uint64_t)info->si_addr))
		goto out;
	th_sim_deliver_app(sig, info, uc);
out:
	th_sim_in_signal--;
	errno = saved_errno;
}

/* ---- the program's own signal handlers ---- */
struct th_sim_appsig th_sim_appsig[65];

static bool default_ignores(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH || sig == SIGCONT;
}

void th_sim_deliver_app(int sig, siginfo_t *info, void *uc)
{
	struct sigaction *sa = &th_sim_appsig[sig].sa;
	bool sync = is_sync(sig, info);

	if (sa->sa_handler == SIG_IGN && !sync)
		return;
	if (sync && th_sim_app_blocked(sig)) {
		sigsegv_default(sig);   /* a blocked synchronous signal kills, as the kernel does */
		return;
	}
	if (sa->sa_handler == SIG_DFL || sa->sa_handler == SIG_IGN) {
		if (!sync && default_ignores(sig))
			return;
		sigsegv_default(sig);
		return;
	}
	if (sa->sa_flags & SA_SIGINFO) {
		void (*fn)(int, siginfo_t *, void *) = sa->sa_sigaction;

		if (sa->sa_flags & SA_RESETHAND)
			sa->sa_handler = SIG_DFL;
		fn(sig, info, uc);
	} else {
		void (*fn)(int) = sa->sa_handler;

		if (sa->sa_flags & SA_RESETHAND)
			sa->sa_handler = SIG_DFL;
		fn(sig);
	}
}
