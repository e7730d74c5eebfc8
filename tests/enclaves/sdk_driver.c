/* SPDX-License-Identifier: MIT */
/*
 * The SDK call driver: a host-side runtime of our own for tests/enclaves/sdk (sdk_abi.h),
 * written from the Intel SGX SDK's documented ECALL ABI as its uRTS speaks it
 * (linux-sgx psw/urts/linux: enter_enclave.S, sig_handler.cpp). It loads the enclave through
 * libsgx_enclave_common.so.1 as the uRTS does (enclave_create_ex, enclave_load_data,
 * enclave_initialize; enclave_alloc and enclave_modify for EDMM) and enters it as the uRTS
 * does: through __vdso_sgx_enter_enclave where the kernel offers it, otherwise with its own
 * ENCLU[EENTER] and an AEP that is an ENCLU[ERESUME], exceptions coming as signals whose
 * handler makes the second-phase ECALL (ECMD_EXCEPT) before returning to the AEP.
 * libteehost is used only to build the page plan, measure and sign.
 *
 *   sdk_driver MODE ELF KEY.pem [ARGS]     output: TAP
 *   modes: abi except threads attest kss edmm switchless aexnotify mapalign (isgx) xsave
 *          seal SIZE_MIB POLICY (prints "seal HEX" after the TAP lines)
 *          quote OUT [REPORTDATA_HEX] (through libsgx_dcap_ql.so.1; prints "mrenclave HEX")
 */
#include <cpuid.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "sgx_enclave_common.h"

#include "sdk_abi.h"
#include "sgx/arch.h"
#include "sgx/image.h"
#include "sgx/keys.h"
#include "sgx/plan.h"
#include "sgx/signer.h"
#include "sgx/sigstruct.h"
#include "sgx/uapi.h"
#include "../loader/runtime_test.h"

static void skip(const char *what, const char *why)
{
	printf("ok %d - %s # SKIP %s\n", ++n_test, what, why);
	fflush(stdout);
}

/*
 * The enclave checks FS.BASE before it writes through it and returns SDKT_ERR_FS_EXIT when the
 * base changed under it. That is a known simulator defect on kernels without user FSGSBASE
 * (FINDINGS 1, issue 10 D): such a result is a skip naming it, every other failure fails.
 */
#define FS_LOST_REASON "FS.BASE inside the enclave was lost at a context switch (the " \
	"simulator sets it with WRFSBASE, which this kernel does not preserve: no HWCAP2_FSGSBASE)"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/*
 * The enclave checks FS.BASE before it writes through it and returns SDKT_ERR_FS_EXIT when the
 * base changed under it. That is a known simulator defect on kernels without user FSGSBASE
 * (FINDINGS 1, issue 10 D): such a result is a skip naming it, every other failure fails.
 */
#define FS_LOST_REASON "FS.BASE inside the enclave was lost at a context switch (the " \
	"simulator sets it with WRFSBASE, which this kernel does not preserve: no HWCAP2_FSGSBASE)"

