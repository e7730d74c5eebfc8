/* SPDX-License-Identifier: MIT */
/*
 * A small test enclave for the simulator's own tests and benchmark, built through the
 * in-kernel device interface exactly as a loader would (open, CREATE, ADD_PAGES, INIT, mmap).
 *
 * Layout (64 KiB): 0x0000 TCS1, 0x1000 TCS2, 0x2000-0x3fff SSA of TCS1 (NSSA 2),
 * 0x4000-0x5fff SSA of TCS2, 0x6000 code (R-X), 0x7000 data (RW-, operand buffers of
 * EREPORT/EGETKEY), 0x8000 TLS page (RW-, OFSBASE of both TCSs).
 *
 * The code is the position-independent blob simencl_code below: RDI points to a struct
 * simencl_op in host memory; it dispatches on op->type and EEXITs to the address EENTER left
 * in RCX. Include this file from one test or benchmark source.
 */
#ifndef SIMENCL_H
#define SIMENCL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "sgx/arch.h"
#include "sgx/measure.h"
#include "sgx/sigstruct.h"
#include "sgx/uapi.h"

enum { OP_NOP, OP_EREPORT, OP_EGETKEY, OP_SPIN, OP_INFO, OP_READ, OP_LOOP, OP_AVX, OP_FAULT };

struct simencl_op {
	uint64_t type;
	uint64_t a, b, c;       /* operands (host pointers or values) */
	uint64_t ret, ret2;     /* results */
};

extern const uint8_t simencl_code[], simencl_code_end[];
uint64_t simencl_loop_host(uint64_t n);

__asm__(
	".pushsection .rodata\n"
	".balign 64\n"
	".globl simencl_code\n"
	"simencl_code:\n"
	"  push %rcx\n"
	"  mov %rax, %r9\n"                     /* CSSA */
	"  lea simencl_code(%rip), %r10\n"
	"  lea 0x1000(%r10), %r11\n"            /* data page */
	"  mov 0(%rdi), %rax\n"
	"  cmp $1, %rax\n  je 10f\n"
	"  cmp $2, %rax\n  je 20f\n"
	"  cmp $3, %rax\n  je 30f\n"
	"  cmp $4, %rax\n  je 40f\n"
	"  cmp $5, %rax\n  je 50f\n"
	"  cmp $6, %rax\n  je 60f\n"
	"  cmp $7, %rax\n  je 70f\n"
	"  cmp $8, %rax\n  je 80f\n"
	"1:\n"
	"  pop %rbx\n"
	"  mov $4, %eax\n"
	"  .byte 0x0f, 0x01, 0xd7\n"           /* EEXIT */
	"10:\n"                                 /* EREPORT(a: TARGETINFO, b: REPORTDATA) -> c */
	"  mov %rdi, %r8\n"
	"  mov 8(%r8), %rsi\n  lea 0(%r11), %rdi\n  mov $512, %ecx\n  rep movsb\n"
	"  mov 16(%r8), %rsi\n  lea 0x680(%r11), %rdi\n  mov $64, %ecx\n  rep movsb\n"
	"  lea 0(%r11), %rbx\n  lea 0x680(%r11), %rcx\n  lea 0x200(%r11), %rdx\n  xor %eax, %eax\n"
	"  .byte 0x0f, 0x01, 0xd7\n"
	"  lea 0x200(%r11), %rsi\n  mov 24(%r8), %rdi\n  mov $432, %ecx\n  rep movsb\n"
	"  mov %r8, %rdi\n  jmp 1b\n"
	"20:\n"                                 /* EGETKEY(a: KEYREQUEST) -> c, ret = RAX */
	"  mov %rdi, %r8\n"
	"  mov 8(%r8), %rsi\n  lea 0x400(%r11), %rdi\n  mov $512, %ecx\n  rep movsb\n"
	"  lea 0x400(%r11), %rbx\n  lea 0x600(%r11), %rcx\n  mov $1, %eax\n"
	"  .byte 0x0f, 0x01, 0xd7\n"
	"  mov %rax, 32(%r8)\n"
	"  lea 0x600(%r11), %rsi\n  mov 24(%r8), %rdi\n  mov $16, %ecx\n  rep movsb\n"
	"  mov %r8, %rdi\n  jmp 1b\n"
	"30:\n"                                 /* SPIN: ++*b, wait for *a != 0; ret2 = FS base */
	"  mov 16(%rdi), %rax\n  lock incq (%rax)\n"
	"  mov 8(%rdi), %rsi\n  xor %edx, %edx\n"
	"31:\n  inc %rdx\n  pause\n  cmpq $0, (%rsi)\n  je 31b\n"
	"  mov %rdx, 32(%rdi)\n  rdfsbase %rax\n  mov %rax, 40(%rdi)\n  jmp 1b\n"
	"40:\n"                                 /* INFO: ret = CSSA, ret2 = FS base */
	"  mov %r9, 32(%rdi)\n  rdfsbase %rax\n  mov %rax, 40(%rdi)\n  jmp 1b\n"
	"50:\n"                                 /* READ: ret = *(u64 *)a */
	"  mov 8(%rdi), %rsi\n  mov (%rsi), %rax\n  mov %rax, 32(%rdi)\n  jmp 1b\n"
	"60:\n"                                 /* LOOP: a rounds of xorshift64 */
	"  mov 8(%rdi), %rcx\n  movabs $88172645463325252, %rax\n"
	"61:\n  mov %rax, %rdx\n  shl $13, %rdx\n  xor %rdx, %rax\n  mov %rax, %rdx\n  shr $7, %rdx\n"
	"  xor %rdx, %rax\n  mov %rax, %rdx\n  shl $17, %rdx\n  xor %rdx, %rax\n  dec %rcx\n  jnz 61b\n"
	"  mov %rax, 32(%rdi)\n  jmp 1b\n"
	"70:\n"                                 /* AVX: ymm3 = ~0, SPIN, ret = vpmovmskb ymm3 */
	"  vpcmpeqd %ymm3, %ymm3, %ymm3\n"
	"  mov 16(%rdi), %rax\n  lock incq (%rax)\n"
	"  mov 8(%rdi), %rsi\n"
	"71:\n  pause\n  cmpq $0, (%rsi)\n  je 71b\n"
	"  vpmovmskb %ymm3, %eax\n  mov %rax, 32(%rdi)\n  vzeroupper\n  jmp 1b\n"
	"80:\n"                                 /* FAULT a: 0 hlt, 1 ud2, 2 int3, 3 divide by 0 */
	"  mov 8(%rdi), %rax\n"
	"  cmp $1, %rax\n  je 82f\n  cmp $2, %rax\n  je 83f\n  cmp $3, %rax\n  je 84f\n"
	"  hlt\n  jmp 1b\n"
	"82:\n  ud2\n"
	"83:\n  int3\n  jmp 1b\n"
	"84:\n  xor %ecx, %ecx\n  xor %edx, %edx\n  mov $1, %eax\n  div %ecx\n  jmp 1b\n"
	".globl simencl_code_end\n"
	"simencl_code_end:\n"
	".popsection\n"
	".text\n"
	".globl simencl_loop_host\n"
	"simencl_loop_host:\n"                  /* the LOOP op, outside any enclave */
	"  mov %rdi, %rcx\n  movabs $88172645463325252, %rax\n"
	"2:\n  mov %rax, %rdx\n  shl $13, %rdx\n  xor %rdx, %rax\n  mov %rax, %rdx\n  shr $7, %rdx\n"
	"  xor %rdx, %rax\n  mov %rax, %rdx\n  shl $17, %rdx\n  xor %rdx, %rax\n  dec %rcx\n  jnz 2b\n"
	"  ret\n");

