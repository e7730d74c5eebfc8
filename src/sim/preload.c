/* SPDX-License-Identifier: MIT */
/*
 * libteehost-sim.so: the LD_PRELOAD face of the machine.
 *
 * Interposes open/stat/close/ioctl on the device nodes of the selected device model,
 * mmap/mprotect/munmap of those fds and of enclave ranges, getauxval(AT_SYSINFO_EHDR) (the
 * vDSO with __vdso_sgx_enter_enclave) and the signal API (the machine owns the kernel's
 * handlers for the faults it emulates and forwards everything else to the program's).
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

#include "sim/device.h"

#define EXPORT __attribute__((visibility("default")))

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
static const char *provision_policy;    /* TEEHOST_SIM_PROVISION, read at start-up */

int th_sim_provision_may_open(void)
{
	const char *p = provision_policy ? provision_policy : "group:sgx_prv";
	struct group *g;
	gid_t groups[256];
	int n;

	if (!strcmp(p, "allow"))
		return 0;
	if (strncmp(p, "group:", 6))
		return -EACCES;         /* "deny", and anything unknown */
	/* root:NAME 0660, as udev's rule: root (DAC override) and members of NAME */
	if (geteuid() == 0)
		return 0;
	g = getgrnam(p + 6);
	if (!g)
		return -EACCES;
	if (getegid() == g->gr_gid)
		return 0;
	n = getgroups(sizeof(groups) / sizeof(groups[0]), groups);
	for (int i = 0; i < n; i++)
		if (groups[i] == g->gr_gid)
			return 0;
	return -EACCES;
}

/* The provision node's owner and mode as the policy would have udev set them. */
static void provision_stat(struct stat *st)
{
	const char *p = provision_policy ? provision_policy : "group:sgx_prv";
	struct group *g;

	st->st_mode = S_IFCHR | (!strcmp(p, "allow") ? 0666 : 0600);
	if (!strncmp(p, "group:", 6) && (g = getgrnam(p + 6))) {
		st->st_gid = g->gr_gid;
		st->st_mode = S_IFCHR | 0660;
	}
}

/* ---- real functions ---- */
#define REAL(name) static __typeof__(name) *real_##name
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

static void *next(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (!p) {
		static const char msg[] = "teehost-sim: a libc function is missing\n";
		(void)!write(2, msg, sizeof(msg) - 1);
		abort();
	}
	return p;
}

static void resolve(void)
{
	static int done;

	if (done)
		return;
	real_openat = next("openat");
	real_close = next("close");
	real_ioctl = next("ioctl");
	real_stat = next("stat");
	real_lstat = next("lstat");
	real_fstat = next("fstat");
	real_fstatat = next("fstatat");
	real_access = next("access");
	real_sigaction = next("sigaction");
	real_getauxval = next("getauxval");
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
	resolve();
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

/* ---- fd table ---- */
#define MAX_FD 4096
static struct th_sim_dev *fds[MAX_FD];

struct th_sim_dev *th_sim_dev_of_fd(int fd)
{
	return fd >= 0 && fd < MAX_FD ? fds[fd] : NULL;
}

static const struct th_sim_node *node_of(const char *path)
{
	if (!path)
		return NULL;
	for (const struct th_sim_node *n = th_sim_device->nodes; n->path; n++)
		if (!strcmp(path, n->path))
			return n;
	return NULL;
}

static int dev_open(const struct th_sim_node *n, int flags)
{
	struct th_sim_dev *d;
	int fd, rc;

	fd = (int)syscall(SYS_memfd_create, n->path + 5, (flags & O_CLOEXEC) ? MFD_CLOEXEC : 0);
	if (fd < 0)
		return -1;
	if (fd >= MAX_FD) {
		real_close(fd);
		errno = EMFILE;
		return -1;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		real_close(fd);
		errno = ENOMEM;
		return -1;
	}
	d->ops = th_sim_device;
	d->node = n;
	d->fd = fd;
	d->nfds = 1;
	rc = th_sim_device->open(d, flags);
	if (rc) {
		free(d);
		real_close(fd);
		errno = -rc;
		return -1;
	}
	fds[fd] = d;
	th_sim_log("open %s -> fd %d", n->path, fd);
	return fd;
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	const struct th_sim_node *n = node_of(path);
	mode_t mode = 0;

	int vfd;

	resolve();
	if (n)
		return dev_open(n, flags);
	if (th_sim_vfile_open(path, flags, &vfd)) {
		if (vfd < 0) {
			errno = -vfd;
			return -1;
		}
		return vfd;
	}
	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return real_openat(dirfd, path, flags, mode);
}
EXPORT int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | __O_TMPFILE)) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return openat(AT_FDCWD, path, flags, mode);
}
EXPORT int open64(const char *path, int flags, ...) __attribute__((alias("open")));

