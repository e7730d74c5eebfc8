#include "host/root.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MAX_LINKS 40

static bool force_walk;

void th_root_force_walk(bool on)
{
	force_walk = on;
}

int th_root_init(struct th_root *r, const char *dir, struct th_err *e)
{
	memset(r, 0, sizeof(*r));
	r->live = !dir;
	if (!dir)
		dir = "/";
	if (strlen(dir) >= sizeof(r->path))
		return th_fail(e, ENAMETOOLONG, dir, "path too long");
	strcpy(r->path, dir);
	r->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (r->dirfd < 0)
		return th_fail(e, errno, dir, "cannot open root directory: %s", strerror(errno));
	return 0;
}

void th_root_close(struct th_root *r)
{
	if (r->dirfd >= 0)
		close(r->dirfd);
	r->dirfd = -1;
}

const char *th_root_show(const struct th_root *r, const char *path, char *buf, size_t cap)
{
	if (r->live)
		snprintf(buf, cap, "%s", path);
	else
		snprintf(buf, cap, "%s%s", r->path, path);
	return buf;
}

/* Lexical walk with symlink expansion, for kernels without openat2.  Leaves
 * the resolved path relative to the root in out ("" for the root itself). */
static int walk(const struct th_root *r, const char *path, bool follow_last, char *out, size_t cap)
{
	char todo[8192], comp[256], link[4096];
	size_t olen = 0;
	int links = 0;

	if (strlen(path) >= sizeof(todo))
		return -ENAMETOOLONG;
	strcpy(todo, path);
	out[0] = '\0';
	char *p = todo;
	for (;;) {
		while (*p == '/')
			p++;
		if (!*p)
			return 0;
		char *s = strchr(p, '/');
		size_t n = s ? (size_t)(s - p) : strlen(p);
		bool last = !s || !s[strspn(s, "/")];
		if (n >= sizeof(comp))
			return -ENAMETOOLONG;
		memcpy(comp, p, n);
		comp[n] = '\0';
		p += n;
		if (!strcmp(comp, "."))
			continue;
		if (!strcmp(comp, "..")) {
			char *sl = strrchr(out, '/');
			olen = sl ? (size_t)(sl - out) : 0;
			out[olen] = '\0';
			continue;
		}
		size_t prev = olen;
		if (olen + n + 2 > cap)
			return -ENAMETOOLONG;
		if (olen)
			out[olen++] = '/';
		memcpy(out + olen, comp, n + 1);
		olen += n;
		if (last && !follow_last)
			return 0;
		struct stat st;
		if (fstatat(r->dirfd, out, &st, AT_SYMLINK_NOFOLLOW))
			return errno == ENOENT && last ? 0 : -errno;
		if (!S_ISLNK(st.st_mode))
			continue;
		if (++links > MAX_LINKS)
			return -ELOOP;
		ssize_t ln = readlinkat(r->dirfd, out, link, sizeof(link) - 1);
		if (ln < 0)
			return -errno;
		link[ln] = '\0';
		olen = link[0] == '/' ? 0 : prev;
		out[olen] = '\0';
		/* the rest of the path goes after the link's target */
		size_t rest = strlen(p);
		if ((size_t)ln + 1 + rest + 1 > sizeof(todo))
			return -ENAMETOOLONG;
		memmove(todo + ln + 1, p, rest + 1);
		memcpy(todo, link, (size_t)ln);
		todo[ln] = '/';
		p = todo;
	}
}

