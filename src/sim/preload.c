/* SPDX-License-Identifier: MIT */
/*
 * libteehost-sim.so: the LD_PRELOAD face of the machine.
 *
 * Interposes open/stat/close/ioctl on the device nodes of the selected device model,
 * mmap/mprotect/munmap of those fds and of enclave ranges, getauxval(AT_SYSINFO_EHDR) (the
 * vDSO with __vdso_sgx_enter_enclave) and the signal API (the machine owns the kernel's
 * handlers for the faults it emulates and forwards everything else to the program's).
 *
 * This file: configuration and start-up, the libc functions behind the interposers, the
 * provision policy, the copies from and to the program's memory, the vDSO. The interposers:
 * preload-fd.c (device nodes, fds, ioctl), preload-map.c (mappings), preload-signal.c
 * (signals), preload-thread.c (threads and their sigaltstacks).
 *
 * Configuration comes from the environment `teehost sim` sets:
 *   TEEHOST_SIM_EPC=BYTES  TEEHOST_SIM_SGX1=1  TEEHOST_SIM_STRICT=1  TEEHOST_SIM_DEBUG=1
 */
#include <dlfcn.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdbool.h>
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


struct th_sim_config th_sim_cfg = { .epc_size = 64ull << 20, .flc = true };

/* Device flavours, chosen by TEEHOST_SIM_DEVICE (default: the first). Add new ones here. */
static const struct th_sim_device_ops *const devices[] = {
	&th_sim_device_kernel,
	&th_sim_device_dcap,
	&th_sim_device_isgx,
};
const struct th_sim_device_ops *th_sim_device = &th_sim_device_kernel;

void th_sim_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (!th_sim_cfg.debug)
		return;
	n = snprintf(buf, sizeof(buf), "teehost-sim: ");
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	(void)!write(2, buf, (size_t)n);
}

/* ---- provisioning access ---- */
/* TEEHOST_SIM_PROVISION, read at start-up; udev's rule of teehost setup when it is unset */
static const char *provision_policy = "group:sgx_prv";

/*
 * The policy's group id, looked up once: getgrnam goes through NSS (on Debian, libnss_systemd
 * and its userdb walks, 0.1-0.4 ms), and loaders stat the provision node on every create,
 * where the real node's stat costs a syscall. `teehost sim` passes the id it looked up in
 * TEEHOST_SIM_PROVISION_GID ("none" when there is no such group), as udev fixes the group
 * when it makes the node; without it (LD_PRELOAD by hand) the first use looks it up.
 */
static pthread_once_t provision_group_once = PTHREAD_ONCE_INIT;
static bool provision_group_found;
static gid_t provision_group_gid;

static void provision_group_lookup(void)
{
	const char *p = provision_policy;
	const char *gid = getenv("TEEHOST_SIM_PROVISION_GID");   /* `teehost sim` looked it up */
	struct group *g;
	char *end;

	if (strncmp(p, "group:", 6))
		return;
	if (gid && *gid) {
		unsigned long v = strtoul(gid, &end, 10);

		if (!*end && v < (gid_t)-1) {
			provision_group_gid = (gid_t)v;
			provision_group_found = true;
		}
		return;         /* "none": the group does not exist */
	}
	if (!(g = getgrnam(p + 6)))
		return;
	provision_group_gid = g->gr_gid;
	provision_group_found = true;
}

/* The gid of the policy's group:NAME, or false for allow, deny, or a group that is not there. */
static bool provision_group(gid_t *gid)
{
	pthread_once(&provision_group_once, provision_group_lookup);
	*gid = provision_group_gid;
	return provision_group_found;
}

int th_sim_provision_may_open(void)
{
	const char *p = provision_policy;
	gid_t groups[256], gid;
	int n;

	if (!strcmp(p, "allow"))
		return 0;
	if (strncmp(p, "group:", 6))
		return -EACCES;         /* "deny", and anything unknown */
	/* root:NAME 0660, as udev's rule: root (DAC override) and members of NAME */
	if (geteuid() == 0)
		return 0;
	if (!provision_group(&gid))
		return -EACCES;
	if (getegid() == gid)
		return 0;
	n = getgroups(sizeof(groups) / sizeof(groups[0]), groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == gid)
			return 0;
	return -EACCES;
}

/* The provision node's owner and mode as the policy would have udev set them. */
void th_sim_provision_stat(struct stat *st)
{
	const char *p = provision_policy;
	gid_t gid;

	st->st_mode = S_IFCHR | (!strcmp(p, "allow") ? 0666 : 0600);
	if (provision_group(&gid)) {
		st->st_gid = gid;
		st->st_mode = S_IFCHR | 0660;
	}
}

/* ---- real functions ---- */
#define REAL(name) __typeof__(name) *real_##name
REAL(openat);
REAL(close);
REAL(ioctl);
REAL(stat);
REAL(lstat);
REAL(fstat);
REAL(fstatat);
REAL(access);
REAL(sigaction);
REAL(getauxval);

void *th_sim_next(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		static const char msg[] = "teehost-sim: a libc function is missing\n";
		(void)!write(2, msg, sizeof(msg) - 1);
		abort();
	}
	return p;
}

void th_sim_resolve(void)
{
	static int done;

	if (done)
		return;
	real_openat = th_sim_next("openat");
	real_close = th_sim_next("close");
	real_ioctl = th_sim_next("ioctl");
	real_stat = th_sim_next("stat");
	real_lstat = th_sim_next("lstat");
	real_fstat = th_sim_next("fstat");
	real_fstatat = th_sim_next("fstatat");
	real_access = th_sim_next("access");
	real_sigaction = th_sim_next("sigaction");
	real_getauxval = th_sim_next("getauxval");
	done = 1;
}

