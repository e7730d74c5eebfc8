/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sgx/measure.h"
#include "sgx/plan.h"

void th_plan_init(struct th_plan *plan, enum th_plan_format format)
{
	memset(plan, 0, sizeof(*plan));
	plan->format = format;
	plan->ssa_frame_size = 1;
	plan->attributes.flags = SGX_ATTR_MODE64BIT;
	plan->attributes.xfrm = 0x3;     /* x87 + SSE: the architectural minimum */
}

void th_plan_free(struct th_plan *plan)
{
	for (size_t i = 0; i < plan->nowned; i++)
		free(plan->owned[i]);
	free(plan->owned);
	free(plan->runs);
	free(plan->patches);
	memset(plan, 0, sizeof(*plan));
}

const char *th_plan_format_name(enum th_plan_format format)
{
	switch (format) {
	case TH_FORMAT_ELF: return "elf";
	case TH_FORMAT_SDK: return "sdk";
	case TH_FORMAT_SGXS: return "sgxs";
	case TH_FORMAT_FLAT: return "flat";
	default: return "unknown";
	}
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	void *n;
	size_t ncap;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	while (ncap < need)
		ncap *= 2;
	n = realloc(*arr, ncap * elem);
	if (!n)
		return -ENOMEM;
	*arr = n;
	*cap = ncap;
	return 0;
}

void *th_plan_alloc(struct th_plan *plan, size_t size)
{
	void *p;

	if (grow((void **)&plan->owned, &plan->owned_cap, plan->nowned + 1, sizeof(void *)) < 0)
		return NULL;
	p = calloc(1, size ? size : 1);
	if (p)
		plan->owned[plan->nowned++] = p;
	return p;
}

int th_plan_add_run(struct th_plan *plan, const struct th_plan_run *run, struct th_err *err)
{
	unsigned type = th_secinfo_type(run->secinfo);

	if (run->offset % SGX_PAGE_SIZE)
		return th_fail(err, EINVAL, "layout", "page run at offset 0x%llx is not page aligned",
			       (unsigned long long)run->offset);
	if (run->npages == 0 || run->npages > (UINT64_MAX - run->offset) / SGX_PAGE_SIZE)
		return th_fail(err, EINVAL, "layout", "page run at offset 0x%llx has a bad page count",
			       (unsigned long long)run->offset);
	if (run->data_len > run->npages * SGX_PAGE_SIZE || (run->data_len && !run->data))
		return th_fail(err, EINVAL, "layout", "page run at offset 0x%llx: data larger than the run",
			       (unsigned long long)run->offset);
	if (type != SGX_PT_TCS && type != SGX_PT_REG && type != SGX_PT_TRIM)
		return th_fail(err, EINVAL, "layout", "page run at offset 0x%llx: page type %u cannot be added",
			       (unsigned long long)run->offset, type);
	if (grow((void **)&plan->runs, &plan->runs_cap, plan->nruns + 1, sizeof(*run)) < 0)
		return th_fail(err, ENOMEM, "layout", "out of memory");
	plan->runs[plan->nruns++] = *run;
	plan->finalized = false;
	return 0;
}

int th_plan_add_patch(struct th_plan *plan, uint64_t offset, const void *data, uint32_t len,
		      struct th_err *err)
{
	if (len == 0)
		return 0;
	if (grow((void **)&plan->patches, &plan->patches_cap, plan->npatches + 1,
		 sizeof(*plan->patches)) < 0)
		return th_fail(err, ENOMEM, "patch", "out of memory");
	plan->patches[plan->npatches++] = (struct th_plan_patch){ offset, data, len };
	plan->finalized = false;
	return 0;
}

static int cmp_u64_pair(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

static int cmp_patch(const void *a, const void *b)
{
	const struct th_plan_patch *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Index of the run covering OFFSET, using SPANS sorted by start: (start, end, run index). */
static const uint64_t *find_span(const uint64_t *spans, size_t n, uint64_t offset)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (spans[mid * 3] <= offset)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || offset >= spans[(lo - 1) * 3 + 1])
		return NULL;
	return &spans[(lo - 1) * 3];
}