EXPORT int __open_2(const char *path, int flags)
{
	return open(path, flags);
}
EXPORT int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));

static void maybe_destroy(struct th_sim_encl *e);

/* FD no longer refers to its device: the last one releases it, as the kernel's file does */
static void dev_forget(int fd)
{
	struct th_sim_dev *d = th_sim_dev_of_fd(fd);

	if (!d)
		return;
	fds[fd] = NULL;
	if (--d->nfds > 0) {
		if (d->fd == fd)
			for (int i = 0; i < MAX_FD; i++)
				if (fds[i] == d)
					d->fd = i;
		return;
	}
	d->ops->release(d);
	d->fd = -1;
	if (d->encl)
		maybe_destroy(d->encl);
	else
		free(d);
}

static int dev_dup(int oldfd, int newfd)
{
	struct th_sim_dev *d = th_sim_dev_of_fd(oldfd);

	if (newfd >= 0 && d && newfd < MAX_FD) {
		fds[newfd] = d;
		d->nfds++;
	}
	return newfd;
}

EXPORT int close(int fd)
{
	resolve();
	dev_forget(fd);
	return real_close(fd);
}

EXPORT int dup(int fd)
{
	static int (*real)(int);

	if (!real)
		real = (int (*)(int))next("dup");
	return dev_dup(fd, real(fd));
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	static int (*real)(int, int, int);
	int r;

	if (!real)
		real = (int (*)(int, int, int))next("dup3");
	r = real(oldfd, newfd, flags);
	if (r >= 0) {
		dev_forget(newfd);
		dev_dup(oldfd, r);
	}
	return r;
}

