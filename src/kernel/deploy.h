/* SPDX-License-Identifier: MIT */
/*
 * `teehost kernel deploy` and `teehost kernel rollback`: the Ansible role in
 * <datadir>/../deploy (the repo's deploy/, or PREFIX/share/teehost/deploy)
 * run by ansible-playbook against an inventory. The role boots the kernel
 * once, gates it and commits it or falls back (deploy/roles/teehost_kernel).
 * Everything teehost can check locally is checked before any host is touched.
 */
#ifndef TEEHOST_KERNEL_DEPLOY_H
#define TEEHOST_KERNEL_DEPLOY_H

#include <stddef.h>

struct th_err;

#define TH_KDEPLOY_MAX_PROFILES 16

struct th_kdeploy_opts {
	const char *artifact;	/* 'teehost kernel build' output dir; NULL: rollback */
	const char *inventory;
	const char *limit;	/* ansible --limit, optional */
	const char *serial;	/* batches, "1,5,25%" (canary first); NULL: the playbook's [1, 5] */
	const char *profiles[TH_KDEPLOY_MAX_PROFILES];	/* gate on these; none: the kernel's */
	size_t nprofiles;
	int check;		/* ansible --check (dry run) */
	int reboot;		/* boot it once, gate, commit or fall back */
};

/* Runs ansible-playbook with the caller's stdout/stderr. Returns its exit
 * status (0 ok), or -errno when the input is wrong (err filled; no host touched). */
int th_kernel_deploy(const struct th_kdeploy_opts *o, struct th_err *err);

/* Shared with `teehost fleet check`: run argv (stdout+stderr to out_fd, or
 * inherited when -1); its exit status, or -ENOENT when it is not installed. */
int th_ansible_run(const char *const *argv, int out_fd, struct th_err *err);
/* How many hosts INVENTORY (and LIMIT) name, asked of `ansible --list-hosts`;
 * TMP is a private directory for its output (file TMP/hosts). */
int th_ansible_count_hosts(const char *inventory, const char *limit, const char *tmp, long *n,
			   struct th_err *err);

#endif
