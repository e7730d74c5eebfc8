/* SPDX-License-Identifier: MIT */
/*
 * The smallest program against an installed libteehost: probe the SGX driver, then load the
 * installed sample enclave (signed on the fly as a debug enclave), call it, and print what
 * happened. Build it with
 *     cc live.c $(pkg-config --cflags --libs libteehost) -o live
 * and run it on SGX hardware, or on any x86-64 machine under `teehost sim -- ./live`.
 */
#include <stdio.h>

#include <teehost/loader.h>
#include <teehost/teehost.h>

int main(int argc, char **argv)
{
	const char *sample = argc > 1 ? argv[1] : "/usr/share/teehost/sample.elf";
	struct teehost_loader_opts opts = { .sz = sizeof(opts) };
	struct teehost_sgx_live live;

	printf("libteehost %s\n", teehost_version());
	if (teehost_sgx_live_test(sample, &opts, &live)) {
		fprintf(stderr, "live: %s failed (enclave_error_t 0x%x): %s\n", live.step, live.code,
			live.msg);
		return 1;
	}
	printf("%s: add 2 40 = %llu on the %s driver\n", sample, (unsigned long long)live.answer,
	       teehost_sgx_driver_name(live.driver));
	return live.answer == 42 ? 0 : 1;
}
