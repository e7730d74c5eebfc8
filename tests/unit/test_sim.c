/* SPDX-License-Identifier: MIT */
/*
 * The simulator's own tests, for what the kernel's selftest does not touch: EREPORT/EGETKEY,
 * AEX on an asynchronous signal, EINIT refusals, several threads in several TCSs, a busy TCS,
 * the kernel's errno for bad ioctl arguments, ENCLU outside an enclave.
 *
 * The program re-executes itself under `$TEEHOST sim` (with a private state directory for the
 * platform secret) when it is not already running on the simulator.
 */
#include <cpuid.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <cmocka.h>
#include <ucontext.h>
#include <openssl/pem.h>

#include "../enclaves/simencl.h"

static EVP_PKEY *key_a, *key_b;
static simencl_vdso_fn vdso;
static const char *self_path;

static const struct simencl_cfg base_cfg = { .attributes = SGX_ATTR_DEBUG, .provision_fd = -1 };

static void build_ok(struct simencl *en, EVP_PKEY *key, const struct simencl_cfg *cfg)
{
	int rc = simencl_build(en, key, cfg);

	if (rc)
		fail_msg("building the test enclave: %s", strerror(-rc));
}

static uint64_t call(struct simencl *en, int tcs, struct simencl_op *op)
{
	struct sgx_enclave_run run;

	assert_int_equal(simencl_call(vdso, &run, en->base + (uint64_t)tcs * 0x1000, op), 0);
	assert_int_equal(run.function, SGX_EEXIT);
	assert_int_equal(run.exception_vector, 0);
	return op->ret;
}

static void report_of(struct simencl *en, const struct sgx_targetinfo *ti, const uint8_t rd[64],
		      struct sgx_report *out)
{
	struct simencl_op op = { OP_EREPORT, (uint64_t)ti, (uint64_t)rd, (uint64_t)out, 0, 0 };

	call(en, 0, &op);
}

static uint64_t getkey(struct simencl *en, const struct sgx_keyrequest *kr, uint8_t key[16])
{
	struct simencl_op op = { OP_EGETKEY, (uint64_t)kr, 0, (uint64_t)key, 0, 0 };

	return call(en, 0, &op);
}

static void targetinfo_of(struct simencl *en, struct sgx_targetinfo *ti)
{
	static struct sgx_targetinfo zero;
	static struct sgx_report r;
	uint8_t rd[64] = { 0 };

	report_of(en, &zero, rd, &r);
	memset(ti, 0, sizeof(*ti));
	memcpy(ti->mrenclave, r.body.mrenclave, 32);
	ti->attributes = r.body.attributes;
	ti->miscselect = r.body.miscselect;
	ti->config_svn = r.body.config_svn;
}

static void cmac(const uint8_t key[16], const void *data, size_t len, uint8_t out[16])
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
	OSSL_PARAM p[2] = { OSSL_PARAM_construct_utf8_string("cipher", (char *)"AES-128-CBC", 0),
			    OSSL_PARAM_construct_end() };
	size_t l = 16;

	assert_true(EVP_MAC_init(ctx, key, 16, p) && EVP_MAC_update(ctx, data, len) &&
		    EVP_MAC_final(ctx, out, &l, 16));
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

/* A report made by A for B verifies with B's report key, not with A's. */
static void test_report_a_verified_in_b(void **state)
{
	struct simencl a, b;
	struct simencl_cfg cb = base_cfg;
	static struct sgx_targetinfo ti_b, ti_a;
	static struct sgx_report r;
	static struct sgx_keyrequest kr;
	uint8_t rd[64], kb[16], ka[16], mac[16];

	(void)state;
	cb.code_marker = 2;
	build_ok(&a, key_a, &base_cfg);
	build_ok(&b, key_b, &cb);
	targetinfo_of(&b, &ti_b);
	targetinfo_of(&a, &ti_a);
	for (int i = 0; i < 64; i++)
		rd[i] = (uint8_t)i;
	report_of(&a, &ti_b, rd, &r);
	assert_memory_equal(r.body.mrenclave, a.mrenclave, 32);
	assert_memory_equal(r.body.report_data, rd, 64);
	assert_memory_equal(r.body.cpusvn, "TEEHOST-SIM-CPU\x01", 16);   /* marked as simulated */
	assert_memory_equal(r.keyid, "TEEHOST-SIM", 11);

	memset(&kr, 0, sizeof(kr));
	kr.keyname = SGX_KEY_REPORT;
	memcpy(kr.keyid, r.keyid, 32);
	assert_int_equal(getkey(&b, &kr, kb), 0);
	cmac(kb, &r.body, sizeof(r.body), mac);
	assert_memory_equal(mac, r.mac, 16);

	assert_int_equal(getkey(&a, &kr, ka), 0);               /* not meant for A */
	cmac(ka, &r.body, sizeof(r.body), mac);
	assert_memory_not_equal(mac, r.mac, 16);
	r.body.report_data[0] ^= 1;                             /* tampering is detected */
	cmac(kb, &r.body, sizeof(r.body), mac);
	assert_memory_not_equal(mac, r.mac, 16);
	simencl_delete(&a);
	simencl_delete(&b);
}

static void seal_key(struct simencl *en, uint16_t policy, uint8_t key[16], uint64_t *rc)
{
	static struct sgx_keyrequest kr;

	memset(&kr, 0, sizeof(kr));
	kr.keyname = SGX_KEY_SEAL;
	kr.keypolicy = policy;
	kr.attribute_mask.flags = ~0ull;
	*rc = getkey(en, &kr, key);
}

