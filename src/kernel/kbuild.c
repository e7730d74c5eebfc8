// SPDX-License-Identifier: MIT
/* Kernel tree checks and running the tree's own tools: see kbuild.h. */
#include "kernel/kbuild.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/err.h"
#include "util/file.h"

extern char **environ;

/* "VERSION = 6" -> "6" from a Makefile's first lines. */
static int make_var(const char *mk, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);

	for (const char *p = mk; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		const char *q = p + n;

		if (strncmp(p, name, n) || (*q != ' ' && *q != '\t' && *q != '='))
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q++ != '=')
			continue;
		while (*q == ' ' || *q == '\t')
			q++;
		size_t l = strcspn(q, " \t\n#");

		if (l >= len)
			return -1;
		memcpy(out, q, l);
		out[l] = 0;
		return 0;
	}
	return -1;
}

int th_ktree_open(struct th_ktree *t, const char *src, struct th_err *err)
{
	char path[PATH_MAX + 64], v[16], p[16], s[16], x[32];
	struct stat st;
	char *mk = NULL;
	size_t mklen;
	int r;

	memset(t, 0, sizeof(*t));
	if (stat(src, &st))
		return th_fail(err, errno, src, "kernel tree: %s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return th_fail(err, ENOTDIR, src, "kernel tree: not a directory");
	if (!realpath(src, t->src))
		return th_fail(err, errno, src, "kernel tree: %s", strerror(errno));
	snprintf(path, sizeof(path), "%s/Makefile", t->src);
	r = th_read_file(path, 1 << 20, &mk, &mklen, NULL);
	if (r || make_var(mk, "VERSION", v, sizeof(v)) ||
	    make_var(mk, "PATCHLEVEL", p, sizeof(p))) {
		free(mk);
		return th_fail(err, EINVAL, src,
			       "not a kernel tree (no Makefile with VERSION and PATCHLEVEL)");
	}
	if (make_var(mk, "SUBLEVEL", s, sizeof(s)))
		s[0] = 0;
	if (make_var(mk, "EXTRAVERSION", x, sizeof(x)))
		x[0] = 0;
	free(mk);
	snprintf(t->version, sizeof(t->version), "%s.%s%s%s%s", v, p,
		 s[0] ? "." : "", s, x);
	static const char *const need[] = {
		"Kconfig", "scripts/kconfig/merge_config.sh", "scripts/config",
		"scripts/kconfig/Makefile", "arch/x86/Kconfig",
	};
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", t->src, need[i]);
		if (access(path, R_OK))
			return th_fail(err, ENOENT, src, "not a kernel tree (no %s)", need[i]);
	}
	/* An in-tree configured source refuses O= builds ("source tree is not
	 * clean"); say so before make does it deep in a log. */
	snprintf(path, sizeof(path), "%s/.config", t->src);
	if (!access(path, F_OK))
		return th_fail(err, EBUSY, src,
			       "tree has its own .config; teehost builds out of tree "
			       "(O=): run 'make mrproper' there or pass a clean tree");
	return 0;
}

