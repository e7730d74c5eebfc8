/* SPDX-License-Identifier: MIT */
/*
 * Intel's legacy out-of-tree SGX driver (intel/linux-sgx-driver, /dev/isgx) on a platform
 * without flexible launch control, as a device model (ABI in sgx/isgx_uapi.h):
 *  - one node, /dev/isgx; one open file may serve every enclave of the process: CREATE,
 *    ADD_PAGE and INIT name the enclave by address;
 *  - the enclave's range is mapped from the file before ECREATE; ADD_PAGE adds one page and
 *    EEXTENDs the 256-byte chunks its 16-bit mask names; mprotect() sets the protections;
 *  - ENCLS failures are POSITIVE ioctl() return values (the SDM's codes);
 *  - no vDSO entry point;
 *  - launch control is the legacy model: IA32_SGXLEPUBKEYHASH is fixed to the hash of Intel's
 *    launch-enclave signing key, so only an enclave signed with that key (Intel's launch
 *    enclave) initializes without a token; every other enclave needs an EINITTOKEN the
 *    launch enclave MACed with the launch key (EGETKEY EINITTOKEN_KEY);
 *  - EPC accounted: ECREATE/ADD_PAGE beyond --epc fail with ENOMEM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sgx/isgx_uapi.h"
#include "sgx/sigstruct.h"
#include "sim/device.h"

static const struct th_sim_node nodes[] = {
	{ ISGX_DEV, 0, S_IFCHR | 0666, 0 },
	{ NULL, 0, 0, 0 },
};

static const struct th_sim_vfile vfiles[] = {
	{ "/sys/module/isgx", TH_VFILE_DIR },
	{ NULL, 0 },
};

/* SHA-256 of the modulus of Intel's production launch-enclave signing key. */
static const uint8_t intel_le_signer[32] = {
	0xac, 0xb7, 0x70, 0x12, 0x05, 0x3e, 0x05, 0xa6, 0x3d, 0x41, 0x3b, 0x8b, 0xba, 0xe8, 0xfb,
	0x6c, 0x5d, 0x73, 0xb3, 0xf2, 0x99, 0x6d, 0x91, 0xc4, 0x3b, 0xbb, 0xf9, 0x09, 0x59, 0xc0,
	0xf8, 0xd4,
};

/* The enclaves created through one open file. */
struct isgx_encl {
	struct th_sim_encl *e;
	struct isgx_encl *next;
};

struct isgx_priv {
	struct isgx_encl *encls;
};

static int i_open(struct th_sim_dev *d, int flags)
{
	(void)flags;
	d->attributes_mask = ~0ull;     /* no attribute is gated by the driver itself */
	d->priv = calloc(1, sizeof(struct isgx_priv));
	return d->priv ? 0 : -ENOMEM;
}

static struct isgx_encl *find(struct th_sim_dev *d, uint64_t addr)
{
	struct isgx_priv *p = d->priv;

	for (struct isgx_encl *x = p->encls; x; x = x->next)
		if (addr >= x->e->base && addr - x->e->base < x->e->size)
			return x;
	return NULL;
}

static bool mapped(const struct th_sim_encl *e)
{
	for (uint64_t i = 0; i < e->size >> 12; i++)
		if (e->pages[i].vma & TH_VMA_MAPPED)
			return true;
	return false;
}

static bool busy(const struct th_sim_encl *e)
{
	for (uint64_t i = 0; i < e->size >> 12; i++)
		if (e->pages[i].tcs && e->pages[i].tcs->busy)
			return true;
	return false;
}

/*
 * The driver frees an enclave with its last mapping, whatever the file: drop the enclaves of
 * this file that the program has unmapped (the newest one stays d->encl for preload.c).
 */
static void reap(struct th_sim_dev *d)
{
	struct isgx_priv *p = d->priv;

	for (struct isgx_encl **pp = &p->encls; *pp; ) {
		struct isgx_encl *x = *pp;

		if (x->e != d->encl && !mapped(x->e) && !busy(x->e)) {
			*pp = x->next;
			th_sim_encl_destroy(x->e);
			free(x);
			continue;
		}
		pp = &x->next;
	}
}

