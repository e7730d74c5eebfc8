// SPDX-License-Identifier: MIT
/* Boot test under QEMU: see boottest.h. */
#include "kernel/boottest.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/configure.h"
#include "kernel/kbuild.h"
#include "kernel/proof.h"
#include "util/err.h"
#include "util/file.h"
#include "util/kconfig.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"	/* see build.c */
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int th_kvm_usable(void)
{
	char *cpu = NULL;
	size_t len = 0;
	int ok = 0, fd;

	/* /dev/kvm may open on a host whose CPU flags lack vmx/svm (nested
	 * setups that emulate): guests crawl there, so ask for the flags too. */
	if (th_read_file("/proc/cpuinfo", 16 << 20, &cpu, &len, NULL))
		return 0;
	ok = strstr(cpu, " vmx") || strstr(cpu, " svm");
	free(cpu);
	if (!ok)
		return 0;
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	close(fd);
	return 1;
}

/* The artifact's tarball: ARTIFACT itself or the one linux-*.tar.gz in it. */
static int find_tarball(const char *artifact, char *out, size_t len, struct th_err *err)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	int n = 0;

	if (stat(artifact, &st))
		return th_fail(err, errno, artifact, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode)) {
		snprintf(out, len, "%s", artifact);
		return 0;
	}
	d = opendir(artifact);
	if (!d)
		return th_fail(err, errno, artifact, "%s", strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (!strncmp(de->d_name, "linux-", 6) && l > 7 &&
		    !strcmp(de->d_name + l - 7, ".tar.gz")) {
			snprintf(out, len, "%s/%s", artifact, de->d_name);
			n++;
		}
	}
	closedir(d);
	if (n != 1)
		return th_fail(err, ENOENT, artifact, "%s linux-*.tar.gz here (want exactly one): "
			       "not a 'teehost kernel build' output", n ? "several" : "no");
	return 0;
}

/* boot/<prefix>-<release> in the extracted tree. */
static int find_boot_file(const char *boot, const char *prefix, char *path, size_t len,
			  char *release, size_t rlen)
{
	DIR *d = opendir(boot);
	struct dirent *de;
	size_t pl = strlen(prefix);
	int found = 0;

	if (!d)
		return -ENOENT;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, prefix, pl) && de->d_name[pl] == '-') {
			snprintf(path, len, "%s/%s", boot, de->d_name);
			if (release)
				snprintf(release, rlen, "%s", de->d_name + pl + 1);
			found = 1;
			break;
		}
	closedir(d);
	return found ? 0 : -ENOENT;
}

static void add_check(struct th_kboot_result *res, int pass, const char *text)
{
	if (res->nchecks < TH_KBOOT_MAX_CHECKS) {
		res->checks[res->nchecks].pass = pass;
		snprintf(res->checks[res->nchecks].text, sizeof(res->checks[0].text), "%s", text);
		res->nchecks++;
	}
}

/* The guest test's report in the console: TEEHOST-TEST-OUT lines (kept from
 * the end, as many as fit) and TEEHOST-TEST: exit N. */
static void read_test(const char *log, struct th_kboot_result *res)
{
	const char *x = strstr(log, "TEEHOST-TEST: exit ");
	size_t used = 0;

	res->test_out[0] = 0;
	/* Each match is stepped over before the next search: a marker at the
	 * very end leaves l on the terminating NUL, never past it. */
	for (const char *l = log; (l = strstr(l, "TEEHOST-TEST-OUT: ")) && (!x || l < x);) {
		size_t n;

		l += 18;
		n = strcspn(l, "\r\n");
		if (n + 2 > sizeof(res->test_out))
			n = sizeof(res->test_out) - 2;
		while (used && used + n + 2 > sizeof(res->test_out)) {
			/* Drop the oldest line. */
			char *nl = strchr(res->test_out, '\n');
			size_t cut = nl ? (size_t)(nl - res->test_out) + 1 : used;

			memmove(res->test_out, res->test_out + cut, used - cut + 1);
			used -= cut;
		}
		used += (size_t)snprintf(res->test_out + used, sizeof(res->test_out) - used,
					 "%s%.*s", used ? "\n" : "", (int)n, l);
	}
	if (x) {
		res->test_ran = 1;
		long st = strtol(x + 19, NULL, 10);

		/* A shell's exit status is 0..255; anything else is garbage on the line. */
		res->test_status = st >= 0 && st <= 255 ? (int)st : 255;
	}
}

