/* SPDX-License-Identifier: MIT */
/*
 * The check engine through the library: AESM "actually answering" with a real listening socket
 * in a fixture root, and a socket nobody listens on; the summary's exit status; sgx.driver is
 * the loader's probe on every fixture root.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "host/aesm.h"
#include "host/check.h"
#include "loader/loader.h"

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

/* A fake AESM: answers one GetWhiteListSize request with errorCode 0. */
static pid_t fake_aesm(int listener)
{
	pid_t pid = fork();
	if (pid == 0) {
		uint8_t req[6];
		int c = accept(listener, NULL, NULL);
		if (c < 0 || recv(c, req, sizeof(req), MSG_WAITALL) != 6 || memcmp(req, "\x02\0\0\0\x52\x00", 6))
			_exit(1);
		static const uint8_t res[] = { 4, 0, 0, 0, 0x52, 0x02, 0x08, 0x00 };
		_exit(send(c, res, sizeof(res), 0) == sizeof(res) ? 0 : 1);
	}
	return pid;
}

static void test_aesm_socket(void **state)
{
	char sock[256];
	struct th_host h;
	struct th_summary s;
	int status;
	(void)state;

	snprintf(sock, sizeof(sock), "%s/r/run/aesmd/aesm.socket", dir);
	int fd = make_socket(sock, true);
	pid_t pid = fake_aesm(fd);
	assert_true(pid > 0);
	run_check(&h);
	const struct th_check *c = find(&h, "sgx.aesm");
	assert_non_null(c);
	assert_int_equal(c->status, TH_PASS);
	assert_non_null(strstr(c->evidence, "/var/run/aesmd/aesm.socket: answers (GetWhiteListSize: error code 0, success)"));
	assert_int_equal(th_host_summary(&h, &s), 0);
	assert_int_equal(s.fail, 0);
	th_host_close(&h);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0); /* it got the request it expects */

	/* listening, never answering (a hung daemon): one second, then a warning */
	run_check(&h);
	c = find(&h, "sgx.aesm");
	assert_int_equal(c->status, TH_WARN);
	assert_non_null(strstr(c->evidence, "connected, but no answer to GetWhiteListSize within 1 s"));
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

static void test_aesm_parse(void **state)
{
	uint8_t req[16];
	uint32_t code = 99;
	(void)state;
	assert_int_equal(th_aesm_request(req), 6);
	assert_memory_equal(req, "\x02\0\0\0\x52\x00", 6);
	assert_int_equal(th_aesm_parse_response((const uint8_t *)"\x52\x02\x08\x2a", 4, &code), 0);
	assert_int_equal(code, 42);
	/* another field first (skipped), then ours with a multi-byte varint */
	assert_int_equal(th_aesm_parse_response((const uint8_t *)"\x0a\x01\xff\x52\x03\x08\xac\x02", 8, &code), 0);
	assert_int_equal(code, 300);
	assert_int_equal(th_aesm_parse_response((const uint8_t *)"\x52\x05\x08", 3, &code), -EBADMSG);
	assert_int_equal(th_aesm_parse_response((const uint8_t *)"\x52\x00", 2, &code), -EBADMSG);
	assert_int_equal(th_aesm_parse_response((const uint8_t *)"", 0, &code), -EBADMSG);
	assert_int_equal(th_aesm_parse_response((const uint8_t *)"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", 11, &code), -EBADMSG);
}

/*
 * Check ROOT (with CPUID) and ask the loader's probe on the same tree: the driver must be the
 * same, sgx.driver must give the probe's reasons, and sgx.dev_enclave must look at the node
 * the loader would open. The vDSO the probe is told about is the tree's kernel's (its
 * CONFIG_X86_SGX; see man/teehost-check.8). The driver found, or -1 when SGX is not on.
 */