static void die(const char *fmt, ...)
{
	va_list ap;

	printf("not ok %d - ", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n1..%d\n", n_test);
	exit(1);
}

/* ---- loading, as the uRTS does it through the common loader ---- */

struct encl {
	uint8_t *base;
	uint64_t size;
	struct sgx_sigstruct ss;
};

struct load_opts {
	uint64_t size;                  /* SECS.SIZE (and ELRANGE); changes MRENCLAVE */
	uint64_t attributes;            /* added to DEBUG | MODE64BIT */
	bool kss;                       /* CONFIGID/CONFIGSVN in the SECS, family/ext ids signed */
	uint32_t *create_error;         /* set: a refused enclave_create_ex returns, with the code */
};

static const uint8_t kss_config_id[64] = "teehost KSS CONFIGID: 64 bytes of configuration, checked.";
static const uint8_t kss_family[16] = "family:teehost!";
static const uint8_t kss_ext_prod[16] = "extprod:sdk-test";
#define KSS_CONFIG_SVN 0x1234

static const char *g_elf, *g_key;

static uint32_t page_props(uint64_t secinfo)
{
	uint32_t p = 0;

	if (th_secinfo_type(secinfo) == SGX_PT_TCS)
		return ENCLAVE_PAGE_THREAD_CONTROL;
	p = ENCLAVE_PAGE_REG;
	p |= (secinfo & SGX_SECINFO_R) ? ENCLAVE_PAGE_READ : 0;
	p |= (secinfo & SGX_SECINFO_W) ? ENCLAVE_PAGE_WRITE : 0;
	p |= (secinfo & SGX_SECINFO_X) ? ENCLAVE_PAGE_EXECUTE : 0;
	return p;
}

static bool encl_load(struct encl *en, const struct load_opts *o)
{
	static uint8_t scratch[4096] __attribute__((aligned(4096)));
	struct th_image_options iopts;
	struct th_image img;
	struct th_err err = { { 0 } };
	enclave_create_sgx_t cr;
	enclave_init_sgx_t in;
	struct sgx_secs *secs = (struct sgx_secs *)cr.secs;
	struct evp_pkey_st *key = NULL;
	uint32_t e = 0;

	memset(en, 0, sizeof(*en));
	memset(&iopts, 0, sizeof(iopts));
	if (th_image_open(g_elf, &iopts, &img, &err) < 0)
		die("%s: %s", g_elf, err.msg);
	if (o->size)
		img.plan.size = o->size;
	img.plan.attributes.flags |= SGX_ATTR_DEBUG | o->attributes | (o->kss ? SGX_ATTR_KSS : 0);
	th_sign_defaults(&en->ss, &img.plan.attributes, img.plan.miscselect);
	if (o->kss) {
		memcpy(en->ss.isv_family_id, kss_family, 16);
		memcpy(en->ss.isv_ext_prod_id, kss_ext_prod, 16);
	}
	if (th_plan_measure(&img.plan, en->ss.enclave_hash, &err) < 0 ||
	    th_key_load(g_key, &key, &err) < 0 || th_sigstruct_sign(&en->ss, key, &err) < 0)
		die("sign: %s", err.msg);
	th_key_free(key);

	memset(&cr, 0, sizeof(cr));
	secs->size = img.plan.size;
	secs->ssa_frame_size = 1;
	secs->miscselect = img.plan.miscselect;
	secs->attributes = img.plan.attributes;
	if (o->kss) {
		memcpy(secs->config_id, kss_config_id, 64);
		secs->config_svn = KSS_CONFIG_SVN;
	}
	en->size = img.plan.size;
	en->base = enclave_create_ex(NULL, en->size, en->size, ENCLAVE_TYPE_SGX2, &cr, sizeof(cr), 0,
				     NULL, &e);
	if (!en->base && o->create_error) {
		*o->create_error = e;
		th_image_close(&img);
		return false;
	}
	if (!en->base)
		die("enclave_create_ex: %#x", e);
	for (size_t r = 0; r < img.plan.nruns; r++) {
		const struct th_plan_run *run = &img.plan.runs[r];

		if (run->dynamic)
			continue;
		for (uint64_t i = 0; i < run->npages; i++) {
			const uint8_t *page = th_plan_page(&img.plan, run, i, scratch);
			uint32_t props = page_props(run->secinfo) |
					 (run->measure_mask ? 0 : ENCLAVE_PAGE_UNVALIDATED);

			if (enclave_load_data(en->base + run->offset + i * 4096, 4096, page, props,
					      &e) != 4096)
				die("enclave_load_data at %#" PRIx64 ": %#x", run->offset + i * 4096, e);
		}
	}
	th_image_close(&img);
	memcpy(in.sigstruct, &en->ss, sizeof(in.sigstruct));
	if (!enclave_initialize(en->base, &in, sizeof(in), &e))
		die("enclave_initialize: %#x", e);
	return true;
}

static void *tcs_of(struct encl *en, unsigned i)
{
	return en->base + (uint64_t)i * 4096;
}

/* ---- entering: the vDSO, or ENCLU with an AEP and a signal handler ---- */

typedef int (*vdso_fn)(unsigned long rdi, unsigned long rsi, unsigned long rdx,
		       unsigned int function, unsigned long r8, unsigned long r9,
		       struct sgx_enclave_run *run);

static vdso_fn vdso_sym(void)
{
	return (vdso_fn)test_vdso_sgx_enter();
}

static vdso_fn vdso;
static bool use_vdso;

/* What the enclave left in RDI/RSI at EEXIT; counted to show switchless calls need none. */
struct exit_regs {
	uint64_t rdi, rsi;
};
static uint64_t n_eenter, n_ocall_exits, n_exceptions;
static uint64_t n_handler_clobbered;  /* second phases after which the handler's frame changed */

/*
 * The direct path, as __morestack in the uRTS's enter_enclave.S: EENTER with the AEP being an
 * ENCLU, so that after an AEX (and the signal handler) the CPU executes ERESUME there.
 */
void sdkd_eenter(void *tcs, uint64_t rdi, uint64_t rsi, struct exit_regs *out);
extern const char sdkd_aep[];
__asm__(".text\n"
	".globl sdkd_eenter\n"
	"sdkd_eenter:\n"
	"  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
	"  push %rcx\n  push %rcx\n"           /* out (and alignment) */
	"  mov %rdi, %rbx\n"
	"  mov %rsi, %rdi\n"
	"  mov %rdx, %rsi\n"
	"  lea sdkd_aep(%rip), %rcx\n"
	"  mov $2, %eax\n"
	"  enclu\n"                             /* EEXIT comes back here */
	"  pop %rcx\n  pop %rcx\n"
	"  mov %rdi, 0(%rcx)\n  mov %rsi, 8(%rcx)\n"
	"  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
	"  ret\n"
	".globl sdkd_aep\n"
	"sdkd_aep:\n"
	"  enclu\n"                             /* RAX = ERESUME, RBX = TCS from the AEX */
	"  ud2\n");

/* The vDSO's user handler: take the enclave's RDI/RSI at EEXIT. */
static int vdso_handler(long rdi, long rsi, long rdx, long ursp, long r8, long r9,
			struct sgx_enclave_run *run)
{
	struct exit_regs *out = (struct exit_regs *)(uintptr_t)run->user_data;

	(void)rdx; (void)ursp; (void)r8; (void)r9;

	if (run->function == SGX_EEXIT) {
		out->rdi = (uint64_t)rdi;
		out->rsi = (uint64_t)rsi;
	}
	return 0;
}

/*
 * vDSO: callee-saved registers other than RBX/RBP come back as the enclave left them (zero
 * after an AEX's synthetic state): save them around the call, as the selftest's call.S does.
 */
int sdkd_vdso_call(vdso_fn fn, uint64_t rdi, uint64_t rsi, unsigned function,
		   struct sgx_enclave_run *run);
__asm__(".text\n"
	".globl sdkd_vdso_call\n"
	"sdkd_vdso_call:\n"
	"  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
	"  mov %rdi, %rax\n"                   /* fn */
	"  mov %rsi, %rdi\n"                   /* rdi */
	"  mov %rdx, %rsi\n"                   /* rsi */
	"  push %r8\n"                          /* run: the 7th argument; 16-byte aligned call */
	"  xor %edx, %edx\n"
	"  xor %r8d, %r8d\n  xor %r9d, %r9d\n"
	"  call *%rax\n"                       /* function is already in ECX */
	"  add $8, %rsp\n"
	"  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
	"  ret\n");

static uint64_t ecall(void *tcs, int64_t index, void *ms);

static uint64_t rdfs(void)
{
	uint64_t v;

	__asm__ volatile("rdfsbase %0" : "=r"(v));
	return v;
}

/* Host FS bases that came back wrong from an EENTER (put right, so the thread survives). */
static uint64_t n_fs_lost;

static int enter_once(void *tcs, uint64_t rdi, uint64_t rsi, struct exit_regs *out);

static int enter(void *tcs, uint64_t rdi, uint64_t rsi, struct exit_regs *out)
{
	uint64_t fs = rdfs();
	int rc = enter_once(tcs, rdi, rsi, out);

	if (rdfs() != fs) {
		__atomic_add_fetch(&n_fs_lost, 1, __ATOMIC_SEQ_CST);
		__asm__ volatile("wrfsbase %0" : : "r"(fs));
	}
	return rc;
}

/* One EENTER until the matching EEXIT; exceptions on the way are handled here (vDSO). */
static int enter_once(void *tcs, uint64_t rdi, uint64_t rsi, struct exit_regs *out)
{
	__atomic_add_fetch(&n_eenter, 1, __ATOMIC_SEQ_CST);
	if (!use_vdso) {
		sdkd_eenter(tcs, rdi, rsi, out);
		return 0;
	}
	for (unsigned function = SGX_EENTER;;) {
		struct sgx_enclave_run run;

		memset(&run, 0, sizeof(run));
		run.tcs = (uint64_t)(uintptr_t)tcs;
		run.user_handler = (uint64_t)(uintptr_t)vdso_handler;
		run.user_data = (uint64_t)(uintptr_t)out;
		if (sdkd_vdso_call(vdso, rdi, rsi, function, &run))
			return -1;
		if (run.function == SGX_EEXIT)
			return 0;
		/* an AEX: the second phase, as the uRTS does, then ERESUME */
		__atomic_add_fetch(&n_exceptions, 1, __ATOMIC_SEQ_CST);
		if (ecall(tcs, SDKT_ECMD_EXCEPT, NULL) != SDKT_OK)
			return -1;
		function = SGX_ERESUME;
	}
}

static __thread void *cur_tcs;
static uint64_t n_fs_entry_retries;

/* The direct path's exception handler (sig_handler.cpp): RIP at our AEP, RAX = ERESUME. */
static void on_fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *gr = uc->uc_mcontext.gregs;
	uint64_t status;

	if ((uintptr_t)gr[REG_RIP] != (uintptr_t)sdkd_aep || gr[REG_RAX] != SGX_ERESUME) {
		Dl_info di;

		/* not an enclave's: say where, then crash as it would */
		if (dladdr((void *)(uintptr_t)gr[REG_RIP], &di) && di.dli_fname)
			fprintf(stderr, "sdk_driver: signal %d at %s+%#lx (%s), address %p\n", sig,
				di.dli_fname, (unsigned long)(gr[REG_RIP] - (greg_t)di.dli_fbase),
				di.dli_sname ? di.dli_sname : "?", si->si_addr);
		signal(sig, SIG_DFL);
		return;
	}
	__atomic_add_fetch(&n_exceptions, 1, __ATOMIC_SEQ_CST);
	/*
	 * Intel's uRTS makes the second phase's ECALL from its handler, with frames of its own
	 * (its XSAVE area) live on the handler's stack: they, and the interrupted context, must
	 * come back whole (signals the second phase takes inside must not land on them).
	 */
	{
		volatile uint8_t mine[2048];
		greg_t before[NGREG];

		memcpy(before, gr, sizeof(before));
		for (size_t i = 0; i < sizeof(mine); i++)
			mine[i] = (uint8_t)(i * 7 + 1);
		status = ecall((void *)(uintptr_t)gr[REG_RBX], SDKT_ECMD_EXCEPT, NULL);
		for (size_t i = 0; i < sizeof(mine); i++)
			if (mine[i] != (uint8_t)(i * 7 + 1)) {
				__atomic_add_fetch(&n_handler_clobbered, 1, __ATOMIC_SEQ_CST);
				break;
			}
		if (gr[REG_RIP] != before[REG_RIP] || gr[REG_RSP] != before[REG_RSP] ||
		    gr[REG_RBX] != before[REG_RBX] || gr[REG_RAX] != before[REG_RAX]) {
			__atomic_add_fetch(&n_handler_clobbered, 1, __ATOMIC_SEQ_CST);
			memcpy(gr, before, sizeof(before));
		}
	}
	if (status != SDKT_OK) {
		fprintf(stderr, "sdk_driver: the enclave did not handle signal %d (%#" PRIx64 ")\n",
			sig, status);
		_exit(3);
	}
	/* return to the AEP: ERESUME */
}

/*
 * SIGUSR1 only interrupts (an AEX when it lands inside the enclave). The last one's context
 * is kept for the aexnotify mode: an AEX's is at the AEP with RAX = ERESUME, RBX = the TCS.
 */
static struct {
	uint64_t rip, rax, rbx;
	uint64_t seen;
} usr1;

