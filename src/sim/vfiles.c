/* SPDX-License-Identifier: MIT */
/*
 * The files a program reads to learn what machine it is on, answered for the simulated one:
 *  - /proc/cpuinfo: the host's text with the simulated Intel part's identity and the `sgx`
 *    (and, with FLC, `sgx_lc`) flags (proctext.c);
 *  - the files the selected driver makes visible (the device model's `vfiles` table): the
 *    in-kernel driver's node0/x86/sgx_total_bytes and a kernel configuration with
 *    CONFIG_X86_SGX=y (/proc/config.gz, /boot/config-RELEASE), /sys/module/intel_sgx for
 *    DCAP, /sys/module/isgx for isgx.
 * Files are served as sealed memfds with the contents the kernel would print; directories only
 * exist for stat() (what probes ask of them).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "sim/device.h"
#include "sim/identity.h"

/* PATH equals PATTERN, where "RELEASE" in PATTERN stands for the running kernel's release */
static bool path_is(const char *pattern, const char *path)
{
	const char *rel = strstr(pattern, "RELEASE");
	struct utsname u;
	size_t pre, n;

	if (!rel)
		return !strcmp(pattern, path);
	pre = (size_t)(rel - pattern);
	if (strncmp(pattern, path, pre) || uname(&u))
		return false;
	n = strlen(u.release);
	return !strncmp(path + pre, u.release, n) && !strcmp(path + pre + n, rel + 7);
}

static const struct th_sim_vfile *vfile_of(const char *path)
{
	const struct th_sim_vfile *s = th_sim_device ? th_sim_device->vfiles : NULL;

	for (; s && s->path; s++)
		if (path_is(s->path, path))
			return s;
	return NULL;
}

/* The whole of a real procfs file (size 0 in stat): read until EOF, bypassing our open(). */
static char *read_real(const char *path, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((r = read(fd, buf + n, cap - n)) > 0) {
		n += (size_t)r;
		if (n == cap) {
			char *b = realloc(buf, cap * 2);

			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
	}
	close(fd);
	*len = n;
	return buf;
}

/* A read-only fd with TEXT as its contents, at offset 0. */
static int text_fd(const char *name, const char *text, size_t len, int flags)
{
	int fd = (int)syscall(SYS_memfd_create, name,
			      MFD_ALLOW_SEALING | ((flags & O_CLOEXEC) ? MFD_CLOEXEC : 0));
	size_t off = 0;

	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, text + off, len - off);

		if (w <= 0) {
			close(fd);
			return -EIO;
		}
		off += (size_t)w;
	}
	lseek(fd, 0, SEEK_SET);
	fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL);
	return fd;
}

static int cpuinfo_fd(int flags)
{
	struct th_sim_identity id = {
		.vendor = TH_SIM_VENDOR, .brand = TH_SIM_BRAND, .family = TH_SIM_FAMILY,
		.model = TH_SIM_MODEL, .stepping = TH_SIM_STEPPING, .flc = th_sim_cfg.flc,
	};
	uint32_t r[4];
	size_t len, out_len;
	char *in, *out;
	int fd;

	/* the "cpuid level" line is whatever CPUID.0 answers the program */
	__asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(0), "c"(0));
	id.max_leaf = r[0] < 0x12 ? 0x12 : r[0];
	in = read_real("/proc/cpuinfo", &len);
	if (!in)
		return -errno ? -errno : -ENOMEM;
	out = th_sim_cpuinfo_rewrite(in, len, &id, &out_len);
	free(in);
	if (!out)
		return -ENOMEM;
	fd = text_fd("cpuinfo", out, out_len, flags);
	free(out);
	return fd;
}

/* gzip of LEN bytes at IN (malloc'd), as /proc/config.gz is */
static char *gzip(const char *in, size_t len, size_t *out_len)
{
	z_stream z = { 0 };
	size_t cap = len + len / 100 + 1024;
	char *out = malloc(cap);

	if (!out || deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return NULL;
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return NULL;
	}
	*out_len = z.total_out;
	deflateEnd(&z);
	return out;
}

/* The host's gunzipped /proc/config.gz (malloc'd), or NULL */
static char *gunzip_file(const char *path, size_t *out_len)
{
	int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	gzFile gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
	size_t cap = 1 << 18, n = 0;
	char *buf = malloc(cap);
	int r;

	if (!gz || !buf) {
		if (gz)
			gzclose(gz);
		else if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	while ((r = gzread(gz, buf + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)r;
		if (n == cap) {
			char *b = realloc(buf, cap * 2);

			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
	}
	gzclose(gz);
	*out_len = n;
	return buf;
}

/* The kernel configuration with CONFIG_X86_SGX=y: PATH's own text, or for /proc/config.gz
 * its gzip (a host without /proc/config.gz has none: ENOENT, as there) */
static int kconfig_fd(const char *path, bool gz, int flags)
{
	size_t len, out_len, gz_len;
	char *in = gz ? gunzip_file(path, &len) : read_real(path, &len);
	char *out, *z;
	int fd;

	if (!in)
		return -ENOENT;
	out = th_sim_kconfig_rewrite(in, len, &out_len);
	free(in);
	if (!out)
		return -ENOMEM;
	if (!gz) {
		fd = text_fd("config", out, out_len, flags);
		free(out);
		return fd;
	}
	z = gzip(out, out_len, &gz_len);
	free(out);
	if (!z)
		return -ENOMEM;
	fd = text_fd("config.gz", z, gz_len, flags);
	free(z);
	return fd;
}

bool th_sim_vfile_open(const char *path, int flags, int *fd)
{
	const struct th_sim_vfile *s;

	if (!path)
		return false;
	if (!strcmp(path, "/proc/cpuinfo")) {
		*fd = (flags & O_ACCMODE) != O_RDONLY ? -EACCES : cpuinfo_fd(flags);
		return true;
	}
	s = vfile_of(path);
	if (!s)
		return false;
	if (s->what == TH_VFILE_DIR)
		return false;   /* only stat() is answered for directories */
	if ((flags & O_ACCMODE) != O_RDONLY) {
		*fd = -EACCES;  /* 0444 */
		return true;
	}
	if (s->what == TH_VFILE_KCONFIG || s->what == TH_VFILE_KCONFIG_GZ) {
		*fd = kconfig_fd(path, s->what == TH_VFILE_KCONFIG_GZ, flags);
		return true;
	}
	{
		char text[32];
		int n = snprintf(text, sizeof(text), "%llu\n",
				 (unsigned long long)th_sim_cfg.epc_size & ~0xfffull);

		*fd = text_fd("sysfs", text, (size_t)n, flags);
	}
	return true;
}

bool th_sim_vfile_stat(const char *path, struct stat *st)
{
	const struct th_sim_vfile *s = path ? vfile_of(path) : NULL;

	/* the kernel configuration files exist where the host has them: stat the real one */
	if (!s || s->what == TH_VFILE_KCONFIG || s->what == TH_VFILE_KCONFIG_GZ)
		return false;
	memset(st, 0, sizeof(*st));
	st->st_mode = s->what == TH_VFILE_DIR ? S_IFDIR | 0755 : S_IFREG | 0444;
	st->st_nlink = s->what == TH_VFILE_DIR ? 2 : 1;
	st->st_size = 4096;
	st->st_blksize = 4096;
	st->st_dev = 0x16;      /* sysfs */
	st->st_ino = 2000 + (ino_t)(s - th_sim_device->vfiles);
	return true;
}