int th_plan_finalize(struct th_plan *plan, struct th_err *err)
{
	uint64_t *spans;
	int ret = 0;

	if (plan->size < 2 * SGX_PAGE_SIZE || (plan->size & (plan->size - 1)))
		return th_fail(err, EINVAL, "enclave_size", "0x%llx is not a power of two of at least 8 KiB",
			       (unsigned long long)plan->size);
	if (plan->base % plan->size)
		return th_fail(err, EINVAL, "base", "0x%llx is not aligned to the enclave size",
			       (unsigned long long)plan->base);
	if (plan->ssa_frame_size == 0)
		return th_fail(err, EINVAL, "ssa_frame_size", "must be at least one page");
	if (plan->nruns == 0)
		return th_fail(err, EINVAL, "layout", "no pages");

	spans = malloc(plan->nruns * 3 * sizeof(uint64_t));
	if (!spans)
		return th_fail(err, ENOMEM, "layout", "out of memory");
	for (size_t i = 0; i < plan->nruns; i++) {
		const struct th_plan_run *r = &plan->runs[i];
		uint64_t end = r->offset + r->npages * SGX_PAGE_SIZE;

		if (end > plan->size) {
			ret = th_fail(err, EINVAL, "layout",
				      "pages [0x%llx, 0x%llx) lie outside the enclave size 0x%llx",
				      (unsigned long long)r->offset, (unsigned long long)end,
				      (unsigned long long)plan->size);
			goto out;
		}
		spans[i * 3] = r->offset;
		spans[i * 3 + 1] = end;
		spans[i * 3 + 2] = i;
	}
	qsort(spans, plan->nruns, 3 * sizeof(uint64_t), cmp_u64_pair);
	for (size_t i = 1; i < plan->nruns; i++) {
		if (spans[i * 3] < spans[(i - 1) * 3 + 1]) {
			ret = th_fail(err, EINVAL, "layout", "pages at offset 0x%llx are added twice",
				      (unsigned long long)spans[i * 3]);
			goto out;
		}
	}
	if (plan->npatches)
		qsort(plan->patches, plan->npatches, sizeof(*plan->patches), cmp_patch);
	for (size_t i = 0; i < plan->npatches; i++) {
		const struct th_plan_patch *p = &plan->patches[i];
		const uint64_t *s = find_span(spans, plan->nruns, p->offset);

		if (!s || p->offset + p->len > s[1] || p->offset + p->len < p->offset ||
		    plan->runs[s[2]].dynamic) {
			ret = th_fail(err, EINVAL, "patch", "patch at offset 0x%llx (%u bytes) is outside the added pages",
				      (unsigned long long)p->offset, p->len);
			goto out;
		}
		if (i && plan->patches[i - 1].offset + plan->patches[i - 1].len > p->offset) {
			ret = th_fail(err, EINVAL, "patch", "patches overlap at offset 0x%llx",
				      (unsigned long long)p->offset);
			goto out;
		}
	}
	plan->finalized = true;
out:
	free(spans);
	return ret;
}

static void fill_pattern(uint8_t *dst, size_t len, uint64_t pos, uint32_t fill)
{
	uint8_t pat[4];

	memcpy(pat, &fill, 4);
	if (fill == 0) {
		memset(dst, 0, len);
		return;
	}
	for (size_t i = 0; i < len; i++)
		dst[i] = pat[(pos + i) & 3];
}

const uint8_t *th_plan_page(const struct th_plan *plan, const struct th_plan_run *run,
			    uint64_t idx, uint8_t scratch[SGX_PAGE_SIZE])
{
	uint64_t start = idx * SGX_PAGE_SIZE, page_off = run->offset + start;
	size_t lo = 0, hi = plan->npatches;
	bool patched;

	/* first patch ending after the page start (patches are sorted and disjoint) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct th_plan_patch *p = &plan->patches[mid];

		if (p->offset + p->len <= page_off)
			lo = mid + 1;
		else
			hi = mid;
	}
	patched = lo < plan->npatches && plan->patches[lo].offset < page_off + SGX_PAGE_SIZE;

	if (!patched && run->data && start + SGX_PAGE_SIZE <= run->data_len)
		return run->data + start;

	if (run->data && start < run->data_len) {
		size_t have = (size_t)(run->data_len - start);

		if (have > SGX_PAGE_SIZE)
			have = SGX_PAGE_SIZE;
		memcpy(scratch, run->data + start, have);
		fill_pattern(scratch + have, SGX_PAGE_SIZE - have, have, run->fill);
	} else {
		fill_pattern(scratch, SGX_PAGE_SIZE, 0, run->fill);
	}
	for (size_t i = lo; i < plan->npatches; i++) {
		const struct th_plan_patch *p = &plan->patches[i];
		uint64_t a, b;

		if (p->offset >= page_off + SGX_PAGE_SIZE)
			break;
		a = p->offset > page_off ? p->offset : page_off;
		b = p->offset + p->len < page_off + SGX_PAGE_SIZE ? p->offset + p->len
								  : page_off + SGX_PAGE_SIZE;
		memcpy(scratch + (a - page_off), p->data + (a - p->offset), (size_t)(b - a));
	}
	return scratch;
}

int th_plan_measure(const struct th_plan *plan, uint8_t mrenclave[32], struct th_err *err)
{
	static const uint8_t zero_page[SGX_PAGE_SIZE];
	uint8_t scratch[SGX_PAGE_SIZE];
	struct th_mr mr;

	if (!plan->finalized)
		return th_fail(err, EINVAL, "layout", "plan not finalized");
	if (th_mr_init(&mr, plan->ssa_frame_size, plan->size) < 0)
		return th_fail(err, ENOMEM, "measure", "out of memory");
	for (size_t r = 0; r < plan->nruns; r++) {
		const struct th_plan_run *run = &plan->runs[r];

		if (run->dynamic)
			continue;
		for (uint64_t i = 0; i < run->npages; i++) {
			uint64_t off = run->offset + i * SGX_PAGE_SIZE;

			if (run->measure_mask == 0) {
				th_mr_eadd(&mr, off, run->secinfo);
				continue;
			}
			th_mr_add_page(&mr, off, run->secinfo,
				       run->data || plan->npatches || run->fill
					       ? th_plan_page(plan, run, i, scratch) : zero_page,
				       run->measure_mask);
		}
	}
	if (th_mr_final(&mr, mrenclave) < 0)
		return th_fail(err, EIO, "measure", "SHA-256 failed");
	return 0;
}

void th_plan_stats(const struct th_plan *plan, struct th_plan_stats *st)
{
	memset(st, 0, sizeof(*st));
	for (size_t r = 0; r < plan->nruns; r++) {
		const struct th_plan_run *run = &plan->runs[r];

		if (run->dynamic) {
			st->pages_dynamic += run->npages;
			continue;
		}
		st->pages_added += run->npages;
		if (run->measure_mask)
			st->pages_measured += run->npages;
		if (th_secinfo_type(run->secinfo) == SGX_PT_TCS)
			st->tcs_count += run->npages;
	}
}
