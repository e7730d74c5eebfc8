/* SPDX-License-Identifier: MIT */
/*
 * The page plan: the one description of an enclave that measuring, signing, loading and
 * simulating all consume. Builders (ELF, SDK .so, SGXS, flat image) produce it; nobody else
 * computes a layout.
 *
 * A plan is SECS parameters plus an ordered list of runs. A run is npages consecutive pages of
 * one SECINFO, added in plan order (the order is part of MRENCLAVE). Page contents are never
 * copied out of the input: a run points at its bytes in the caller's mapping (data/data_len)
 * and the rest of the run is a repeated 32-bit fill pattern. Small fix-ups (SDK patch entries,
 * synthesised TCS fields) are patches laid over the run contents. th_plan_page() composes a
 * page only when it has to and otherwise returns a pointer straight into the mapping.
 */
#ifndef TEEHOST_SGX_PLAN_H
#define TEEHOST_SGX_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgx/arch.h"
#include "util/err.h"

#define TH_MEASURE_ALL  0xffffu
#define TH_MEASURE_NONE 0x0000u

struct th_plan_run {
	uint64_t offset;        /* from the enclave base, page aligned */
	uint64_t npages;
	uint64_t secinfo;       /* SECINFO.FLAGS: SGX_SECINFO_TYPE(t) | R/W/X */
	const uint8_t *data;    /* initial bytes from the start of the run, or NULL */
	uint64_t data_len;      /* bytes of data (<= npages * 4096); the rest is fill */
	uint32_t fill;          /* pattern for bytes not covered by data (little-endian) */
	uint16_t measure_mask;  /* per page: bit i measures bytes [256*i, 256*i + 256) */
	bool dynamic;           /* not added at load (EDMM: EAUG'd later); not measured */
};

struct th_plan_patch {
	uint64_t offset;        /* from the enclave base */
	const uint8_t *data;
	uint32_t len;
};

enum th_plan_format {
	TH_FORMAT_UNKNOWN = 0,
	TH_FORMAT_ELF,          /* static enclave ELF (teehost sample, kernel selftest style) */
	TH_FORMAT_SDK,          /* Intel SGX SDK enclave .so with .note.sgxmeta */
	TH_FORMAT_SGXS,         /* Fortanix SGXS stream */
	TH_FORMAT_FLAT,         /* flat image: TCS at 0, RWX pages (enarx-sgx encl.bin) */
};

struct th_plan {
	enum th_plan_format format;
	uint64_t size;          /* SECS.SIZE, a power of two (0 until the builder sets it) */
	uint64_t base;          /* required base address, 0: any size-aligned address */
	uint32_t ssa_frame_size;/* SECS.SSAFRAMESIZE, pages */
	uint32_t miscselect;    /* requested SECS.MISCSELECT */
	struct sgx_attributes attributes; /* requested SECS.ATTRIBUTES (INIT clear) */

	struct th_plan_run *runs;
	size_t nruns;
	struct th_plan_patch *patches;
	size_t npatches;

	/* A SIGSTRUCT the input carries (SDK metadata, SGXS companions), or NULL. */
	const struct sgx_sigstruct *sigstruct;

	/* internal */
	size_t runs_cap, patches_cap;
	void **owned;
	size_t nowned, owned_cap;
	bool finalized;
};

void th_plan_init(struct th_plan *plan, enum th_plan_format format);
void th_plan_free(struct th_plan *plan);
const char *th_plan_format_name(enum th_plan_format format);

/* Zeroed memory that lives as long as the plan (for synthesised pages such as TCSs). */
void *th_plan_alloc(struct th_plan *plan, size_t size);

int th_plan_add_run(struct th_plan *plan, const struct th_plan_run *run, struct th_err *err);
/* DATA must outlive the plan (input mapping or th_plan_alloc memory). */
int th_plan_add_patch(struct th_plan *plan, uint64_t offset, const void *data, uint32_t len,
		      struct th_err *err);

/*
 * Check the plan: SIZE a power of two >= 2 pages, every run inside it, no page added twice,
 * every patch inside an added page and no two patches overlapping, SSA frame size >= 1.
 * Sorts the patches. Must be called before th_plan_page() or th_plan_measure().
 */
int th_plan_finalize(struct th_plan *plan, struct th_err *err);

/*
 * The contents of page IDX of RUN: a pointer into the input when the page is wholly covered by
 * run data and no patch, otherwise the page composed in SCRATCH.
 */
const uint8_t *th_plan_page(const struct th_plan *plan, const struct th_plan_run *run,
			    uint64_t idx, uint8_t scratch[SGX_PAGE_SIZE]);

/* MRENCLAVE of the plan. */
int th_plan_measure(const struct th_plan *plan, uint8_t mrenclave[32], struct th_err *err);

struct th_plan_stats {
	uint64_t pages_added;       /* EADD'ed at load */
	uint64_t pages_measured;    /* with at least one EEXTEND */
	uint64_t pages_dynamic;     /* left for EAUG */
	uint64_t tcs_count;
};
void th_plan_stats(const struct th_plan *plan, struct th_plan_stats *st);

static inline unsigned th_secinfo_type(uint64_t secinfo)
{
	return (unsigned)((secinfo & SGX_SECINFO_TYPE_MASK) >> SGX_SECINFO_TYPE_SHIFT);
}

#endif
