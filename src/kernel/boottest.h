/* SPDX-License-Identifier: MIT */
/*
 * `teehost kernel boot-test`: boot a built kernel under QEMU with a generated
 * busybox initramfs that checks, inside the guest, the running release, the
 * TEE options in the running kernel's own config (/proc/config.gz) and the
 * SGX/SEV/TDX subsystems' state, then powers off. The verdict is read from
 * the serial console.
 */
#ifndef TEEHOST_KERNEL_BOOTTEST_H
#define TEEHOST_KERNEL_BOOTTEST_H

#include <limits.h>
#include <stddef.h>

struct th_err;

struct th_kboot_opts {
	const char *artifact;		/* build output dir or its linux-*.tar.gz */
	const char *accel;		/* "auto" (default), "kvm", "tcg" */
	unsigned timeout;		/* seconds, default 60 */
	const char *const *profiles;	/* expectations; default: what the build asked */
	size_t nprofiles;
	const char *busybox;		/* static busybox; default /bin/busybox */
	const char *qemu;		/* default qemu-system-x86_64 */
	const char *console;		/* keep the serial log here (optional) */
	/* A busybox sh script run inside the guest after the checks (every
	 * busybox applet on PATH); its exit status and output come back in
	 * test_ran/test_status/test_out. NULL: none. */
	const char *guest_cmd;
};

#define TH_KBOOT_MAX_CHECKS 96

struct th_kboot_check {
	int pass;		/* 1 pass, 0 fail, -1 information only */
	char text[240];
};

struct th_kboot_result {
	int pass;
	int timed_out;
	double seconds;			/* QEMU start to verdict */
	char accel[8];
	char release[128];
	struct th_kboot_check checks[TH_KBOOT_MAX_CHECKS];
	size_t nchecks;
	int test_ran;			/* guest_cmd ran and reported its exit status */
	int test_status;		/* its exit status */
	char test_out[1024];		/* its output (the last lines that fit) */
};

/* 0 when the test ran (res->pass says the verdict), -errno when it could not. */
int th_kernel_boot_test(const struct th_kboot_opts *o, struct th_kboot_result *res,
			struct th_err *err);

/* The guest's serial console LOG (NUL-terminated): returns the verdict (1 pass,
 * 0 fail, -1 none yet); with RES, adds the TEEHOST-CHECK lines to its checks
 * and, with GUEST_CMD, the test's exit status and output. */
int th_kboot_read_console(const char *log, struct th_kboot_result *res, int guest_cmd);

/* Does this CPU really offer hardware virtualisation to KVM guests? */
int th_kvm_usable(void);

#endif
