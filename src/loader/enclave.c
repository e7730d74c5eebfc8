/* SPDX-License-Identifier: MIT */
/*
 * The enclave object: create through the probed backend, add pages (keeping the regions to
 * map, the TCS list and, when asked, a running MRENCLAVE), the launch token when the backend
 * needs one, EINIT, free. teehost_enclave_load() (load.c) and the common-loader API
 * (launch/common.c) both drive it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "loader/internal.h"
#include "sgx/sigstruct.h"
#include "sgx_enclave_common.h"

int th_secinfo_prot(uint64_t secinfo)
{
	int prot = 0;

	if (th_secinfo_type(secinfo) == SGX_PT_TCS)
		return PROT_READ | PROT_WRITE;
	if (secinfo & SGX_SECINFO_R)
		prot |= PROT_READ;
	if (secinfo & SGX_SECINFO_W)
		prot |= PROT_WRITE;
	if (secinfo & SGX_SECINFO_X)
		prot |= PROT_EXEC;
	return prot;
}

void th_encl_free(struct th_encl *e)
{
	if (!e)
		return;
	if (e->be)
		e->be->destroy(e);
	if (e->mr) {
		th_mr_abort(e->mr);
		free(e->mr);
	}
	free(e->regions);
	free(e->tcs);
	free(e->tcs_busy);
	free(e);
}

int th_encl_create(const struct teehost_loader_opts *opts, const struct teehost_sgx_probe *pr,
		   struct sgx_secs *secs, uint64_t fixed_base, struct th_encl **out,
		   struct th_sgx_status *st, struct th_err *err)
{
	struct th_encl *e;
	int rc;

	*out = NULL;
	if (!secs->size || (secs->size & (secs->size - 1)) || secs->size < 2 * SGX_PAGE_SIZE)
		return th_lfail(st, err, "create", ENCLAVE_INVALID_PARAMETER, EINVAL,
				"SECS.SIZE %#llx is not a power of two of at least 8 KiB",
				(unsigned long long)secs->size);
	if (fixed_base & (secs->size - 1))
		return th_lfail(st, err, "create", ENCLAVE_INVALID_PARAMETER, EINVAL,
				"base %#llx is not aligned to SECS.SIZE %#llx",
				(unsigned long long)fixed_base, (unsigned long long)secs->size);
	e = calloc(1, sizeof(*e));
	if (!e)
		return th_lfail(st, err, "create", ENCLAVE_OUT_OF_MEMORY, ENOMEM, "out of memory");
	e->fd = -1;
	e->driver = pr->driver;
	e->be = th_backend_of(pr->driver);
	e->opts = opts;
	e->size = secs->size;
	e->base = fixed_base;
	e->attributes = secs->attributes;
	e->miscselect = secs->miscselect;
	e->ssa_frame_size = secs->ssa_frame_size;
	snprintf(e->node, sizeof(e->node), "%s", pr->enclave_node);
	snprintf(e->provision_node, sizeof(e->provision_node), "%s", pr->provision_node);
	if (pr->vdso)
		e->vdso_enter = th_vdso_lookup("__vdso_sgx_enter_enclave");
	if (!e->be) {
		free(e);
		return th_lfail(st, err, "create", ENCLAVE_NOT_SUPPORTED, ENODEV, "no driver");
	}
	if (opts && opts->measure) {
		e->mr = malloc(sizeof(*e->mr));
		if (!e->mr || th_mr_init(e->mr, secs->ssa_frame_size, secs->size) < 0) {
			free(e->mr);
			e->mr = NULL;
		}
	}
	rc = e->be->create(e, secs, st, err);
	if (rc < 0) {
		e->be = NULL;   /* the backend cleaned up after itself */
		th_encl_free(e);
		return rc;
	}
	if ((secs->attributes.flags & SGX_ATTR_PROVISIONKEY) && e->be->provision) {
		struct th_err perr;

		if (e->be->provision(e, &perr) < 0)
			th_loader_log(opts, "provision key access not granted (%s); EINIT will "
				      "refuse unless the driver allows this signer", perr.msg);
	}
	th_loader_log(opts, "%s: ECREATE base %#llx size %#llx attributes %#llx/%#llx",
		      e->be->name, (unsigned long long)e->base, (unsigned long long)e->size,
		      (unsigned long long)e->attributes.flags,
		      (unsigned long long)e->attributes.xfrm);
	*out = e;
	return 0;
}

