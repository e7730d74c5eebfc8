/* SPDX-License-Identifier: MIT */
/*
 * Intel SGX SDK enclaves (.so with .note.sgxmeta): metadata, page plan, re-signing.
 *
 * The plan reproduces, page for page, what the SDK's loader (psw/urts/loader.cpp, CLoader::
 * build_image) adds and what its signer (sign_tool, EnclaveCreatorST) measures:
 *   1. the metadata's patch table is applied to the FILE (dst is a file offset);
 *   2. build_sections(): every PT_LOAD segment in program-header order, page by page, all
 *      measured; a first page that starts mid-page is zero before the segment, the tail of
 *      the last file page and the .bss pages are zero; pages holding text relocations get W;
 *      with metadata 1.3 one extra zero page follows a segment whose page-rounded end falls
 *      short of rounding its size first (the old signer's behaviour the loader keeps);
 *   3. build_contexts(): layout entries in table order, a group repeating the entry_count
 *      entries before it load_times times at load_step intervals; an entry is added only with
 *      PAGE_ATTR_EADD and measured only with PAGE_ATTR_EEXTEND too; a TCS entry takes the
 *      metadata's TCS template with OSSA/OFSBASE/OGSBASE moved by the TCS's own offset; other
 *      entries with content take it from the metadata (always measured) and entries without
 *      content are filled with content_size as a 32-bit pattern (0xCCCCCCCC stacks) or zero;
 *      guard entries (no SECINFO) are holes; POST_ADD entries without EADD are EDMM pages,
 *      kept in the plan as dynamic runs.
 * Segment bytes are referenced in the caller's mapping; only a segment's unaligned first page
 * and the TCS pages are composed (th_plan_alloc).
 */
#include <elf.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgx/sdk.h"
#include "sgx/sdk_metadata.h"
#include "sgx/sigstruct.h"

#define PAGE       ((uint64_t)SGX_PAGE_SIZE)
#define PAGE_MASK  (PAGE - 1)
#define TRIM(x)    ((x) & ~PAGE_MASK)
#define ROUND(x)   (((x) + PAGE_MASK) & ~PAGE_MASK)

/* Upper bounds that keep hostile metadata from costing time or memory. */
#define MAX_ENCLAVE_SIZE   (1ull << 40)
#define MAX_INSTANCES      (1u << 18)   /* layout entries after expanding groups */
#define MAX_RUNS           (1u << 19)   /* page runs in one plan */
#define MAX_SEGMENTS       64

struct segment {
	uint64_t offset, filesz, vaddr, memsz, secinfo;
	uint64_t extent;                /* end of vaddr + memsz rounded up to the alignment */
	unsigned phdr;                  /* program header index, for messages */
};

struct sdk_elf {
	const uint8_t *data;
	size_t len;
	Elf64_Ehdr eh;
	uint64_t meta_off, meta_len;    /* the note's descriptor: the metadata blocks */
	struct segment seg[MAX_SEGMENTS];
	size_t nseg;
	uint64_t dyn_off, dyn_len;      /* PT_DYNAMIC in the file, 0 when absent */
};

static bool range_ok(uint64_t off, uint64_t n, uint64_t len)
{
	return off <= len && n <= len - off;
}

/* ---------------------------------------------------------------------------------------- */
/* ELF: header, the .note.sgxmeta section, PT_LOAD segments                                  */

