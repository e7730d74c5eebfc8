/* SPDX-License-Identifier: MIT */
/* struct teehost_loader_opts taken by its sz, as libbpf takes opts (src/loader/opts.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "loader/internal.h"
#include "sgx_enclave_common.h"
#include "util/err.h"

static void null_gives_defaults(void **state)
{
	struct teehost_loader_opts o;
	struct th_err err = { { 0 } };

	(void)state;
	memset(&o, 0xa5, sizeof(o));
	assert_int_equal(th_loader_opts_get(NULL, &o, NULL, &err), 0);
	assert_int_equal(o.sz, sizeof(o));
	assert_int_equal(o.driver, TEEHOST_SGX_NONE);
	assert_null(o.root);
	assert_null(o.log);
}

static void zero_sz_is_refused(void **state)
{
	struct teehost_loader_opts in = { .sz = 0, .driver = TEEHOST_SGX_KERNEL }, o;
	struct th_sgx_status st;
	struct teehost_sgx_probe pr;
	struct th_err err = { { 0 } };

	(void)state;
	assert_int_equal(th_loader_opts_get(&in, &o, &st, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "teehost_loader_opts.sz is 0"));
	/* and through the public entry point, before anything is probed */
	memset(&err, 0, sizeof(err));
	assert_int_equal(th_sgx_probe(&in, &pr, &st, &err), -EINVAL);
	assert_int_equal(st.code, ENCLAVE_INVALID_PARAMETER);
	assert_string_equal(st.step, "opts");
}

/* An older caller's struct ends early: what lies past its sz is not read. */
static void smaller_sz_reads_only_that_much(void **state)
{
	struct teehost_loader_opts in, o;
	struct th_err err = { { 0 } };

	(void)state;
	memset(&in, 0xa5, sizeof(in));
	in.sz = offsetof(struct teehost_loader_opts, root);
	in.driver = TEEHOST_SGX_DCAP;
	assert_int_equal(th_loader_opts_get(&in, &o, NULL, &err), 0);
	assert_int_equal(o.sz, sizeof(o));
	assert_int_equal(o.driver, TEEHOST_SGX_DCAP);
	assert_null(o.root);
	assert_null(o.einittoken);
	assert_false(o.measure);
	assert_null(o.log);
}

/* A newer caller's struct is longer: accepted while the fields we do not know are zero. */
static void bigger_sz_needs_a_zero_tail(void **state)
{
	struct {
		struct teehost_loader_opts known;
		uint64_t newer_field;
	} in;
	struct teehost_loader_opts o;
	struct th_err err = { { 0 } };

	(void)state;
	memset(&in, 0, sizeof(in));
	in.known.sz = sizeof(in);
	in.known.root = "/x";
	assert_int_equal(th_loader_opts_get(&in.known, &o, NULL, &err), 0);
	assert_string_equal(o.root, "/x");
	assert_int_equal(o.sz, sizeof(o));
	in.newer_field = 1;
	assert_int_equal(th_loader_opts_get(&in.known, &o, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "does not know"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(null_gives_defaults),
		cmocka_unit_test(zero_sz_is_refused),
		cmocka_unit_test(smaller_sz_reads_only_that_much),
		cmocka_unit_test(bigger_sz_needs_a_zero_tail),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