static void test_key_policies(void **state)
{
	struct simencl a1, a2, b;
	struct simencl_cfg c2 = base_cfg, c1 = base_cfg;
	static struct sgx_keyrequest kr;
	uint8_t k1[16], k2[16], k3[16], k4[16], kb[16];
	uint64_t rc;

	(void)state;
	c1.isv_svn = 2;
	c2.isv_svn = 2;
	c2.code_marker = 7;      /* same signer, other MRENCLAVE */
	build_ok(&a1, key_a, &c1);
	build_ok(&a2, key_a, &c2);
	build_ok(&b, key_b, &c1);
	seal_key(&a1, SGX_KEYPOLICY_MRENCLAVE, k1, &rc);
	assert_int_equal(rc, 0);
	seal_key(&a2, SGX_KEYPOLICY_MRENCLAVE, k2, &rc);
	assert_memory_not_equal(k1, k2, 16);
	seal_key(&a1, SGX_KEYPOLICY_MRSIGNER, k3, &rc);
	seal_key(&a2, SGX_KEYPOLICY_MRSIGNER, k4, &rc);
	assert_memory_equal(k3, k4, 16);
	assert_memory_not_equal(k1, k3, 16);
	seal_key(&b, SGX_KEYPOLICY_MRSIGNER, kb, &rc);
	assert_memory_not_equal(k3, kb, 16);

	memset(&kr, 0, sizeof(kr));
	kr.keyname = SGX_KEY_SEAL;
	kr.keypolicy = SGX_KEYPOLICY_MRSIGNER;
	kr.isv_svn = 3;                          /* above the enclave's ISVSVN */
	assert_int_equal(getkey(&a1, &kr, k1), SGX_INVALID_ISVSVN);
	kr.isv_svn = 1;                          /* an older SVN's key is available, and differs */
	assert_int_equal(getkey(&a1, &kr, k1), 0);
	kr.isv_svn = 2;
	assert_int_equal(getkey(&a1, &kr, k2), 0);
	assert_memory_not_equal(k1, k2, 16);
	memset(kr.cpusvn, 0xff, 16);             /* above the platform's CPUSVN */
	assert_int_equal(getkey(&a1, &kr, k1), SGX_INVALID_CPUSVN);
	memset(kr.cpusvn, 0, 16);
	kr.keyname = 5;
	assert_int_equal(getkey(&a1, &kr, k1), SGX_INVALID_KEYNAME);
	kr.keyname = SGX_KEY_PROVISION;          /* needs ATTRIBUTES.PROVISIONKEY */
	assert_int_equal(getkey(&a1, &kr, k1), SGX_INVALID_ATTRIBUTE);
	kr.keyname = SGX_KEY_EINITTOKEN;         /* needs ATTRIBUTES.EINITTOKENKEY */
	assert_int_equal(getkey(&a1, &kr, k1), SGX_INVALID_ATTRIBUTE);
	simencl_delete(&a1);
	simencl_delete(&a2);
	simencl_delete(&b);
}

/* The seal key of one enclave in this process equals the one another process derives. */
static void test_seal_key_stable_across_runs(void **state)
{
	struct simencl a;
	uint8_t k[16], other[16];
	uint64_t rc;
	int p[2], status;
	pid_t pid;

	(void)state;
	build_ok(&a, key_a, &base_cfg);
	seal_key(&a, SGX_KEYPOLICY_MRSIGNER, k, &rc);
	assert_int_equal(rc, 0);
	simencl_delete(&a);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		char fd[16];

		close(p[0]);
		snprintf(fd, sizeof(fd), "%d", p[1]);
		/* a fresh program on a fresh simulator, same platform secret */
		execl(getenv("TEEHOST"), "teehost", "sim", "--", self_path, "--seal-key", fd, NULL);
		_exit(127);
	}
	close(p[1]);
	memset(other, 0, sizeof(other));
	assert_int_equal(read(p[0], other, 16), 16);
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_memory_equal(k, other, 16);
}

static volatile uint64_t alarm_flag;
static volatile int alarm_count;
static volatile uint64_t alarm_rip;

static void on_alarm(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	alarm_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	alarm_count++;
	errno = 0;              /* host TLS works in the handler: FS is the host's again */
	alarm_flag = 1;
}

/* A signal while enclave code runs: AEX to the AEP, the handler runs, ERESUME continues. */
static void test_aex_on_async_signal(void **state)
{
	struct simencl a;
	struct sigaction sa, old;
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	uint64_t entered = 0;
	struct simencl_op op = { OP_SPIN, (uint64_t)&alarm_flag, (uint64_t)&entered, 0, 0, 0 };
	struct simencl_op info = { OP_INFO, 0, 0, 0, 0, 0 };

	(void)state;
	build_ok(&a, key_a, &base_cfg);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_alarm;
	sa.sa_flags = SA_SIGINFO;
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	alarm_flag = 0;
	alarm_count = 0;
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	call(&a, 0, &op);
	assert_int_equal(entered, 1);
	assert_int_equal(alarm_count, 1);
	assert_true(op.ret > 0);
	/* the signal was delivered outside the enclave (at the AEP), not at enclave code */
	assert_false(alarm_rip - a.base < SIMENCL_SIZE);
	/* ERESUME brought CSSA back to 0, and FS was the enclave's inside */
	call(&a, 0, &info);
	assert_int_equal(info.ret, 0);
	assert_int_equal(info.ret2, a.base + 0x8000);
	sigaction(SIGALRM, &old, NULL);
	simencl_delete(&a);
}

static void on_alarm_clobber(int sig)
{
	(void)sig;
	__asm__ volatile("vpxor %%ymm3, %%ymm3, %%ymm3" ::: "xmm3");
	alarm_flag = 1;
}

/* AVX state across an AEX: saved to the SSA (XSAVE, XFRM = x87|SSE|AVX), restored by ERESUME */
static void test_aex_keeps_avx_state(void **state)
{
	struct simencl a;
	struct simencl_cfg c = base_cfg;
	struct sigaction sa, old;
	struct itimerval it = { { 0, 0 }, { 0, 20000 } };
	uint64_t entered = 0;
	struct simencl_op op = { OP_AVX, (uint64_t)&alarm_flag, (uint64_t)&entered, 0, 0, 0 };

	(void)state;
	c.xfrm = 7;
	build_ok(&a, key_a, &c);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm_clobber;
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	alarm_flag = 0;
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	call(&a, 0, &op);
	assert_int_equal(entered, 1);
	assert_int_equal(op.ret, 0xffffffff);    /* all 32 bytes of YMM3 came back */
	sigaction(SIGALRM, &old, NULL);
	simencl_delete(&a);
}

/*
 * An SDK-style caller: ENCLU[EENTER] by itself, with its own AEP (which is the same ENCLU,
 * executing ERESUME after an AEX), no vDSO. Faults reach it as signals at the AEP.
 */
int direct_ecall(uint64_t tcs, struct simencl_op *op);
extern char direct_aep[];
__asm__(".text\n"
	".globl direct_ecall\n"
	"direct_ecall:\n"
	"  push %rbx\n  push %rbp\n  push %r12\n  push %r13\n  push %r14\n  push %r15\n"
	"  mov %rdi, %rbx\n  mov %rsi, %rdi\n  lea direct_aep(%rip), %rcx\n  mov $2, %eax\n"
	".globl direct_aep\n"
	"direct_aep:\n"
	"  .byte 0x0f, 0x01, 0xd7\n"
	"  pop %r15\n  pop %r14\n  pop %r13\n  pop %r12\n  pop %rbp\n  pop %rbx\n"
	"  xor %eax, %eax\n  ret\n");

static volatile int direct_faults;
static void *volatile direct_page;
static volatile uint64_t direct_rip, direct_rax;

static void on_direct_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	direct_faults++;
	direct_rip = (uint64_t)uc->uc_mcontext.gregs[REG_RIP];
	direct_rax = (uint64_t)uc->uc_mcontext.gregs[REG_RAX];
	if (si->si_addr == direct_page)
		mprotect(direct_page, 4096, PROT_READ);
}