static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	const greg_t *gr = ((ucontext_t *)ucv)->uc_mcontext.gregs;

	(void)sig;
	(void)si;
	usr1.rip = (uint64_t)gr[REG_RIP];
	usr1.rax = (uint64_t)gr[REG_RAX];
	usr1.rbx = (uint64_t)gr[REG_RBX];
	__atomic_store_n(&usr1.seen, 1, __ATOMIC_RELEASE);
}

static uint64_t ocall_nest(void *tcs, struct sdkt_nest *ms)
{
	struct sdkt_nest inner = { .depth = ms->depth - 1 };
	uint64_t st = ecall(tcs, SDKT_EC_NEST, &inner);     /* nested ECALL, same TCS */

	if (st != SDKT_OK)
		return st;
	ms->sum = inner.sum;
	ms->tcs_seen = inner.tcs_seen;
	return SDKT_OK;
}

/* sgx_ecall: EENTER, serve OCALLs (ORET after each) until ERET; returns the status. */
static uint64_t ecall(void *tcs, int64_t index, void *ms)
{
	uint64_t rdi = (uint64_t)index, rsi = (uint64_t)(uintptr_t)ms;
	void *outer = cur_tcs;
	int fs_retries = 0;

	cur_tcs = tcs;
	for (;;) {
		struct exit_regs out = { 0, 0 };

		if (enter(tcs, rdi, rsi, &out)) {
			cur_tcs = outer;
			return SDKT_ERR_UNEXPECTED;
		}
		if ((int64_t)out.rdi == SDKT_OCMD_ERET && out.rsi == SDKT_ERR_FS_ENTRY &&
		    rdi != (uint64_t)SDKT_ECMD_ORET && fs_retries < 100) {
			/*
			 * FS.BASE was already lost at entry (FINDINGS 1): the enclave ran nothing,
			 * so enter again; counted and reported, see fs_report().
			 */
			__atomic_add_fetch(&n_fs_entry_retries, 1, __ATOMIC_SEQ_CST);
			fs_retries++;
			continue;
		}
		if ((int64_t)out.rdi == SDKT_OCMD_ERET) {
			cur_tcs = outer;
			return out.rsi;
		}
		__atomic_add_fetch(&n_ocall_exits, 1, __ATOMIC_SEQ_CST);
		if (out.rdi == SDKT_OC_NEST)
			rsi = ocall_nest(tcs, (struct sdkt_nest *)(uintptr_t)out.rsi);
		else
			rsi = SDKT_ERR_FUNCTION;
		rdi = (uint64_t)SDKT_ECMD_ORET;
	}
}

static void setup_entry(void)
{
	struct sigaction sa;

	vdso = vdso_sym();
	use_vdso = vdso && !getenv("SDK_DRIVER_NO_VDSO");
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr1;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
}

static const struct load_opts default_opts = { .size = 1u << 20 };

/* ---- modes ---- */

static int mode_abi(void)
{
	struct encl en;
	struct sdkt_add add = { 40, 2, 0 };
	struct sdkt_nest nest = { .depth = 4 };
	uint64_t st, before;

	encl_load(&en, &default_opts);
	st = ecall(tcs_of(&en, 0), SDKT_EC_ADD, &add);
	ok(st == SDKT_OK && add.sum == 42, "ECALL 0 (add 40 2) on TCS 0: %" PRIu64 ", status %#" PRIx64,
	   add.sum, st);
	before = n_ocall_exits;
	st = ecall(tcs_of(&en, 0), SDKT_EC_NEST, &nest);
	ok(st == SDKT_OK && nest.sum == 4 + 3 + 2 + 1 && n_ocall_exits - before == 4,
	   "nested ECALLs from OCALLs, 4 deep on TCS 0: sum %" PRIu64 " (want 10), %" PRIu64
	   " OCALLs, status %#" PRIx64, nest.sum, n_ocall_exits - before, st);
	ok(nest.tcs_seen == 0, "the nested ECALLs ran on the same TCS (thread %" PRIu64 ")",
	   nest.tcs_seen);
	nest = (struct sdkt_nest){ .depth = 2 };
	st = ecall(tcs_of(&en, 5), SDKT_EC_NEST, &nest);
	ok(st == SDKT_OK && nest.sum == 3 && nest.tcs_seen == 5,
	   "the same on TCS 5: sum %" PRIu64 ", thread %" PRIu64, nest.sum, nest.tcs_seen);
	add = (struct sdkt_add){ 1, 2, 0 };
	st = ecall(tcs_of(&en, 0), SDKT_EC_ADD, &add);
	ok(st == SDKT_OK && add.sum == 3, "TCS 0 serves a plain ECALL after the nesting");
	st = ecall(tcs_of(&en, 1), SDKT_ECMD_ORET, NULL);
	ok(st == SDKT_ERR_UNEXPECTED, "ORET with no OCALL pending is refused (%#" PRIx64 ")", st);
	st = ecall(tcs_of(&en, 1), SDKT_EC_COUNT, &add);
	ok(st == SDKT_ERR_FUNCTION, "an ECALL index past the table: SGX_ERROR_INVALID_FUNCTION "
	   "(%#" PRIx64 ")", st);
	ok(enclave_delete(en.base, NULL), "enclave_delete");
	return 0;
}

static int mode_except(void)
{
	struct encl en;
	struct sdkt_fault f = { .kind = SDKT_FAULT_UD2 };
	uint64_t st, ex0 = n_exceptions;

	encl_load(&en, &default_opts);
	st = ecall(tcs_of(&en, 0), SDKT_EC_FAULT, &f);
	ok(st == SDKT_OK && f.result == SDKT_UD2_MARKER && f.handled == 1 && n_exceptions - ex0 == 1,
	   "ud2 in the enclave: AEX, ECMD_EXCEPT on the same TCS (CSSA 1), ERESUME past it "
	   "(marker %#" PRIx64 ", handled %" PRIu64 ", host saw %" PRIu64 ", status %#" PRIx64 ")",
	   f.result, f.handled, n_exceptions - ex0, st);
	f = (struct sdkt_fault){ .kind = SDKT_FAULT_UD2 };
	st = ecall(tcs_of(&en, 3), SDKT_EC_FAULT, &f);
	ok(st == SDKT_OK && f.result == SDKT_UD2_MARKER && f.handled == 2,
	   "again on TCS 3: the SSA frame was popped (handled %" PRIu64 ")", f.handled);
	{
		struct sdkt_add add = { 5, 6, 0 };

		st = ecall(tcs_of(&en, 0), SDKT_EC_ADD, &add);
		ok(st == SDKT_OK && add.sum == 11, "TCS 0 is back at CSSA 0: a plain ECALL works");
	}
	f = (struct sdkt_fault){ .kind = SDKT_FAULT_CPUID };
	ex0 = n_exceptions;
	st = ecall(tcs_of(&en, 0), SDKT_EC_FAULT, &f);
	{
		char v[13];

		memcpy(v, &f.result, 8);
		memcpy(v + 8, &f.result2, 4);
		v[12] = 0;
		/* natively (no #UD) this host's CPUID answers, e.g. "AuthenticAMD", handled 2 */
		ok(st == SDKT_OK && f.result == (0x756e6547ull | 0x49656e69ull << 32) &&
		   f.result2 == 0x6c65746e && f.handled == 3 && n_exceptions - ex0 == 1,
		   "CPUID in the enclave: #UD, emulated by the handler as SGX SSL's does "
		   "(vendor \"%s\", handled %" PRIu64 ", host saw %" PRIu64 ", status %#" PRIx64 ")",
		   v, f.handled, n_exceptions - ex0, st);
	}
	/*
	 * Intel's trts with SGX SSL: the second phase only points the SSA's RIP at the handler,
	 * which runs after ERESUME and needs CPUID's bytes at the faulting RIP. Twice on TCS 0 (the
	 * same instruction is #UD again once the ECALL is over), then on TCS 3.
	 */
	for (int i = 0; i < 3; i++) {
		int tcs = i < 2 ? 0 : 3;

		f = (struct sdkt_fault){ .kind = SDKT_FAULT_CPUID_LATE };
		ex0 = n_exceptions;
		st = ecall(tcs_of(&en, tcs), SDKT_EC_FAULT, &f);
		ok(st == SDKT_OK && f.result3 == 0xa20f &&
		   f.result == (0x756e6547ull | 0x49656e69ull << 32) && f.result2 == 0x6c65746e &&
		   f.handled == 4 + (uint64_t)i && n_exceptions - ex0 == 1,
		   "CPUID in the enclave, handled after ERESUME (SGX SSL under Intel's trts), TCS %d: "
		   "the handler reads %#" PRIx64 " at RIP (0xa20f: CPUID), emulates it (handled %"
		   PRIu64 ", host saw %" PRIu64 ", status %#" PRIx64 ")",
		   tcs, f.result3, f.handled, n_exceptions - ex0, st);
	}
	ok(n_handler_clobbered == 0, "the handler's own stack and the interrupted context came back "
	   "whole from each second phase's ECALL (%" PRIu64 " of %" PRIu64 " did not)",
	   n_handler_clobbered, n_exceptions);
	ok(enclave_delete(en.base, NULL), "enclave_delete");
	return 0;
}

