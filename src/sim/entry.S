/* SPDX-License-Identifier: MIT */
/*
 * Assembly of the user-mode SGX machine.
 *
 * th_sim_sigtramp: the handler the kernel calls for every signal the machine owns. On a
 *   simulator sigaltstack it saves the interrupted FS/GS bases (the enclave's, when the signal
 *   hit enclave code), loads the host bases saved at the last EENTER/ERESUME from the thread
 *   block at the bottom of the altstack slot if the block says the enclave's may be loaded,
 *   calls th_sim_signal(sig, info, uc, fsgs) and loads the bases that function left in
 *   fsgs[0..1] before returning to the kernel's restorer. Off our altstacks the thread
 *   is in host mode and FS is already right: it tail-calls th_sim_signal with fsgs = NULL.
 *
 * th_sim_vdso_enter: __vdso_sgx_enter_enclave with the contract of the kernel's vsgx.S (run
 *   struct at 16(%rbp), -EINVAL checks, exception fields, user handler loop). Its single "ENCLU"
 *   is a jump to th_sim_enclu_soft, which performs EENTER/ERESUME without a trap.
 *
 * th_sim_enclu_soft: stores the register file (struct th_sim_regs), calls
 *   th_sim_soft_enclu(regs), then loads the resulting register file with FS/GS bases (and
 *   XRSTOR of the SSA's XSAVE area for ERESUME) and IRETQs to it, which loads RIP, RFLAGS and RSP at once.
 */
#define ALT_SLOT 0x40000
#define LANDING 0x8000		/* TH_ALT_LANDING */
#define ALT_FLOOR 88		/* offsetof(struct th_sim_thread, alt_floor) */
#define UC_FPREGS 224		/* offsetof(ucontext_t, uc_mcontext.fpregs) */

/* around a system call: the registers it uses or clobbers (RAX RDI RSI RCX R11 RDX) */
.macro SYSCALL_SAVE
	push	%rax
	push	%rdi
	push	%rsi
	push	%rcx
	push	%r11
	push	%rdx
.endm

.macro SYSCALL_RESTORE
	pop	%rdx
	pop	%r11
	pop	%rcx
	pop	%rsi
	pop	%rdi
	pop	%rax
.endm

/*
 * SETBASE: WRFSBASE/WRGSBASE only when the kernel enabled FSGSBASE (AT_HWCAP2 bit 1;
 * th_sim_fsgsbase, set at start-up). Without it the CPU may still execute them (the hypervisor
 * left CR4.FSGSBASE on), but the kernel does not save a base written that way: the next context
 * switch puts back the one arch_prctl() last set, so the enclave (or the host) silently runs
 * on with the other's FS/GS. Then the base goes through arch_prctl(ARCH_SET_FS/GS, REG).
 * GETBASE: REG = the base, by RDFSBASE/RDGSBASE under the same condition, else
 * arch_prctl(ARCH_GET_FS/GS) (before Linux 5.9, or with nofsgsbase, the instructions are #UD);
 * there REG must not be one of the registers SYSCALL_SAVE saves.
 * Every register but REG's copy (GETBASE: REG) and the flags is kept.
 */
/* arch_prctl's codes: ARCH_SET_GS, ARCH_SET_FS, ARCH_GET_FS, ARCH_GET_GS */
.set	ARCH_wrgs, 0x1001
.set	ARCH_wrfs, 0x1002
.set	ARCH_rdfs, 0x1003
.set	ARCH_rdgs, 0x1004

.macro FSGSBASE op, which, reg
	cmpb	$0, th_sim_fsgsbase(%rip)
	je	91f
	\op\which\()base \reg
	jmp	92f
91:	SYSCALL_SAVE
	.ifc \op, rd
	sub	$8, %rsp
	movq	$0, (%rsp)
	mov	%rsp, %rsi
	.else
	mov	\reg, %rsi
	.endif
	mov	$ARCH_\op\which, %edi
	mov	$158, %eax		/* SYS_arch_prctl */
	syscall
	.ifc \op, rd
	mov	(%rsp), \reg
	add	$8, %rsp
	.endif
	SYSCALL_RESTORE