/*
 * The program unmapped E's last page. The driver frees an enclave with its last mapping, so E
 * must stop being the file's newest one now, not at the next ECREATE: the next mapping of the
 * shared file comes BEFORE that ECREATE, and preload.c maps it into d->encl when it falls in
 * d->encl's range. Whenever ASLR (or a fixed base) gave the new enclave the range E had just
 * freed, that mapping revived E there and ECREATE found it in the way (EINVAL).
 */
static void i_unmapped(struct th_sim_dev *d, struct th_sim_encl *e)
{
	if (d->encl == e)
		d->encl = NULL;
	reap(d);        /* frees E unless a thread is still inside it */
}

/* ECREATE's SDM codes are the ioctl's result; no EAUG; EPC paged */
static const struct th_sim_create_rules create_rules = {
	.paged = true, .encls_codes = true, .err = -EFAULT, .fault = NULL,
};

static long i_create(struct th_sim_dev *d, unsigned long arg)
{
	struct isgx_enclave_create c;
	static struct sgx_secs secs;
	struct isgx_priv *p = d->priv;
	struct isgx_encl *x;
	struct th_sim_encl *e;
	int memfd, rc;

	if (th_sim_copy_from(&c, arg, sizeof(c)) || th_sim_copy_from(&secs, c.src, sizeof(secs)))
		return -EFAULT;
	/* sgx_validate_secs(): a power of two, aligned, at most sgx_encl_size_max_64 */
	if (secs.size < 2 * TH_SIM_PAGE || (secs.size & (secs.size - 1)) ||
	    (secs.base & (secs.size - 1)) || secs.size > TH_SIM_MAX_ENCLAVE_SIZE)
		return -EINVAL;
	reap(d);        /* those a thread was still inside when they were unmapped */
	if (find(d, secs.base))
		return -EINVAL;
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	/* each enclave gets its own EPC backing; the program's fd is shared */
	memfd = (int)syscall(SYS_memfd_create, "isgx-epc", MFD_CLOEXEC);
	if (memfd < 0) {
		free(x);
		return -ENOMEM;
	}
	rc = th_sim_dev_ecreate(d, &secs, memfd, &create_rules, &e);
	if (rc) {
		free(x);
		return rc;
	}
	x->e = e;
	x->next = p->encls;
	p->encls = x;
	/* the newest enclave is the one the file's pre-ECREATE mappings belong to */
	d->encl = e;
	th_sim_dev_created(d);
	return 0;
}

static long i_add_page(struct th_sim_dev *d, unsigned long arg)
{
	struct isgx_enclave_add_page a;
	struct sgx_secinfo si;
	struct isgx_encl *x;
	struct th_sim_encl *e;
	struct th_sim_page *p;
	uint64_t pt, perm;
	uint8_t *slot;
	int rc;

	if (th_sim_copy_from(&a, arg, sizeof(a)))
		return -EFAULT;
	x = find(d, a.addr);
	if (!x || (a.addr & 0xfff))
		return -EINVAL;
	e = x->e;
	if (e->initialized)
		return -EINVAL;
	if (th_sim_copy_from(&si, a.secinfo, sizeof(si)))
		return -EFAULT;
	pt = si.flags & SGX_SECINFO_TYPE_MASK;
	perm = si.flags & SGX_SECINFO_PERM_MASK;
	if ((pt != SGX_SECINFO_TYPE(SGX_PT_REG) && pt != SGX_SECINFO_TYPE(SGX_PT_TCS)) ||
	    (si.flags & TH_SECINFO_RESERVED) || (pt == SGX_SECINFO_TYPE(SGX_PT_TCS) && perm))
		return -EINVAL;
	p = th_sim_page_at(e, a.addr);
	if (p->state & TH_EPCM_VALID)
		return -EEXIST;
	th_sim_lock_keep();
	/* a full EPC: the driver writes another page back (sgx_page_cache.c) */
	if (th_sim_epc_charge(e, 1, true)) {
		th_sim_unlock();
		return -ENOMEM;
	}
	/*
	 * EADD, then the EEXTENDs of the chunks mrmask names. The page is staged: the loader adds
	 * the next one at the next address, and a run of them is stored with one pwrite and one
	 * mprotect (two system calls a page were most of this ioctl's cost).
	 */
	slot = th_sim_epc_stage(e, a.addr);
	/* straight into the staging slot: a fault of this copy never takes the lock we hold */
	if (th_sim_copy_from(slot, a.src, TH_SIM_PAGE)) {
		th_sim_epc_release(e, 1);
		th_sim_unlock();
		return -EFAULT;
	}
	rc = th_encls_eadd_page(e, a.addr, slot, si.flags, a.mrmask);
	if (rc) {
		th_sim_epc_release(e, 1);
		th_sim_unlock();
		return rc > 0 ? rc : -EFAULT;
	}
	p->maxprot = PROT_READ | PROT_WRITE | PROT_EXEC;   /* no cap at mmap/mprotect */
	th_sim_epc_staged();
	th_sim_unlock();
	return 0;
}