EXPORT int dup2(int oldfd, int newfd)
{
	static int (*real)(int, int);
	int r;

	if (!real)
		real = (int (*)(int, int))next("dup2");
	r = real(oldfd, newfd);
	if (r >= 0 && oldfd != newfd) {
		dev_forget(newfd);
		dev_dup(oldfd, r);
	}
	return r;
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	static int (*real)(int, int, ...);
	unsigned long arg;
	va_list ap;
	int r;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (!real)
		real = (int (*)(int, int, ...))next("fcntl");
	r = real(fd, cmd, arg);
	if ((cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && r >= 0)
		dev_dup(fd, r);
	return r;
}
EXPORT int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

static void fake_stat(const struct th_sim_node *n, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_mode = n->mode;
	st->st_rdev = n->rdev ? n->rdev : makedev(10u, 125u + (unsigned)(n - th_sim_device->nodes));
	st->st_dev = 5;
	st->st_ino = 1000 + (ino_t)(n - th_sim_device->nodes);
	st->st_nlink = 1;
	st->st_blksize = 4096;
	if (strstr(n->path, "provision"))
		provision_stat(st);
}

EXPORT int stat(const char *path, struct stat *st)
{
	const struct th_sim_node *n = node_of(path);

	resolve();
	if (n) {
		fake_stat(n, st);
		return 0;
	}
	if (th_sim_vfile_stat(path, st))
		return 0;
	return real_stat(path, st);
}
EXPORT int stat64(const char *path, struct stat64 *st)
{
	return stat(path, (struct stat *)st);
}

EXPORT int lstat(const char *path, struct stat *st)
{
	resolve();
	if (node_of(path))
		return stat(path, st);
	if (th_sim_vfile_stat(path, st))
		return 0;
	return real_lstat(path, st);
}
EXPORT int lstat64(const char *path, struct stat64 *st)
{
	return lstat(path, (struct stat *)st);
}

EXPORT int fstat(int fd, struct stat *st)
{
	struct th_sim_dev *d = th_sim_dev_of_fd(fd);

	resolve();
	if (d) {
		fake_stat(d->node, st);
		return 0;
	}
	return real_fstat(fd, st);
}
EXPORT int fstat64(int fd, struct stat64 *st)
{
	return fstat(fd, (struct stat *)st);
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	const struct th_sim_node *n = node_of(path);

	resolve();
	if (n) {
		fake_stat(n, st);
		return 0;
	}
	if (th_sim_vfile_stat(path, st))
		return 0;
	if (!*path && (flags & AT_EMPTY_PATH) && th_sim_dev_of_fd(dirfd)) {
		fake_stat(th_sim_dev_of_fd(dirfd)->node, st);
		return 0;
	}
	return real_fstatat(dirfd, path, st, flags);
}
EXPORT int fstatat64(int dirfd, const char *path, struct stat64 *st, int flags)
{
	return fstatat(dirfd, path, (struct stat *)st, flags);
}

static int (*real_statx)(int, const char *, int, unsigned int, struct statx *);

EXPORT int statx(int dirfd, const char *path, int flags, unsigned int mask, struct statx *stx)
{
	const struct th_sim_node *n = node_of(path);
	struct th_sim_dev *d = th_sim_dev_of_fd(dirfd);
	struct stat st;

	resolve();
	if (!n && d && !*path && (flags & AT_EMPTY_PATH))
		n = d->node;
	if (n || th_sim_vfile_stat(path, &st)) {
		if (n)
			fake_stat(n, &st);
		memset(stx, 0, sizeof(*stx));
		stx->stx_mask = STATX_BASIC_STATS;
		stx->stx_mode = (uint16_t)st.st_mode;
		stx->stx_nlink = 1;
		stx->stx_blksize = 4096;
		stx->stx_ino = st.st_ino;
		stx->stx_rdev_major = major(st.st_rdev);
		stx->stx_rdev_minor = minor(st.st_rdev);
		stx->stx_dev_minor = (uint32_t)st.st_dev;
		stx->stx_size = (uint64_t)st.st_size;
		return 0;
	}
	if (!real_statx)
		real_statx = next("statx");
	return real_statx(dirfd, path, flags, mask, stx);
}

EXPORT int access(const char *path, int mode)
{
	struct stat st;

	resolve();
	if (node_of(path))
		return 0;
	if (th_sim_vfile_stat(path, &st)) {
		if (!(mode & W_OK) || S_ISDIR(st.st_mode))
			return 0;
		errno = EACCES;
		return -1;
	}
	return real_access(path, mode);
}

/* fopen() opens through libc's internal open: the machine's files need their own entry. */
static FILE *vfile_fopen(const char *path, const char *mode, FILE *(*real)(const char *, const char *))
{
	int fd;

	if (!th_sim_vfile_open(path, (strchr(mode, 'r') && !strchr(mode, '+') ? O_RDONLY : O_RDWR) |
				     (strchr(mode, 'e') ? O_CLOEXEC : 0), &fd))
		return real(path, mode);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	return fdopen(fd, mode);
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
	static FILE *(*real)(const char *, const char *);

	if (!real)
		real = (FILE * (*)(const char *, const char *))next("fopen");
	return vfile_fopen(path, mode, real);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
	static FILE *(*real)(const char *, const char *);

	if (!real)
		real = (FILE * (*)(const char *, const char *))next("fopen64");
	return vfile_fopen(path, mode, real);
}

EXPORT int ioctl(int fd, unsigned long cmd, ...)
{
	struct th_sim_dev *d = th_sim_dev_of_fd(fd);
	unsigned long arg;
	va_list ap;
	long rc;

	va_start(ap, cmd);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	resolve();
	if (!d)
		return real_ioctl(fd, cmd, arg);
	rc = d->ops->ioctl(d, cmd, arg);
	th_sim_log("ioctl fd %d cmd %#lx -> %ld", fd, cmd, rc);
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return (int)rc;
}

/* ---- mappings of the device ---- */
/*
 * Inside an enclave's ELRANGE the per-page `vma` byte records the program's mapping; mappings
 * made before ECREATE (the SDKs reserve ELRANGE by mapping the device) are kept in `pre` and
 * turned into EPC-backed mappings by th_sim_dev_created().
 */
struct pre_map {
	uint64_t start, end;
	int prot;
	struct th_sim_dev *dev;
};
#define MAX_PRE 64
static struct pre_map pre[MAX_PRE];

static void pre_remove(uint64_t start, uint64_t end)
{
	for (int i = 0; i < MAX_PRE; i++) {
		struct pre_map *m = &pre[i];

		if (!m->dev || m->end <= start || end <= m->start)
			continue;
		if (start <= m->start && end >= m->end) {
			m->dev = NULL;
		} else if (start > m->start && end < m->end) {
			for (int j = 0; j < MAX_PRE; j++)
				if (!pre[j].dev) {
					pre[j] = *m;
					pre[j].start = end;
					break;
				}
			m->end = start;
		} else if (start <= m->start) {
			m->start = end;
		} else {
			m->end = start;
		}
	}
}

static void pre_add(uint64_t start, uint64_t end, int prot, struct th_sim_dev *d)
{
	pre_remove(start, end);
	for (int i = 0; i < MAX_PRE; i++)
		if (!pre[i].dev) {
			pre[i] = (struct pre_map){ start, end, prot, d };
			return;
		}
}

/* Map [start, end) of enclave E from its EPC backing with mapping protection PROT. */
static int map_epc(struct th_sim_encl *e, uint64_t start, uint64_t end, int prot)
{
	void *r = th_sim_real_mmap((void *)start, end - start, PROT_NONE,
				   MAP_SHARED | MAP_FIXED, e->memfd, (off_t)(start - e->base));

	if (r == MAP_FAILED)
		return -errno;
	th_sim_lock();
	for (uint64_t a = start; a < end; a += TH_SIM_PAGE)
		th_sim_page_at(e, a)->vma = (uint8_t)(TH_VMA_MAPPED | (prot & 7));
	th_sim_apply_prot(e, start, end);
	th_sim_unlock();
	return 0;
}

void th_sim_dev_created(struct th_sim_dev *d)
{
	struct th_sim_encl *e = d->encl;

	for (int i = 0; i < MAX_PRE; i++) {
		struct pre_map *m = &pre[i];
		uint64_t s, t;

		if (!m->dev)
			continue;
		s = m->start > e->base ? m->start : e->base;
		t = m->end < e->base + e->size ? m->end : e->base + e->size;
		if (s >= t)
			continue;
		map_epc(e, s, t, m->prot);
		pre_remove(s, t);
	}
}

static bool encl_mapped(struct th_sim_encl *e)
{
	for (uint64_t i = 0; i < e->size >> 12; i++)
		if (e->pages[i].vma & TH_VMA_MAPPED)
			return true;
	return false;
}

/* The kernel frees an enclave when its fd is closed and its last mapping is gone. */
static void maybe_destroy(struct th_sim_encl *e)
{
	struct th_sim_dev *d = e->dev;

	if (encl_mapped(e))
		return;
	if (d->fd >= 0) {
		if (d->ops->unmapped)
			d->ops->unmapped(d, e);
		return;
	}
	for (int i = 0; i < 1000; i++) {
		bool busy = false;

		for (uint64_t j = 0; j < e->size >> 12; j++)
			if (e->pages[j].tcs && e->pages[j].tcs->busy)
				busy = true;
		if (!busy)
			break;
		usleep(1000);
	}
	th_sim_encl_destroy(e);
	free(d);
}

static struct th_sim_encl *encl_overlapping(uint64_t start, uint64_t end);

/* [start, end) no longer maps any enclave: something else was mapped over it */
static void forget_mappings(uint64_t start, uint64_t end)
{
	struct th_sim_encl *e = encl_overlapping(start, end);

	pre_remove(start, end);
	if (!e)
		return;
	for (uint64_t a = start > e->base ? start : e->base; a < end && a < e->base + e->size;
	     a += TH_SIM_PAGE)
		th_sim_page_at(e, a)->vma = 0;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct th_sim_dev *d = th_sim_dev_of_fd(fd);
	uint64_t start, end;
	struct th_sim_encl *e;
	void *r;
	int rc;

	resolve();
	if (!d || (flags & MAP_ANONYMOUS)) {
		void *r = th_sim_real_mmap(addr, len, prot, flags, fd, off);

		if (r != MAP_FAILED && (flags & MAP_FIXED) && th_sim_m.encls)
			forget_mappings((uint64_t)r, (uint64_t)r + ((len + 0xfff) & ~(size_t)0xfff));
		return r;
	}
	if (!len || (off & 0xfff) || ((flags & MAP_FIXED) && ((uint64_t)addr & 0xfff))) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	len = (len + 0xfff) & ~(size_t)0xfff;
	if ((flags & MAP_TYPE) == MAP_PRIVATE || d->node->kind != 0) {
		errno = (flags & MAP_TYPE) == MAP_PRIVATE ? EINVAL : ENODEV;
		return MAP_FAILED;
	}
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		start = (uint64_t)addr;
	} else {
		r = th_sim_real_mmap(addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
				     -1, 0);
		if (r == MAP_FAILED)
			return r;
		start = (uint64_t)r;
	}
	end = start + len;
	rc = d->ops->may_map(d, start, len, prot, flags);
	if (rc) {
		if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
			th_sim_real_munmap((void *)start, len);
		errno = -rc;
		return MAP_FAILED;
	}
	e = d->encl;
	/* the parts outside ELRANGE (or before ECREATE): a placeholder, as a VMA whose faults
	 * the driver refuses */
	if (!e || start < e->base || end > e->base + e->size) {
		r = th_sim_real_mmap((void *)start, len, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
		if (r == MAP_FAILED)
			return r;
		pre_add(start, end, prot, d);
	}
	if (e) {
		uint64_t s = start > e->base ? start : e->base;
		uint64_t t = end < e->base + e->size ? end : e->base + e->size;

		if (s < t) {
			pre_remove(s, t);
			rc = map_epc(e, s, t, prot);
			if (rc) {
				errno = -rc;
				return MAP_FAILED;
			}
		}
	}
	th_sim_log("mmap %#lx+%#zx prot %d", (unsigned long)start, len, prot);
	return (void *)start;
}
EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
	__attribute__((alias("mmap")));

static struct th_sim_encl *encl_overlapping(uint64_t start, uint64_t end)
{
	for (struct th_sim_encl *e = th_sim_m.encls; e; e = e->next)
		if (start < e->base + e->size && e->base < end)
			return e;
	return NULL;
}

static bool pre_overlaps(uint64_t start, uint64_t end)
{
	for (int i = 0; i < MAX_PRE; i++)
		if (pre[i].dev && start < pre[i].end && pre[i].start < end)
			return true;
	return false;
}

EXPORT int mprotect(void *addr, size_t len, int prot)
{
	uint64_t start = (uint64_t)addr, end = start + ((len + 0xfff) & ~(size_t)0xfff);
	struct th_sim_encl *e;

	resolve();
	/* the kernel's mm first: an unaligned start is EINVAL, a zero length is 0, before any
	 * mapping or driver is looked at (Intel's urts calls mprotect(addr, 0, 0)) */
	if (!len || (start & 0xfff) || (!th_sim_m.encls && !pre_overlaps(start, end)))
		return th_sim_real_mprotect(addr, len, prot);
	e = encl_overlapping(start, end);
	if (!e || (start & 0xfff)) {
		if (pre_overlaps(start, end)) {
			for (int i = 0; i < MAX_PRE; i++)
				if (pre[i].dev && start < pre[i].end && pre[i].start < end)
					pre[i].prot = prot;
			return 0;
		}
		return th_sim_real_mprotect(addr, len, prot);
	}
	{
		uint64_t s = start > e->base ? start : e->base;
		uint64_t t = end < e->base + e->size ? end : e->base + e->size;
		int rc;

		for (uint64_t a = s; a < t; a += TH_SIM_PAGE)
			if (!(th_sim_page_at(e, a)->vma & TH_VMA_MAPPED))
				goto plain;     /* not a device mapping: the program's own memory */
		rc = ((struct th_sim_dev *)e->dev)->ops->may_mprotect ?
		     ((struct th_sim_dev *)e->dev)->ops->may_mprotect(e->dev, s, t - s, prot) : 0;
		if (rc) {
			errno = -rc;
			return -1;
		}
		if (start < s && th_sim_real_mprotect(addr, s - start, prot))
			return -1;
		if (end > t && th_sim_real_mprotect((void *)t, end - t, prot))
			return -1;
		th_sim_lock();
		for (uint64_t a = s; a < t; a += TH_SIM_PAGE)
			th_sim_page_at(e, a)->vma = (uint8_t)(TH_VMA_MAPPED | (prot & 7));
		th_sim_apply_prot(e, s, t);
		th_sim_unlock();
		return 0;
	}
plain:
	return th_sim_real_mprotect(addr, len, prot);
}

EXPORT int munmap(void *addr, size_t len)
{
	uint64_t start = (uint64_t)addr, end = start + ((len + 0xfff) & ~(size_t)0xfff);
	struct th_sim_encl *e;
	int rc;

	resolve();
	if (!th_sim_m.encls && !pre_overlaps(start, end))
		return th_sim_real_munmap(addr, len);
	rc = th_sim_real_munmap(addr, len);
	if (rc)
		return rc;
	pre_remove(start, end);
	while ((e = encl_overlapping(start, end))) {
		uint64_t s = start > e->base ? start : e->base;
		uint64_t t = end < e->base + e->size ? end : e->base + e->size;
		bool had = false;

		for (uint64_t a = s; a < t; a += TH_SIM_PAGE) {
			struct th_sim_page *p = th_sim_page_at(e, a);

			had |= p->vma & TH_VMA_MAPPED;
			p->vma = 0;
		}
		if (had)
			maybe_destroy(e);
		if (!had || encl_overlapping(start, end) == e)
			break;
	}
	return 0;
}

/* ---- vDSO ---- */
unsigned long th_sim_real_getauxval(unsigned long type)
{
	resolve();
	return real_getauxval(type);
}

EXPORT unsigned long getauxval(unsigned long type)
{
	resolve();
	if (type == AT_SYSINFO_EHDR) {
		void *img = th_sim_vdso_image();

		if (img)
			return (unsigned long)img;
	}
	return real_getauxval(type);
}

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

	resolve();
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
		real = (int (*)(int, const sigset_t *, sigset_t *))next("sigprocmask");
	return mask_call(real, how, set, old);
}

