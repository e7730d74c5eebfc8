/* SPDX-License-Identifier: MIT */
/*
 * Intel's DCAP out-of-tree SGX driver, versions 1.30 to 1.36, as a device model
 * (SGXDataCenterAttestationPrimitives driver/linux: driver.c, ioctl.c, encl.c; ABI in
 * sgx/dcap_uapi.h). What sets it apart from the in-kernel driver, and is played here:
 *  - nodes /dev/sgx/enclave (0666) and /dev/sgx/provision (0660, group sgx_prv);
 *  - CREATE, ADD_PAGES and INIT as the kernel's, SET_ATTRIBUTE (an fd of /dev/sgx/provision)
 *    instead of PROVISION, no SGX2 ioctls (ENOTTY);
 *  - no vDSO: __vdso_sgx_enter_enclave is absent, programs issue ENCLU themselves;
 *  - mmap() only over pages already added, each within the protections it was added with
 *    (EACCES), READ_IMPLIES_EXEC processes refused (EACCES): sgx_encl_may_map() of 1.35 to
 *    1.36.2. (1.30-1.34 let PROT_NONE through without looking at the pages; 1.36.2's loop
 *    skips the check for a one-page mapping; neither is played.) Protections are checked at
 *    mmap() only: the driver has no mprotect() hook (sgx_vm_ops has it commented out), so
 *    mprotect() is the kernel's mm alone;
 *  - EINIT failures as -EPERM; PROVISIONKEY allowed without SET_ATTRIBUTE for Intel's
 *    provisioning signers (the driver's G_SERVICE_ENCLAVE_MRSIGNER list);
 *  - EPC paged: an EADD into a full EPC (--epc) writes another page back, a fault loads it
 *    (paging.c); ENOMEM only when every EPC page is pinned (SECSs, TCSs).
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sgx/dcap_uapi.h"
#include "sgx/sigstruct.h"
#include "sgx/uapi.h"
#include "sim/device.h"

/* device-common.c reads CREATE, ADD_PAGES, INIT and SET_ATTRIBUTE as the kernel's structures */
_Static_assert(sizeof(struct dcap_enclave_create) == sizeof(struct sgx_enclave_create) &&
	       offsetof(struct dcap_enclave_create, src) == offsetof(struct sgx_enclave_create, src),
	       "DCAP CREATE is the kernel's");
_Static_assert(sizeof(struct dcap_enclave_add_pages) == sizeof(struct sgx_enclave_add_pages) &&
	       offsetof(struct dcap_enclave_add_pages, src) == offsetof(struct sgx_enclave_add_pages, src) &&
	       offsetof(struct dcap_enclave_add_pages, offset) ==
	       offsetof(struct sgx_enclave_add_pages, offset) &&
	       offsetof(struct dcap_enclave_add_pages, length) ==
	       offsetof(struct sgx_enclave_add_pages, length) &&
	       offsetof(struct dcap_enclave_add_pages, secinfo) ==
	       offsetof(struct sgx_enclave_add_pages, secinfo) &&
	       offsetof(struct dcap_enclave_add_pages, flags) ==
	       offsetof(struct sgx_enclave_add_pages, flags) &&
	       offsetof(struct dcap_enclave_add_pages, count) ==
	       offsetof(struct sgx_enclave_add_pages, count) &&
	       DCAP_PAGE_MEASURE == SGX_PAGE_MEASURE, "DCAP ADD_PAGES is the kernel's");
_Static_assert(sizeof(struct dcap_enclave_init) == sizeof(struct sgx_enclave_init) &&
	       offsetof(struct dcap_enclave_init, sigstruct) ==
	       offsetof(struct sgx_enclave_init, sigstruct), "DCAP INIT is the kernel's");
_Static_assert(sizeof(struct dcap_enclave_set_attribute) == sizeof(struct sgx_enclave_provision) &&
	       offsetof(struct dcap_enclave_set_attribute, attribute_fd) ==
	       offsetof(struct sgx_enclave_provision, fd), "DCAP SET_ATTRIBUTE is PROVISION");

enum { NODE_ENCLAVE = TH_SIM_NODE_ENCLAVE, NODE_PROVISION = TH_SIM_NODE_PROVISION };

static const struct th_sim_node nodes[] = {
	{ DCAP_DEV_ENCLAVE, NODE_ENCLAVE, S_IFCHR | 0666, 0 },
	{ DCAP_DEV_PROVISION, NODE_PROVISION, S_IFCHR | 0660, 0 },
	{ NULL, 0, 0, 0 },
};

/* the module's directory: how probes (teehost check, sgx-detect) tell the DCAP driver apart */
static const struct th_sim_vfile vfiles[] = {
	{ "/sys/module/intel_sgx", TH_VFILE_DIR },
	{ NULL, 0 },
};

/* MRSIGNERs the driver lets have the PROVISIONKEY without SET_ATTRIBUTE (PvE, PCE). */
static const uint8_t service_signers[2][32] = {
	{ 0xec, 0x15, 0xb1, 0x07, 0x87, 0xd2, 0xf8, 0x46, 0x67, 0xce, 0xb0, 0xb5, 0x98, 0xff, 0xc4,
	  0x4a, 0x1f, 0x1c, 0xb8, 0x0f, 0x67, 0x0a, 0xae, 0x5d, 0xf9, 0xe8, 0xfa, 0x9f, 0x63, 0x76,
	  0xe1, 0xf8 },
	{ 0xc5, 0x4a, 0x62, 0xf2, 0xbe, 0x9e, 0xf7, 0x6e, 0xfb, 0x1f, 0x39, 0x30, 0xad, 0x81, 0xea,
	  0x7f, 0x60, 0xde, 0xfc, 0x1f, 0x5f, 0x25, 0xe0, 0x9b, 0x7c, 0x06, 0x7a, 0x81, 0x5a, 0xe0,
	  0xc6, 0xcb },
};

