/* SPDX-License-Identifier: MIT */
/*
 * Loading a page plan as one call, in named steps (probe, create, add the pages, launch token
 * and EINIT), and the enclave handle the caller gets: its accessors, entry and destroy.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader/internal.h"
#include "sgx/plan.h"
#include "sgx_enclave_common.h"

struct teehost_enclave {
	struct th_encl *e;
};

/* ADD_PAGES takes at most this many pages from one buffer per call. */
#define LOAD_BATCH_PAGES 256

/* Probe the driver for OPTS (already sized) and say what was chosen. */
static int load_probe(const struct th_plan *plan, const struct teehost_loader_opts *opts,
		      struct teehost_sgx_probe *pr, struct th_sgx_status *st, struct th_err *err)
{
	int rc;

	if (!plan->finalized)
		return th_lfail(st, err, "load", ENCLAVE_INVALID_PARAMETER, EINVAL,
				"the page plan is not finalized");
	rc = th_sgx_probe(opts, pr, st, err);
	if (rc < 0)
		return rc;
	th_loader_log(opts, "driver %s: %s", teehost_sgx_driver_name(pr->driver), pr->why);
	return 0;
}

/* ECREATE with the SECS the plan describes. */
static int load_create(const struct th_plan *plan, const struct teehost_loader_opts *opts,
		       const struct teehost_sgx_probe *pr, struct th_encl **out,
		       struct th_sgx_status *st, struct th_err *err)
{
	struct sgx_secs *secs = aligned_alloc(SGX_PAGE_SIZE, sizeof(*secs));
	int rc;

	if (!secs)
		return th_lfail(st, err, "load", ENCLAVE_OUT_OF_MEMORY, ENOMEM, "out of memory");
	memset(secs, 0, sizeof(*secs));
	secs->size = plan->size;
	secs->base = plan->base;
	secs->ssa_frame_size = plan->ssa_frame_size;
	secs->miscselect = plan->miscselect;
	secs->attributes = plan->attributes;
	rc = th_encl_create(opts, pr, secs, plan->base, out, st, err);
	free(secs);
	return rc;
}

/*
 * Pages [I, I+N) of RUN: straight from a page-aligned input as they are, or composed (patched,
 * filled) and unaligned ones through BATCH. Returns where the N pages now lie consecutively.
 */
static const uint8_t *load_batch(const struct th_plan *plan, const struct th_plan_run *run,
				 uint64_t i, uint64_t n, uint8_t *batch)
{
	const uint8_t *first = NULL;
	bool direct = true;

	for (uint64_t k = 0; k < n; k++) {
		uint8_t *dst = batch + k * SGX_PAGE_SIZE;
		const uint8_t *pg = th_plan_page(plan, run, i + k, dst);

		if (k == 0)
			first = pg;
		if (pg == dst || ((uintptr_t)pg & (SGX_PAGE_SIZE - 1)) ||
		    pg != first + k * SGX_PAGE_SIZE) {
			if (direct)
				for (uint64_t j = 0; j < k; j++)
					memcpy(batch + j * SGX_PAGE_SIZE, first + j * SGX_PAGE_SIZE,
					       SGX_PAGE_SIZE);
			direct = false;
		}
		if (!direct && pg != dst)
			memcpy(dst, pg, SGX_PAGE_SIZE);
	}
	return direct ? first : batch;
}

/* EADD (+ EEXTEND) every page the plan adds at creation, in order (not the dynamic ones). */
static int load_pages(const struct th_plan *plan, struct th_encl *e, struct th_sgx_status *st,
		      struct th_err *err)
{
	uint8_t *batch = aligned_alloc(SGX_PAGE_SIZE, LOAD_BATCH_PAGES * SGX_PAGE_SIZE);
	int rc = 0;

	if (!batch)
		return th_lfail(st, err, "load", ENCLAVE_OUT_OF_MEMORY, ENOMEM, "out of memory");
	for (size_t r = 0; r < plan->nruns && rc == 0; r++) {
		const struct th_plan_run *run = &plan->runs[r];

		if (run->dynamic)
			continue;
		for (uint64_t i = 0; i < run->npages && rc == 0; ) {
			uint64_t n = run->npages - i < LOAD_BATCH_PAGES ? run->npages - i :
				     LOAD_BATCH_PAGES;
			const uint8_t *src = load_batch(plan, run, i, n, batch);

			rc = th_encl_add(e, run->offset + i * SGX_PAGE_SIZE, src, n, run->secinfo,
					 run->measure_mask, st, err);
			i += n;
		}
	}
	free(batch);
	return rc;
}

/*
 * The driver refused EINIT without saying why and no running measure was kept: measure the
 * plan now and name the cause (MRENCLAVE, attributes, signature). RC stays when none is found.
 */
static int load_diagnose(const struct th_plan *plan, const struct sgx_sigstruct *ss,
			 struct th_encl *e, int rc, struct th_sgx_status *st, struct th_err *err)
{
	int why;

	if (rc != -EPERM || e->have_mrenclave || (st && st->sgx_error) ||
	    th_plan_measure(plan, e->mrenclave, NULL) != 0)
		return rc;
	e->have_mrenclave = true;
	why = th_einit_diagnose(e, ss);
	if (why <= 0)
		return rc;
	if (st)
		st->sgx_error = why;
	return th_lfail(st, err, "init", th_loader_sgx_code(why), EPERM, "EINIT refused: %s%s",
			th_sgx_error_name(why),
			why == SGX_INVALID_MEASUREMENT ?
			": the SIGSTRUCT's ENCLAVEHASH is not this enclave's MRENCLAVE" :
			why == SGX_INVALID_ATTRIBUTE ?
			": SECS attributes/MISCSELECT differ from the SIGSTRUCT's under its masks" :
			"");
}