92:
.endm

.macro SETBASE which, reg
	FSGSBASE wr, \which, \reg
.endm

.macro GETBASE which, reg
	FSGSBASE rd, \which, \reg
.endm

	.text

	.globl	th_sim_sigtramp
	.hidden	th_sim_sigtramp
	.type	th_sim_sigtramp, @function
th_sim_sigtramp:
	.cfi_startproc
	mov	%rsp, %rax
	sub	th_sim_alt_base(%rip), %rax
	cmp	th_sim_alt_size(%rip), %rax
	jae	1f
	/*
	 * A frame in the slot's top LANDING bytes came from off the altstack (enclave code): the
	 * kernel puts it at the top even when frames of an earlier signal still live there, so
	 * it moves below the thread block's alt_floor (frame, siginfo and fpstate; the pointers
	 * to them follow), 64-byte steps keeping the fpstate's alignment and RSP mod 16.
	 */
	mov	%rsp, %rax
	and	$-ALT_SLOT, %rax		/* the thread block */
	mov	%rsp, %r11
	sub	%rax, %r11
	cmp	$(ALT_SLOT - LANDING), %r11
	jb	4f
	mov	ALT_FLOOR(%rax), %r10
	test	%r10, %r10
	jz	4f
	mov	$ALT_SLOT, %rcx
	sub	%r11, %rcx			/* the frame: RSP to the top */
	mov	%r10, %r11
	sub	%rcx, %r11
	sub	%rsp, %r11
	and	$-64, %r11			/* the move (negative) */
	jns	4f
	lea	(%rsp,%r11), %r8		/* the new RSP */
	lea	0x4000(%rax), %r10		/* not into the thread block's page and the bottom */
	cmp	%r10, %r8
	jb	4f
	mov	%rdi, %r9
	mov	%rsi, %r10
	mov	%rsp, %rsi
	mov	%r8, %rdi
	cld
	rep movsb				/* to a lower address: forward is safe on overlap */
	mov	%r8, %rsp
	mov	%r9, %rdi
	lea	(%r10,%r11), %rsi		/* siginfo */
	add	%r11, %rdx			/* ucontext */
	cmpq	$0, UC_FPREGS(%rdx)
	je	4f
	add	%r11, UC_FPREGS(%rdx)		/* its fpstate */
4:	push	%rbx
	.cfi_adjust_cfa_offset 8
	push	%r12
	.cfi_adjust_cfa_offset 8
	push	%r13
	.cfi_adjust_cfa_offset 8
	mov	%rsp, %rbx
	and	$-ALT_SLOT, %rbx
	GETBASE	fs, %r12
	GETBASE	gs, %r13
	cmpq	$0, 16(%rbx)		/* host bases live: leave them (the program may move FS) */
	je	2f
	mov	0(%rbx), %rax
	SETBASE	fs, %rax
	mov	8(%rbx), %rax
	SETBASE	gs, %rax
2:	sub	$16, %rsp
	.cfi_adjust_cfa_offset 16
	mov	%r12, 0(%rsp)
	mov	%r13, 8(%rsp)
	mov	%rsp, %rcx
	call	th_sim_signal
	mov	0(%rsp), %rax
	SETBASE	fs, %rax
	mov	8(%rsp), %rax
	SETBASE	gs, %rax
	add	$16, %rsp
	.cfi_adjust_cfa_offset -16
	pop	%r13
	.cfi_adjust_cfa_offset -8
	pop	%r12
	.cfi_adjust_cfa_offset -8
	pop	%rbx
	.cfi_adjust_cfa_offset -8
	ret
1:	xor	%ecx, %ecx
	jmp	th_sim_signal
	.cfi_endproc
	.size	th_sim_sigtramp, .-th_sim_sigtramp

