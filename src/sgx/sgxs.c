/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "sgx/sgxs.h"

static const char tag_ecreate[8] = "ECREATE";
static const char tag_eadd[8] = "EADD\0\0\0";
static const char tag_eextend[8] = "EEXTEND";

bool th_sgxs_detect(const uint8_t *data, size_t len)
{
	return len >= TH_SGXS_RECORD && !memcmp(data, tag_ecreate, 8);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

/* The page being assembled and the run it may extend. */
struct sgxs_state {
	struct th_plan *plan;
	struct th_plan_run run;     /* npages == 0: none pending */
	bool have_page;
	uint64_t page_off, page_secinfo;
	uint16_t page_mask;
	int last_chunk;             /* -1 before the page's first EEXTEND */
};

static int flush_run(struct sgxs_state *s, struct th_err *err)
{
	int ret = 0;

	if (s->run.npages)
		ret = th_plan_add_run(s->plan, &s->run, err);
	memset(&s->run, 0, sizeof(s->run));
	return ret;
}

static int close_page(struct sgxs_state *s, struct th_err *err)
{
	struct th_plan_run *r = &s->run;
	int ret;

	if (!s->have_page)
		return 0;
	s->have_page = false;
	if (r->npages && r->secinfo == s->page_secinfo && r->measure_mask == s->page_mask &&
	    r->offset + r->npages * SGX_PAGE_SIZE == s->page_off) {
		r->npages++;
		return 0;
	}
	ret = flush_run(s, err);
	if (ret)
		return ret;
	r->offset = s->page_off;
	r->npages = 1;
	r->secinfo = s->page_secinfo;
	r->measure_mask = s->page_mask;
	return 0;
}

int th_sgxs_plan_build(const uint8_t *data, size_t len, struct th_plan *plan, struct th_err *err)
{
	struct sgxs_state s = { .plan = plan, .last_chunk = -1 };
	uint64_t size;
	uint32_t ssa;
	size_t pos;
	int ret;

	plan->format = TH_FORMAT_SGXS;
	if (!th_sgxs_detect(data, len))
		return th_fail(err, EINVAL, "ecreate", "not an SGXS stream (no ECREATE record at offset 0)");
	memcpy(&ssa, data + 8, 4);
	size = get64(data + 12);
	if (!all_zero(data + 20, 44))
		return th_fail(err, EINVAL, "ecreate", "reserved bytes of the ECREATE record are not zero");
	if (ssa == 0)
		return th_fail(err, EINVAL, "ssa_frame_size", "is 0");
	if (size < 2 * SGX_PAGE_SIZE || (size & (size - 1)))
		return th_fail(err, EINVAL, "enclave_size", "0x%llx is not a power of two of at least 8 KiB",
			       (unsigned long long)size);
	plan->size = size;
	plan->ssa_frame_size = ssa;

	for (pos = TH_SGXS_RECORD; pos < len;) {
		const uint8_t *rec = data + pos;
		uint64_t off;

		if (len - pos < TH_SGXS_RECORD)
			return th_fail(err, EINVAL, "record", "truncated record at file offset 0x%zx", pos);
		off = get64(rec + 8);
		if (!memcmp(rec, tag_eadd, 8)) {
			uint64_t secinfo = get64(rec + 16);

			ret = close_page(&s, err);
			if (ret)
				return ret;
			if (off % SGX_PAGE_SIZE || off >= size)
				return th_fail(err, EINVAL, "eadd", "page offset 0x%llx at file offset 0x%zx is not a page inside the enclave",
					       (unsigned long long)off, pos);
			if (!all_zero(rec + 24, 40))
				return th_fail(err, EINVAL, "secinfo", "reserved SECINFO bytes are not zero at file offset 0x%zx", pos);
			s.have_page = true;
			s.page_off = off;
			s.page_secinfo = secinfo;
			s.page_mask = 0;
			s.last_chunk = -1;
			pos += TH_SGXS_RECORD;
		} else if (!memcmp(rec, tag_eextend, 8)) {
			int chunk;

			if (len - pos < TH_SGXS_RECORD + SGX_EEXTEND_CHUNK)
				return th_fail(err, EINVAL, "eextend", "record at file offset 0x%zx is missing its 256 data bytes", pos);
			if (!all_zero(rec + 16, 48))
				return th_fail(err, EINVAL, "eextend", "reserved bytes are not zero at file offset 0x%zx", pos);
			if (!s.have_page || off < s.page_off || off >= s.page_off + SGX_PAGE_SIZE ||
			    off % SGX_EEXTEND_CHUNK)
				return th_fail(err, EINVAL, "eextend", "offset 0x%llx at file offset 0x%zx is not a chunk of the page just added",
					       (unsigned long long)off, pos);
			chunk = (int)((off - s.page_off) / SGX_EEXTEND_CHUNK);
			if (chunk <= s.last_chunk)
				return th_fail(err, EINVAL, "eextend", "chunk 0x%llx at file offset 0x%zx is measured out of order or twice",
					       (unsigned long long)off, pos);
			s.last_chunk = chunk;
			s.page_mask |= (uint16_t)(1u << chunk);
			if (!all_zero(rec + TH_SGXS_RECORD, SGX_EEXTEND_CHUNK)) {
				ret = th_plan_add_patch(plan, off, rec + TH_SGXS_RECORD, SGX_EEXTEND_CHUNK, err);
				if (ret)
					return ret;
			}
			pos += TH_SGXS_RECORD + SGX_EEXTEND_CHUNK;
		} else if (!memcmp(rec, tag_ecreate, 8)) {
			return th_fail(err, EINVAL, "ecreate", "second ECREATE record at file offset 0x%zx", pos);
		} else {
			char tag[9];

			for (int i = 0; i < 8; i++)
				tag[i] = rec[i] >= 0x20 && rec[i] < 0x7f ? (char)rec[i] : '?';
			tag[8] = '\0';
			return th_fail(err, EINVAL, "record", "unsupported record tag \"%s\" at file offset 0x%zx", tag, pos);
		}
	}
	ret = close_page(&s, err);
	if (!ret)
		ret = flush_run(&s, err);
	if (!ret && plan->nruns == 0)
		ret = th_fail(err, EINVAL, "eadd", "no pages");
	return ret;
}