EXPORT int pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	static int (*real)(int, const sigset_t *, sigset_t *);

	if (!real)
		real = (int (*)(int, const sigset_t *, sigset_t *))next("pthread_sigmask");
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

/* ---- threads: a simulator sigaltstack with the thread block at its bottom ---- */
uint64_t th_sim_alt_base;
uint8_t th_sim_fsgsbase;
uint64_t th_sim_alt_size;
static uint64_t alt_used[TH_ALT_SLOTS / 64];
static pthread_key_t thread_key;
static __thread struct th_sim_thread *self __attribute__((tls_model("initial-exec")));
static __thread stack_t app_altstack __attribute__((tls_model("initial-exec")));

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
		real = (int (*)(const stack_t *, stack_t *))next("sigaltstack");
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
			real_sigaltstack = (int (*)(const stack_t *, stack_t *))next("sigaltstack");
		slot = slot_alloc();
		if (slot < 0)
			return -EAGAIN;
		base = (uint8_t *)th_sim_alt_base + (uint64_t)slot * TH_ALT_SLOT;
		if (th_sim_real_mprotect(base, TH_ALT_SLOT, PROT_READ | PROT_WRITE))
			return -errno;
		t = (struct th_sim_thread *)base;
		__asm__ volatile("rdfsbase %0" : "=r"(t->host_fs));
		__asm__ volatile("rdgsbase %0" : "=r"(t->host_gs));
		t->tid = (int)syscall(SYS_gettid);
	}
	ss.ss_sp = base + TH_SIM_PAGE;
	ss.ss_size = TH_ALT_SLOT - TH_SIM_PAGE;
	ss.ss_flags = 0;
	if (uc) {
		greg_t *gr = uc->uc_mcontext.gregs;

		_Static_assert(offsetof(struct th_sim_thread, retry_rip) == 48 &&
			       offsetof(struct th_sim_thread, retry_rdi) == 56 &&
			       offsetof(struct th_sim_thread, retry_ss) == 64, "entry.S offsets");
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

	resolve();
	/* the kernel keeps WRFSBASE/WRGSBASE values only if it enabled FSGSBASE (entry.S) */
	th_sim_fsgsbase = (real_getauxval(AT_HWCAP2) & 2) != 0;
	th_sim_cfg.epc_size = parse_size(getenv("TEEHOST_SIM_EPC"), 64ull << 20);
	th_sim_cfg.sgx1_only = (v = getenv("TEEHOST_SIM_SGX1")) && *v == '1';
	th_sim_cfg.strict = (v = getenv("TEEHOST_SIM_STRICT")) && *v == '1';
	th_sim_cfg.debug = (v = getenv("TEEHOST_SIM_DEBUG")) && *v == '1';
	th_sim_cfg.flc = !((v = getenv("TEEHOST_SIM_LEGACY_LAUNCH")) && *v == '1');
	provision_policy = getenv("TEEHOST_SIM_PROVISION");
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
	pthread_key_create(&thread_key, thread_gone);
	if (th_sim_thread_setup() || th_sim_install_handlers())
		th_sim_log("cannot install the ENCLU trap handlers");
	th_sim_cpuid_init();
	th_sim_log("ready: epc %llu bytes%s%s", (unsigned long long)th_sim_cfg.epc_size,
		   th_sim_cfg.sgx1_only ? ", SGX1 only" : "", th_sim_cfg.strict ? ", strict" : "");
}
