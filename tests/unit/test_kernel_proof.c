/* SPDX-License-Identifier: MIT */
/*
 * The proof (requests vs. final config, reasons from kconfig-probe records)
 * and the recipe parser: pure parts of the kernel pipeline. The probe records
 * used here are what kernel/probe/kconfig-probe.c printed on linux-source 6.12
 * (the real-tree runs are in tests/cli/kernel_config.sh).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kernel/proof.h"
#include "kernel/recipe.h"
#include "util/err.h"
#include "util/kconfig.h"

static void add_text(struct th_kproof *p, const char *text, const char *source)
{
	struct th_kconfig cfg;
	struct th_err err = { "" };

	assert_int_equal(th_kconfig_parse(&cfg, text, strlen(text), &err), 0);
	assert_int_equal(th_kproof_add(p, &cfg, text, strlen(text), source), 0);
	th_kconfig_free(&cfg);
}

static void compare_text(struct th_kproof *p, const char *text)
{
	struct th_kconfig cfg;
	struct th_err err = { "" };

	assert_int_equal(th_kconfig_parse(&cfg, text, strlen(text), &err), 0);
	th_kproof_compare(p, &cfg);
	th_kconfig_free(&cfg);
}

static const struct th_kreq *req(const struct th_kproof *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return &p->v[i];
	fail_msg("no request %s", name);
	return NULL;
}

static void test_requests_and_compare(void **state)
{
	struct th_kproof p = { 0 };

	(void)state;
	add_text(&p, "CONFIG_X86_SGX=y\nCONFIG_KVM=m\nCONFIG_KVM_INTEL=m\n"
		 "# CONFIG_KEXEC is not set\nCONFIG_X86_SGX_KVM=y\n", "sgx-host");
	add_text(&p, "# CONFIG_KVM is not set\n", "nokvm.config");
	assert_int_equal(p.n, 5);
	/* In the first fragment's line order; a later fragment wins the value. */
	assert_string_equal(p.v[0].name, "X86_SGX");
	assert_string_equal(p.v[1].name, "KVM");
	assert_string_equal(p.v[1].want, "n");
	assert_string_equal(p.v[1].source, "nokvm.config");
	compare_text(&p, "CONFIG_X86_SGX=y\n# CONFIG_KVM is not set\nCONFIG_KVM_INTEL=y\n");
	assert_int_equal(req(&p, "X86_SGX")->status, TH_KREQ_OK);
	assert_int_equal(req(&p, "KVM")->status, TH_KREQ_OK);
	/* m asked, y got: built in is stronger than asked, accepted. */
	assert_int_equal(req(&p, "KVM_INTEL")->status, TH_KREQ_OK);
	/* Asked off and absent: absent means off. */
	assert_int_equal(req(&p, "KEXEC")->status, TH_KREQ_OK);
	/* Asked on and absent: dropped, even though nothing said so. */
	assert_int_equal(req(&p, "X86_SGX_KVM")->status, TH_KREQ_DROPPED);
	assert_null(req(&p, "X86_SGX_KVM")->got);
	assert_int_equal(th_kproof_failures(&p), 1);
	th_kproof_free(&p);
}

static void test_y_asked_m_got_is_different(void **state)
{
	struct th_kproof p = { 0 };

	(void)state;
	add_text(&p, "CONFIG_KVM_AMD=y\nCONFIG_KEXEC_CORE=n\n", "f");
	compare_text(&p, "CONFIG_KVM_AMD=m\nCONFIG_KEXEC_CORE=y\n");
	assert_int_equal(req(&p, "KVM_AMD")->status, TH_KREQ_DIFFERENT);
	assert_int_equal(req(&p, "KEXEC_CORE")->status, TH_KREQ_DIFFERENT);
	th_kproof_free(&p);
}

