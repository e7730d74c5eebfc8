/* SPDX-License-Identifier: MIT */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "sgx/elf.h"
#include "sgx/flat.h"

#define PAGE_DOWN(x) ((x) & ~(uint64_t)(SGX_PAGE_SIZE - 1))
#define PAGE_UP(x) PAGE_DOWN((x) + SGX_PAGE_SIZE - 1)

bool th_elf_detect(const uint8_t *data, size_t len)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;

	return len >= sizeof(Elf64_Ehdr) && !memcmp(data, ELFMAG, SELFMAG) &&
	       data[EI_CLASS] == ELFCLASS64 && data[EI_DATA] == ELFDATA2LSB &&
	       eh->e_machine == EM_X86_64;
}

static int check_tcs(const struct th_plan *plan, const uint8_t *page, uint64_t off,
		     struct th_err *err)
{
	struct sgx_tcs tcs;
	uint64_t ssa_bytes;

	memcpy(&tcs, page, 72);
	ssa_bytes = (uint64_t)tcs.nssa * plan->ssa_frame_size * SGX_PAGE_SIZE;
	if (tcs.nssa == 0)
		return th_fail(err, EINVAL, "tcs", "TCS at 0x%llx has NSSA 0", (unsigned long long)off);
	if (tcs.ossa % SGX_PAGE_SIZE || tcs.ossa >= plan->size || ssa_bytes > plan->size - tcs.ossa)
		return th_fail(err, EINVAL, "tcs", "TCS at 0x%llx: OSSA 0x%llx is not a page-aligned SSA stack inside the enclave",
			       (unsigned long long)off, (unsigned long long)tcs.ossa);
	if (tcs.oentry >= plan->size)
		return th_fail(err, EINVAL, "tcs", "TCS at 0x%llx: OENTRY 0x%llx is outside the enclave",
			       (unsigned long long)off, (unsigned long long)tcs.oentry);
	return 0;
}

