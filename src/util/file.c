/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file.h"

static const uint8_t empty_file[1];

int th_map_file(const char *path, struct th_mapped_file *out, struct th_err *err)
{
	struct stat st;
	void *p;
	int fd;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return th_fail(err, errno, "open", "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return th_fail(err, e, "stat", "%s", strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return th_fail(err, EINVAL, "file", "not a regular file");
	}
	if (st.st_size == 0) {
		close(fd);
		out->data = empty_file;
		return 0;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return th_fail(err, errno, "mmap", "%s", strerror(errno));
	out->data = p;
	out->size = (size_t)st.st_size;
	out->mapped = 1;
	return 0;
}

void th_unmap_file(struct th_mapped_file *f)
{
	if (f->mapped)
		munmap((void *)f->data, f->size);
	memset(f, 0, sizeof(*f));
}

int th_read_file(const char *path, size_t max, char **out, size_t *len, struct th_err *err)
{
	size_t cap = 4096, n = 0;
	char *buf;
	int fd;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return th_fail(err, errno, "open", "%s", strerror(errno));
	buf = malloc(cap + 1);
	if (!buf) {
		close(fd);
		return th_fail(err, ENOMEM, "read", "out of memory");
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap >= max) {
				free(buf);
				close(fd);
				return th_fail(err, EFBIG, "size", "larger than %zu bytes", max);
			}
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				close(fd);
				return th_fail(err, ENOMEM, "read", "out of memory");
			}
			buf = nb;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			int e = errno;

			if (e == EINTR)
				continue;
			free(buf);
			close(fd);
			return th_fail(err, e, "read", "%s", strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	if (len)
		*len = n;
	return 0;
}

int th_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 int exclusive, struct th_err *err)
{
	char tmp[PATH_MAX];
	const uint8_t *p = data;
	size_t left = len;
	int fd, e;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.XXXXXX", path) >= (int)sizeof(tmp))
		return th_fail(err, ENAMETOOLONG, "path", "too long");
	if (exclusive && access(path, F_OK) == 0)
		return th_fail(err, EEXIST, "output", "already exists (use --force to replace it)");
	fd = mkstemp(tmp);
	if (fd < 0)
		return th_fail(err, errno, "output", "cannot create: %s", strerror(errno));
	while (left) {
		ssize_t w = write(fd, p, left);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		p += w;
		left -= (size_t)w;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (exclusive) {
		/* link() fails if PATH appeared meanwhile: never clobber with --force absent */
		if (link(tmp, path) < 0)
			goto fail;
		unlink(tmp);
		return 0;
	}
	if (rename(tmp, path) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return th_fail(err, e, "output", "cannot write: %s", strerror(e));
}