/* Records as kconfig-probe printed them for sgx-host + "# CONFIG_KVM is not set". */
static const char nokvm_records[] =
	"S\tX86_SGX_KVM\tbool\tn\tn\t0\n"
	"D\tX86_SGX_KVM\tVIRTUALIZATION [=y] && X86_SGX [=y] && KVM_INTEL [=n]\n"
	"T\tX86_SGX_KVM\tVIRTUALIZATION [=y]\ty\t0\n"
	"T\tX86_SGX_KVM\tX86_SGX [=y]\ty\t0\n"
	"T\tX86_SGX_KVM\tKVM_INTEL [=n]\tn\t1\n"
	"W\tX86_SGX_KVM\tKVM_INTEL\n"
	"S\tKVM_INTEL\ttristate\tn\tn\t1\n"
	"D\tKVM_INTEL\tVIRTUALIZATION [=y] && KVM [=n] && IA32_FEAT_CTL [=y]\n"
	"T\tKVM_INTEL\tVIRTUALIZATION [=y]\ty\t0\n"
	"T\tKVM_INTEL\tKVM [=n]\tn\t1\n"
	"T\tKVM_INTEL\tIA32_FEAT_CTL [=y]\ty\t0\n"
	"W\tKVM_INTEL\tKVM\n"
	"S\tKVM\ttristate\tn\ty\t2\n"
	"D\tKVM\tVIRTUALIZATION [=y] && X86_LOCAL_APIC [=y]\n"
	"T\tKVM\tVIRTUALIZATION [=y]\ty\t0\n"
	"T\tKVM\tX86_LOCAL_APIC [=y]\ty\t0\n"
	"S\tX86_SGX\tbool\ty\ty\t0\n"
	"S\tKVM_INTEL_TDX\tunknown\t-\t-\t0\n"
	"S\tFOO\tunknown\t-\t-\t0\n";

static void test_explain_chain_names_false_kvm_term(void **state)
{
	struct th_kproof p = { 0 };
	const struct th_kreq *q;

	(void)state;
	add_text(&p, "CONFIG_X86_SGX=y\nCONFIG_X86_SGX_KVM=y\n", "sgx-host");
	add_text(&p, "# CONFIG_KVM is not set\n", "nokvm.config");
	compare_text(&p, "CONFIG_X86_SGX=y\n# CONFIG_KVM is not set\n");
	assert_int_equal(th_kproof_explain(&p, nokvm_records, strlen(nokvm_records)), 0);
	q = req(&p, "X86_SGX_KVM");
	assert_int_equal(q->status, TH_KREQ_DROPPED);
	assert_non_null(q->reason);
	assert_non_null(strstr(q->reason, "X86_SGX_KVM depends on VIRTUALIZATION [=y] && "
			       "X86_SGX [=y] && KVM_INTEL [=n] (FALSE)"));
	assert_non_null(strstr(q->reason, "KVM_INTEL depends on VIRTUALIZATION [=y] && "
			       "KVM [=n] (FALSE)"));
	assert_non_null(q->fix);
	assert_non_null(strstr(q->fix, "add CONFIG_KVM=y (or =m)"));
	assert_non_null(strstr(q->fix, "nokvm.config asks CONFIG_KVM=n"));
	assert_null(req(&p, "X86_SGX")->reason);
	th_kproof_free(&p);
}

static void test_unknown_and_optional(void **state)
{
	struct th_kproof p = { 0 };

	(void)state;
	add_text(&p, "# teehost-optional: KVM_INTEL_TDX\nCONFIG_KVM_INTEL_TDX=y\nCONFIG_FOO=y\n",
		 "tdx-host");
	compare_text(&p, "CONFIG_X86=y\n");
	assert_int_equal(th_kproof_explain(&p, nokvm_records, strlen(nokvm_records)), 0);
	assert_int_equal(req(&p, "KVM_INTEL_TDX")->status, TH_KREQ_ABSENT_OK);
	assert_int_equal(req(&p, "FOO")->status, TH_KREQ_UNKNOWN);
	assert_non_null(strstr(req(&p, "FOO")->reason, "this tree has no symbol FOO"));
	/* An unknown symbol is a failure unless it is optional. */
	assert_int_equal(th_kproof_failures(&p), 1);
	th_kproof_free(&p);
}