int th_kboot_read_console(const char *log, struct th_kboot_result *res, int guest_cmd)
{
	const char *v = strstr(log, "TEEHOST-VERDICT: ");
	int verdict = v && strchr(v, '\n') ? !strncmp(v + 17, "pass", 4) : -1;

	if (!res)
		return verdict;
	res->nchecks = 0;	/* read whole each time: the console only grows */
	for (const char *l = log; (l = strstr(l, "TEEHOST-CHECK: "));) {
		char line[240];
		int pass;

		l += 15;
		snprintf(line, sizeof(line), "%.*s", (int)strcspn(l, "\r\n"), l);
		pass = !strncmp(line, "pass ", 5) ? 1 : !strncmp(line, "fail ", 5) ? 0 : -1;
		/* "info " is five characters too. */
		add_check(res, pass, strlen(line) >= 5 ? line + 5 : "");
	}
	if (guest_cmd)
		read_test(log, res);
	return verdict;
}

/* The guest's /init: plain busybox sh; every line it prints that matters
 * starts with TEEHOST- so the host can pick it out of the console. */
static int write_init(const char *path, const char *release, const struct th_kproof *want,
		      int guest_cmd, struct th_err *err)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return th_fail(err, errno, path, "%s", strerror(errno));
	fprintf(f,
		"#!/bin/busybox sh\n"
		"B=/bin/busybox\n"
		"$B mkdir -p /proc /sys /dev /tmp\n"
		"$B mount -t proc proc /proc\n"
		"$B mount -t sysfs sys /sys\n"
		"$B mount -t devtmpfs dev /dev 2>/dev/null\n"
		"fail=0\n"
		"ok() { echo \"TEEHOST-CHECK: pass $*\"; }\n"
		"bad() { echo \"TEEHOST-CHECK: fail $*\"; fail=1; }\n"
		"info() { echo \"TEEHOST-CHECK: info $*\"; }\n"
		"rel=$($B uname -r)\n"
		"if [ \"$rel\" = '%s' ]; then ok \"release $rel (as built)\";"
		" else bad \"release: running $rel, the build made %s\"; fi\n"
		"if [ -r /proc/config.gz ]; then $B zcat /proc/config.gz > /tmp/config;"
		" else bad 'config: no /proc/config.gz (CONFIG_IKCONFIG_PROC off)'; : > /tmp/config; fi\n"
		"", release, release);
	/* One awk pass over the running config for every expected option: each
	 * process start is slow under TCG, so no grep per option. */
	fprintf(f, "$B awk -v want='");
	for (size_t i = 0; i < want->n; i++)
		/* Optional symbols ("where the tree has it") are not expected. */
		if (!want->v[i].optional &&
		    strspn(want->v[i].want, "ymn0123456789abcdefx-") == strlen(want->v[i].want))
			fprintf(f, "%s%s=%s", i ? " " : "", want->v[i].name, want->v[i].want);
	fprintf(f, "' '\n"
		"BEGIN { n = split(want, w, \" \") }\n"
		"/^CONFIG_/ { e = index($0, \"=\"); got[substr($0, 8, e - 8)] = substr($0, e + 1) }\n"
		"END { for (i = 1; i <= n; i++) { e = index(w[i], \"=\"); k = substr(w[i], 1, e - 1);\n"
		"  a = substr(w[i], e + 1); g = (k in got) ? got[k] : \"n\";\n"
		"  if (g == a || (a == \"m\" && g == \"y\"))\n"
		"    print \"TEEHOST-CHECK: pass CONFIG_\" k \"=\" g \" in the running kernel\";\n"
		"  else { print \"TEEHOST-CHECK: fail CONFIG_\" k \": asked \" a \", the running kernel has \" g; bad = 1 } }\n"
		"  exit bad }' /tmp/config || fail=1\n");
	fprintf(f,
		"on() { $B grep -q \"^CONFIG_$1=y\" /tmp/config; }\n"
		"flag() { $B grep -qw \"$1\" /proc/cpuinfo; }\n"
		"$B dmesg | $B grep -i -E 'sgx|sev|sme|tdx|memory encryption' | $B head -n 8 |"
		" while read -r l; do info \"dmesg: $l\"; done\n"
		"if on X86_SGX; then\n"
		"  if [ -c /dev/sgx_enclave ]; then ok 'SGX: driver up (/dev/sgx_enclave)'\n"
		"  elif flag sgx; then bad \"SGX: CPU has SGX but no /dev/sgx_enclave: "
		"$($B dmesg | $B grep -i sgx | $B tail -n 1)\"\n"
		"  else ok 'SGX: present-and-unsupported (built in; this CPU has no SGX, as under QEMU)'; fi\n"
		"fi\n"
		"if on AMD_MEM_ENCRYPT; then\n"
		"  if flag sev || flag sme; then info 'SEV/SME: CPU offers it'\n"
		"  else ok 'SEV/SME: present-and-unsupported (built in; this CPU has no SEV/SME)'; fi\n"
		"fi\n"
		"if on INTEL_TDX_GUEST; then\n"
		"  if flag tdx_guest; then ok 'TDX: running as a TDX guest'\n"
		"  else ok 'TDX guest: present-and-unsupported (not in a TD)'; fi\n"
		"fi\n");
	/* The caller's test (/test.sh): its output line by line, then its exit
	 * status, all before the verdict the host waits for. */
	if (guest_cmd)
		fprintf(f,
			"$B --install -s /bin; export PATH=/bin\n"
			"(cd /tmp && $B sh /test.sh) > /tmp/test.out 2>&1 < /dev/null; trc=$?\n"
			"while IFS= read -r l; do echo \"TEEHOST-TEST-OUT: $l\"; done < /tmp/test.out\n"
			"echo \"TEEHOST-TEST: exit $trc\"\n");
	fprintf(f,
		"if [ $fail = 0 ]; then echo 'TEEHOST-VERDICT: pass'; else echo 'TEEHOST-VERDICT: fail'; fi\n"
		"$B sync\n"
		"$B reboot -f\n");
	if (fclose(f))
		return th_fail(err, errno, path, "%s", strerror(errno));
	chmod(path, 0755);
	return 0;
}

