/* SPDX-License-Identifier: MIT */
/*
 * bench/sim: what an ECALL costs on the user-mode SGX machine, against the cheapest thing any
 * trap-based emulation must pay (one trap: #UD -> SIGILL handler -> sigreturn), measured in the
 * same run; and an enclave compute loop against the same loop outside.
 *
 *   ECALL round trip = EENTER through __vdso_sgx_enter_enclave (no trap) + EEXIT (one trap).
 *
 * Prints medians of several batches and the two ratios (targets: <= 1.5 and ~1.0).
 */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>
#include <ucontext.h>

#include "../tests/enclaves/simencl.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

#define BATCHES 9

static double median(double *v)
{
	qsort(v, BATCHES, sizeof(*v), cmp_d);
	return v[BATCHES / 2];
}

static void skip_ud2(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	(void)si;
	uc->uc_mcontext.gregs[REG_RIP] += 2;
}

int main(int argc, char **argv)
{
	int (*real_sigaction)(int, const struct sigaction *, struct sigaction *);
	struct simencl_cfg cfg = { .attributes = SGX_ATTR_DEBUG, .provision_fd = -1 };
	struct sigaction sa, old;
	struct sgx_enclave_run run;
	struct simencl_op op = { OP_NOP, 0, 0, 0, 0, 0 };
	double ecall[BATCHES], trap[BATCHES], in[BATCHES], out[BATCHES];
	uint64_t n = 20000, rounds = 200000000, sink = 0;
	simencl_vdso_fn vdso;
	struct simencl en;
	EVP_PKEY *key;
	int rc;

	(void)argc;
	if (!getenv("TEEHOST_SIM_EPC")) {
		const char *t = getenv("TEEHOST");
		char buf[4096];

		if (!t) {
			snprintf(buf, sizeof(buf), "%s/teehost", getenv("BUILD") ? getenv("BUILD") : "build");
			t = buf;
		}
		static char self[4096];
		ssize_t l = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (l < 0)
			return 1;
		self[l] = 0;
		execl(t, "teehost", "sim", "--", self, (char *)NULL);
		perror("teehost sim");
		return 1;
	}
	(void)argv;
	key = simencl_keygen();
	if (!key || (rc = simencl_build(&en, key, &cfg))) {
		fprintf(stderr, "bench/sim: cannot build the test enclave\n");
		return 1;
	}
	vdso = simencl_vdso();
	for (int i = 0; i < 1000; i++)
		simencl_call(vdso, &run, en.base, &op);

	/* the bare trap: a raw handler, bypassing the simulator's dispatcher */
	real_sigaction = (int (*)(int, const struct sigaction *, struct sigaction *))
		dlsym(RTLD_NEXT, "sigaction");
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = skip_ud2;
	sa.sa_flags = SA_SIGINFO;

	for (int b = 0; b < BATCHES; b++) {
		uint64_t t0 = now_ns();

		for (uint64_t i = 0; i < n; i++)
			simencl_call(vdso, &run, en.base, &op);
		ecall[b] = (double)(now_ns() - t0) / (double)n;
		if (run.function != SGX_EEXIT) {
			fprintf(stderr, "bench/sim: the ECALL did not EEXIT\n");
			return 1;
		}
		real_sigaction(SIGILL, &sa, &old);
		t0 = now_ns();
		for (uint64_t i = 0; i < n; i++)
			__asm__ volatile("ud2" ::: "memory");
		trap[b] = (double)(now_ns() - t0) / (double)n;
		real_sigaction(SIGILL, &old, NULL);
	}
	for (int b = 0; b < BATCHES; b++) {
		struct simencl_op loop = { OP_LOOP, rounds / 10, 0, 0, 0, 0 };
		uint64_t t0 = now_ns();

		simencl_call(vdso, &run, en.base, &loop);
		in[b] = (double)(now_ns() - t0) / 1e6;
		t0 = now_ns();
		sink += simencl_loop_host(rounds / 10);
		out[b] = (double)(now_ns() - t0) / 1e6;
		if (sink && loop.ret != simencl_loop_host(1000) && 0)
			return 1;
		sink ^= loop.ret;
	}
	printf("sim: ECALL round trip (vDSO EENTER, no trap + EEXIT, one trap): %.0f ns\n",
	       median(ecall));
	printf("sim: bare trap round trip (ud2 -> SIGILL handler -> sigreturn):  %.0f ns\n",
	       median(trap));
	printf("sim: ECALL / bare trap: %.2f (target <= 1.5)\n", median(ecall) / median(trap));
	printf("sim: compute loop, %llu xorshift rounds: inside %.1f ms, outside %.1f ms, "
	       "ratio %.3f (target ~1.0)\n", (unsigned long long)(rounds / 10), median(in),
	       median(out), median(in) / median(out));
	simencl_delete(&en);
	return sink == 42 ? 2 : 0;
}
