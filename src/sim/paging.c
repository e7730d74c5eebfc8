/* SPDX-License-Identifier: MIT */
/*
 * EPC paging, as the out-of-tree drivers do it (isgx: sgx_page_cache.c, sgx_ewb/sgx_eldu;
 * DCAP: main.c's reclaimer, encl.c's sgx_encl_load_page): when an added page needs EPC and
 * the EPC (--epc) is full, a resident page of some enclave is written back (EWB) and its PTE
 * zapped; the next access to it faults, and the driver's fault handler loads it back (ELDU),
 * evicting another. So enclaves larger than the EPC load and run; they only get slower.
 *
 * Here a page "out of the EPC" keeps its contents in the enclave's backing (they are already
 * outside the machine's view of residency) and is mapped PROT_NONE (th_sim_page_prot); the
 * fault on it, inside the enclave or from the host, is the driver's fault handler: page in and
 * retry. Victims are chosen by a clock over all enclaves' regular pages (the drivers age pages
 * with the accessed bit; order does not change what a program can observe). SECS and TCS
 * pages are never written back: a driver cannot evict a TCS a thread may enter, nor a SECS
 * with children. When nothing is left to evict, EADD fails with ENOMEM: that is the drivers'
 * real out-of-EPC path (every EPC page pinned by SECSs and TCSs).
 *
 * Callers hold th_sim_lock().
 */
#include <errno.h>

#include "sim/sim.h"

static uint64_t resident;       /* EPC pages in use: SECSs and resident pages of all enclaves */
static uint64_t hand_base;      /* the clock: enclave base and page index of the next candidate */
static uint64_t hand_index;

static uint64_t capacity(void)
{
	return th_sim_cfg.epc_size / TH_SIM_PAGE;
}

static bool evictable(const struct th_sim_page *p)
{
	return (p->state & TH_EPCM_VALID) && !(p->state & TH_EPCM_OUT) && p->type == SGX_PT_REG;
}

/* EWB of one page, chosen by the clock; false when every resident page is pinned */
static bool evict_one(void)
{
	struct th_sim_encl *e = th_sim_m.encls;
	uint64_t i = 0, total = 0;

	for (struct th_sim_encl *x = th_sim_m.encls; x; x = x->next) {
		total += x->size >> 12;
		if (x->base == hand_base) {
			e = x;
			i = hand_index;
		}
	}
	/* one full turn of the clock over every page of every enclave */
	for (uint64_t n = 0; e && n <= total; n++, i++) {
		struct th_sim_page *p;

		while (i >= e->size >> 12) {
			e = e->next ? e->next : th_sim_m.encls;
			i = 0;
		}
		p = &e->pages[i];
		if (!evictable(p))
			continue;
		p->state |= TH_EPCM_OUT;
		e->resident--;
		resident--;
		th_sim_apply_prot(e, e->base + (i << 12), e->base + ((i + 1) << 12));
		hand_base = e->base;
		hand_index = i + 1;
		return true;
	}
	return false;
}

int th_sim_epc_charge(struct th_sim_encl *e, uint64_t n, bool may_evict)
{
	resident += n;
	while (resident > capacity())
		if (!may_evict || !evict_one()) {
			resident -= n;
			return -ENOMEM;
		}
	if (e)
		e->resident += n;
	return 0;
}

void th_sim_epc_release(struct th_sim_encl *e, uint64_t n)
{
	resident -= n;
	e->resident -= n;
}

void th_sim_epc_uncharge(struct th_sim_encl *e)
{
	resident -= e->resident;
	e->resident = 0;
}

bool th_sim_epc_page_in(struct th_sim_encl *e, uint64_t addr)
{
	struct th_sim_page *p = th_sim_page_at(e, addr);

	if (!p || !(p->state & TH_EPCM_VALID) || !(p->state & TH_EPCM_OUT))
		return false;
	/* the page itself is not evictable while it is out, so the clock cannot pick it */
	if (th_sim_epc_charge(e, 1, true))
		return false;
	p->state &= ~TH_EPCM_OUT;
	th_sim_apply_prot(e, addr & ~0xfffull, (addr & ~0xfffull) + TH_SIM_PAGE);
	th_sim_log("ELDU %#llx", (unsigned long long)(addr & ~0xfffull));
	return true;
}

uint64_t th_sim_epc_resident(void)
{
	return resident;
}
