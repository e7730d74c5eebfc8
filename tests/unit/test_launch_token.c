/* SPDX-License-Identifier: MIT */
/*
 * Launch tokens from AESM's libsgx_launch.so.1 when it is installed (src/launch/token.c):
 * asked before teehost's own launch enclave, its failures mapped as Intel's common loader maps
 * them, and loaded once per process as Intel's keeps it, not once per token. The library here
 * is tests/unit/fake/libsgx_launch.c, found through LD_LIBRARY_PATH as the real one is: main()
 * sets that and runs the test again, since the dynamic linker reads it only at start-up.
 */
#include <errno.h>
#include <limits.h>
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "launch/launch.h"
#include "loader/internal.h"
#include "sgx/arch.h"
#include "sgx/sigstruct.h"
#include "sgx_enclave_common.h"
#include "util/err.h"

static int env_int(const char *name)
{
	const char *v = getenv(name);

	return v ? atoi(v) : 0;
}

static struct sgx_sigstruct sigstruct(void)
{
	struct sgx_sigstruct ss;

	memset(&ss, 0, sizeof(ss));
	for (size_t i = 0; i < 16; i++)
		((uint8_t *)&ss)[i] = (uint8_t)(0xc0 + i);
	return ss;
}

static void token_comes_from_libsgx_launch(void **state)
{
	struct sgx_sigstruct ss = sigstruct();
	struct sgx_attributes attr = { .flags = SGX_ATTR_INIT | SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT,
				       .xfrm = 3 };
	struct sgx_einittoken token;
	struct th_sgx_status st = { 0 };
	struct th_err err = { { 0 } };
	uint8_t want[sizeof(token)];

	(void)state;
	unsetenv("FAKE_LAUNCH_STATUS");
	assert_int_equal(th_token_get(&ss, &attr, NULL, &token, &st, &err), 0);
	memset(want, 0x5a, sizeof(want));
	memcpy(want, &ss, 16);
	assert_memory_equal(&token, want, sizeof(want));
	assert_int_equal(env_int("FAKE_LAUNCH_CALLS"), 1);
}

/* A second and third token: the library is still the one loaded for the first. */
static void libsgx_launch_is_loaded_once(void **state)
{
	struct sgx_sigstruct ss = sigstruct();
	struct sgx_attributes attr = { .flags = SGX_ATTR_INIT | SGX_ATTR_MODE64BIT, .xfrm = 3 };
	struct sgx_einittoken token;
	struct th_err err = { { 0 } };
	int calls = env_int("FAKE_LAUNCH_CALLS");

	(void)state;
	for (int i = 0; i < 2; i++)
		assert_int_equal(th_token_get(&ss, &attr, NULL, &token, NULL, &err), 0);
	assert_int_equal(env_int("FAKE_LAUNCH_CALLS"), calls + 2);
	assert_int_equal(env_int("FAKE_LAUNCH_LOADS"), 1);
}

/* AESM's SGX_ERROR_SERVICE_INVALID_PRIVILEGE is "not authorized"; anything else, "no service". */
static void failures_are_mapped(void **state)
{
	static const struct { const char *status; int err; uint32_t code; } cases[] = {
		{ "0x4004", -EPERM, ENCLAVE_NOT_AUTHORIZED },
		{ "0x4003", -EIO, ENCLAVE_SERVICE_NOT_AVAILABLE },
		{ "0x1", -EIO, ENCLAVE_SERVICE_NOT_AVAILABLE },
	};
	struct sgx_sigstruct ss = sigstruct();
	struct sgx_attributes attr = { .flags = SGX_ATTR_INIT | SGX_ATTR_MODE64BIT, .xfrm = 3 };
	struct sgx_einittoken token;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct th_sgx_status st = { 0 };
		struct th_err err = { { 0 } };

		setenv("FAKE_LAUNCH_STATUS", cases[i].status, 1);
		assert_int_equal(th_token_get(&ss, &attr, NULL, &token, &st, &err), cases[i].err);
		assert_int_equal(st.code, cases[i].code);
		assert_string_equal(st.step, "token");
		assert_non_null(strstr(err.msg, "libsgx_launch.so.1"));
	}
	unsetenv("FAKE_LAUNCH_STATUS");
}

/* The launch enclave itself (EINITTOKENKEY) gets a zero token without asking anyone. */
static void launch_enclave_needs_no_token(void **state)
{
	struct sgx_sigstruct ss = sigstruct();
	struct sgx_attributes attr = { .flags = SGX_ATTR_INIT | SGX_ATTR_MODE64BIT |
						SGX_ATTR_EINITTOKENKEY, .xfrm = 3 };
	struct sgx_einittoken token, zero;
	struct th_err err = { { 0 } };
	int calls = env_int("FAKE_LAUNCH_CALLS");

	(void)state;
	memset(&token, 0xff, sizeof(token));
	memset(&zero, 0, sizeof(zero));
	assert_int_equal(th_token_get(&ss, &attr, NULL, &token, NULL, &err), 0);
	assert_memory_equal(&token, &zero, sizeof(zero));
	assert_int_equal(env_int("FAKE_LAUNCH_CALLS"), calls);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(token_comes_from_libsgx_launch),
		cmocka_unit_test(libsgx_launch_is_loaded_once),
		cmocka_unit_test(failures_are_mapped),
		cmocka_unit_test(launch_enclave_needs_no_token),
	};
	char self[PATH_MAX], dir[PATH_MAX + 16];
	ssize_t n;

	if (!getenv("TEST_LAUNCH_TOKEN_REEXEC")) {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return 1;
		self[n] = 0;
		snprintf(dir, sizeof(dir), "%s/fake", dirname(self));
		setenv("LD_LIBRARY_PATH", dir, 1);
		setenv("TEST_LAUNCH_TOKEN_REEXEC", "1", 1);
		unsetenv("FAKE_LAUNCH_LOADS");
		unsetenv("FAKE_LAUNCH_CALLS");
		execv("/proc/self/exe", argv);
		perror("test_launch_token: exec");
		return 1;
	}
	(void)argc;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