static void test_direct_enclu_with_signal(void **state)
{
	struct simencl a;
	struct sigaction sa, old;
	struct simencl_op op = { OP_READ, 0, 0, 0, 0, 0 };
	struct simencl_op info = { OP_INFO, 0, 0, 0, 0, 0 };
	uint64_t *page;

	(void)state;
	build_ok(&a, key_a, &base_cfg);
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(page != MAP_FAILED);
	page[0] = 0x1234;
	assert_int_equal(mprotect(page, 4096, PROT_NONE), 0);
	direct_page = page;
	direct_faults = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_direct_segv;
	sa.sa_flags = SA_SIGINFO;
	assert_int_equal(sigaction(SIGSEGV, &sa, &old), 0);
	op.a = (uint64_t)page;
	assert_int_equal(direct_ecall(a.base, &op), 0);
	sigaction(SIGSEGV, &old, NULL);
	assert_int_equal(direct_faults, 1);
	assert_int_equal(direct_rip, (uint64_t)direct_aep);     /* delivered at the AEP */
	assert_int_equal(direct_rax, SGX_ERESUME);              /* synthetic state */
	assert_int_equal(op.ret, 0x1234);                       /* ERESUME retried the read */
	assert_int_equal(direct_ecall(a.base, &info), 0);
	assert_int_equal(info.ret, 0);                          /* CSSA back to 0 */
	assert_int_equal(info.ret2, a.base + 0x8000);
	munmap(page, 4096);
	simencl_delete(&a);
}

struct spinner {
	struct simencl *en;
	int tcs;
	uint64_t *flag, *entered;
	struct sgx_enclave_run run;
	struct simencl_op op;
	int rc;
};

static void *spin_thread(void *arg)
{
	struct spinner *s = arg;

	s->op = (struct simencl_op){ OP_SPIN, (uint64_t)s->flag, (uint64_t)s->entered, 0, 0, 0 };
	s->rc = simencl_call(vdso, &s->run, s->en->base + (uint64_t)s->tcs * 0x1000, &s->op);
	return NULL;
}

/*
 * The enclave's FS base survives being preempted: a thread spins inside while another, on the
 * same CPU, wakes up again and again and takes the CPU from it. Where the kernel has not
 * enabled FSGSBASE (this AMD VM's), a base written with WRFSBASE is dropped at the next
 * context switch and the enclave ran on with the host's TLS base: SDK enclaves then failed
 * their stack-canary checks (%fs:0x28) in plain arithmetic, now and then.
 */
static void test_fs_survives_preemption(void **state)
{
	struct simencl a;
	uint64_t flag, entered;
	struct spinner s;
	pthread_t th;
	cpu_set_t one, all;
	int lost = 0;

	(void)state;
	build_ok(&a, key_a, &base_cfg);
	assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
	CPU_ZERO(&one);
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &all)) {
			CPU_SET(c, &one);
			break;
		}
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);    /* the spinner inherits it */
	for (int round = 0; round < 10; round++) {
		flag = entered = 0;
		s = (struct spinner){ .en = &a, .tcs = 0, .flag = &flag, .entered = &entered };
		assert_int_equal(pthread_create(&th, NULL, spin_thread, &s), 0);
		for (int i = 0; i < 5000 && !__atomic_load_n(&entered, __ATOMIC_ACQUIRE); i++)
			usleep(1000);
		for (int i = 0; i < 20; i++)
			usleep(500);    /* each wake-up preempts the spinner, which comes back later */
		__atomic_store_n(&flag, 1, __ATOMIC_RELEASE);
		pthread_join(th, NULL);
		assert_int_equal(s.rc, 0);
		assert_int_equal(s.run.function, SGX_EEXIT);
		lost += s.op.ret2 != a.base + 0x8000;
	}
	assert_int_equal(sched_setaffinity(0, sizeof(all), &all), 0);
	assert_int_equal(lost, 0);      /* rounds in which the enclave saw another FS base */
	simencl_delete(&a);
}

/* Two threads inside two TCSs at once; a third EENTER on a busy TCS faults (#GP). */
static void test_threads_and_busy_tcs(void **state)
{
	struct simencl a;
	uint64_t flag = 0, entered = 0;
	struct spinner s[2];
	pthread_t th[2];
	struct sgx_enclave_run run;
	struct simencl_op nop = { OP_NOP, 0, 0, 0, 0, 0 };

	(void)state;
	build_ok(&a, key_a, &base_cfg);
	for (int i = 0; i < 2; i++) {
		s[i] = (struct spinner){ .en = &a, .tcs = i, .flag = &flag, .entered = &entered };
		assert_int_equal(pthread_create(&th[i], NULL, spin_thread, &s[i]), 0);
	}
	for (int i = 0; i < 5000 && __atomic_load_n(&entered, __ATOMIC_ACQUIRE) < 2; i++)
		usleep(1000);
	assert_int_equal(entered, 2);            /* both inside at the same time */
	assert_int_equal(simencl_call(vdso, &run, a.base, &nop), 0);
	assert_int_equal(run.function, SGX_EENTER);
	assert_int_equal(run.exception_vector, 13);      /* TCS not INACTIVE: #GP(0) */
	assert_int_equal(simencl_call(vdso, &run, a.base + 0x7000, &nop), 0);
	assert_int_equal(run.exception_vector, 14);      /* not a TCS: #PF, EPCM-induced */
	assert_int_equal(run.exception_error_code, 0x8005);
	assert_int_equal(run.exception_addr, a.base + 0x7000);
	__atomic_store_n(&flag, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(s[i].rc, 0);
		assert_int_equal(s[i].run.function, SGX_EEXIT);
		assert_true(s[i].op.ret > 0);
	}
	/* free again */
	assert_int_equal(simencl_call(vdso, &run, a.base, &nop), 0);
	assert_int_equal(run.function, SGX_EEXIT);
	simencl_delete(&a);
}

static void *nop_thread(void *arg)
{
	struct spinner *s = arg;
	stack_t mine = { .ss_sp = malloc(65536), .ss_size = 65536 }, got;

	/* a thread with an alternate signal stack of its own keeps working */
	sigaltstack(&mine, NULL);
	s->op = (struct simencl_op){ OP_INFO, 0, 0, 0, 0, 0 };
	s->rc = simencl_call(vdso, &s->run, s->en->base, &s->op);
	if (sigaltstack(NULL, &got) || got.ss_sp != mine.ss_sp)
		s->rc = -1;
	free(mine.ss_sp);
	return NULL;
}

