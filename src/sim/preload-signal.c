/* SPDX-License-Identifier: MIT */
/*
 * libteehost-sim.so, signals: the machine owns the kernel's handlers of the fault signals it
 * lives on and keeps the program's handlers and masks, honoured by th_sim_deliver_app.
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
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>


#include "sim/preload.h"

/* ---- signals ---- */
static bool owned_always(int sig)
{
	return sig == SIGSEGV || sig == SIGILL || sig == SIGBUS || sig == SIGFPE || sig == SIGTRAP;
}

static void strip_owned(sigset_t *set);

static int install(int sig)
{
	struct sigaction k;
	const struct sigaction *app = &th_sim_appsig[sig].sa;

	memset(&k, 0, sizeof(k));
	if (!owned_always(sig) && (app->sa_handler == SIG_DFL || app->sa_handler == SIG_IGN)) {
		th_sim_appsig[sig].ours = false;
		return real_sigaction(sig, app, NULL);
	}
	k.sa_sigaction = (void (*)(int, siginfo_t *, void *))th_sim_sigtramp;
	k.sa_mask = app->sa_mask;
	strip_owned(&k.sa_mask);
	k.sa_flags = SA_SIGINFO | SA_ONSTACK | (app->sa_flags & (SA_RESTART | SA_NODEFER | SA_NOCLDSTOP |
								     SA_NOCLDWAIT));
	th_sim_appsig[sig].ours = true;
	return real_sigaction(sig, &k, NULL);
}

EXPORT int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	struct sigaction prev;

	th_sim_resolve();
	if (sig <= 0 || sig > 64 || sig == SIGKILL || sig == SIGSTOP)
		return real_sigaction(sig, act, old);
	prev = th_sim_appsig[sig].sa;
	if (act) {
		th_sim_appsig[sig].sa = *act;
		if (install(sig)) {
			th_sim_appsig[sig].sa = prev;
			return -1;
		}
	}
	if (old)
		*old = prev;
	return 0;
}

EXPORT sighandler_t signal(int sig, sighandler_t h)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = SA_RESTART;
	sigaddset(&sa.sa_mask, sig);
	if (sigaction(sig, &sa, &old))
		return SIG_ERR;
	return old.sa_handler;
}
EXPORT sighandler_t sysv_signal(int sig, sighandler_t h)
{
	struct sigaction sa, old;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = h;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	if (sigaction(sig, &sa, &old))
		return SIG_ERR;
	return old.sa_handler;
}

EXPORT sighandler_t bsd_signal(int sig, sighandler_t h)
{
	return signal(sig, h);
}

/*
 * The fault signals the simulator lives on (EEXIT and every AEX arrive as SIGILL/SIGSEGV/...)
 * are never blocked for real: the kernel would kill the process for a synchronous signal that
 * is blocked. What the program asked for is remembered per thread and honoured when a real
 * fault of the program meets it (th_sim_app_blocked: then the default action, as the kernel).
 */
static __thread uint64_t app_blocked __attribute__((tls_model("initial-exec")));

static void strip_owned(sigset_t *set)
{
	for (int sig = 1; sig < 32; sig++)
		if (owned_always(sig))
			sigdelset(set, sig);
}

bool th_sim_app_blocked(int sig)
{
	return app_blocked & (1ull << sig);
}

static int mask_call(int (*real)(int, const sigset_t *, sigset_t *), int how, const sigset_t *set,
		     sigset_t *old)
{
	uint64_t was = app_blocked, now = was;
	sigset_t mine;
	int rc;

	if (set) {
		uint64_t req = 0;

		for (int sig = 1; sig < 32; sig++)
			if (owned_always(sig) && sigismember(set, sig))
				req |= 1ull << sig;
		now = how == SIG_BLOCK ? was | req : how == SIG_UNBLOCK ? was & ~req :
		      how == SIG_SETMASK ? req : was;
		mine = *set;
		strip_owned(&mine);
	}
	rc = real(how, set ? &mine : NULL, old);
	if (rc)
		return rc;
	if (old)
		for (int sig = 1; sig < 32; sig++)
			if (was & (1ull << sig))
				sigaddset(old, sig);
	app_blocked = now;
	return 0;
}

EXPORT int sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	static int (*real)(int, const sigset_t *, sigset_t *);

	if (!real)
		real = (int (*)(int, const sigset_t *, sigset_t *))th_sim_next("sigprocmask");
	return mask_call(real, how, set, old);
}

EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	static int (*real)(int, const sigset_t *, sigset_t *);

	if (!real)
		real = (int (*)(int, const sigset_t *, sigset_t *))th_sim_next("pthread_sigmask");
	return mask_call(real, how, set, old);
}

int th_sim_install_handlers(void)
{
	for (int sig = 1; sig <= 64; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || (sig >= 32 && sig < SIGRTMIN))
			continue;
		if (real_sigaction(sig, NULL, &th_sim_appsig[sig].sa))
			continue;
		if (owned_always(sig) || (th_sim_appsig[sig].sa.sa_handler != SIG_DFL &&
					  th_sim_appsig[sig].sa.sa_handler != SIG_IGN))
			if (install(sig))
				return -errno;
	}
	return 0;
}