static int elf_header(struct sdk_elf *e, const uint8_t *data, size_t len, struct th_err *err)
{
	memset(e, 0, sizeof(*e));
	e->data = data;
	e->len = len;
	if (len < sizeof(e->eh))
		return th_fail(err, EINVAL, "elf", "file too short for an ELF header (%zu bytes)", len);
	memcpy(&e->eh, data, sizeof(e->eh));
	if (memcmp(e->eh.e_ident, ELFMAG, SELFMAG))
		return th_fail(err, EINVAL, "elf.e_ident", "not an ELF file");
	if (e->eh.e_ident[EI_CLASS] != ELFCLASS64 || e->eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return th_fail(err, EINVAL, "elf.e_ident", "not a little-endian ELF64 file");
	if (e->eh.e_machine != EM_X86_64)
		return th_fail(err, EINVAL, "elf.e_machine", "%u is not x86-64", e->eh.e_machine);
	if (e->eh.e_phnum && e->eh.e_phentsize != sizeof(Elf64_Phdr))
		return th_fail(err, EINVAL, "elf.e_phentsize", "%u, expected %zu", e->eh.e_phentsize,
			       sizeof(Elf64_Phdr));
	if (!range_ok(e->eh.e_phoff, (uint64_t)e->eh.e_phnum * sizeof(Elf64_Phdr), len))
		return th_fail(err, EINVAL, "elf.e_phoff", "program headers lie past the end of the file");
	if (e->eh.e_shnum && e->eh.e_shentsize != sizeof(Elf64_Shdr))
		return th_fail(err, EINVAL, "elf.e_shentsize", "%u, expected %zu", e->eh.e_shentsize,
			       sizeof(Elf64_Shdr));
	if (!range_ok(e->eh.e_shoff, (uint64_t)e->eh.e_shnum * sizeof(Elf64_Shdr), len))
		return th_fail(err, EINVAL, "elf.e_shoff", "section headers lie past the end of the file");
	return 0;
}

static void elf_shdr(const struct sdk_elf *e, unsigned i, Elf64_Shdr *sh)
{
	memcpy(sh, e->data + e->eh.e_shoff + (uint64_t)i * sizeof(*sh), sizeof(*sh));
}

static void elf_phdr(const struct sdk_elf *e, unsigned i, Elf64_Phdr *ph)
{
	memcpy(ph, e->data + e->eh.e_phoff + (uint64_t)i * sizeof(*ph), sizeof(*ph));
}

/* Locate the metadata blocks: the descriptor of the "sgx_metadata" note in .note.sgxmeta. */
static int elf_find_metadata(struct sdk_elf *e, struct th_err *err)
{
	static const char want[] = TH_SDK_NOTE_SECTION;
	Elf64_Shdr strtab, sh;
	Elf64_Nhdr nh;

	if (e->eh.e_shnum == 0 || e->eh.e_shstrndx >= e->eh.e_shnum)
		return th_fail(err, EINVAL, "elf.e_shstrndx", "no section name table, so no .note.sgxmeta");
	elf_shdr(e, e->eh.e_shstrndx, &strtab);
	if (!range_ok(strtab.sh_offset, strtab.sh_size, e->len))
		return th_fail(err, EINVAL, "elf.shstrtab", "section name table lies past the end of the file");
	for (unsigned i = 0; i < e->eh.e_shnum; i++) {
		elf_shdr(e, i, &sh);
		if (sh.sh_name >= strtab.sh_size || strtab.sh_size - sh.sh_name < sizeof(want) ||
		    memcmp(e->data + strtab.sh_offset + sh.sh_name, want, sizeof(want)))
			continue;
		if (!range_ok(sh.sh_offset, sh.sh_size, e->len))
			return th_fail(err, EINVAL, "elf.note.sgxmeta", "section lies past the end of the file");
		if (sh.sh_size < sizeof(nh))
			return th_fail(err, EINVAL, "elf.note.sgxmeta", "section too small for a note");
		memcpy(&nh, e->data + sh.sh_offset, sizeof(nh));
		if (nh.n_namesz != sizeof(TH_SDK_NOTE_NAME) ||
		    sh.sh_size - sizeof(nh) < nh.n_namesz ||
		    memcmp(e->data + sh.sh_offset + sizeof(nh), TH_SDK_NOTE_NAME, sizeof(TH_SDK_NOTE_NAME)))
			return th_fail(err, EINVAL, "elf.note.sgxmeta", "the note is not named \"%s\"",
				       TH_SDK_NOTE_NAME);
		/* The SDK puts the descriptor right after the name, without the usual padding. */
		if (nh.n_descsz > sh.sh_size - sizeof(nh) - nh.n_namesz)
			return th_fail(err, EINVAL, "elf.note.sgxmeta", "descriptor size %u exceeds the section",
				       nh.n_descsz);
		e->meta_off = sh.sh_offset + sizeof(nh) + nh.n_namesz;
		e->meta_len = nh.n_descsz;
		return 0;
	}
	return th_fail(err, ENOENT, "elf.note.sgxmeta", "no .note.sgxmeta section: not an SGX SDK enclave");
}

static uint64_t pf_to_secinfo(uint32_t pf)
{
	uint64_t s = SGX_SECINFO_TYPE(SGX_PT_REG);

	if (pf & PF_R)
		s |= SGX_SECINFO_R;
	if (pf & PF_W)
		s |= SGX_SECINFO_W;
	if (pf & PF_X)
		s |= SGX_SECINFO_X;
	return s;
}

/* The loader's ElfParser checks: every segment inside the file, loadable segments page
 * aligned, with some permission, and not overlapping (up to their alignment). */
static int elf_segments(struct sdk_elf *e, struct th_err *err)
{
	char field[48];
	Elf64_Phdr ph;

	for (unsigned i = 0; i < e->eh.e_phnum; i++) {
		struct segment *s;
		uint64_t align, end;

		elf_phdr(e, i, &ph);
		snprintf(field, sizeof(field), "elf.segment[%u]", i);
		if (!range_ok(ph.p_offset, ph.p_filesz, e->len))
			return th_fail(err, EINVAL, field, "file bytes [0x%llx, +0x%llx) lie past the end of the file",
				       (unsigned long long)ph.p_offset, (unsigned long long)ph.p_filesz);
		if (ph.p_type == PT_DYNAMIC) {
			e->dyn_off = ph.p_offset;
			e->dyn_len = ph.p_filesz;
		}
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_align % PAGE)
			return th_fail(err, EINVAL, field, "alignment 0x%llx is not a multiple of 4 KiB",
				       (unsigned long long)ph.p_align);
		if (!(ph.p_flags & (PF_R | PF_W | PF_X)))
			return th_fail(err, EINVAL, field, "loadable segment without permissions");
		if (ph.p_filesz > ph.p_memsz)
			return th_fail(err, EINVAL, field, "p_filesz 0x%llx exceeds p_memsz 0x%llx",
				       (unsigned long long)ph.p_filesz, (unsigned long long)ph.p_memsz);
		if (ph.p_vaddr >= MAX_ENCLAVE_SIZE || ph.p_memsz > MAX_ENCLAVE_SIZE)
			return th_fail(err, EINVAL, field, "[0x%llx, +0x%llx) is beyond any enclave size",
				       (unsigned long long)ph.p_vaddr, (unsigned long long)ph.p_memsz);
		if (e->nseg == MAX_SEGMENTS)
			return th_fail(err, EINVAL, field, "more than %d loadable segments", MAX_SEGMENTS);
		align = ph.p_align ? ph.p_align : PAGE;
		end = (ph.p_vaddr + ph.p_memsz + align - 1) & ~(align - 1);
		for (size_t j = 0; j < e->nseg; j++) {
			const struct segment *o = &e->seg[j];
			/* extents rounded up to each segment's alignment (at least a page), as the
			 * loader's validate_segment() does: no two segments share a page */
			if (ph.p_vaddr < o->extent && o->vaddr < end)
				return th_fail(err, EINVAL, field, "overlaps elf.segment[%u] (pages may not be shared)",
					       o->phdr);
		}
		s = &e->seg[e->nseg++];
		s->offset = ph.p_offset;
		s->filesz = ph.p_filesz;
		s->vaddr = ph.p_vaddr;
		s->memsz = ph.p_memsz;
		s->extent = end;
		s->secinfo = pf_to_secinfo(ph.p_flags);
		s->phdr = i;
	}
	if (e->nseg == 0)
		return th_fail(err, EINVAL, "elf.segment", "no loadable segment");
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Text relocations: the loader makes every page a relocation touches writable (W added to   */
/* the SECINFO of initialised pages) when the image has DT_TEXTREL.                          */

struct reloc_pages {
	uint64_t *pages;        /* sorted page numbers */
	size_t n;
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* File offset of the section whose address is ADDR (the loader's get_section_raw_data). */
static bool section_by_addr(const struct sdk_elf *e, uint64_t addr, uint64_t *off)
{
	Elf64_Shdr sh;

	for (unsigned i = 0; i < e->eh.e_shnum; i++) {
		elf_shdr(e, i, &sh);
		if (sh.sh_addr == addr && sh.sh_type != SHT_NULL) {
			*off = sh.sh_offset;
			return true;
		}
	}
	return false;
}

/* Sort and drop duplicates. */
static void reloc_compact(struct reloc_pages *rp)
{
	size_t w = 0;

	if (rp->n == 0)
		return;
	qsort(rp->pages, rp->n, sizeof(*rp->pages), cmp_u64);
	for (size_t i = 0; i < rp->n; i++)
		if (!w || rp->pages[w - 1] != rp->pages[i])
			rp->pages[w++] = rp->pages[i];
	rp->n = w;
}

/* PAGE holds file bytes of a segment without W (where the loader would add W). */
static bool readonly_initialised(const struct sdk_elf *e, uint64_t page)
{
	for (size_t i = 0; i < e->nseg; i++) {
		const struct segment *s = &e->seg[i];

		if (!(s->secinfo & SGX_SECINFO_W) && s->filesz &&
		    page >= s->vaddr / PAGE && page < ROUND(s->vaddr + s->filesz) / PAGE)
			return true;
	}
	return false;
}

static int reloc_collect(const struct sdk_elf *e, struct reloc_pages *rp, struct th_err *err)
{
	uint64_t tag_val[DT_NUM] = { 0 };
	bool seen[DT_NUM] = { false };
	const char *field = "elf.dynamic";
	size_t cap = 0;

	memset(rp, 0, sizeof(*rp));
	for (uint64_t p = 0; p + sizeof(Elf64_Dyn) <= e->dyn_len; p += sizeof(Elf64_Dyn)) {
		Elf64_Dyn d;

		memcpy(&d, e->data + e->dyn_off + p, sizeof(d));
		if (d.d_tag == DT_NULL)
			break;
		if (d.d_tag >= 0 && d.d_tag < DT_NUM) {
			seen[d.d_tag] = true;
			tag_val[d.d_tag] = d.d_un.d_val;
		}
	}
	if (!seen[DT_TEXTREL])
		return 0;
	for (int t = 0; t < 2; t++) {
		int tab = t ? DT_JMPREL : DT_RELA, sz = t ? DT_PLTRELSZ : DT_RELASZ;
		uint64_t off;

		if (!seen[tab])
			continue;
		if (!section_by_addr(e, tag_val[tab], &off) || !range_ok(off, tag_val[sz], e->len))
			return th_fail(err, EINVAL, field, "relocation table at 0x%llx lies outside the file",
				       (unsigned long long)tag_val[tab]);
		for (uint64_t p = 0; p + sizeof(Elf64_Rela) <= tag_val[sz]; p += sizeof(Elf64_Rela)) {
			Elf64_Rela r;

			memcpy(&r, e->data + off + p, sizeof(r));
			if (ELF64_R_TYPE(r.r_info) == R_X86_64_NONE)
				continue;
			if (r.r_offset >= MAX_ENCLAVE_SIZE)
				return th_fail(err, EINVAL, field, "relocation at 0x%llx is outside any enclave",
					       (unsigned long long)r.r_offset);
			for (int k = 0; k < 2; k++) {
				/* a word straddling a page boundary marks both pages */
				if (k && (r.r_offset & PAGE_MASK) <= PAGE - 8)
					break;
				uint64_t page = (r.r_offset >> 12) + (uint64_t)k;

				/* only initialised pages of read-only segments change */
				if (!readonly_initialised(e, page))
					continue;
				if (rp->n == cap && cap)
					reloc_compact(rp);
				if (rp->n == cap) {
					size_t ncap = cap ? cap * 2 : 64;
					uint64_t *np;

					if (ncap > MAX_INSTANCES)
						return th_fail(err, EINVAL, field, "relocations touch too many pages");
					np = realloc(rp->pages, ncap * sizeof(*np));
					if (!np)
						return th_fail(err, ENOMEM, field, "out of memory");
					rp->pages = np;
					cap = ncap;
				}
				rp->pages[rp->n++] = page;
			}
		}
	}
	reloc_compact(rp);
	return 0;
}

static bool reloc_has(const struct reloc_pages *rp, uint64_t page)
{
	return rp->n && bsearch(&page, rp->pages, rp->n, sizeof(*rp->pages), cmp_u64);
}

/* ---------------------------------------------------------------------------------------- */
/* Metadata blocks                                                                           */

struct sdk_meta {
	const uint8_t *base;            /* the block in the input */
	struct th_sdk_metadata_hdr hdr;
};

static int metadata_enumerate(const struct sdk_elf *e, struct th_sdk_info *info, struct th_err *err)
{
	uint64_t pos = 0;

	memset(info, 0, sizeof(*info));
	while (pos + sizeof(uint64_t) <= e->meta_len) {
		struct th_sdk_metadata_hdr h;
		struct th_sdk_metadata_copy *c;
		uint64_t magic;
		char field[32];

		memcpy(&magic, e->data + e->meta_off + pos, sizeof(magic));
		if (magic != TH_SDK_METADATA_MAGIC)
			break;                  /* the loader's scan stops at the first other magic */
		snprintf(field, sizeof(field), "metadata[%zu]", info->ncopies);
		if (info->ncopies == TH_SDK_MAX_METADATA)
			return th_fail(err, EINVAL, field, "more than %d metadata blocks", TH_SDK_MAX_METADATA);
		if (e->meta_len - pos < sizeof(h))
			return th_fail(err, EINVAL, field, "header runs past the end of the note");
		memcpy(&h, e->data + e->meta_off + pos, sizeof(h));
		if (h.size < sizeof(h) || h.size > e->meta_len - pos)
			return th_fail(err, EINVAL, "metadata.size", "%u does not fit the note (%llu bytes left)",
				       h.size, (unsigned long long)(e->meta_len - pos));
		c = &info->copies[info->ncopies++];
		c->version_major = (uint32_t)(h.version >> 32);
		c->version_minor = (uint32_t)h.version;
		c->file_offset = e->meta_off + pos;
		c->sigstruct_offset = c->file_offset + offsetof(struct th_sdk_metadata_hdr, enclave_css);
		c->enclave_size = h.enclave_size;
		c->tcs_policy = h.tcs_policy;
		c->ssa_frame_size = h.ssa_frame_size;
		pos += h.size;
	}
	if (info->ncopies == 0)
		return th_fail(err, EINVAL, "metadata.magic_num", "no metadata block with the SGX SDK magic");
	return 0;
}

/* Versions whose header, tables and loading rules teehost knows: 1.x, 2.x, 3.0 and 3.1 (two
 * directories; SDK 2.24's 3.2 adds ELRANGE and extension directories and loader changes). */
static bool version_supported(uint32_t major, uint32_t minor)
{
	return major == 1 || major == 2 || (major == 3 && minor <= 1);
}

/* The loader's is_metadata_buffer(): inside the block, after the header. */
static bool meta_buffer_ok(const struct sdk_meta *m, uint64_t off, uint64_t size)
{
	return off >= sizeof(m->hdr) && off < m->hdr.size && size <= m->hdr.size - off;
}

/* The loader's is_enclave_buffer(). */
static bool enclave_buffer_ok(const struct sdk_meta *m, uint64_t off, uint64_t size)
{
	return off < m->hdr.enclave_size && size <= m->hdr.enclave_size - off;
}

static int metadata_check(const struct sdk_meta *m, struct th_err *err)
{
	static const char *dir_name[TH_SDK_DIR_NUM] = { "patch", "layout" };
	const struct th_sdk_metadata_hdr *h = &m->hdr;

	if (h->tcs_policy > 1)
		return th_fail(err, EINVAL, "metadata.tcs_policy", "%u is neither bind (0) nor unbind (1)",
			       h->tcs_policy);
	if (h->ssa_frame_size < 1 || h->ssa_frame_size > TH_SDK_SSA_FRAME_MAX)
		return th_fail(err, EINVAL, "metadata.ssa_frame_size", "%u pages, expected 1 to %u",
			       h->ssa_frame_size, TH_SDK_SSA_FRAME_MAX);
	if (h->enclave_size < 2 * PAGE || (h->enclave_size & (h->enclave_size - 1)) ||
	    h->enclave_size > MAX_ENCLAVE_SIZE)
		return th_fail(err, EINVAL, "metadata.enclave_size", "0x%llx is not a power of two between 8 KiB and 1 TiB",
			       (unsigned long long)h->enclave_size);
	for (int i = 0; i < TH_SDK_DIR_NUM; i++) {
		char field[48];

		snprintf(field, sizeof(field), "metadata.dirs[%s]", dir_name[i]);
		if (!meta_buffer_ok(m, h->dirs[i].offset, h->dirs[i].size))
			return th_fail(err, EINVAL, field, "[0x%x, +0x%x) lies outside the metadata block (%u bytes)",
				       h->dirs[i].offset, h->dirs[i].size, h->size);
		if (h->dirs[i].size % 32)
			return th_fail(err, EINVAL, field, "size %u is not a multiple of 32", h->dirs[i].size);
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Layout table                                                                              */

union layout {
	struct th_sdk_layout_entry entry;
	struct th_sdk_layout_group group;
};

struct layout_table {
	union layout *l;
	size_t n;
};

static bool is_group(const union layout *l)
{
	return l->entry.id & TH_SDK_LAYOUT_GROUP_FLAG;
}

struct instance {
	uint64_t rva, size;
	uint32_t idx;
};

static int cmp_instance(const void *a, const void *b)
{
	const struct instance *x = a, *y = b;

	if (x->rva != y->rva)
		return x->rva < y->rva ? -1 : 1;
	return x->size < y->size ? -1 : x->size > y->size;
}

/* The loader's validate_layout_table(), with limits: no group inside a group, groups only
 * repeat entries before them, steps within the enclave, every page aligned, inside the
 * enclave, and no two entries (guards included) overlapping. */
static int layout_check(const struct sdk_meta *m, const struct layout_table *t, struct th_err *err)
{
	struct instance *inst = NULL;
	size_t n = 0, cap = 0;
	char field[64];
	int ret = 0;

	for (size_t i = 0; i < t->n; i++) {
		const union layout *l = &t->l[i];
		uint64_t reps = 1, step = 0;

		if (!is_group(l)) {
			const struct th_sdk_layout_entry *en = &l->entry;

			if (en->content_offset && !meta_buffer_ok(m, en->content_offset, en->content_size)) {
				snprintf(field, sizeof(field), "metadata.layout[%zu].content_offset", i);
				ret = th_fail(err, EINVAL, field, "[0x%x, +0x%x) lies outside the metadata block",
					      en->content_offset, en->content_size);
				goto out;
			}
		} else {
			if (l->group.entry_count > i) {
				snprintf(field, sizeof(field), "metadata.layout[%zu].entry_count", i);
				ret = th_fail(err, EINVAL, field, "%u, but only %zu entries precede the group",
					      l->group.entry_count, i);
				goto out;
			}
			for (size_t k = i - l->group.entry_count; k < i; k++) {
				if (is_group(&t->l[k])) {
					snprintf(field, sizeof(field), "metadata.layout[%zu].entry_count", i);
					ret = th_fail(err, EINVAL, field, "the group repeats the group at layout[%zu]", k);
					goto out;
				}
			}
			if (l->group.load_times && l->group.load_step > m->hdr.enclave_size / l->group.load_times) {
				snprintf(field, sizeof(field), "metadata.layout[%zu].load_step", i);
				ret = th_fail(err, EINVAL, field, "%u steps of 0x%llx reach past the enclave size",
					      l->group.load_times, (unsigned long long)l->group.load_step);
				goto out;
			}
			reps = l->group.entry_count ? l->group.load_times : 0;
			if (reps * l->group.entry_count > MAX_INSTANCES - n) {
				snprintf(field, sizeof(field), "metadata.layout[%zu].load_times", i);
				ret = th_fail(err, EINVAL, field, "%u repetitions of %u entries is too many",
					      l->group.load_times, l->group.entry_count);
				goto out;
			}
		}
		for (uint64_t r = 0; r < reps; r++) {
			size_t first = is_group(l) ? i - l->group.entry_count : i;
			size_t last = is_group(l) ? i : i + 1;

			if (is_group(l))
				step += l->group.load_step;
			for (size_t k = first; k < last; k++) {
				const struct th_sdk_layout_entry *en = &t->l[k].entry;

				if (n == cap) {
					size_t ncap = cap ? cap * 2 : 64;
					struct instance *ni;

					if (ncap > MAX_INSTANCES)
						ncap = MAX_INSTANCES;
					if (n == ncap) {
						ret = th_fail(err, EINVAL, "metadata.layout", "more than %u entries after expanding groups",
							      MAX_INSTANCES);
						goto out;
					}
					ni = realloc(inst, ncap * sizeof(*ni));
					if (!ni) {
						ret = th_fail(err, ENOMEM, "metadata.layout", "out of memory");
						goto out;
					}
					inst = ni;
					cap = ncap;
				}
				inst[n].rva = en->rva + step;   /* both < 2^41: no overflow */
				inst[n].size = (uint64_t)en->page_count * PAGE;
				inst[n].idx = (uint32_t)k;
				if (en->rva > MAX_ENCLAVE_SIZE) {
					snprintf(field, sizeof(field), "metadata.layout[%zu].rva", k);
					ret = th_fail(err, EINVAL, field, "0x%llx lies outside the enclave",
						      (unsigned long long)en->rva);
					goto out;
				}
				n++;
			}
		}
	}
	qsort(inst, n, sizeof(*inst), cmp_instance);
	for (size_t i = 0; i < n; i++) {
		snprintf(field, sizeof(field), "metadata.layout[%u]", inst[i].idx);
		if (inst[i].rva & PAGE_MASK) {
			ret = th_fail(err, EINVAL, field, "rva 0x%llx is not page aligned",
				      (unsigned long long)inst[i].rva);
			goto out;
		}
		if (!enclave_buffer_ok(m, inst[i].rva, inst[i].size)) {
			ret = th_fail(err, EINVAL, field, "pages [0x%llx, +0x%llx) lie outside the enclave size 0x%llx",
				      (unsigned long long)inst[i].rva, (unsigned long long)inst[i].size,
				      (unsigned long long)m->hdr.enclave_size);
			goto out;
		}
		if (i + 1 < n && inst[i].rva + inst[i].size > inst[i + 1].rva) {
			ret = th_fail(err, EINVAL, field, "pages at 0x%llx overlap metadata.layout[%u] at 0x%llx",
				      (unsigned long long)inst[i].rva, inst[i + 1].idx,
				      (unsigned long long)inst[i + 1].rva);
			goto out;
		}
	}
out:
	free(inst);
	return ret;
}

/* ---------------------------------------------------------------------------------------- */
/* Plan building                                                                             */

struct builder {
	const struct sdk_elf *elf;
	const struct sdk_meta *meta;
	struct th_plan *plan;
	struct reloc_pages reloc;
	struct th_err *err;
};

static int add_run(struct builder *b, uint64_t offset, uint64_t npages, uint64_t secinfo,
		   const uint8_t *data, uint64_t data_len, uint32_t fill, bool measure, bool dynamic)
{
	struct th_plan_run run = {
		.offset = offset, .npages = npages, .secinfo = secinfo, .data = data,
		.data_len = data_len, .fill = fill,
		.measure_mask = measure && !dynamic ? TH_MEASURE_ALL : TH_MEASURE_NONE,
		.dynamic = dynamic,
	};

	if (offset >= b->meta->hdr.enclave_size || npages > (b->meta->hdr.enclave_size - offset) / PAGE)
		return th_fail(b->err, EINVAL, "layout", "pages [0x%llx, +%llu pages) lie outside the enclave size 0x%llx",
			       (unsigned long long)offset, (unsigned long long)npages,
			       (unsigned long long)b->meta->hdr.enclave_size);
	if (b->plan->nruns >= MAX_RUNS)
		return th_fail(b->err, EINVAL, "layout", "more than %u page runs", MAX_RUNS);
	return th_plan_add_run(b->plan, &run, b->err);
}

/*
 * One segment, as build_mem_region() adds it: the initialised pages one by one (a page with
 * a text relocation gets W), then the remaining .bss pages. Consecutive pages with the same
 * SECINFO become one run whose data points into the file.
 */
static int build_segment(struct builder *b, const struct segment *s)
{
	const uint8_t *src = b->elf->data + s->offset;
	uint64_t lead = s->vaddr & PAGE_MASK, pos = 0, first = TRIM(s->vaddr);
	uint64_t end = ROUND(s->vaddr + s->memsz), data_pages;
	int ret;

	if (s->memsz == 0)
		return 0;
	/* pages covering file bytes (at least the first, mid-page start) */
	data_pages = s->filesz ? (ROUND(s->vaddr + s->filesz) - first) / PAGE : 0;

	if (lead && s->filesz) {
		/* the first page: zero before the segment; composed once */
		uint8_t *pg = th_plan_alloc(b->plan, PAGE);
		uint64_t n = s->filesz < PAGE - lead ? s->filesz : PAGE - lead;
		uint64_t sec = s->secinfo;

		if (!pg)
			return th_fail(b->err, ENOMEM, "layout", "out of memory");
		memcpy(pg + lead, src, n);
		if (reloc_has(&b->reloc, first / PAGE))
			sec |= SGX_SECINFO_W;
		if ((ret = add_run(b, first, 1, sec, pg, PAGE, 0, true, false)) < 0)
			return ret;
		pos = n;
		first += PAGE;
		data_pages--;
	}
	/* page-aligned from here: file bytes src[pos..filesz) start at FIRST */
	while (data_pages) {
		uint64_t sec = s->secinfo, k = 1;
		bool w = reloc_has(&b->reloc, first / PAGE);

		if (w)
			sec |= SGX_SECINFO_W;
		while (k < data_pages && reloc_has(&b->reloc, first / PAGE + k) == w)
			k++;
		if (w || k < data_pages) {
			/* only initialised pages in this run */
			uint64_t have = s->filesz - pos < k * PAGE ? s->filesz - pos : k * PAGE;

			if ((ret = add_run(b, first, k, sec, src + pos, have, 0, true, false)) < 0)
				return ret;
			pos += have;
			first += k * PAGE;
			data_pages -= k;
			continue;
		}
		/* the last run of initialised pages carries the .bss pages along (same SECINFO) */
		if ((ret = add_run(b, first, (end - first) / PAGE, sec, src + pos, s->filesz - pos, 0,
				   true, false)) < 0)
			return ret;
		return 0;
	}
	if (end > first)
		return add_run(b, first, (end - first) / PAGE, s->secinfo, NULL, 0, 0, true, false);
	return 0;
}

/* Metadata 1.3: the loader adds one zero page after the highest segment so far when rounding
 * its end up falls a page short of rounding its size first (what SDK 1.5's signer measured). */
static bool v13_extra_page(const struct segment *last, uint64_t *rva)
{
	uint64_t a = ROUND(last->vaddr + last->memsz), b2 = ROUND(ROUND(last->memsz) + last->vaddr);

	*rva = a;
	return a < b2;
}

static int build_sections(struct builder *b)
{
	const struct segment *last = NULL;
	bool v13 = b->meta->hdr.version == TH_SDK_VERSION_1_3;
	uint64_t max_rva = 0, rva;
	int ret;

	for (size_t i = 0; i < b->elf->nseg; i++) {
		const struct segment *s = &b->elf->seg[i];

		if (v13 && last && v13_extra_page(last, &rva) && rva < TRIM(s->vaddr))
			if ((ret = add_run(b, rva, 1, last->secinfo, NULL, 0, 0, true, false)) < 0)
				return ret;
		if (s->vaddr > max_rva) {
			max_rva = s->vaddr;
			last = s;
		}
		if ((ret = build_segment(b, s)) < 0)
			return ret;
	}
	if (v13 && last && v13_extra_page(last, &rva))
		if ((ret = add_run(b, rva, 1, last->secinfo, NULL, 0, 0, true, false)) < 0)
			return ret;
	return 0;
}

/* build_context() for one layout entry at DELTA. */
static int build_entry(struct builder *b, size_t idx, const struct th_sdk_layout_entry *en, uint64_t delta)
{
	uint64_t rva = delta + en->rva;
	bool measure = (en->attributes & TH_SDK_PAGE_ATTR_EEXTEND) != 0;
	unsigned type = th_secinfo_type(en->si_flags);
	char field[48];
	int ret;

	if (en->page_count == 0)
		return 0;
	snprintf(field, sizeof(field), "metadata.layout[%zu].si_flags", idx);
	if (!(en->attributes & TH_SDK_PAGE_ATTR_EADD)) {
		/* EDMM: added after EINIT with EAUG, never measured */
		if ((en->attributes & TH_SDK_PAGE_ATTR_POST_ADD) && en->si_flags &&
		    (type == SGX_PT_REG || type == SGX_PT_TCS))
			return add_run(b, rva, en->page_count, en->si_flags & TH_SDK_SI_FLAGS_EXTERNAL,
				       NULL, 0, 0, false, true);
		return 0;
	}
	if (!en->content_offset && en->si_flags == 0)
		return 0;                       /* a guard: nothing added */
	if ((en->si_flags & ~TH_SDK_SI_FLAGS_EXTERNAL) || (type != SGX_PT_REG && type != SGX_PT_TCS))
		return th_fail(b->err, EINVAL, field, "0x%llx cannot be added (page type %u)",
			       (unsigned long long)en->si_flags, type);

	if (en->content_offset && en->si_flags == TH_SDK_SI_FLAGS_TCS) {
		/* every page of the entry gets the template with its offsets moved by RVA */
		uint32_t len = en->content_size > TH_SDK_TCS_TEMPLATE_SIZE ? en->content_size
									     : TH_SDK_TCS_TEMPLATE_SIZE;
		uint8_t *tcs;

		if (en->content_size > PAGE) {
			snprintf(field, sizeof(field), "metadata.layout[%zu].content_size", idx);
			return th_fail(b->err, EINVAL, field, "TCS template of %u bytes exceeds a page",
				       en->content_size);
		}
		static const size_t moved[] = { offsetof(struct sgx_tcs, ossa),
						offsetof(struct sgx_tcs, ofsbase),
						offsetof(struct sgx_tcs, ogsbase) };

		tcs = th_plan_alloc(b->plan, len);      /* the rest of the page is zero fill */
		if (!tcs)
			return th_fail(b->err, ENOMEM, "layout", "out of memory");
		memcpy(tcs, b->meta->base + en->content_offset, en->content_size);
		for (size_t f = 0; f < sizeof(moved) / sizeof(moved[0]); f++) {
			uint64_t v;

			memcpy(&v, tcs + moved[f], sizeof(v));
			v += rva;
			memcpy(tcs + moved[f], &v, sizeof(v));
		}
		for (uint32_t p = 0; p < en->page_count; p++)
			if ((ret = add_run(b, rva + p * PAGE, 1, en->si_flags, tcs, len, 0,
					   measure, false)) < 0)
				return ret;
		return 0;
	}
	if (en->content_offset) {
		/* build_mem_region() from the metadata: always measured, zero after the content */
		if (en->content_size > (uint64_t)en->page_count * PAGE) {
			snprintf(field, sizeof(field), "metadata.layout[%zu].content_size", idx);
			return th_fail(b->err, EINVAL, field, "%u bytes exceed the entry's %u pages",
				       en->content_size, en->page_count);
		}
		return add_run(b, rva, en->page_count, en->si_flags, b->meta->base + en->content_offset,
			       en->content_size, 0, true, false);
	}
	/* no content: content_size is the fill pattern (0xCCCCCCCC for stacks) */
	return add_run(b, rva, en->page_count, en->si_flags, NULL, 0, en->content_size, measure, false);
}

static int build_contexts(struct builder *b, const struct layout_table *t)
{
	int ret;

	for (size_t i = 0; i < t->n; i++) {
		const union layout *l = &t->l[i];
		uint64_t step = 0;

		if (!is_group(l)) {
			if ((ret = build_entry(b, i, &l->entry, 0)) < 0)
				return ret;
			continue;
		}
		for (uint32_t r = 0; l->group.entry_count && r < l->group.load_times; r++) {
			step += l->group.load_step;
			for (size_t k = i - l->group.entry_count; k < i; k++)
				if ((ret = build_entry(b, k, &t->l[k].entry, step)) < 0)
					return ret;
		}
	}
	return 0;
}

/* Patch entries write the FILE; every segment whose file bytes they touch sees them. */
static int build_patches(struct builder *b)
{
	const struct sdk_meta *m = b->meta;
	const struct th_sdk_dir *d = &m->hdr.dirs[TH_SDK_DIR_PATCH];
	char field[48];
	int ret;

	for (uint32_t i = 0; i < d->size / sizeof(struct th_sdk_patch_entry); i++) {
		struct th_sdk_patch_entry p;

		memcpy(&p, m->base + d->offset + i * sizeof(p), sizeof(p));
		snprintf(field, sizeof(field), "metadata.patch[%u]", i);
		if (!meta_buffer_ok(m, p.src, p.size))
			return th_fail(b->err, EINVAL, field, "source [0x%x, +0x%x) lies outside the metadata block",
				       p.src, p.size);
		if (!enclave_buffer_ok(m, p.dst, p.size) || !range_ok(p.dst, p.size, b->elf->len))
			return th_fail(b->err, EINVAL, field, "destination [0x%llx, +0x%x) lies outside the file or enclave",
				       (unsigned long long)p.dst, p.size);
		for (size_t s = 0; s < b->elf->nseg; s++) {
			const struct segment *sg = &b->elf->seg[s];
			uint64_t a = p.dst > sg->offset ? p.dst : sg->offset;
			uint64_t z = p.dst + p.size < sg->offset + sg->filesz ? p.dst + p.size
									    : sg->offset + sg->filesz;

			if (a >= z)
				continue;
			ret = th_plan_add_patch(b->plan, sg->vaddr + (a - sg->offset), m->base + p.src + (a - p.dst),
						(uint32_t)(z - a), b->err);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Public entry points                                                                       */

bool th_sdk_detect(const uint8_t *data, size_t len)
{
	struct sdk_elf *e = malloc(sizeof(*e));
	uint64_t magic;
	bool ok = false;

	if (!e)
		return false;
	if (elf_header(e, data, len, NULL) == 0 && elf_find_metadata(e, NULL) == 0 &&
	    e->meta_len >= sizeof(magic)) {
		memcpy(&magic, data + e->meta_off, sizeof(magic));
		ok = magic == TH_SDK_METADATA_MAGIC;
	}
	free(e);
	return ok;
}

static int sdk_open(const uint8_t *data, size_t len, struct sdk_elf *e, struct th_sdk_info *info,
		    struct th_err *err)
{
	int ret;

	if ((ret = elf_header(e, data, len, err)) < 0)
		return ret;
	if ((ret = elf_find_metadata(e, err)) < 0)
		return ret;
	return metadata_enumerate(e, info, err);
}

int th_sdk_plan_build(const uint8_t *data, size_t len, struct th_plan *plan,
		      struct th_sdk_info *info, struct th_err *err)
{
	return th_sdk_plan_build_copy(data, len, SIZE_MAX, plan, info, err);
}

int th_sdk_plan_build_copy(const uint8_t *data, size_t len, size_t copy, struct th_plan *plan,
			   struct th_sdk_info *info, struct th_err *err)
{
	struct sdk_elf *e = NULL;
	struct th_sdk_info local_info;
	struct sdk_meta m;
	struct layout_table t = { 0 };
	struct builder b = { 0 };
	size_t best = SIZE_MAX;
	int ret;

	th_plan_init(plan, TH_FORMAT_SDK);
	if (!info)
		info = &local_info;
	e = malloc(sizeof(*e));
	if (!e)
		return th_fail(err, ENOMEM, "elf", "out of memory");
	if ((ret = sdk_open(data, len, e, info, err)) < 0)
		goto out;

	/* The newest version teehost understands, as the loader picks the newest it supports. */
	for (size_t i = 0; i < info->ncopies; i++) {
		const struct th_sdk_metadata_copy *c = &info->copies[i];

		if (!version_supported(c->version_major, c->version_minor))
			continue;
		if (best == SIZE_MAX ||
		    TH_SDK_VERSION(c->version_major, c->version_minor) >
		    TH_SDK_VERSION(info->copies[best].version_major, info->copies[best].version_minor))
			best = i;
	}
	if (copy != SIZE_MAX) {
		if (copy >= info->ncopies) {
			ret = th_fail(err, EINVAL, "metadata", "no metadata block %zu (the file has %zu)",
				      copy, info->ncopies);
			goto out;
		}
		if (!version_supported(info->copies[copy].version_major, info->copies[copy].version_minor)) {
			ret = th_fail(err, ENOTSUP, "metadata.version", "%u.%u is not supported",
				      info->copies[copy].version_major, info->copies[copy].version_minor);
			goto out;
		}
		best = copy;
	}
	if (best == SIZE_MAX) {
		ret = th_fail(err, ENOTSUP, "metadata.version", "no supported metadata version (first: %u.%u)",
			      info->copies[0].version_major, info->copies[0].version_minor);
		goto out;
	}
	info->used = best;
	m.base = data + info->copies[best].file_offset;
	memcpy(&m.hdr, m.base, sizeof(m.hdr));
	info->sigstruct = (const struct sgx_sigstruct *)(data + info->copies[best].sigstruct_offset);
	info->attributes = m.hdr.attributes;
	info->miscselect = m.hdr.desired_misc_select;
	if ((ret = metadata_check(&m, err)) < 0)
		goto out;

	t.n = m.hdr.dirs[TH_SDK_DIR_LAYOUT].size / sizeof(union layout);
	t.l = malloc(t.n ? t.n * sizeof(union layout) : 1);
	if (!t.l) {
		ret = th_fail(err, ENOMEM, "metadata.layout", "out of memory");
		goto out;
	}
	memcpy(t.l, m.base + m.hdr.dirs[TH_SDK_DIR_LAYOUT].offset, t.n * sizeof(union layout));
	if ((ret = layout_check(&m, &t, err)) < 0)
		goto out;
	if ((ret = elf_segments(e, err)) < 0)
		goto out;

	b.elf = e;
	b.meta = &m;
	b.plan = plan;
	b.err = err;
	if ((ret = reloc_collect(e, &b.reloc, err)) < 0)
		goto out;

	plan->size = m.hdr.enclave_size;
	plan->ssa_frame_size = m.hdr.ssa_frame_size;
	plan->miscselect = m.hdr.desired_misc_select;
	plan->attributes = m.hdr.attributes;
	plan->sigstruct = info->sigstruct;

	if ((ret = build_patches(&b)) < 0)
		goto out;
	if ((ret = build_sections(&b)) < 0)
		goto out;
	if ((ret = build_contexts(&b, &t)) < 0)
		goto out;
	ret = th_plan_finalize(plan, err);
out:
	free(b.reloc.pages);
	free(t.l);
	free(e);
	if (ret < 0)
		th_plan_free(plan);
	return ret;
}

int th_sdk_resign(const uint8_t *data, size_t len, const struct th_sdk_info *info,
		  const struct th_sign_params *params, struct evp_pkey_st *key,
		  uint8_t **out, size_t *out_len, struct th_err *err)
{
	struct th_sdk_info local_info;
	uint8_t *buf;
	int ret;

	*out = NULL;
	*out_len = 0;
	if (!info) {
		struct sdk_elf *e = malloc(sizeof(*e));

		if (!e)
			return th_fail(err, ENOMEM, "elf", "out of memory");
		ret = sdk_open(data, len, e, &local_info, err);
		free(e);
		if (ret < 0)
			return ret;
		info = &local_info;
	}
	if ((ret = th_rsa_key_check(key, err)) < 0)
		return ret;
	if (info->ncopies == 0 || info->ncopies > TH_SDK_MAX_METADATA)
		return th_fail(err, EINVAL, "metadata", "no metadata block to sign");
	buf = malloc(len ? len : 1);
	if (!buf)
		return th_fail(err, ENOMEM, "resign", "out of memory");
	memcpy(buf, data, len);
	for (size_t i = 0; i < info->ncopies; i++) {
		uint64_t off = info->copies[i].sigstruct_offset;
		struct sgx_sigstruct ss;

		if (!range_ok(off, sizeof(ss), len)) {
			free(buf);
			return th_fail(err, EINVAL, "metadata.enclave_css", "copy %zu lies past the end of the file", i);
		}
		memcpy(&ss, buf + off, sizeof(ss));
		if (!th_sigstruct_has_headers(&ss)) {
			/* metadata never signed (zeros): give it the architectural headers */
			uint32_t vendor = ss.vendor;

			th_sigstruct_init(&ss, false);
			ss.vendor = vendor;
		}
		if (params)
			th_sign_params_apply(&ss, params);
		if ((ret = th_sigstruct_sign(&ss, key, err)) < 0) {
			free(buf);
			return ret;
		}
		memcpy(buf + off, &ss, sizeof(ss));
	}
	*out = buf;
	*out_len = len;
	return 0;
}
