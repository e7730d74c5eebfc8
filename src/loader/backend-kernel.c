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

/*
 * The in-kernel driver: /dev/sgx_enclave, or /dev/sgx/enclave when that is a symlink (DCAP
 * 1.41's udev rules) or the vDSO has __vdso_sgx_enter_enclave (the kernel's ABI behind the
 * DCAP-style node, which Intel's order looks at first).
 */
static int kernel_probe(const struct teehost_loader_opts *opts, bool forced,
			struct teehost_sgx_probe *out)
{
	static const char *const provision[] = { "/dev/sgx/provision", "/dev/sgx_provision", NULL };
	static const char *const flat_provision[] = { "/dev/sgx_provision", NULL };
	bool link = false;

	if (th_node_exists(opts, "/dev/sgx/enclave", &link, NULL)) {
		if (!link && !out->vdso && !forced)
			return -ENOENT;
		th_probe_found(opts, TEEHOST_SGX_KERNEL, "/dev/sgx/enclave", provision, out);
		snprintf(out->why, sizeof(out->why),
			 "%s is %s and the vDSO %s __vdso_sgx_enter_enclave: the in-kernel ABI "
			 "behind the DCAP-style node", out->enclave_node,
			 link ? "a symlink" : "a device", out->vdso ? "has" : "lacks");
		return 0;
	}
	if (!th_node_exists(opts, "/dev/sgx_enclave", NULL, NULL))
		return -ENOENT;
	th_probe_found(opts, TEEHOST_SGX_KERNEL, "/dev/sgx_enclave", flat_provision, out);
	out->flat_nodes = true;
	snprintf(out->why, sizeof(out->why),
		 "%s exists: the in-kernel driver (Linux 5.11+), entered through the vDSO",
		 out->enclave_node);
	return 0;
}

static int kernel_create(struct th_encl *e, struct sgx_secs *secs, struct th_sgx_status *st,
			 struct th_err *err)
{
	return th_create_ioctl(e, secs, SGX_IOC_ENCLAVE_CREATE, "SGX_IOC_ENCLAVE_CREATE",
			       " (SECS refused: size, attributes, XFRM or SSA size)", st, err);
}

static int kernel_add(struct th_encl *e, uint64_t off, const uint8_t *src, uint64_t npages,
		      uint64_t secinfo_flags, uint16_t mask, struct th_sgx_status *st,
		      struct th_err *err)
{
	return th_add_pages_ioctl(e, SGX_IOC_ENCLAVE_ADD_PAGES, "SGX_IOC_ENCLAVE_ADD_PAGES",
				  SGX_PAGE_MEASURE, off, src, npages, secinfo_flags, mask, st, err);
}


static const struct th_einit_hints kernel_hints = {
	.eperm = " (EINIT refused; the driver does not say why: launch control or an "
		 "unsupported attribute)",
	.eacces_token_key = " (EINITTOKENKEY: only a launch enclave on a non-FLC platform may "
			    "have it, and this driver allows none)",
	.eacces_provision = " (PROVISIONKEY requested without access to the provision device: "
			    "add the user to group sgx_prv)",
};

static int kernel_init(struct th_encl *e, const struct sgx_sigstruct *ss,
		       const struct sgx_einittoken *token, struct th_sgx_status *st,
		       struct th_err *err)
{
	(void)token;
	return th_init_ioctl(e, ss, SGX_IOC_ENCLAVE_INIT, "SGX_IOC_ENCLAVE_INIT", &kernel_hints,
			     st, err);
}

static int kernel_provision(struct th_encl *e, struct th_err *err)
{
	return th_provision_ioctl(e, SGX_IOC_ENCLAVE_PROVISION, "SGX_IOC_ENCLAVE_PROVISION", err);
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
	.driver = TEEHOST_SGX_KERNEL,
	.node = "/dev/sgx_enclave",
	.own_entry = false,
	.probe = kernel_probe,
	.create = kernel_create,
	.add = kernel_add,
	.init = kernel_init,
	.map = th_map_device,
	.provision = kernel_provision,
	.destroy = th_device_destroy,
	.restrict_perm = kernel_restrict,
	.modify_type = kernel_modify_type,
	.remove = kernel_remove,
	.augment = kernel_augment,
	.has_sgx2 = kernel_has_sgx2,
};
