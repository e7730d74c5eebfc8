/* SPDX-License-Identifier: MIT */
/*
 * Intel's legacy out-of-tree driver for platforms without flexible launch control (/dev/isgx).
 *
 * One open file for every enclave of the process. The enclave's range is mapped from that file
 * BEFORE ECREATE (the driver aligns a mapping of a power-of-two size to that size and ECREATE
 * checks that SECS.BASE/SIZE are exactly that mapping); ADD_PAGE takes one page and a 16-bit
 * mask of the 256-byte chunks to EEXTEND; protections are set with mprotect() on the device
 * mapping; EINIT takes the base, the SIGSTRUCT and an EINITTOKEN (launch_token: the
 * loader asks opts->launch_token for it); ENCLS failures are POSITIVE ioctl() return values. No vDSO: entry.c's own ENCLU.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader/internal.h"
#include "sgx/isgx_uapi.h"
#include "sgx_enclave_common.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static pthread_mutex_t isgx_lock = PTHREAD_MUTEX_INITIALIZER;
static int isgx_fd = -1;
static char isgx_node[TH_PATH_MAX];
static unsigned isgx_users;

/* Open (or share) the process-wide device file; each enclave holds a reference. */
static int isgx_get(const char *node, struct th_err *err)
{
	int fd;

	pthread_mutex_lock(&isgx_lock);
	if (isgx_fd >= 0 && strcmp(node, isgx_node)) {
		pthread_mutex_unlock(&isgx_lock);
		return th_fail(err, EBUSY, "open", "%s is already open as %s", node, isgx_node);
	}
	if (isgx_fd < 0) {
		isgx_fd = open(node, O_RDWR | O_CLOEXEC);
		if (isgx_fd < 0) {
			int en = errno;

			pthread_mutex_unlock(&isgx_lock);
			return th_fail(err, en, "open", "%s: %s", node, strerror(en));
		}
		snprintf(isgx_node, sizeof(isgx_node), "%s", node);
	}
	isgx_users++;
	fd = isgx_fd;
	pthread_mutex_unlock(&isgx_lock);
	return fd;
}

/* Drop a reference; the file closes with the last enclave so no fd outlives them. */
static void isgx_put(void)
{
	pthread_mutex_lock(&isgx_lock);
	if (isgx_users && --isgx_users == 0 && isgx_fd >= 0) {
		close(isgx_fd);
		isgx_fd = -1;
	}
	pthread_mutex_unlock(&isgx_lock);
}

int th_isgx_fd(const char *node, struct th_err *err)
{
	return isgx_get(node, err);
}

static int isgx_create(struct th_encl *e, struct sgx_secs *secs, struct th_sgx_status *st,
		       struct th_err *err)
{
	struct isgx_enclave_create c;
	uint8_t *p;
	int rc, ret;

	rc = isgx_get(e->node, err);
	if (rc < 0) {
		if (st) {
			st->code = th_loader_errno_code("open", -rc);
			st->step = "open";
		}
		return rc;
	}
	e->fd = rc;
	e->fd_shared = true;
	/*
	 * The driver aligns an unfixed mapping itself; reserving an aligned range first and
	 * mapping the device MAP_FIXED over it gives the same result on every kernel and lets
	 * a fixed base (SECS.BASE) be honoured.
	 */
	rc = th_reserve_aligned(e, st, err);
	if (rc < 0)
		goto fail;
	p = mmap(e->resv, e->size, PROT_NONE, MAP_SHARED | MAP_FIXED, e->fd, 0);
	if (p == MAP_FAILED) {
		int en = errno;

		rc = th_lfail(st, err, "reserve", ENCLAVE_MEMORY_MAP_FAILURE, en,
			      "mmap of %#llx bytes from %s: %s", (unsigned long long)e->size,
			      e->node, strerror(en));
		goto fail;
	}
	e->base = (uint64_t)(uintptr_t)p;
	secs->base = e->base;
	c.src = (uint64_t)(uintptr_t)secs;
	ret = ioctl(e->fd, ISGX_IOC_ENCLAVE_CREATE, &c);
	if (ret != 0) {
		int en = errno;

		if (ret > 0)
			rc = th_lfail(st, err, "create", th_loader_sgx_code(ret), EIO,
				      "isgx ENCLAVE_CREATE: %s (%d)", th_sgx_error_name(ret), ret);
		else
			rc = th_lfail(st, err, "create", th_loader_errno_code("create", en), en,
				      "isgx ENCLAVE_CREATE: %s%s", strerror(en),
				      en == ENOMEM ? " (out of EPC)" : "");
		goto fail;
	}
	return 0;
fail:
	if (e->resv)
		munmap(e->resv, e->resv_len);
	e->resv = NULL;
	e->fd = -1;
	isgx_put();
	return rc;
}

