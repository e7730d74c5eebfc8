// SPDX-License-Identifier: MIT
/* Deploy and rollback through Ansible: see deploy.h. */
#include "kernel/deploy.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/kbuild.h"
#include "kernel/manifest.h"
#include "util/err.h"
#include "util/file.h"
#include "util/json.h"

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

/* The artifact's manifest.json must be teehost's and name the .deb's release. */
static int read_manifest(const char *dir, const char *deb_release, struct th_kmanifest *m,
			 struct th_err *err)
{
	char path[PATH_MAX + 16], *text = NULL;
	size_t len = 0;
	int r;

	snprintf(path, sizeof(path), "%s/manifest.json", dir);
	if (access(path, R_OK))
		return th_fail(err, ENOENT, dir, "no manifest.json: not a 'teehost kernel build' output");
	r = th_read_file(path, 4 << 20, &text, &len, err);
	if (r)
		return r;
	r = th_kmanifest_parse(m, text, len, err);
	free(text);
	if (r) {
		struct th_err e2 = *err;

		return th_fail(err, EINVAL, path, "%s", e2.msg);
	}
	if (strcmp(m->release, deb_release))
		return th_fail(err, EINVAL, path, "kernel_release: %s, but the package is %s: "
			       "not the manifest of this build", m->release, deb_release);
	return 0;
}

/* Every profile asked must be a teehost profile and, when the kernel's manifest
 * is known, one this kernel was built with: gating on another is meaningless. */
static int check_profiles(const struct th_kdeploy_opts *o, const struct th_kmanifest *m,
			  struct th_err *err)
{
	char path[PATH_MAX + 64];

	for (size_t i = 0; i < o->nprofiles; i++) {
		bool built = !m;

		snprintf(path, sizeof(path), "%s/profiles/%s.config", th_kernel_datadir(), o->profiles[i]);
		if (strchr(o->profiles[i], '/') || access(path, R_OK))
			return th_fail(err, ENOENT, "--profile", "%s: no such teehost profile "
				       "(see %s/profiles)", o->profiles[i], th_kernel_datadir());
		for (size_t j = 0; m && j < m->nprofiles; j++)
			built |= !strcmp(m->profiles[j], o->profiles[i]);
		if (!built)
			return th_fail(err, EINVAL, "--profile", "%s: this kernel was not built with "
				       "it (manifest.json profiles: %s%s%s...)", o->profiles[i],
				       m->nprofiles ? m->profiles[0] : "none",
				       m->nprofiles > 1 ? " " : "", m->nprofiles > 1 ? m->profiles[1] : "");
	}
	return 0;
}

