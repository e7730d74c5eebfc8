/* SPDX-License-Identifier: MIT */
/*
 * Entering enclaves.
 *
 * In-kernel driver: __vdso_sgx_enter_enclave, found as the kernel selftest finds it: the vDSO
 * image at getauxval(AT_SYSINFO_EHDR), its PT_DYNAMIC, DT_HASH/DT_SYMTAB/DT_STRTAB. The vDSO
 * keeps RBX and RBP; the wrapper below keeps R12-R15 too, since enclaves may clobber them.
 *
 * Out-of-tree drivers (DCAP 1.30-1.36, isgx) have no vDSO: the loader issues ENCLU[EENTER]
 * itself, with one ENCLU serving as EENTER and as the asynchronous exit pointer (after an AEX
 * the CPU returns there with RAX = ERESUME). An exception inside the enclave reaches the
 * process as a signal whose RIP is that ENCLU; the loader's handler records vector, error code
 * and address, and resumes the host at an exit label instead of ERESUMEing into the fault.
 * Signals that are not ours go to the handler that was installed before.
 */
#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <ucontext.h>

#include "loader/internal.h"
#include "sgx/uapi.h"

/* ---- vDSO lookup ------------------------------------------------------------------------- */

static unsigned long elf_hash(const char *name)
{
	unsigned long h = 0, g;

	while (*name) {
		h = (h << 4) + (unsigned char)*name++;
		g = h & 0xf0000000ul;
		if (g)
			h ^= g >> 24;
		h &= ~g;
	}
	return h;
}

void *th_vdso_lookup(const char *name)
{
	uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph;
	const Elf64_Dyn *dyn = NULL;
	const Elf64_Sym *symtab = NULL;
	const char *strtab = NULL;
	const Elf32_Word *hash = NULL;
	uintptr_t bias = 0;
	bool have_load = false;

	if (!base || memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return NULL;
	ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			bias = base + ph[i].p_offset - ph[i].p_vaddr;
			have_load = true;
		}
	}
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = (const Elf64_Dyn *)(bias + ph[i].p_vaddr);
	if (!have_load || !dyn)
		return NULL;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_HASH: hash = (const Elf32_Word *)(bias + dyn->d_un.d_ptr); break;
		case DT_SYMTAB: symtab = (const Elf64_Sym *)(bias + dyn->d_un.d_ptr); break;
		case DT_STRTAB: strtab = (const char *)(bias + dyn->d_un.d_ptr); break;
		default: break;
		}
	}
	if (!hash || !symtab || !strtab)
		return NULL;
	{
		Elf32_Word nbucket = hash[0], nchain = hash[1];
		const Elf32_Word *bucket = hash + 2, *chain = bucket + nbucket;

		if (!nbucket)
			return NULL;
		for (Elf32_Word i = bucket[elf_hash(name) % nbucket]; i != STN_UNDEF && i < nchain;
		     i = chain[i]) {
			const Elf64_Sym *s = &symtab[i];

			if (ELF64_ST_TYPE(s->st_info) == STT_FUNC && s->st_shndx != SHN_UNDEF &&
			    !strcmp(strtab + s->st_name, name))
				return (void *)(bias + s->st_value);
		}
	}
	return NULL;
}

/* ---- through the vDSO -------------------------------------------------------------------- */

typedef int (*vdso_enter_fn)(unsigned long rdi, unsigned long rsi, unsigned long rdx,
			     unsigned int function, unsigned long r8, unsigned long r9,
			     struct sgx_enclave_run *run);

/* th_vdso_call(rdi, rsi, rdx, function, r8, r9, run, fn): call FN keeping R12-R15. */
int th_vdso_call(unsigned long rdi, unsigned long rsi, unsigned long rdx, unsigned int function,
		 unsigned long r8, unsigned long r9, struct sgx_enclave_run *run, vdso_enter_fn fn)
	__attribute__((visibility("hidden")));