/* Expectations from the build: boot/teehost-expect-REL ("release=" + config lines). */
static int load_expect(const char *path, char *release, size_t rlen, struct th_kproof *want,
		       struct th_err *err)
{
	char *text = NULL, *rel;
	size_t len = 0;
	struct th_kconfig cfg;
	int r;

	r = th_read_file(path, 1 << 20, &text, &len, err);
	if (r)
		return r;
	rel = strstr(text, "\nrelease=");
	if (rel) {
		char *e;

		rel += 9;
		e = strchr(rel, '\n');
		snprintf(release, rlen, "%.*s", e ? (int)(e - rel) : (int)strlen(rel), rel);
		/* Blank the line so the rest parses as a config fragment. */
		memset(rel - 8, ' ', (size_t)(e ? e - (rel - 8) : (long)strlen(rel - 8)));
		(rel - 8)[0] = '#';
	}
	r = th_kconfig_parse(&cfg, text, len, err);
	if (!r) {
		r = th_kproof_add(want, &cfg, text, len, "build");
		th_kconfig_free(&cfg);
	}
	free(text);
	return r;
}

/* One boot test's state, shared by its steps (each a function below, in the order they run). */
struct boot {
	const struct th_kboot_opts *o;
	struct th_kboot_result *res;
	const char *busybox, *accel;	/* accel: "kvm" or "tcg" once resolved */
	unsigned timeout;		/* seconds */
	char tmp[PATH_MAX];		/* scratch: x/ the tarball's boot/, root/ the initramfs */
	char tarball[PATH_MAX], vmlinuz[PATH_MAX + 64];
	char console[PATH_MAX + 32], initrd[PATH_MAX + 32];
	struct th_kproof want;		/* what /init checks in the running config */
	double t0;			/* when QEMU started */
	pid_t pid;			/* QEMU, leader of its own process group */
	int status;			/* its wait status */
};

/* The options, the artifact's tarball, busybox and the accelerator (auto: kvm if usable). */
static int check_opts(struct boot *b, struct th_err *err)
{
	int r;

	if (strcmp(b->accel, "auto") && strcmp(b->accel, "kvm") && strcmp(b->accel, "tcg"))
		return th_fail(err, EINVAL, "--accel", "'%s': want auto, kvm or tcg", b->accel);
	r = find_tarball(b->o->artifact, b->tarball, sizeof(b->tarball), err);
	if (r)
		return r;
	if (access(b->busybox, X_OK))
		return th_fail(err, ENOENT, b->busybox,
			       "no static busybox (apt-get install busybox-static)");
	if (!strcmp(b->accel, "auto"))
		b->accel = th_kvm_usable() ? "kvm" : "tcg";
	else if (!strcmp(b->accel, "kvm") && !th_kvm_usable())
		return th_fail(err, ENODEV, "--accel", "kvm: this CPU offers no vmx/svm or "
			       "/dev/kvm does not open (use --accel tcg)");
	snprintf(b->res->accel, sizeof(b->res->accel), "%s", b->accel);
	return 0;
}

