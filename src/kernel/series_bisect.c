// SPDX-License-Identifier: MIT
/* Bisecting a patch series to its first bad patch: see series_bisect.h. */
#include "kernel/series_bisect.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernel/boottest.h"
#include "kernel/configure.h"
#include "kernel/kbuild.h"
#include "util/err.h"
#include "util/file.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

struct work {
	char dir[PATH_MAX];
	char tree[PATH_MAX + 8];
	char obj[PATH_MAX + 8];
	char ceiling[PATH_MAX + 32];	/* GIT_CEILING_DIRECTORIES=dir */
	char env_src[PATH_MAX + 16], env_obj[PATH_MAX + 16], env_step[64], env_jobs[64];
	size_t applied;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int sh_log(const struct work *w, const char *log, const char *script, const char *a0)
{
	const char *argv[] = { "sh", "-c", script, a0 ? a0 : "", NULL };
	const char *env[] = { w->ceiling, w->env_src, w->env_obj, w->env_step, w->env_jobs,
			      "LC_ALL=C", NULL };

	return th_krun(w->tree, log, NULL, env, argv);
}

/* git apply (or -R) of one patch in the work tree; git's discovery stops at
 * the work dir, so the tree is never mistaken for part of another repository. */
static int apply_one(const struct work *w, const char *log, const char *patch, int reverse)
{
	const char *argv[] = { "git", "apply", reverse ? "-R" : "--", patch, NULL };
	const char *argv2[] = { "git", "apply", patch, NULL };
	const char *env[] = { w->ceiling, "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			      NULL };

	return th_krun(w->tree, log, NULL, env, reverse ? argv : argv2);
}

static int move_to(struct work *w, const struct th_series *s, size_t k, const char *log,
		   struct th_err *err)
{
	while (w->applied < k) {
		if (apply_one(w, log, s->v[w->applied].path, 0))
			return th_fail(err, EIO, s->v[w->applied].path, "patch %zu of %zu does not "
				       "apply during bisect (run 'teehost kernel series status'); "
				       "see %s", w->applied + 1, s->n, log);
		w->applied++;
	}
	while (w->applied > k) {
		if (apply_one(w, log, s->v[w->applied - 1].path, 1))
			return th_fail(err, EIO, s->v[w->applied - 1].path, "patch %zu does not "
				       "reverse-apply during bisect; see %s", w->applied, log);
		w->applied--;
	}
	return 0;
}

/* The first line of LOG that says what failed (compiler/make/test errors),
 * else its last line. */
static void log_evidence(const char *log, char *buf, size_t len)
{
	char *text = NULL, *last = NULL, *hit = NULL;
	size_t n = 0;

	buf[0] = 0;
	if (th_read_file(log, 64 << 20, &text, &n, NULL))
		return;
	for (char *p = text; p && *p;) {
		char *e = strchr(p, '\n');

		if (e)
			*e = 0;
		if (*p) {
			last = p;
			if (!hit && (strstr(p, "error:") || strstr(p, "Error ") ||
				     strstr(p, "FAIL") || strstr(p, "undefined reference")))
				hit = p;
		}
		p = e ? e + 1 : NULL;
	}
	snprintf(buf, len, "%s", hit ? hit : last ? last : "(empty log)");
	free(text);
}

static int default_config(struct work *w, const struct th_bisect_opts *o, struct th_err *err)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/.config", w->obj);
	if (o->config) {
		char *text = NULL;
		size_t len = 0;
		int r = th_read_file(o->config, 16 << 20, &text, &len, err);

		if (r)
			return th_fail(err, -r, o->config, "%s", strerror(-r));
		r = th_write_file_atomic(path, text, len, 0644, 0, err);
		free(text);
		return r;
	}
	/* The tiny-kernel recipe's config: tinyconfig + the profiles, proven. */
	{
		static const char *const tiny[] = { "sgx-host", "boot-test" };
		struct th_kconfig_opts ko = { .src = w->tree, .base = "tinyconfig",
					      .profiles = o->nprofiles ? o->profiles : tiny,
					      .nprofiles = o->nprofiles ? o->nprofiles : 2 };
		struct th_kconfig_result res;
		int r = th_kernel_configure(&ko, &res, err);

		if (!r && th_kproof_failures(&res.proof))
			r = th_fail(err, EINVAL, w->tree, "the bisect config does not hold the "
				    "profiles (run 'teehost kernel config' for the reason)");
		if (!r)
			r = th_write_file_atomic(path, res.config, res.config_len, 0644, 0, err);
		th_kconfig_result_free(&res);
		return r;
	}
}

/* Build and test the tree as it is now. */
static void step(struct work *w, const struct th_series *s, const struct th_bisect_opts *o,
		 struct th_bisect_step *st, size_t nstep)
{
	double t0 = now();
	int r;

