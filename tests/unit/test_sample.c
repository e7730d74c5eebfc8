/* SPDX-License-Identifier: MIT */
/*
 * The sample enclave, run on the host without SGX: its page plan is laid out at a size-aligned
 * base exactly as a loader would, and entered the way EENTER enters (RAX = CSSA, RBX = TCS,
 * RCX = return address, RDI = the call). ENCLU traps (SIGILL); the handler plays EEXIT (jump to
 * RBX, recording the register state), EREPORT and EGETKEY (checking operand alignment). What
 * this proves: the entry stub finds each TCS's stack, preserves RSP/RBP/R12-R15, scrubs the
 * scratch registers, and the dispatcher implements include/teehost/sample_abi.h.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

#include <cmocka.h>

#include "sgx/image.h"
#include "teehost/sample_abi.h"

/* uint64_t sample_eenter(entry, tcs, call, cssa): returns RSP after the exit minus before (0). */
uint64_t sample_eenter(uint64_t entry, uint64_t tcs, struct th_sample_call *call, uint64_t cssa);
__asm__(
	".text\n"
	".globl sample_eenter\n"
	".type sample_eenter, @function\n"
	"sample_eenter:\n"
	"	push %rbp\n	push %rbx\n	push %r12\n	push %r13\n	push %r14\n	push %r15\n"
	"	mov %rsp, %r12\n"
	"	movabs $0x1122334455667788, %rbp\n"
	"	movabs $0x0f0e0d0c0b0a0908, %r13\n"
	"	mov %rdi, %r11\n"
	"	mov %rsi, %rbx\n"
	"	mov %rdx, %rdi\n"
	"	mov %rcx, %rax\n"
	"	lea 1f(%rip), %rcx\n"
	"	jmp *%r11\n"
	"1:\n"
	"	mov %rsp, %rax\n"
	"	sub %r12, %rax\n"
	"	movabs $0x0f0e0d0c0b0a0908, %rdx\n"
	"	cmp %rdx, %r13\n"
	"	je 2f\n"
	"	or $1, %rax\n"          /* R13 not preserved */
	"2:	mov %r12, %rsp\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n	pop %r12\n	pop %rbx\n	pop %rbp\n"
	"	ret\n");

static uint8_t *base;
static void *map_start;
static struct th_image img;
static uint64_t entry_off;
static greg_t exit_regs[NGREG];
static int exits, reports, getkeys, bad_alignment;
static uint8_t altstack[1 << 16] __attribute__((aligned(64)));

static void on_sigill(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *g = uc->uc_mcontext.gregs;
	const uint8_t *rip = (const uint8_t *)g[REG_RIP];

	(void)sig;
	(void)si;
	if (rip[0] != 0x0f || rip[1] != 0x01 || rip[2] != 0xd7)
		abort();
	switch (g[REG_RAX]) {
	case 4:         /* EEXIT */
		memcpy(exit_regs, g, sizeof(exit_regs));
		exits++;
		g[REG_RCX] = g[REG_RIP] + 3;
		g[REG_RIP] = g[REG_RBX];
		return;
	case 0: {       /* EREPORT: TARGETINFO @RBX (512-aligned), REPORTDATA @RCX (128), REPORT @RDX (512) */
		uint8_t *report = (uint8_t *)g[REG_RDX];

		bad_alignment |= (g[REG_RBX] & 511) || (g[REG_RCX] & 127) || (g[REG_RDX] & 511);
		memset(report, 0xab, 432);
		memcpy(report + 320, (const void *)g[REG_RCX], 64);    /* REPORT.REPORTDATA */
		memcpy(report + 64, (const void *)g[REG_RBX], 32);     /* stand-in for MRENCLAVE */
		reports++;
		break;
	}
	case 1: {       /* EGETKEY: KEYREQUEST @RBX (512-aligned), key @RCX (16) */
		const uint8_t *req = (const uint8_t *)g[REG_RBX];

		bad_alignment |= (g[REG_RBX] & 511) || (g[REG_RCX] & 15);
		if (req[0] > 4) {
			g[REG_RAX] = 256;       /* SGX_INVALID_KEYNAME */
		} else {
			memset((void *)g[REG_RCX], 0x40 + req[0], 16);
			g[REG_RAX] = 0;
		}
		getkeys++;
		break;
	}
	default:
		abort();
	}
	g[REG_RIP] += 3;
}

