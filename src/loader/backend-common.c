/* SPDX-License-Identifier: MIT */
/*
 * What the in-kernel and the DCAP backends share: the DCAP driver took the kernel's ioctl
 * layouts (under its own numbers), its device mapping rules and its bare -EPERM for a refused
 * EINIT, so creation (open, reserve, ECREATE, clean up), ADD_PAGES, EINIT with its retries,
 * provisioning, mapping and teardown are written once here and named by each backend.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader/internal.h"
#include "sgx/dcap_uapi.h"
#include "sgx/uapi.h"
#include "sgx_enclave_common.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* The DCAP driver's CREATE, INIT and SET_ATTRIBUTE are the kernel's layouts: one u64 each. */
_Static_assert(sizeof(struct dcap_enclave_create) == sizeof(struct sgx_enclave_create) &&
	       sizeof(struct dcap_enclave_init) == sizeof(struct sgx_enclave_init) &&
	       sizeof(struct dcap_enclave_set_attribute) == sizeof(struct sgx_enclave_provision),
	       "DCAP and in-kernel CREATE/INIT/provision share one layout");

int th_reserve_aligned(struct th_encl *e, struct th_sgx_status *st, struct th_err *err)
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

int th_uapi_create(struct th_encl *e, struct sgx_secs *secs, struct th_sgx_status *st,
		   struct th_err *err)
{
	const struct th_uapi *u = e->be->uapi;
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
	if (ioctl(e->fd, u->create, &c) < 0) {
		int en = errno;

		rc = th_lfail(st, err, "create", th_loader_errno_code("create", en), en,
			      "%s: %s%s", u->create_name, strerror(en),
			      en == ENOMEM ? " (out of EPC)" :
			      en == EINVAL && u->create_einval_hint ? u->create_einval_hint : "");
		goto fail;
	}
	return 0;
fail:
	th_device_destroy(e);
	return rc;
}

int th_uapi_init(struct th_encl *e, const struct sgx_sigstruct *ss,
		 const struct sgx_einittoken *token, struct th_sgx_status *st, struct th_err *err)
{
	const struct th_uapi *u = e->be->uapi;
	const struct th_einit_hints *hints = u->hints;
	struct sgx_enclave_init in = { .sigstruct = (uint64_t)(uintptr_t)ss };

	(void)token;    /* the isgx driver's only */

	for (;;) {
		int en, why;

		if (ioctl(e->fd, u->init, &in) == 0)
			return 0;
		en = errno;
		/* EPC reclaim or a signal: the drivers ask to be asked again */
		if (en == EINTR || en == EAGAIN || en == EBUSY || en == ERESTART)
			continue;
		if (en == EPERM && (why = th_einit_diagnose(e, ss)) > 0)
			return why;
		return th_lfail(st, err, "init", th_loader_errno_code("init", en), en,
				"%s: %s%s", u->init_name, strerror(en),
				en == EPERM ? hints->eperm :
				en == EACCES ? (e->attributes.flags & SGX_ATTR_EINITTOKENKEY ?
						hints->eacces_token_key : hints->eacces_provision) :
				"");
	}
}

int th_uapi_provision(struct th_encl *e, struct th_err *err)
{
	const struct th_uapi *u = e->be->uapi;
	struct sgx_enclave_provision p;
	int pfd, rc = 0;

	if (!e->provision_node[0])
		return th_fail(err, ENOENT, "provision", "no provision device");
	pfd = open(e->provision_node, O_RDONLY | O_CLOEXEC);
	if (pfd < 0)
		return th_fail(err, errno, "provision", "%s: %s", e->provision_node,
			       strerror(errno));
	p.fd = (uint64_t)pfd;
	if (ioctl(e->fd, u->provision, &p) < 0)
		rc = th_fail(err, errno, "provision", "%s: %s", u->provision_name, strerror(errno));
	close(pfd);
	return rc;
}

void th_device_destroy(struct th_encl *e)
{
	if (e->resv)
		munmap(e->resv, e->resv_len);
	e->resv = NULL;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

/* The DCAP driver took the in-kernel ADD_PAGES layout; th_uapi_add relies on it. */
_Static_assert(sizeof(struct dcap_enclave_add_pages) == sizeof(struct sgx_enclave_add_pages) &&
	       offsetof(struct dcap_enclave_add_pages, count) ==
	       offsetof(struct sgx_enclave_add_pages, count),
	       "DCAP and in-kernel ADD_PAGES share one layout");

int th_uapi_add(struct th_encl *e, uint64_t off, const uint8_t *src, uint64_t npages,
		uint64_t secinfo_flags, uint16_t mask, struct th_sgx_status *st, struct th_err *err)
{
	const struct th_uapi *u = e->be->uapi;
	struct sgx_secinfo secinfo;
	struct sgx_enclave_add_pages a;

	if (mask != 0 && mask != 0xffff)
		return th_lfail(st, err, "add", ENCLAVE_INVALID_PARAMETER, EINVAL,
				"page at %#llx measures only some 256-byte chunks (mask %#x); "
				"this driver measures whole pages or none",
				(unsigned long long)off, mask);
	memset(&secinfo, 0, sizeof(secinfo));
	secinfo.flags = secinfo_flags;
	memset(&a, 0, sizeof(a));
	a.src = (uint64_t)(uintptr_t)src;
	a.offset = off;
	a.length = npages * SGX_PAGE_SIZE;
	a.secinfo = (uint64_t)(uintptr_t)&secinfo;
	a.flags = mask ? u->measure_flag : 0;
	while (a.length) {
		a.count = 0;
		if (ioctl(e->fd, u->add_pages, &a) < 0 && a.count == 0) {
			int en = errno;

			/* interrupted or EPC reclaim in progress: the driver asks to retry */
			if (en == EINTR || en == EAGAIN || en == EBUSY)
				continue;
			return th_lfail(st, err, "add", th_loader_errno_code("add", en), en,
					"%s at offset %#llx: %s%s", u->add_pages_name,
					(unsigned long long)a.offset, strerror(en),
					en == ENOMEM ? " (out of EPC)" : "");
		}
		a.src += a.count;
		a.offset += a.count;
		a.length -= a.count;
	}
	return 0;
}

int th_map_device(struct th_encl *e, uint64_t off, uint64_t len, int prot,
		  struct th_sgx_status *st, struct th_err *err)
{
	void *p = mmap(e->resv + off, len, prot, MAP_SHARED | MAP_FIXED, e->fd, 0);

	if (p == MAP_FAILED) {
		int en = errno;

		return th_lfail(st, err, "map", th_loader_errno_code("map", en), en,
				"mmap of [%#llx, +%#llx) prot %d: %s%s",
				(unsigned long long)(e->base + off), (unsigned long long)len, prot,
				strerror(en),
				en == EPERM ? " (is /dev mounted noexec?)" :
				en == EACCES ? " (READ_IMPLIES_EXEC process, a page not added, or "
					       "protections above the pages' EPCM permissions)" : "");
	}
	return 0;
}
