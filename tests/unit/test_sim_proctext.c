/* SPDX-License-Identifier: MIT */
/*
 * The simulated machine's /proc/cpuinfo and kernel configuration, from host text: the
 * identity lines become the Intel part's, AMD-only flags go, sgx/sgx_lc come once, the
 * feature flags of instructions stay; CONFIG_X86_SGX=y replaces any setting of it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../../src/sim/proctext.c"

static const struct th_sim_identity intel_flc = {
	.vendor = TH_SIM_VENDOR, .brand = TH_SIM_BRAND, .family = TH_SIM_FAMILY,
	.model = TH_SIM_MODEL, .stepping = TH_SIM_STEPPING, .max_leaf = 0x1b, .flc = true,
};

/* two processors of an AMD host, as Linux 6.x prints them */
static const char amd[] =
	"processor\t: 0\n"
	"vendor_id\t: AuthenticAMD\n"
	"cpu family\t: 26\n"
	"model\t\t: 2\n"
	"model name\t: AMD EPYC 9005 Processor\n"
	"stepping\t: 1\n"
	"cpu MHz\t\t: 2000.000\n"
	"cpuid level\t: 16\n"
	"flags\t\t: fpu sse2 avx2 svm sse4a avx512f sev_snp topoext smep\n"
	"bugs\t\t: sysret_ss_attrs\n"
	"\n"
	"processor\t: 1\n"
	"vendor_id\t: AuthenticAMD\n"
	"flags\t\t: fpu avx2 svm\n"
	"\n";

static void test_cpuinfo_identity(void **state)
{
	size_t n;
	char *out = th_sim_cpuinfo_rewrite(amd, sizeof(amd) - 1, &intel_flc, &n);

	(void)state;
	assert_non_null(out);
	assert_int_equal(strlen(out), n);
	assert_non_null(strstr(out, "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
				    "model\t\t: 106\nmodel name\t: " TH_SIM_BRAND "\nstepping\t: 6\n"
				    "cpu MHz\t\t: 2000.000\ncpuid level\t: 27\n"));
	/* instruction features kept, AMD-only ones dropped, SGX added */
	assert_non_null(strstr(out, "flags\t\t: fpu sse2 avx2 avx512f smep sgx sgx_lc\n"
				    "bugs\t\t: sysret_ss_attrs\n\nprocessor\t: 1\n"));
	assert_non_null(strstr(out, "vendor_id\t: GenuineIntel\nflags\t\t: fpu avx2 sgx sgx_lc\n\n"));
	assert_null(strstr(out, "AMD"));
	free(out);
}

static void test_cpuinfo_no_flc_and_idempotent(void **state)
{
	struct th_sim_identity legacy = intel_flc;
	static const char in[] = "flags\t\t: sgx sgx_lc fpu sgx";
	size_t n;
	char *out;

	(void)state;
	legacy.flc = false;
	out = th_sim_cpuinfo_rewrite(in, sizeof(in) - 1, &legacy, &n);
	assert_non_null(out);
	/* no FLC: the kernel shows no sgx_lc; sgx stays as it was (no newline was added) */
	assert_string_equal(out, "flags\t\t: sgx fpu sgx");
	free(out);
	out = th_sim_cpuinfo_rewrite("", 0, &intel_flc, &n);
	assert_non_null(out);
	assert_int_equal(n, 0);
	free(out);
}

static void test_kconfig(void **state)
{
	static const char off[] = "CONFIG_X86_64=y\n# CONFIG_X86_SGX is not set\nCONFIG_X86_SGX_KVM=y\n";
	static const char no[] = "CONFIG_X86_SGX=n\nCONFIG_X86_SGX=m\nCONFIG_X86_SGXX=y";
	size_t n;
	char *out;

	(void)state;
	out = th_sim_kconfig_rewrite(off, sizeof(off) - 1, &n);
	assert_string_equal(out, "CONFIG_X86_64=y\nCONFIG_X86_SGX=y\nCONFIG_X86_SGX_KVM=y\n");
	free(out);
	out = th_sim_kconfig_rewrite(no, sizeof(no) - 1, &n);
	assert_string_equal(out, "CONFIG_X86_SGX=y\nCONFIG_X86_SGXX=y");
	free(out);
	out = th_sim_kconfig_rewrite("CONFIG_A=y\n", 11, &n);
	assert_string_equal(out, "CONFIG_A=y\nCONFIG_X86_SGX=y\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpuinfo_identity),
		cmocka_unit_test(test_cpuinfo_no_flc_and_idempotent),
		cmocka_unit_test(test_kconfig),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