struct thread_arg {
	struct encl *en;
	unsigned tcs;
	struct sdkt_thread_call call;
	uint64_t nest_ok, status;
	uint64_t fail_round, seen_index, host_fs;       /* diagnostics */
};



#define THREAD_ROUNDS 200
static const unsigned n_threads = SDKT_TCS_COUNT;

static void *thread_main(void *p)
{
	struct thread_arg *a = p;
	uint64_t fs0 = rdfs();

	a->host_fs = fs0;
	a->call.rounds = 1;
	a->call.rendezvous = n_threads;
	a->status = ecall(tcs_of(a->en, a->tcs), SDKT_EC_THREAD, &a->call);
	for (int i = 0; i < THREAD_ROUNDS && a->status == SDKT_OK; i++) {
		struct sdkt_thread_call c = { .rounds = 1 };
		struct sdkt_nest n = { .depth = 2 };

		a->status = ecall(tcs_of(a->en, a->tcs), SDKT_EC_THREAD, &c);
		if (c.index != a->tcs) {
			a->status = SDKT_ERR_UNEXPECTED;
			a->seen_index = c.index;
			a->fail_round = (uint64_t)i;
		}
		if (i % 20 == 0 && a->status == SDKT_OK) {
			a->status = ecall(tcs_of(a->en, a->tcs), SDKT_EC_NEST, &n);
			a->nest_ok += a->status == SDKT_OK && n.sum == 3 && n.tcs_seen == a->tcs;
		}
	}
	return NULL;
}

static void *one_add(void *p)
{
	struct thread_arg *a = p;
	struct sdkt_add add = { 1, 2, 0 };

	a->status = ecall(tcs_of(a->en, a->tcs), SDKT_EC_ADD, &add);
	return NULL;
}

static int mode_thread1(void)
{
	struct encl en;
	struct thread_arg a = { 0 };
	pthread_t th;

	encl_load(&en, &default_opts);
	a.en = &en;
	a.tcs = 1;
	pthread_create(&th, NULL, one_add, &a);
	pthread_join(th, NULL);
	ok(a.status == 0, "one thread, one ECALL, exits");
	return 0;
}

static int mode_threads(void)
{
	struct encl en;
	struct thread_arg a[SDKT_TCS_COUNT];
	pthread_t th[SDKT_TCS_COUNT];
	int met = 0, right = 0, nest = 0;
	struct sdkt_thread_call last = { 0 };

	encl_load(&en, &default_opts);
	for (unsigned i = 0; i < n_threads; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].en = &en;
		a[i].tcs = i;
		pthread_create(&th[i], NULL, thread_main, &a[i]);
	}
	for (unsigned i = 0; i < n_threads; i++) {
		pthread_join(th[i], NULL);
		met += a[i].call.met == 1;
		right += a[i].status == SDKT_OK && a[i].call.index == i;
		nest += a[i].nest_ok == THREAD_ROUNDS / 20;
		if (a[i].call.fs_in != a[i].call.fs_out)
			printf("# thread %u: FS.BASE inside the enclave changed from %#" PRIx64 " to %#"
			       PRIx64 " while it waited (its host FS.BASE is %#" PRIx64 ")\n", i,
			       a[i].call.fs_in, a[i].call.fs_out, a[i].host_fs);
		if (a[i].status)
			printf("# thread %u: status %#" PRIx64 ", round %" PRIu64 " saw thread data %"
			       PRIu64 "\n", i, a[i].status, a[i].fail_round, a[i].seen_index);
	}
	ok(n_fs_lost == 0, "every thread's own FS base was back after each EEXIT (%" PRIu64
	   " lost)", n_fs_lost);
	for (unsigned i = 0; i < n_threads; i++)
		if (a[i].status == SDKT_ERR_FS_EXIT) {
			skip("many threads on many TCSs", FS_LOST_REASON);
			enclave_delete(en.base, NULL);
			return 0;
		}
	ok(met == SDKT_TCS_COUNT, "%d threads were inside the enclave at once, one per TCS "
	   "(%d met the rendezvous)", SDKT_TCS_COUNT, met);
	ok(right == SDKT_TCS_COUNT, "each thread always ran with its own TCS's thread data "
	   "(%d of %d)", right, SDKT_TCS_COUNT);
	ok(nest == SDKT_TCS_COUNT, "nested ECALLs on every TCS concurrently (%d of %d)", nest,
	   SDKT_TCS_COUNT);
	ecall(tcs_of(&en, 0), SDKT_EC_THREAD, &last);
	ok(last.counter == SDKT_TCS_COUNT * (THREAD_ROUNDS + 1),
	   "no increment was lost: the enclave's counter is %" PRIu64 " (want %d)", last.counter,
	   SDKT_TCS_COUNT * (THREAD_ROUNDS + 1));
	ok(enclave_delete(en.base, NULL), "enclave_delete");
	return 0;
}

static int mode_seal(int argc, char **argv)
{
	struct encl en;
	struct load_opts o = default_opts;
	struct sdkt_seal s;
	uint64_t st;

	if (argc < 2)
		die("seal: SIZE_MIB POLICY");
	o.size = strtoull(argv[0], NULL, 0) << 20;
	memset(&s, 0, sizeof(s));
	s.policy = (uint16_t)strtoul(argv[1], NULL, 0);
	encl_load(&en, &o);
	st = ecall(tcs_of(&en, 0), SDKT_EC_SEAL, &s);
	ok(st == SDKT_OK, "EGETKEY(SEAL, policy %#x) in the enclave (status %#" PRIx64 ")",
	   s.policy, st);
	enclave_delete(en.base, NULL);
	printf("1..%d\nseal ", n_test);
	for (int i = 0; i < 16; i++)
		printf("%02x", s.mac[i]);
	printf("\n");
	exit(n_fail ? 1 : 0);
}

static int mode_attest(void)
{
	struct encl a, b;
	struct load_opts ob = default_opts;
	struct sdkt_report_call *ta = aligned_alloc(512, sizeof(*ta)), *tb = aligned_alloc(512, sizeof(*tb));
	const struct sgx_report *rep = (const struct sgx_report *)ta->report;
	const struct sgx_targetinfo *ti = (const struct sgx_targetinfo *)tb->targetinfo;
	uint64_t st;

	ob.size = 2u << 20;                     /* another SECS.SIZE: another MRENCLAVE */
	encl_load(&a, &default_opts);
	encl_load(&b, &ob);
	memset(ta, 0, sizeof(*ta));
	memset(tb, 0, sizeof(*tb));
	st = ecall(tcs_of(&b, 0), SDKT_EC_SELF_TARGET, tb);
	ok(st == SDKT_OK && !memcmp(ti->mrenclave, b.ss.enclave_hash, 32),
	   "B's TARGETINFO from its own REPORT names B's MRENCLAVE");
	ok(memcmp(a.ss.enclave_hash, b.ss.enclave_hash, 32) != 0, "A and B are different enclaves");
	memcpy(ta->targetinfo, tb->targetinfo, 512);
	memcpy(ta->reportdata, "A to B: hello, local attestation", 32);
	st = ecall(tcs_of(&a, 1), SDKT_EC_REPORT, ta);
	ok(st == SDKT_OK && !memcmp(rep->body.mrenclave, a.ss.enclave_hash, 32) &&
	   !memcmp(rep->body.report_data, "A to B", 6),
	   "A's EREPORT for B carries A's MRENCLAVE and the REPORTDATA");
	memcpy(tb->report, ta->report, 512);
	st = ecall(tcs_of(&b, 2), SDKT_EC_VERIFY, tb);
	ok(st == SDKT_OK, "B verifies the MAC with EGETKEY(REPORT) and CMAC (status %#" PRIx64 ")", st);
	tb->report[320] ^= 1;                   /* REPORTDATA */
	st = ecall(tcs_of(&b, 2), SDKT_EC_VERIFY, tb);
	ok(st == SDKT_ERR_MAC, "a REPORT changed by one bit fails B's check (%#" PRIx64 ")", st);
	/* a report A made for itself: B's report key does not verify it */
	memset(ta->targetinfo, 0, 512);
	ecall(tcs_of(&a, 0), SDKT_EC_SELF_TARGET, ta);
	ecall(tcs_of(&a, 0), SDKT_EC_REPORT, ta);
	memcpy(tb->report, ta->report, 512);
	st = ecall(tcs_of(&b, 2), SDKT_EC_VERIFY, tb);
	ok(st == SDKT_ERR_MAC, "a REPORT targeted at A fails B's check (%#" PRIx64 ")", st);
	memcpy(ta->report, tb->report, 512);
	st = ecall(tcs_of(&a, 3), SDKT_EC_VERIFY, ta);
	ok(st == SDKT_OK, "and passes A's own check (%#" PRIx64 ")", st);
	enclave_delete(a.base, NULL);
	enclave_delete(b.base, NULL);
	free(ta);
	free(tb);
	return 0;
}

