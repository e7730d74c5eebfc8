/* SPDX-License-Identifier: MIT */
/*
 * The in-kernel SGX driver (Linux 5.11+, arch/x86/kernel/cpu/sgx/{driver,ioctl,encl}.c) as a
 * device model: /dev/sgx_enclave with its seven ioctls and mmap rules, /dev/sgx_provision as
 * the PROVISIONKEY capability. Validation order and errno values follow the kernel's code.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <unistd.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "sgx/sigstruct.h"
#include "sgx/uapi.h"
#include "sim/device.h"

enum { NODE_ENCLAVE = TH_SIM_NODE_ENCLAVE, NODE_PROVISION = TH_SIM_NODE_PROVISION };

static const struct th_sim_node nodes[] = {
	{ "/dev/sgx_enclave", NODE_ENCLAVE, S_IFCHR | 0666, 0 },
	{ "/dev/sgx_provision", NODE_PROVISION, S_IFCHR | 0600, 0 },
	{ NULL, 0, 0, 0 },
};

/* what sgx/main.c registers under drivers/base/node.c (Linux 6.0+), and a kernel built with it */
static const struct th_sim_vfile vfiles[] = {
	{ "/proc/config.gz", TH_VFILE_KCONFIG_GZ },
	{ "/boot/config-RELEASE", TH_VFILE_KCONFIG },
	{ "/sys/devices/system/node/node0/x86", TH_VFILE_DIR },
	{ "/sys/devices/system/node/node0/x86/sgx_total_bytes", TH_VFILE_EPC_BYTES },
	{ NULL, 0 },
};

#define ATTR_UNPRIV_MASK (SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | SGX_ATTR_KSS | SGX_ATTR_AEXNOTIFY)

static int k_open(struct th_sim_dev *d, int flags)
{
	(void)flags;
	if (d->node->kind == NODE_PROVISION && th_sim_provision_may_open())
		return -EACCES;
	d->attributes_mask = ATTR_UNPRIV_MASK;
	return 0;
}

static int validate_offset_length(const struct th_sim_encl *e, uint64_t off, uint64_t len)
{
	if (off & 0xfff)
		return -EINVAL;
	if (!len || (len & 0xfff))
		return -EINVAL;
	if (off + len < off)
		return -EINVAL;
	if (off + len - TH_SIM_PAGE >= e->size)
		return -EINVAL;
	return 0;
}

/* the driver's #PF handler for a page it has no entry for: EAUG (SGX2, initialized) */
static int k_fault(struct th_sim_encl *e, uint64_t addr)
{
	struct th_sim_page *p = th_sim_page_at(e, addr);

	if (th_sim_cfg.sgx1_only || !e->initialized)
		return -EFAULT;
	if (th_encls_eaug(e, addr))
		return -EFAULT;
	p->maxprot = PROT_READ | PROT_WRITE | PROT_EXEC;
	return 0;
}

static int secs_ok(const struct sgx_secs *secs)
{
	return !secs->size || (secs->size & (secs->size - 1)) ? -EINVAL : 0;
}

static const struct th_sim_create_rules create_rules = {
	.paged = false, .encls_codes = false, .err = -EIO, .fault = k_fault, .secs_ok = secs_ok,
};

static long k_create(struct th_sim_dev *d, unsigned long arg)
{
	return th_sim_dev_create(d, arg, &create_rules);
}

/* the kernel's errors: -EBUSY occupied (xa_insert), -EIO a failed EADD */
static const struct th_sim_add_rules add_rules = {
	.occupied = -EBUSY, .eadd_err = -EIO, .range_ok = validate_offset_length,
};

static long k_add_pages(struct th_sim_dev *d, unsigned long arg)
{
	return th_sim_dev_add_ioctl(d, arg, &add_rules);
}

