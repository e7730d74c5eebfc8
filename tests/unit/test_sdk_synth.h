/* SPDX-License-Identifier: MIT */
/*
 * A small synthetic SGX SDK enclave .so, built from scratch: two PT_LOAD segments (the second
 * starting mid-page, with .bss), a .note.sgxmeta note holding one metadata block with a layout
 * table (unmeasured heap, EDMM heap, guard, 0xCCCCCCCC stack, TCS from a template, SSA, thread
 * data with content, a group repeating the thread context twice, a dynamic TCS) and three
 * patches (two inside segments, one in a file gap). Used by test_sdk.c for an independent
 * MRENCLAVE and, with SDK_WRITE_CORPUS=DIR, to write fuzz/corpus/sdk/.
 */
#ifndef TEEHOST_TESTS_SDK_SYNTH_H
#define TEEHOST_TESTS_SDK_SYNTH_H

#include <elf.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sgx/sdk_metadata.h"
#include "synth.h"

#define SYN_FILE_SIZE     0x3000u
#define SYN_ENCLAVE_SIZE  0x20000u
#define SYN_SEG0_FILESZ   0x1800u
#define SYN_SEG1_OFFSET   0x2100u
#define SYN_SEG1_VADDR    0x3100u
#define SYN_SEG1_FILESZ   0x300u
#define SYN_SEG1_MEMSZ    0x1f00u   /* ends exactly at 0x5000: metadata 1.3 adds a page there */
#define SYN_NOTE_OFFSET   0x2400u
#define SYN_META_OFFSET   (SYN_NOTE_OFFSET + 12 + 13)
#define SYN_NLAYOUT       9
#define SYN_NPATCH        3
#define SYN_TD_CONTENT    40u

/* offsets inside the metadata block */
#define SYN_M_LAYOUT   (sizeof(struct th_sdk_metadata_hdr))
#define SYN_M_PATCH    (SYN_M_LAYOUT + SYN_NLAYOUT * 32)
#define SYN_M_TCS      (SYN_M_PATCH + SYN_NPATCH * 32)
#define SYN_M_PDATA    (SYN_M_TCS + TH_SDK_TCS_TEMPLATE_SIZE)  /* 8 + 4 + 4 bytes of patch data */
#define SYN_M_TD       (SYN_M_PDATA + 16)
#define SYN_M_SIZE     (SYN_M_TD + SYN_TD_CONTENT)

static inline void syn_layout(uint8_t *m, unsigned i, uint16_t id, uint16_t attr, uint32_t pages,
			      uint64_t rva, uint32_t csize, uint32_t coff, uint64_t si)
{
	struct th_sdk_layout_entry e = { id, attr, pages, rva, csize, coff, si };

	memcpy(m + SYN_M_LAYOUT + i * 32, &e, sizeof(e));
}

/*
 * Fill BUF (SYN_FILE_SIZE bytes) with the enclave; VERSION is the metadata version. With
 * TEXTREL, the file also has a PT_DYNAMIC with DT_TEXTREL and one relocation whose word
 * straddles the first two pages of the read-only segment 0 (file gap 0x1900-0x1a18).
 */
