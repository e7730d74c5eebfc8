/* SPDX-License-Identifier: MIT */
/* Synthetic enclave inputs for tests: selftest-style ELFs and SGXS streams, built in memory. */
#ifndef TEEHOST_TESTS_SYNTH_H
#define TEEHOST_TESTS_SYNTH_H

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* An ELF64 x86-64 little-endian header of TYPE with PHNUM program headers right after it. */
static inline void synth_ehdr(Elf64_Ehdr *eh, uint16_t type, uint64_t entry, uint16_t phnum)
{
	memset(eh, 0, sizeof(*eh));
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = type;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = entry;
	eh->e_phoff = sizeof(*eh);
	eh->e_ehsize = sizeof(*eh);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = phnum;
}

struct synth_seg {
	uint64_t vaddr;
	uint32_t flags;         /* PF_R | PF_W | PF_X */
	uint64_t filesz, memsz;
	uint8_t fill;           /* file bytes (TCS segments get valid TCSs instead) */
};

/*
 * An ELF64 x86-64 executable: header, program headers, then each segment's file bytes at the
 * file offset congruent to its address. Segment 0 is filled with TCSs whose OSSA points at
 * SSA_OFF and OENTRY at ENTRY. Returns a malloc'd buffer and its length in *LEN.
 */
static inline uint8_t *synth_elf(const struct synth_seg *segs, int n, uint64_t ssa_off,
				 uint64_t entry, size_t *len)
{
	uint64_t off = 4096, end;
	uint8_t *buf;
	Elf64_Ehdr eh;

	end = off;
	for (int i = 0; i < n; i++) {
		uint64_t o = (end + 4095) / 4096 * 4096 + segs[i].vaddr % 4096;

		end = o + segs[i].filesz;
	}
	buf = calloc(1, end + 4096);
	synth_ehdr(&eh, ET_EXEC, entry, (uint16_t)n);
	memcpy(buf, &eh, sizeof(eh));
	for (int i = 0; i < n; i++) {
		Elf64_Phdr ph = { 0 };
		uint64_t o = (off + 4095) / 4096 * 4096 + segs[i].vaddr % 4096;

		ph.p_type = PT_LOAD;
		ph.p_flags = segs[i].flags;
		ph.p_offset = o;
		ph.p_vaddr = ph.p_paddr = segs[i].vaddr;
		ph.p_filesz = segs[i].filesz;
		ph.p_memsz = segs[i].memsz;
		ph.p_align = 4096;
		memcpy(buf + sizeof(eh) + (size_t)i * sizeof(ph), &ph, sizeof(ph));
		if (i == 0) {
			for (uint64_t t = 0; t + 4096 <= segs[i].filesz; t += 4096) {
				uint64_t v[5] = { 0, 0, ssa_off + t, 0, entry };

				memcpy(buf + o + t, v, 16 + 8);
				memcpy(buf + o + t + 24, &(uint32_t){ 0 }, 4);
				memcpy(buf + o + t + 28, &(uint32_t){ 1 }, 4);
				memcpy(buf + o + t + 32, &entry, 8);
			}
		} else {
			memset(buf + o, segs[i].fill, segs[i].filesz);
		}
		off = o + segs[i].filesz;
	}
	*len = end;
	return buf;
}

/* The smallest valid image: 1 TCS page, 1 R|X page, SSA + data in 2 R|W pages. */
static inline uint8_t *synth_elf_small(size_t *len)
{
	const struct synth_seg segs[] = {
		{ 0x0000, PF_R | PF_W, 4096, 4096, 0 },
		{ 0x1000, PF_R | PF_X, 4096, 4096, 0xcc },
		{ 0x2000, PF_R | PF_W, 100, 8192, 0x11 },
	};

	return synth_elf(segs, 3, 0x2000, 0x1000, len);
}

/* SGXS stream records */
static inline uint8_t *sgxs_put(uint8_t *p, const char tag[8], uint64_t a, uint64_t b)
{
	memset(p, 0, 64);
	memcpy(p, tag, 8);
	memcpy(p + 8, &a, 8);
	memcpy(p + 16, &b, 8);
	return p + 64;
}

static inline uint8_t *sgxs_ecreate(uint8_t *p, uint32_t ssa, uint64_t size)
{
	memset(p, 0, 64);
	memcpy(p, "ECREATE", 8);
	memcpy(p + 8, &ssa, 4);
	memcpy(p + 12, &size, 8);
	return p + 64;
}

/* EADD of a page plus EEXTENDs of the chunks in MASK, chunk data = BYTE. */
static inline uint8_t *sgxs_page(uint8_t *p, uint64_t off, uint64_t secinfo, uint16_t mask,
				 uint8_t byte)
{
	p = sgxs_put(p, "EADD\0\0\0", off, secinfo);
	for (int i = 0; i < 16; i++) {
		if (!(mask & (1u << i)))
			continue;
		p = sgxs_put(p, "EEXTEND", off + 256u * (unsigned)i, 0);
		memset(p, byte, 256);
		p += 256;
	}
	return p;
}

#endif