/* Run argv with stdout to out (NULL: inherit). Exit status, 127 if not found. */
int th_ansible_run(const char *const *argv, int out_fd, struct th_err *err)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return th_fail(err, errno, argv[0], "fork: %s", strerror(errno));
	if (pid == 0) {
		if (out_fd >= 0) {
			dup2(out_fd, 1);
			dup2(out_fd, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return th_fail(err, errno, argv[0], "%s", strerror(errno));
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return th_fail(err, ENOENT, argv[0], "not found (apt-get install ansible)");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* How many hosts the inventory (and --limit) names, asked of Ansible itself. */
int th_ansible_count_hosts(const char *inventory, const char *limit, const char *tmp, long *n,
			   struct th_err *err)
{
	char path[PATH_MAX + 16], *text = NULL, *p;
	const char *argv[10];
	size_t a = 0, len = 0;
	int fd, r;

	snprintf(path, sizeof(path), "%s/hosts", tmp);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return th_fail(err, errno, path, "%s", strerror(errno));
	argv[a++] = "ansible";
	argv[a++] = "all";
	argv[a++] = "-i";
	argv[a++] = inventory;
	argv[a++] = "--list-hosts";
	if (limit) {
		argv[a++] = "--limit";
		argv[a++] = limit;
	}
	argv[a] = NULL;
	r = th_ansible_run(argv, fd, err);
	close(fd);
	if (r < 0)
		return r;
	r = th_read_file(path, 1 << 20, &text, &len, err);
	if (r)
		return r;
	p = strstr(text, "hosts (");
	*n = p ? strtol(p + 7, NULL, 10) : 0;
	free(text);
	return 0;
}

static int write_vars(const struct th_kdeploy_opts *o, const char *path, const char *deb,
		      const char *release, const struct th_kmanifest *m, struct th_err *err)
{
	const char *names[TH_KDEPLOY_MAX_PROFILES + TH_KMANIFEST_MAX_PROFILES], *fam[8];
	char self[PATH_MAX] = "", prof[PATH_MAX + 64];
	size_t n = 0, nf = 0;
	struct json_writer w;
	ssize_t l;
	FILE *f;

	for (size_t i = 0; i < o->nprofiles; i++)
		names[n++] = o->profiles[i];
	for (size_t i = 0; !o->nprofiles && m && i < m->nprofiles; i++)
		names[n++] = m->profiles[i];
	l = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[l > 0 ? l : 0] = 0;
	f = fopen(path, "w");
	if (!f)
		return th_fail(err, errno, path, "%s", strerror(errno));
	json_init(&w, f, true);
	json_begin_object(&w);
	json_key(&w, "teehost_kernel_deb");
	json_str(&w, deb);
	json_key(&w, "teehost_kernel_release");
	json_str(&w, release);
	json_key(&w, "teehost_kernel_reboot");
	json_bool(&w, o->reboot);
	json_key(&w, "teehost_kernel_teehost");
	json_str(&w, self);
	json_key(&w, "teehost_kernel_profiles");
	json_begin_array(&w);
	for (size_t i = 0; i < n; i++) {
		snprintf(prof, sizeof(prof), "%s/profiles/%s.config", th_kernel_datadir(), names[i]);
		if (!access(prof, R_OK))
			json_str(&w, prof);
	}
	json_end_array(&w);
	json_key(&w, "teehost_kernel_families");
	json_begin_array(&w);
	for (size_t i = 0; i < n; i++) {
		const char *fm = th_kprofile_family(names[i]);
		bool dup = false;

		for (size_t j = 0; fm && j < nf; j++)
			dup |= !strcmp(fam[j], fm);
		if (fm && !dup && nf < 8) {
			fam[nf++] = fm;
			json_str(&w, fm);
		}
	}
	json_end_array(&w);
	if (o->serial) {
		char buf[256], *save = NULL;

		json_key(&w, "teehost_kernel_serial");
		json_begin_array(&w);
		snprintf(buf, sizeof(buf), "%s", o->serial);
		for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
			if (t[strlen(t) - 1] == '%')
				json_str(&w, t);
			else
				json_int(&w, strtol(t, NULL, 10));
		}
		json_end_array(&w);
	}
	json_end_object(&w);
	json_finish(&w);
	if (fclose(f))
		return th_fail(err, errno, path, "%s", strerror(errno));
	return 0;
}

static bool serial_ok(const char *s)
{
	/* "1,5,25%": positive counts or percentages, comma-separated. */
	while (*s) {
		size_t d = strspn(s, "0123456789");

		if (!d || (d == 1 && *s == '0'))
			return false;
		s += d;
		if (*s == '%')
			s++;
		if (*s == ',' && s[1])
			s++;
		else if (*s)
			return false;
	}
	return true;
}

static void remove_tmp(const char *tmp)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/hosts", tmp);
	unlink(path);
	snprintf(path, sizeof(path), "%s/vars.json", tmp);
	unlink(path);
	rmdir(tmp);
}

int th_kernel_deploy(const struct th_kdeploy_opts *o, struct th_err *err)
{
	char dir[PATH_MAX], deb[PATH_MAX + 256] = "", rel[128] = "", playbook[PATH_MAX + 64];
	char tmp[] = "/tmp/teehost-deploy.XXXXXX", vars[sizeof(tmp) + 16];
	struct th_kmanifest *m = NULL, man;
	const char *argv[20];
	struct stat st;
	size_t a = 0;
	long hosts = 0;
	int r;

	if (o->artifact) {
		if (stat(o->artifact, &st) || !S_ISDIR(st.st_mode))
			return th_fail(err, ENOTDIR, o->artifact,
				       "want the output directory of 'teehost kernel build'");
		if (!realpath(o->artifact, dir))
			return th_fail(err, errno, o->artifact, "%s", strerror(errno));
		r = find_image_deb(dir, deb, sizeof(deb), rel, sizeof(rel), err);
		if (r)
			return r;
		r = read_manifest(dir, rel, &man, err);
		if (r)
			return r;
		m = &man;
	}
	r = check_profiles(o, m, err);
	if (r)
		return r;
	if (o->serial && !serial_ok(o->serial))
		return th_fail(err, EINVAL, "--serial", "'%s': want batch sizes like 1,5,25%%",
			       o->serial);
	if (access(o->inventory, R_OK))
		return th_fail(err, errno, o->inventory, "%s", strerror(errno));
	snprintf(playbook, sizeof(playbook), "%s/../deploy/teehost-kernel%s.yml",
		 th_kernel_datadir(), o->artifact ? "" : "-rollback");
	if (access(playbook, R_OK))
		return th_fail(err, ENOENT, playbook, "Ansible playbook missing "
			       "(set TEEHOST_DATADIR to teehost's kernel/ dir)");
	if (!mkdtemp(tmp))
		return th_fail(err, errno, tmp, "%s", strerror(errno));
	r = th_ansible_count_hosts(o->inventory, o->limit, tmp, &hosts, err);
	if (!r && hosts <= 0)
		r = th_fail(err, EINVAL, o->inventory, "inventory: names no hosts%s%s",
			    o->limit ? " matching --limit " : "", o->limit ? o->limit : "");
	snprintf(vars, sizeof(vars), "%s/vars.json", tmp);
	if (!r)
		r = write_vars(o, vars, deb, rel, m, err);
	if (r) {
		remove_tmp(tmp);
		return r;
	}
	char ev[sizeof(vars) + 1];

	snprintf(ev, sizeof(ev), "@%s", vars);
	argv[a++] = "ansible-playbook";
	argv[a++] = "-i";
	argv[a++] = o->inventory;
	argv[a++] = "-e";
	argv[a++] = ev;
	if (o->check)
		argv[a++] = "--check";
	if (o->limit) {
		argv[a++] = "--limit";
		argv[a++] = o->limit;
	}
	argv[a++] = playbook;
	argv[a] = NULL;
	fflush(stdout);
	r = th_ansible_run(argv, -1, err);
	remove_tmp(tmp);
	return r;
}