static void test_not_term_and_select_culprits(void **state)
{
	static const char rec[] =
		"S\tINTEL_TDX_HOST\tbool\tn\tn\t0\n"
		"D\tINTEL_TDX_HOST\tX86_64 [=y] && !KEXEC_CORE [=y] && X86_MCE [=y]\n"
		"T\tINTEL_TDX_HOST\tX86_64 [=y]\ty\t0\n"
		"T\tINTEL_TDX_HOST\t!KEXEC_CORE [=y]\tn\t1\n"
		"T\tINTEL_TDX_HOST\tX86_MCE [=y]\ty\t0\n"
		"W\tINTEL_TDX_HOST\tKEXEC_CORE\n"
		"S\tKEXEC_CORE\tbool\ty\tn\t1\n"
		"R\tKEXEC_CORE\tKEXEC [=y]\ty\n"
		"R\tKEXEC_CORE\tCRASH_DUMP [=y]\ty\n";
	struct th_kproof p = { 0 };
	const struct th_kreq *q;

	(void)state;
	add_text(&p, "CONFIG_INTEL_TDX_HOST=y\n", "tdx-host");
	compare_text(&p, "CONFIG_KEXEC=y\n");
	assert_int_equal(th_kproof_explain(&p, rec, strlen(rec)), 0);
	q = req(&p, "INTEL_TDX_HOST");
	assert_non_null(strstr(q->reason, "!KEXEC_CORE [=y] (FALSE)"));
	assert_non_null(strstr(q->fix, "turn CONFIG_KEXEC_CORE off"));
	assert_non_null(strstr(q->fix, "selected by KEXEC [=y], CRASH_DUMP [=y]"));
	th_kproof_free(&p);
}

static void test_sev_trap_fix(void **state)
{
	static const char rec[] =
		"S\tKVM_AMD_SEV\tbool\tn\tn\t0\n"
		"D\tKVM_AMD_SEV\tKVM_AMD [=y] && CRYPTO_DEV_SP_PSP [=y] && (KVM_AMD [=y]!=y [=y] || "
		"CRYPTO_DEV_CCP_DD [=m]!=m [=m])\n"
		"T\tKVM_AMD_SEV\tKVM_AMD [=y]\ty\t0\n"
		"T\tKVM_AMD_SEV\tCRYPTO_DEV_SP_PSP [=y]\ty\t0\n"
		"T\tKVM_AMD_SEV\tKVM_AMD [=y]!=y [=y] || CRYPTO_DEV_CCP_DD [=m]!=m [=m]\tn\t1\n";
	struct th_kproof p = { 0 };
	const struct th_kreq *q;

	(void)state;
	add_text(&p, "CONFIG_KVM_AMD_SEV=y\n", "sev-snp-host");
	compare_text(&p, "CONFIG_KVM_AMD=y\n");
	assert_int_equal(th_kproof_explain(&p, rec, strlen(rec)), 0);
	q = req(&p, "KVM_AMD_SEV");
	assert_non_null(strstr(q->reason, "(KVM_AMD [=y]!=y [=y] || CRYPTO_DEV_CCP_DD [=m]!=m [=m]) "
			       "(FALSE)"));
	assert_non_null(strstr(q->fix, "CONFIG_KVM_AMD (now y, must not be y)"));
	assert_non_null(strstr(q->fix, "CONFIG_CRYPTO_DEV_CCP_DD (now m, must not be m)"));
	th_kproof_free(&p);
}

static void test_asked_off_but_selected(void **state)
{
	static const char rec[] =
		"S\tKEXEC_CORE\tbool\ty\tn\t0\n"
		"R\tKEXEC_CORE\tKEXEC [=y]\ty\n"
		"R\tKEXEC_CORE\tCRASH_DUMP [=y]\ty\n";
	struct th_kproof p = { 0 };
	const struct th_kreq *q;

	(void)state;
	add_text(&p, "# CONFIG_KEXEC_CORE is not set\n", "nokexec.config");
	compare_text(&p, "CONFIG_KEXEC_CORE=y\n");
	assert_int_equal(th_kproof_explain(&p, rec, strlen(rec)), 0);
	q = req(&p, "KEXEC_CORE");
	assert_int_equal(q->status, TH_KREQ_DIFFERENT);
	assert_string_equal(q->reason, "KEXEC_CORE is selected by KEXEC [=y], CRASH_DUMP [=y]");
	assert_string_equal(q->fix, "turn off what selects CONFIG_KEXEC_CORE");
	th_kproof_free(&p);
}

