/* SPDX-License-Identifier: MIT */
/*
 * libteehost-sim.so, mappings: mmap/mprotect/munmap of the device fds and of enclave ranges,
 * mappings made before ECREATE, and the end of an enclave with its last mapping.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>


#include "sim/preload.h"

/* ---- mappings of the device ---- */
/*
 * Inside an enclave's ELRANGE the per-page `vma` byte records the program's mapping; mappings
 * made before ECREATE (the SDKs reserve ELRANGE by mapping the device) are kept in `pre` and
 * turned into EPC-backed mappings by th_sim_dev_created().
 */
struct pre_map {
	uint64_t start, end;
	int prot;
	struct th_sim_dev *dev;
};
#define MAX_PRE 64
static struct pre_map pre[MAX_PRE];

static void pre_remove(uint64_t start, uint64_t end)
{
	for (int i = 0; i < MAX_PRE; i++) {
		struct pre_map *m = &pre[i];

		if (!m->dev || m->end <= start || end <= m->start)
			continue;
		if (start <= m->start && end >= m->end) {
			m->dev = NULL;
		} else if (start > m->start && end < m->end) {
			for (int j = 0; j < MAX_PRE; j++)
				if (!pre[j].dev) {
					pre[j] = *m;
					pre[j].start = end;
					break;
				}
			m->end = start;
		} else if (start <= m->start) {
			m->start = end;
		} else {
			m->end = start;
		}
	}
}

static void pre_add(uint64_t start, uint64_t end, int prot, struct th_sim_dev *d)
{
	pre_remove(start, end);
	for (int i = 0; i < MAX_PRE; i++)
		if (!pre[i].dev) {
			pre[i] = (struct pre_map){ start, end, prot, d };
			return;
		}
}

/* [start, end) of E is mapped from the device with protection PROT */
static void set_vma(struct th_sim_encl *e, uint64_t start, uint64_t end, int prot)
{
	th_sim_lock();
	for (uint64_t a = start; a < end; a += TH_SIM_PAGE)
		th_sim_page_at(e, a)->vma = (uint8_t)(TH_VMA_MAPPED | (prot & 7));
	th_sim_apply_prot(e, start, end);
	th_sim_unlock();
}

/* Map [start, end) of enclave E from its EPC backing with mapping protection PROT. */
static int map_epc(struct th_sim_encl *e, uint64_t start, uint64_t end, int prot)
{
	void *r = th_sim_real_mmap((void *)start, end - start, PROT_NONE,
				   MAP_SHARED | MAP_FIXED, e->memfd, (off_t)(start - e->base));

	if (r == MAP_FAILED)
		return -errno;
	set_vma(e, start, end, prot);
	return 0;
}

void th_sim_dev_created(struct th_sim_dev *d)
{
	struct th_sim_encl *e = d->encl;

	for (int i = 0; i < MAX_PRE; i++) {
		struct pre_map *m = &pre[i];
		uint64_t s, t;

		if (!m->dev)
			continue;
		s = m->start > e->base ? m->start : e->base;
		t = m->end < e->base + e->size ? m->end : e->base + e->size;
		if (s >= t)
			continue;
		map_epc(e, s, t, m->prot);
		pre_remove(s, t);
	}
}

static bool encl_mapped(struct th_sim_encl *e)
{
	for (uint64_t i = 0; i < e->size >> 12; i++)
		if (e->pages[i].vma & TH_VMA_MAPPED)
			return true;
	return false;
}

/* The kernel frees an enclave when its fd is closed and its last mapping is gone. */
void th_sim_maybe_destroy(struct th_sim_encl *e)
{
	struct th_sim_dev *d = e->dev;

	if (encl_mapped(e))
		return;
	if (d->fd >= 0) {
		if (d->ops->unmapped)
			d->ops->unmapped(d, e);
		return;
	}
	for (int i = 0; i < 1000; i++) {
		bool busy = false;

		for (uint64_t j = 0; j < e->size >> 12; j++)
			if (e->pages[j].tcs && e->pages[j].tcs->busy)
				busy = true;
		if (!busy)
			break;
		usleep(1000);
	}
	th_sim_encl_destroy(e);
	free(d);
}

static struct th_sim_encl *encl_overlapping(uint64_t start, uint64_t end);

