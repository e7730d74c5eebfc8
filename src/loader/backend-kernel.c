/* SPDX-License-Identifier: MIT */
/*
 * The in-kernel SGX driver (Linux 5.11+; also DCAP 1.41 behind /dev/sgx/ symlinks).
 *
 * One file per enclave. The range is reserved with an anonymous PROT_NONE mapping (the device
 * refuses PROT_NONE mappings, DCAP 1.34's lesson), pages are added with ADD_PAGES (whole runs,
 * SGX_PAGE_MEASURE for measured ones, restarted on partial counts), then each added region is
 * mapped MAP_SHARED|MAP_FIXED from the enclave file with its EPCM permissions, and EINIT gets
 * the SIGSTRUCT only. Provisioning access: SGX_IOC_ENCLAVE_PROVISION with an fd of the
 * provision node. Entry: __vdso_sgx_enter_enclave.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader/internal.h"
#include "sgx/uapi.h"
#include "sgx_enclave_common.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* Reserve SIZE bytes aligned to SIZE (or exactly at BASE): shared with the DCAP backend. */
int th_reserve_aligned(struct th_encl *e, struct teehost_sgx_status *st, struct th_err *err);
int th_reserve_aligned(struct th_encl *e, struct teehost_sgx_status *st, struct th_err *err)
{
	uint8_t *p;

	if (e->base) {
		p = mmap((void *)(uintptr_t)e->base, e->size, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE, -1, 0);
		if (p == MAP_FAILED || (uint64_t)(uintptr_t)p != e->base) {
			int en = p == MAP_FAILED ? errno : EEXIST;

			if (p != MAP_FAILED)
				munmap(p, e->size);
			return th_lfail(st, err, "reserve", ENCLAVE_MEMORY_MAP_FAILURE, en,
					"cannot reserve [%#llx, +%#llx): %s",
					(unsigned long long)e->base, (unsigned long long)e->size,
					strerror(en));
		}
		e->resv = p;
		e->resv_len = e->size;
		return 0;
	}
	if (e->size > (UINT64_MAX >> 2))
		return th_lfail(st, err, "reserve", ENCLAVE_INVALID_SIZE, EINVAL, "size too large");
	p = mmap(NULL, e->size * 2, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return th_lfail(st, err, "reserve", ENCLAVE_MEMORY_MAP_FAILURE, errno,
				"cannot reserve %#llx bytes of address space: %s",
				(unsigned long long)e->size * 2, strerror(errno));
	{
		uint64_t start = (uint64_t)(uintptr_t)p;
		uint64_t aligned = (start + e->size - 1) & ~(e->size - 1);

		if (aligned > start)
			munmap(p, aligned - start);
		if (aligned + e->size < start + 2 * e->size)
			munmap((void *)(uintptr_t)(aligned + e->size),
			       start + 2 * e->size - (aligned + e->size));
		e->base = aligned;
		e->resv = (uint8_t *)(uintptr_t)aligned;
		e->resv_len = e->size;
	}
	return 0;
}

static int kernel_create(struct th_encl *e, struct sgx_secs *secs, struct teehost_sgx_status *st,
			 struct th_err *err)
{
	struct sgx_enclave_create c;
	int rc;

	e->fd = open(e->node, O_RDWR | O_CLOEXEC);
	if (e->fd < 0)
		return th_lfail(st, err, "open", th_loader_errno_code("open", errno), errno,
				"%s: %s", e->node, strerror(errno));
	rc = th_reserve_aligned(e, st, err);
	if (rc < 0)
		goto fail;
	secs->base = e->base;
	c.src = (uint64_t)(uintptr_t)secs;
	if (ioctl(e->fd, SGX_IOC_ENCLAVE_CREATE, &c) < 0) {
		int en = errno;

		rc = th_lfail(st, err, "create", th_loader_errno_code("create", en), en,
			      "SGX_IOC_ENCLAVE_CREATE: %s%s", strerror(en),
			      en == ENOMEM ? " (out of EPC)" :
			      en == EINVAL ? " (SECS refused: size, attributes, XFRM or SSA size)" :
			      "");
		goto fail;
	}
	return 0;
fail:
	if (e->resv)
		munmap(e->resv, e->resv_len);
	e->resv = NULL;
	close(e->fd);
	e->fd = -1;
	return rc;
}

static int kernel_add(struct th_encl *e, uint64_t off, const uint8_t *src, uint64_t npages,
		      uint64_t secinfo_flags, uint16_t mask, struct teehost_sgx_status *st,
		      struct th_err *err)
{
	return th_add_pages_ioctl(e, SGX_IOC_ENCLAVE_ADD_PAGES, "SGX_IOC_ENCLAVE_ADD_PAGES",
				  SGX_PAGE_MEASURE, off, src, npages, secinfo_flags, mask, st, err);
}


static int kernel_init(struct th_encl *e, const struct sgx_sigstruct *ss,
		       const struct sgx_einittoken *token, struct teehost_sgx_status *st,
		       struct th_err *err)
{
	struct sgx_enclave_init in = { .sigstruct = (uint64_t)(uintptr_t)ss };

	(void)token;
	for (;;) {
		int en, why;

		if (ioctl(e->fd, SGX_IOC_ENCLAVE_INIT, &in) == 0)
			return 0;
		en = errno;
		if (en == EINTR || en == EAGAIN || en == EBUSY)
			continue;
		if (en == EPERM && (why = th_einit_diagnose(e, ss)) > 0)
			return why;
		return th_lfail(st, err, "init", th_loader_errno_code("init", en), en,
				"SGX_IOC_ENCLAVE_INIT: %s%s", strerror(en),
				en == EPERM ? " (EINIT refused; the driver does not say why: "
					      "launch control or an unsupported attribute)" :
				en == EACCES ? (e->attributes.flags & SGX_ATTR_EINITTOKENKEY ?
						" (EINITTOKENKEY: only a launch enclave on a non-FLC "
						"platform may have it, and this driver allows none)" :
						" (PROVISIONKEY requested without access to the "
						"provision device: add the user to group sgx_prv)") :
				"");
	}
}

static int kernel_provision(struct th_encl *e, struct th_err *err)
{
	struct sgx_enclave_provision p;
	int pfd, rc = 0;

	if (!e->provision_node[0])
		return th_fail(err, ENOENT, "provision", "no provision device");
	pfd = open(e->provision_node, O_RDONLY | O_CLOEXEC);
	if (pfd < 0)
		return th_fail(err, errno, "provision", "%s: %s", e->provision_node,
			       strerror(errno));
	p.fd = (uint64_t)pfd;
	if (ioctl(e->fd, SGX_IOC_ENCLAVE_PROVISION, &p) < 0)
		rc = th_fail(err, errno, "provision", "SGX_IOC_ENCLAVE_PROVISION: %s",
			     strerror(errno));
	close(pfd);
	return rc;
}

static void kernel_destroy(struct th_encl *e)
{
	if (e->resv)
		munmap(e->resv, e->resv_len);
	e->resv = NULL;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

/* The three SGX2 ioctls restart on partial progress, as ADD_PAGES does. */
static int kernel_restrict(struct th_encl *e, uint64_t off, uint64_t len, uint64_t perm)
{
	struct sgx_enclave_restrict_permissions r = { .offset = off, .length = len,
						      .permissions = perm };

	while (r.length) {
		r.count = 0;
		r.result = 0;
		if (ioctl(e->fd, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &r) < 0 && r.count == 0 &&
		    errno != EAGAIN && errno != EBUSY && errno != EINTR)
			return -errno;
		r.offset += r.count;
		r.length -= r.count;
	}
	return 0;
}

static int kernel_modify_type(struct th_encl *e, uint64_t off, uint64_t len, uint64_t type)
{
	struct sgx_enclave_modify_types m = { .offset = off, .length = len, .page_type = type };

	while (m.length) {
		m.count = 0;
		m.result = 0;
		if (ioctl(e->fd, SGX_IOC_ENCLAVE_MODIFY_TYPES, &m) < 0 && m.count == 0 &&
		    errno != EAGAIN && errno != EBUSY && errno != EINTR)
			return -errno;
		m.offset += m.count;
		m.length -= m.count;
	}
	return 0;
}

static int kernel_remove(struct th_encl *e, uint64_t off, uint64_t len)
{
	struct sgx_enclave_remove_pages r = { .offset = off, .length = len };

	while (r.length) {
		r.count = 0;
		if (ioctl(e->fd, SGX_IOC_ENCLAVE_REMOVE_PAGES, &r) < 0 && r.count == 0 &&
		    errno != EAGAIN && errno != EBUSY && errno != EINTR)
			return -errno;
		r.offset += r.count;
		r.length -= r.count;
	}
	return 0;
}

static int kernel_augment(struct th_encl *e, uint64_t off, uint64_t len, int prot)
{
	/* the kernel EAUGs each page on its first fault */
	if (mmap(e->resv + off, len, prot, MAP_SHARED | MAP_FIXED, e->fd, 0) == MAP_FAILED)
		return -errno;
	return 0;
}

static bool kernel_has_sgx2(const char *node)
{
	struct sgx_enclave_restrict_permissions r;
	int fd = open(node, O_RDWR | O_CLOEXEC), rc;
	bool yes;

	if (fd < 0)
		return false;
	memset(&r, 0, sizeof(r));
	rc = ioctl(fd, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &r);
	yes = rc == 0 || (errno != ENOTTY && errno != ENODEV);
	close(fd);
	return yes;
}

const struct th_backend th_backend_kernel = {
	.name = "kernel",
	.own_entry = false,
	.create = kernel_create,
	.add = kernel_add,
	.init = kernel_init,
	.map = th_map_device,
	.provision = kernel_provision,
	.destroy = kernel_destroy,
	.restrict_perm = kernel_restrict,
	.modify_type = kernel_modify_type,
	.remove = kernel_remove,
	.augment = kernel_augment,
	.has_sgx2 = kernel_has_sgx2,
};
