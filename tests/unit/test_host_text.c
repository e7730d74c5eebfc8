/* SPDX-License-Identifier: MIT */
/* Text parsers of the host probes (host/text.h) and the setup diff (host/diff.h). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "host/check.h"
#include "host/diff.h"
#include "host/text.h"

static struct th_span S(const char *z)
{
	return (struct th_span){ z, strlen(z) };
}

static void test_mountinfo(void **state)
{
	struct th_mount m;
	(void)state;
	/* proc(5)'s example, plus an escaped space in the mount point */
	assert_int_equal(th_mountinfo_line(S("36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue"), &m), 0);
	assert_string_equal(m.mnt, "/mnt2");
	assert_true(th_optlist_has(m.opts, "noatime"));
	assert_false(th_optlist_has(m.opts, "noexec"));
	assert_true(th_span_eq(m.fstype, "ext3"));
	assert_int_equal(th_mountinfo_line(S("24 28 0:5 / /my\\040dev rw,nosuid,noexec - devtmpfs udev rw"), &m), 0);
	assert_string_equal(m.mnt, "/my dev");
	assert_true(th_optlist_has(m.opts, "noexec"));
	assert_false(th_optlist_has(m.opts, "exec"));
	/* no " - " separator, too few fields */
	assert_int_equal(th_mountinfo_line(S("24 28 0:5 / /dev rw,nosuid shared:2 devtmpfs udev rw"), &m), -EINVAL);
	assert_int_equal(th_mountinfo_line(S("24 28"), &m), -EINVAL);
	assert_int_equal(th_mountinfo_line(S(""), &m), -EINVAL);
}

static void test_cpuinfo_flags(void **state)
{
	static const char ci[] = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu sgx sgx_lc tdx_host_platform\n"
				 "bugs\t\t: spectre_v1\n\nprocessor\t: 1\nflags\t\t: fpu\n";
	struct th_span f;
	(void)state;
	assert_true(th_cpuinfo_flags(ci, strlen(ci), &f));
	assert_true(th_wordlist_has(f, "sgx"));
	assert_true(th_wordlist_has(f, "sgx_lc"));
	assert_true(th_wordlist_has(f, "tdx_host_platform"));
	assert_false(th_wordlist_has(f, "sg"));
	assert_false(th_wordlist_has(f, "sev"));
	assert_false(th_cpuinfo_flags("processor : 0\nflagsx : sgx\n", 28, &f));
}

static void test_group_passwd(void **state)
{
	struct th_group_ent g;
	struct th_passwd_ent p;
	(void)state;
	assert_int_equal(th_group_line(S("sgx_prv:x:998:alice,aesmd"), &g), 0);
	assert_true(th_span_eq(g.name, "sgx_prv"));
	assert_int_equal(g.gid, 998);
	assert_true(th_group_has_member(&g, "alice"));
	assert_true(th_group_has_member(&g, "aesmd"));
	assert_false(th_group_has_member(&g, "alic"));
	assert_int_equal(th_group_line(S("kvm:x:108:"), &g), 0);
	assert_false(th_group_has_member(&g, "alice"));
	assert_int_equal(th_group_line(S("broken:x:notanumber:"), &g), -EINVAL);
	assert_int_equal(th_group_line(S("a:b:c:d:e"), &g), -EINVAL);
	assert_int_equal(th_group_line(S(":x:1:"), &g), -EINVAL);
	assert_int_equal(th_passwd_line(S("alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash"), &p), 0);
	assert_int_equal(p.uid, 1000);
	assert_int_equal(p.gid, 1000);
	assert_int_equal(th_passwd_line(S("alice:x:1000:1000"), &p), -EINVAL);
}

static void test_group_text_add(void **state)
{
	char *out;
	size_t n;
	bool found;
	(void)state;
	/* new group, file without a final newline */
	assert_int_equal(th_group_text_add("root:x:0:\nbob:x:1000:", 21, "sgx_prv", 999, "bob", false, &out, &n, &found), 0);
	assert_false(found);
	assert_int_equal(n, strlen("root:x:0:\nbob:x:1000:\nsgx_prv:x:999:bob\n"));
	assert_memory_equal(out, "root:x:0:\nbob:x:1000:\nsgx_prv:x:999:bob\n", n);
	free(out);
	/* existing group: the member is appended, nothing else moves */
	static const char g[] = "sgx_prv_old:x:5:\nsgx_prv:x:998:alice\nz:x:9:\n";
	assert_int_equal(th_group_text_add(g, strlen(g), "sgx_prv", 0, "bob", false, &out, &n, &found), 0);
	assert_true(found);
	assert_memory_equal(out, "sgx_prv_old:x:5:\nsgx_prv:x:998:alice,bob\nz:x:9:\n", n);
	free(out);
	/* already a member: unchanged */
	assert_int_equal(th_group_text_add(g, strlen(g), "sgx_prv", 0, "alice", false, &out, &n, &found), 0);
	assert_int_equal(n, strlen(g));
	assert_memory_equal(out, g, n);
	free(out);
	/* gshadow form, no user */
	assert_int_equal(th_group_text_add("", 0, "sgx_prv", 999, NULL, true, &out, &n, &found), 0);
	assert_memory_equal(out, "sgx_prv:!::\n", n);
	free(out);
}

