/* SPDX-License-Identifier: MIT */
/*
 * The simulated EPC and EPCM and the ENCLS leaves.
 *
 * Every enclave owns a memfd that backs its whole ELRANGE (file offset = linear address -
 * base). The machine writes pages through its own read-write view of that file (e->epc);
 * the host process sees the pages through its mappings of the device, whose real page
 * protections are the intersection of the mapping's protection and the EPCM permissions
 * (see th_sim_page_prot), so the CPU's own page-fault machinery enforces the EPCM.
 *
 * ENCLS leaves return 0, an SDM error code (> 0, what EAX would hold) or -vector for a fault
 * (#GP -13, #PF -14), as the kernel's encls.h distinguishes them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sgx/measure.h"
#include "sgx/sigstruct.h"
#include "sim/sim.h"

struct th_sim_machine th_sim_m;

/* Room for one more element in the array at *ARRP holding N of capacity *CAP (ELEM bytes each) */
bool th_sim_grow(void *arrp, size_t *cap, size_t n, size_t elem)
{
	void **arr = arrp, *p;
	size_t ncap;

	if (n < *cap)
		return true;
	ncap = *cap ? *cap * 2 : 16;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}

void th_sim_lock_keep(void)
{
	while (__atomic_exchange_n(&th_sim_m.lock, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&th_sim_m.lock, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

void th_sim_lock(void)
{
	th_sim_lock_keep();
	th_sim_epc_unstage(0);
}

void th_sim_unlock(void)
{
	__atomic_store_n(&th_sim_m.lock, 0, __ATOMIC_RELEASE);
}

struct th_sim_encl *th_sim_encl_find(uint64_t addr)
{
	for (struct th_sim_encl *e = th_sim_m.encls; e; e = e->next)
		if (addr - e->base < e->size)
			return e;
	return NULL;
}

struct th_sim_page *th_sim_page_at(struct th_sim_encl *e, uint64_t addr)
{
	if (!e || addr - e->base >= e->size)
		return NULL;
	return &e->pages[(addr - e->base) >> 12];
}

/* Real protection of a page: its mapping's protection capped by the EPCM; -1 if unmapped. */
int th_sim_page_prot(const struct th_sim_encl *e, const struct th_sim_page *p)
{
	int prot;

	if (!(p->vma & TH_VMA_MAPPED))
		return -1;
	/* --strict: no access while no thread is inside (the abort page, made a fault) */
	if (th_sim_cfg.strict && !__atomic_load_n(&e->inside, __ATOMIC_ACQUIRE))
		return PROT_NONE;
	if (!(p->state & TH_EPCM_VALID) || (p->state & (TH_EPCM_PENDING | TH_EPCM_MODIFIED)) ||
	    p->type != SGX_PT_REG || (p->state & TH_EPCM_OUT))
		return PROT_NONE;
	/* SECINFO R/W/X and PROT_READ/WRITE/EXEC share bit values */
	prot = p->vma & p->rwx & 7;
	/* CPUIDs of enclave code: see th_sim_cpuid_in_code (W^X while executable) */
	if (th_sim_cpuid_in_code && (prot & PROT_EXEC))
		prot &= p->state & TH_EPCM_SCANNED ? ~PROT_WRITE : ~PROT_EXEC;
	return prot;
}

void th_sim_apply_prot(struct th_sim_encl *e, uint64_t start, uint64_t end)
{
	uint64_t run = 0;
	int run_prot = -2;

	if (start < e->base)
		start = e->base;
	if (end > e->base + e->size)
		end = e->base + e->size;
	for (uint64_t a = start; a <= end; a += TH_SIM_PAGE) {
		int prot = a < end ? th_sim_page_prot(e, th_sim_page_at(e, a)) : -2;

		if (prot != run_prot) {
			if (run_prot >= 0)
				th_sim_real_mprotect((void *)run, a - run, run_prot);
			run = a;
			run_prot = prot;
		}
	}
}

static uint64_t xcr0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

/* XSAVE area size for XFRM, legacy region plus header plus enabled components */
static uint32_t xsave_size(uint64_t xfrm)
{
	uint32_t size = 576;

	for (int i = 2; i < 63; i++) {
		uint32_t a, b, c, d;

		if (!(xfrm & (1ull << i)))
			continue;
		__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0xd), "c"(i));
		if (a + b > size)
			size = a + b;
	}
	return size;
}

int th_encls_ecreate(struct th_sim_encl **out, const struct sgx_secs *secs, int memfd)
{
	uint64_t attr = secs->attributes.flags, xfrm = secs->attributes.xfrm;
	struct th_sim_encl *e;
	uint32_t need;

	/* SDM ECREATE: a malformed SECS is #GP(0) */
	if (secs->size < 2 * TH_SIM_PAGE || (secs->size & (secs->size - 1)) ||
	    (secs->base & (secs->size - 1)) || secs->base + secs->size < secs->base ||
	    secs->size > TH_SIM_MAX_ENCLAVE_SIZE)       /* beyond CPUID's MaxEnclaveSize_64 */
		return -13;
	/* AEX-Notify needs EDECCSSA, which --sgx1-only does not report */
	if ((attr & SGX_ATTR_INIT) || (attr & ~TH_ATTR_SUPPORTED) || !(attr & SGX_ATTR_MODE64BIT) ||
	    ((attr & SGX_ATTR_AEXNOTIFY) && th_sim_cfg.sgx1_only))
		return -13;
	if ((xfrm & 3) != 3 || (xfrm & ~xcr0()))
		return -13;
	if (secs->miscselect & ~TH_MISC_SUPPORTED)
		return -13;
	need = xsave_size(xfrm) + sizeof(struct sgx_gpr) +
	       ((secs->miscselect & SGX_MISC_EXINFO) ? sizeof(struct sgx_exinfo) : 0);
	if (secs->ssa_frame_size == 0 || (uint64_t)secs->ssa_frame_size * TH_SIM_PAGE < need)
		return -13;
	th_sim_lock();
	for (struct th_sim_encl *o = th_sim_m.encls; o; o = o->next)
		if (secs->base < o->base + o->size && o->base < secs->base + secs->size) {
			th_sim_unlock();
			return -13;     /* two SECS over one range: the host mappings would clash */
		}
	th_sim_unlock();

	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->memfd = memfd;
	e->base = secs->base;
	e->size = secs->size;
	e->secs = *secs;
	e->pages = calloc(secs->size >> 12, sizeof(*e->pages));
	e->mr = calloc(1, sizeof(*e->mr));
	if (!e->pages || !e->mr || ftruncate(memfd, (off_t)secs->size) < 0)
		goto fail;
	e->epc = th_sim_real_mmap(NULL, secs->size, PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_NORESERVE, memfd, 0);
	if (e->epc == MAP_FAILED) {
		e->epc = NULL;
		goto fail;
	}
	if (th_mr_init(e->mr, secs->ssa_frame_size, secs->size))
		goto fail;
	e->debug = attr & SGX_ATTR_DEBUG;
	th_sim_lock();
	e->next = th_sim_m.encls;
	th_sim_m.encls = e;
	th_sim_unlock();
	*out = e;
	return 0;
fail:
	if (e->epc)
		th_sim_real_munmap(e->epc, secs->size);
	free(e->pages);
	free(e->mr);
	free(e);
	return -ENOMEM;
}

static bool tcs_valid(const struct sgx_tcs *t, const struct th_sim_encl *e)
{
	/* SDM EADD of a TCS: reserved fields zero, OSSA page aligned, NSSA > 0, CSSA 0 */
	if (t->flags & ~(SGX_TCS_DBGOPTIN | SGX_TCS_AEXNOTIFY) || t->cssa != 0 || t->nssa == 0 ||
	    (t->ossa & 0xfff) || (t->ofsbase & 0xfff) || (t->ogsbase & 0xfff))
		return false;
	if (t->ossa >= e->size || t->oentry >= e->size)
		return false;
	return true;
}

static bool page_is_zero(const void *src)
{
	const uint64_t *w = src;

	for (size_t i = 0; i < TH_SIM_PAGE / 8; i++)
		if (w[i])
			return false;
	return true;
}

/* EADD without the copy: checks, EPCM entry and record; the caller stores the contents */
static int eadd_entry(struct th_sim_encl *e, uint64_t addr, const void *src, uint64_t flags)
{
	struct th_sim_page *p = th_sim_page_at(e, addr);
	uint8_t type = (flags & SGX_SECINFO_TYPE_MASK) >> SGX_SECINFO_TYPE_SHIFT;

	if (!p || (addr & 0xfff) || e->initialized)
		return -13;
	if ((flags & TH_SECINFO_RESERVED) || (type != SGX_PT_REG && type != SGX_PT_TCS) ||
	    (flags & (SGX_SECINFO_PENDING | SGX_SECINFO_MODIFIED | SGX_SECINFO_PR)) ||
	    ((flags & SGX_SECINFO_W) && !(flags & SGX_SECINFO_R)))
		return -13;
	if (p->state & TH_EPCM_VALID)
		return -14;     /* the EPC page is in use: #PF */
	if (type == SGX_PT_TCS && !tcs_valid(src, e))
		return -13;
	if (type == SGX_PT_TCS) {
		p->tcs = calloc(1, sizeof(*p->tcs));
		if (!p->tcs)
			return -ENOMEM;
		p->tcs->addr = addr;
		flags &= ~SGX_SECINFO_PERM_MASK;        /* the CPU zeroes a TCS's permissions */
	}
	p->state = TH_EPCM_VALID;
	p->type = type;
	p->rwx = flags & SGX_SECINFO_PERM_MASK;
	e->child_count++;
	th_mr_eadd(e->mr, addr - e->base, flags & ~TH_SECINFO_RESERVED);
	return 0;
}

int th_encls_eadd(struct th_sim_encl *e, uint64_t addr, const void *src, uint64_t flags)
{
	int rc = eadd_entry(e, addr, src, flags);

	/* an invalid page's backing is a hole (never written, or punched by EREMOVE): a zero
	 * page need not be written, which keeps big zero heaps out of memory */
	if (!rc && !page_is_zero(src))
		memcpy(e->epc + (addr - e->base), src, TH_SIM_PAGE);
	return rc;
}

int th_encls_eadd_page(struct th_sim_encl *e, uint64_t addr, const uint8_t *page, uint64_t flags,
		       uint16_t mask)
{
	int rc = eadd_entry(e, addr, page, flags);

	if (rc)
		return rc;
	/* EEXTEND hashes what the EPC page holds, which is PAGE once the caller stores it */
	for (unsigned i = 0; i < SGX_CHUNKS_PER_PAGE; i++)
		if (mask & (1u << i))
			th_mr_eextend(e->mr, addr - e->base + i * SGX_EEXTEND_CHUNK,
				      page + i * SGX_EEXTEND_CHUNK);
	return 0;
}

void th_sim_epc_store(struct th_sim_encl *e, uint64_t addr, const uint8_t *pages, uint64_t n)
{
	uint64_t off = addr - e->base;

	/* zero pages stay holes, as in th_encls_eadd; each run of others is one pwrite, which
	 * allocates the backing without the page fault a store through e->epc takes per page */
	for (uint64_t i = 0, j; i < n; i = j) {
		const uint8_t *run = pages + i * TH_SIM_PAGE;
		size_t len;
		ssize_t w;

		if (page_is_zero(run)) {
			j = i + 1;
			continue;
		}
		for (j = i + 1; j < n && !page_is_zero(pages + j * TH_SIM_PAGE); j++)
			;
		len = (j - i) * TH_SIM_PAGE;
		w = pwrite(e->memfd, run, len, (off_t)(off + i * TH_SIM_PAGE));
		if (w < 0)
			w = 0;
		if ((size_t)w < len)    /* the rest through the view, as th_encls_eadd would */
			memcpy(e->epc + off + i * TH_SIM_PAGE + w, run + w, len - (size_t)w);
	}
}

/*
 * The staged run: N pages of E from START not yet stored; pages from PROT_START to START + N
 * pages (stored or not) still lack their protection, which a run gets at once at its end.
 */
static struct {
	struct th_sim_encl *e;
	uint64_t prot_start, start, n;
	uint8_t pages[TH_SIM_ADD_BATCH * TH_SIM_PAGE];
} staged;

static void store_staged(void)
{
	th_sim_epc_store(staged.e, staged.start, staged.pages, staged.n);
	staged.start += staged.n * TH_SIM_PAGE;
	staged.n = 0;
}

bool th_sim_epc_unstage(uint64_t addr)
{
	bool hit = addr - staged.prot_start < staged.start + staged.n * TH_SIM_PAGE - staged.prot_start;

	if (!staged.e)
		return false;
	store_staged();
	th_sim_apply_prot(staged.e, staged.prot_start, staged.start);
	staged.e = NULL;
	return hit;
}

uint8_t *th_sim_epc_stage(struct th_sim_encl *e, uint64_t addr)
{
	if (staged.e && (staged.e != e || addr != staged.start + staged.n * TH_SIM_PAGE))
		th_sim_epc_unstage(0);
	if (staged.n == TH_SIM_ADD_BATCH)
		store_staged();
	if (!staged.e) {
		staged.e = e;
		staged.prot_start = staged.start = addr;
	}
	return staged.pages + staged.n * TH_SIM_PAGE;
}

void th_sim_epc_staged(void)
{
	staged.n++;
}

int th_encls_eextend(struct th_sim_encl *e, uint64_t addr)
{
	struct th_sim_page *p = th_sim_page_at(e, addr);

	if (!p || (addr & 0xff) || e->initialized)
		return -13;
	if (!(p->state & TH_EPCM_VALID))
		return -14;
	th_mr_eextend(e->mr, addr - e->base, e->epc + (addr - e->base));
	return 0;
}

/* Launch control as the hardware does it (see th_sim_launch_fn). */
int th_sim_launch_default(struct th_sim_encl *e, const struct sgx_sigstruct *ss,
			  const struct sgx_einittoken *tk, const uint8_t mrsigner[32])
{
	uint64_t attr = e->secs.attributes.flags;
	uint8_t key[16], mac[16];

	if (!memcmp(mrsigner, th_sim_m.lepubkeyhash, 32))
		return 0;       /* signed by the launch enclave's key: no token needed */
	if (attr & SGX_ATTR_EINITTOKENKEY)
		return SGX_INVALID_ATTRIBUTE;
	if (!tk || !(tk->valid & 1))
		return SGX_INVALID_EINITTOKEN;
	if (memcmp(tk->mrenclave, e->mrenclave, 32) || memcmp(tk->mrsigner, mrsigner, 32) ||
	    tk->attributes.flags != (attr | SGX_ATTR_INIT) ||
	    tk->attributes.xfrm != e->secs.attributes.xfrm)
		return SGX_INVALID_EINITTOKEN;
	if ((attr & SGX_ATTR_DEBUG) != (tk->attributes.flags & SGX_ATTR_DEBUG))
		return SGX_INVALID_EINITTOKEN;
	/* The MAC is made with the launch key, as EGETKEY(EINITTOKEN_KEY) gives it to the LE. */
	if (th_sim_launch_key(tk, key))
		return SGX_INVALID_EINITTOKEN;
	th_sim_cmac(key, tk, SGX_EINITTOKEN_MACED_SIZE, mac);
	if (memcmp(mac, tk->mac, 16))
		return SGX_INVALID_EINITTOKEN;
	(void)ss;
	return 0;
}

int th_encls_einit(struct th_sim_encl *e, const void *sigstruct, const void *token)
{
	const struct sgx_sigstruct *ss = sigstruct;
	uint64_t attr = e->secs.attributes.flags;
	uint8_t mrenclave[32], mrsigner[32];
	int rc;

	static const uint8_t h1[16] = SGX_SIGSTRUCT_HEADER1, h2[16] = SGX_SIGSTRUCT_HEADER2;
	uint8_t hdr[16];

	if (e->initialized)
		return -13;
	/* SDM EINIT order: headers, signature, attributes/misc against the masks, measurement */
	memcpy(hdr, ss->header1, 16);
	hdr[3] &= 0x7f;
	if (memcmp(hdr, h1, 16) || memcmp(ss->header2, h2, 16) || ss->exponent != 3)
		return SGX_INVALID_SIG_STRUCT;
	if (th_sigstruct_verify(ss, NULL))
		return SGX_INVALID_SIGNATURE;
	if ((attr & ss->attribute_mask.flags) != (ss->attributes.flags & ss->attribute_mask.flags) ||
	    (e->secs.attributes.xfrm & ss->attribute_mask.xfrm) !=
		    (ss->attributes.xfrm & ss->attribute_mask.xfrm))
		return SGX_INVALID_ATTRIBUTE;
	if ((e->secs.miscselect & ss->miscmask) != (ss->miscselect & ss->miscmask))
		return SGX_INVALID_ATTRIBUTE;
	/* a debug-signed SIGSTRUCT (header type bit 31) may only launch a debug enclave */
	if ((ss->header1[3] & 0x80) && !(attr & SGX_ATTR_DEBUG))
		return SGX_INVALID_SIG_STRUCT;
	if (!e->mr_done) {
		if (th_mr_final(e->mr, e->mrenclave))
			return -5;
		e->mr_done = true;
	}
	memcpy(mrenclave, e->mrenclave, 32);
	if (memcmp(mrenclave, ss->enclave_hash, 32))
		return SGX_INVALID_MEASUREMENT;
	th_sigstruct_mrsigner(ss, mrsigner);
	rc = (th_sim_m.launch ? th_sim_m.launch : th_sim_launch_default)(e, ss, token, mrsigner);
	if (rc)
		return rc;
	memcpy(e->mrsigner, mrsigner, 32);
	memcpy(e->secs.mrenclave, mrenclave, 32);
	memcpy(e->secs.mrsigner, mrsigner, 32);
	e->secs.isv_prod_id = ss->isv_prod_id;
	e->secs.isv_svn = ss->isv_svn;
	e->isvprodid = ss->isv_prod_id;
	e->isvsvn = ss->isv_svn;
	/* EINIT takes the KSS identity from the SIGSTRUCT only for a KSS enclave (SDM EINIT) */
	if (e->secs.attributes.flags & SGX_ATTR_KSS) {
		memcpy(e->isvfamilyid, ss->isv_family_id, 16);
		memcpy(e->isvextprodid, ss->isv_ext_prod_id, 16);
	}
	e->secs.attributes.flags |= SGX_ATTR_INIT;
	e->initialized = true;
	return 0;
}

static void page_clear(struct th_sim_encl *e, uint64_t addr)
{
	fallocate(e->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)(addr - e->base), TH_SIM_PAGE);
}

