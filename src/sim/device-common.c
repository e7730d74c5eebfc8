/* SPDX-License-Identifier: MIT */
/*
 * What the device models share: the three drivers run the same hardware steps around their
 * different ABIs (ioctl numbers, structures, errno conventions). Each helper takes the
 * convention that differs as an argument; see device.h. The DCAP driver's CREATE, ADD_PAGES,
 * INIT and SET_ATTRIBUTE structures are the kernel's (sgx/dcap_uapi.h pins the same layout), so the helpers
 * that read them take the kernel's.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sgx/sigstruct.h"
#include "sgx/uapi.h"
#include "sim/device.h"

long th_sim_dev_dispatch(struct th_sim_dev *d, const struct th_sim_ioctl *table, unsigned long cmd,
			 unsigned long arg)
{
	long ret = -ENOTTY;

	if (d->node->kind != TH_SIM_NODE_ENCLAVE)
		return -ENOTTY;
	/* one ioctl at a time per open file, as the drivers' per-enclave lock */
	if (__atomic_exchange_n(&d->ioctl_busy, 1, __ATOMIC_ACQUIRE))
		return -EBUSY;
	for (; table->fn; table++)
		if (table->cmd == cmd) {
			ret = table->fn(d, arg);
			break;
		}
	__atomic_store_n(&d->ioctl_busy, 0, __ATOMIC_RELEASE);
	return ret;
}

int th_sim_dev_ecreate(struct th_sim_dev *d, const struct sgx_secs *secs, int memfd,
		       const struct th_sim_create_rules *rules, struct th_sim_encl **out)
{
	struct th_sim_encl *e;
	int rc = th_encls_ecreate(&e, secs, memfd);

	if (rc) {
		close(memfd);
		if (rc > 0 && rules->encls_codes)
			return rc;      /* an ENCLS error code, positive as the driver returns it */
		return rc == -ENOMEM ? -ENOMEM : rules->err;
	}
	if (rules->paged) {
		th_sim_lock();
		rc = th_sim_epc_charge(e, 1, true);      /* the SECS: pinned while it lives */
		th_sim_unlock();
		if (rc) {
			th_sim_encl_destroy(e);
			return -ENOMEM;
		}
	}
	e->dev = d;
	e->fault = rules->fault;
	*out = e;
	return 0;
}

long th_sim_dev_create(struct th_sim_dev *d, unsigned long arg,
		       const struct th_sim_create_rules *rules)
{
	static struct sgx_secs secs;    /* 4 KiB: not on the caller's stack */
	struct sgx_enclave_create c;
	int memfd, rc;

	if (d->encl)
		return -EINVAL;
	if (th_sim_copy_from(&c, arg, sizeof(c)) || th_sim_copy_from(&secs, c.src, sizeof(secs)))
		return -EFAULT;
	if (rules->secs_ok && rules->secs_ok(&secs))
		return -EINVAL;
	memfd = (int)syscall(SYS_fcntl, d->fd, F_DUPFD_CLOEXEC, 0);     /* not a device fd */
	if (memfd < 0)
		return -ENOMEM;
	rc = th_sim_dev_ecreate(d, &secs, memfd, rules, &d->encl);
	if (rc)
		return rc;
	th_sim_dev_created(d);
	return 0;
}

long th_sim_dev_provision(struct th_sim_dev *d, unsigned long arg)
{
	struct sgx_enclave_provision p;
	struct th_sim_dev *pd;

	if (th_sim_copy_from(&p, arg, sizeof(p)))
		return -EFAULT;
	pd = th_sim_dev_of_fd((int)p.fd);
	if (!pd || pd->ops != d->ops || pd->node->kind != TH_SIM_NODE_PROVISION)
		return -EINVAL;
	d->attributes_mask |= SGX_ATTR_PROVISIONKEY;
	return 0;
}

/* sgx_validate_secinfo() of the kernel's and the DCAP driver's ADD_PAGES */
int th_sim_secinfo_ok(const struct sgx_secinfo *si)
{
	uint64_t perm = si->flags & SGX_SECINFO_PERM_MASK, pt = si->flags & SGX_SECINFO_TYPE_MASK;

	if (pt != SGX_SECINFO_TYPE(SGX_PT_REG) && pt != SGX_SECINFO_TYPE(SGX_PT_TCS))
		return -EINVAL;
	if ((perm & SGX_SECINFO_W) && !(perm & SGX_SECINFO_R))
		return -EINVAL;
	if (pt == SGX_SECINFO_TYPE(SGX_PT_TCS) && perm)
		return -EINVAL;
	if (si->flags & TH_SECINFO_RESERVED)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(si->reserved); i++)
		if (si->reserved[i])
			return -EINVAL;
	return 0;
}

/*
 * Up to TH_SIM_ADD_BATCH pages of one ADD_PAGES: copied in at once, added and measured from
 * that copy (L2-hot), stored with one pwrite; the caller gives them their protection. Returns
 * the pages added; *RC says why it stopped short, in the driver's errors (RULES).
 */
