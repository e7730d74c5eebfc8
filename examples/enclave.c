/* SPDX-License-Identifier: MIT */
/*
 * libteehost from the outside, end to end: open an enclave (the installed sample, or any ELF,
 * SDK .so or .sgxs), measure it, sign it (with KEY.pem, or a throw-away key), load it on the
 * SGX driver present and call it with the sample ABI (add 2 40). Build it with
 *     cc enclave.c $(pkg-config --cflags --libs libteehost) -o enclave
 * and run it on SGX hardware, or on any x86-64 machine under `teehost sim -- ./enclave`.
 * It prints "mrenclave HEX" (what `teehost measure` prints) and "add 2 40 = 42".
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <teehost/image.h>
#include <teehost/loader.h>
#include <teehost/sample_abi.h>
#include <teehost/teehost.h>

/* Call the sample enclave's add on TCS 0: 0 and *SUM, or a negative errno. */
static int call_add(struct teehost_enclave *e, uint64_t a, uint64_t b, uint64_t *sum)
{
	struct th_sample_call call = {
		.magic = TH_SAMPLE_MAGIC, .op = TH_SAMPLE_OP_ADD, .args = { a, b }, .status = 1,
	};
	struct teehost_enter io = { .rdi = (uint64_t)(uintptr_t)&call };
	int rc = teehost_enclave_enter(e, 0, &io);

	if (rc < 0)
		return rc;
	if (call.status != 0)
		return -71; /* EPROTO: not the sample ABI */
	*sum = call.ret;
	return 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/usr/share/teehost/sample.elf";
	const char *key = argc > 2 ? argv[2] : NULL;   /* NULL: a throw-away key, DEBUG */
	struct teehost_sign_opts sopts = { .sz = sizeof(sopts), .debug = true };
	struct teehost_loader_opts lopts = { .sz = sizeof(lopts) };
	struct teehost_image *img = NULL;
	struct teehost_enclave *e = NULL;
	uint8_t mr[TEEHOST_MRENCLAVE_SIZE], ss[TEEHOST_SIGSTRUCT_SIZE];
	uint64_t sum = 0;
	int rc;

	rc = teehost_image_open(path, NULL, &img);
	if (rc == 0)
		rc = teehost_image_measure(img, mr, sizeof(mr));
	if (rc == 0) {
		printf("mrenclave ");
		for (size_t i = 0; i < sizeof(mr); i++)
			printf("%02x", mr[i]);
		printf("\nformat %s\n", teehost_image_format(img));
		rc = teehost_image_sign(img, key, &sopts, ss, sizeof(ss));
	}
	if (rc == 0)
		rc = teehost_enclave_load(img, ss, sizeof(ss), &lopts, &e);
	teehost_image_free(img);        /* the loaded enclave does not need it */
	if (rc == 0) {
		printf("loaded on the %s driver, %zu TCS\n",
		       teehost_sgx_driver_name(teehost_enclave_driver(e)),
		       teehost_enclave_tcs_count(e));
		rc = call_add(e, 2, 40, &sum);
	}
	if (rc == 0)
		printf("add 2 40 = %llu\n", (unsigned long long)sum);
	teehost_enclave_destroy(e);
	if (rc < 0) {
		/* libteehost printed why on stderr (teehost_set_print() can redirect it) */
		fprintf(stderr, "enclave: %s: failed (%s)\n", path, strerror(-rc));
		return 1;
	}
	return sum == 42 ? 0 : 1;
}