static void test_udev(void **state)
{
	struct th_udev_rule r;
	struct th_span v;
	(void)state;
	assert_int_equal(th_udev_line(S("SUBSYSTEM==\"misc\",KERNEL==\"sgx_provision\",GROUP=\"sgx_prv\",MODE=\"0660\",SYMLINK+=\"sgx/provision\""), &r), 0);
	assert_int_equal(r.n, 5);
	assert_true(th_udev_get(&r, "KERNEL", "==", &v) && th_span_eq(v, "sgx_provision"));
	assert_true(th_udev_get(&r, "GROUP", "=", &v) && th_span_eq(v, "sgx_prv"));
	assert_true(th_udev_get(&r, "SYMLINK", "+=", &v) && th_span_eq(v, "sgx/provision"));
	assert_false(th_udev_get(&r, "MODE", "==", &v));
	assert_int_equal(th_udev_line(S("ATTRS{idVendor}==\"8086\", MODE:=\"0600\""), &r), 0);
	assert_true(th_span_eq(r.t[0].attr, "idVendor"));
	assert_true(th_span_eq(r.t[1].op, ":="));
	assert_int_equal(th_udev_line(S("# comment"), &r), 1);
	assert_int_equal(th_udev_line(S("   "), &r), 1);
	assert_int_equal(th_udev_line(S("KERNEL==\"sgx"), &r), -EINVAL);
	assert_int_equal(th_udev_line(S("KERNEL sgx"), &r), -EINVAL);
	assert_int_equal(th_udev_line(S("ATTR{x==\"1\""), &r), -EINVAL);
}

static void test_kmsg_limits_version(void **state)
{
	struct th_span m;
	uint64_t soft, hard;
	unsigned a, b;
	static const char lim[] = "Limit                     Soft Limit           Hard Limit           Units     \n"
				  "Max locked memory         8388608              unlimited            bytes     \n";
	(void)state;
	assert_true(th_kmsg_text(S("6,978,9812400,-;virt/tdx: module initialized"), &m));
	assert_true(th_span_eq(m, "virt/tdx: module initialized"));
	assert_true(th_kmsg_text(S("[    4.512345] SEV-SNP API:1.55 build:21"), &m));
	assert_true(th_span_eq(m, "SEV-SNP API:1.55 build:21"));
	assert_false(th_kmsg_text(S(" SUBSYSTEM=pci"), &m));
	assert_false(th_kmsg_text(S("[ unterminated"), &m));
	assert_int_equal(th_limits_get(lim, strlen(lim), "Max locked memory", &soft, &hard), 0);
	assert_int_equal(soft, 8388608);
	assert_true(hard == UINT64_MAX);
	assert_int_equal(th_limits_get(lim, strlen(lim), "Max open files", &soft, &hard), -ENOENT);
	assert_int_equal(th_kernel_version("6.1.0-18-amd64", &a, &b), 0);
	assert_int_equal(a * 1000 + b, 6001);
	assert_int_equal(th_kernel_version("5.11", &a, &b), 0);
	assert_int_equal(a * 1000 + b, 5011);
	assert_int_equal(th_kernel_version("garbage", &a, &b), -EINVAL);
	assert_int_equal(th_kernel_version("6", &a, &b), -EINVAL);
}

static char *diff_str(const char *path, const char *old, const char *new)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	th_diff_unified(f, path, old, old ? strlen(old) : 0, new, strlen(new));
	fclose(f);
	return buf;
}

static void test_diff(void **state)
{
	(void)state;
	char *d = diff_str("/etc/group", "root:x:0:\nkvm:x:108:\nbob:x:1000:\n", "root:x:0:\nkvm:x:108:\nbob:x:1000:\nsgx_prv:x:999:bob\n");
	assert_string_equal(d, "--- a/etc/group\n+++ b/etc/group\n@@ -1,3 +1,4 @@\n root:x:0:\n kvm:x:108:\n bob:x:1000:\n+sgx_prv:x:999:bob\n");
	free(d);
	d = diff_str("/etc/x.conf", NULL, "a\n");
	assert_string_equal(d, "--- /dev/null\n+++ b/etc/x.conf\n@@ -0,0 +1,1 @@\n+a\n");
	free(d);
	/* a change in the middle of a long file: 3 lines of context each side */
	d = diff_str("/f", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n");
	assert_string_equal(d, "--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n");
	free(d);
	/* members appended to an existing line, no newline at the end of the old file */
	d = diff_str("/g", "sgx_prv:x:998:", "sgx_prv:x:998:alice");
	assert_string_equal(d, "--- a/g\n+++ b/g\n@@ -1,1 +1,1 @@\n-sgx_prv:x:998:\n\\ No newline at end of file\n+sgx_prv:x:998:alice\n\\ No newline at end of file\n");
	free(d);
}

static void test_udev_file_matches(void **state)
{
	/* udev/90-teehost-sgx.rules (installed, documented) is what setup writes */
	char buf[2048];
	(void)state;
	FILE *f = fopen("udev/90-teehost-sgx.rules", "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_string_equal(buf, th_sgx_udev_rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mountinfo),
		cmocka_unit_test(test_cpuinfo_flags),
		cmocka_unit_test(test_group_passwd),
		cmocka_unit_test(test_group_text_add),
		cmocka_unit_test(test_udev),
		cmocka_unit_test(test_kmsg_limits_version),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_udev_file_matches),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
