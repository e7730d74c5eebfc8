// SPDX-License-Identifier: MIT
/* The patches of a kernel build: see patches.h. */
#include "kernel/patches.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/build.h"
#include "kernel/kbuild.h"
#include "kernel/series.h"
#include "util/err.h"
#include "util/file.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"	/* see build.c */
#endif

static int add(struct th_kpatches *l, const char *path)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	v[l->n] = strdup(path);
	return v[l->n] ? (int)(++l->n, 0) : -ENOMEM;
}

void th_kpatches_free(struct th_kpatches *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Patches are recorded by absolute path: patch(1) runs with -d in the build copy, where a
 * path relative to the caller's directory would no longer resolve. */
static int add_abs(struct th_kpatches *l, const char *path)
{
	char abs[PATH_MAX];

	if (!realpath(path, abs))
		return -errno;
	return add(l, abs);
}

static int read_series(const char *series, struct th_kpatches *l, struct th_err *err)
{
	char path[PATH_MAX + 256], *text = NULL, *line, *save = NULL, dir[PATH_MAX];
	size_t len = 0;
	const char *slash = strrchr(series, '/');
	int r;

	r = th_read_file(series, 1 << 20, &text, &len, err);
	if (r)
		return th_fail(err, -r, series, "cannot read series: %s", strerror(-r));
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - series) : 1,
		 slash ? series : ".");
	for (line = strtok_r(text, "\n", &save); line && !r;
	     line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, "#")] = 0;
		line[strcspn(line, " \t\r")] = 0;	/* "name.patch -p1": name only */
		if (!*line)
			continue;
		if (line[0] == '/')
			snprintf(path, sizeof(path), "%s", line);
		else
			snprintf(path, sizeof(path), "%s/%s", dir, line);
		if (access(path, R_OK))
			r = th_fail(err, ENOENT, series, "patch %s: %s", line, strerror(errno));
		else if (add_abs(l, path))
			r = th_fail(err, ENOMEM, series, "patch %s: cannot resolve or store its path", line);
	}
	free(text);
	return r;
}

/* Every *.patch in dir, in name order. */
static int read_dir(const char *dir, struct th_kpatches *l, struct th_err *err)
{
	char path[PATH_MAX + 256];
	DIR *d = opendir(dir);
	struct dirent *de;
	int r = 0;

	if (!d)
		return th_fail(err, errno, dir, "%s", strerror(errno));
	while ((de = readdir(d)) && !r) {
		size_t n = strlen(de->d_name);

		if (n > 6 && !strcmp(de->d_name + n - 6, ".patch")) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			if (add_abs(l, path))
				r = th_fail(err, ENOMEM, dir, "%s: cannot resolve or store its path", de->d_name);
		}
	}
	closedir(d);
	if (!r && !l->n)
		r = th_fail(err, ENOENT, dir, "no *.patch files");
	if (!r)
		qsort(l->v, l->n, sizeof(*l->v), th_kcmp_str);
	return r;
}

int th_kpatches_read(const struct th_kbuild_opts *o, struct th_kpatches *l, struct th_err *err)
{
	int r = 0;

	if (o->series) {
		r = read_series(o->series, l, err);
		for (size_t i = 0; !r && i < o->nmore_series; i++)
			r = read_series(o->more_series[i], l, err);
	} else if (o->patches) {
		r = read_dir(o->patches, l, err);
	}
	if (r)
		th_kpatches_free(l);
	return r;
}

int th_kpatches_verdicts(const struct th_ktree *t, const char *base_sha,
			 const struct th_kpatches *l, struct th_series *s,
			 struct th_status_run *run, struct th_err *err)
{
	struct th_sbase b;
	const struct th_series *sp[1] = { s };
	int r;

	r = th_series_from_paths(s, "series", l->v, l->n, err);
	if (r)
		return r;
	memset(&b, 0, sizeof(b));
	snprintf(b.what, sizeof(b.what), "%s", base_sha[0] ? base_sha : t->src);
	if (base_sha[0]) {
		snprintf(b.repo, sizeof(b.repo), "%s", t->src);
		snprintf(b.commit, sizeof(b.commit), "%s", base_sha);
		b.git = 1;
	} else {
		snprintf(b.tree, sizeof(b.tree), "%s", t->src);
	}
	return th_series_status(&b, sp, 1, NULL, run, err);
}

int th_kpatches_apply(const struct th_kpatches *l, const char *srcdir, const char *version,
		      const char *log, const struct th_kbuild_opts *o, struct th_err *err)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *argv[] = { "patch", "-p1", "-N", "--batch", "-d", srcdir,
				       "-i", l->v[i], NULL };
		char detail[64];

		snprintf(detail, sizeof(detail), "%zu/%zu", i + 1, l->n);
		if (o->progress)
			o->progress(o->ctx, "patch", (int)(100 * i / l->n), detail);
		if (th_krun(NULL, log, NULL, NULL, argv))
			return th_fail(err, EIO, l->v[i],
				       "patch %zu of %zu does not apply to %s; see %s",
				       i + 1, l->n, version, log);
	}
	return 0;
}