static long i_init(struct th_sim_dev *d, unsigned long arg)
{
	static struct sgx_sigstruct ss;
	static struct sgx_einittoken token;
	struct isgx_enclave_init in;
	struct isgx_encl *x;
	int rc;

	if (th_sim_copy_from(&in, arg, sizeof(in)))
		return -EFAULT;
	x = find(d, in.addr);
	if (!x || x->e->base != in.addr)
		return -EINVAL;
	if (x->e->initialized)
		return -EINVAL;
	if (th_sim_copy_from(&ss, in.sigstruct, sizeof(ss)) ||
	    th_sim_copy_from(&token, in.einittoken, sizeof(token)))
		return -EFAULT;
	rc = th_sim_dev_einit(x->e, &ss, &token);
	return rc < 0 ? -EFAULT : rc;   /* 0, or the SDM error code as a positive return value */
}

static const struct th_sim_ioctl i_ioctls[] = {
	{ ISGX_IOC_ENCLAVE_CREATE, i_create },
	{ ISGX_IOC_ENCLAVE_ADD_PAGE, i_add_page },
	{ ISGX_IOC_ENCLAVE_INIT, i_init },
	{ 0, NULL },
};

/*
 * sgx_get_unmapped_area(): a length that is a power of two of at least two pages, within
 * MaxEnclaveSize; the address of twice the length, rounded up to a multiple of the length, so
 * that a mapping made without an address is where ECREATE may put a naturally aligned SECS.BASE
 * (Intel's libsgx_enclave_common maps /dev/isgx so, then ECREATEs there). MAP_FIXED is taken at
 * its own address (the driver would move an unaligned one).
 */
static int i_unmapped_area(struct th_sim_dev *d, uint64_t len, int flags, uint64_t *reserve,
			   uint64_t *align)
{
	(void)d;
	if (len < 2 * TH_SIM_PAGE || (len & (len - 1)) || len > TH_SIM_MAX_ENCLAVE_SIZE)
		return -EINVAL;
	if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE))) {
		*reserve = 2 * len;
		*align = len;
	}
	return 0;
}

static int i_may_map(struct th_sim_dev *d, uint64_t start, uint64_t len, int prot, int flags)
{
	(void)d; (void)start; (void)len; (void)prot;
	if ((flags & MAP_TYPE) == MAP_PRIVATE)
		return -EINVAL;
	return 0;
}

/* Last close of the shared file: the enclaves it created that are no longer mapped go. */
static void i_release(struct th_sim_dev *d)
{
	struct isgx_priv *p = d->priv;

	if (!p)
		return;
	for (struct isgx_encl *x = p->encls, *next; x; x = next) {
		next = x->next;
		/* the newest one is d->encl: preload.c destroys it after this returns */
		if (x->e != d->encl && !mapped(x->e))
			th_sim_encl_destroy(x->e);
		free(x);
	}
	free(p);
	d->priv = NULL;
}

static void i_setup(void)
{
	th_sim_cfg.no_vdso_enter = true;
	th_sim_cfg.flc = false;
	memcpy(th_sim_m.lepubkeyhash, intel_le_signer, 32);
	th_sim_m.lepubkeyhash_locked = true;
}

const struct th_sim_device_ops th_sim_device_isgx = {
	.name = "isgx",
	.vfiles = vfiles,
	.init = i_setup,
	.nodes = nodes,
	.open = i_open,
	.ioctls = i_ioctls,
	.unmapped_area = i_unmapped_area,
	.may_map = i_may_map,
	.release = i_release,
	.unmapped = i_unmapped,
};