/*
 * th_sim_altstack_retry: where a thread's first trapped ENCLU returns when it was not on a
 * simulator altstack (th_sim_thread_setup_frame). The kernel refuses a sigaltstack() made in
 * that handler, so it is made here, on the thread's own stack, past its red zone; then back to
 * the ENCLU, which traps again, onto the new altstack. RDI holds the thread block, which holds
 * the stack_t, the ENCLU's address and the real RDI. Every register and flag is kept.
 */
	.globl	th_sim_altstack_retry
	.hidden	th_sim_altstack_retry
	.type	th_sim_altstack_retry, @function
th_sim_altstack_retry:
	lea	-128(%rsp), %rsp	/* the red zone (lea: the flags are kept) */
	pushfq
	push	%rax
	push	%rcx
	push	%rsi
	push	%r11
	push	%rdi
	lea	64(%rdi), %rdi		/* retry_ss */
	xor	%esi, %esi
	mov	$131, %eax		/* SYS_sigaltstack */
	syscall
	pop	%rdi
	pop	%r11
	pop	%rsi
	pop	%rcx
	pop	%rax
	popfq
	push	48(%rdi)		/* retry_rip */
	mov	56(%rdi), %rdi		/* retry_rdi */
	ret	$128
	.size	th_sim_altstack_retry, .-th_sim_altstack_retry

	.globl	th_sim_vdso_enter
	.hidden	th_sim_vdso_enter
	.globl	th_sim_vdso_aep
	.hidden	th_sim_vdso_aep
	.globl	th_sim_vdso_after
	.hidden	th_sim_vdso_after
	.globl	th_sim_vdso_exception
	.hidden	th_sim_vdso_exception
	.type	th_sim_vdso_enter, @function
th_sim_vdso_enter:
	.cfi_startproc
	push	%rbp
	.cfi_adjust_cfa_offset 8
	.cfi_rel_offset %rbp, 0
	mov	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	push	%rbx
	.cfi_rel_offset %rbx, -8
	mov	%ecx, %eax
.Lv_enter:
	cmp	$2, %eax		/* EENTER */
	jb	.Lv_inval
	cmp	$3, %eax		/* ERESUME */
	ja	.Lv_inval
	mov	16(%rbp), %rcx		/* struct sgx_enclave_run * */
	mov	$40, %rbx		/* reserved area [40, 256) must be zero */
2:	cmpq	$0, (%rcx, %rbx)
	jne	.Lv_inval
	add	$8, %rbx
	cmp	$256, %rbx
	jne	2b
	mov	0(%rcx), %rbx		/* run->tcs */
	lea	th_sim_vdso_aep(%rip), %rcx
th_sim_vdso_aep:
	jmp	th_sim_enclu_soft	/* "ENCLU": EENTER, or ERESUME when used as the AEP */
th_sim_vdso_after:
	mov	16(%rbp), %rbx
	movl	$4, 8(%rbx)		/* run->function = EEXIT */
.Lv_exit:
	cmpq	$0, 24(%rbx)		/* run->user_handler */
	jne	.Lv_user
	xor	%eax, %eax
.Lv_out:
	pop	%rbx
	leave
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_def_cfa %rbp, 16
.Lv_inval:
	mov	$-22, %eax
	jmp	.Lv_out
th_sim_vdso_exception:
	mov	16(%rbp), %rbx
	mov	%eax, 8(%rbx)		/* function: the leaf that was running */
	mov	%di, 12(%rbx)		/* exception_vector */
	mov	%si, 14(%rbx)		/* exception_error_code */
	mov	%rdx, 16(%rbx)		/* exception_addr */
	jmp	.Lv_exit
.Lv_user:
	mov	%rsp, %rcx		/* untrusted RSP at exit, 4th argument */
	mov	%rbx, %rax
	mov	%rsp, %rbx
	and	$0xf, %rbx
	and	$-0x10, %rsp
	push	%rax
	push	%rax			/* run, 7th argument */
	cld
	mov	24(%rax), %rax
	call	*%rax
	lea	0x10(%rsp, %rbx), %rsp
	cmp	$0, %eax
	jle	.Lv_out
	jmp	.Lv_enter
	.cfi_endproc
	.size	th_sim_vdso_enter, .-th_sim_vdso_enter

	.globl	th_sim_enclu_soft
	.hidden	th_sim_enclu_soft
	.type	th_sim_enclu_soft, @function