	snprintf(st->log, sizeof(st->log), "%s/step-%zu.log", w->dir, nstep);
	snprintf(w->env_step, sizeof(w->env_step), "TEEHOST_BISECT_APPLIED=%zu", st->applied);
	if (o->build)
		r = sh_log(w, st->log, o->build, NULL);
	else
		r = sh_log(w, st->log, "make -C \"$TEEHOST_SRC\" O=\"$TEEHOST_OBJ\" -j\"$TEEHOST_JOBS\" "
			   "olddefconfig bzImage", NULL);
	st->built = r == 0;
	if (!st->built) {
		char ev[400];

		log_evidence(st->log, ev, sizeof(ev));
		snprintf(st->evidence, sizeof(st->evidence), "build exited %d: %s", r, ev);
		goto out;
	}
	if (!o->test) {
		st->passed = 1;
		goto out;
	}
	if (!strcmp(o->test, "boot")) {
		char tar[PATH_MAX + 32];
		struct th_kboot_opts bo = { .artifact = tar, .profiles = o->profiles,
					    .nprofiles = o->nprofiles, .timeout = 120 };
		struct th_kboot_result *br = calloc(1, sizeof(*br));
		struct th_err err = { "" };

		snprintf(tar, sizeof(tar), "%s/boot.tar.gz", w->dir);
		/* The boot test's artifact: ./boot/vmlinuz-RELEASE in a tarball. */
		r = sh_log(w, st->log, "set -e; R=$(make -s -C \"$TEEHOST_SRC\" O=\"$TEEHOST_OBJ\" "
			   "kernelrelease); d=\"$0.d\"; rm -rf \"$d\"; mkdir -p \"$d/boot\"; "
			   "cp \"$TEEHOST_OBJ/arch/x86/boot/bzImage\" \"$d/boot/vmlinuz-$R\"; "
			   "cp \"$TEEHOST_OBJ/.config\" \"$d/boot/config-$R\"; "
			   "tar -C \"$d\" -czf \"$0\" ./boot; rm -rf \"$d\"", tar);
		if (r || !br) {
			st->passed = 0;
			snprintf(st->evidence, sizeof(st->evidence), "cannot package the kernel "
				 "for the boot test (see the step log)");
		} else if (th_kernel_boot_test(&bo, br, &err)) {
			st->passed = 0;
			snprintf(st->evidence, sizeof(st->evidence), "boot-test: %s", err.msg);
		} else {
			st->passed = br->pass;
			snprintf(st->evidence, sizeof(st->evidence), "boot-test %s",
				 br->pass ? "passed" : br->timed_out ? "timed out" : "failed");
			for (size_t i = 0; !br->pass && i < br->nchecks; i++)
				if (br->checks[i].pass == 0) {
					snprintf(st->evidence, sizeof(st->evidence), "boot-test: %s",
						 br->checks[i].text);
					break;
				}
		}
		free(br);
		goto out;
	}
	{
		char tlog[PATH_MAX + 16];

		snprintf(tlog, sizeof(tlog), "%s/test-%zu.log", w->dir, nstep);
		r = sh_log(w, tlog, o->test, NULL);
		st->passed = r == 0;
		if (!st->passed) {
			char ev[400];

			log_evidence(tlog, ev, sizeof(ev));
			snprintf(st->evidence, sizeof(st->evidence), "test exited %d: %s", r, ev);
		}
	}
out:
	(void)s;
	st->seconds = now() - t0;
}

static int prepare(struct work *w, const struct th_sbase *b, const struct th_bisect_opts *o,
		   struct th_err *err)
{
	char script[4 * PATH_MAX];
	const char *argv[] = { "sh", "-c", script, NULL };

