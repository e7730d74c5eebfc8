/* SPDX-License-Identifier: MIT */
/*
 * libteehost's public calls on their own (the install test runs them end to end under the
 * simulator): images measured as the library's own plan measures them, SIGSTRUCTs that verify,
 * sized options refused past what the library knows, and every failure a negative errno with
 * its reason sent to the print callback.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sgx/image.h"
#include "sgx/sigstruct.h"
#include "teehost/image.h"
#include "teehost/loader.h"
#include "teehost/teehost.h"

static char printed[1024];
static int printed_level = -1;

static int capture(enum teehost_print_level level, const char *fmt, va_list ap)
{
	printed_level = level;
	return vsnprintf(printed, sizeof(printed), fmt, ap);
}

static const char *sample(void)
{
	static char path[512];
	const char *b = getenv("BUILD");

	snprintf(path, sizeof(path), "%s/sample.elf", b ? b : "build");
	return path;
}

static int setup(void **state)
{
	(void)state;
	printed[0] = 0;
	printed_level = -1;
	teehost_set_print(capture);
	return 0;
}

static void test_set_print_returns_previous(void **state)
{
	(void)state;
	assert_ptr_equal(teehost_set_print(NULL), capture);
	assert_null(teehost_set_print(capture));
}

static void test_open_missing(void **state)
{
	struct teehost_image *img = (struct teehost_image *)1;

	(void)state;
	assert_int_equal(teehost_image_open("/nonexistent/enclave.elf", NULL, &img), -ENOENT);
	assert_null(img);
	assert_int_equal(printed_level, TEEHOST_WARN);
	assert_non_null(strstr(printed, "teehost_image_open: /nonexistent/enclave.elf: "));
}

static void test_measure_matches_plan(void **state)
{
	struct th_image ref;
	struct th_image_options io = { 0 };
	struct th_err err = { { 0 } };
	struct teehost_image *img = NULL;
	uint8_t mr[32], want[32];

	(void)state;
	if (th_image_open(sample(), &io, &ref, &err))
		skip();
	assert_int_equal(th_plan_measure(&ref.plan, want, &err), 0);
	th_image_close(&ref);
	assert_int_equal(teehost_image_open(sample(), NULL, &img), 0);
	assert_string_equal(teehost_image_format(img), "elf");
	assert_int_equal(teehost_image_measure(img, mr, sizeof(mr)), 0);
	assert_memory_equal(mr, want, 32);
	assert_int_equal(teehost_image_measure(img, mr, 31), -EINVAL);
	assert_non_null(strstr(printed, "mrenclave: 31 bytes given, 32 needed"));
	/* an ELF carries no SIGSTRUCT of its own */
	assert_int_equal(teehost_image_sigstruct(img, NULL, TEEHOST_SIGSTRUCT_SIZE), -ENOENT);
	teehost_image_free(img);
	teehost_image_free(NULL);
}

static void test_sign_throwaway(void **state)
{
	struct teehost_sign_opts o = { .sz = sizeof(o), .isvprodid = 7, .isvsvn = 3 };
	struct teehost_image *img = NULL;
	struct sgx_sigstruct ss;
	struct th_err err = { { 0 } };
	uint8_t mr[32], bytes[TEEHOST_SIGSTRUCT_SIZE];

	(void)state;
	if (teehost_image_open(sample(), NULL, &img))
		skip();
	assert_int_equal(teehost_image_measure(img, mr, sizeof(mr)), 0);
	assert_int_equal(teehost_image_sign(img, NULL, &o, bytes, sizeof(bytes)), 0);
	assert_int_equal(th_sigstruct_parse(bytes, sizeof(bytes), &ss, &err), 0);
	assert_int_equal(th_sigstruct_verify(&ss, &err), 0);
	assert_memory_equal(ss.enclave_hash, mr, 32);
	assert_true(ss.attributes.flags & SGX_ATTR_DEBUG);      /* a throw-away key: debug only */
	assert_int_equal(ss.isv_prod_id, 7);
	assert_int_equal(ss.isv_svn, 3);
	assert_int_equal(teehost_image_sign(img, "/nonexistent/key.pem", NULL, bytes,
					    sizeof(bytes)), -ENOENT);
	assert_non_null(strstr(printed, "teehost_image_sign: /nonexistent/key.pem: "));
	teehost_image_free(img);
}

static void test_sized_opts(void **state)
{
	struct {
		struct teehost_image_opts known;
		uint64_t future;
	} big = { .known = { .sz = sizeof(big) }, .future = 1 };
	struct teehost_image *img = NULL;

	(void)state;
	assert_int_equal(teehost_image_open(sample(), &big.known, &img), -EINVAL);
	assert_non_null(strstr(printed, "teehost_image_opts byte"));
	big.future = 0;     /* a bigger struct whose unknown fields are zero is fine */
	if (teehost_image_open(sample(), &big.known, &img))
		skip();
	teehost_image_free(img);
	big.known.sz = 0;
	assert_int_equal(teehost_image_open(sample(), &big.known, &img), -EINVAL);
	assert_non_null(strstr(printed, "teehost_image_opts.sz is 0"));
}

static void test_load_refuses_bad_sigstruct(void **state)
{
	struct teehost_loader_opts lo = { .sz = sizeof(lo) };
	struct teehost_enclave *e = (struct teehost_enclave *)1;
	struct teehost_image *img = NULL;
	uint8_t bytes[TEEHOST_SIGSTRUCT_SIZE];

	(void)state;
	if (teehost_image_open(sample(), NULL, &img))
		skip();
	memset(bytes, 0, sizeof(bytes));
	assert_int_equal(teehost_enclave_load(img, bytes, sizeof(bytes) - 1, &lo, &e), -EINVAL);
	assert_null(e);
	assert_non_null(strstr(printed, "teehost_enclave_load: sigstruct: "));
	assert_int_equal(teehost_enclave_load(img, bytes, sizeof(bytes), &lo, &e), -EINVAL);
	assert_int_equal(teehost_enclave_load(NULL, bytes, sizeof(bytes), &lo, &e), -EINVAL);
	teehost_image_free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_set_print_returns_previous, setup),
		cmocka_unit_test_setup(test_open_missing, setup),
		cmocka_unit_test_setup(test_measure_matches_plan, setup),
		cmocka_unit_test_setup(test_sign_throwaway, setup),
		cmocka_unit_test_setup(test_sized_opts, setup),
		cmocka_unit_test_setup(test_load_refuses_bad_sigstruct, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
