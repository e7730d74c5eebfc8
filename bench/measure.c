/* SPDX-License-Identifier: MIT */
/*
 * bench/measure: MRENCLAVE throughput against OpenSSL SHA-256 on the same data, same run.
 * A synthetic static enclave ELF of SIZE MiB of (non-zero) code pages goes through the same
 * path as `teehost measure` (th_image_build -> th_plan_measure); the baseline is one
 * EVP_Digest(SHA-256) over the same bytes. Each side is timed best-of-N, rounds interleaved,
 * in thread CPU time (the machine is shared: wall time would measure the neighbours).
 * Ratio = enclave bytes per second / SHA-256 bytes per second. EEXTEND hashes 5,184 bytes per
 * 4 KiB page (16 x (64 + 256) + 64 for EADD), so the ceiling is 4096/5184 = 0.790.
 *   bench/measure [SIZE_MIB [ROUNDS]]
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "bench.h"
#include "sgx/image.h"

int main(int argc, char **argv)
{
	size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 256;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	size_t code = mib << 20, len;
	uint8_t *buf, md[32], mr[32];
	struct th_image img;
	struct th_err err = { { 0 } };
	double best_mr = 1e9, best_sha = 1e9, ratio;

	if (mib == 0 || rounds < 1 || !(buf = bench_elf(code, 0x9e3779b97f4a7c15ull, &len)))
		return 2;
	for (int r = 0; r < rounds; r++) {
		double t0 = bench_now(), t;

		if (th_image_build(buf, len, NULL, &img, &err) || th_plan_measure(&img.plan, mr, &err)) {
			fprintf(stderr, "bench/measure: %s\n", err.msg);
			return 1;
		}
		th_image_close(&img);
		t = bench_now() - t0;
		if (t < best_mr)
			best_mr = t;
		t0 = bench_now();
		EVP_Digest(buf + BENCH_CODE_OFFSET, code, md, NULL, EVP_sha256(), NULL);
		t = bench_now() - t0;
		if (t < best_sha)
			best_sha = t;
	}
	ratio = best_sha / best_mr;
	printf("enclave: %zu MiB measured in %.3f s CPU = %.0f MiB/s (best of %d)\n", mib, best_mr,
	       (double)mib / best_mr, rounds);
	printf("sha256:  %zu MiB hashed   in %.3f s CPU = %.0f MiB/s (OpenSSL EVP, same data)\n", mib,
	       best_sha, (double)mib / best_sha);
	printf("ratio: %.3f (ceiling 0.790 = 4096/5184; target >= 0.75)\n", ratio);
	free(buf);
	return 0;
}