/*
 * Remote attestation as an SDK application does it (Intel's DCAP quote library API, found by
 * the dynamic linker as libsgx_dcap_ql.so.1 -- under `teehost sim`, teehost's drop-in):
 * sgx_qe_get_target_info, an ECALL that EREPORTs to that TARGETINFO, sgx_qe_get_quote_size,
 * sgx_qe_get_quote. Writes the quote to OUT and prints "mrenclave HEX" after the TAP lines.
 */
static int mode_quote(int argc, char **argv)
{
	typedef int (*ti_fn)(void *);
	typedef int (*size_fn)(uint32_t *);
	typedef int (*quote_fn)(const void *, uint32_t, uint8_t *);
	struct encl en;
	struct sdkt_report_call *c = aligned_alloc(512, sizeof(*c));
	const struct sgx_report *rep = (const struct sgx_report *)c->report;
	uint32_t size = 0;
	uint8_t *quote;
	uint64_t st;
	void *ql;
	FILE *f;
	int rc;

	if (argc < 1 || !c)
		die("quote: OUT [REPORTDATA_HEX]");
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; argc > 1 && argv[1][2 * i] && argv[1][2 * i + 1] && i < 64; i++)
		if (sscanf(argv[1] + 2 * i, "%2hhx", &c->reportdata[i]) != 1)
			die("quote: REPORTDATA_HEX: not hex");
	ql = dlopen("libsgx_dcap_ql.so.1", RTLD_NOW | RTLD_LOCAL);
	ok(ql != NULL, "the dynamic linker finds libsgx_dcap_ql.so.1 (%s)", ql ? "ok" : dlerror());
	if (!ql)
		return 0;
	ti_fn get_ti = (ti_fn)dlsym(ql, "sgx_qe_get_target_info");
	size_fn get_size = (size_fn)dlsym(ql, "sgx_qe_get_quote_size");
	quote_fn get_quote = (quote_fn)dlsym(ql, "sgx_qe_get_quote");
	ok(get_ti && get_size && get_quote, "it exports sgx_qe_get_target_info, "
	   "sgx_qe_get_quote_size and sgx_qe_get_quote");
	if (!get_ti || !get_size || !get_quote)
		return 0;
	{
		Dl_info di;

		if (dladdr((void *)get_ti, &di) && di.dli_fname)
			printf("# libsgx_dcap_ql.so.1 from %s\n", di.dli_fname);
	}
	encl_load(&en, &default_opts);
	rc = get_ti(c->targetinfo);
	ok(rc == 0, "sgx_qe_get_target_info (%#x)", rc);
	st = ecall(tcs_of(&en, 0), SDKT_EC_REPORT, c);
	ok(st == SDKT_OK && !memcmp(rep->body.mrenclave, en.ss.enclave_hash, 32) &&
	   !memcmp(rep->body.report_data, c->reportdata, 64),
	   "ECALL: EREPORT to the QE's TARGETINFO (status %#" PRIx64 ")", st);
	rc = get_size(&size);
	ok(rc == 0 && size > 1052, "sgx_qe_get_quote_size: %u bytes (%#x)", size, rc);
	quote = malloc(size ? size : 1);
	rc = quote ? get_quote(c->report, size, quote) : -1;
	ok(rc == 0, "sgx_qe_get_quote (%#x)", rc);
	f = fopen(argv[0], "wb");
	ok(f && rc == 0 && fwrite(quote, 1, size, f) == size && !fclose(f), "quote written to %s",
	   argv[0]);
	enclave_delete(en.base, NULL);
	printf("1..%d\nmrenclave ", n_test);
	for (int i = 0; i < 32; i++)
		printf("%02x", en.ss.enclave_hash[i]);
	printf("\n");
	free(quote);
	free(c);
	dlclose(ql);
	exit(n_fail ? 1 : 0);
}

static int mode_kss(void)
{
	struct encl en;
	struct load_opts o = default_opts;
	struct sdkt_report_call *c = aligned_alloc(512, sizeof(*c));
	const struct sgx_report_body *b = &((const struct sgx_report *)c->report)->body;
	uint64_t st;

	o.kss = true;
	encl_load(&en, &o);
	memset(c, 0, sizeof(*c));
	st = ecall(tcs_of(&en, 0), SDKT_EC_REPORT, c);
	ok(st == SDKT_OK && (b->attributes.flags & SGX_ATTR_KSS), "a KSS enclave created with "
	   "enclave_create_ex reports ATTRIBUTES.KSS (%#" PRIx64 ")", b->attributes.flags);
	ok(!memcmp(b->config_id, kss_config_id, 64), "REPORT.CONFIGID is the SECS's");
	ok(b->config_svn == KSS_CONFIG_SVN, "REPORT.CONFIGSVN is the SECS's (%#x)", b->config_svn);
	ok(!memcmp(b->isv_family_id, kss_family, 16), "REPORT.ISVFAMILYID is the SIGSTRUCT's");
	ok(!memcmp(b->isv_ext_prod_id, kss_ext_prod, 16), "REPORT.ISVEXTPRODID is the SIGSTRUCT's");
	{
		/* EGETKEY(SEAL): KEYPOLICY.ISVFAMILYID / ISVEXTPRODID put them into the key */
		struct sdkt_seal plain = { .policy = SGX_KEYPOLICY_MRSIGNER };
		struct sdkt_seal fam = { .policy = SGX_KEYPOLICY_MRSIGNER | SGX_KEYPOLICY_ISVFAMILYID };
		struct sdkt_seal ext = { .policy = SGX_KEYPOLICY_MRSIGNER | SGX_KEYPOLICY_ISVEXTPRODID };
		uint64_t s1 = ecall(tcs_of(&en, 0), SDKT_EC_SEAL, &plain);
		uint64_t s2 = ecall(tcs_of(&en, 0), SDKT_EC_SEAL, &fam);
		uint64_t s3 = ecall(tcs_of(&en, 0), SDKT_EC_SEAL, &ext);

		ok(s1 == SDKT_OK && s2 == SDKT_OK && s3 == SDKT_OK,
		   "EGETKEY(SEAL) with KEYPOLICY.ISVFAMILYID and ISVEXTPRODID (%#" PRIx64 " %#" PRIx64
		   " %#" PRIx64 ")", s1, s2, s3);
		ok(memcmp(plain.mac, fam.mac, 16) && memcmp(plain.mac, ext.mac, 16) &&
		   memcmp(fam.mac, ext.mac, 16),
		   "the seal key depends on ISVFAMILYID and on ISVEXTPRODID when the policy asks");
	}
	enclave_delete(en.base, NULL);
	free(c);
	return 0;
}

