/* SPDX-License-Identifier: MIT */
/*
 * The kernel tree and its own tools: validating a source tree, running
 * make/merge_config.sh/scripts/config with output to a log, and the
 * kconfig probe (kernel/probe/kconfig-probe.c compiled against the tree).
 */
#ifndef TEEHOST_KERNEL_KBUILD_H
#define TEEHOST_KERNEL_KBUILD_H

#include <stddef.h>

struct th_err;

struct th_ktree {
	char src[4096];		/* absolute path of the source tree */
	char version[64];	/* KERNELVERSION from its Makefile, e.g. 6.12.117 */
};

/* A directory is a kernel tree if its Makefile has VERSION/PATCHLEVEL and
 * it has Kconfig and scripts/kconfig/merge_config.sh. 0 or -errno. */
int th_ktree_open(struct th_ktree *t, const char *src, struct th_err *err);

/*
 * Run argv (argv[0] looked up in PATH) in directory cwd, stdout+stderr
 * appended to log (or to stdout_path when given, stderr still to log), with
 * extra "NAME=value" strings added to the environment. Returns the exit
 * status (0..255), or -errno if it could not be started.
 */
int th_krun(const char *cwd, const char *log, const char *stdout_path,
	    const char *const *env_extra, const char *const *argv);

/* Data directory holding profiles/, recipes/, probe/: $TEEHOST_DATADIR, else, relative to
 * the running binary (/proc/self/exe), ../kernel (a build tree) or ../share/teehost/kernel
 * (installed). The deploy/ and ci-templates/ data sit beside it (DATADIR/..). */
const char *th_kernel_datadir(void);

/* "make -C SRC O=OBJ -s TARGET" with output to log. 0 or -errno (err names
 * the target and the log). */
int th_kmake(const struct th_ktree *t, const char *obj, const char *log,
	     const char *const *env_extra, const char *target, struct th_err *err);

/* Build OBJ/teehost-kconfig-probe from the tree's kconfig objects (they
 * exist once any *config target ran in OBJ). 0 or -errno. */
int th_kprobe_build(const struct th_ktree *t, const char *obj, const char *log,
		    struct th_err *err);

/* Run the probe on CONFIG for names[0..n); its records go to out_path. */
int th_kprobe_run(const struct th_ktree *t, const char *obj, const char *config,
		  const char *const *names, size_t n, const char *out_path,
		  const char *log, struct th_err *err);

/* mkdtemp under $TMPDIR (or /tmp) with the given prefix; path in buf. */
int th_kmkdtemp(char *buf, size_t len, const char *prefix, struct th_err *err);

/* rm -rf (no symlink following); best effort. */
void th_krmtree(const char *path);

/* The first line of PATH (without its newline) into buf. 0, -errno, or -ENODATA when it is
 * empty. */
int th_kread_line(const char *path, char *buf, size_t len);

/* qsort comparison of two char * (name order). */
int th_kcmp_str(const void *a, const void *b);

#endif
