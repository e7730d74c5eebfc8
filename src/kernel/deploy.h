/* SPDX-License-Identifier: MIT */
/*
 * `teehost kernel deploy`: the Ansible role in <datadir>/../deploy (the
 * repo's deploy/, or PREFIX/share/teehost/deploy) run by ansible-playbook
 * against an inventory.
 */
#ifndef TEEHOST_KERNEL_DEPLOY_H
#define TEEHOST_KERNEL_DEPLOY_H

struct th_err;

struct th_kdeploy_opts {
	const char *artifact;	/* 'teehost kernel build' output dir */
	const char *inventory;
	const char *limit;	/* ansible --limit, optional */
	int check;		/* ansible --check (dry run) */
	int reboot;		/* reboot into the new kernel and verify uname -r */
};

/* Runs ansible-playbook with the caller's stdout/stderr. Returns its exit
 * status (0 ok), or -errno when the input is wrong (err filled). */
int th_kernel_deploy(const struct th_kdeploy_opts *o, struct th_err *err);

#endif