static uint64_t mem_call(void *tcs, int index, uint64_t addr, uint64_t npages, uint64_t secinfo,
			 uint64_t value, uint64_t check, struct sdkt_mem *m)
{
	*m = (struct sdkt_mem){ addr, npages, secinfo, value, check, 0 };
	return ecall(tcs, index, m);
}

#define RW (ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE)
#define PENDING_RW (SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W | \
		    SGX_SECINFO_PENDING)

static int mode_edmm(void)
{
	const char *drv = getenv("SDK_DRIVER_DRIVER");
	struct encl en;
	struct sdkt_mem m;
	uint32_t e = 0, rc;
	uint8_t *dyn;
	uint64_t st, heap, code, thr;

	encl_load(&en, &default_opts);
	dyn = en.base + en.size / 2;            /* ELRANGE above the image: never added */
	heap = (uint64_t)(uintptr_t)dyn;
	code = heap + 4 * 4096;
	thr = heap + 8 * 4096;
	rc = enclave_alloc(dyn, 4 * 4096, ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE,
			   ENCLAVE_EMA_COMMIT_ON_DEMAND, &e);
	if (drv && strcmp(drv, "kernel")) {
		ok(rc == ENCLAVE_NOT_SUPPORTED, "%s: no EDMM in this driver: enclave_alloc is "
		   "ENCLAVE_NOT_SUPPORTED (%#x)", drv, rc);
		enclave_delete(en.base, NULL);
		return 0;
	}
	ok(rc == 0, "enclave_alloc of 4 heap pages in ELRANGE (%#x)", rc);
	/* TCS 7 takes the fault and is left at CSSA 1, as the uRTS leaves a crashed thread */
	st = mem_call(tcs_of(&en, 7), SDKT_EC_FILL, heap, 1, 0, 0, 1, &m);
	ok(st != SDKT_OK, "before EACCEPT the pages are PENDING: the enclave cannot use them "
	   "(%#" PRIx64 ")", st);
	st = mem_call(tcs_of(&en, 0), SDKT_EC_ACCEPT, heap, 4, PENDING_RW, 0, 0, &m);
	ok(st == SDKT_OK, "EACCEPT(REG, RW, PENDING) of each page (failed at %" PRId64 ")",
	   (int64_t)m.failed_at);
	st = mem_call(tcs_of(&en, 1), SDKT_EC_FILL, heap, 4, 0, 0, 1, &m);
	ok(st == SDKT_OK, "the accepted pages read as zeros");
	st = mem_call(tcs_of(&en, 1), SDKT_EC_FILL, heap, 4, 0, 0x1badb002, 0, &m);
	st |= mem_call(tcs_of(&en, 2), SDKT_EC_FILL, heap, 4, 0, 0x1badb002, 1, &m);
	ok(st == SDKT_OK, "and keep what the enclave writes");

	/* EMODPE: code in a dynamic page, as a JIT or the loader of an SDK enclave's plugin */
	rc = enclave_alloc((void *)(uintptr_t)code, 4096, ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE,
			   ENCLAVE_EMA_COMMIT_ON_DEMAND, &e);
	st = mem_call(tcs_of(&en, 0), SDKT_EC_ACCEPT, code, 1, PENDING_RW, 0, 0, &m);
	st |= mem_call(tcs_of(&en, 0), SDKT_EC_CODE, code, 1, 0, 0x600d, 0, &m);
	ok(rc == 0 && st == SDKT_OK, "a dynamic page with code written into it");
	/* sgx-emm's order (ema_modify_permissions): the OCALL to enclave_modify, then EMODPE */
	rc = enclave_modify((void *)(uintptr_t)code, 4096, ENCLAVE_PAGE_REG | RW,
			    ENCLAVE_PAGE_REG | RW | ENCLAVE_PAGE_EXECUTE, &e);
	st = mem_call(tcs_of(&en, 0), SDKT_EC_EMODPE, code, 1,
		      SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R | SGX_SECINFO_W | SGX_SECINFO_X |
		      SGX_SECINFO_PR, 0, 0, &m);
	ok(st == SDKT_OK && rc == 0, "enclave_modify RW -> RWX outside, EMODPE to RWX inside "
	   "(%#x, %#" PRIx64 ")", rc, st);
	st = mem_call(tcs_of(&en, 0), SDKT_EC_CALL, code, 1, 0, 0, 0, &m);
	ok(st == SDKT_OK && m.value == 0x600d, "the enclave runs the code it wrote (%#" PRIx64 ")",
	   m.value);
	/*
	 * CPUID in code the enclave wrote, then a write elsewhere on that page: the CPUID is still
	 * one (where enclave pages are scanned, the write dropped its site and the next scan met
	 * the UD2 the first had left, which the enclave then took as a real #UD).
	 */
	st = mem_call(tcs_of(&en, 0), SDKT_EC_CODE, code + 64, 1, 0, 0, 1, &m);
	st |= mem_call(tcs_of(&en, 0), SDKT_EC_CALL, code + 64, 1, 0, 0, 0, &m);
	ok(st == SDKT_OK && m.value == 0x756e6547, "a CPUID the enclave wrote runs as CPUID "
	   "(EBX %#" PRIx64 ", \"Genu\" is 0x756e6547)", m.value);
	st = mem_call(tcs_of(&en, 0), SDKT_EC_CODE, code, 1, 0, 0x600e, 0, &m);
	st |= mem_call(tcs_of(&en, 0), SDKT_EC_CALL, code, 1, 0, 0, 0, &m);
	ok(st == SDKT_OK && m.value == 0x600e, "new code on that page runs (%#" PRIx64 ")", m.value);
	st = mem_call(tcs_of(&en, 0), SDKT_EC_CALL, code + 64, 1, 0, 0, 0, &m);
	ok(st == SDKT_OK && m.value == 0x756e6547, "and the CPUID on it is still CPUID after the "
	   "write (EBX %#" PRIx64 ", status %#" PRIx64 ")", m.value, st);

	/* a new thread: pages added, a TCS made by EMODT and EACCEPT, then entered (ECMD_MKTCS) */
	rc = enclave_alloc((void *)(uintptr_t)thr, 8 * 4096, ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE,
			   ENCLAVE_EMA_COMMIT_ON_DEMAND, &e);
	st = mem_call(tcs_of(&en, 0), SDKT_EC_ACCEPT, thr, 8, PENDING_RW, 0, 0, &m);
	st |= mem_call(tcs_of(&en, 0), SDKT_EC_MKTCS, thr, 8, 0, 8, 0, &m);
	ok(rc == 0 && st == SDKT_OK, "8 pages for a new thread, laid out by the enclave");
	/* as sgx-emm's ema_change_to_tcs: the permissions stay in both */
	rc = enclave_modify((void *)(uintptr_t)thr, 4096, ENCLAVE_PAGE_REG | RW,
			    ENCLAVE_PAGE_THREAD_CONTROL | RW, &e);
	ok(rc == 0, "enclave_modify REG -> TCS (EMODT) (%#x)", rc);
	st = mem_call(tcs_of(&en, 0), SDKT_EC_ACCEPT, thr, 1,
		      SGX_SECINFO_TYPE(SGX_PT_TCS) | SGX_SECINFO_MODIFIED, 0, 0, &m);
	ok(st == SDKT_OK, "EACCEPT(TCS, MODIFIED) inside (%#" PRIx64 ")", st);
	if (rc == 0 && st == SDKT_OK) {
		struct sdkt_thread_call c = { .rounds = 1 };
		struct sdkt_nest n = { .depth = 3 };

		st = ecall((void *)(uintptr_t)thr, SDKT_EC_THREAD, &c);
		ok(st == SDKT_OK && c.index == 8, "EENTER on the new TCS runs with its own thread "
		   "data (thread %" PRIu64 ", status %#" PRIx64 ")", c.index, st);
		st = ecall((void *)(uintptr_t)thr, SDKT_EC_NEST, &n);
		ok(st == SDKT_OK && n.sum == 6 && n.tcs_seen == 8, "and serves nested ECALLs there");
	}

	/* trim: EMODT to TRIM, EACCEPT, remove; the range comes back empty */
	rc = enclave_modify(dyn, 4 * 4096, ENCLAVE_PAGE_REG | RW, ENCLAVE_PAGE_TRIM | RW, &e);
	ok(rc == 0, "enclave_modify REG -> TRIM of the 4 heap pages (%#x)", rc);
	st = mem_call(tcs_of(&en, 0), SDKT_EC_ACCEPT, heap, 4,
		      SGX_SECINFO_TYPE(SGX_PT_TRIM) | SGX_SECINFO_MODIFIED, 0, 0, &m);
	ok(st == SDKT_OK, "EACCEPT(TRIM, MODIFIED) inside (%#" PRIx64 ")", st);
	rc = enclave_modify(dyn, 4 * 4096, ENCLAVE_PAGE_TRIM | RW, ENCLAVE_PAGE_TRIM | RW, &e);
	ok(rc == 0, "enclave_modify TRIM -> TRIM removes them (%#x)", rc);
	rc = enclave_alloc(dyn, 4 * 4096, ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE,
			   ENCLAVE_EMA_COMMIT_ON_DEMAND, &e);
	st = mem_call(tcs_of(&en, 3), SDKT_EC_ACCEPT, heap, 4, PENDING_RW, 0, 0, &m);
	st |= mem_call(tcs_of(&en, 3), SDKT_EC_FILL, heap, 4, 0, 0, 1, &m);
	ok(rc == 0 && st == SDKT_OK, "added again, they are fresh zero pages, not the old data");
	ok(enclave_delete(en.base, NULL), "enclave_delete");
	return 0;
}