static int note_region(struct th_encl *e, uint64_t off, uint64_t len, int prot)
{
	struct th_region *r = e->nregions ? &e->regions[e->nregions - 1] : NULL;

	if (r && r->prot == prot && r->off + r->len == off) {
		r->len += len;
		return 0;
	}
	if (e->nregions == e->regions_cap) {
		size_t cap = e->regions_cap ? e->regions_cap * 2 : 16;
		struct th_region *n = realloc(e->regions, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		e->regions = n;
		e->regions_cap = cap;
	}
	e->regions[e->nregions++] = (struct th_region){ off, len, prot };
	return 0;
}

static int note_tcs(struct th_encl *e, uint64_t addr)
{
	if (e->ntcs == e->tcs_cap) {
		size_t cap = e->tcs_cap ? e->tcs_cap * 2 : 8;
		uint64_t *t = realloc(e->tcs, cap * sizeof(*t));
		atomic_int *b;

		if (!t)
			return -ENOMEM;
		e->tcs = t;
		b = realloc(e->tcs_busy, cap * sizeof(*b));
		if (!b)
			return -ENOMEM;
		e->tcs_busy = b;
		e->tcs_cap = cap;
	}
	e->tcs[e->ntcs] = addr;
	atomic_init(&e->tcs_busy[e->ntcs], 0);
	e->ntcs++;
	return 0;
}

int th_encl_add(struct th_encl *e, uint64_t off, const uint8_t *src, uint64_t npages,
		uint64_t secinfo, uint16_t mask, struct th_sgx_status *st, struct th_err *err)
{
	int rc;

	if (e->initialized)
		return th_lfail(st, err, "add", ENCLAVE_ALREADY_INITIALIZED, EINVAL,
				"the enclave is already initialized");
	if ((off & (SGX_PAGE_SIZE - 1)) || off >= e->size || npages > (e->size - off) / SGX_PAGE_SIZE)
		return th_lfail(st, err, "add", ENCLAVE_INVALID_ADDRESS, EINVAL,
				"pages [%#llx, +%llu) are outside the enclave",
				(unsigned long long)off, (unsigned long long)npages);
	rc = e->be->add(e, off, src, npages, secinfo, mask, st, err);
	if (rc < 0)
		return rc;
	if (e->mr)
		for (uint64_t i = 0; i < npages; i++)
			th_mr_add_page(e->mr, off + i * SGX_PAGE_SIZE, secinfo,
				       src + i * SGX_PAGE_SIZE, mask);
	e->pages_added += npages;
	if (note_region(e, off, npages * SGX_PAGE_SIZE, th_secinfo_prot(secinfo)) < 0)
		return th_lfail(st, err, "add", ENCLAVE_OUT_OF_MEMORY, ENOMEM, "out of memory");
	if (th_secinfo_type(secinfo) == SGX_PT_TCS)
		for (uint64_t i = 0; i < npages; i++)
			if (note_tcs(e, e->base + off + i * SGX_PAGE_SIZE) < 0)
				return th_lfail(st, err, "add", ENCLAVE_OUT_OF_MEMORY, ENOMEM,
						"out of memory");
	return 0;
}

int th_encl_init(struct th_encl *e, const struct sgx_sigstruct *ss,
		 const struct sgx_einittoken *token, struct th_sgx_status *st,
		 struct th_err *err)
{
	int rc;

	if (e->initialized)
		return th_lfail(st, err, "init", ENCLAVE_ALREADY_INITIALIZED, EINVAL,
				"the enclave is already initialized");
	/* Map what was added (DCAP maps only added pages; the kernel refuses PROT_NONE). */
	for (size_t i = 0; i < e->nregions; i++) {
		rc = e->be->map(e, e->regions[i].off, e->regions[i].len, e->regions[i].prot, st,
				err);
		if (rc < 0)
			return rc;
	}
	e->nregions = 0;
	if (e->mr && !e->have_mrenclave) {
		if (th_mr_final(e->mr, e->mrenclave) == 0)
			e->have_mrenclave = true;
		free(e->mr);
		e->mr = NULL;
	}
	rc = e->be->init(e, ss, token, st, err);
	if (rc > 0) {
		uint32_t code = th_loader_sgx_code(rc);

		if (st)
			st->sgx_error = rc;
		return th_lfail(st, err, "init", code, EPERM, "EINIT failed: %s (%d)%s",
				th_sgx_error_name(rc), rc,
				rc == SGX_INVALID_MEASUREMENT ?
				": the SIGSTRUCT's ENCLAVEHASH is not this enclave's MRENCLAVE" :
				rc == SGX_INVALID_ATTRIBUTE ?
				": SECS attributes/MISCSELECT differ from the SIGSTRUCT's under its masks" :
				rc == SGX_INVALID_SIGNATURE ? ": the SIGSTRUCT's RSA signature is bad" :
				rc == SGX_INVALID_EINITTOKEN ? ": the launch token was refused" : "");
	}
	if (rc < 0)
		return rc;
	e->initialized = true;
	th_loader_log(e->opts, "%s: EINIT ok, %llu pages, %zu TCS", e->be->name,
		      (unsigned long long)e->pages_added, e->ntcs);
	return 0;
}

/* enclave_error_t for a provider's failure: refused for this enclave, or none to ask. */
static uint32_t token_code(int rc)
{
	return rc == -EPERM || rc == -EACCES ? ENCLAVE_NOT_AUTHORIZED :
	       rc == -ENOMEM ? ENCLAVE_OUT_OF_MEMORY : ENCLAVE_SERVICE_NOT_AVAILABLE;
}

int th_encl_token(struct th_encl *e, const struct sgx_sigstruct *ss,
		  const struct teehost_loader_opts *opts, struct sgx_einittoken *token,
		  struct th_sgx_status *st, struct th_err *err)
{
	struct teehost_token_request req;
	int rc;

	memset(token, 0, sizeof(*token));
	/* The launch enclave launches with its own key, without a token. */
	if (!e->be->launch_token || (e->attributes.flags & SGX_ATTR_EINITTOKENKEY))
		return 0;
	if (opts && opts->einittoken) {
		memcpy(token, opts->einittoken, sizeof(*token));
		return 0;
	}
	if (!opts || !opts->launch_token)
		return th_lfail(st, err, "token", ENCLAVE_SERVICE_NOT_AVAILABLE, ENOENT,
				"the %s driver needs a launch token and no provider was given "
				"(teehost_loader_opts.launch_token)", e->be->name);
	memset(&req, 0, sizeof(req));
	req.sigstruct = ss;
	req.attributes = e->attributes.flags;
	req.xfrm = e->attributes.xfrm;
	req.token = token;
	rc = opts->launch_token(opts->launch_token_ctx, &req);
	if (rc < 0) {
		memset(token, 0, sizeof(*token));
		return th_lfail(st, err, "token", token_code(rc), -rc, "%s",
				req.msg[0] ? req.msg : strerror(-rc));
	}
	return 0;
}