/* [start, end) no longer maps any enclave: something else was mapped over it */
static void forget_mappings(uint64_t start, uint64_t end)
{
	struct th_sim_encl *e = encl_overlapping(start, end);

	pre_remove(start, end);
	if (!e)
		return;
	for (uint64_t a = start > e->base ? start : e->base; a < end && a < e->base + e->size;
	     a += TH_SIM_PAGE)
		th_sim_page_at(e, a)->vma = 0;
}

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	struct th_sim_dev *d = th_sim_dev_of_fd(fd);
	uint64_t start, end, reserve, align = TH_SIM_PAGE;
	struct th_sim_encl *e;
	void *r;
	int rc;

	th_sim_resolve();
	if (!d || (flags & MAP_ANONYMOUS)) {
		void *r = th_sim_real_mmap(addr, len, prot, flags, fd, off);

		if (r != MAP_FAILED && (flags & MAP_FIXED) && th_sim_m.encls)
			forget_mappings((uint64_t)r, (uint64_t)r + ((len + 0xfff) & ~(size_t)0xfff));
		return r;
	}
	if (!len || (off & 0xfff) || ((flags & MAP_FIXED) && ((uint64_t)addr & 0xfff))) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	len = (len + 0xfff) & ~(size_t)0xfff;
	reserve = len;
	if ((flags & MAP_TYPE) == MAP_PRIVATE || d->node->kind != 0) {
		errno = (flags & MAP_TYPE) == MAP_PRIVATE ? EINVAL : ENODEV;
		return MAP_FAILED;
	}
	if (d->ops->unmapped_area) {
		rc = d->ops->unmapped_area(d, len, flags, &reserve, &align);
		if (rc) {
			errno = -rc;
			return MAP_FAILED;
		}
	}
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		start = (uint64_t)addr;
	} else {
		r = th_sim_real_mmap(addr, reserve, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (r == MAP_FAILED)
			return r;
		start = ((uint64_t)r + align - 1) & ~(align - 1);
		/* only [start, start + len) is the mapping: the rest of the search goes back */
		if (start > (uint64_t)r)
			th_sim_real_munmap(r, start - (uint64_t)r);
		if ((uint64_t)r + reserve > start + len)
			th_sim_real_munmap((void *)(start + len), (uint64_t)r + reserve - start - len);
	}
	end = start + len;
	rc = d->ops->may_map(d, start, len, prot, flags);
	if (rc) {
		if (!(flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)))
			th_sim_real_munmap((void *)start, len);
		errno = -rc;
		return MAP_FAILED;
	}
	e = d->encl;
	/* the parts outside ELRANGE (or before ECREATE): a placeholder, as a VMA whose faults
	 * the driver refuses */
	if (!e || start < e->base || end > e->base + e->size) {
		r = th_sim_real_mmap((void *)start, len, PROT_NONE,
				     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
		if (r == MAP_FAILED)
			return r;
		pre_add(start, end, prot, d);
	}
	if (e) {
		uint64_t s = start > e->base ? start : e->base;
		uint64_t t = end < e->base + e->size ? end : e->base + e->size;

		if (s < t) {
			pre_remove(s, t);
			rc = map_epc(e, s, t, prot);
			if (rc) {
				errno = -rc;
				return MAP_FAILED;
			}
		}
	}
	th_sim_log("mmap %#lx+%#zx prot %d", (unsigned long)start, len, prot);
	return (void *)start;
}
EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
	__attribute__((alias("mmap")));

static struct th_sim_encl *encl_overlapping(uint64_t start, uint64_t end)
{
	for (struct th_sim_encl *e = th_sim_m.encls; e; e = e->next)
		if (start < e->base + e->size && e->base < end)
			return e;
	return NULL;
}

static bool pre_overlaps(uint64_t start, uint64_t end)
{
	for (int i = 0; i < MAX_PRE; i++)
		if (pre[i].dev && start < pre[i].end && pre[i].start < end)
			return true;
	return false;
}

EXPORT int mprotect(void *addr, size_t len, int prot)
{
	uint64_t start = (uint64_t)addr, end = start + ((len + 0xfff) & ~(size_t)0xfff);
	struct th_sim_encl *e;

	th_sim_resolve();
	/* the kernel's mm first: an unaligned start is EINVAL, a zero length is 0, before any
	 * mapping or driver is looked at (Intel's urts calls mprotect(addr, 0, 0)) */
	if (!len || (start & 0xfff) || (!th_sim_m.encls && !pre_overlaps(start, end)))
		return th_sim_real_mprotect(addr, len, prot);
	e = encl_overlapping(start, end);
	if (!e || (start & 0xfff)) {
		if (pre_overlaps(start, end)) {
			for (int i = 0; i < MAX_PRE; i++)
				if (pre[i].dev && start < pre[i].end && pre[i].start < end)
					pre[i].prot = prot;
			return 0;
		}
		return th_sim_real_mprotect(addr, len, prot);
	}
	{
		uint64_t s = start > e->base ? start : e->base;
		uint64_t t = end < e->base + e->size ? end : e->base + e->size;
		int rc;

		for (uint64_t a = s; a < t; a += TH_SIM_PAGE)
			if (!(th_sim_page_at(e, a)->vma & TH_VMA_MAPPED))
				goto plain;     /* not a device mapping: the program's own memory */
		rc = ((struct th_sim_dev *)e->dev)->ops->may_mprotect ?
		     ((struct th_sim_dev *)e->dev)->ops->may_mprotect(e->dev, s, t - s, prot) : 0;
		if (rc) {
			errno = -rc;
			return -1;
		}
		if (start < s && th_sim_real_mprotect(addr, s - start, prot))
			return -1;
		if (end > t && th_sim_real_mprotect((void *)t, end - t, prot))
			return -1;
		set_vma(e, s, t, prot);
		return 0;
	}
plain:
	return th_sim_real_mprotect(addr, len, prot);
}

EXPORT int munmap(void *addr, size_t len)
{
	uint64_t start = (uint64_t)addr, end = start + ((len + 0xfff) & ~(size_t)0xfff);
	struct th_sim_encl *e;
	int rc;

	th_sim_resolve();
	if (!th_sim_m.encls && !pre_overlaps(start, end))
		return th_sim_real_munmap(addr, len);
	rc = th_sim_real_munmap(addr, len);
	if (rc)
		return rc;
	pre_remove(start, end);
	while ((e = encl_overlapping(start, end))) {
		uint64_t s = start > e->base ? start : e->base;
		uint64_t t = end < e->base + e->size ? end : e->base + e->size;
		bool had = false;

		for (uint64_t a = s; a < t; a += TH_SIM_PAGE) {
			struct th_sim_page *p = th_sim_page_at(e, a);

			had |= p->vma & TH_VMA_MAPPED;
			p->vma = 0;
		}
		if (had)
			th_sim_maybe_destroy(e);
		if (!had || encl_overlapping(start, end) == e)
			break;
	}
	return 0;
}

