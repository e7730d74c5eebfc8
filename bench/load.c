/* SPDX-License-Identifier: MIT */
/*
 * bench/load: enclave load throughput through teehost's loader (probe, ECREATE, ADD_PAGES with
 * measurement, EINIT, mapping, then delete) against the foundation's measure throughput
 * (th_plan_measure of the same page plan) in the same run. Run it under `teehost sim` (see
 * bench/load.sh): the simulator does the EADD/EEXTEND work a CPU would, so the ratio says what
 * the loader and the device model add on top of hashing the enclave once.
 * A synthetic static enclave ELF: one TCS page and SIZE MiB of incompressible R|X pages. Each
 * side is timed best-of-N in thread CPU time (the simulator runs in the calling thread; the
 * machine is shared, so wall time would measure the neighbours).
 *   bench/load [SIZE_MIB [ROUNDS [DRIVER]]]
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sgx/image.h"
#include "sgx/sigstruct.h"
#include "sgx/signer.h"
#include "launch/launch.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	struct teehost_loader_opts opts = { .sz = sizeof(opts) };
	size_t code = mib << 20, len = 3 * 4096 + code;
	uint8_t *buf = aligned_alloc(4096, len), mr[32];
	Elf64_Ehdr eh = { 0 };
	Elf64_Phdr ph[2] = { { 0 } };
	struct th_image img;
	struct th_err err = { { 0 } };
	struct sgx_sigstruct ss;
	struct th_sgx_status st;
	double best_load = 1e9, best_mr = 1e9;
	uint64_t x = 0x2545f4914f6cdd1dull, pages = 0;
	const char *driver = "?";

	if (!buf || mib == 0 || rounds < 1)
		return 2;
	if (argc > 3 && teehost_sgx_driver_parse(argv[3], &opts.driver) < 0)
		return 2;
	memset(buf, 0, 3 * 4096);
	for (size_t i = 3 * 4096; i + 8 <= len; i += 8) {
		x ^= x << 13; x ^= x >> 7; x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_type = ET_EXEC;
	eh.e_machine = EM_X86_64;
	eh.e_phoff = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 2;
	memcpy(buf, &eh, sizeof(eh));
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 8192,
			      .p_vaddr = 0, .p_filesz = 4096, .p_memsz = 4096 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 12288,
			      .p_vaddr = 4096, .p_filesz = code, .p_memsz = code };
	memcpy(buf + sizeof(eh), ph, sizeof(ph));
	memcpy(buf + 8192 + 16, &(uint64_t){ 0x1000 }, 8);     /* TCS: OSSA */
	memcpy(buf + 8192 + 28, &(uint32_t){ 1 }, 4);           /* NSSA */
	memcpy(buf + 8192 + 32, &(uint64_t){ 0x1000 }, 8);     /* OENTRY */

	if (th_image_build(buf, len, NULL, &img, &err) || th_sign_throwaway(&img.plan, &ss, &err)) {
		fprintf(stderr, "bench/load: %s\n", err.msg);
		return 1;
	}
	for (int r = 0; r < rounds; r++) {
		struct teehost_enclave *e = NULL;
		double t0 = now(), t;

		if (th_launch_load(&img.plan, &ss, &opts, &e, &st, &err)) {
			fprintf(stderr, "bench/load: %s (step %s, code %#x)\n", err.msg,
				st.step ? st.step : "?", st.code);
			return 1;
		}
		pages = teehost_enclave_pages_added(e);
		driver = teehost_sgx_driver_name(teehost_enclave_driver(e));
		teehost_enclave_destroy(e);
		t = now() - t0;
		if (t < best_load)
			best_load = t;
		t0 = now();
		if (th_plan_measure(&img.plan, mr, &err))
			return 1;
		t = now() - t0;
		if (t < best_mr)
			best_mr = t;
	}
	printf("load (%s driver): %llu pages = %.1f MiB added and measured in %.3f s CPU = %.0f MiB/s "
	       "(best of %d; ECREATE..EINIT, map, delete)\n", driver, (unsigned long long)pages,
	       (double)pages / 256, best_load, (double)pages / 256 / best_load, rounds);
	printf("measure: the same plan's MRENCLAVE in %.3f s CPU = %.0f MiB/s (th_plan_measure)\n",
	       best_mr, (double)pages / 256 / best_mr);
	printf("ratio load/measure: %.3f\n", best_mr / best_load);
	th_image_close(&img);
	free(buf);
	return 0;
}