int th_krun(const char *cwd, const char *log, const char *stdout_path,
	    const char *const *env_extra, const char *const *argv)
{
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int lfd = open(log ? log : "/dev/null",
			       O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int ofd = stdout_path ? open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC |
					     O_CLOEXEC, 0644) : lfd;
		int nfd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (lfd < 0 || ofd < 0 || nfd < 0 || dup2(nfd, 0) < 0 ||
		    dup2(ofd, 1) < 0 || dup2(lfd, 2) < 0)
			_exit(127);
		if (cwd && chdir(cwd))
			_exit(127);
		for (size_t i = 0; env_extra && env_extra[i]; i++)
			putenv((char *)env_extra[i]);
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "teehost: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

/* DIR + "/profiles" is readable: a kernel data directory. */
static int is_kernel_datadir(const char *dir)
{
	char probe[PATH_MAX + 32];

	return snprintf(probe, sizeof(probe), "%s/profiles", dir) < (int)sizeof(probe) &&
	       !access(probe, R_OK);
}

const char *th_kernel_datadir(void)
{
	static char dir[PATH_MAX + 32];
	static const char *const rel[] = {
		"../kernel",                    /* build tree: REPO/build/teehost */
		"../share/teehost/kernel",      /* installed: PREFIX/bin/teehost */
	};
	char exe[PATH_MAX], real[PATH_MAX], *slash;
	const char *env = getenv("TEEHOST_DATADIR");
	ssize_t n;

	if (env && *env)
		return env;
	if (dir[0])
		return dir;
	/* Relative to the executable, never to a prefix compiled in: an install moved after
	 * `make install` (DESTDIR, a PREFIX given only at install time, a relocated tree)
	 * still finds its data. */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return "/proc/self/exe unreadable: set TEEHOST_DATADIR";
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (slash)
		*slash = 0;
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", exe, rel[i]);
		if (is_kernel_datadir(dir)) {
			if (realpath(dir, real))
				snprintf(dir, sizeof(dir), "%s", real);
			return dir;
		}
	}
	/* Not found: name where an install puts it, for the error messages. */
	snprintf(dir, sizeof(dir), "%s/../share/teehost/kernel", exe);
	return dir;
}

int th_kmake(const struct th_ktree *t, const char *obj, const char *log,
	     const char *const *env_extra, const char *target, struct th_err *err)
{
	char odir[PATH_MAX + 8];
	const char *argv[] = { "make", "-C", t->src, odir, "-s", target, NULL };
	int r;

	snprintf(odir, sizeof(odir), "O=%s", obj);
	r = th_krun(NULL, log, NULL, env_extra, argv);
	if (r < 0)
		return th_fail(err, -r, "make", "cannot run make: %s", strerror(-r));
	if (r)
		return th_fail(err, EIO, "make",
			       "'make %s' failed (exit %d); see %s", target, r, log);
	return 0;
}

static const char *const kconfig_objs[] = {
	"confdata.o", "expr.o", "lexer.lex.o", "menu.o", "parser.tab.o",
	"preprocess.o", "symbol.o", "util.o",
};

int th_kprobe_build(const struct th_ktree *t, const char *obj, const char *log,
		    struct th_err *err)
{
	enum { NOBJ = sizeof(kconfig_objs) / sizeof(kconfig_objs[0]) };
	char inc1[PATH_MAX + 32], inc2[PATH_MAX + 32], inc3[PATH_MAX + 32];
	char src[PATH_MAX + 32], out[PATH_MAX + 32], objs[NOBJ][PATH_MAX + 32];
	const char *argv[16 + NOBJ];
	const char *cc = getenv("HOSTCC");
	size_t a = 0;
	int r;

	snprintf(src, sizeof(src), "%s/probe/kconfig-probe.c", th_kernel_datadir());
	if (access(src, R_OK))
		return th_fail(err, ENOENT, "probe",
			       "%s missing (set TEEHOST_DATADIR to teehost's kernel/ dir)", src);
	snprintf(inc1, sizeof(inc1), "-I%s/scripts/include", t->src);
	snprintf(inc2, sizeof(inc2), "-I%s/scripts/kconfig", t->src);
	snprintf(inc3, sizeof(inc3), "-I%s/scripts/kconfig", obj);
	snprintf(out, sizeof(out), "%s/teehost-kconfig-probe", obj);
	argv[a++] = cc && *cc ? cc : "cc";
	argv[a++] = "-O1";
	argv[a++] = "-w";
	argv[a++] = inc1;
	argv[a++] = inc2;
	argv[a++] = inc3;
	argv[a++] = "-o";
	argv[a++] = out;
	argv[a++] = src;
	for (size_t i = 0; i < NOBJ; i++) {
		snprintf(objs[i], sizeof(objs[i]), "%s/scripts/kconfig/%s", obj,
			 kconfig_objs[i]);
		if (access(objs[i], R_OK))
			return th_fail(err, ENOENT, "probe",
				       "%s missing: the tree's kconfig was not built", objs[i]);
		argv[a++] = objs[i];
	}
	argv[a] = NULL;
	r = th_krun(obj, log, NULL, NULL, argv);
	if (r)
		return th_fail(err, r < 0 ? -r : EIO, "probe",
			       "cannot build the kconfig probe against %s "
			       "(its kconfig API differs?); see %s", t->src, log);
	return 0;
}