static void *blocked_thread(void *arg)
{
	struct spinner *s = arg;
	sigset_t all, got;

	/* a worker that blocks every signal, as many servers do, still enters and leaves */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	s->op = (struct simencl_op){ OP_INFO, 0, 0, 0, 0, 0 };
	s->rc = simencl_call(vdso, &s->run, s->en->base, &s->op);
	/* and the mask it reads back is the one it set */
	if (pthread_sigmask(SIG_BLOCK, NULL, &got) || !sigismember(&got, SIGILL) ||
	    !sigismember(&got, SIGSEGV) || !sigismember(&got, SIGUSR1))
		s->rc = -1;
	return NULL;
}

static void test_blocked_signals(void **state)
{
	struct simencl a;
	struct spinner s;
	pthread_t th;

	(void)state;
	build_ok(&a, key_a, &base_cfg);
	s = (struct spinner){ .en = &a };
	assert_int_equal(pthread_create(&th, NULL, blocked_thread, &s), 0);
	pthread_join(th, NULL);
	assert_int_equal(s.rc, 0);
	assert_int_equal(s.run.function, SGX_EEXIT);
	simencl_delete(&a);
}

/* More threads over time than the simulator has signal stacks: they are recycled. */
static void test_many_threads(void **state)
{
	struct simencl a;
	struct spinner s;
	pthread_t th;

	(void)state;
	build_ok(&a, key_a, &base_cfg);
	for (int i = 0; i < 1100; i++) {
		s = (struct spinner){ .en = &a };
		assert_int_equal(pthread_create(&th, NULL, nop_thread, &s), 0);
		pthread_join(th, NULL);
		assert_int_equal(s.rc, 0);
		assert_int_equal(s.run.function, SGX_EEXIT);
		assert_int_equal(s.op.ret2, a.base + 0x8000);
	}
	simencl_delete(&a);
}

/* Intel's loader: the device mapped PROT_NONE before ECREATE, mprotect after ADD_PAGES. */
static void test_premapped_flow(void **state)
{
	struct simencl a;
	struct simencl_cfg c = base_cfg;
	struct simencl_op op = { OP_INFO, 0, 0, 0, 0, 0 };

	(void)state;
	c.premap = true;
	build_ok(&a, key_a, &c);
	call(&a, 0, &op);
	assert_int_equal(op.ret2, a.base + 0x8000);
	/* the tail of ELRANGE is mapped PROT_NONE from the device: mprotect above the cap fails */
	assert_int_equal(mprotect((void *)(a.base + 0x6000), 4096, PROT_READ | PROT_WRITE), -1);
	assert_int_equal(errno, EACCES);
	simencl_delete(&a);
}

/* Real faults inside the enclave are AEXs with their own vectors, never taken for ENCLU. */
static void test_fault_vectors(void **state)
{
	static const struct { uint64_t insn; int vector; } cases[] = {
		{ 0, 13 },      /* HLT at CPL 3: #GP */
		{ 1, 6 },       /* UD2: #UD */
		{ 2, 3 },       /* INT3: #BP */
		{ 3, 0 },       /* DIV by zero: #DE */
	};
	struct simencl a;
	struct sgx_enclave_run run;

	(void)state;
	build_ok(&a, key_a, &base_cfg);
	for (int i = 0; i < 4; i++) {
		struct simencl_op op = { OP_FAULT, cases[i].insn, 0, 0, 0, 0 };

		/* two SSA frames per TCS: two faults each */
		assert_int_equal(simencl_call(vdso, &run, a.base + (uint64_t)(i / 2) * 0x1000, &op), 0);
		assert_int_equal(run.function, SGX_ERESUME);
		assert_int_equal(run.exception_vector, cases[i].vector);
	}
	simencl_delete(&a);
}

/* The SSA after an AEX: GPRSGX.RIP, EXITINFO, and EXINFO when MISCSELECT asks for it. */
static void test_ssa_contents(void **state)
{
	struct simencl a;
	struct simencl_cfg c = base_cfg;
	struct sgx_enclave_run run;
	struct simencl_op rd = { OP_READ, 0, 0, 0, 0, 0 };
	uint64_t gpr, exitinfo_rip[2], maddr, errcd;

	(void)state;
	c.miscselect = SGX_MISC_EXINFO;
	build_ok(&a, key_a, &c);
	rd.a = a.base + 0x18;                    /* TCS page: EPCM fault, error code 0x8005 */
	assert_int_equal(simencl_call(vdso, &run, a.base, &rd), 0);
	assert_int_equal(run.exception_error_code, 0x8005);
	assert_int_equal(run.exception_addr, a.base);   /* CR2: low 12 bits cleared */
	gpr = a.base + 0x2000 + 4096 - sizeof(struct sgx_gpr);
	/* read TCS1's SSA frame 0 from inside, through TCS2 */
	for (int i = 0; i < 2; i++) {
		struct simencl_op r = { OP_READ, gpr + (i ? offsetof(struct sgx_gpr, rip) :
							   offsetof(struct sgx_gpr, exitinfo)), 0, 0, 0, 0 };

		call(&a, 1, &r);
		exitinfo_rip[i] = r.ret;
	}
	assert_int_equal((uint32_t)exitinfo_rip[0], SGX_EXITINFO_VALID | (SGX_EXIT_TYPE_HW << 8) | 14);
	assert_true(exitinfo_rip[1] - (a.base + 0x6000) < 0x1000);      /* in the code page */
	{
		struct simencl_op r = { OP_READ, gpr - 16, 0, 0, 0, 0 };

		call(&a, 1, &r);
		maddr = r.ret;
		r.a = gpr - 8;
		call(&a, 1, &r);
		errcd = (uint32_t)r.ret;
	}
	assert_int_equal(maddr, a.base + 0x18);  /* EXINFO: the whole address */
	assert_int_equal(errcd, 0x8005);
	simencl_delete(&a);
}