static inline void syn_build_ex(uint8_t *buf, uint64_t version, bool textrel)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph[3] = { { 0 } };
	Elf64_Shdr sh[4] = { { 0 } };
	Elf64_Nhdr nh = { 13, SYN_M_SIZE, 1 };
	struct th_sdk_metadata_hdr h = { 0 };
	struct sgx_tcs tcs = { 0 };
	struct th_sdk_layout_group g = { 0 };
	struct th_sdk_patch_entry p;
	static const char shstr[] = "\0.note.sgxmeta\0.shstrtab\0.rela.dyn";
	uint32_t shstr_off, sh_off;
	uint8_t *m = buf + SYN_META_OFFSET;
	const uint64_t RW = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W;

	memset(buf, 0, SYN_FILE_SIZE);
	for (uint32_t i = 0x100; i < SYN_SEG0_FILESZ; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	for (uint32_t i = 0; i < SYN_SEG1_FILESZ; i++)
		buf[SYN_SEG1_OFFSET + i] = (uint8_t)(i * 13 + 5);
	for (uint32_t i = 0x1800; i < SYN_SEG1_OFFSET; i++)
		buf[i] = 0xee;          /* file bytes no segment loads */

	synth_ehdr(&eh, ET_DYN, 0, textrel ? 3 : 2);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = textrel ? 4 : 3;
	eh.e_shstrndx = 2;

	ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, 0, 0, 0, SYN_SEG0_FILESZ, SYN_SEG0_FILESZ, 0x1000 };
	ph[1] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, SYN_SEG1_OFFSET, SYN_SEG1_VADDR, SYN_SEG1_VADDR,
			      SYN_SEG1_FILESZ, SYN_SEG1_MEMSZ, 0x1000 };

	/* the note and its metadata block */
	memcpy(buf + SYN_NOTE_OFFSET, &nh, sizeof(nh));
	memcpy(buf + SYN_NOTE_OFFSET + 12, TH_SDK_NOTE_NAME, 13);
	h.magic = TH_SDK_METADATA_MAGIC;
	h.version = version;
	h.size = SYN_M_SIZE;
	h.tcs_policy = 1;
	h.ssa_frame_size = 1;
	h.max_save_buffer_size = 2632;
	h.enclave_size = SYN_ENCLAVE_SIZE;
	h.attributes.flags = SGX_ATTR_MODE64BIT;
	h.attributes.xfrm = 3;
	{
		static const uint8_t h1[16] = SGX_SIGSTRUCT_HEADER1, h2[16] = SGX_SIGSTRUCT_HEADER2;

		memcpy(h.enclave_css.header1, h1, 16);
		memcpy(h.enclave_css.header2, h2, 16);
		h.enclave_css.exponent = 3;
		h.enclave_css.date = 0x20261125;
		h.enclave_css.isv_prod_id = 7;
		h.enclave_css.attributes = h.attributes;
		memset(&h.enclave_css.attribute_mask, 0xff, sizeof(h.enclave_css.attribute_mask));
	}
	h.dirs[TH_SDK_DIR_PATCH] = (struct th_sdk_dir){ SYN_M_PATCH, SYN_NPATCH * 32 };
	h.dirs[TH_SDK_DIR_LAYOUT] = (struct th_sdk_dir){ SYN_M_LAYOUT, SYN_NLAYOUT * 32 };
	memcpy(m, &h, sizeof(h));

	syn_layout(m, 0, 1, TH_SDK_PAGE_ATTR_EADD, 2, 0x6000, 0, 0, RW);            /* heap min */
	syn_layout(m, 1, 3, TH_SDK_PAGE_ATTR_POST_ADD, 2, 0x8000, 0, 0, RW);        /* heap max: EDMM */
	syn_layout(m, 2, TH_SDK_LAYOUT_ID_GUARD, 0, 1, 0xa000, 0, 0, 0);
	syn_layout(m, 3, 8, TH_SDK_PAGE_ATTR_EADD | TH_SDK_PAGE_ATTR_EEXTEND, 1, 0xb000,
		   0xcccccccc, 0, RW);                                                 /* stack */
	syn_layout(m, 4, TH_SDK_LAYOUT_ID_TCS, TH_SDK_PAGE_ATTR_EADD | TH_SDK_PAGE_ATTR_EEXTEND, 1,
		   0xc000, TH_SDK_TCS_TEMPLATE_SIZE, SYN_M_TCS, TH_SDK_SI_FLAGS_TCS);
	syn_layout(m, 5, 6, TH_SDK_PAGE_ATTR_EADD | TH_SDK_PAGE_ATTR_EEXTEND, 2, 0xd000, 0, 0, RW);
	syn_layout(m, 6, 5, TH_SDK_PAGE_ATTR_EADD | TH_SDK_PAGE_ATTR_EEXTEND, 1, 0xf000,
		   SYN_TD_CONTENT, SYN_M_TD, RW);                                      /* thread data */
	g.id = 0x1009;
	g.entry_count = 5;
	g.load_times = 2;
	g.load_step = 0x6000;
	memcpy(m + SYN_M_LAYOUT + 7 * 32, &g, sizeof(g));
	syn_layout(m, 8, TH_SDK_LAYOUT_ID_TCS_DYN, TH_SDK_PAGE_ATTR_POST_ADD | TH_SDK_PAGE_ATTR_DYN_THREAD,
		   1, 0x1c000, TH_SDK_TCS_TEMPLATE_SIZE, SYN_M_TCS, TH_SDK_SI_FLAGS_TCS);

	/* patches: FILE offsets 0x100 (segment 0), 0x2180 (segment 1), 0x2050 (not loaded) */
	memset(&p, 0, sizeof(p));
	p.dst = 0x100; p.src = SYN_M_PDATA; p.size = 8;
	memcpy(m + SYN_M_PATCH, &p, sizeof(p));
	p.dst = 0x2180; p.src = SYN_M_PDATA + 8; p.size = 4;
	memcpy(m + SYN_M_PATCH + 32, &p, sizeof(p));
	p.dst = 0x2050; p.src = SYN_M_PDATA + 12; p.size = 4;
	memcpy(m + SYN_M_PATCH + 64, &p, sizeof(p));
	memcpy(m + SYN_M_PDATA, "PATCHED!ABCDWXYZ", 16);

	tcs.ossa = 0x1000;
	tcs.nssa = 2;
	tcs.oentry = 0x40;
	tcs.ofsbase = 0x3000;
	tcs.ogsbase = 0x3000;
	tcs.fslimit = 0xfff;
	tcs.gslimit = 0xfff;
	memcpy(m + SYN_M_TCS, &tcs, TH_SDK_TCS_TEMPLATE_SIZE);
	for (uint32_t i = 0; i < SYN_TD_CONTENT; i++)
		m[SYN_M_TD + i] = (uint8_t)(0xa0 + i);

	/* section names and headers after the note */
	shstr_off = SYN_META_OFFSET + SYN_M_SIZE;
	memcpy(buf + shstr_off, shstr, sizeof(shstr));
	sh_off = (shstr_off + sizeof(shstr) + 7) & ~7u;
	sh[1].sh_name = 1;
	sh[1].sh_type = SHT_NOTE;
	sh[1].sh_offset = SYN_NOTE_OFFSET;
	sh[1].sh_size = 12 + 13 + SYN_M_SIZE;
	sh[1].sh_addralign = 1;
	sh[2].sh_name = 15;
	sh[2].sh_type = SHT_STRTAB;
	sh[2].sh_offset = shstr_off;
	sh[2].sh_size = sizeof(shstr);
	sh[2].sh_addralign = 1;
	if (textrel) {
		Elf64_Dyn dyn[4] = { { DT_RELA, { 0x5a00 } }, { DT_RELASZ, { sizeof(Elf64_Rela) } },
				     { DT_TEXTREL, { 0 } }, { DT_NULL, { 0 } } };
		Elf64_Rela rela = { 0xffc, ELF64_R_INFO(0, R_X86_64_RELATIVE), 0 };

		ph[2] = (Elf64_Phdr){ PT_DYNAMIC, PF_R, 0x1900, 0, 0, sizeof(dyn), sizeof(dyn), 8 };
		memcpy(buf + 0x1900, dyn, sizeof(dyn));
		memcpy(buf + 0x1a00, &rela, sizeof(rela));
		sh[3].sh_name = 25;
		sh[3].sh_type = SHT_RELA;
		sh[3].sh_addr = 0x5a00;
		sh[3].sh_offset = 0x1a00;
		sh[3].sh_size = sizeof(rela);
		sh[3].sh_entsize = sizeof(rela);
	}
	eh.e_shoff = sh_off;
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + sizeof(eh), ph, eh.e_phnum * sizeof(Elf64_Phdr));
	memcpy(buf + sh_off, sh, eh.e_shnum * sizeof(Elf64_Shdr));
}

static inline void syn_build(uint8_t *buf, uint64_t version)
{
	syn_build_ex(buf, version, false);
}

#endif