/*
 * The environment make gives conf (top Makefile exports and Kconfig's
 * $(shell,...) inputs). Kconfig evaluates compiler checks through these,
 * so the probe must see what olddefconfig saw; the proof also checks that
 * the probe computes exactly the config make wrote (record "E changed").
 */
static void probe_env(const struct th_ktree *t, char buf[][PATH_MAX + 64], size_t *n)
{
	const char *cc = getenv("CC");
	char ver[256] = "";
	FILE *f;

	snprintf(buf[(*n)++], PATH_MAX + 64, "srctree=%s", t->src);
	snprintf(buf[(*n)++], PATH_MAX + 64, "ARCH=x86");
	snprintf(buf[(*n)++], PATH_MAX + 64, "SRCARCH=x86");
	snprintf(buf[(*n)++], PATH_MAX + 64, "KERNELVERSION=%s", t->version);
	snprintf(buf[(*n)++], PATH_MAX + 64, "CC=%s", cc && *cc ? cc : "gcc");
	snprintf(buf[(*n)++], PATH_MAX + 64, "LD=ld");
	snprintf(buf[(*n)++], PATH_MAX + 64, "OBJCOPY=objcopy");
	snprintf(buf[(*n)++], PATH_MAX + 64, "NM=nm");
	snprintf(buf[(*n)++], PATH_MAX + 64, "PAHOLE=pahole");
	snprintf(buf[(*n)++], PATH_MAX + 64, "RUSTC=rustc");
	snprintf(buf[(*n)++], PATH_MAX + 64, "BINDGEN=bindgen");
	snprintf(ver, sizeof(ver), "LC_ALL=C %s --version 2>/dev/null",
		 cc && *cc ? cc : "gcc");
	f = popen(ver, "r");
	ver[0] = 0;
	if (f) {
		if (!fgets(ver, sizeof(ver), f))
			ver[0] = 0;
		pclose(f);
	}
	ver[strcspn(ver, "\n#")] = 0;
	snprintf(buf[(*n)++], PATH_MAX + 64, "CC_VERSION_TEXT=%s", ver);
}

int th_kprobe_run(const struct th_ktree *t, const char *obj, const char *config,
		  const char *const *names, size_t n, const char *out_path,
		  const char *log, struct th_err *err)
{
	char envbuf[16][PATH_MAX + 64], exe[PATH_MAX + 32];
	const char *env[17];
	const char **argv;
	size_t ne = 0;
	int r;

	probe_env(t, envbuf, &ne);
	for (size_t i = 0; i < ne; i++)
		env[i] = envbuf[i];
	env[ne] = NULL;
	argv = calloc(n + 4, sizeof(*argv));
	if (!argv)
		return th_fail(err, ENOMEM, "probe", "out of memory");
	snprintf(exe, sizeof(exe), "%s/teehost-kconfig-probe", obj);
	argv[0] = exe;
	argv[1] = "Kconfig";
	argv[2] = config;
	for (size_t i = 0; i < n; i++)
		argv[3 + i] = names[i];
	argv[3 + n] = NULL;
	r = th_krun(obj, log, out_path, env, argv);
	free(argv);
	if (r)
		return th_fail(err, r < 0 ? -r : EIO, "probe",
			       "kconfig probe failed on %s (exit %d); see %s", config, r, log);
	return 0;
}

int th_kmkdtemp(char *buf, size_t len, const char *prefix, struct th_err *err)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(buf, len, "%s/%s.XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
	if (!mkdtemp(buf))
		return th_fail(err, errno, "tmpdir", "%s: %s", buf, strerror(errno));
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path), 0;
}

void th_krmtree(const char *path)
{
	if (path && *path)
		nftw(path, rm_one, 32, FTW_DEPTH | FTW_PHYS);
}

int th_kread_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return buf[0] ? 0 : -ENODATA;
}

int th_kcmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}
