/* SPDX-License-Identifier: MIT */
/*
 * Sample enclave: TCS pages, SSA frames, per-TCS stacks and the EENTER entry stub.
 * EENTER gives RAX = CSSA, RBX = address of the TCS, RCX = the host's return address
 * (the instruction after EENTER); RDI is the host's struct th_sample_call pointer.
 */
#define TCS_COUNT 2
#define STACK_SHIFT 14                  /* TH_SAMPLE_STACK_SIZE = 16 KiB */
#define NSSA 1

	.section .tcs, "aw"
	.balign 4096
	.irp n, 0, 1
	.quad 0                         /* STATE */
	.quad 0                         /* FLAGS */
	.quad sample_ssa + \n * NSSA * 4096     /* OSSA: an offset (linked at 0) */
	.long 0                         /* CSSA */
	.long NSSA                      /* NSSA */
	.quad sample_entry              /* OENTRY */
	.quad 0                         /* AEP */
	.quad 0                         /* OFSBASE */
	.quad 0                         /* OGSBASE */
	.long 0xffffffff                /* FSLIMIT */
	.long 0xffffffff                /* GSLIMIT */
	.fill 4024, 1, 0
	.endr

	.section .bss.ssa, "aw", @nobits
	.balign 4096
	.globl sample_ssa
	.hidden sample_ssa
sample_ssa:
	.skip TCS_COUNT * NSSA * 4096

	.section .bss.stacks, "aw", @nobits
	.balign 4096
sample_stacks:
	.skip TCS_COUNT << STACK_SHIFT

	.section .text.entry, "ax"
	.globl sample_entry
	.hidden sample_entry
	.type sample_entry, @function
sample_entry:
	test	%rax, %rax              /* CSSA != 0: an entry after AEX; not served */
	jnz	.Lrefuse
	lea	__encl_base(%rip), %rax
	mov	%rbx, %r11
	sub	%rax, %r11
	shr	$12, %r11               /* TCS index */
	cmp	$TCS_COUNT, %r11
	jae	.Lrefuse
	inc	%r11
	shl	$STACK_SHIFT, %r11
	lea	sample_stacks(%rip), %rax
	add	%r11, %rax              /* top of this TCS's stack */
	mov	%rsp, -8(%rax)          /* host RSP */
	mov	%rbp, -16(%rax)         /* host RBP */
	mov	%rcx, -24(%rax)         /* return address */
	lea	-32(%rax), %rsp         /* 16-byte aligned for the call */
	xor	%ebp, %ebp
	cld
	call	sample_dispatch         /* RDI: the host's struct th_sample_call */
	mov	8(%rsp), %rbx
	mov	16(%rsp), %rbp
	mov	24(%rsp), %rsp
	jmp	.Lexit
.Lrefuse:
	mov	%rcx, %rbx
.Lexit:
	xor	%ecx, %ecx
	xor	%edx, %edx
	xor	%esi, %esi
	xor	%edi, %edi
	xor	%r8d, %r8d
	xor	%r9d, %r9d
	xor	%r10d, %r10d
	xor	%r11d, %r11d
	mov	$4, %eax                /* EEXIT to RBX */
	enclu
	ud2
	.size sample_entry, . - sample_entry

	.section .note.GNU-stack, "", @progbits