static int isgx_add(struct th_encl *e, uint64_t off, const uint8_t *src, uint64_t npages,
		    uint64_t secinfo_flags, uint16_t mask, struct th_sgx_status *st,
		    struct th_err *err)
{
	struct sgx_secinfo secinfo;

	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = secinfo_flags;
	for (uint64_t i = 0; i < npages; i++) {
		struct isgx_enclave_add_page a = {
			.addr = e->base + off + i * SGX_PAGE_SIZE,
			.src = (uint64_t)(uintptr_t)(src + i * SGX_PAGE_SIZE),
			.secinfo = (uint64_t)(uintptr_t)&secinfo,
			.mrmask = mask,
		};
		int ret = ioctl(e->fd, ISGX_IOC_ENCLAVE_ADD_PAGE, &a);

		if (ret < 0 && (errno == EINTR || errno == EAGAIN)) {
			i--;
			continue;
		}
		if (ret > 0)
			return th_lfail(st, err, "add", th_loader_sgx_code(ret), EIO,
					"isgx ENCLAVE_ADD_PAGE at %#llx: %s (%d)",
					(unsigned long long)a.addr, th_sgx_error_name(ret), ret);
		if (ret < 0)
			return th_lfail(st, err, "add", th_loader_errno_code("add", errno), errno,
					"isgx ENCLAVE_ADD_PAGE at %#llx: %s%s",
					(unsigned long long)a.addr, strerror(errno),
					errno == ENOMEM ? " (out of EPC)" : "");
	}
	return 0;
}

static int isgx_map(struct th_encl *e, uint64_t off, uint64_t len, int prot,
		    struct th_sgx_status *st, struct th_err *err)
{
	if (mprotect(e->resv + off, len, prot) < 0) {
		int en = errno;

		return th_lfail(st, err, "map", th_loader_errno_code("map", en), en,
				"mprotect of [%#llx, +%#llx): %s", (unsigned long long)(e->base + off),
				(unsigned long long)len, strerror(en));
	}
	return 0;
}

static int isgx_init(struct th_encl *e, const struct sgx_sigstruct *ss,
		     const struct sgx_einittoken *token, struct th_sgx_status *st,
		     struct th_err *err)
{
	static const uint8_t zero[sizeof(struct sgx_einittoken)];
	struct isgx_enclave_init in = {
		.addr = e->base,
		.sigstruct = (uint64_t)(uintptr_t)ss,
		.einittoken = (uint64_t)(uintptr_t)(token ? (const void *)token : zero),
	};

	for (;;) {
		int ret = ioctl(e->fd, ISGX_IOC_ENCLAVE_INIT, &in), en = errno;

		if (ret == 0)
			return 0;
		if (ret > 0)
			return ret; /* the driver names the ENCLS error */
		if (en == EINTR || en == EAGAIN || en == EBUSY)
			continue;
		return th_lfail(st, err, "init", th_loader_errno_code("init", en), en,
				"isgx ENCLAVE_INIT: %s", strerror(en));
	}
}

static void isgx_destroy(struct th_encl *e)
{
	if (e->resv)
		munmap(e->resv, e->resv_len);
	e->resv = NULL;
	if (e->fd >= 0)
		isgx_put();
	e->fd = -1;
}

static int isgx_probe(const struct teehost_loader_opts *opts, bool forced,
		      struct teehost_sgx_probe *out)
{
	(void)forced;
	if (!th_node_exists(opts, "/dev/isgx", NULL, NULL))
		return -ENOENT;
	th_probe_found(opts, TEEHOST_SGX_ISGX, "/dev/isgx", NULL, out);
	snprintf(out->why, sizeof(out->why),
		 "%s exists: the legacy out-of-tree driver (no flexible launch "
		 "control): launch tokens, the loader's own ENCLU", out->enclave_node);
	return 0;
}

const struct th_backend th_backend_isgx = {
	.name = "isgx",
	.driver = TEEHOST_SGX_ISGX,
	.node = "/dev/isgx",
	.own_entry = true,
	.launch_token = true,
	.probe = isgx_probe,
	.create = isgx_create,
	.add = isgx_add,
	.init = isgx_init,
	.map = isgx_map,
	.provision = NULL,
	.destroy = isgx_destroy,
};