struct sl_arg {
	struct sdkt_ring *ring;
	void *tcs;
	uint64_t status;
	uint64_t answered;
};

static void *sl_enclave_worker(void *p)
{
	struct sl_arg *a = p;

	a->status = ecall(a->tcs, SDKT_EC_SL_WORKER, a->ring);
	return NULL;
}

/* The untrusted worker of switchless OCALLs: polls the ring until told to stop. */
static void *sl_host_worker(void *p)
{
	struct sl_arg *a = p;

	while (!__atomic_load_n(&a->ring->stop, __ATOMIC_ACQUIRE)) {
		for (int i = 0; i < SDKT_RING_SLOTS; i++) {
			struct sdkt_slot *s = &a->ring->slot[i];

			if (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != 1)
				continue;
			s->r = s->a * s->b + 7;
			__atomic_store_n(&s->state, 2, __ATOMIC_RELEASE);
			a->answered++;
		}
		sched_yield();
	}
	return NULL;
}

#define SL_REQUESTS 500

static int mode_switchless(void)
{
	struct encl en;
	struct sdkt_ring *ring = calloc(1, sizeof(*ring)), *ring2 = calloc(1, sizeof(*ring2));
	struct sl_arg w = { .ring = ring }, h = { .ring = ring2 };
	pthread_t wt, ht;
	uint64_t enters, ocalls, good = 0, st;

	encl_load(&en, &default_opts);
	w.tcs = tcs_of(&en, 7);
	pthread_create(&wt, NULL, sl_enclave_worker, &w);
	enters = __atomic_load_n(&n_eenter, __ATOMIC_SEQ_CST);
	for (uint64_t i = 0; i < SL_REQUESTS; i++) {
		struct sdkt_slot *s = &ring->slot[i % SDKT_RING_SLOTS];

		s->a = i;
		s->b = 5;
		__atomic_store_n(&s->state, 1, __ATOMIC_RELEASE);
		while (__atomic_load_n(&s->state, __ATOMIC_ACQUIRE) != 2)
			sched_yield();
		good += s->r == i * 5 + 1;
		s->state = 0;
	}
	enters = __atomic_load_n(&n_eenter, __ATOMIC_SEQ_CST) - enters;
	__atomic_store_n(&ring->stop, 1, __ATOMIC_RELEASE);
	pthread_join(wt, NULL);
	if (w.status == SDKT_ERR_FS_EXIT)
		skip("switchless ECALLs", FS_LOST_REASON);
	else
		ok(w.status == SDKT_OK && good == SL_REQUESTS && ring->served == SL_REQUESTS,
		   "switchless ECALLs: %" PRIu64 " of %d requests answered by the enclave's worker "
		   "on TCS 7 (it counted %" PRIu64 ")", good, SL_REQUESTS, ring->served);
	ok(enters <= 1, "with no EENTER per request (%" PRIu64 " EENTERs meanwhile, the worker's own)",
	   enters);

	pthread_create(&ht, NULL, sl_host_worker, &h);
	ring2->n = SL_REQUESTS;
	ocalls = n_ocall_exits;
	enters = n_eenter;
	st = ecall(tcs_of(&en, 2), SDKT_EC_SL_OCALLS, ring2);
	ocalls = n_ocall_exits - ocalls;
	enters = n_eenter - enters;
	__atomic_store_n(&ring2->stop, 1, __ATOMIC_RELEASE);
	pthread_join(ht, NULL);
	if (st == SDKT_ERR_FS_EXIT) {
		skip("switchless OCALLs", FS_LOST_REASON);
		enclave_delete(en.base, NULL);
		free(ring);
		free(ring2);
		return 0;
	}
	ok(st == SDKT_OK && ring2->served == SL_REQUESTS && ring2->bad == 0 &&
	   h.answered == SL_REQUESTS, "switchless OCALLs: the enclave's %d requests answered by an "
	   "untrusted worker thread (%" PRIu64 " right, %" PRIu64 " wrong)", SL_REQUESTS,
	   ring2->served, ring2->bad);
	ok(ocalls == 0 && enters == 1, "in one ECALL, with no OCALL exit (%" PRIu64 " exits, %"
	   PRIu64 " EENTERs)", ocalls, enters);
	enclave_delete(en.base, NULL);
	free(ring);
	free(ring2);
	return 0;
}

struct aexn_arg {
	void *tcs;
	struct sdkt_aexn ms;
	uint64_t status;
	pid_t tid;
	int done;
};