#define SIMENCL_SIZE 0x10000ul

struct simencl {
	int fd;
	uint64_t base;
	void *area;
	struct sgx_secs secs;
	struct sgx_sigstruct ss;
	uint8_t mrenclave[32];
};

struct simencl_cfg {
	uint64_t attributes;    /* SECS.ATTRIBUTES.FLAGS (MODE64BIT is added) */
	uint32_t miscselect;
	uint64_t xfrm;          /* 0: 3 (x87, SSE) */
	uint16_t isv_prod_id, isv_svn;
	uint32_t code_marker;   /* varies MRENCLAVE without changing behaviour */
	bool debug_signed;      /* header type bit 31 */
	bool bad_signature, wrong_mrenclave, attribute_mismatch;
	int provision_fd;       /* >= 0: SGX_IOC_ENCLAVE_PROVISION with it before INIT */
	bool premap;            /* Intel's loader: map the device PROT_NONE before ECREATE,
				 * then mprotect each part after adding it */
};

static inline EVP_PKEY *simencl_keygen(void)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *k = NULL;
	BIGNUM *e = BN_new();

	if (!c || !e || EVP_PKEY_keygen_init(c) <= 0 || !BN_set_word(e, 3) ||
	    EVP_PKEY_CTX_set_rsa_keygen_bits(c, 3072) <= 0 ||
	    EVP_PKEY_CTX_set1_rsa_keygen_pubexp(c, e) <= 0 || EVP_PKEY_keygen(c, &k) <= 0)
		k = NULL;
	BN_free(e);
	EVP_PKEY_CTX_free(c);
	return k;
}

static inline void simencl_tcs(uint8_t *page, uint64_t ossa)
{
	struct sgx_tcs *t = (struct sgx_tcs *)page;

	memset(page, 0, 4096);
	t->ossa = ossa;
	t->nssa = 2;
	t->oentry = 0x6000;
	t->ofsbase = 0x8000;
	t->ogsbase = 0x8000;
	t->fslimit = 0xfff;
	t->gslimit = 0xfff;
}

