/* SPDX-License-Identifier: MIT */
/*
 * The test enclave's trusted runtime in miniature: TCS pages, thread data, SSA frames and
 * stacks; the entry stub that serves ECALLs, ORET, nested ECALLs, the second phase of an
 * exception (CSSA > 0) and AEX notifications; the OCALL exit; AES-128 with AES-NI for CMAC.
 * The ABI is tests/enclaves/sdk_abi.h (Intel's SDK convention, see there).
 */
#define TCS_COUNT 8
#define NSSA 2
#define STACK_SIZE (4 * 4096)
#define ECMD_ORET (-2)
#define OCMD_ERET (-1)
#define ELRANGE_MAX (4 << 20)           /* as encl.c */
#define BAD_FS_AT_ENTRY 0xf5            /* SDKT_ERR_FS_ENTRY */
#define BAD_FS_AT_EXIT 0xf6             /* SDKT_ERR_FS_EXIT */

	.section .tcs, "aw"
	.balign 4096
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7
	.quad 0                         /* STATE */
	.quad 0                         /* FLAGS */
	.quad sdkt_ssa + \n * NSSA * 4096       /* OSSA (linked at 0: an offset) */
	.long 0                         /* CSSA */
	.long NSSA                      /* NSSA */
	.quad sdkt_entry                /* OENTRY */
	.quad 0                         /* AEP */
	.quad sdkt_threads + \n * 4096  /* OFSBASE: this thread's struct sdkt_thread */
	.quad sdkt_threads + \n * 4096  /* OGSBASE */
	.long 0xfff                     /* FSLIMIT */
	.long 0xfff                     /* GSLIMIT */
	.fill 4024, 1, 0
	.endr

	/* struct sdkt_thread per static TCS, one page each (measured) */
	.section .data.threads, "aw"
	.balign 4096
	.globl sdkt_threads
	.hidden sdkt_threads
sdkt_threads:
	.irp n, 0, 1, 2, 3, 4, 5, 6, 7
	.quad sdkt_stacks + (\n + 1) * STACK_SIZE       /* stack_top */
	.quad 0                                         /* last_sp */
	.quad 0                                         /* frame */
	.quad sdkt_ssa + \n * NSSA * 4096               /* ssa */
	.quad \n                                        /* index */
	.quad 0                                         /* aexnotify */
	.fill 4096 - 48, 1, 0
	.endr

	.section .bss.ssa, "aw", @nobits
	.balign 4096
	.globl sdkt_ssa
	.hidden sdkt_ssa
sdkt_ssa:
	.skip TCS_COUNT * NSSA * 4096

	.section .bss.stacks, "aw", @nobits
	.balign 4096
sdkt_stacks:
	.skip TCS_COUNT * STACK_SIZE

/*
 * EENTER: RAX = CSSA, RBX = TCS, RCX = the instruction after EENTER, RDI = ECALL index or
 * command, RSI = marshalling struct; RSP/RBP are still the host's.
 * An ECALL frame (on the enclave stack) keeps what the EEXIT back needs:
 *   0 host RSP, 8 host RBP, 16 return address, 24 the previous frame (thread data .frame)
 */
	.section .text.entry, "ax"
	.globl sdkt_entry
	.hidden sdkt_entry
	.type sdkt_entry, @function
sdkt_entry:
	mov	%rax, %rdx              /* CSSA: 3rd argument of sdkt_dispatch */
	mov	%rsp, %r8
	mov	%rbp, %r9
	mov	%rcx, %r10
	lea	__encl_base(%rip), %r11
	rdfsbase %rcx                   /* FS.BASE must be TCS.OFSBASE: never write the host's */
	sub	%r11, %rcx
	cmp	$ELRANGE_MAX, %rcx
	jae	.Lbad_fs
	test	%rax, %rax
	jnz	.Lafter_aex
	cmp	$ECMD_ORET, %rdi
	je	.Loret
	mov	%fs:8, %rax             /* last_sp: an OCALL is live, nest below it */
	test	%rax, %rax
	jz	1f
	lea	-256(%rax), %rsp
	and	$-16, %rsp
	jmp	.Lcall
1:	mov	%fs:0, %rsp
	add	%r11, %rsp
	jmp	.Lcall
.Lafter_aex:
	/* ECMD_EXCEPT or an AEX notification: run below the interrupted frame's RSP */
	mov	%fs:24, %rax
	add	%r11, %rax
	mov	%rdx, %rcx
	dec	%rcx
	shl	$12, %rcx
	add	%rcx, %rax              /* SSA frame CSSA - 1 */
	mov	4096 - 184 + 32(%rax), %rsp     /* its GPRSGX.RSP */
	sub	$256, %rsp
	and	$-16, %rsp
.Lcall:
	sub	$32, %rsp
	mov	%r8, 0(%rsp)
	mov	%r9, 8(%rsp)
	mov	%r10, 16(%rsp)
	mov	%fs:16, %rax
	mov	%rax, 24(%rsp)
	mov	%rsp, %fs:16
	xor	%ebp, %ebp
	cld
	call	sdkt_dispatch           /* (index, ms, cssa) -> status */
	mov	%rax, %rsi
	lea	__encl_base(%rip), %r11
	rdfsbase %rcx
	sub	%r11, %rcx
	cmp	$ELRANGE_MAX, %rcx
	jb	1f
	mov	$BAD_FS_AT_EXIT, %esi   /* FS.BASE changed under the enclave: report, touch nothing */
	jmp	2f