int th_encls_eremove(struct th_sim_encl *e, uint64_t addr)
{
	struct th_sim_page *p = th_sim_page_at(e, addr);

	if (!p || (addr & 0xfff))
		return -13;
	if (!(p->state & TH_EPCM_VALID))
		return 0;
	if (p->tcs) {
		if (p->tcs->busy)
			return SGX_CHILD_PRESENT;
		if (p->tcs->cpuid_holds)        /* #UDs it left unfinished */
			th_sim_cpuid_release(e, p->tcs, 0);
		free(p->tcs);
		p->tcs = NULL;
	}
	th_sim_cpuid_forget_page(e, addr);      /* its code sites go with it */
	p->state = 0;
	p->type = 0;
	p->rwx = 0;
	p->maxprot = 0;
	e->child_count--;
	page_clear(e, addr);
	return 0;
}

int th_encls_eaug(struct th_sim_encl *e, uint64_t addr)
{
	struct th_sim_page *p = th_sim_page_at(e, addr);

	if (th_sim_cfg.sgx1_only)
		return -6;
	if (!p || (addr & 0xfff) || !e->initialized)
		return -13;
	if (p->state & TH_EPCM_VALID)
		return -14;
	page_clear(e, addr);
	p->state = TH_EPCM_VALID | TH_EPCM_PENDING;
	p->type = SGX_PT_REG;
	p->rwx = SGX_SECINFO_R | SGX_SECINFO_W;
	e->child_count++;
	return 0;
}