int th_root_open(const struct th_root *r, const char *path, int flags)
{
	int fd;

	flags |= O_CLOEXEC;
	if (r->live) {
		fd = open(path, flags);
		return fd < 0 ? -errno : fd;
	}
	struct open_how how = {
		.flags = (uint64_t)flags,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	/* one ENOSYS (old kernel, valgrind) or EPERM (seccomp) is enough to stop asking */
	static bool no_openat2;
	fd = force_walk || no_openat2 ? (errno = ENOSYS, -1) :
					(int)syscall(SYS_openat2, r->dirfd, path, &how, sizeof(how));
	if (fd >= 0)
		return fd;
	if (errno != ENOSYS && errno != EPERM)
		return -errno;
	if (!force_walk)
		no_openat2 = true;
	char rel[4096];
	int err = walk(r, path, !(flags & O_NOFOLLOW), rel, sizeof(rel));
	if (err)
		return err;
	fd = openat(r->dirfd, rel[0] ? rel : ".", flags | O_NOFOLLOW);
	return fd < 0 ? -errno : fd;
}

int th_root_open_parent(const struct th_root *r, const char *path, const char **base)
{
	char dir[4096];
	const char *sl = strrchr(path, '/');
	if (!sl || !sl[1])
		return -EINVAL;
	size_t n = (size_t)(sl - path);
	if (n >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, n);
	dir[n] = '\0';
	*base = sl + 1;
	return th_root_open(r, n ? dir : "/", O_PATH | O_DIRECTORY);
}

int th_root_stat(const struct th_root *r, const char *path, struct stat *st, bool follow)
{
	if (r->live)
		return (follow ? stat(path, st) : lstat(path, st)) ? -errno : 0;
	if (follow) {
		int fd = th_root_open(r, path, O_PATH);
		if (fd < 0)
			return fd;
		int ret = fstat(fd, st) ? -errno : 0;
		close(fd);
		return ret;
	}
	const char *base;
	int dfd = th_root_open_parent(r, path, &base);
	if (dfd < 0)
		return dfd;
	int ret = fstatat(dfd, base, st, AT_SYMLINK_NOFOLLOW) ? -errno : 0;
	close(dfd);
	return ret;
}

int th_root_readlink(const struct th_root *r, const char *path, char *buf, size_t cap)
{
	ssize_t n;
	if (!cap)
		return -EINVAL;
	if (r->live) {
		n = readlink(path, buf, cap - 1);
	} else {
		const char *base;
		int dfd = th_root_open_parent(r, path, &base);
		if (dfd < 0)
			return dfd;
		n = readlinkat(dfd, base, buf, cap - 1);
		int saved = errno;
		close(dfd);
		errno = saved;
	}
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int th_root_read(const struct th_root *r, const char *path, size_t max, char **out, size_t *len)
{
	int fd = th_root_open(r, path, O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return fd;
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return -EISDIR;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		if (n == cap) {
			if (cap >= max)
				break;
			cap = cap * 2 > max ? max : cap * 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				close(fd);
				return -ENOMEM;
			}
			buf = nb;
		}
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			int err = -errno;
			free(buf);
			close(fd);
			return err;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int th_root_opendir(const struct th_root *r, const char *path, DIR **d)
{
	int fd = th_root_open(r, path, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return fd;
	*d = fdopendir(fd);
	if (!*d) {
		int err = -errno;
		close(fd);
		return err;
	}
	return 0;
}

int th_root_msr(const struct th_root *r, unsigned cpu, uint32_t index, uint64_t *val)
{
	char path[64];
	snprintf(path, sizeof(path), "/dev/cpu/%u/msr", cpu);
	int fd = th_root_open(r, path, O_RDONLY);
	if (fd < 0)
		return fd;
	/* The msr driver takes the file offset as the MSR index and gives 8 bytes.  A fixture's
	 * regular file cannot do that for neighbours (0x8C-0x8F, RMP_BASE/RMP_END): their 8-byte
	 * windows would overlap. So a regular file holds one 8-byte slot per index, at index * 8. */
	struct stat st;
	off_t off = (off_t)index;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		off = (off_t)index * 8;
	uint64_t v;
	ssize_t n = pread(fd, &v, sizeof(v), off);
	int err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	if (n != (ssize_t)sizeof(v))
		return -EIO;
	*val = v;
	return 0;
}
