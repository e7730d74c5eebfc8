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
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "sgx/image.h"
#include "sgx/sigstruct.h"
#include "sgx/signer.h"
#include "launch/launch.h"

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 64;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	struct teehost_loader_opts opts = { .sz = sizeof(opts) };
	size_t code = mib << 20, len;
	uint8_t *buf, mr[32];
	struct th_image img;
	struct th_err err = { { 0 } };
	struct sgx_sigstruct ss;
	struct th_sgx_status st;
	double best_load = 1e9, best_mr = 1e9;
	uint64_t pages = 0;
	const char *driver = "?";

	if (mib == 0 || rounds < 1)
		return 2;
	if (argc > 3 && teehost_sgx_driver_parse(argv[3], &opts.driver) < 0)
		return 2;
	if (!(buf = bench_elf(code, 0x2545f4914f6cdd1dull, &len)))
		return 2;
	if (th_image_build(buf, len, NULL, &img, &err) || th_sign_throwaway(&img.plan, &ss, &err)) {
		fprintf(stderr, "bench/load: %s\n", err.msg);
		return 1;
	}
	for (int r = 0; r < rounds; r++) {
		struct teehost_enclave *e = NULL;
		double t0 = bench_now(), t;

		if (th_launch_load(&img.plan, &ss, &opts, &e, &st, &err)) {
			fprintf(stderr, "bench/load: %s (step %s, code %#x)\n", err.msg,
				st.step ? st.step : "?", st.code);
			return 1;
		}
		pages = teehost_enclave_pages_added(e);
		driver = teehost_sgx_driver_name(teehost_enclave_driver(e));
		teehost_enclave_destroy(e);
		t = bench_now() - t0;
		if (t < best_load)
			best_load = t;
		t0 = bench_now();
		if (th_plan_measure(&img.plan, mr, &err))
			return 1;
		t = bench_now() - t0;
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