#define ATTR_ALLOWED (SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | SGX_ATTR_KSS)

static int d_open(struct th_sim_dev *d, int flags)
{
	(void)flags;
	/* the enclave node is 0666 (10-sgx.rules); the provision node is --provision's */
	if (d->node->kind == NODE_PROVISION && th_sim_provision_may_open())
		return -EACCES;
	d->attributes_mask = ATTR_ALLOWED;
	return 0;
}

/* sgx_validate_secs(): a power of two, aligned, at most MaxEnclaveSize64 */
static int secs_ok(const struct sgx_secs *secs)
{
	if (secs->size < 2 * TH_SIM_PAGE || (secs->size & (secs->size - 1)) ||
	    (secs->base & (secs->size - 1)) || !secs->ssa_frame_size ||
	    secs->size > TH_SIM_MAX_ENCLAVE_SIZE)
		return -EINVAL;
	return 0;
}

/* no EAUG in this driver (fault NULL); it pages EPC */
static const struct th_sim_create_rules create_rules = {
	.paged = true, .encls_codes = false, .err = -EFAULT, .fault = NULL, .secs_ok = secs_ok,
};

static long d_create(struct th_sim_dev *d, unsigned long arg)
{
	return th_sim_dev_create(d, arg, &create_rules);
}

/* no check that OFFSET + LENGTH does not wrap (the kernel's has one): such pages fail at
 * EADD (th_sim_dev_add_pages) */
static int range_ok(const struct th_sim_encl *e, uint64_t offset, uint64_t length)
{
	if ((offset & 0xfff) || (length & 0xfff) || !length || offset + length - TH_SIM_PAGE >= e->size)
		return -EINVAL;
	return 0;
}

/* this driver's errors: -EEXIST occupied, -EFAULT a failed EADD; a full EPC pages */
static const struct th_sim_add_rules add_rules = {
	.occupied = -EEXIST, .eadd_err = -EFAULT, .paged = true, .range_ok = range_ok,
};

static long d_add_pages(struct th_sim_dev *d, unsigned long arg)
{
	return th_sim_dev_add_ioctl(d, arg, &add_rules);
}

static long d_init(struct th_sim_dev *d, unsigned long arg)
{
	struct th_sim_encl *e = d->encl;
	static struct sgx_sigstruct ss;
	static uint8_t token[304];
	uint8_t mrsigner[32];
	uint64_t allowed = d->attributes_mask;
	int rc;

	if ((rc = th_sim_dev_init_sigstruct(d, arg, &ss)))
		return rc;
	th_sigstruct_mrsigner(&ss, mrsigner);
	if (e->secs.attributes.flags & SGX_ATTR_PROVISIONKEY)
		for (size_t i = 0; i < 2; i++)
			if (!memcmp(mrsigner, service_signers[i], 32))
				allowed |= SGX_ATTR_PROVISIONKEY;
	if (e->secs.attributes.flags & ~allowed)
		return -EACCES;
	memset(token, 0, sizeof(token));
	rc = th_sim_dev_einit(e, &ss, token);
	return rc < 0 ? -EFAULT : rc > 0 ? -EPERM : 0;
}

/* no SGX2 ioctls in this driver: ENOTTY */
static const struct th_sim_ioctl d_ioctls[] = {
	{ DCAP_IOC_ENCLAVE_CREATE, d_create },
	{ DCAP_IOC_ENCLAVE_ADD_PAGES, d_add_pages },
	{ DCAP_IOC_ENCLAVE_INIT, d_init },
	{ DCAP_IOC_ENCLAVE_SET_ATTRIBUTE, th_sim_dev_provision },
	{ 0, NULL },
};

static int d_may_map(struct th_sim_dev *d, uint64_t start, uint64_t len, int prot, int flags)
{
	struct th_sim_encl *e = d->encl;

	if (d->node->kind != NODE_ENCLAVE)
		return -ENODEV;
	if ((flags & MAP_TYPE) == MAP_PRIVATE)
		return -EINVAL;
	if (personality(0xffffffff) & READ_IMPLIES_EXEC)
		return -EACCES;         /* 1.33 */
	if (!e)
		return -EACCES;         /* nothing added yet: every page is absent */
	for (uint64_t a = start; a < start + len; a += TH_SIM_PAGE) {
		struct th_sim_page *p = th_sim_page_at(e, a);

		if (!p || !(p->state & TH_EPCM_VALID))
			return -EACCES; /* only over pages already added */
		if (prot & 7 & ~p->maxprot)
			return -EACCES;
	}
	return 0;
}

static void d_release(struct th_sim_dev *d)
{
	(void)d;        /* the enclave's EPC goes back when it is destroyed (machine.c) */
}

static void d_setup(void)
{
	th_sim_cfg.no_vdso_enter = true;
}

const struct th_sim_device_ops th_sim_device_dcap = {
	.name = "dcap",
	.vfiles = vfiles,
	.init = d_setup,
	.nodes = nodes,
	.open = d_open,
	.ioctls = d_ioctls,
	.may_map = d_may_map,
	.release = d_release,
};