static int driver_agrees(const char *name, const char *root, const char *cpuid)
{
	struct th_check_opts o = { .root = root, .cpuid_file = cpuid };
	struct th_err e = { { 0 } };
	struct teehost_sgx_probe pr;
	const struct th_check *drv, *node;
	struct th_host h;
	char want[512];
	int found;

	assert_int_equal(th_host_open(&h, &o, &e), 0);
	assert_int_equal(th_host_check(&h, &e), 0);
	th_sgx_detect(root, th_host_kconfig(&h, "X86_SGX") == 'y', &pr);
	drv = find(&h, "sgx.driver");
	node = find(&h, "sgx.dev_enclave");
	assert_non_null(drv);
	if (!h.sgx_hw || !drv->evidence[0]) { /* no SGX (the probe does not run) or SGX off */
		th_host_close(&h);
		return -1;
	}
	if (h.sgx_drv != pr.driver)
		fail_msg("%s: teehost check says %s, the loader's probe %s (%s)", name,
			 teehost_sgx_driver_name(h.sgx_drv), teehost_sgx_driver_name(pr.driver), pr.why);
	assert_non_null(strstr(drv->evidence, pr.why));
	if (pr.driver != TEEHOST_SGX_NONE) {
		const char *colon = strstr(node->evidence, ": ");

		assert_non_null(colon);
		snprintf(want, sizeof(want), "%s%.*s", root, (int)(colon - node->evidence), node->evidence);
		assert_string_equal(want, pr.enclave_node);
	}
	found = (int)h.sgx_drv;
	th_host_close(&h);
	return found;
}

static void build_fixture(const char *name, const char *root)
{
	char cmd[800];

	snprintf(cmd, sizeof(cmd), "tests/hosts/build.sh '%s' '%s'", name, root);
	assert_int_equal(system(cmd), 0);
}

/* teehost check and teehost run cannot disagree on the driver: every fixture machine, and
 * roots where /sys/module and the nodes tell different stories. */
static void test_driver_is_the_loaders(void **state)
{
	char root[400], cpuid[300], path[600];
	bool seen[TEEHOST_SGX_ISGX + 1] = { false };
	DIR *d = opendir("tests/hosts");
	struct dirent *de;
	FILE *f;
	(void)state;

	assert_non_null(d);
	while ((de = readdir(d))) {
		int drv;

		snprintf(cpuid, sizeof(cpuid), "tests/hosts/%s/cpuid.txt", de->d_name);
		if (de->d_name[0] == '.' || access(cpuid, R_OK))
			continue;
		snprintf(root, sizeof(root), "%s/fx-%s", dir, de->d_name);
		build_fixture(de->d_name, root);
		drv = driver_agrees(de->d_name, root, cpuid);
		if (drv >= 0)
			seen[drv] = true;
	}
	closedir(d);
	/* the fixtures cover every answer: in-kernel, DCAP, isgx (SGX off has no driver to ask) */
	assert_true(seen[TEEHOST_SGX_KERNEL] && seen[TEEHOST_SGX_DCAP] && seen[TEEHOST_SGX_ISGX]);

	/* a DCAP module left loaded beside the kernel's nodes: the nodes are what gets opened */
	snprintf(root, sizeof(root), "%s/stale-module", dir);
	build_fixture("sgx2-flc-server", root);
	snprintf(path, sizeof(path), "%s/sys/module/intel_sgx", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sys/module/isgx", root);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(driver_agrees("stale-module", root, "tests/hosts/sgx2-flc-server/cpuid.txt"),
			 TEEHOST_SGX_KERNEL);
	/* and a stray /dev/isgx: Intel's order asks the DCAP-style node first */
	snprintf(path, sizeof(path), "%s/dev/isgx", root);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	assert_int_equal(driver_agrees("stray-isgx", root, "tests/hosts/sgx2-flc-server/cpuid.txt"),
			 TEEHOST_SGX_KERNEL);

	/* DCAP's nodes without its module directory: still the DCAP driver */
	snprintf(root, sizeof(root), "%s/no-module", dir);
	build_fixture("dcap-driver-host", root);
	snprintf(path, sizeof(path), "rm -r '%s/sys/module/intel_sgx'", root);
	assert_int_equal(system(path), 0);
	assert_int_equal(driver_agrees("no-module", root, "tests/hosts/dcap-driver-host/cpuid.txt"),
			 TEEHOST_SGX_DCAP);
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
		cmocka_unit_test(test_aesm_parse),
		cmocka_unit_test(test_required_fail_sets_exit),
		cmocka_unit_test(test_driver_is_the_loaders),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