static uint64_t xfrm_supported(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static long k_init(struct th_sim_dev *d, unsigned long arg)
{
	struct th_sim_encl *e = d->encl;
	static struct sgx_sigstruct ss;
	static uint8_t token[304];
	int rc;

	memset(token, 0, sizeof(token));
	if ((rc = th_sim_dev_init_sigstruct(d, arg, &ss)))
		return rc;
	if (e->secs.attributes.flags & ~d->attributes_mask)
		return -EACCES;
	if (ss.attributes.flags & ss.attribute_mask.flags & ~TH_ATTR_SUPPORTED)
		return -EINVAL;
	if (ss.miscselect & ss.miscmask & ~(uint32_t)TH_MISC_SUPPORTED)
		return -EINVAL;
	if (ss.attributes.xfrm & ss.attribute_mask.xfrm & ~xfrm_supported())
		return -EINVAL;
	rc = th_sim_dev_einit(e, &ss, token);
	return rc < 0 ? -EIO : rc > 0 ? -EPERM : 0;
}

/* The SGX2 ioctls' arguments start with offset and length; sgx2_begin reads them there. */
_Static_assert(offsetof(struct sgx_enclave_restrict_permissions, offset) == 0 &&
	       offsetof(struct sgx_enclave_restrict_permissions, length) == 8 &&
	       offsetof(struct sgx_enclave_modify_types, offset) == 0 &&
	       offsetof(struct sgx_enclave_modify_types, length) == 8 &&
	       offsetof(struct sgx_enclave_remove_pages, offset) == 0 &&
	       offsetof(struct sgx_enclave_remove_pages, length) == 8, "SGX2 ioctl arguments");

/*
 * An SGX2 ioctl's start: SGX2 there and the enclave initialized, the argument (SIZE bytes) read
 * into BUF, its offset and length checked. 0 or -errno.
 */
static long sgx2_begin(struct th_sim_dev *d, unsigned long arg, void *buf, size_t size)
{
	uint64_t range[2];

	if (th_sim_cfg.sgx1_only)
		return -ENODEV;
	if (!d->encl || !d->encl->initialized)
		return -EINVAL;
	if (th_sim_copy_from(buf, arg, size))
		return -EFAULT;
	memcpy(range, buf, sizeof(range));
	if (validate_offset_length(d->encl, range[0], range[1]))
		return -EINVAL;
	return 0;
}

/* and its end: BUF (count, result) back to the program; RET unless that faults */
static long sgx2_end(unsigned long arg, const void *buf, size_t size, long ret)
{
	return th_sim_copy_to(arg, buf, size) ? -EFAULT : ret;
}

/*
 * The SGX2 ioctls walk [offset, offset + length) page by page under the machine lock and stop
 * at the first failure, reporting how far they got in `count`, as the kernel does. A page the
 * enclave does not have is -EFAULT (sgx_encl_load_page).
 */
typedef long page_fn(struct th_sim_encl *e, uint64_t addr, struct th_sim_page *p, void *ctx);

static long each_page(struct th_sim_encl *e, uint64_t off, uint64_t len, page_fn *fn, void *ctx,
		      __u64 *count)
{
	long ret = 0;
	uint64_t c;

	for (c = 0; c < len; c += TH_SIM_PAGE) {
		uint64_t addr = e->base + off + c;
		struct th_sim_page *p = th_sim_page_at(e, addr);

		th_sim_lock();
		ret = (p->state & TH_EPCM_VALID) ? fn(e, addr, p, ctx) : -EFAULT;
		th_sim_unlock();
		if (ret)
			break;
	}
	*count = c;
	return ret;
}

/* ENCLS faults become -EFAULT; SDM error codes go to `result` and become -EFAULT too */
static long encls_result(int rc, __u64 *result)
{
	if (rc > 0 && result)
		*result = (__u64)rc;
	return rc ? -EFAULT : 0;
}

static long restrict_page(struct th_sim_encl *e, uint64_t addr, struct th_sim_page *p, void *ctx)
{
	struct sgx_enclave_restrict_permissions *r = ctx;
	long ret;

	if (p->type != SGX_PT_REG)
		return -EINVAL;
	ret = encls_result(th_encls_emodpr(e, addr, r->permissions & SGX_SECINFO_PERM_MASK),
			   &r->result);
	if (!ret) {
		th_encls_etrack(e);
		th_sim_apply_prot(e, addr, addr + TH_SIM_PAGE);
	}
	return ret;
}

static long k_restrict(struct th_sim_dev *d, unsigned long arg)
{
	struct sgx_enclave_restrict_permissions r;
	long ret;

	if ((ret = sgx2_begin(d, arg, &r, sizeof(r))))
		return ret;
	if (r.permissions & ~SGX_SECINFO_PERM_MASK)
		return -EINVAL;
	if ((r.permissions & SGX_SECINFO_W) && !(r.permissions & SGX_SECINFO_R))
		return -EINVAL;
	if (r.result || r.count)
		return -EINVAL;
	ret = each_page(d->encl, r.offset, r.length, restrict_page, &r, &r.count);
	return sgx2_end(arg, &r, sizeof(r), ret);
}

static long modt_page(struct th_sim_encl *e, uint64_t addr, struct th_sim_page *p, void *ctx)
{
	struct sgx_enclave_modify_types *m = ctx;
	uint64_t type = m->page_type & 0xff;
	uint8_t maxprot = p->maxprot;
	long ret;

	if (!(p->type == SGX_PT_REG || (p->type == SGX_PT_TCS && type == SGX_PT_TRIM)))
		return -EINVAL;
	if (p->type == SGX_PT_REG && type == SGX_PT_TCS) {
		/* a TCS must be mappable read-write for the CPU, and no more */
		if (~p->maxprot & (PROT_READ | PROT_WRITE))
			return -EPERM;
		p->maxprot = PROT_READ | PROT_WRITE;
	}
	ret = encls_result(th_encls_emodt(e, addr, SGX_SECINFO_TYPE(type)), &m->result);
	if (ret) {
		p->maxprot = maxprot;
		return ret;
	}
	th_encls_etrack(e);
	th_sim_apply_prot(e, addr, addr + TH_SIM_PAGE);
	return 0;
}

static long k_modify_types(struct th_sim_dev *d, unsigned long arg)
{
	struct sgx_enclave_modify_types m;
	uint64_t type;
	long ret;

	if ((ret = sgx2_begin(d, arg, &m, sizeof(m))))
		return ret;
	if (m.page_type & ~0xffull)
		return -EINVAL;
	if (m.result || m.count)
		return -EINVAL;
	type = m.page_type & 0xff;
	if (type != SGX_PT_TCS && type != SGX_PT_TRIM)
		ret = -EINVAL;
	else
		ret = each_page(d->encl, m.offset, m.length, modt_page, &m, &m.count);
	return sgx2_end(arg, &m, sizeof(m), ret);
}

static long remove_page(struct th_sim_encl *e, uint64_t addr, struct th_sim_page *p, void *ctx)
{
	(void)ctx;
	if (p->type != SGX_PT_TRIM)
		return -EPERM;
	/* EMODPR as a probe: it #PFs once the enclave has EACCEPTed the trim */
	if (th_encls_emodpr(e, addr, SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X) != -14)
		return -EPERM;
	if (th_encls_eremove(e, addr))
		return -EBUSY;
	th_sim_apply_prot(e, addr, addr + TH_SIM_PAGE);
	return 0;
}

static long k_remove_pages(struct th_sim_dev *d, unsigned long arg)
{
	struct sgx_enclave_remove_pages r;
	long ret;

	if ((ret = sgx2_begin(d, arg, &r, sizeof(r))))
		return ret;
	if (r.count)
		return -EINVAL;
	ret = each_page(d->encl, r.offset, r.length, remove_page, NULL, &r.count);
	return sgx2_end(arg, &r, sizeof(r), ret);
}

static const struct th_sim_ioctl k_ioctls[] = {
	{ SGX_IOC_ENCLAVE_CREATE, k_create },
	{ SGX_IOC_ENCLAVE_ADD_PAGES, k_add_pages },
	{ SGX_IOC_ENCLAVE_INIT, k_init },
	{ SGX_IOC_ENCLAVE_PROVISION, th_sim_dev_provision },
	{ SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, k_restrict },
	{ SGX_IOC_ENCLAVE_MODIFY_TYPES, k_modify_types },
	{ SGX_IOC_ENCLAVE_REMOVE_PAGES, k_remove_pages },
	{ 0, NULL },
};

static int k_may_map(struct th_sim_dev *d, uint64_t start, uint64_t len, int prot, int flags)
{
	struct th_sim_encl *e = d->encl;

	if (d->node->kind != NODE_ENCLAVE)
		return -ENODEV;
	if ((flags & MAP_TYPE) == MAP_PRIVATE)
		return -EINVAL;
	if (!e)
		return 0;
	if (e->initialized && (start < e->base || start + len > e->base + e->size))
		return -EACCES;
	if (personality(0xffffffff) & READ_IMPLIES_EXEC)
		return -EACCES;
	for (uint64_t a = start; a < start + len; a += TH_SIM_PAGE) {
		struct th_sim_page *p = th_sim_page_at(e, a);

		if (p && (p->state & TH_EPCM_VALID) && (prot & 7 & ~p->maxprot))
			return -EACCES;
	}
	return 0;
}

/* sgx_vma_mprotect(): the same check as at mmap() */
static int k_may_mprotect(struct th_sim_dev *d, uint64_t start, uint64_t len, int prot)
{
	return k_may_map(d, start, len, prot, MAP_SHARED);
}

static void k_release(struct th_sim_dev *d)
{
	(void)d;
}

const struct th_sim_device_ops th_sim_device_kernel = {
	.name = "kernel",
	.vfiles = vfiles,
	.nodes = nodes,
	.open = k_open,
	.ioctls = k_ioctls,
	.may_map = k_may_map,
	.may_mprotect = k_may_mprotect,
	.release = k_release,
};