/* CPUID as the simulated CPU answers it (faulting, or the program's patched CPUIDs). */
static void test_cpuid(void **state)
{
	unsigned int a, b, c, d;

	unsigned int brand[12] = { 0 };
	char vendor[13];

	(void)state;
	/* an Intel part whatever the host: SGX SSL aborts unless the vendor is GenuineIntel */
	__cpuid(0, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	assert_string_equal(vendor, "GenuineIntel");
	assert_true(a >= 0x12);
	__cpuid(1, a, b, c, d);
	assert_int_equal(a, 0x000606a6);         /* family 6 model 0x6A (Ice Lake-SP) stepping 6 */
	for (unsigned i = 0; i < 3; i++)
		__cpuid(0x80000002 + i, brand[4 * i], brand[4 * i + 1], brand[4 * i + 2], brand[4 * i + 3]);
	assert_non_null(strstr((const char *)brand, "Intel(R)"));
	__cpuid(0x80000000, a, b, c, d);
	assert_true(a <= 0x80000008);            /* Intel's last extended leaf */
	__cpuid(0x80000001, a, b, c, d);
	assert_int_equal(c & (1u << 2), 0);      /* no SVM: an AMD-only bit */
	__cpuid_count(7, 0, a, b, c, d);
	assert_true(b & (1u << 2));              /* SGX */
	assert_true(c & (1u << 30));             /* SGX_LC */
	__cpuid_count(0x12, 0, a, b, c, d);
	assert_int_equal(a & 3, 3);              /* SGX1, SGX2 */
	assert_int_equal(b, SGX_MISC_EXINFO);
	__cpuid_count(0x12, 1, a, b, c, d);
	assert_true(a & SGX_ATTR_MODE64BIT);
	assert_int_equal(c & 3, 3);              /* XFRM: x87, SSE */
	__cpuid_count(0x12, 2, a, b, c, d);
	assert_int_equal(a & 0xf, 1);            /* an EPC section ... */
	assert_int_equal(((uint64_t)(d & 0xfffff) << 32) | (c & 0xfffff000),
			 strtoull(getenv("TEEHOST_SIM_EPC"), NULL, 0));      /* ... of --epc bytes */
	__cpuid_count(0x12, 3, a, b, c, d);
	assert_int_equal(a & 0xf, 0);            /* and only one */
}

/* After fork the child runs the enclave it inherited (the EPC pages are shared mappings). */
static void test_fork(void **state)
{
	struct simencl a;
	struct simencl_op op = { OP_INFO, 0, 0, 0, 0, 0 };
	int status;
	pid_t pid;

	(void)state;
	build_ok(&a, key_a, &base_cfg);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct sgx_enclave_run run;

		if (simencl_call(vdso, &run, a.base + 0x1000, &op) || run.function != SGX_EEXIT ||
		    op.ret2 != a.base + 0x8000)
			_exit(1);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	call(&a, 0, &op);
	simencl_delete(&a);
}

/* An enclave fault inside: vDSO reports it, CSSA is 1 until ERESUME or another entry. */
static void test_fault_reported_through_vdso(void **state)
{
	struct simencl a;
	struct sgx_enclave_run run;
	struct simencl_op rd = { OP_READ, 0, 0, 0, 0, 0 };
	struct simencl_op info = { OP_INFO, 0, 0, 0, 0, 0 };

	(void)state;
	build_ok(&a, key_a, &base_cfg);
	rd.a = a.base + 0x9000;                  /* in ELRANGE, never added, not mapped */
	assert_int_equal(simencl_call(vdso, &run, a.base, &rd), 0);
	assert_int_equal(run.function, SGX_ERESUME);
	assert_int_equal(run.exception_vector, 14);
	assert_int_equal(run.exception_error_code, 4);
	assert_int_equal(run.exception_addr, a.base + 0x9000);
	rd.a = a.base;                           /* the TCS page: an EPCM fault */
	assert_int_equal(simencl_call(vdso, &run, a.base + 0x1000, &rd), 0);
	assert_int_equal(run.exception_error_code, 0x8005);
	call(&a, 0, &info);
	assert_int_equal(info.ret, 1);           /* one SSA frame in use since the AEX */
	simencl_delete(&a);
}

static int einit_errno(const struct simencl_cfg *cfg, EVP_PKEY *key)
{
	struct simencl en;
	int rc = simencl_build(&en, key, cfg);

	simencl_delete(&en);
	return -rc;
}

static void test_einit_refusals(void **state)
{
	struct simencl_cfg c;
	int pfd;

	(void)state;
	c = base_cfg;
	c.bad_signature = true;
	assert_int_equal(einit_errno(&c, key_a), EPERM);
	c = base_cfg;
	c.wrong_mrenclave = true;
	assert_int_equal(einit_errno(&c, key_a), EPERM);
	c = base_cfg;
	c.attribute_mismatch = true;
	assert_int_equal(einit_errno(&c, key_a), EPERM);
	c = base_cfg;
	c.attributes = 0;                        /* production enclave, debug-signed SIGSTRUCT */
	c.debug_signed = true;
	assert_int_equal(einit_errno(&c, key_a), EPERM);
	c.debug_signed = false;                  /* production and production-signed: fine */
	assert_int_equal(einit_errno(&c, key_a), 0);
	c = base_cfg;
	c.attributes |= SGX_ATTR_PROVISIONKEY;   /* without /dev/sgx_provision */
	assert_int_equal(einit_errno(&c, key_a), EACCES);
	pfd = open("/dev/sgx_provision", O_RDWR);
	assert_true(pfd >= 0);
	c.provision_fd = pfd;
	assert_int_equal(einit_errno(&c, key_a), 0);
	close(pfd);
	c = base_cfg;
	c.attributes |= SGX_ATTR_EINITTOKENKEY;  /* the kernel never grants it */
	assert_int_equal(einit_errno(&c, key_a), EACCES);
	assert_int_equal(einit_errno(&base_cfg, key_a), 0);
}

/*
 * This program in MODE (a --child-mode argument) on a simulator of its own, run as
 * `teehost sim [--driver DRIVER] -- self MODE` with ENV (NAME=VALUE) set if given: its exit code.
 */
static int sim_child_exit(const char *env, const char *driver, const char *mode)
{
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		if (env)
			putenv((char *)env);
		if (driver)
			execl(getenv("TEEHOST"), "teehost", "sim", "--driver", driver, "--",
			      self_path, mode, NULL);
		else
			execl(getenv("TEEHOST"), "teehost", "sim", "--", self_path, mode, NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Legacy launch control (fixed IA32_SGXLEPUBKEYHASH, no token): EINIT refuses. */
static void test_launch_control_mismatch(void **state)
{
	(void)state;
	assert_int_equal(sim_child_exit("TEEHOST_SIM_LEGACY_LAUNCH=1", NULL, "--einit-errno"), EPERM);
}

/*
 * One ADD_PAGES of 40 pages (more than one of the simulator's copy-in batches) with zero pages
 * in runs and alone, and an unreadable source page at index 37: the driver adds 0..36, reports
 * count 37 pages and EFAULT; adding an added page is EBUSY with count 0; the rest then adds.
 * EINIT with the MRENCLAVE computed here proves the measurement, and reading the pages back
 * through the device mapping proves the contents, zero pages included.
 */
static void test_add_pages_batches(void **state)
{
	enum { N = 40, BAD = 37, SIZE = 0x100000 };
	static struct sgx_secs secs;
	static struct sgx_sigstruct ss;
	struct sgx_enclave_create cr = { (uint64_t)&secs };
	struct sgx_enclave_add_pages ap;
	struct sgx_enclave_init in = { (uint64_t)&ss };
	struct sgx_secinfo si;
	struct th_mr mr;
	uint8_t *src, *area, *base;
	int fd;

	(void)state;
	src = mmap(NULL, N * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(src != MAP_FAILED);
	for (int i = 0; i < N; i++)
		if (i != 5 && i != 20 && i != 21 && i != 39)
			memset(src + i * 4096, 0x11 * (i % 15 + 1), 4096);
	fd = open("/dev/sgx_enclave", O_RDWR);
	assert_true(fd >= 0);
	area = mmap(NULL, 2 * SIZE, PROT_NONE, MAP_SHARED, fd, 0);
	assert_true(area != MAP_FAILED);
	base = (uint8_t *)(((uint64_t)area + SIZE - 1) & ~(uint64_t)(SIZE - 1));
	secs.size = SIZE;
	secs.base = (uint64_t)base;
	secs.ssa_frame_size = 1;
	secs.attributes.flags = SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG;
	secs.attributes.xfrm = 3;
	assert_int_equal(ioctl(fd, SGX_IOC_ENCLAVE_CREATE, &cr), 0);
	assert_int_equal(th_mr_init(&mr, 1, SIZE), 0);
	memset(&si, 0, sizeof(si));
	si.flags = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R;

	assert_int_equal(mprotect(src + BAD * 4096, 4096, PROT_NONE), 0);
	ap = (struct sgx_enclave_add_pages){ (uint64_t)src, 0, N * 4096, (uint64_t)&si,
					     SGX_PAGE_MEASURE, 0 };
	assert_int_equal(ioctl(fd, SGX_IOC_ENCLAVE_ADD_PAGES, &ap), -1);
	assert_int_equal(errno, EFAULT);
	assert_int_equal(ap.count, BAD * 4096);
	for (int i = 0; i < BAD; i++)
		th_mr_add_page(&mr, i * 4096ull, si.flags, src + i * 4096, 0xffff);
	assert_int_equal(mprotect(src + BAD * 4096, 4096, PROT_READ | PROT_WRITE), 0);
	memset(src + BAD * 4096, 0x77, 4096);

	ap = (struct sgx_enclave_add_pages){ (uint64_t)src, 36 * 4096, 2 * 4096, (uint64_t)&si,
					     SGX_PAGE_MEASURE, 0 };
	assert_int_equal(ioctl(fd, SGX_IOC_ENCLAVE_ADD_PAGES, &ap), -1);
	assert_int_equal(errno, EBUSY);
	assert_int_equal(ap.count, 0);

	ap = (struct sgx_enclave_add_pages){ (uint64_t)src + BAD * 4096, BAD * 4096,
					     (N - BAD) * 4096, (uint64_t)&si, SGX_PAGE_MEASURE, 0 };
	assert_int_equal(ioctl(fd, SGX_IOC_ENCLAVE_ADD_PAGES, &ap), 0);
	assert_int_equal(ap.count, (N - BAD) * 4096);
	for (int i = BAD; i < N; i++)
		th_mr_add_page(&mr, i * 4096ull, si.flags, src + i * 4096, 0xffff);

	th_sigstruct_init(&ss, false);
	ss.miscmask = 0xffffffff;
	ss.attributes = secs.attributes;
	ss.attribute_mask.flags = ~0ull;
	ss.attribute_mask.xfrm = ~0ull;
	assert_int_equal(th_mr_final(&mr, ss.enclave_hash), 0);
	assert_int_equal(th_sigstruct_sign(&ss, key_a, NULL), 0);
	assert_int_equal(ioctl(fd, SGX_IOC_ENCLAVE_INIT, &in), 0);
	assert_int_equal(mprotect(base, N * 4096, PROT_READ), 0);
	assert_memory_equal(base, src, N * 4096);
	munmap(area, 2 * SIZE);
	munmap(src, N * 4096);
	close(fd);
}

/*
 * Under --driver dcap: ADD_PAGES at OFFSET -4096 with LENGTH 8192. OFFSET + LENGTH wraps, which
 * the DCAP driver's range check lets through; its EADD at base - 4096 faults (#GP: outside
 * ELRANGE), so the ioctl fails with EFAULT and adds nothing. Exits with that errno, or 100 if
 * the ioctl succeeded or counted pages.
 */
static int child_dcap_add_wrap(void)
{
	enum { SIZE = 0x100000 };
	static struct sgx_secs secs;
	static uint8_t page[2 * 4096] __attribute__((aligned(4096)));
	struct sgx_enclave_create cr = { (uint64_t)&secs };
	struct sgx_enclave_add_pages ap;
	struct sgx_secinfo si;
	uint8_t *area;
	int fd = open("/dev/sgx/enclave", O_RDWR), rc;

	if (fd < 0)
		return 101;
	/* the range reserved anonymously, as the loaders do before ECREATE */
	area = mmap(NULL, 2 * SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED)
		return 102;
	secs.size = SIZE;
	secs.base = ((uint64_t)area + SIZE - 1) & ~(uint64_t)(SIZE - 1);
	secs.ssa_frame_size = 1;
	secs.attributes.flags = SGX_ATTR_MODE64BIT | SGX_ATTR_DEBUG;
	secs.attributes.xfrm = 3;
	if (ioctl(fd, SGX_IOC_ENCLAVE_CREATE, &cr))
		return 103;
	memset(&si, 0, sizeof(si));
	si.flags = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R;
	ap = (struct sgx_enclave_add_pages){ (uint64_t)page, -4096ull, 2 * 4096, (uint64_t)&si,
					     SGX_PAGE_MEASURE, 0 };
	rc = ioctl(fd, SGX_IOC_ENCLAVE_ADD_PAGES, &ap) ? errno : 100;
	return ap.count ? 100 : rc;
}

/* The DCAP model survives a wrapping ADD_PAGES range and answers as that driver's EADD does. */
static void test_dcap_add_wrap(void **state)
{
	(void)state;
	assert_int_equal(sim_child_exit(NULL, "dcap", "--dcap-add-wrap"), EFAULT);
}

static void test_bad_ioctls(void **state)
{
	static struct sgx_secs secs;
	static uint8_t page[4096] __attribute__((aligned(4096)));
	struct sgx_enclave_create cr = { (uint64_t)&secs };
	struct sgx_enclave_add_pages ap;
	struct sgx_enclave_modify_types mt;
	struct sgx_enclave_restrict_permissions rp;
	struct sgx_enclave_remove_pages rm;
	struct sgx_enclave_provision pv;
	struct sgx_secinfo si;
	struct simencl a;
	int fd;

	(void)state;
	fd = open("/dev/sgx_enclave", O_RDWR);
	assert_true(fd >= 0);
	memset(&si, 0, sizeof(si));
	si.flags = SGX_SECINFO_TYPE(SGX_PT_REG) | SGX_SECINFO_R;
	ap = (struct sgx_enclave_add_pages){ (uint64_t)page, 0, 4096, (uint64_t)&si, 0, 0 };
	assert_int_equal(ioctl(fd, SGX_IOC_ENCLAVE_ADD_PAGES, &ap), -1);        /* not created */
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ioctl(fd, SGX_IOC_ENCLAVE_CREATE, NULL), -1);
	assert_int_equal(errno, EFAULT);
	secs.size = 3 * 4096;                    /* not a power of two */
	assert_int_equal(ioctl(fd, SGX_IOC_ENCLAVE_CREATE, &cr), -1);
	assert_int_equal(errno, EINVAL);
	secs.size = 0x10000;
	secs.base = 0x7000;                      /* not aligned to the size: ECREATE #GP */
	secs.ssa_frame_size = 1;
	secs.attributes.flags = SGX_ATTR_MODE64BIT;
	secs.attributes.xfrm = 3;
	assert_int_equal(ioctl(fd, SGX_IOC_ENCLAVE_CREATE, &cr), -1);
	assert_int_equal(errno, EIO);
	assert_int_equal(ioctl(fd, 0xdeadbeef, NULL), -1);
	assert_int_equal(errno, ENOTTY);
	close(fd);

	build_ok(&a, key_a, &base_cfg);
	assert_int_equal(ioctl(a.fd, SGX_IOC_ENCLAVE_CREATE, &cr), -1);       /* twice */
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ioctl(a.fd, SGX_IOC_ENCLAVE_ADD_PAGES, &ap), -1);    /* initialized */
	assert_int_equal(errno, EINVAL);
	memset(&mt, 0, sizeof(mt));
	assert_int_equal(ioctl(a.fd, SGX_IOC_ENCLAVE_MODIFY_TYPES, &mt), -1); /* length 0 */
	assert_int_equal(errno, EINVAL);
	mt = (struct sgx_enclave_modify_types){ 0x7000, 0x1000, SGX_PT_REG, 0, 0 };
	assert_int_equal(ioctl(a.fd, SGX_IOC_ENCLAVE_MODIFY_TYPES, &mt), -1); /* type REG */
	assert_int_equal(errno, EINVAL);
	mt = (struct sgx_enclave_modify_types){ 0x7000, 0x1000, SGX_PT_TRIM, 0, 1 };
	assert_int_equal(ioctl(a.fd, SGX_IOC_ENCLAVE_MODIFY_TYPES, &mt), -1); /* count != 0 */
	assert_int_equal(errno, EINVAL);
	mt = (struct sgx_enclave_modify_types){ 0xa000, 0x1000, SGX_PT_TRIM, 0, 0 };
	assert_int_equal(ioctl(a.fd, SGX_IOC_ENCLAVE_MODIFY_TYPES, &mt), -1); /* no page there */
	assert_int_equal(errno, EFAULT);
	assert_int_equal(mt.count, 0);
	rp = (struct sgx_enclave_restrict_permissions){ 0x7000, 0x1000, SGX_SECINFO_W, 0, 0 };
	assert_int_equal(ioctl(a.fd, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &rp), -1);
	assert_int_equal(errno, EINVAL);         /* W without R */
	rp = (struct sgx_enclave_restrict_permissions){ 0x10000, 0x1000, SGX_SECINFO_R, 0, 0 };
	assert_int_equal(ioctl(a.fd, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &rp), -1);
	assert_int_equal(errno, EINVAL);         /* beyond the enclave */
	rm = (struct sgx_enclave_remove_pages){ 0x7000, 0x1000, 0 };
	assert_int_equal(ioctl(a.fd, SGX_IOC_ENCLAVE_REMOVE_PAGES, &rm), -1);
	assert_int_equal(errno, EPERM);          /* not trimmed */
	pv.fd = (uint32_t)a.fd;                  /* not a /dev/sgx_provision fd */
	assert_int_equal(ioctl(a.fd, SGX_IOC_ENCLAVE_PROVISION, &pv), -1);
	assert_int_equal(errno, EINVAL);
	assert_ptr_equal(mmap((void *)(a.base + 0x6000), 4096, PROT_READ, MAP_PRIVATE | MAP_FIXED,
			      a.fd, 0), MAP_FAILED);
	assert_int_equal(errno, EINVAL);         /* MAP_PRIVATE */
	assert_ptr_equal(mmap((void *)(a.base + 0x6000), 4096, PROT_READ | PROT_WRITE,
			      MAP_SHARED | MAP_FIXED, a.fd, 0), MAP_FAILED);
	assert_int_equal(errno, EACCES);         /* above the page's EPCM permissions */
	assert_int_equal(mprotect((void *)(a.base + 0x6000), 4096, PROT_READ | PROT_WRITE), -1);
	assert_int_equal(errno, EACCES);
	assert_ptr_equal(mmap((void *)(a.base + SIMENCL_SIZE), 4096, PROT_READ,
			      MAP_SHARED | MAP_FIXED, a.fd, 0), MAP_FAILED);
	assert_int_equal(errno, EACCES);         /* outside ELRANGE once initialized */
	simencl_delete(&a);
}

/* A dup of the device fd is the same device; the enclave lives while any fd or mapping does. */
static void test_dup(void **state)
{
	struct simencl a;
	struct sgx_enclave_restrict_permissions rp = { 0x7000, 0x1000, SGX_SECINFO_W, 0, 0 };
	struct simencl_op op = { OP_INFO, 0, 0, 0, 0, 0 };
	struct stat st;
	int fd2, fd3;

	(void)state;
	build_ok(&a, key_a, &base_cfg);
	fd2 = dup(a.fd);
	fd3 = fcntl(a.fd, F_DUPFD_CLOEXEC, 100);
	assert_true(fd2 >= 0 && fd3 >= 100);
	assert_int_equal(close(a.fd), 0);
	a.fd = fd2;
	assert_int_equal(fstat(fd3, &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(ioctl(fd3, SGX_IOC_ENCLAVE_RESTRICT_PERMISSIONS, &rp), -1);
	assert_int_equal(errno, EINVAL);         /* the enclave's ioctl, not ENOTTY */
	assert_int_equal(dup2(fd3, fd2), fd2);   /* replaces fd2 by another fd of the same */
	assert_int_equal(close(fd3), 0);
	call(&a, 0, &op);                        /* still there */
	assert_int_equal(op.ret2, a.base + 0x8000);
	simencl_delete(&a);
}

static jmp_buf segv_jmp;
static volatile int segv_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	segv_code = si->si_code;
	_exit(42);
}

/* ENCLU outside an enclave: the SIGSEGV (#GP) hardware gives, default action or handler. */
static void test_enclu_outside(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	(void)segv_jmp;
	pid = fork();
	if (!pid) {
		signal(SIGSEGV, SIG_DFL);       /* cmocka's handler is installed during tests */
		__asm__ volatile(".byte 0x0f, 0x01, 0xd7" : : "a"(SGX_EEXIT), "b"(0) : "memory");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSEGV);
	pid = fork();
	if (!pid) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
		/* EENTER of something that is not a TCS */
		__asm__ volatile(".byte 0x0f, 0x01, 0xd7" : : "a"(SGX_EENTER), "b"(0x1000), "c"(0)
				 : "memory");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 42);
}

/* --strict: the host reading enclave memory faults; without it the read goes through */
static void test_strict(void **state)
{
	for (int strict = 0; strict < 2; strict++) {
		int status;
		pid_t pid = fork();

		(void)state;
		assert_true(pid >= 0);
		if (!pid) {
			if (strict)
				execl(getenv("TEEHOST"), "teehost", "sim", "--strict", "--", self_path,
				      "--host-read", NULL);
			else
				execl(getenv("TEEHOST"), "teehost", "sim", "--", self_path, "--host-read",
				      NULL);
			_exit(127);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (strict) {
			assert_true(WIFSIGNALED(status));
			assert_int_equal(WTERMSIG(status), SIGSEGV);
		} else {
			assert_true(WIFEXITED(status));
			assert_int_equal(WEXITSTATUS(status), 0);
		}
	}
}

static int child_host_read(void)
{
	struct simencl a;
	struct sgx_enclave_run run;
	struct simencl_op info = { OP_INFO, 0, 0, 0, 0, 0 };

	if (simencl_build(&a, key_a, &base_cfg))
		return 1;
	/* the enclave itself works in strict mode */
	if (simencl_call(vdso, &run, a.base, &info) || run.function != SGX_EEXIT ||
	    info.ret2 != a.base + 0x8000)
		return 2;
	signal(SIGSEGV, SIG_DFL);
	return *(volatile uint8_t *)(a.base + 0x7000) == 0 ? 0 : 3;
}

static int child_seal_key(int fd)
{
	struct simencl a;
	uint8_t k[16];
	static struct sgx_keyrequest kr;
	struct simencl_op op = { OP_EGETKEY, (uint64_t)&kr, 0, (uint64_t)k, 0, 0 };
	struct sgx_enclave_run run;

	if (simencl_build(&a, key_a, &base_cfg))
		return 1;
	memset(&kr, 0, sizeof(kr));
	kr.keyname = SGX_KEY_SEAL;
	kr.keypolicy = SGX_KEYPOLICY_MRSIGNER;
	kr.attribute_mask.flags = ~0ull;
	if (simencl_call(vdso, &run, a.base, &op) || op.ret)
		return 1;
	return write(fd, k, 16) == 16 ? 0 : 1;
}

static EVP_PKEY *load_or_make_key(const char *path)
{
	EVP_PKEY *k = NULL;
	FILE *f = fopen(path, "r");

	if (f) {
		k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (k)
			return k;
	}
	k = simencl_keygen();
	f = k ? fopen(path, "w") : NULL;
	if (f) {
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
		fclose(f);
	}
	return k;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuid),
		cmocka_unit_test(test_report_a_verified_in_b),
		cmocka_unit_test(test_key_policies),
		cmocka_unit_test(test_seal_key_stable_across_runs),
		cmocka_unit_test(test_aex_on_async_signal),
		cmocka_unit_test(test_aex_keeps_avx_state),
		cmocka_unit_test(test_direct_enclu_with_signal),
		cmocka_unit_test(test_threads_and_busy_tcs),
		cmocka_unit_test(test_fs_survives_preemption),
		cmocka_unit_test(test_many_threads),
		cmocka_unit_test(test_blocked_signals),
		cmocka_unit_test(test_fork),
		cmocka_unit_test(test_fault_vectors),
		cmocka_unit_test(test_ssa_contents),
		cmocka_unit_test(test_premapped_flow),
		cmocka_unit_test(test_fault_reported_through_vdso),
		cmocka_unit_test(test_einit_refusals),
		cmocka_unit_test(test_launch_control_mismatch),
		cmocka_unit_test(test_add_pages_batches),
		cmocka_unit_test(test_dcap_add_wrap),
		cmocka_unit_test(test_bad_ioctls),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_enclu_outside),
		cmocka_unit_test(test_strict),
	};
	static char self[4096], dir[] = "/tmp/teehost-simtest.XXXXXX";
	char keypath[4200];
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return 1;
	self[n] = 0;
	self_path = self;
	if (!getenv("TEEHOST_SIM_EPC")) {
		/* not on the simulator yet: run again under it, with a private platform secret */
		const char *t = getenv("TEEHOST");
		char buf[4200];

		if (!t || access(t, X_OK)) {
			const char *b = getenv("BUILD");

			snprintf(buf, sizeof(buf), "%s/teehost", b ? b : "build");
			t = buf;
			setenv("TEEHOST", t, 1);
		}
		if (!mkdtemp(dir))
			return 1;
		setenv("TEEHOST_SIM_STATE_DIR", dir, 1);
		/* an ASan-built test under the (uninstrumented) preload library */
		setenv("ASAN_OPTIONS", "verify_asan_link_order=0:handle_segv=0:handle_sigill=0:"
		       "handle_sigbus=0:handle_sigfpe=0:allow_user_segv_handler=1:detect_leaks=0", 1);
		{
			int status;
			pid_t pid = fork();
			char cmd[128];

			if (pid < 0)
				return 1;
			if (!pid) {
				execl(t, "teehost", "sim", "--", self, (char *)NULL);
				perror("teehost sim");
				_exit(1);
			}
			if (waitpid(pid, &status, 0) != pid)
				return 1;
			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
			if (system(cmd))
				fprintf(stderr, "test_sim: cannot remove %s\n", dir);
			return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
		}
	}
	vdso = simencl_vdso();
	snprintf(keypath, sizeof(keypath), "%s/a.pem", getenv("TEEHOST_SIM_STATE_DIR"));
	key_a = load_or_make_key(keypath);
	snprintf(keypath, sizeof(keypath), "%s/b.pem", getenv("TEEHOST_SIM_STATE_DIR"));
	key_b = load_or_make_key(keypath);
	if (argc > 1 && !strcmp(argv[1], "--seal-key") && argc > 2)
		return child_seal_key(atoi(argv[2]));
	if (argc > 1 && !strcmp(argv[1], "--host-read"))
		return child_host_read();
	if (argc > 1 && !strcmp(argv[1], "--dcap-add-wrap"))
		return child_dcap_add_wrap();
	if (argc > 1 && !strcmp(argv[1], "--einit-errno")) {
		struct simencl en;
		int rc = simencl_build(&en, key_a, &base_cfg);

		return rc < 0 ? -rc : 0;
	}
	if (!vdso || !key_a || !key_b) {
		fprintf(stderr, "test_sim: no __vdso_sgx_enter_enclave or no keys\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
