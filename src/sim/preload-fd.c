/* SPDX-License-Identifier: MIT */
/*
 * libteehost-sim.so, the device nodes: open/stat/access/fopen of the nodes and the machine's
 * files (vfiles.c), the fd table of the devices (close, dup, fcntl) and ioctl, which goes to
 * the device model (see preload.c).
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

/* the mode argument, which is there only when FLAGS create a file */
static mode_t open_mode(int flags, va_list ap)
{
	return flags & (O_CREAT | __O_TMPFILE) ? va_arg(ap, mode_t) : 0;
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	const struct th_sim_node *n = node_of(path);
	mode_t mode;
	va_list ap;
	int vfd;

	th_sim_resolve();
	if (n)
		return dev_open(n, flags);
	if (th_sim_vfile_open(path, flags, &vfd)) {
		if (vfd < 0) {
			errno = -vfd;
			return -1;
		}
		return vfd;
	}
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return real_openat(dirfd, path, flags, mode);
}
EXPORT int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

EXPORT int open(const char *path, int flags, ...)
{
	mode_t mode;
	va_list ap;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return openat(AT_FDCWD, path, flags, mode);
}
EXPORT int open64(const char *path, int flags, ...) __attribute__((alias("open")));

EXPORT int __open_2(const char *path, int flags)
{
	return open(path, flags);
}
EXPORT int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));

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
		th_sim_maybe_destroy(d->encl);
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
	th_sim_resolve();
	dev_forget(fd);
	return real_close(fd);
}

EXPORT int dup(int fd)
{
	static int (*real)(int);

	if (!real)
		real = (int (*)(int))th_sim_next("dup");
	return dev_dup(fd, real(fd));
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	static int (*real)(int, int, int);
	int r;

	if (!real)
		real = (int (*)(int, int, int))th_sim_next("dup3");
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
		real = (int (*)(int, int))th_sim_next("dup2");
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
		real = (int (*)(int, int, ...))th_sim_next("fcntl");
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
		th_sim_provision_stat(st);
}

/* PATH is one of the device's nodes or the machine's files: *ST filled, true */
static bool machine_stat(const char *path, struct stat *st)
{
	const struct th_sim_node *n = node_of(path);

	th_sim_resolve();
	if (n) {
		fake_stat(n, st);
		return true;
	}
	return th_sim_vfile_stat(path, st);
}

EXPORT int stat(const char *path, struct stat *st)
{
	if (machine_stat(path, st))
		return 0;
	return real_stat(path, st);
}
EXPORT int stat64(const char *path, struct stat64 *st)
{
	return stat(path, (struct stat *)st);
}

EXPORT int lstat(const char *path, struct stat *st)
{
	th_sim_resolve();
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

	th_sim_resolve();
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
	if (machine_stat(path, st))
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

	th_sim_resolve();
	if (!n && d && !*path && (flags & AT_EMPTY_PATH))
		n = d->node;
	if (n || th_sim_vfile_stat(path, &st)) {
		if (n)
			fake_stat(n, &st);
		memset(stx, 0, sizeof(*stx));
		stx->stx_mask = STATX_BASIC_STATS;
		stx->stx_mode = (uint16_t)st.st_mode;
		stx->stx_nlink = 1;
		stx->stx_uid = st.st_uid;
		stx->stx_gid = st.st_gid;
		stx->stx_blksize = 4096;
		stx->stx_ino = st.st_ino;
		stx->stx_rdev_major = major(st.st_rdev);
		stx->stx_rdev_minor = minor(st.st_rdev);
		stx->stx_dev_minor = (uint32_t)st.st_dev;
		stx->stx_size = (uint64_t)st.st_size;
		return 0;
	}
	if (!real_statx)
		real_statx = th_sim_next("statx");
	return real_statx(dirfd, path, flags, mask, stx);
}

EXPORT int access(const char *path, int mode)
{
	struct stat st;

	th_sim_resolve();
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
		real = (FILE * (*)(const char *, const char *))th_sim_next("fopen");
	return vfile_fopen(path, mode, real);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
	static FILE *(*real)(const char *, const char *);

	if (!real)
		real = (FILE * (*)(const char *, const char *))th_sim_next("fopen64");
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
	th_sim_resolve();
	if (!d)
		return real_ioctl(fd, cmd, arg);
	rc = th_sim_dev_dispatch(d, d->ops->ioctls, cmd, arg);
	th_sim_log("ioctl fd %d cmd %#lx -> %ld", fd, cmd, rc);
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return (int)rc;
}