int th_encls_emodpr(struct th_sim_encl *e, uint64_t addr, uint64_t flags)
{
	struct th_sim_page *p = th_sim_page_at(e, addr);

	if (th_sim_cfg.sgx1_only)
		return -6;
	if (!p || (addr & 0xfff) || (flags & ~SGX_SECINFO_PERM_MASK) ||
	    ((flags & SGX_SECINFO_W) && !(flags & SGX_SECINFO_R)))
		return -13;
	if (!(p->state & TH_EPCM_VALID))
		return -14;
	if (p->state & (TH_EPCM_PENDING | TH_EPCM_MODIFIED))
		return SGX_PAGE_NOT_MODIFIABLE;
	if (p->type != SGX_PT_REG)
		return -14;
	p->rwx &= flags;
	p->state |= TH_EPCM_PR;
	p->gen = e->gen + 1;
	return 0;
}

int th_encls_emodt(struct th_sim_encl *e, uint64_t addr, uint64_t flags)
{
	struct th_sim_page *p = th_sim_page_at(e, addr);
	uint8_t type = (flags & SGX_SECINFO_TYPE_MASK) >> SGX_SECINFO_TYPE_SHIFT;

	if (th_sim_cfg.sgx1_only)
		return -6;
	if (!p || (addr & 0xfff) || (type != SGX_PT_TCS && type != SGX_PT_TRIM) ||
	    (flags & ~SGX_SECINFO_TYPE_MASK))
		return -13;
	if (!(p->state & TH_EPCM_VALID))
		return -14;
	if (p->state & (TH_EPCM_PENDING | TH_EPCM_MODIFIED))
		return SGX_PAGE_NOT_MODIFIABLE;
	if (!(p->type == SGX_PT_REG || (p->type == SGX_PT_TCS && type == SGX_PT_TRIM)))
		return -14;
	if (p->type == SGX_PT_TCS && p->tcs && p->tcs->busy)
		return SGX_ENCLAVE_ACT;
	p->type = type;
	p->rwx = 0;
	p->state = (p->state & ~TH_EPCM_PR) | TH_EPCM_MODIFIED;
	p->gen = e->gen + 1;
	return 0;
}

int th_encls_etrack(struct th_sim_encl *e)
{
	if (!e->initialized)
		return -13;
	e->gen++;
	e->tracked = e->gen;
	return 0;
}

void th_sim_encl_destroy(struct th_sim_encl *e)
{
	th_sim_lock();
	for (struct th_sim_encl **pp = &th_sim_m.encls; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	th_sim_epc_uncharge(e);
	th_sim_unlock();
	for (uint64_t i = 0; i < e->size >> 12; i++)
		free(e->pages[i].tcs);
	if (!e->mr_done)
		th_mr_abort(e->mr);
	free(e->mr);
	free(e->cpuid_sites);
	free(e->cpuid_holds);
	free(e->xsave_sites);
	free(e->pages);
	th_sim_real_munmap(e->epc, e->size);
	syscall(SYS_close, e->memfd);
	free(e);
}
