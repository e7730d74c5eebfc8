/* SPDX-License-Identifier: MIT */
/*
 * Intel's DCAP out-of-tree driver, 1.30 to 1.36 (/dev/sgx/enclave, /dev/sgx/provision).
 *
 * The ioctls match the kernel's (sgx/dcap_uapi.h); what differs is the rest: there is no vDSO
 * (the loader issues ENCLU itself, entry.c, and catches the enclave's exceptions with its own
 * signal handler), mmap() must cover only pages already added (so regions are mapped one by
 * one after ADD_PAGES, never the whole range), protections are checked at mmap() only (no
 * mprotect hook: the loader never mprotects enclave pages here), provisioning access is
 * SET_ATTRIBUTE with an fd of /dev/sgx/provision, and EINIT failures come back as -EPERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader/internal.h"
#include "sgx/dcap_uapi.h"
#include "sgx_enclave_common.h"

int th_reserve_aligned(struct th_encl *e, struct teehost_sgx_status *st, struct th_err *err);

static int dcap_create(struct th_encl *e, struct sgx_secs *secs, struct teehost_sgx_status *st,
		       struct th_err *err)
{
	struct dcap_enclave_create c;
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
	if (ioctl(e->fd, DCAP_IOC_ENCLAVE_CREATE, &c) < 0) {
		int en = errno;

		rc = th_lfail(st, err, "create", th_loader_errno_code("create", en), en,
			      "DCAP ENCLAVE_CREATE: %s%s", strerror(en),
			      en == ENOMEM ? " (out of EPC)" : "");
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

static int dcap_add(struct th_encl *e, uint64_t off, const uint8_t *src, uint64_t npages,
		    uint64_t secinfo_flags, uint16_t mask, struct teehost_sgx_status *st,
		    struct th_err *err)
{
	return th_add_pages_ioctl(e, DCAP_IOC_ENCLAVE_ADD_PAGES, "DCAP ENCLAVE_ADD_PAGES",
				  DCAP_PAGE_MEASURE, off, src, npages, secinfo_flags, mask, st, err);
}


static int dcap_init(struct th_encl *e, const struct sgx_sigstruct *ss,
		     const struct sgx_einittoken *token, struct teehost_sgx_status *st,
		     struct th_err *err)
{
	struct dcap_enclave_init in = { .sigstruct = (uint64_t)(uintptr_t)ss };

	(void)token;
	for (;;) {
		int en, why;

		if (ioctl(e->fd, DCAP_IOC_ENCLAVE_INIT, &in) == 0)
			return 0;
		en = errno;
		if (en == EINTR || en == EAGAIN || en == EBUSY || en == ERESTART)
			continue;
		if (en == EPERM && (why = th_einit_diagnose(e, ss)) > 0)
			return why;
		return th_lfail(st, err, "init", th_loader_errno_code("init", en), en,
				"DCAP ENCLAVE_INIT: %s%s", strerror(en),
				en == EPERM ? " (EINIT refused; the driver does not say why)" :
				en == EACCES ? (e->attributes.flags & SGX_ATTR_EINITTOKENKEY ?
						" (EINITTOKENKEY: the DCAP driver allows no launch "
						"enclave)" :
						" (PROVISIONKEY requested without access to "
						"/dev/sgx/provision: add the user to group sgx_prv)") :
				"");
	}
}

static int dcap_provision(struct th_encl *e, struct th_err *err)
{
	struct dcap_enclave_set_attribute a;
	int pfd, rc = 0;

	if (!e->provision_node[0])
		return th_fail(err, ENOENT, "provision", "no provision device");
	pfd = open(e->provision_node, O_RDONLY | O_CLOEXEC);
	if (pfd < 0)
		return th_fail(err, errno, "provision", "%s: %s", e->provision_node,
			       strerror(errno));
	a.attribute_fd = (uint64_t)pfd;
	if (ioctl(e->fd, DCAP_IOC_ENCLAVE_SET_ATTRIBUTE, &a) < 0)
		rc = th_fail(err, errno, "provision", "DCAP ENCLAVE_SET_ATTRIBUTE: %s",
			     strerror(errno));
	close(pfd);
	return rc;
}

static void dcap_destroy(struct th_encl *e)
{
	if (e->resv)
		munmap(e->resv, e->resv_len);
	e->resv = NULL;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

const struct th_backend th_backend_dcap = {
	.name = "dcap",
	.own_entry = true,
	.create = dcap_create,
	.add = dcap_add,
	.init = dcap_init,
	.map = th_map_device,   /* only ever over added pages: the region list holds exactly those */
	.provision = dcap_provision,
	.destroy = dcap_destroy,
};
