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

static const struct th_einit_hints kernel_hints = {
	.eperm = " (EINIT refused; the driver does not say why: launch control or an "
		 "unsupported attribute)",
	.eacces_token_key = " (EINITTOKENKEY: only a launch enclave on a non-FLC platform may "
			    "have it, and this driver allows none)",
	.eacces_provision = " (PROVISIONKEY requested without access to the provision device: "
			    "add the user to group sgx_prv)",
};

static const struct th_uapi kernel_uapi = {
	.create = SGX_IOC_ENCLAVE_CREATE, .create_name = "SGX_IOC_ENCLAVE_CREATE",
	.create_einval_hint = " (SECS refused: size, attributes, XFRM or SSA size)",
	.add_pages = SGX_IOC_ENCLAVE_ADD_PAGES, .add_pages_name = "SGX_IOC_ENCLAVE_ADD_PAGES",
	.init = SGX_IOC_ENCLAVE_INIT, .init_name = "SGX_IOC_ENCLAVE_INIT",
	.provision = SGX_IOC_ENCLAVE_PROVISION, .provision_name = "SGX_IOC_ENCLAVE_PROVISION",
	.measure_flag = SGX_PAGE_MEASURE,
	.hints = &kernel_hints,
};

/*
 * The three SGX2 ioctls restart on partial progress, as ADD_PAGES does: REQUEST on ARG, whose
 * OFFSET and LENGTH move on by each call's COUNT; RESULT (NULL for REMOVE_PAGES) is cleared
 * before each call.
 */
static int sgx2_ioctl(struct th_encl *e, unsigned long request, void *arg, __u64 *offset,
		      __u64 *length, __u64 *count, __u64 *result)
{
	while (*length) {
		*count = 0;
		if (result)
			*result = 0;
		if (ioctl(e->fd, request, arg) < 0 && *count == 0 &&
		    errno != EAGAIN && errno != EBUSY && errno != EINTR)
			return -errno;
		*offset += *count;
		*length -= *count;
	}
	return 0;
}

static int kernel_restrict(struct th_encl *e, uint64_t off, uint64_t len, uint64_t perm)
{
	struct sgx_enclave_restrict_permissions r = { .offset = off, .length = len,
						      .permissions = perm };

	return sgx2_ioctl(e, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &r, &r.offset, &r.length,
			  &r.count, &r.result);
}

static int kernel_modify_type(struct th_encl *e, uint64_t off, uint64_t len, uint64_t type)
{
	struct sgx_enclave_modify_types m = { .offset = off, .length = len, .page_type = type };

	return sgx2_ioctl(e, SGX_IOC_ENCLAVE_MODIFY_TYPES, &m, &m.offset, &m.length, &m.count,
			  &m.result);
}

static int kernel_remove(struct th_encl *e, uint64_t off, uint64_t len)
{
	struct sgx_enclave_remove_pages r = { .offset = off, .length = len };

	return sgx2_ioctl(e, SGX_IOC_ENCLAVE_REMOVE_PAGES, &r, &r.offset, &r.length, &r.count,
			  NULL);
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
	.create = th_uapi_create,
	.add = th_uapi_add,
	.init = th_uapi_init,
	.map = th_map_device,
	.provision = th_uapi_provision,
	.destroy = th_device_destroy,
	.restrict_perm = kernel_restrict,
	.modify_type = kernel_modify_type,
	.remove = kernel_remove,
	.augment = kernel_augment,
	.has_sgx2 = kernel_has_sgx2,
	.uapi = &kernel_uapi,
};
