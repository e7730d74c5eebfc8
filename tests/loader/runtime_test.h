/* SPDX-License-Identifier: MIT */
/*
 * What the test programs that play a runtime share: the common-loader test
 * (tests/loader/common_test.c) and the SDK call driver (tests/enclaves/sdk_driver.c). TAP
 * output (ok(); n_test and n_fail for the plan and the exit status) and the vDSO's
 * __vdso_sgx_enter_enclave, found as a runtime that links no teehost code finds it.
 */
#ifndef TESTS_LOADER_RUNTIME_TEST_H
#define TESTS_LOADER_RUNTIME_TEST_H

#include <elf.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

static int n_test, n_fail;

static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		n_fail++;
}

/* __vdso_sgx_enter_enclave from the vDSO image's DT_HASH symbol table; NULL if it has none */
static void *test_vdso_sgx_enter(void)
{
	uintptr_t b = getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)b;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *sym = NULL;
	const char *str = NULL;
	const Elf32_Word *hash = NULL;
	uintptr_t bias = 0;
	int loaded = 0;

	if (!b)
		return NULL;
	ph = (const Elf64_Phdr *)(b + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && !loaded++)
			bias = b + ph[i].p_offset - ph[i].p_vaddr;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(bias + ph[i].p_vaddr);
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		if (dyn->d_tag == DT_HASH) hash = (const Elf32_Word *)(bias + dyn->d_un.d_ptr);
		if (dyn->d_tag == DT_SYMTAB) sym = (const Elf64_Sym *)(bias + dyn->d_un.d_ptr);
		if (dyn->d_tag == DT_STRTAB) str = (const char *)(bias + dyn->d_un.d_ptr);
	}
	if (!hash || !sym || !str)
		return NULL;
	for (Elf32_Word i = 0; i < hash[1]; i++)
		if (sym[i].st_shndx != SHN_UNDEF &&
		    !strcmp(str + sym[i].st_name, "__vdso_sgx_enter_enclave"))
			return (void *)(bias + sym[i].st_value);
	return NULL;
}

#endif