	if (o->workdir) {
		if (mkdir(o->workdir, 0755) && errno != EEXIST)
			return th_fail(err, errno, o->workdir, "%s", strerror(errno));
		if (!realpath(o->workdir, w->dir))
			return th_fail(err, errno, o->workdir, "%s", strerror(errno));
	} else {
		int r = th_kmkdtemp(w->dir, sizeof(w->dir), "teehost-bisect", err);

		if (r)
			return r;
	}
	snprintf(w->tree, sizeof(w->tree), "%s/tree", w->dir);
	snprintf(w->obj, sizeof(w->obj), "%s/obj", w->dir);
	snprintf(w->ceiling, sizeof(w->ceiling), "GIT_CEILING_DIRECTORIES=%s", w->dir);
	snprintf(w->env_src, sizeof(w->env_src), "TEEHOST_SRC=%s", w->tree);
	snprintf(w->env_obj, sizeof(w->env_obj), "TEEHOST_OBJ=%s", w->obj);
	snprintf(w->env_jobs, sizeof(w->env_jobs), "TEEHOST_JOBS=%u", o->jobs ? o->jobs : 1);
	/* A fresh tree every run (a kept workdir keeps only its object tree):
	 * hard links of a plain tree (git apply writes new files, never into a
	 * linked one), or the commit exported by git archive. */
	if (b->git)
		snprintf(script, sizeof(script), "rm -rf '%s' && mkdir -p '%s' '%s' && "
			 "git -C '%s' archive --format=tar %s | tar -x -C '%s'", w->tree, w->tree,
			 w->obj, b->repo, b->commit, w->tree);
	else
		snprintf(script, sizeof(script), "rm -rf '%s' && mkdir -p '%s' && cp -al '%s' '%s'",
			 w->tree, w->obj, b->tree, w->tree);
	if (th_krun(NULL, NULL, NULL, NULL, argv))
		return th_fail(err, EIO, b->what, "cannot make the bisect work tree in %s", w->dir);
	return 0;
}

int th_series_bisect(const struct th_sbase *base, const struct th_series *s,
		     const struct th_bisect_opts *o, struct th_bisect_result *res,
		     struct th_err *err)
{
	struct work w;
	size_t lo = 0, hi;
	char line[700];
	int r;

	memset(res, 0, sizeof(*res));
	memset(&w, 0, sizeof(w));
	res->n = s->n;
	r = prepare(&w, base, o, err);
	if (r)
		goto out;
	snprintf(res->obj, sizeof(res->obj), "%s", w.obj);
	if (!o->build) {
		r = default_config(&w, o, err);
		if (r)
			goto out;
	}
	/* Step 1: the whole series. Then the base is taken as good (it is the
	 * known-good kernel the series is for) and the bad range halved. */
	hi = s->n;
	for (size_t k = s->n;;) {
		struct th_bisect_step *st = &res->steps[res->nsteps];

		st->applied = k;
		snprintf(st->log, sizeof(st->log), "%s/step-%zu.log", w.dir, res->nsteps + 1);
		r = move_to(&w, s, k, st->log, err);
		if (r)
			goto out;
		step(&w, s, o, st, ++res->nsteps);
		if (o->progress) {
			snprintf(line, sizeof(line), "step %zu: %zu of %zu patches: %s in %.0f s%s%s",
				 res->nsteps, k, s->n, !st->built ? "build FAILED" :
				 !st->passed ? "test FAILED" : "good", st->seconds,
				 st->evidence[0] ? ": " : "", st->evidence);
			o->progress(o->ctx, line);
		}
		if (st->built && st->passed) {
			if (k == s->n)
				break;		/* the whole series is good */
			lo = k;
		} else {
			hi = k;
			memcpy(res->evidence, st->evidence, sizeof(res->evidence));
		}
		if (hi - lo <= 1 || res->nsteps == TH_BISECT_MAX_STEPS) {
			if (hi <= s->n && !(k == s->n && st->built && st->passed)) {
				res->found = 1;
				res->culprit = hi - 1;
				/* The culprit's own failure is the evidence. */
				for (size_t i = 0; i < res->nsteps; i++)
					if (res->steps[i].applied == hi)
						memcpy(res->evidence, res->steps[i].evidence,
						       sizeof(res->evidence));
			}
			break;
		}
		k = lo + (hi - lo) / 2;
	}
out:
	if (!o->workdir && w.dir[0])
		th_krmtree(w.dir);
	return r;
}