/* 1. Kernel and expectations out of the tarball: the build's expectations, or the
 *    profiles' requests when the caller names profiles. */
static int unpack_kernel(struct boot *b, struct th_err *err)
{
	const struct th_kboot_opts *o = b->o;
	struct th_kboot_result *res = b->res;
	char path[PATH_MAX + 64], script[3 * PATH_MAX], ex[PATH_MAX + 64];
	char rel_expect[128] = "";
	const char *argv[] = { "sh", "-c", script, NULL };
	int r;

	snprintf(script, sizeof(script), "mkdir -p '%s/x' '%s/root/bin' && "
		 "tar -xzf '%s' -C '%s/x' ./boot", b->tmp, b->tmp, b->tarball, b->tmp);
	if (th_krun(NULL, NULL, NULL, NULL, argv))
		return th_fail(err, EINVAL, b->tarball, "not a kernel tarball (no ./boot in it)");
	snprintf(path, sizeof(path), "%s/x/boot", b->tmp);
	if (find_boot_file(path, "vmlinuz", b->vmlinuz, sizeof(b->vmlinuz), res->release,
			   sizeof(res->release)))
		return th_fail(err, ENOENT, b->tarball, "no boot/vmlinuz-* in it");
	if (!find_boot_file(path, "teehost-expect", ex, sizeof(ex), NULL, 0)) {
		struct th_kproof built = { 0 };

		r = load_expect(ex, rel_expect, sizeof(rel_expect), &built, err);
		if (r)
			return r;
		if (!o->nprofiles)
			b->want = built;
		else
			th_kproof_free(&built);
	}
	if (rel_expect[0])
		snprintf(res->release, sizeof(res->release), "%s", rel_expect);
	if (o->nprofiles)
		return th_kernel_profile_requests(o->profiles, o->nprofiles, &b->want, err);
	return 0;
}

/* 2. Initramfs: static busybox + the checking /init (+ the caller's /test.sh). */
static int make_initramfs(struct boot *b, struct th_err *err)
{
	const struct th_kboot_opts *o = b->o;
	char path[PATH_MAX + 64], script[3 * PATH_MAX];
	const char *argv[] = { "sh", "-c", script, NULL };
	int r;

	snprintf(path, sizeof(path), "%s/root/init", b->tmp);
	r = write_init(path, b->res->release, &b->want, o->guest_cmd != NULL, err);
	if (r)
		return r;
	if (o->guest_cmd) {
		snprintf(path, sizeof(path), "%s/root/test.sh", b->tmp);
		r = th_write_file_atomic(path, o->guest_cmd, strlen(o->guest_cmd), 0755, 0, err);
		if (r)
			return r;
	}
	snprintf(b->initrd, sizeof(b->initrd), "%s/initrd.cpio", b->tmp);
	snprintf(script, sizeof(script), "cp '%s' '%s/root/bin/busybox' && cd '%s/root' && "
		 "find . | LC_ALL=C sort | cpio -o -H newc --quiet > '%s'", b->busybox, b->tmp,
		 b->tmp, b->initrd);
	if (th_krun(NULL, NULL, NULL, NULL, argv))
		return th_fail(err, EIO, "initramfs", "cannot build it with cpio");
	return 0;
}

/* 3. Boot: QEMU in its own process group (so a kill reaches all of it), serial console to
 *    the console file, its stderr beside it. */