static void test_explain_garbage_records(void **state)
{
	static const char junk[] = "S\n\tT\t\t\nW\tX\tX\nD\nxx\tyy\n\n\n";
	struct th_kproof p = { 0 };

	(void)state;
	add_text(&p, "CONFIG_X=y\n", "f");
	compare_text(&p, "CONFIG_Y=y\n");
	assert_int_equal(th_kproof_explain(&p, junk, strlen(junk)), 0);
	assert_non_null(req(&p, "X")->reason);	/* "no probe record" */
	th_kproof_free(&p);
}

static void test_optional_directive(void **state)
{
	static const char t[] = "# teehost-optional: A, CONFIG_B\tC\n# teehost-optional:\nX=1\n";

	(void)state;
	assert_true(th_kfrag_is_optional(t, strlen(t), "A"));
	assert_true(th_kfrag_is_optional(t, strlen(t), "B"));
	assert_true(th_kfrag_is_optional(t, strlen(t), "C"));
	assert_false(th_kfrag_is_optional(t, strlen(t), "X"));
	assert_false(th_kfrag_is_optional(t, strlen(t), ""));
}

static void test_recipe(void **state)
{
	static const char good[] =
		"# SGX kernel\nname = sgx\nsrc = ../linux\nseries = patches/series\n"
		"base = debian\nprofile = sgx-host boot-test\nprofile = tdx-guest\n"
		"fragment = local.config /abs/x.config\n";
	struct th_krecipe r;
	struct th_err err = { "" };

	(void)state;
	assert_int_equal(th_krecipe_parse(&r, good, strlen(good), "/lab/recipes", &err), 0);
	assert_string_equal(r.name, "sgx");
	assert_string_equal(r.src, "/lab/recipes/../linux");
	assert_string_equal(r.series, "/lab/recipes/patches/series");
	assert_string_equal(r.base, "debian");
	assert_int_equal(r.nprofiles, 3);
	assert_string_equal(r.profiles[2], "tdx-guest");
	assert_int_equal(r.nfragments, 2);
	assert_string_equal(r.fragments[0], "/lab/recipes/local.config");
	assert_string_equal(r.fragments[1], "/abs/x.config");
	th_krecipe_free(&r);

	assert_int_equal(th_krecipe_parse(&r, "nmae = x\n", 9, NULL, &err), -EINVAL);
	assert_string_equal(err.msg, "line 1: unknown key 'nmae' (known: name, src, ref, series, "
			    "patches, base, profile, fragment)");
	assert_int_equal(th_krecipe_parse(&r, "series = a\npatches = b\n", 22, NULL, &err),
			 -EINVAL);
	assert_int_equal(th_krecipe_parse(&r, "name = a\nname = b\n", 18, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "line 2"));
	assert_int_equal(th_krecipe_parse(&r, "just words\n", 11, NULL, &err), -EINVAL);
	assert_int_equal(th_krecipe_parse(&r, "name =\n", 7, NULL, &err), -EINVAL);

	/* Several series, applied in the order written (a composed kernel). */
	{
		static const char two[] = "series = sgx/series\nseries = snp/series\nref = v6.12\n";

		assert_int_equal(th_krecipe_parse(&r, two, strlen(two), "/lab", &err), 0);
		assert_string_equal(r.series, "/lab/sgx/series");
		assert_int_equal(r.nmore_series, 1);
		assert_string_equal(r.more_series[0], "/lab/snp/series");
		assert_string_equal(r.ref, "v6.12");
		th_krecipe_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_requests_and_compare),
		cmocka_unit_test(test_y_asked_m_got_is_different),
		cmocka_unit_test(test_explain_chain_names_false_kvm_term),
		cmocka_unit_test(test_unknown_and_optional),
		cmocka_unit_test(test_not_term_and_select_culprits),
		cmocka_unit_test(test_sev_trap_fix),
		cmocka_unit_test(test_asked_off_but_selected),
		cmocka_unit_test(test_explain_garbage_records),
		cmocka_unit_test(test_optional_directive),
		cmocka_unit_test(test_recipe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