__asm__(
	".text\n"
	".globl th_vdso_call\n"
	".hidden th_vdso_call\n"
	".type th_vdso_call, @function\n"
	"th_vdso_call:\n"
	"	.cfi_startproc\n"
	"	push %rbp\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_rel_offset %rbp, 0\n"
	"	mov %rsp, %rbp\n"
	"	.cfi_def_cfa_register %rbp\n"
	"	push %rbx\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	mov 16(%rbp), %rax\n"   /* run */
	"	mov 24(%rbp), %r11\n"   /* fn */
	"	push %rax\n"            /* the vDSO's seventh argument, on the stack */
	"	call *%r11\n"
	"	lea -40(%rbp), %rsp\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbx\n"
	"	pop %rbp\n"
	"	.cfi_def_cfa %rsp, 8\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size th_vdso_call, .-th_vdso_call\n");

/* Called by the vDSO after EEXIT or an exception: keep the enclave's exit registers. */
static int exit_handler(long rdi, long rsi, long rdx, long ursp, long r8, long r9,
			struct sgx_enclave_run *run)
{
	struct teehost_enter *io = (struct teehost_enter *)(uintptr_t)run->user_data;

	(void)ursp;
	if (run->function == SGX_EEXIT) {
		io->rdi = (uint64_t)rdi;
		io->rsi = (uint64_t)rsi;
		io->rdx = (uint64_t)rdx;
		io->r8 = (uint64_t)r8;
		io->r9 = (uint64_t)r9;
	}
	return 0;
}

int th_enter_vdso(struct th_encl *e, uint64_t tcs, struct teehost_enter *io)
{
	struct sgx_enclave_run run;
	int rc;

	memset(&run, 0, sizeof(run));
	run.tcs = tcs;
	run.user_handler = (uint64_t)(uintptr_t)exit_handler;
	run.user_data = (uint64_t)(uintptr_t)io;
	rc = th_vdso_call(io->rdi, io->rsi, io->rdx, SGX_EENTER, io->r8, io->r9, &run,
			  (vdso_enter_fn)e->vdso_enter);
	if (rc < 0)
		return rc;
	if (run.function != SGX_EEXIT) {
		io->exception = true;
		io->leaf = run.function;
		io->vector = run.exception_vector;
		io->error_code = run.exception_error_code;
		io->address = run.exception_addr;
	}
	return 0;
}

/* ---- the loader's own ENCLU -------------------------------------------------------------- */

struct enclu_frame {
	uint64_t tcs, rdi, rsi, rdx, r8, r9;    /* 0 .. 40 */
	uint64_t exception, leaf, vector, error_code, address;  /* 48 .. 80, set by the handler */
};
_Static_assert(offsetof(struct enclu_frame, r9) == 40, "entry asm layout");

extern char th_enclu_aep[] __attribute__((visibility("hidden")));
extern char th_enclu_exception[] __attribute__((visibility("hidden")));
int th_enclu_enter(struct enclu_frame *f) __attribute__((visibility("hidden")));
/*
 * The frame pointer sits at -48(%rbp). EEXIT lands after the ENCLU with RBP restored by the
 * enclave (as the vDSO contract also requires); an AEX restores RSP/RBP from the SSA, so the
 * exception label can rely on RBP too.
 */
__asm__(
	".text\n"
	".globl th_enclu_enter, th_enclu_aep, th_enclu_exception\n"
	".hidden th_enclu_enter, th_enclu_aep, th_enclu_exception\n"
	".type th_enclu_enter, @function\n"
	"th_enclu_enter:\n"
	"	.cfi_startproc\n"
	"	push %rbp\n"
	"	.cfi_adjust_cfa_offset 8\n"
	"	.cfi_rel_offset %rbp, 0\n"
	"	mov %rsp, %rbp\n"
	"	.cfi_def_cfa_register %rbp\n"
	"	push %rbx\n"
	"	push %r12\n"
	"	push %r13\n"
	"	push %r14\n"
	"	push %r15\n"
	"	push %rdi\n"
	"	sub $8, %rsp\n"
	"	mov 0(%rdi), %rbx\n"
	"	lea th_enclu_aep(%rip), %rcx\n"
	"	mov 16(%rdi), %rsi\n"
	"	mov 24(%rdi), %rdx\n"
	"	mov 32(%rdi), %r8\n"
	"	mov 40(%rdi), %r9\n"
	"	mov 8(%rdi), %rdi\n"
	"	mov $2, %eax\n"         /* EENTER */
	"th_enclu_aep:\n"
	"	enclu\n"
	"	mov -48(%rbp), %rax\n"
	"	mov %rdi, 8(%rax)\n"
	"	mov %rsi, 16(%rax)\n"
	"	mov %rdx, 24(%rax)\n"
	"	mov %r8, 32(%rax)\n"
	"	mov %r9, 40(%rax)\n"
	"	xor %eax, %eax\n"
	"	jmp 1f\n"
	"th_enclu_exception:\n"
	"	mov $1, %eax\n"
	"1:\n"
	"	lea -40(%rbp), %rsp\n"
	"	pop %r15\n"
	"	pop %r14\n"
	"	pop %r13\n"
	"	pop %r12\n"
	"	pop %rbx\n"
	"	pop %rbp\n"
	"	.cfi_def_cfa %rsp, 8\n"
	"	cld\n"
	"	ret\n"
	"	.cfi_endproc\n"
	".size th_enclu_enter, .-th_enclu_enter\n");

