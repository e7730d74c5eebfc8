/* SPDX-License-Identifier: MIT */
/*
 * Image detection and building, the pure entry point and the file one; and the memory promise:
 * measuring does not grow with the enclave (a 1 GiB enclave measures in a few MiB of RSS).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sgx/image.h"
#include "synth.h"

static void test_detect(void **state)
{
	uint8_t ss[1808] = { 0x06, 0, 0, 0, 0xe1, 0, 0, 0, 0, 0, 1, 0 };
	const uint8_t h2[16] = SGX_SIGSTRUCT_HEADER2;
	uint8_t sgxs[64] = "ECREATE";
	uint8_t *elf;
	size_t len;

	(void)state;
	elf = synth_elf_small(&len);
	assert_int_equal(th_image_detect(elf, len), TH_FORMAT_ELF);
	assert_int_equal(th_image_detect(sgxs, sizeof(sgxs)), TH_FORMAT_SGXS);
	assert_int_equal(th_image_detect(sgxs, 63), TH_FORMAT_UNKNOWN);
	assert_int_equal(th_image_detect(elf, 63), TH_FORMAT_UNKNOWN);
	assert_int_equal(th_image_detect(ss, sizeof(ss)), TH_FORMAT_UNKNOWN);
	assert_false(th_image_is_sigstruct(ss, sizeof(ss)));
	memcpy(ss + 24, h2, 16);
	assert_true(th_image_is_sigstruct(ss, sizeof(ss)));
	assert_false(th_image_is_sigstruct(ss, sizeof(ss) - 1));
	free(elf);
}

static void test_build(void **state)
{
	struct th_image_options flat = { .flags = TH_IMAGE_FLAT };
	struct th_image img;
	struct th_err err = { { 0 } };
	uint8_t junk[5000], mr[32];
	uint8_t *elf;
	size_t len;

	(void)state;
	elf = synth_elf_small(&len);
	assert_int_equal(th_image_build(elf, len, NULL, &img, &err), 0);
	assert_int_equal(img.plan.format, TH_FORMAT_ELF);
	assert_true(img.plan.finalized);
	assert_int_equal(th_plan_measure(&img.plan, mr, &err), 0);
	th_image_close(&img);
	th_image_close(&img);           /* safe twice */

	memset(junk, 0x42, sizeof(junk));
	assert_int_equal(th_image_build(junk, sizeof(junk), NULL, &img, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "format: "));
	th_image_close(&img);
	/* anything is a flat image when asked: TCS page + one R|W|X page, SIZE 8 KiB */
	assert_int_equal(th_image_build(junk, sizeof(junk), &flat, &img, &err), 0);
	assert_int_equal(img.plan.format, TH_FORMAT_FLAT);
	assert_int_equal(img.plan.size, 0x2000);
	assert_int_equal(img.plan.nruns, 2);
	th_image_close(&img);
	assert_int_equal(th_image_build(junk, 100, &flat, &img, &err), -EINVAL);
	assert_int_equal(th_image_open("/nonexistent/enclave", NULL, &img, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "open: "));
	free(elf);
}

/* Peak RSS (KiB) of `teehost measure FILE`, or -1. */
static long measure_rss(const char *file)
{
	const char *b = getenv("BUILD");
	char cli[4096];
	struct rusage ru;
	int status;
	pid_t pid;

	snprintf(cli, sizeof(cli), "%s/teehost", b && *b ? b : "build");
	pid = fork();
	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout))
			_exit(127);
		execl(cli, "teehost", "measure", file, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		return -1;
	return ru.ru_maxrss;
}

static void write_file(const char *path, const uint8_t *d, size_t len)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(d, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_memory_does_not_grow(void **state)
{
	const struct synth_seg big[] = {
		{ 0x0000, PF_R | PF_W, 4096, 4096, 0 },
		{ 0x1000, PF_R | PF_X, 1 << 20, 1 << 20, 0x90 },        /* 1 MiB of code */
		{ 0x101000, PF_R | PF_W, 4096, 1ull << 30, 0x11 },      /* 1 GiB of heap/stack */
	};
	char dir[] = "/tmp/teehost-rss.XXXXXX", small_path[64], big_path[64];
	uint8_t *d;
	size_t len;
	long small_rss, big_rss;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(small_path, sizeof(small_path), "%s/small.elf", dir);
	snprintf(big_path, sizeof(big_path), "%s/big.elf", dir);
	d = synth_elf_small(&len);
	write_file(small_path, d, len);
	free(d);
	d = synth_elf(big, 3, 0x101000, 0x1000, &len);
	write_file(big_path, d, len);
	free(d);
	small_rss = measure_rss(small_path);
	big_rss = measure_rss(big_path);
	unlink(small_path);
	unlink(big_path);
	rmdir(dir);
	print_message("# peak RSS: 16 KiB enclave %ld KiB, 1 GiB enclave %ld KiB\n", small_rss, big_rss);
	assert_true(small_rss > 0 && big_rss > 0);
	/* the 1 MiB of file data may be mapped in; nothing may scale with the 1 GiB */
	assert_true(big_rss - small_rss < 4 * 1024);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_memory_does_not_grow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
