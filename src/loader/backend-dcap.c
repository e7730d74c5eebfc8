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
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "loader/internal.h"
#include "sgx/dcap_uapi.h"
#include "sgx_enclave_common.h"

/*
 * /dev/sgx/enclave is the DCAP driver when it is a device node and the vDSO has no
 * __vdso_sgx_enter_enclave; a symlink or a vDSO entry means the in-kernel ABI behind it.
 */
static int dcap_probe(const struct teehost_loader_opts *opts, bool forced,
		      struct teehost_sgx_probe *out)
{
	static const char *const provision[] = { "/dev/sgx/provision", "/dev/sgx_provision", NULL };
	bool link = false, chr = false;

	if (!th_node_exists(opts, "/dev/sgx/enclave", &link, NULL)) {
		/* before 1.30 the driver was one node, /dev/sgx, with another ABI */
		if (th_node_exists(opts, "/dev/sgx", NULL, &chr) && chr) {
			char p[TH_PATH_MAX];

			th_loader_path(opts, "/dev/sgx", p, sizeof(p));
			snprintf(out->why, sizeof(out->why), "%s is a DCAP driver older than 1.30, "
				 "whose ABI teehost does not speak; install the in-kernel driver "
				 "(Linux 5.11+) or DCAP 1.30+", p);
			return -EPROTONOSUPPORT;
		}
		return -ENOENT;
	}
	if ((link || out->vdso) && !forced)
		return -ENOENT;
	th_probe_found(opts, TEEHOST_SGX_DCAP, "/dev/sgx/enclave", provision, out);
	snprintf(out->why, sizeof(out->why),
		 "%s is a device node and the vDSO has no __vdso_sgx_enter_enclave: the DCAP "
		 "out-of-tree driver (1.30-1.36), entered with the loader's own ENCLU",
		 out->enclave_node);
	return 0;
}

static const struct th_einit_hints dcap_hints = {
	.eperm = " (EINIT refused; the driver does not say why)",
	.eacces_token_key = " (EINITTOKENKEY: the DCAP driver allows no launch enclave)",
	.eacces_provision = " (PROVISIONKEY requested without access to /dev/sgx/provision: add "
			    "the user to group sgx_prv)",
};

static const struct th_uapi dcap_uapi = {
	.create = DCAP_IOC_ENCLAVE_CREATE, .create_name = "DCAP ENCLAVE_CREATE",
	.add_pages = DCAP_IOC_ENCLAVE_ADD_PAGES, .add_pages_name = "DCAP ENCLAVE_ADD_PAGES",
	.init = DCAP_IOC_ENCLAVE_INIT, .init_name = "DCAP ENCLAVE_INIT",
	.provision = DCAP_IOC_ENCLAVE_SET_ATTRIBUTE,
	.provision_name = "DCAP ENCLAVE_SET_ATTRIBUTE",
	.measure_flag = DCAP_PAGE_MEASURE,
	.hints = &dcap_hints,
};

const struct th_backend th_backend_dcap = {
	.name = "dcap",
	.driver = TEEHOST_SGX_DCAP,
	.node = "/dev/sgx/enclave",
	.own_entry = true,
	.probe = dcap_probe,
	.create = th_uapi_create,
	.add = th_uapi_add,
	.init = th_uapi_init,
	.map = th_map_device,   /* only ever over added pages: the region list holds exactly those */
	.provision = th_uapi_provision,
	.destroy = th_device_destroy,
	.uapi = &dcap_uapi,
};