static const int caught[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
static struct sigaction previous[sizeof(caught) / sizeof(caught[0])];
static pthread_once_t handlers_once = PTHREAD_ONCE_INIT;

static void enclu_signal(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;

	if ((uintptr_t)g[REG_RIP] == (uintptr_t)th_enclu_aep) {
		struct enclu_frame *f = *(struct enclu_frame **)(uintptr_t)(g[REG_RBP] - 48);

		f->exception = 1;
		f->leaf = (uint32_t)g[REG_RAX];
		f->vector = (uint64_t)g[REG_TRAPNO];
		f->error_code = (uint64_t)g[REG_ERR];
		f->address = (sig == SIGSEGV || sig == SIGBUS) ? (uint64_t)(uintptr_t)si->si_addr : 0;
		g[REG_RIP] = (greg_t)(uintptr_t)th_enclu_exception;
		return;
	}
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++) {
		struct sigaction *old = &previous[i];

		if (caught[i] != sig)
			continue;
		if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
			/*
			 * Ours runs with SA_NODEFER; the program's handler gets the mask it asked
			 * for: its sa_mask, and the signal itself unless it has SA_NODEFER too
			 * (Intel's uRTS does: its handler enters the enclave again for the second
			 * phase, where another fault must still be delivered).
			 */
			sigset_t mask = old->sa_mask, was;

			if (!(old->sa_flags & SA_NODEFER))
				sigaddset(&mask, sig);
			pthread_sigmask(SIG_BLOCK, &mask, &was);
			if (old->sa_flags & SA_SIGINFO)
				old->sa_sigaction(sig, si, ucv);
			else
				old->sa_handler(sig);
			pthread_sigmask(SIG_SETMASK, &was, NULL);
		} else if (old->sa_handler == SIG_IGN) {
			return;
		} else if (old->sa_handler == SIG_DFL) {
			/* not an enclave's fault: let it take its default course */
			sigaction(sig, old, NULL);
			if (sig == SIGTRAP || si->si_code <= 0)
				raise(sig);
		}
		return;
	}
}

static void install_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = enclu_signal;
	/* SA_NODEFER: forwarding must not block what the program's own handler expects to
	 * receive again (see enclu_signal) */
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigaction(caught[i], &sa, &previous[i]);
}

int th_enter_enclu(struct th_encl *e, uint64_t tcs, struct teehost_enter *io)
{
	struct enclu_frame f;

	(void)e;
	pthread_once(&handlers_once, install_handlers);
	memset(&f, 0, sizeof(f));
	f.tcs = tcs;
	f.rdi = io->rdi;
	f.rsi = io->rsi;
	f.rdx = io->rdx;
	f.r8 = io->r8;
	f.r9 = io->r9;
	if (th_enclu_enter(&f) == 0) {
		io->rdi = f.rdi;
		io->rsi = f.rsi;
		io->rdx = f.rdx;
		io->r8 = f.r8;
		io->r9 = f.r9;
		return 0;
	}
	io->exception = true;
	io->leaf = (uint32_t)f.leaf;
	io->vector = (uint16_t)f.vector;
	io->error_code = (uint16_t)f.error_code;
	io->address = f.address;
	return 0;
}