static void *aexn_thread(void *p)
{
	struct aexn_arg *a = p;

	__atomic_store_n(&a->tid, gettid(), __ATOMIC_RELEASE);
	a->status = ecall(a->tcs, SDKT_EC_AEXNOTIFY, &a->ms);
	__atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* Wait (yielding) until *FLAG is set or the ECALL has returned; true if *FLAG is set. */
static bool aexn_wait(struct aexn_arg *a, const uint64_t *flag)
{
	for (;;) {
		if (__atomic_load_n(flag, __ATOMIC_ACQUIRE))
			return true;
		if (__atomic_load_n(&a->done, __ATOMIC_ACQUIRE))
			return false;
		sched_yield();
	}
}

static int mode_aexnotify(void)
{
	const char *drv = getenv("SDK_DRIVER_DRIVER");
	struct encl en;
	struct load_opts o = default_opts;
	struct sdkt_mem m;
	struct aexn_arg a;
	pthread_t th;
	uint64_t thr, st, ex0;
	uint32_t rc, e;
	bool sent, handled;

	if (drv && strcmp(drv, "kernel")) {
		skip("AEX-Notify", "only the in-kernel driver takes ATTRIBUTES.AEXNOTIFY and EDMM "
		     "threads");
		return 0;
	}
	o.attributes = SGX_ATTR_AEXNOTIFY;
	o.create_error = &e;
	if (!encl_load(&en, &o)) {
		ok(0, "enclave_create_ex with ATTRIBUTES.AEXNOTIFY (%#x)", e);
		return 0;
	}
	/* a TCS with FLAGS.AEXNOTIFY, made at run time as the SDK's EDMM threads are */
	thr = (uint64_t)(uintptr_t)en.base + en.size / 2;
	rc = enclave_alloc((void *)(uintptr_t)thr, 8 * 4096, ENCLAVE_PAGE_READ | ENCLAVE_PAGE_WRITE,
			   ENCLAVE_EMA_COMMIT_ON_DEMAND, &e);
	st = mem_call(tcs_of(&en, 0), SDKT_EC_ACCEPT, thr, 8, PENDING_RW, 0, 0, &m);
	st |= mem_call(tcs_of(&en, 0), SDKT_EC_MKTCS, thr, 8, SGX_TCS_AEXNOTIFY, 8, 0, &m);
	rc |= enclave_modify((void *)(uintptr_t)thr, 4096, ENCLAVE_PAGE_REG | RW,
			     ENCLAVE_PAGE_THREAD_CONTROL | RW, &e);
	st |= mem_call(tcs_of(&en, 0), SDKT_EC_ACCEPT, thr, 1,
		       SGX_SECINFO_TYPE(SGX_PT_TCS) | SGX_SECINFO_MODIFIED, 0, 0, &m);
	ok(rc == 0 && st == SDKT_OK, "an AEXNOTIFY enclave with a TCS whose FLAGS.AEXNOTIFY is set");
	memset(&a, 0, sizeof(a));
	a.tcs = (void *)(uintptr_t)thr;
	ex0 = n_exceptions;
	__atomic_store_n(&usr1.seen, 0, __ATOMIC_RELEASE);
	pthread_create(&th, NULL, aexn_thread, &a);
	/*
	 * No waiting on chance or time: once the enclave has armed GPRSGX.AEXNOTIFY it spins until
	 * go, so the signal sent then lands inside it (an AEX, then the AEP's ERESUME); go is set
	 * only after the handler ran, so the spin sees it after that ERESUME.
	 */
	sent = aexn_wait(&a, &a.ms.armed);
	if (sent)
		tgkill(getpid(), __atomic_load_n(&a.tid, __ATOMIC_ACQUIRE), SIGUSR1);
	handled = sent && aexn_wait(&a, &usr1.seen);
	__atomic_store_n(&a.ms.go, 1, __ATOMIC_RELEASE);
	pthread_join(th, NULL);
	ok(handled && usr1.rax == SGX_ERESUME && usr1.rbx == thr, "the signal sent while the enclave "
	   "spun was an AEX: its handler saw the AEP, RAX = ERESUME, RBX = the TCS (RIP %#" PRIx64
	   ", RAX %" PRIu64 ")", usr1.rip, usr1.rax);
	/* ERESUME entered at OENTRY after the AEX; the enclave took EDECCSSA and went on */
	ok(a.status == SDKT_OK && a.ms.notified >= 1 && n_exceptions == ex0, "AEX-Notify: the AEX "
	   "while spinning was followed by a notification entry (%" PRIu64 ", status %#" PRIx64 ")",
	   a.ms.notified, a.status);
	enclave_delete(en.base, NULL);
	return 0;
}

/*
 * XSAVEC, XRSTOR and XSAVE with EDX:EAX = all ones inside the enclave (XFRM = x87 | SSE): they
 * act on XFRM's components alone, as under the XCR0 = XFRM that EENTER sets, whatever the
 * host's XCR0 holds (AVX, AVX-512, PKRU, AMX): the compacted form lays out those two only.
 */
static int mode_xsave(void)
{
	struct encl en;

	encl_load(&en, &default_opts);
	for (unsigned tcs = 0; tcs < 2; tcs++) {
		struct sdkt_xsave x = { .pattern = 0x0123456789abcdefull + tcs };
		uint32_t a, b, c, d;
		uint64_t st, host_xcr0;

		__cpuid_count(0xd, 1, a, b, c, d);
		x.xinuse_ok = a >> 2 & 1;
		__asm__ volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
		host_xcr0 = (uint64_t)d << 32 | a;
		st = ecall(tcs_of(&en, tcs), SDKT_EC_XSAVE, &x);
		ok(st == SDKT_OK && x.xcr0 == 3, "TCS %u: XGETBV inside answers XCR0 = XFRM, x87 | SSE "
		   "(%#" PRIx64 "; the host's is %#" PRIx64 ")", tcs, x.xcr0, host_xcr0);
		ok(st == SDKT_OK && !(x.xinuse & ~3ull), "TCS %u: XGETBV(1), XINUSE, within XFRM (%#"
		   PRIx64 "%s)", tcs, x.xinuse, x.xinuse_ok ? "" : ", not asked: the CPU lacks it");

		ok(st == SDKT_OK && x.xcomp_bv == (1ull << 63 | 3),
		   "TCS %u: XSAVEC's XCOMP_BV is XFRM's x87 | SSE and the compacted bit (%#" PRIx64
		   ", status %#" PRIx64 ")", tcs, x.xcomp_bv, st);
		ok(st == SDKT_OK && !(x.xstate_bv & ~3ull) && !(x.std_bv & ~3ull),
		   "TCS %u: XSTATE_BV of XSAVEC (%#" PRIx64 ") and of XSAVE (%#" PRIx64 ") within XFRM",
		   tcs, x.xstate_bv, x.std_bv);
		ok(st == SDKT_OK && x.xmm0 == x.pattern,
		   "TCS %u: XRSTOR of that area puts XMM0 back (%#" PRIx64 ")", tcs, x.xmm0);
	}
	ok(enclave_delete(en.base, NULL), "enclave_delete");
	return 0;
}

/*
 * /dev/isgx mapped without MAP_FIXED, as Intel's libsgx_enclave_common does before ECREATE: the
 * driver's sgx_get_unmapped_area searches twice the length and returns an address aligned to
 * the length (a power of two of at least two pages), so ECREATE may put SECS.BASE there. The
 * hint given is one page past an aligned free address: taken as it is, it would be unaligned.
 */
static int mode_mapalign(void)
{
	static const size_t lens[] = { 2 * 4096, 64 << 10, 16 << 20 };
	int fd = open("/dev/isgx", O_RDWR | O_CLOEXEC);
	void *m;

	ok(fd >= 0, "open /dev/isgx (%s)", fd >= 0 ? "fd" : strerror(errno));
	if (fd < 0)
		return 0;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		size_t len = lens[i];
		uint8_t *free_area = mmap(NULL, 4 * len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint8_t *hint;

		if (free_area == MAP_FAILED) {
			ok(0, "a free area of %zu bytes (%s)", 4 * len, strerror(errno));
			continue;
		}
		hint = (uint8_t *)(((uintptr_t)free_area + len - 1) & ~(uintptr_t)(len - 1)) + 4096;
		munmap(free_area, 4 * len);
		for (int h = 0; h < 2; h++) {
			m = mmap(h ? hint : NULL, len, PROT_NONE, MAP_SHARED, fd, 0);
			ok(m != MAP_FAILED && !((uintptr_t)m & (len - 1)),
			   "/dev/isgx, %#zx bytes, %s: an address aligned to the length (%p%s%s)", len,
			   h ? "an unaligned hint" : "no hint", m, m == MAP_FAILED ? ": " : "",
			   m == MAP_FAILED ? strerror(errno) : "");
			if (m != MAP_FAILED)
				munmap(m, len);
		}
	}
	errno = 0;
	m = mmap(NULL, 3 * 4096, PROT_NONE, MAP_SHARED, fd, 0);
	ok(m == MAP_FAILED && errno == EINVAL, "/dev/isgx, 3 pages (not a power of two): EINVAL (%s)",
	   strerror(errno));
	errno = 0;
	m = mmap(NULL, 4096, PROT_NONE, MAP_SHARED, fd, 0);
	ok(m == MAP_FAILED && errno == EINVAL, "/dev/isgx, one page (less than two): EINVAL (%s)",
	   strerror(errno));
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct { const char *name; int (*fn)(void); } modes[] = {
		{ "abi", mode_abi }, { "except", mode_except }, { "threads", mode_threads }, { "thread1", mode_thread1 },
		{ "attest", mode_attest }, { "kss", mode_kss }, { "edmm", mode_edmm },
		{ "switchless", mode_switchless }, { "aexnotify", mode_aexnotify },
		{ "mapalign", mode_mapalign }, { "xsave", mode_xsave },
	};

	if (argc < 4) {
		fprintf(stderr, "usage: sdk_driver MODE ELF KEY.pem [ARGS]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_elf = argv[2];
	g_key = argv[3];
	setup_entry();
	printf("# entering through %s\n", use_vdso ? "the vDSO" : "ENCLU with our own AEP");
	if (!strcmp(argv[1], "seal"))
		return mode_seal(argc - 4, argv + 4);
	if (!strcmp(argv[1], "quote"))
		return mode_quote(argc - 4, argv + 4);
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(argv[1], modes[i].name)) {
			modes[i].fn();
			if (n_fs_entry_retries)
				printf("# %" PRIu64 " ECALLs entered again: " FS_LOST_REASON "\n",
				       n_fs_entry_retries);
			printf("1..%d\n", n_test);
			return n_fail ? 1 : 0;
		}
	fprintf(stderr, "sdk_driver: unknown mode %s\n", argv[1]);
	return 2;
}
