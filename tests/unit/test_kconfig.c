/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "util/kconfig.h"

static const char sample[] =
	"#\n# Automatically generated file; DO NOT EDIT.\n#\n"
	"CONFIG_X86_SGX=y\n"
	"CONFIG_X86_SGX_KVM=m\n"
	"# CONFIG_KEXEC is not set\n"
	"CONFIG_LOCALVERSION=\"-tee\"\n"
	"CONFIG_NR_CPUS=64\r\n"
	"CONFIG_PHYSICAL_START=0x1000000\n"
	"CONFIG_KVM=m\n"
	"CONFIG_KVM=y\n";

static void test_parse_values(void **state)
{
	struct th_kconfig cfg;
	struct th_err err = { "" };
	const struct th_kconfig_entry *e;

	(void)state;
	assert_int_equal(th_kconfig_parse(&cfg, sample, strlen(sample), &err), 0);
	assert_int_equal(th_kconfig_tristate(&cfg, "X86_SGX"), 'y');
	assert_int_equal(th_kconfig_tristate(&cfg, "X86_SGX_KVM"), 'm');
	assert_int_equal(th_kconfig_tristate(&cfg, "KEXEC"), 'n');
	assert_non_null(th_kconfig_find(&cfg, "KEXEC"));
	assert_null(th_kconfig_find(&cfg, "KEXEC")->value);
	assert_null(th_kconfig_find(&cfg, "INTEL_TDX_HOST"));       /* absent */
	assert_int_equal(th_kconfig_tristate(&cfg, "INTEL_TDX_HOST"), 'n');
	e = th_kconfig_find(&cfg, "LOCALVERSION");
	assert_string_equal(e->value, "\"-tee\"");
	assert_int_equal(th_kconfig_tristate(&cfg, "LOCALVERSION"), 'v');
	assert_string_equal(th_kconfig_find(&cfg, "NR_CPUS")->value, "64");
	/* the last assignment wins, as in the kernel's conf */
	e = th_kconfig_find(&cfg, "KVM");
	assert_string_equal(e->value, "y");
	assert_int_equal(e->line, 11);
	assert_int_equal(cfg.count, 7);
	th_kconfig_free(&cfg);
}

/* Symbol A (CONFIG_A=y) and symbol CONFIG_A (CONFIG_CONFIG_A=m) are two entries; found by
 * libFuzzer (fuzz/corpus/kconfig/config-prefix-symbol). */
static void test_config_prefixed_symbol_is_its_own_entry(void **state)
{
	static const char text[] = "# CONFIG_z is not set\n# B is not set\nCONFIG_A=y\n\n"
				   "CONFIG_CONFIG_A=m\n";
	struct th_kconfig cfg;
	struct th_err err = { "" };

	(void)state;
	assert_int_equal(th_kconfig_parse(&cfg, text, strlen(text), &err), 0);
	assert_int_equal(cfg.count, 3);
	assert_string_equal(th_kconfig_find(&cfg, "A")->value, "y");
	assert_string_equal(th_kconfig_find(&cfg, "CONFIG_A")->value, "m");
	assert_int_equal(th_kconfig_tristate(&cfg, "A"), 'y');
	assert_int_equal(th_kconfig_tristate(&cfg, "CONFIG_A"), 'm');
	assert_null(th_kconfig_find(&cfg, "z")->value);
	for (size_t i = 0; i < cfg.count; i++)
		assert_ptr_equal(th_kconfig_find(&cfg, cfg.entries[i].name), &cfg.entries[i]);
	th_kconfig_free(&cfg);
}

static void test_parse_errors_name_the_line(void **state)
{
	struct th_kconfig cfg;
	struct th_err err = { "" };
	static const char bad1[] = "CONFIG_A=y\nhello\n";
	static const char bad2[] = "CONFIG_A=y\nCONFIG_B=\"unterminated\n";
	static const char bad3[] = "CONFIG_A-B=y\n";
	static const char bad4[] = "CONFIG_A=y\n\nCONFIG_=y\n";

	(void)state;
	assert_int_equal(th_kconfig_parse(&cfg, bad1, strlen(bad1), &err), -EINVAL);
	assert_string_equal(err.msg, "line 2: expected CONFIG_NAME=VALUE or a comment");
	assert_int_equal(cfg.count, 0);
	assert_int_equal(th_kconfig_parse(&cfg, bad2, strlen(bad2), &err), -EINVAL);
	assert_string_equal(err.msg, "line 2: bad value for CONFIG_B");
	assert_int_equal(th_kconfig_parse(&cfg, bad3, strlen(bad3), &err), -EINVAL);
	assert_string_equal(err.msg, "line 1: bad character in symbol name");
	assert_int_equal(th_kconfig_parse(&cfg, bad4, strlen(bad4), &err), -EINVAL);
	assert_string_equal(err.msg, "line 3: expected CONFIG_NAME=VALUE");
	assert_int_equal(th_kconfig_parse(&cfg, "CONFIG_A=y\0", 11, &err), -EINVAL);
	assert_string_equal(err.msg, "line 1: contains a NUL byte");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_values),
		cmocka_unit_test(test_config_prefixed_symbol_is_its_own_entry),
		cmocka_unit_test(test_parse_errors_name_the_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
