/* SPDX-License-Identifier: MIT */
/*
 * libteehost-sim.so, threads: every thread that enters an enclave gets a simulator sigaltstack
 * slot with its thread block at the bottom (entry.S finds it by masking RSP).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <asm/prctl.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>


#include "sim/preload.h"

/* ---- threads: a simulator sigaltstack with the thread block at its bottom ---- */
uint64_t th_sim_alt_base;
uint8_t th_sim_fsgsbase;
uint64_t th_sim_alt_size;
static uint64_t alt_used[TH_ALT_SLOTS / 64];
static pthread_key_t thread_key;
static __thread struct th_sim_thread *self __attribute__((tls_model("initial-exec")));
static __thread stack_t app_altstack __attribute__((tls_model("initial-exec")));

uint64_t th_sim_get_base(bool gs)
{
	uint64_t v = 0;

	if (th_sim_fsgsbase) {
		if (gs)
			__asm__ volatile("rdgsbase %0" : "=r"(v));
		else
			__asm__ volatile("rdfsbase %0" : "=r"(v));
	} else {
		syscall(SYS_arch_prctl, gs ? ARCH_GET_GS : ARCH_GET_FS, &v);
	}
	return v;
}

static int slot_alloc(void)
{
	for (int i = 0; i < TH_ALT_SLOTS / 64; i++) {
		uint64_t v = __atomic_load_n(&alt_used[i], __ATOMIC_RELAXED);

		while (~v) {
			int b = __builtin_ctzll(~v);

			if (__atomic_compare_exchange_n(&alt_used[i], &v, v | (1ull << b), false,
							__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
				return i * 64 + b;
		}
	}
	return -1;
}

/* thread exit: give the slot back */
static void thread_gone(void *p)
{
	struct th_sim_thread *t = p;
	stack_t ss = { .ss_flags = SS_DISABLE };
	int slot = (int)(((uint64_t)t - th_sim_alt_base) / TH_ALT_SLOT);

	if (t->cur_tcs)
		return;         /* exiting from inside an enclave: keep the slot */
	self = NULL;            /* first: sigaltstack() then goes to the kernel */
	sigaltstack(&ss, NULL);
	__atomic_and_fetch(&alt_used[slot / 64], ~(1ull << (slot % 64)), __ATOMIC_RELEASE);
}

/*
 * The simulator keeps its own alternate signal stack on every thread that has been in an
 * enclave (the handlers find the thread block through it); the program's is remembered and
 * reported back, and its handlers run on the simulator's.
 */
EXPORT int sigaltstack(const stack_t *ss, stack_t *old)
{
	static int (*real)(const stack_t *, stack_t *);

	if (!real)
		real = (int (*)(const stack_t *, stack_t *))th_sim_next("sigaltstack");
	if (!self)
		return real(ss, old);
	if (ss && ss->ss_flags & ~(SS_DISABLE | (1 << 31))) {	/* SS_AUTODISARM */
		errno = EINVAL;
		return -1;
	}
	if (old)
		*old = app_altstack.ss_size || app_altstack.ss_flags ? app_altstack :
		       (stack_t){ .ss_flags = SS_DISABLE };
	if (ss)
		app_altstack = *ss;
	return 0;
}

struct th_sim_thread *th_sim_thread_self(void)
{
	return self;
}

/*
 * UC: the signal frame when called from a handler that is not on a simulator altstack (a
 * thread's first trapped ENCLU), else NULL. No sigaltstack() can be made from such a handler:
 * rt_sigreturn reinstalls the altstack saved in the frame, which undoes it (the ENCLU then
 * traps again, off our stack, forever), and while the handler runs on another altstack (ASan
 * gives every thread one) sigaltstack() fails with EPERM, and so does rt_sigreturn's own
 * reinstall of an altstack written into the frame. So the handler returns to
 * th_sim_altstack_retry (entry.S) instead, which makes the call on the thread's own stack
 * and returns to the ENCLU. What it needs is in the thread block, not on the thread's stack:
 * below the red zone lies the signal frame itself (its XSAVE area) when the handler is not on
 * an altstack, and rt_sigreturn reads that after we write.
 */
static int thread_setup(ucontext_t *uc)
{
	static int (*real_sigaltstack)(const stack_t *, stack_t *);
	static __thread bool retried __attribute__((tls_model("initial-exec")));
	struct th_sim_thread *t = self;
	stack_t ss;
	int slot;
	uint8_t *base;

	if (t && !uc)
		return 0;
	if (t) {
		/* set up, yet the ENCLU trapped off our stack again: the retry did not take */
		if (retried)
			return -EPERM;
		base = (uint8_t *)t;
	} else {
		if (!real_sigaltstack)
			real_sigaltstack = (int (*)(const stack_t *, stack_t *))th_sim_next("sigaltstack");
		slot = slot_alloc();
		if (slot < 0)
			return -EAGAIN;
		base = (uint8_t *)th_sim_alt_base + (uint64_t)slot * TH_ALT_SLOT;
		if (th_sim_real_mprotect(base, TH_ALT_SLOT, PROT_READ | PROT_WRITE))
			return -errno;
		t = (struct th_sim_thread *)base;
		t->host_fs = th_sim_get_base(false);
		t->host_gs = th_sim_get_base(true);
		t->tid = (int)syscall(SYS_gettid);
	}
	ss.ss_sp = base + TH_SIM_PAGE;
	ss.ss_size = TH_ALT_SLOT - TH_SIM_PAGE;
	ss.ss_flags = 0;
	if (uc) {
		greg_t *gr = uc->uc_mcontext.gregs;

		_Static_assert(offsetof(struct th_sim_thread, retry_rip) == 48 &&
			       offsetof(struct th_sim_thread, retry_rdi) == 56 &&
			       offsetof(struct th_sim_thread, retry_ss) == 64 &&
			       offsetof(struct th_sim_thread, alt_floor) == 88 &&
			       offsetof(ucontext_t, uc_mcontext.fpregs) == 224 &&
			       TH_ALT_LANDING == 0x8000 && TH_ALT_SLOT == 0x40000, "entry.S offsets");
		if (!self) {
			app_altstack = uc->uc_stack;
			app_altstack.ss_flags &= ~SS_ONSTACK;
		}
		t->retry_ss = ss;
		t->retry_rip = (uint64_t)gr[REG_RIP];
		t->retry_rdi = (uint64_t)gr[REG_RDI];
		gr[REG_RDI] = (greg_t)(uintptr_t)t;
		gr[REG_RIP] = (greg_t)(uintptr_t)th_sim_altstack_retry;
		retried = true;
	} else {
		real_sigaltstack(NULL, &app_altstack);
		if (real_sigaltstack(&ss, NULL))
			return -errno;
	}
	self = t;
	pthread_setspecific(thread_key, t);
	return 0;
}

int th_sim_thread_setup(void)
{
	return thread_setup(NULL);
}

int th_sim_thread_setup_frame(ucontext_t *uc)
{
	return thread_setup(uc);
}

void th_sim_threads_init(void)
{
	pthread_key_create(&thread_key, thread_gone);
}