static int setup(void **state)
{
	const char *b = getenv("BUILD");
	char path[4096];
	struct th_err err = { { 0 } };
	uint8_t scratch[4096];
	stack_t ss;

	(void)state;
	snprintf(path, sizeof(path), "%s/sample.elf", b && *b ? b : "build");
	if (th_image_open(path, NULL, &img, &err)) {
		fprintf(stderr, "%s: %s\n", path, err.msg);
		return -1;
	}
	map_start = mmap(NULL, 2 * img.plan.size, PROT_READ | PROT_WRITE | PROT_EXEC,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (map_start == MAP_FAILED)
		return -1;
	base = (uint8_t *)(((uintptr_t)map_start + img.plan.size - 1) & ~(uintptr_t)(img.plan.size - 1));
	for (size_t r = 0; r < img.plan.nruns; r++)
		for (uint64_t i = 0; i < img.plan.runs[r].npages; i++)
			memcpy(base + img.plan.runs[r].offset + i * 4096,
			       th_plan_page(&img.plan, &img.plan.runs[r], i, scratch), 4096);
	entry_off = ((const struct sgx_tcs *)base)->oentry;
	ss.ss_sp = altstack;
	ss.ss_size = 1 << 16;
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	return 0;
}

/* EENTER; cmocka installs its own SIGILL handler around each test, so ours goes in each time. */
static uint64_t enter(uint64_t tcs, struct th_sample_call *c, uint64_t cssa)
{
	struct sigaction sa, old;
	uint64_t ret;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigill;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigaction(SIGILL, &sa, &old);
	ret = sample_eenter((uint64_t)(base + entry_off), (uint64_t)base + tcs, c, cssa);
	sigaction(SIGILL, &old, NULL);
	return ret;
}

static int teardown(void **state)
{
	(void)state;
	munmap(map_start, 2 * img.plan.size);
	th_image_close(&img);
	return 0;
}

static struct th_sample_call call(unsigned tcs, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2)
{
	struct th_sample_call c = { TH_SAMPLE_MAGIC, op, { a0, a1, a2, 0 }, 0x5555, 12345 };
	int before = exits;

	assert_int_equal(enter(tcs * 4096ull, &c, 0), 0);
	assert_int_equal(exits, before + 1);
	return c;
}

static void test_add_store_load(void **state)
{
	struct th_sample_call c;

	(void)state;
	c = call(0, TH_SAMPLE_OP_ADD, 40, 2, 0);
	assert_int_equal(c.status, 0);
	assert_int_equal(c.ret, 42);
	c = call(1, TH_SAMPLE_OP_ADD, UINT64_MAX, 2, 0);
	assert_int_equal(c.ret, 1);
	c = call(0, TH_SAMPLE_OP_STORE, 0xfeedface, 0, 0);
	assert_int_equal(c.status, 0);
	c = call(1, TH_SAMPLE_OP_LOAD, 0, 0, 0);       /* the other thread sees it */
	assert_int_equal(c.status, 0);
	assert_int_equal(c.ret, 0xfeedface);
}

static void test_hash(void **state)
{
	static const char msg[] = "teehost sample enclave";
	uint64_t h = TH_SAMPLE_FNV_OFFSET;
	struct th_sample_call c;

	(void)state;
	for (size_t i = 0; i < sizeof(msg) - 1; i++) {
		h ^= (uint8_t)msg[i];
		h *= TH_SAMPLE_FNV_PRIME;
	}
	c = call(0, TH_SAMPLE_OP_HASH, (uint64_t)msg, sizeof(msg) - 1, 0);
	assert_int_equal(c.status, 0);
	assert_int_equal(c.ret, h);
	c = call(0, TH_SAMPLE_OP_HASH, (uint64_t)msg, 0, 0);
	assert_int_equal(c.ret, TH_SAMPLE_FNV_OFFSET);
	/* a "host" buffer inside the enclave is refused */
	c = call(0, TH_SAMPLE_OP_HASH, (uint64_t)(base + 0x100), 16, 0);
	assert_int_equal(c.status, TH_SAMPLE_EINVAL);
	c = call(0, TH_SAMPLE_OP_HASH, (uint64_t)base - 8, 16, 0);
	assert_int_equal(c.status, TH_SAMPLE_EINVAL);
}

static void test_bad_calls(void **state)
{
	struct th_sample_call c = { 0x1234, TH_SAMPLE_OP_ADD, { 1, 2, 0, 0 }, 7, 7 };

	(void)state;
	assert_int_equal(enter(0, &c, 0), 0);
	assert_int_equal(c.status, TH_SAMPLE_EINVAL);
	c = call(0, 99, 0, 0, 0);
	assert_int_equal(c.status, TH_SAMPLE_EINVAL);
	c = call(0, 0, 0, 0, 0);
	assert_int_equal(c.status, TH_SAMPLE_EINVAL);
}

static void test_refused_entries(void **state)
{
	struct th_sample_call c = { TH_SAMPLE_MAGIC, TH_SAMPLE_OP_ADD, { 1, 2, 0, 0 }, 7, 7 };

	(void)state;
	/* CSSA != 0 (an entry after an AEX) and an unknown TCS: exit at once, touch nothing */
	assert_int_equal(enter(0, &c, 1), 0);
	assert_int_equal(c.status, 7);
	assert_int_equal(enter(2 * 4096, &c, 0), 0);
	assert_int_equal(c.status, 7);
}

static void test_exit_register_state(void **state)
{
	(void)state;
	call(1, TH_SAMPLE_OP_ADD, 1, 2, 0);
	assert_int_equal(exit_regs[REG_RAX], 4);                /* EEXIT leaf */
	assert_int_equal(exit_regs[REG_RBP], 0x1122334455667788);
	assert_int_equal(exit_regs[REG_RCX], 0);
	assert_int_equal(exit_regs[REG_RDX], 0);
	assert_int_equal(exit_regs[REG_RSI], 0);
	assert_int_equal(exit_regs[REG_RDI], 0);
	assert_int_equal(exit_regs[REG_R8], 0);
	assert_int_equal(exit_regs[REG_R9], 0);
	assert_int_equal(exit_regs[REG_R10], 0);
	assert_int_equal(exit_regs[REG_R11], 0);
	assert_int_equal(exit_regs[REG_R13], 0x0f0e0d0c0b0a0908);
	/* the enclave ran on its own stack: not within 64 KiB of ours */
}

static void test_report_and_getkey(void **state)
{
	uint8_t ti[512], rd[64], report[432], kr[512], key[16];
	struct th_sample_call c;

	(void)state;
	memset(ti, 0x11, sizeof(ti));
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)i;
	memset(report, 0, sizeof(report));
	c = call(0, TH_SAMPLE_OP_REPORT, (uint64_t)ti, (uint64_t)rd, (uint64_t)report);
	assert_int_equal(c.status, 0);
	assert_int_equal(reports, 1);
	assert_memory_equal(report + 320, rd, 64);
	assert_memory_equal(report + 64, ti, 32);
	assert_int_equal(report[0], 0xab);
	c = call(0, TH_SAMPLE_OP_REPORT, (uint64_t)ti, (uint64_t)(base + 0x3000), (uint64_t)report);
	assert_int_equal(c.status, TH_SAMPLE_EINVAL);

	memset(kr, 0, sizeof(kr));
	kr[0] = 4;      /* SEAL key */
	memset(key, 0, sizeof(key));
	c = call(1, TH_SAMPLE_OP_GETKEY, (uint64_t)kr, (uint64_t)key, 0);
	assert_int_equal(c.status, 0);
	assert_int_equal(key[0], 0x44);
	assert_int_equal(key[15], 0x44);
	kr[0] = 9;      /* bad key name: EGETKEY's error comes back, no key */
	memset(key, 0, sizeof(key));
	c = call(1, TH_SAMPLE_OP_GETKEY, (uint64_t)kr, (uint64_t)key, 0);
	assert_int_equal(c.status, 256);
	assert_int_equal(key[0], 0);
	assert_int_equal(bad_alignment, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_store_load),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_bad_calls),
		cmocka_unit_test(test_refused_entries),
		cmocka_unit_test(test_exit_register_state),
		cmocka_unit_test(test_report_and_getkey),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