th_sim_enclu_soft:
	lea	-256(%rsp), %rsp
	mov	%rax, 0(%rsp)
	mov	%rcx, 8(%rsp)
	mov	%rdx, 16(%rsp)
	mov	%rbx, 24(%rsp)
	mov	%rbp, 40(%rsp)
	mov	%rsi, 48(%rsp)
	mov	%rdi, 56(%rsp)
	mov	%r8, 64(%rsp)
	mov	%r9, 72(%rsp)
	mov	%r10, 80(%rsp)
	mov	%r11, 88(%rsp)
	mov	%r12, 96(%rsp)
	mov	%r13, 104(%rsp)
	mov	%r14, 112(%rsp)
	mov	%r15, 120(%rsp)
	pushfq
	popq	128(%rsp)
	lea	256(%rsp), %rax
	mov	%rax, 32(%rsp)
	lea	th_sim_vdso_aep(%rip), %rax
	mov	%rax, 136(%rsp)
	GETBASE	fs, %r12		/* R12 is in the register file: loaded from there at the end */
	mov	%r12, 144(%rsp)
	GETBASE	gs, %r12
	mov	%r12, 152(%rsp)
	movq	$0, 160(%rsp)
	mov	%rsp, %rdi
	mov	%rsp, %rbx
	and	$-16, %rsp
	cld
	call	th_sim_soft_enclu
	mov	%rbx, %rsp
	mov	144(%rsp), %rax
	SETBASE	fs, %rax
	mov	152(%rsp), %rax
	SETBASE	gs, %rax
	mov	160(%rsp), %rcx
	test	%rcx, %rcx
	jz	1f
	mov	168(%rsp), %rax
	mov	%rax, %rdx
	shr	$32, %rdx
	xrstor64 (%rcx)
1:	mov	136(%rsp), %rax
	mov	%rax, 176(%rsp)		/* IRET frame: RIP, CS, RFLAGS, RSP, SS */
	movq	$0x33, 184(%rsp)
	mov	128(%rsp), %rax
	mov	%rax, 192(%rsp)
	mov	32(%rsp), %rax
	mov	%rax, 200(%rsp)
	movq	$0x2b, 208(%rsp)
	mov	8(%rsp), %rcx
	mov	16(%rsp), %rdx
	mov	24(%rsp), %rbx
	mov	40(%rsp), %rbp
	mov	48(%rsp), %rsi
	mov	56(%rsp), %rdi
	mov	64(%rsp), %r8
	mov	72(%rsp), %r9
	mov	80(%rsp), %r10
	mov	88(%rsp), %r11
	mov	96(%rsp), %r12
	mov	104(%rsp), %r13
	mov	112(%rsp), %r14
	mov	120(%rsp), %r15
	mov	0(%rsp), %rax
	lea	176(%rsp), %rsp
	iretq
	.size	th_sim_enclu_soft, .-th_sim_enclu_soft


/*
 * th_sim_copy_user(dst, src, len): copy_from_user for the device models, without a system call.
 * Returns the bytes NOT copied (0 when all were). A fault on the source stops the REP MOVSB with
 * RCX = what is left; th_sim_signal sees the fault at th_sim_copy_user_insn and resumes at
 * th_sim_copy_user_fixup, as the kernel's exception table does for its own copy.
 */
	.globl	th_sim_copy_user
	.hidden	th_sim_copy_user
	.globl	th_sim_copy_user_insn
	.hidden	th_sim_copy_user_insn
	.globl	th_sim_copy_user_fixup
	.hidden	th_sim_copy_user_fixup
	.text
	.type	th_sim_copy_user, @function
th_sim_copy_user:
	.cfi_startproc
	mov	%rdx, %rcx
th_sim_copy_user_insn:
	rep movsb
th_sim_copy_user_fixup:
	mov	%rcx, %rax
	ret
	.cfi_endproc
	.size	th_sim_copy_user, .-th_sim_copy_user

	.section .note.GNU-stack, "", @progbits
