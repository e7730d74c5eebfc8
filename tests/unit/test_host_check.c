/* SPDX-License-Identifier: MIT */
/*
 * The check engine through the library: AESM "actually answering" with a real listening socket
 * in a fixture root, and a socket nobody listens on; the summary's exit status.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/check.h"

static char dir[128];

static int setup(void **state)
{
	char cmd[512];
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/teehost-check-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(cmd, sizeof(cmd), "tests/hosts/build.sh sgx2-flc-server '%s/r'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct th_check *find(const struct th_host *h, const char *id)
{
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->v[i].id, id))
			return &h->v[i];
	return NULL;
}

static int make_socket(const char *path, bool listening)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	unlink(path);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	if (listening)
		assert_int_equal(listen(s, 1), 0);
	return s;
}

static void run_check(struct th_host *h)
{
	char root[256];
	struct th_err e = { { 0 } };
	snprintf(root, sizeof(root), "%s/r", dir);
	struct th_check_opts o = { .root = root, .cpuid_file = "tests/hosts/sgx2-flc-server/cpuid.txt" };
	assert_int_equal(th_host_open(h, &o, &e), 0);
	assert_int_equal(th_host_check(h, &e), 0);
}

static void test_aesm_socket(void **state)
{
	char sock[256];
	struct th_host h;
	struct th_summary s;
	(void)state;

	snprintf(sock, sizeof(sock), "%s/r/run/aesmd/aesm.socket", dir);
	int fd = make_socket(sock, true);
	run_check(&h);
	const struct th_check *c = find(&h, "sgx.aesm");
	assert_non_null(c);
	assert_int_equal(c->status, TH_PASS);
	assert_non_null(strstr(c->evidence, "/var/run/aesmd/aesm.socket: accepts connections"));
	assert_int_equal(th_host_summary(&h, &s), 0);
	assert_int_equal(s.fail, 0);
	th_host_close(&h);
	close(fd);

	fd = make_socket(sock, false); /* a stale socket: AESM died */
	run_check(&h);
	c = find(&h, "sgx.aesm");
	assert_int_equal(c->status, TH_WARN); /* FLC + in-kernel driver: AESM optional */
	assert_false(c->required);
	assert_non_null(strstr(c->evidence, "connect: Connection refused"));
	assert_int_equal(th_host_summary(&h, &s), 0);
	assert_int_equal(s.warn, 1);
	th_host_close(&h);
	close(fd);
}

static void test_required_fail_sets_exit(void **state)
{
	char path[256];
	struct th_host h;
	struct th_summary s;
	FILE *f;
	(void)state;
	snprintf(path, sizeof(path), "%s/r/proc/self/mountinfo", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("24 28 0:5 / /dev rw,nosuid,noexec,relatime - devtmpfs udev rw\n", f);
	fclose(f);
	run_check(&h);
	assert_int_equal(find(&h, "sgx.dev_noexec")->status, TH_FAIL);
	assert_int_equal(th_host_summary(&h, &s), 1);
	assert_int_equal(s.required_fail, 1);
	th_host_close(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aesm_socket),
		cmocka_unit_test(test_required_fail_sets_exit),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