/* The launch token the backend may need, then EINIT (named when the driver does not say). */
static int load_init(const struct th_plan *plan, const struct sgx_sigstruct *ss,
		     const struct teehost_loader_opts *opts, struct th_encl *e,
		     struct th_sgx_status *st, struct th_err *err)
{
	struct sgx_einittoken *token = aligned_alloc(512, 512);
	int rc;

	if (!token)
		return th_lfail(st, err, "token", ENCLAVE_OUT_OF_MEMORY, ENOMEM, "out of memory");
	rc = th_encl_token(e, ss, opts, token, st, err);
	if (rc == 0)
		rc = load_diagnose(plan, ss, e, th_encl_init(e, ss, token, st, err), st, err);
	free(token);
	return rc;
}

int th_enclave_load(const struct th_plan *plan, const struct sgx_sigstruct *ss,
		    const struct teehost_loader_opts *opts, struct teehost_enclave **out,
		    struct th_sgx_status *st, struct th_err *err)
{
	struct teehost_loader_opts sized;
	struct teehost_sgx_probe pr;
	struct th_encl *e = NULL;
	struct teehost_enclave *h;
	int rc;

	*out = NULL;
	if (st)
		memset(st, 0, sizeof(*st));
	rc = th_loader_opts_get(opts, &sized, st, err);
	if (rc < 0)
		return rc;
	rc = load_probe(plan, &sized, &pr, st, err);
	if (rc < 0)
		return rc;
	h = calloc(1, sizeof(*h));
	if (!h)
		return th_lfail(st, err, "load", ENCLAVE_OUT_OF_MEMORY, ENOMEM, "out of memory");
	rc = load_create(plan, &sized, &pr, &e, st, err);
	if (rc == 0)
		rc = load_pages(plan, e, st, err);
	if (rc == 0)
		rc = load_init(plan, ss, &sized, e, st, err);
	if (rc < 0) {
		th_encl_free(e);
		free(h);
		return rc;
	}
	e->opts = NULL;
	h->e = e;
	*out = h;
	return 0;
}

TEEHOST_API uint64_t teehost_enclave_base(const struct teehost_enclave *h) { return h->e->base; }
TEEHOST_API uint64_t teehost_enclave_size(const struct teehost_enclave *h) { return h->e->size; }
TEEHOST_API size_t teehost_enclave_tcs_count(const struct teehost_enclave *h) { return h->e->ntcs; }
TEEHOST_API uint64_t teehost_enclave_tcs(const struct teehost_enclave *h, size_t i)
{
	return i < h->e->ntcs ? h->e->tcs[i] : 0;
}
TEEHOST_API enum teehost_sgx_driver teehost_enclave_driver(const struct teehost_enclave *h)
{
	return h->e->driver;
}
TEEHOST_API uint64_t teehost_enclave_pages_added(const struct teehost_enclave *h)
{
	return h->e->pages_added;
}

int th_enclave_enter(struct teehost_enclave *h, size_t tcs_index, struct teehost_enter *io,
		     struct th_err *err)
{
	struct th_encl *e = h->e;
	int expect = 0, rc;

	io->exception = false;
	io->leaf = 0;
	io->vector = io->error_code = 0;
	io->address = 0;
	if (tcs_index >= e->ntcs)
		return th_fail(err, EINVAL, "enter", "no TCS %zu (the enclave has %zu)", tcs_index,
			       e->ntcs);
	if (!e->initialized)
		return th_fail(err, EINVAL, "enter", "the enclave is not initialized");
	/* A TCS serves one thread at a time; EENTER on a busy one would #GP. */
	if (!atomic_compare_exchange_strong(&e->tcs_busy[tcs_index], &expect, 1))
		return th_fail(err, EBUSY, "enter", "TCS %zu (%#llx) is busy: another thread is "
			       "inside the enclave on it", tcs_index,
			       (unsigned long long)e->tcs[tcs_index]);
	if (!e->be->own_entry && e->vdso_enter)
		rc = th_enter_vdso(e, e->tcs[tcs_index], io);
	else
		rc = th_enter_enclu(e, e->tcs[tcs_index], io);
	atomic_store(&e->tcs_busy[tcs_index], 0);
	if (rc < 0)
		return th_fail(err, -rc, "enter", "ENCLU could not be attempted (%s)", strerror(-rc));
	if (io->exception) {
		if (io->leaf == SGX_EENTER && io->vector == 13)
			return th_fail(err, EBUSY, "enter", "EENTER raised #GP on TCS %#llx: busy "
				       "(entered by another thread or process) or not a TCS",
				       (unsigned long long)e->tcs[tcs_index]);
		return th_fail(err, EFAULT, "enter", "the enclave took exception vector %u "
			       "(error code %#x, address %#llx) in %s", io->vector, io->error_code,
			       (unsigned long long)io->address,
			       io->leaf == SGX_EENTER ? "EENTER" : "the enclave");
	}
	return 0;
}

TEEHOST_API void teehost_enclave_destroy(struct teehost_enclave *h)
{
	if (!h)
		return;
	th_encl_free(h->e);
	free(h);
}
