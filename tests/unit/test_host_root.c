/* SPDX-License-Identifier: MIT */
/* Probes through --root: symlinks stay inside the root, cycles end in ELOOP, MSR slots. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/root.h"

static char dir[256];

static void put(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_(const char *target, const char *rel)
{
	char p[512];
	snprintf(p, sizeof(p), "%s/%s", dir, rel);
	assert_int_equal(symlink(target, p), 0);
}

static int setup(void **state)
{
	char p[512];
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/teehost-root-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(p, sizeof(p), "%s/etc", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/dev", dir);
	mkdir(p, 0755);
	put("etc/passwd", "fixture\n");
	link_("loop2", "dev/loop1");
	link_("loop1", "dev/loop2");
	link_("self", "dev/self");
	link_("/etc/passwd", "dev/abs");              /* absolute: must mean ROOT/etc/passwd */
	link_("../../../../../etc/passwd", "dev/up"); /* climbing out: stays at ROOT */
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_confined(void **state)
{
	struct th_root r;
	struct th_err e = { { 0 } };
	char *s;
	size_t n;
	(void)state;
	assert_int_equal(th_root_init(&r, dir, &e), 0);
	assert_int_equal(th_root_read(&r, "/dev/abs", 100, &s, &n), 0);
	assert_string_equal(s, "fixture\n"); /* not the host's /etc/passwd */
	free(s);
	assert_int_equal(th_root_read(&r, "/dev/up", 100, &s, &n), 0);
	assert_string_equal(s, "fixture\n");
	free(s);
	assert_int_equal(th_root_read(&r, "/../../etc/passwd", 100, &s, &n), 0);
	assert_string_equal(s, "fixture\n");
	free(s);
	assert_int_equal(th_root_read(&r, "/dev/loop1", 100, &s, &n), -ELOOP);
	assert_int_equal(th_root_read(&r, "/dev/self", 100, &s, &n), -ELOOP);
	struct stat st;
	assert_int_equal(th_root_stat(&r, "/dev/loop1", &st, true), -ELOOP);
	assert_int_equal(th_root_stat(&r, "/dev/loop1", &st, false), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(th_root_read(&r, "/etc", 100, &s, &n), -EISDIR);
	assert_int_equal(th_root_read(&r, "/nope", 100, &s, &n), -ENOENT);
	char buf[64];
	assert_int_equal(th_root_readlink(&r, "/dev/abs", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/etc/passwd");
	th_root_close(&r);
}

static void test_confined_walk(void **state)
{
	/* the same answers from the fallback for kernels without openat2 */
	th_root_force_walk(true);
	test_confined(state);
	th_root_force_walk(false);
}

static void test_msr_slots(void **state)
{
	struct th_root r;
	struct th_err e = { { 0 } };
	char p[512];
	uint64_t v;
	(void)state;
	snprintf(p, sizeof(p), "%s/dev/cpu", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/dev/cpu/0", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/dev/cpu/0/msr", dir);
	int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	uint64_t a = 0x1111111111111111ull, b = 0x2222222222222222ull;
	assert_int_equal(pwrite(fd, &a, 8, 0x8c * 8), 8); /* neighbours do not overlap */
	assert_int_equal(pwrite(fd, &b, 8, 0x8d * 8), 8);
	close(fd);
	assert_int_equal(th_root_init(&r, dir, &e), 0);
	assert_int_equal(th_root_msr(&r, 0, 0x8c, &v), 0);
	assert_true(v == a);
	assert_int_equal(th_root_msr(&r, 0, 0x8d, &v), 0);
	assert_true(v == b);
	assert_int_equal(th_root_msr(&r, 0, 0x10, &v), 0); /* a hole reads 0 */
	assert_true(v == 0);
	assert_int_equal(th_root_msr(&r, 0, 0x100, &v), -EIO); /* past the end: not implemented */
	assert_int_equal(th_root_msr(&r, 1, 0x10, &v), -ENOENT);
	th_root_close(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confined),
		cmocka_unit_test(test_confined_walk),
		cmocka_unit_test(test_msr_slots),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
