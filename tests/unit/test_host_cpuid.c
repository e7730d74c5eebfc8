/* SPDX-License-Identifier: MIT */
/* The `cpuid -r` dump parser and the CPUID query semantics. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/cpuid.h"

static const char two_cpus[] =
	"CPU 0:\n"
	"   0x00000000 0x00: eax=0x00000012 ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69\n"
	"   0x00000001 0x00: eax=0x000606a6 ebx=0x00200800 ecx=0x7ffefbff edx=0xbfebfbff\n"
	"   0x00000012 0x02: eax=0x80000001 ebx=0x00000040 ecx=0x00000001 edx=0x00000002\n"
	"   0x80000000 0x00: eax=0x80000004 ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n"
	"   0x80000002 0x00: eax=0x65746e49 ebx=0x2952286c ecx=0x6f655820 edx=0x2952286e\n"
	"   0x80000003 0x00: eax=0x6c6f4720 ebx=0x33362064 ecx=0x43203833 edx=0x40205550\n"
	"   0x80000004 0x00: eax=0x302e3220 ebx=0x7a484730 ecx=0x00000000 edx=0x00000000\n"
	"   0x8000001f 0x00: eax=0xffffffff ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n"
	"CPU 1:\n"
	"   0x00000000 0x00: eax=0x00000016 ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n";

static void test_multi_cpu_keeps_first(void **state)
{
	struct th_cpuid c;
	struct th_err e = { { 0 } };
	uint32_t r[4];
	(void)state;

	th_cpuid_init_dump(&c);
	assert_int_equal(th_cpuid_dump_parse(&c, two_cpus, strlen(two_cpus), &e), 0);
	th_cpuid_query(&c, 0, 0, r);
	assert_int_equal(r[TH_EAX], 0x12);            /* CPU 0's, not CPU 1's */
	assert_int_equal(r[TH_EBX], 0x756e6547);
	th_cpuid_query(&c, 0x12, 2, r);
	assert_int_equal(r[TH_EAX], 0x80000001);
	assert_int_equal(r[TH_EDX], 2);
	th_cpuid_query(&c, 0x12, 3, r);              /* absent sub-leaf: zeros */
	assert_int_equal(r[TH_EAX], 0);
	th_cpuid_query(&c, 0x13, 0, r);              /* above the maximum basic leaf */
	assert_int_equal(r[TH_EAX] | r[TH_EBX] | r[TH_ECX] | r[TH_EDX], 0);
	th_cpuid_query(&c, 0x8000001f, 0, r);        /* above the maximum extended leaf 0x80000004 */
	assert_int_equal(r[TH_EAX], 0);

	struct th_cpu_ident id;
	th_cpuid_ident(&c, &id);
	assert_string_equal(id.vendor, "GenuineIntel");
	assert_true(id.intel);
	assert_false(id.amd);
	assert_false(id.hypervisor);
	assert_int_equal(id.family, 6);
	assert_int_equal(id.model, 0x6a);
	assert_int_equal(id.stepping, 6);
	assert_string_equal(id.brand, "Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz");
	th_cpuid_free(&c);
}

static void test_single_cpu_forms(void **state)
{
	static const char one[] = "CPU:\n   0x00000000 0x00: eax=0x00000001 ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n"
				  "   0x00000001 0x00: eax=0x00a00f11 ebx=0 ecx=0x80000000 edx=0\n";
	static const char bare[] = "0x00000000 0x00: eax=0x1 ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65";
	struct th_cpuid c;
	struct th_err e = { { 0 } };
	struct th_cpu_ident id;
	(void)state;

	th_cpuid_init_dump(&c);
	/* "ebx=0" is not the dump's 0x........ form */
	assert_int_equal(th_cpuid_dump_parse(&c, one, strlen(one), &e), -EINVAL);
	assert_string_equal(e.msg, "cpuid dump: line 3: expected ebx=0x........");
	th_cpuid_free(&c);

	th_cpuid_init_dump(&c);
	assert_int_equal(th_cpuid_dump_parse(&c, bare, strlen(bare), &e), 0);
	th_cpuid_ident(&c, &id);
	assert_true(id.amd);
	th_cpuid_free(&c);
}

static void test_bad_dumps(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{ "", "cpuid dump: no leaf 0x00000000 (empty or truncated dump; make one with `cpuid -r`)" },
		{ "CPU 0:\n   0x00000001 0x00: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n", "cpuid dump: no leaf 0x00000000 (empty or truncated dump; make one with `cpuid -r`)" },
		{ "CPU 0:\n   0x00000000 0x00: eax=0x00000016 ebx=0x756e6547 ecx=0x6c6", "cpuid dump: line 2: expected edx=0x........" },
		{ "CPU zero:\n", "cpuid dump: line 1: expected \"CPU N:\"" },
		{ "hello world\n", "cpuid dump: line 1: expected a leaf like 0x00000007" },
		{ "0x000000000 0x00: eax=0x1 ebx=0x1 ecx=0x1 edx=0x1\n", "cpuid dump: line 1: expected a leaf like 0x00000007" },
		{ "0x0 0x0 eax=0x1 ebx=0x1 ecx=0x1 edx=0x1\n", "cpuid dump: line 1: expected a sub-leaf like 0x00:" },
		{ "0x0 0x0: eax=0x1 ebx=0x1 ecx=0x1 edx=0x1 junk\n", "cpuid dump: line 1: trailing characters" },
		{ "0x0 0x0: eax=0x1 ebx=0x1 ecx=0x1 edx=0x1\n\x01\x02\x00\x04", "cpuid dump: line 2: NUL byte (not a text dump)" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct th_cpuid c;
		struct th_err e = { { 0 } };
		size_t len = strlen(bad[i].text);
		if (strstr(bad[i].msg, "NUL"))
			len += 3;
		th_cpuid_init_dump(&c);
		assert_int_equal(th_cpuid_dump_parse(&c, bad[i].text, len, &e), -EINVAL);
		assert_string_equal(e.msg, bad[i].msg);
		th_cpuid_free(&c);
	}
}

static void test_live_matches_dump_format(void **state)
{
	/* the CPUID instruction agrees with what the kernel saw (/proc/cpuinfo vendor_id) */
	struct th_cpuid live;
	struct th_cpu_ident a;
	char line[256], want[64] = "";
	FILE *f = fopen("/proc/cpuinfo", "r");
	(void)state;
	if (!f)
		skip();
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "vendor_id : %63s", want) == 1)
			break;
	fclose(f);
	if (!want[0])
		skip();
	th_cpuid_init_live(&live);
	th_cpuid_ident(&live, &a);
	assert_string_equal(a.vendor, want);
	th_cpuid_free(&live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multi_cpu_keeps_first),
		cmocka_unit_test(test_single_cpu_forms),
		cmocka_unit_test(test_bad_dumps),
		cmocka_unit_test(test_live_matches_dump_format),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