int th_elf_plan_build(const uint8_t *data, size_t len, const struct th_elf_options *opts,
		      struct th_plan *plan, struct th_err *err)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;
	Elf64_Phdr ph[TH_ELF_MAX_SEGMENTS];
	size_t nload = 0;
	uint64_t base = 0, end = 0, heap;
	int ret;

	plan->format = TH_FORMAT_ELF;
	if (!th_elf_detect(data, len))
		return th_fail(err, EINVAL, "elf_header", "not a little-endian ELF64 x86-64 file");
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return th_fail(err, EINVAL, "e_type", "%u is neither an executable nor a shared object",
			       eh->e_type);
	if (eh->e_phnum == 0)
		return th_fail(err, EINVAL, "e_phnum", "no program headers");
	if (eh->e_phentsize != sizeof(Elf64_Phdr))
		return th_fail(err, EINVAL, "e_phentsize", "is %u, expected %zu", eh->e_phentsize,
			       sizeof(Elf64_Phdr));
	if (eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
		return th_fail(err, EINVAL, "e_phoff", "program headers lie past the end of the file");

	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr p;

		memcpy(&p, data + eh->e_phoff + (uint64_t)i * sizeof(p), sizeof(p));
		if (p.p_type != PT_LOAD)
			continue;
		if (nload == TH_ELF_MAX_SEGMENTS)
			return th_fail(err, E2BIG, "e_phnum", "more than %d PT_LOAD segments", TH_ELF_MAX_SEGMENTS);
		if (p.p_flags & ~(uint32_t)(PF_R | PF_W | PF_X))
			return th_fail(err, EINVAL, "p_flags", "segment %u has flags 0x%x beyond R/W/X", i, p.p_flags);
		if (nload == 0 && p.p_flags != (PF_R | PF_W))
			return th_fail(err, EINVAL, "p_flags", "segment %u holds the TCS pages and must be R|W (is 0x%x)",
				       i, p.p_flags);
		if (p.p_filesz > p.p_memsz)
			return th_fail(err, EINVAL, "p_filesz", "segment %u: file size exceeds memory size", i);
		if (p.p_offset > len || p.p_filesz > len - p.p_offset)
			return th_fail(err, EINVAL, "p_offset", "segment %u lies past the end of the file", i);
		if (p.p_memsz == 0)
			return th_fail(err, EINVAL, "p_memsz", "segment %u is empty", i);
		if (p.p_vaddr % SGX_PAGE_SIZE != p.p_offset % SGX_PAGE_SIZE)
			return th_fail(err, EINVAL, "p_vaddr", "segment %u: address and file offset differ within a page", i);
		if (p.p_vaddr > TH_ELF_MAX_SIZE * 4 || p.p_memsz > TH_ELF_MAX_SIZE)
			return th_fail(err, EFBIG, "p_memsz", "segment %u is larger than the 64 GiB limit", i);
		if (nload == 0)
			base = PAGE_DOWN(p.p_vaddr);
		else if (PAGE_DOWN(p.p_vaddr) < end)
			return th_fail(err, EINVAL, "p_vaddr", "segment %u overlaps the page(s) of the segment before it", i);
		end = PAGE_UP(p.p_vaddr + p.p_memsz);
		if (end - base > TH_ELF_MAX_SIZE)
			return th_fail(err, EFBIG, "enclave_size", "image spans more than the 64 GiB limit");
		ph[nload++] = p;
	}
	if (nload < 2)
		return th_fail(err, EINVAL, "e_phnum", "need a TCS segment and at least one code segment, found %zu PT_LOAD", nload);

	heap = opts ? PAGE_UP(opts->heap_size) : 0;
	if (heap > TH_ELF_MAX_SIZE - (end - base))
		return th_fail(err, EFBIG, "heap_size", "image and heap exceed the 64 GiB limit");
	plan->size = th_next_pow2(end - base + heap, 2 * SGX_PAGE_SIZE);
	plan->ssa_frame_size = 1;

	for (size_t i = 0; i < nload; i++) {
		const Elf64_Phdr *p = &ph[i];
		uint64_t pgoff = p->p_vaddr % SGX_PAGE_SIZE;
		uint64_t file_start = p->p_offset - pgoff;
		uint64_t data_len = pgoff + p->p_filesz;
		struct th_plan_run run = {
			.offset = PAGE_DOWN(p->p_vaddr) - base,
			.npages = PAGE_UP(pgoff + p->p_memsz) / SGX_PAGE_SIZE,
			.measure_mask = TH_MEASURE_ALL,
		};

		if (p->p_memsz == p->p_filesz) {
			/* as the selftest: the last page's tail comes from the file */
			data_len = PAGE_UP(data_len);
			if (data_len > len - file_start)
				data_len = len - file_start;
		}
		run.data = p->p_filesz ? data + file_start : NULL;
		run.data_len = p->p_filesz ? data_len : 0;
		if (i == 0) {
			run.secinfo = SGX_SECINFO_TYPE(SGX_PT_TCS);
		} else {
			run.secinfo = SGX_SECINFO_TYPE(SGX_PT_REG);
			if (p->p_flags & PF_R)
				run.secinfo |= SGX_SECINFO_R;
			if (p->p_flags & PF_W)
				run.secinfo |= SGX_SECINFO_W;
			if (p->p_flags & PF_X)
				run.secinfo |= SGX_SECINFO_X;
		}
		ret = th_plan_add_run(plan, &run, err);
		if (ret)
			return ret;
	}
	/* every TCS page must be fully in the file to be checked and loaded as written */
	{
		const struct th_plan_run *tcs = &plan->runs[0];

		if (tcs->data_len < tcs->npages * SGX_PAGE_SIZE)
			return th_fail(err, EINVAL, "tcs", "TCS segment is not whole pages of file data");
		for (uint64_t k = 0; k < tcs->npages; k++) {
			ret = check_tcs(plan, tcs->data + k * SGX_PAGE_SIZE, tcs->offset + k * SGX_PAGE_SIZE, err);
			if (ret)
				return ret;
		}
	}
	if (heap) {
		ret = th_plan_add_run(plan, &(struct th_plan_run){
			.offset = end - base, .npages = heap / SGX_PAGE_SIZE,
			.secinfo = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W,
			.measure_mask = TH_MEASURE_NONE,
		}, err);
	}
	return ret;
}