1:	mov	24(%rsp), %rax
	mov	%rax, %fs:16
2:	mov	16(%rsp), %rbx
	mov	8(%rsp), %rbp
	mov	0(%rsp), %rsp
	mov	$OCMD_ERET, %rdi
	jmp	.Lexit
.Loret:
	mov	%fs:8, %rax
	test	%rax, %rax
	jz	.Lrefuse                /* no OCALL to return to */
	mov	%rax, %rsp
	popq	%fs:16                  /* the frame of the ECALL that made the OCALL */
	popq	%fs:8                   /* the OCALL before it, if any */
	mov	%fs:16, %rax
	mov	%r8, 0(%rax)            /* the host's state is this entry's now */
	mov	%r9, 8(%rax)
	mov	%r10, 16(%rax)
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
	mov	%rsi, %rax              /* the OCALL's return value */
	ret
.Lbad_fs:
	mov	$BAD_FS_AT_ENTRY, %esi
	jmp	1f
.Lrefuse:
	mov	$1, %esi                /* SGX_ERROR_UNEXPECTED */
1:	mov	%r10, %rbx
	mov	%r8, %rsp
	mov	%r9, %rbp
	mov	$OCMD_ERET, %rdi
.Lexit:
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	mov	$4, %eax                /* EEXIT to RBX */
	enclu
	ud2
	.size sdkt_entry, . - sdkt_entry

/* int64_t sdkt_ocall(int64_t index, void *ms): EEXIT with RDI = index, RSI = ms; ORET returns */
	.text
	.globl sdkt_ocall
	.hidden sdkt_ocall
	.type sdkt_ocall, @function
sdkt_ocall:
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	pushq	%fs:8
	pushq	%fs:16
	mov	%rsp, %fs:8
	mov	%fs:16, %rax
	mov	16(%rax), %rbx
	mov	8(%rax), %rbp
	mov	0(%rax), %rsp
	jmp	.Lexit
	.size sdkt_ocall, . - sdkt_ocall

/* void sdkt_resume(const struct sgx_gpr *g): continue the interrupted context from its SSA */
	.globl sdkt_resume
	.hidden sdkt_resume
	.type sdkt_resume, @function
sdkt_resume:
	mov	32(%rdi), %rax          /* RSP */
	sub	$16, %rax
	mov	136(%rdi), %rcx         /* RIP */
	mov	%rcx, 8(%rax)
	mov	128(%rdi), %rcx         /* RFLAGS */
	mov	%rcx, 0(%rax)
	mov	%rax, %rsp
	mov	8(%rdi), %rcx
	mov	16(%rdi), %rdx
	mov	24(%rdi), %rbx
	mov	40(%rdi), %rbp
	mov	48(%rdi), %rsi
	mov	64(%rdi), %r8
	mov	72(%rdi), %r9
	mov	80(%rdi), %r10
	mov	88(%rdi), %r11
	mov	96(%rdi), %r12
	mov	104(%rdi), %r13
	mov	112(%rdi), %r14
	mov	120(%rdi), %r15
	mov	0(%rdi), %rax
	mov	56(%rdi), %rdi
	popfq
	ret
	.size sdkt_resume, . - sdkt_resume

/* AES-128 with AES-NI: sdkt_aes_expand(key[16], rk[176]); sdkt_aes_encrypt(rk, in, out) */
	.globl sdkt_aes_expand
	.hidden sdkt_aes_expand
	.type sdkt_aes_expand, @function
sdkt_aes_expand:
	movdqu	(%rdi), %xmm1
	movdqu	%xmm1, (%rsi)
	.irp r, 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36
	aeskeygenassist $\r, %xmm1, %xmm2
	call	.Lexpand_step
	add	$16, %rsi
	movdqu	%xmm1, (%rsi)
	.endr
	pxor	%xmm1, %xmm1
	pxor	%xmm2, %xmm2
	pxor	%xmm3, %xmm3
	ret
.Lexpand_step:
	pshufd	$0xff, %xmm2, %xmm2
	movdqa	%xmm1, %xmm3
	pslldq	$4, %xmm3
	pxor	%xmm3, %xmm1
	pslldq	$4, %xmm3
	pxor	%xmm3, %xmm1
	pslldq	$4, %xmm3
	pxor	%xmm3, %xmm1
	pxor	%xmm2, %xmm1
	ret
	.size sdkt_aes_expand, . - sdkt_aes_expand

	.globl sdkt_aes_encrypt
	.hidden sdkt_aes_encrypt
	.type sdkt_aes_encrypt, @function
sdkt_aes_encrypt:
	movdqu	(%rsi), %xmm0
	movdqu	(%rdi), %xmm1
	pxor	%xmm1, %xmm0
	.irp off, 16, 32, 48, 64, 80, 96, 112, 128, 144
	movdqu	\off(%rdi), %xmm1
	aesenc	%xmm1, %xmm0
	.endr
	movdqu	160(%rdi), %xmm1
	aesenclast %xmm1, %xmm0
	movdqu	%xmm0, (%rdx)
	pxor	%xmm0, %xmm0
	pxor	%xmm1, %xmm1
	ret
	.size sdkt_aes_encrypt, . - sdkt_aes_encrypt

	.section .note.GNU-stack, "", @progbits