static int start_qemu(struct boot *b, struct th_err *err)
{
	const struct th_kboot_opts *o = b->o;

	snprintf(b->console, sizeof(b->console), "%s", o->console ? o->console : "");
	if (!b->console[0])
		snprintf(b->console, sizeof(b->console), "%s/console.log", b->tmp);
	b->t0 = now();
	b->pid = fork();
	if (b->pid < 0)
		return th_fail(err, errno, "qemu", "fork: %s", strerror(errno));
	if (b->pid == 0) {
		const char *kvm[] = { o->qemu ? o->qemu : "qemu-system-x86_64", "-accel", "kvm",
				      "-cpu", "host", "-m", "256", "-smp", "1", "-kernel", b->vmlinuz,
				      "-initrd", b->initrd, "-append", "console=ttyS0 panic=-1 quiet",
				      "-display", "none", "-serial", "stdio", "-monitor", "none",
				      "-no-reboot", NULL };
		const char *tcg[] = { o->qemu ? o->qemu : "qemu-system-x86_64", "-accel", "tcg",
				      "-m", "256", "-smp", "1", "-kernel", b->vmlinuz,
				      "-initrd", b->initrd, "-append", "console=ttyS0 panic=-1 quiet",
				      "-display", "none", "-serial", "stdio", "-monitor", "none",
				      "-no-reboot", NULL };
		char errlog[PATH_MAX + 48];

		setpgid(0, 0);
		snprintf(errlog, sizeof(errlog), "%s.qemu-stderr", b->console);
		_exit(th_krun(NULL, errlog, b->console, NULL,
			      !strcmp(b->accel, "kvm") ? kvm : tcg) & 0xff);
	}
	return 0;
}

/* Read the console until QEMU exits: the verdict's time when it appears, the whole report at
 * the end; past the timeout, or 10 s after the verdict, QEMU is killed. */
static int watch_console(struct boot *b, struct th_err *err)
{
	struct th_kboot_result *res = b->res;
	int guest_cmd = b->o->guest_cmd != NULL;

	for (;;) {
		pid_t w = waitpid(b->pid, &b->status, WNOHANG);
		char *log = NULL;
		size_t len = 0;
		int done = w == b->pid;

		if (!th_read_file(b->console, 16 << 20, &log, &len, NULL)) {
			int verdict = th_kboot_read_console(log, NULL, guest_cmd);

			if (verdict >= 0 && !res->seconds) {
				res->seconds = now() - b->t0;
				res->pass = verdict;
			}
			if (done || now() - b->t0 > b->timeout)
				th_kboot_read_console(log, res, guest_cmd);
		}
		free(log);
		if (done)
			return 0;
		if (w < 0 && errno != EINTR)
			return th_fail(err, errno, "qemu", "waitpid: %s", strerror(errno));
		if (now() - b->t0 > b->timeout ||
		    (res->seconds && now() - b->t0 > res->seconds + 10)) {
			kill(-b->pid, SIGKILL);
			kill(b->pid, SIGKILL);
			if (!res->seconds) {
				res->timed_out = 1;
				res->pass = 0;
				res->seconds = now() - b->t0;
			}
			continue;
		}
		usleep(20000);
	}
}

/* No verdict: a timeout, or QEMU gone without one (an error when QEMU could not run). */
static int judge_end(struct boot *b, struct th_err *err)
{
	struct th_kboot_result *res = b->res;

	if (res->timed_out) {
		char m[128];

		snprintf(m, sizeof(m), "no verdict within %u s (kernel did not reach init?)",
			 b->timeout);
		add_check(res, 0, m);
	} else if (!res->seconds) {
		add_check(res, 0, "QEMU exited without a verdict (kernel panic or no console?)");
		res->pass = 0;
		res->seconds = now() - b->t0;
		if (WIFEXITED(b->status) && WEXITSTATUS(b->status) == 127)
			return th_fail(err, ENOENT, "qemu",
				       "cannot run %s (apt-get install qemu-system-x86)",
				       b->o->qemu ? b->o->qemu : "qemu-system-x86_64");
	}
	return 0;
}

int th_kernel_boot_test(const struct th_kboot_opts *o, struct th_kboot_result *res,
			struct th_err *err)
{
	struct boot b = {
		.o = o,
		.res = res,
		.busybox = o->busybox ? o->busybox : "/bin/busybox",
		.accel = o->accel ? o->accel : "auto",
		.timeout = o->timeout ? o->timeout : 60,
	};
	int r;

	memset(res, 0, sizeof(*res));
	r = check_opts(&b, err);
	if (r)
		return r;
	r = th_kmkdtemp(b.tmp, sizeof(b.tmp), "teehost-boot", err);
	if (r)
		return r;
	r = unpack_kernel(&b, err);
	if (!r)
		r = make_initramfs(&b, err);
	if (!r)
		r = start_qemu(&b, err);
	if (!r)
		r = watch_console(&b, err);
	if (!r)
		r = judge_end(&b, err);
	th_kproof_free(&b.want);
	th_krmtree(b.tmp);
	return r;
}
