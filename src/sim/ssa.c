/* SPDX-License-Identifier: MIT */
/*
 * The SSA: the TCS's frames of saved enclave state (GPRSGX at the frame's end, the XSAVE area
 * at its start) and the moves of the XSAVE state between a signal frame and an SSA frame that
 * AEX and ERESUME make (enclu.c).
 */
#include <string.h>
#include <sys/ucontext.h>

#include "sim/sim.h"

struct sgx_tcs *th_sim_tcs_page(struct th_sim_encl *e, uint64_t addr)
{
	return (struct sgx_tcs *)(e->epc + (addr - e->base));
}

uint8_t *th_sim_ssa_frame(struct th_sim_encl *e, struct sgx_tcs *tp, uint32_t i)
{
	uint64_t off = tp->ossa + (uint64_t)i * e->secs.ssa_frame_size * TH_SIM_PAGE;

	return e->epc + off;
}

struct sgx_gpr *th_sim_ssa_gpr(struct th_sim_encl *e, uint8_t *frame)
{
	return (struct sgx_gpr *)(frame + e->secs.ssa_frame_size * TH_SIM_PAGE - sizeof(struct sgx_gpr));
}

/* Is frame I of TP usable as SSA memory: inside the enclave, REG pages, RW? */
bool th_sim_ssa_ok(struct th_sim_encl *e, struct sgx_tcs *tp, uint32_t i)
{
	uint64_t len = e->secs.ssa_frame_size * TH_SIM_PAGE;
	uint64_t off = tp->ossa + (uint64_t)i * len;

	if (off + len > e->size || off + len < off)
		return false;
	for (uint64_t a = off; a < off + len; a += TH_SIM_PAGE) {
		struct th_sim_page *p = &e->pages[a >> 12];

		if (!(p->state & TH_EPCM_VALID) || (p->state & (TH_EPCM_PENDING | TH_EPCM_MODIFIED)) ||
		    p->type != SGX_PT_REG || (p->rwx & 3) != 3)
			return false;
	}
	return true;
}

/* XSAVE header of an SSA frame: only XFRM components, standard format, reserved zero */
bool th_sim_xsave_header_ok(struct th_sim_encl *e, const uint8_t *frame)
{
	const uint64_t *h = (const uint64_t *)(frame + 512);

	if (h[0] & ~e->secs.attributes.xfrm || h[1])
		return false;
	for (int i = 2; i < 8; i++)
		if (h[i])
			return false;
	return true;
}

/* Room for the XSAVE area in an SSA frame: the frame less GPRSGX and MISC. */
size_t th_sim_xsave_room(struct th_sim_encl *e)
{
	return e->secs.ssa_frame_size * TH_SIM_PAGE - sizeof(struct sgx_gpr) -
	       ((e->secs.miscselect & SGX_MISC_EXINFO) ? sizeof(struct sgx_exinfo) : 0);
}

/* Size of the XSAVE image in a signal frame (legacy 512 when the kernel gave no xstate). */
size_t th_sim_frame_xsave_size(const ucontext_t *uc)
{
	const struct _fpx_sw_bytes *sw;

	if (!uc->uc_mcontext.fpregs)
		return 0;
	sw = (const struct _fpx_sw_bytes *)((const uint8_t *)uc->uc_mcontext.fpregs + 464);
	return sw->magic1 == FP_XSTATE_MAGIC1 ? sw->xstate_size : 512;
}

/* AEX: the interrupted extended state into the SSA, limited to the enclave's XFRM */
void th_sim_save_xstate(struct th_sim_encl *e, const ucontext_t *uc, uint8_t *frame)
{
	size_t n = th_sim_frame_xsave_size(uc), room = th_sim_xsave_room(e);
	uint64_t *h = (uint64_t *)(frame + 512);

	if (!n)
		return;
	if (n > room)
		n = room;
	memcpy(frame, uc->uc_mcontext.fpregs, n);
	memset(frame + 464, 0, 48);     /* the kernel's software bytes are not XSAVE state */
	if (n < 576) {
		memset(h, 0, 64);
		h[0] = 3;               /* x87 and SSE are in the legacy area */
	} else {
		h[0] &= e->secs.attributes.xfrm;
		h[1] = 0;
	}
}

/* AEX synthetic state of the XFRM components: initial, as the hardware leaves it */
void th_sim_synthetic_xstate(struct th_sim_encl *e, ucontext_t *uc)
{
	uint8_t *fx = (uint8_t *)uc->uc_mcontext.fpregs;
	size_t n = th_sim_frame_xsave_size(uc);
	uint16_t fcw = 0x37f;
	uint32_t mxcsr = 0x1f80;

	if (!n)
		return;
	memset(fx + 2, 0, 22);                  /* FSW, FTW, FOP, FIP, FDP */
	memcpy(fx, &fcw, 2);
	memcpy(fx + 24, &mxcsr, 4);
	memset(fx + 32, 0, 416 - 32);           /* ST0-7, XMM0-15 */
	if (n >= 576)
		*(uint64_t *)(fx + 512) &= ~(e->secs.attributes.xfrm & ~3ull);
}

/* ERESUME by trap: the SSA's XSAVE area into the signal frame, which sigreturn restores */
void th_sim_load_xstate(struct th_sim_encl *e, ucontext_t *uc, const uint8_t *frame)
{
	size_t n = th_sim_frame_xsave_size(uc), room = th_sim_xsave_room(e);
	uint8_t *fx = (uint8_t *)uc->uc_mcontext.fpregs;

	if (!n)
		return;
	if (n > room)
		n = room;
	memcpy(fx, frame, 464);                 /* keep the kernel's software bytes */
	if (n > 512)
		memcpy(fx + 512, frame + 512, n - 512);
}