static uint64_t add_batch(struct th_sim_encl *e, unsigned long src, uint64_t off, uint64_t n,
			  const struct sgx_secinfo *si, bool measure,
			  const struct th_sim_add_rules *rules, int *rc)
{
	static uint8_t pages[TH_SIM_ADD_BATCH * TH_SIM_PAGE];
	uint64_t got = th_sim_copy_pages(pages, src, n), i;
	uint16_t mask = measure ? 0xffff : 0;

	*rc = 0;
	th_sim_lock();
	for (i = 0; i < got; i++) {
		struct th_sim_page *p;
		int r;

		/* outside ELRANGE: an OFFSET + LENGTH that wrapped, which the DCAP driver's range
		 * check lets through; its EADD at base + OFFSET takes a #GP, reported as EADD_ERR */
		if (off + i * TH_SIM_PAGE >= e->size) {
			*rc = rules->eadd_err;
			break;
		}
		p = &e->pages[(off >> 12) + i];
		if (p->state & TH_EPCM_VALID) {
			*rc = rules->occupied;
			break;
		}
		/* a full EPC: the driver's reclaimer writes another page back */
		if (rules->paged && th_sim_epc_charge(e, 1, true)) {
			*rc = -ENOMEM;
			break;
		}
		r = th_encls_eadd_page(e, e->base + off + i * TH_SIM_PAGE, pages + i * TH_SIM_PAGE,
				       si->flags, mask);
		if (r) {
			if (rules->paged)
				th_sim_epc_release(e, 1);
			*rc = r == -ENOMEM ? -ENOMEM : rules->eadd_err;
			break;
		}
		p->maxprot = (si->flags & SGX_SECINFO_PERM_MASK) |
			     ((si->flags & SGX_SECINFO_TYPE_MASK) == SGX_SECINFO_TYPE(SGX_PT_TCS) ?
			      PROT_READ | PROT_WRITE : 0);
	}
	th_sim_epc_store(e, e->base + off, pages, i);
	if (!*rc && i < n)
		*rc = e->pages[(off >> 12) + i].state & TH_EPCM_VALID ? rules->occupied : -EFAULT;
	th_sim_unlock();
	return i;
}

int th_sim_dev_add_pages(struct th_sim_encl *e, uint64_t src, uint64_t offset, uint64_t length,
			 const struct sgx_secinfo *si, bool measure,
			 const struct th_sim_add_rules *rules, uint64_t *count)
{
	uint64_t c;
	int rc = 0;

	for (c = 0; c < length && !rc;) {
		uint64_t n = (length - c) / TH_SIM_PAGE;

		if (n > TH_SIM_ADD_BATCH)
			n = TH_SIM_ADD_BATCH;
		c += add_batch(e, src + c, offset + c, n, si, measure, rules, &rc) * TH_SIM_PAGE;
	}
	/* one mprotect for the run, not one a batch (a system call and a VMA split each) */
	th_sim_lock();
	th_sim_apply_prot(e, e->base + offset, e->base + offset + c);
	th_sim_unlock();
	*count = c;
	return rc;
}

long th_sim_dev_add_ioctl(struct th_sim_dev *d, unsigned long arg,
			  const struct th_sim_add_rules *rules)
{
	struct th_sim_encl *e = d->encl;
	struct sgx_enclave_add_pages a;
	struct sgx_secinfo si;
	uint64_t c;
	int rc;

	if (!e || e->initialized)
		return -EINVAL;
	if (th_sim_copy_from(&a, arg, sizeof(a)))
		return -EFAULT;
	if ((a.src & 0xfff) || rules->range_ok(e, a.offset, a.length))
		return -EINVAL;
	if (th_sim_copy_from(&si, a.secinfo, sizeof(si)))
		return -EFAULT;
	if (th_sim_secinfo_ok(&si))
		return -EINVAL;
	rc = th_sim_dev_add_pages(e, a.src, a.offset, a.length, &si, a.flags & SGX_PAGE_MEASURE,
				  rules, &c);
	a.count = c;
	if (th_sim_copy_to(arg, &a, sizeof(a)))
		return -EFAULT;
	return rc;
}

int th_sim_dev_init_sigstruct(struct th_sim_dev *d, unsigned long arg, struct sgx_sigstruct *ss)
{
	struct sgx_enclave_init in;

	if (!d->encl || d->encl->initialized)
		return -EINVAL;
	if (th_sim_copy_from(&in, arg, sizeof(in)) || th_sim_copy_from(ss, in.sigstruct, sizeof(*ss)))
		return -EFAULT;
	if (ss->vendor != 0 && ss->vendor != SGX_SIGSTRUCT_VENDOR_INTEL)
		return -EINVAL;
	return 0;
}

int th_sim_dev_einit(struct th_sim_encl *e, const struct sgx_sigstruct *ss, const void *token)
{
	uint8_t mrsigner[32];
	int rc;

	if (th_sim_keys_load())
		th_sim_log("cannot read or create the platform root secret: EREPORT/EGETKEY will #GP");
	th_sigstruct_mrsigner(ss, mrsigner);
	th_sim_lock();
	/* with FLC the driver writes IA32_SGXLEPUBKEYHASH = MRSIGNER before each EINIT */
	if (th_sim_cfg.flc && !th_sim_m.lepubkeyhash_locked)
		memcpy(th_sim_m.lepubkeyhash, mrsigner, 32);
	rc = th_encls_einit(e, ss, token);
	th_sim_unlock();
	if (rc > 0)
		th_sim_log("EINIT returned %d", rc);
	return rc;
}