static inline int simencl_add(struct simencl *en, struct th_mr *mr, uint64_t off, const uint8_t *src,
			      uint64_t flags)
{
	struct sgx_secinfo si;
	struct sgx_enclave_add_pages a;

	memset(&si, 0, sizeof(si));
	si.flags = flags;
	memset(&a, 0, sizeof(a));
	a.src = (uint64_t)src;
	a.offset = off;
	a.length = 4096;
	a.secinfo = (uint64_t)&si;
	a.flags = SGX_PAGE_MEASURE;
	th_mr_add_page(mr, off, flags, src, 0xffff);
	return ioctl(en->fd, SGX_IOC_ENCLAVE_ADD_PAGES, &a) ? -errno : 0;
}

/* Returns 0, or -errno of the step that failed (INIT's errno for EINIT refusals). */
static inline int simencl_build(struct simencl *en, EVP_PKEY *key, const struct simencl_cfg *cfg)
{
	static uint8_t page[4096] __attribute__((aligned(4096)));
	struct sgx_enclave_create cr;
	struct sgx_enclave_init in;
	struct th_mr mr;
	uint8_t *area;
	int rc;

	memset(en, 0, sizeof(*en));
	en->fd = open("/dev/sgx_enclave", O_RDWR);
	if (en->fd < 0)
		return -errno;
	area = cfg->premap ? mmap(NULL, SIMENCL_SIZE * 2, PROT_NONE, MAP_SHARED, en->fd, 0) :
			     mmap(NULL, SIMENCL_SIZE * 2, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return -errno;
	en->base = ((uint64_t)area + SIMENCL_SIZE - 1) & ~(SIMENCL_SIZE - 1);
	munmap(area, en->base - (uint64_t)area);
	munmap((void *)(en->base + SIMENCL_SIZE), (uint64_t)area + SIMENCL_SIZE - en->base);
	en->secs.size = SIMENCL_SIZE;
	en->secs.base = en->base;
	en->secs.ssa_frame_size = 1;
	en->secs.miscselect = cfg->miscselect;
	en->secs.attributes.flags = cfg->attributes | SGX_ATTR_MODE64BIT;
	en->secs.attributes.xfrm = cfg->xfrm ? cfg->xfrm : 3;
	cr.src = (uint64_t)&en->secs;
	if (ioctl(en->fd, SGX_IOC_ENCLAVE_CREATE, &cr))
		return -errno;
	if (th_mr_init(&mr, 1, SIMENCL_SIZE))
		return -ENOMEM;
	rc = 0;
	simencl_tcs(page, 0x2000);
	rc = rc ?: simencl_add(en, &mr, 0x0000, page, SGX_SECINFO_TYPE(SGX_PT_TCS));
	simencl_tcs(page, 0x4000);
	rc = rc ?: simencl_add(en, &mr, 0x1000, page, SGX_SECINFO_TYPE(SGX_PT_TCS));
	memset(page, 0, sizeof(page));
	for (uint64_t off = 0x2000; off < 0x6000; off += 0x1000)
		rc = rc ?: simencl_add(en, &mr, off, page, SGX_SECINFO_TYPE(SGX_PT_REG) |
				       SGX_SECINFO_R | SGX_SECINFO_W);
	memset(page, 0xcc, sizeof(page));
	memcpy(page, simencl_code, (size_t)(simencl_code_end - simencl_code));
	memcpy(page + 4092, &cfg->code_marker, 4);
	rc = rc ?: simencl_add(en, &mr, 0x6000, page, SGX_SECINFO_TYPE(SGX_PT_REG) |
			       SGX_SECINFO_R | SGX_SECINFO_X);
	memset(page, 0, sizeof(page));
	rc = rc ?: simencl_add(en, &mr, 0x7000, page, SGX_SECINFO_TYPE(SGX_PT_REG) |
			       SGX_SECINFO_R | SGX_SECINFO_W);
	rc = rc ?: simencl_add(en, &mr, 0x8000, page, SGX_SECINFO_TYPE(SGX_PT_REG) |
			       SGX_SECINFO_R | SGX_SECINFO_W);
	if (th_mr_final(&mr, en->mrenclave) || rc)
		return rc ? rc : -EIO;

	th_sigstruct_init(&en->ss, false);
	if (cfg->debug_signed)
		en->ss.header1[3] |= 0x80;
	en->ss.miscselect = cfg->miscselect;
	en->ss.miscmask = 0xffffffff;
	en->ss.attributes = en->secs.attributes;
	en->ss.attribute_mask.flags = ~0ull;
	en->ss.attribute_mask.xfrm = ~0ull;
	if (cfg->attribute_mismatch)
		en->ss.attributes.flags ^= SGX_ATTR_DEBUG;
	memcpy(en->ss.enclave_hash, en->mrenclave, 32);
	if (cfg->wrong_mrenclave)
		en->ss.enclave_hash[0] ^= 1;
	en->ss.isv_prod_id = cfg->isv_prod_id;
	en->ss.isv_svn = cfg->isv_svn;
	if (th_sigstruct_sign(&en->ss, key, NULL))
		return -EIO;
	if (cfg->bad_signature)
		en->ss.signature[7] ^= 0x40;
	if (cfg->provision_fd >= 0) {
		struct sgx_enclave_provision p = { .fd = (uint32_t)cfg->provision_fd };

		if (ioctl(en->fd, SGX_IOC_ENCLAVE_PROVISION, &p))
			return -errno;
	}
	if (cfg->premap &&
	    (mprotect((void *)en->base, 0x6000, PROT_READ | PROT_WRITE) ||
	     mprotect((void *)(en->base + 0x6000), 0x1000, PROT_READ | PROT_EXEC) ||
	     mprotect((void *)(en->base + 0x7000), 0x2000, PROT_READ | PROT_WRITE)))
		return -errno;
	in.sigstruct = (uint64_t)&en->ss;
	if (ioctl(en->fd, SGX_IOC_ENCLAVE_INIT, &in))
		return -errno;
	if (cfg->premap)
		return 0;
	if (mmap((void *)en->base, 0x6000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, en->fd, 0) ==
		    MAP_FAILED ||
	    mmap((void *)(en->base + 0x6000), 0x1000, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED,
		 en->fd, 0) == MAP_FAILED ||
	    mmap((void *)(en->base + 0x7000), 0x2000, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 en->fd, 0) == MAP_FAILED)
		return -errno;
	return 0;
}

static inline void simencl_delete(struct simencl *en)
{
	if (en->base)
		munmap((void *)en->base, SIMENCL_SIZE);
	if (en->fd > 0)
		close(en->fd);
	memset(en, 0, sizeof(*en));
}

/* __vdso_sgx_enter_enclave, found as a program would find it */
typedef int (*simencl_vdso_fn)(unsigned long rdi, unsigned long rsi, unsigned long rdx,
			       unsigned int function, unsigned long r8, unsigned long r9,
			       struct sgx_enclave_run *run);

#include <elf.h>
#include <sys/auxv.h>

static inline simencl_vdso_fn simencl_vdso(void)
{
	uint8_t *base = (uint8_t *)getauxval(AT_SYSINFO_EHDR);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)base;
	Elf64_Phdr *ph = (Elf64_Phdr *)(base + eh->e_phoff);
	Elf64_Dyn *d = NULL;
	Elf64_Sym *sym = NULL;
	const char *str = NULL;
	Elf64_Word *hash = NULL;

	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			d = (Elf64_Dyn *)(base + ph[i].p_offset);
	for (; d && d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_SYMTAB)
			sym = (Elf64_Sym *)(base + d->d_un.d_ptr);
		if (d->d_tag == DT_STRTAB)
			str = (const char *)(base + d->d_un.d_ptr);
		if (d->d_tag == DT_HASH)
			hash = (Elf64_Word *)(base + d->d_un.d_ptr);
	}
	if (!sym || !str || !hash)
		return NULL;
	for (Elf64_Word i = 1; i < hash[1]; i++)
		if (!strcmp(str + sym[i].st_name, "__vdso_sgx_enter_enclave"))
			return (simencl_vdso_fn)(base + sym[i].st_value);
	return NULL;
}

/*
 * The vDSO preserves only RBX and RBP: after an AEX the other callee-saved registers hold the
 * synthetic state (zero). Like the selftest's call.S, save them around the call.
 */
int simencl_enter(simencl_vdso_fn fn, struct simencl_op *op, struct sgx_enclave_run *run);
__asm__(".text\n"
	".globl simencl_enter\n"
	"simencl_enter:\n"
	"  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
	"  mov %rdi, %rax\n"                   /* fn */
	"  mov %rsi, %rdi\n"                   /* op */
	"  push %rdx\n  push %rdx\n"          /* run as the 7th argument (and alignment) */
	"  xor %esi, %esi\n  xor %edx, %edx\n  mov $2, %ecx\n  xor %r8d, %r8d\n  xor %r9d, %r9d\n"
	"  call *%rax\n"
	"  add $16, %rsp\n"
	"  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
	"  ret\n");

static inline int simencl_call(simencl_vdso_fn fn, struct sgx_enclave_run *run, uint64_t tcs,
			       struct simencl_op *op)
{
	memset(run, 0, sizeof(*run));
	run->tcs = tcs;
	return simencl_enter(fn, op, run);
}

#endif