void *th_sim_real_mmap(void *a, size_t l, int p, int f, int fd, off_t o)
{
	return (void *)syscall(SYS_mmap, a, l, p, f, fd, o);
}

int th_sim_real_mprotect(void *a, size_t l, int p)
{
	return (int)syscall(SYS_mprotect, a, l, p);
}

int th_sim_real_munmap(void *a, size_t l)
{
	return (int)syscall(SYS_munmap, a, l);
}

int th_sim_real_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	th_sim_resolve();
	return real_sigaction(sig, act, old);
}

/* ---- copies from/to the program's memory that fail like copy_from_user ---- */
/*
 * Outside our signal handler a copy is a plain REP MOVSB whose fault th_sim_signal turns into
 * -EFAULT (th_sim_copy_user): no system call, which on this kind of VM costs more than copying a
 * page. In the handler the fault signal is blocked (a second fault would kill the process), so
 * there the kernel checks the source: process_vm_readv.
 */
int th_sim_copy_from(void *dst, unsigned long src, size_t len)
{
	struct iovec l = { dst, len }, r = { (void *)src, len };

	if (!len)
		return 0;
	if (!th_sim_in_signal)
		return th_sim_copy_user(dst, (const void *)src, len) ? -EFAULT : 0;
	return syscall(SYS_process_vm_readv, getpid(), &l, 1, &r, 1, 0) == (long)len ? 0 : -EFAULT;
}

uint64_t th_sim_copy_pages(uint8_t *dst, unsigned long src, uint64_t n)
{
	uint64_t i;

	if (th_sim_copy_from(dst, src, n * TH_SIM_PAGE) == 0)
		return n;
	/* a hole in the source: how far the pages are readable */
	for (i = 0; i < n; i++)
		if (th_sim_copy_from(dst + i * TH_SIM_PAGE, src + i * TH_SIM_PAGE, TH_SIM_PAGE))
			break;
	return i;
}

int th_sim_copy_to(unsigned long dst, const void *src, size_t len)
{
	struct iovec l = { (void *)src, len }, r = { (void *)dst, len };

	if (!len)
		return 0;
	return syscall(SYS_process_vm_writev, getpid(), &l, 1, &r, 1, 0) == (long)len ? 0 : -EFAULT;
}

/* ---- vDSO ---- */
unsigned long th_sim_real_getauxval(unsigned long type)
{
	th_sim_resolve();
	return real_getauxval(type);
}

EXPORT unsigned long getauxval(unsigned long type)
{
	th_sim_resolve();
	if (type == AT_SYSINFO_EHDR) {
		void *img = th_sim_vdso_image();

		if (img)
			return (unsigned long)img;
	}
	return real_getauxval(type);
}

static uint64_t parse_size(const char *s, uint64_t dflt)
{
	char *end;
	unsigned long long v;

	if (!s || !*s)
		return dflt;
	v = strtoull(s, &end, 0);
	return *end ? dflt : v;
}

__attribute__((constructor)) static void th_sim_init(void)
{
	const char *v;
	void *r;

	th_sim_resolve();
	/* the kernel keeps WRFSBASE/WRGSBASE values only if it enabled FSGSBASE (entry.S);
	 * TEEHOST_SIM_NO_FSGSBASE=1 takes the arch_prctl() way as where it did not (tests) */
	th_sim_fsgsbase = (real_getauxval(AT_HWCAP2) & 2) != 0 &&
			  !((v = getenv("TEEHOST_SIM_NO_FSGSBASE")) && *v == '1');
	th_sim_cfg.epc_size = parse_size(getenv("TEEHOST_SIM_EPC"), 64ull << 20);
	th_sim_cfg.sgx1_only = (v = getenv("TEEHOST_SIM_SGX1")) && *v == '1';
	th_sim_cfg.strict = (v = getenv("TEEHOST_SIM_STRICT")) && *v == '1';
	th_sim_cfg.debug = (v = getenv("TEEHOST_SIM_DEBUG")) && *v == '1';
	th_sim_cfg.flc = !((v = getenv("TEEHOST_SIM_LEGACY_LAUNCH")) && *v == '1');
	if ((v = getenv("TEEHOST_SIM_PROVISION")))
		provision_policy = v;
	if ((v = getenv("TEEHOST_SIM_DEVICE")) && *v) {
		th_sim_device = NULL;
		for (size_t i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
			if (!strcmp(v, devices[i]->name))
				th_sim_device = devices[i];
		if (!th_sim_device) {
			static const char msg[] = "teehost-sim: unknown TEEHOST_SIM_DEVICE\n";

			(void)!write(2, msg, sizeof(msg) - 1);
			_exit(127);
		}
		if (th_sim_device->init)
			th_sim_device->init();
	}

	/* sigaltstack slots, aligned so the trampoline finds the thread block by masking RSP */
	r = th_sim_real_mmap(NULL, (TH_ALT_SLOTS + 1) * TH_ALT_SLOT, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (r == MAP_FAILED) {
		th_sim_log("cannot reserve signal stacks");
		return;
	}
	th_sim_alt_base = ((uint64_t)r + TH_ALT_SLOT - 1) & ~(TH_ALT_SLOT - 1);
	th_sim_alt_size = TH_ALT_SLOTS * TH_ALT_SLOT;
	th_sim_threads_init();
	if (th_sim_thread_setup() || th_sim_install_handlers())
		th_sim_log("cannot install the ENCLU trap handlers");
	th_sim_cpuid_init();
	th_sim_log("ready: epc %llu bytes%s%s", (unsigned long long)th_sim_cfg.epc_size,
		   th_sim_cfg.sgx1_only ? ", SGX1 only" : "", th_sim_cfg.strict ? ", strict" : "");
}

