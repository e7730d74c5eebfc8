/* SPDX-License-Identifier: MIT */
/*
 * The vDSO the program sees through getauxval(AT_SYSINFO_EHDR): a small ELF image built at
 * first use. It exports every symbol of the real vDSO, each as a 16-byte stub jumping to the
 * real code (the real vDSO's code reads its vvar page at a fixed distance, so it cannot be
 * copied), plus __vdso_sgx_enter_enclave, a stub to th_sim_vdso_enter (entry.S). Lookup works
 * through DT_HASH and DT_SYMTAB/DT_STRTAB like the kernel's selftest and parse_vdso.c do;
 * symbol versions (DT_VERSYM) are not reproduced.
 */
#include <elf.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include "sim/sim.h"

#define MAX_SYMS 64
#define STUB 16

static unsigned long elf_hash(const char *name)
{
	unsigned long h = 0, g;

	while (*name) {
		h = (h << 4) + (unsigned char)*name++;
		g = h & 0xf0000000;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

struct sym {
	const char *name;
	uint64_t target;
	unsigned char info;
};

/* the real vDSO's exported functions */
static int real_symbols(struct sym *out, int max)
{
	uint8_t *base = (uint8_t *)th_sim_real_getauxval(AT_SYSINFO_EHDR);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
	Elf64_Phdr *ph;
	Elf64_Dyn *dyn = NULL;
	Elf64_Sym *symtab = NULL;
	const char *strtab = NULL;
	Elf64_Word *hash = NULL;
	uint64_t bias = 0;
	bool have_load = false;
	int n = 0;

	if (!base)
		return 0;
	ph = (Elf64_Phdr *)(base + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			bias = (uint64_t)base - ph[i].p_vaddr;
			have_load = true;
		}
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (Elf64_Dyn *)(base + ph[i].p_offset);
	}
	if (!dyn)
		return 0;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_SYMTAB)
			symtab = (Elf64_Sym *)(dyn->d_un.d_ptr + bias);
		else if (dyn->d_tag == DT_STRTAB)
			strtab = (const char *)(dyn->d_un.d_ptr + bias);
		else if (dyn->d_tag == DT_HASH)
			hash = (Elf64_Word *)(dyn->d_un.d_ptr + bias);
	}
	if (!symtab || !strtab || !hash)
		return 0;
	for (Elf64_Word i = 1; i < hash[1] && n < max; i++) {
		Elf64_Sym *s = &symtab[i];

		if (s->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(s->st_info) != STT_FUNC)
			continue;
		out[n].name = strtab + s->st_name;
		out[n].target = s->st_value + bias;
		out[n].info = s->st_info;
		n++;
	}
	return n;
}

static void *build(void)
{
	struct sym syms[MAX_SYMS + 1];
	int n = real_symbols(syms, MAX_SYMS);
	size_t nsym, nbucket, off_dyn, off_hash, off_sym, off_str, off_text, strsz = 1, size;
	uint8_t *img;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	Elf64_Dyn *dyn;
	Elf64_Word *hash;
	Elf64_Sym *st;
	char *str;

	if (!th_sim_cfg.no_vdso_enter) {
		syms[n].name = "__vdso_sgx_enter_enclave";
		syms[n].target = (uint64_t)th_sim_vdso_enter;
		syms[n].info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
		n++;
	}
	nsym = (size_t)n + 1;
	nbucket = nsym | 1;
	for (int i = 0; i < n; i++)
		strsz += strlen(syms[i].name) + 1;
	off_dyn = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
	off_hash = off_dyn + 6 * sizeof(Elf64_Dyn);
	off_sym = (off_hash + (2 + nbucket + nsym) * 4 + 7) & ~(size_t)7;
	off_str = off_sym + nsym * sizeof(Elf64_Sym);
	off_text = (off_str + strsz + 15) & ~(size_t)15;
	size = (off_text + (size_t)n * STUB + 4095) & ~(size_t)4095;

	img = th_sim_real_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (img == MAP_FAILED)
		return NULL;
	eh = (Elf64_Ehdr *)img;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_ident[EI_OSABI] = ELFOSABI_SYSV;
	eh->e_type = ET_DYN;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 2;
	ph = (Elf64_Phdr *)(img + eh->e_phoff);
	ph[0].p_type = PT_LOAD;
	ph[0].p_flags = PF_R | PF_X;
	ph[0].p_filesz = ph[0].p_memsz = size;
	ph[0].p_align = 4096;
	ph[1].p_type = PT_DYNAMIC;
	ph[1].p_flags = PF_R;
	ph[1].p_offset = ph[1].p_vaddr = off_dyn;
	ph[1].p_filesz = ph[1].p_memsz = 6 * sizeof(Elf64_Dyn);
	ph[1].p_align = 8;

	dyn = (Elf64_Dyn *)(img + off_dyn);
	dyn[0] = (Elf64_Dyn){ DT_HASH, { off_hash } };
	dyn[1] = (Elf64_Dyn){ DT_STRTAB, { off_str } };
	dyn[2] = (Elf64_Dyn){ DT_SYMTAB, { off_sym } };
	dyn[3] = (Elf64_Dyn){ DT_STRSZ, { strsz } };
	dyn[4] = (Elf64_Dyn){ DT_SYMENT, { sizeof(Elf64_Sym) } };
	dyn[5] = (Elf64_Dyn){ DT_NULL, { 0 } };

	hash = (Elf64_Word *)(img + off_hash);
	hash[0] = (Elf64_Word)nbucket;
	hash[1] = (Elf64_Word)nsym;
	st = (Elf64_Sym *)(img + off_sym);
	str = (char *)(img + off_str);
	for (int i = 0, so = 1; i < n; i++) {
		size_t idx = (size_t)i + 1, b = elf_hash(syms[i].name) % nbucket;
		uint8_t *stub = img + off_text + (size_t)i * STUB;

		st[idx].st_name = (Elf64_Word)so;
		st[idx].st_info = syms[i].info;
		st[idx].st_shndx = 1;
		st[idx].st_value = (uint64_t)(stub - img);
		st[idx].st_size = STUB;
		strcpy(str + so, syms[i].name);
		so += (int)strlen(syms[i].name) + 1;
		/* chain: prepend to the bucket */
		hash[2 + nbucket + idx] = hash[2 + b];
		hash[2 + b] = (Elf64_Word)idx;
		/* jmp *0(%rip); .quad target */
		stub[0] = 0xff;
		stub[1] = 0x25;
		memset(stub + 2, 0, 4);
		memcpy(stub + 6, &syms[i].target, 8);
		stub[14] = 0xcc;
		stub[15] = 0xcc;
	}
	th_sim_real_mprotect(img, size, PROT_READ | PROT_EXEC);
	return img;
}

void *th_sim_vdso_image(void)
{
	static void *img;

	if (!img)
		img = build();
	return img;
}
