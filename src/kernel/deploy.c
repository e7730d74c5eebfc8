// SPDX-License-Identifier: MIT
/* Deploy through Ansible: see deploy.h. */
#include "kernel/deploy.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/kbuild.h"
#include "util/err.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"	/* see build.c */
#endif

/* The linux-image-*.deb of a build output and its release. */
static int find_image_deb(const char *dir, char *deb, size_t len, char *rel, size_t rlen,
			  struct th_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (!d)
		return th_fail(err, errno, dir, "%s", strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (!strncmp(de->d_name, "linux-image-", 12) && l > 4 &&
		    !strcmp(de->d_name + l - 4, ".deb") && !strstr(de->d_name, "-dbg_")) {
			snprintf(deb, len, "%s/%s", dir, de->d_name);
			/* linux-image-REL_VERSION_ARCH.deb */
			snprintf(rel, rlen, "%.*s", (int)strcspn(de->d_name + 12, "_"),
				 de->d_name + 12);
			n++;
		}
	}
	closedir(d);
	if (n != 1)
		return th_fail(err, ENOENT, dir, "%s linux-image-*.deb (want exactly one): "
			       "not a 'teehost kernel build' output", n ? "several" : "no");
	return 0;
}

int th_kernel_deploy(const struct th_kdeploy_opts *o, struct th_err *err)
{
	char dir[PATH_MAX], deb[PATH_MAX + 256], rel[128], playbook[PATH_MAX + 64];
	char ev_deb[PATH_MAX + 300], ev_rel[160], ev_reboot[64];
	const char *argv[20];
	struct stat st;
	size_t a = 0;
	int r, status;
	pid_t pid;

	if (stat(o->artifact, &st) || !S_ISDIR(st.st_mode))
		return th_fail(err, ENOTDIR, o->artifact,
			       "want the output directory of 'teehost kernel build'");
	if (!realpath(o->artifact, dir))
		return th_fail(err, errno, o->artifact, "%s", strerror(errno));
	r = find_image_deb(dir, deb, sizeof(deb), rel, sizeof(rel), err);
	if (r)
		return r;
	if (access(o->inventory, R_OK))
		return th_fail(err, errno, o->inventory, "%s", strerror(errno));
	snprintf(playbook, sizeof(playbook), "%s/../deploy/teehost-kernel.yml",
		 th_kernel_datadir());
	if (access(playbook, R_OK))
		return th_fail(err, ENOENT, playbook, "Ansible playbook missing "
			       "(set TEEHOST_DATADIR to teehost's kernel/ dir)");
	snprintf(ev_deb, sizeof(ev_deb), "teehost_kernel_deb=%s", deb);
	snprintf(ev_rel, sizeof(ev_rel), "teehost_kernel_release=%s", rel);
	snprintf(ev_reboot, sizeof(ev_reboot), "teehost_kernel_reboot=%s",
		 o->reboot ? "true" : "false");
	argv[a++] = "ansible-playbook";
	argv[a++] = "-i";
	argv[a++] = o->inventory;
	argv[a++] = "-e";
	argv[a++] = ev_deb;
	argv[a++] = "-e";
	argv[a++] = ev_rel;
	argv[a++] = "-e";
	argv[a++] = ev_reboot;
	if (o->check)
		argv[a++] = "--check";
	if (o->limit) {
		argv[a++] = "--limit";
		argv[a++] = o->limit;
	}
	argv[a++] = playbook;
	argv[a] = NULL;
	pid = fork();
	if (pid < 0)
		return th_fail(err, errno, "ansible-playbook", "fork: %s", strerror(errno));
	if (pid == 0) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return th_fail(err, errno, "ansible-playbook", "%s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return th_fail(err, ENOENT, "ansible-playbook", "not found (apt-get install ansible)");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
