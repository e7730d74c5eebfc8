// SPDX-License-Identifier: MIT
/*
 * The series engine: loading series, opening a base, and one verdict per
 * patch, every one of them decided by git (see series.h).
 *
 * Why a scratch tree of only the touched files: git apply reads and writes
 * only the files a patch names, so a tree holding just those files gives the
 * same answers as the whole kernel tree, costs a few KiB instead of 1.4 GiB,
 * and leaves the user's tree and repository untouched. Its own .git borrows
 * the base repository's objects (alternates), so git apply --3way finds the
 * preimage blobs a patch's "index" lines name.
 */
#include "kernel/series.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/kbuild.h"
#include "kernel/recipe.h"
#include "util/err.h"
#include "util/file.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

const char *th_pverdict_name(enum th_pverdict v)
{
	static const char *const names[] = {
		[TH_PV_CLEAN] = "applies",
		[TH_PV_OFFSET] = "applies-offset",
		[TH_PV_FUZZ] = "applies-fuzz",
		[TH_PV_3WAY] = "applies-3way",
		[TH_PV_UPSTREAM] = "upstream",
		[TH_PV_PARTIAL] = "partly-upstream",
		[TH_PV_CONFLICT] = "conflict",
	};

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "?";
}

int th_pverdict_needed(enum th_pverdict v)
{
	return v != TH_PV_UPSTREAM && v != TH_PV_CONFLICT;
}

/* ---- running git ------------------------------------------------------------ */

/* Git without the user's or the system's configuration (no hooks, no
 * aliases, no safe.directory surprises), with a fixed identity and dates so
 * that refreshed patches are reproducible. */
static const char *const git_env[] = {
	"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null", "LC_ALL=C",
	"GIT_AUTHOR_NAME=teehost", "GIT_AUTHOR_EMAIL=teehost@localhost",
	"GIT_COMMITTER_NAME=teehost", "GIT_COMMITTER_EMAIL=teehost@localhost",
	"GIT_AUTHOR_DATE=@0 +0000", "GIT_COMMITTER_DATE=@0 +0000", NULL,
};

/* Run argv in cwd; stdout and stderr (merged) into *out when out is given,
 * stdin from in_path (or /dev/null). Exit status, or -errno. */
static int run_cmd(const char *cwd, char **out, const char *in_path, const char *const *env,
	       const char *const *argv)
{
	int pfd[2] = { -1, -1 }, status;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	pid_t pid;

	if (out && pipe2(pfd, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		if (out) {
			close(pfd[0]);
			close(pfd[1]);
		}
		return -errno;
	}
	if (pid == 0) {
		int in = open(in_path ? in_path : "/dev/null", O_RDONLY | O_CLOEXEC);
		int o = out ? pfd[1] : open("/dev/null", O_WRONLY | O_CLOEXEC);

		if (in < 0 || o < 0 || dup2(in, 0) < 0 || dup2(o, 1) < 0 || dup2(o, 2) < 0)
			_exit(127);
		if (cwd && chdir(cwd))
			_exit(127);
		for (size_t i = 0; git_env[i]; i++)
			putenv((char *)git_env[i]);
		for (size_t i = 0; env && env[i]; i++)
			putenv((char *)env[i]);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (out) {
		close(pfd[1]);
		for (;;) {
			ssize_t n;

			if (cap - len < 4096) {
				char *nb = realloc(buf, cap ? cap * 2 : 8192);

				if (!nb)
					break;
				buf = nb;
				cap = cap ? cap * 2 : 8192;
			}
			n = read(pfd[0], buf + len, cap - len - 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			len += (size_t)n;
		}
		close(pfd[0]);
		if (!buf)
			buf = calloc(1, 1);
		if (buf)
			buf[len] = 0;
		*out = buf;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (out && !*out)
		return -ENOMEM;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int git(const char *cwd, char **out, const char *const *argv)
{
	return run_cmd(cwd, out, NULL, NULL, argv);
}

/* First line of S into buf (for evidence). */
static void first_line(char *buf, size_t len, const char *s)
{
	size_t n = strcspn(s ? s : "", "\n");

	snprintf(buf, len, "%.*s", (int)n, s ? s : "");
}

/* ---- loading series ----------------------------------------------------------- */

static int load_patch(struct th_spatch *sp, const char *path, const char *file,
		      struct th_err *err)
{
	char abs[PATH_MAX];
	int r;

	memset(sp, 0, sizeof(*sp));
	if (!realpath(path, abs))
		return th_fail(err, errno, path, "%s", strerror(errno));
	r = th_read_file(abs, 64 << 20, &sp->text, &sp->len, err);
	if (r)
		return th_fail(err, -r, path, "%s", strerror(-r));
	r = th_patch_parse(&sp->p, sp->text, sp->len, err);
	if (r) {
		th_err_prefix(err, path);
		free(sp->text);
		sp->text = NULL;
		return r;
	}
	sp->path = strdup(abs);
	sp->file = strdup(file);
	if (!sp->path || !sp->file)
		return th_fail(err, ENOMEM, path, "out of memory");
	return 0;
}

static int load_dir(struct th_series *s, const char *dir, struct th_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL, path[PATH_MAX + 256];
	size_t n = 0;
	int r = 0;

	if (!d)
		return th_fail(err, errno, dir, "%s", strerror(errno));
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char **nv;

		if (l <= 6 || strcmp(de->d_name + l - 6, ".patch"))
			continue;
		nv = realloc(names, (n + 1) * sizeof(*nv));
		if (!nv || !(nv[n] = strdup(de->d_name))) {
			names = nv ? nv : names;
			r = th_fail(err, ENOMEM, dir, "out of memory");
			break;
		}
		names = nv;
		n++;
	}
	closedir(d);
	if (!r && !n)
		r = th_fail(err, ENOENT, dir, "no *.patch files");
	if (!r) {
		qsort(names, n, sizeof(*names), th_kcmp_str);
		s->v = calloc(n, sizeof(*s->v));
		if (!s->v)
			r = th_fail(err, ENOMEM, dir, "out of memory");
	}
	for (size_t i = 0; !r && i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		r = load_patch(&s->v[i], path, names[i], err);
		if (!r)
			s->n++;
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int load_series_file(struct th_series *s, const char *path, struct th_err *err)
{
	struct th_series_file sf;
	char *text = NULL, dir[PATH_MAX], p[2 * PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t len = 0;
	int r;

	r = th_read_file(path, 1 << 20, &text, &len, err);
	if (r)
		return th_fail(err, -r, path, "%s", strerror(-r));
	r = th_series_parse(&sf, text, len, err);
	free(text);
	if (r) {
		th_err_prefix(err, path);
		return r;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	s->v = calloc(sf.n, sizeof(*s->v));
	if (!s->v) {
		th_series_file_free(&sf);
		return th_fail(err, ENOMEM, path, "out of memory");
	}
	for (size_t i = 0; !r && i < sf.n; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, sf.v[i].name);
		if (access(p, R_OK)) {
			r = th_fail(err, errno, path, "line %u: patch %s: %s", sf.v[i].line,
				    sf.v[i].name, strerror(errno));
			break;
		}
		r = load_patch(&s->v[i], p, sf.v[i].name, err);
		if (!r)
			s->n++;
	}
	th_series_file_free(&sf);
	return r;
}

static void set_label(struct th_series *s, const char *label, const char *path)
{
	char tmp[PATH_MAX], *base, *slash;
	size_t n;

	if (label && *label) {
		snprintf(s->label, sizeof(s->label), "%s", label);
		return;
	}
	/* ".../sgx-patches/series" -> "sgx-patches"; ".../sgx-patches/" -> "sgx-patches" */
	snprintf(tmp, sizeof(tmp), "%s", path);
	n = strlen(tmp);
	while (n > 1 && tmp[n - 1] == '/')
		tmp[--n] = 0;
	slash = strrchr(tmp, '/');
	base = slash ? slash + 1 : tmp;
	if (!strcmp(base, "series") && slash) {
		*slash = 0;
		slash = strrchr(tmp, '/');
		base = slash ? slash + 1 : tmp;
	}
	snprintf(s->label, sizeof(s->label), "%s", *base && strcmp(base, ".") ? base : "series");
}

static int load_recipe_series(struct th_series *s, const char *path, struct th_err *err)
{
	struct th_krecipe rec;
	char *text = NULL, dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t len = 0;
	int r;

	r = th_read_file(path, 1 << 20, &text, &len, err);
	if (r)
		return th_fail(err, -r, path, "%s", strerror(-r));
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	r = th_krecipe_parse(&rec, text, len, dir, err);
	free(text);
	if (r) {
		th_err_prefix(err, path);
		return r;
	}
	if (rec.series) {
		r = load_series_file(s, rec.series, err);
		/* More series: appended, each in its own order. */
		for (size_t i = 0; !r && i < rec.nmore_series; i++) {
			struct th_series more;
			struct th_spatch *v;

			memset(&more, 0, sizeof(more));
			r = load_series_file(&more, rec.more_series[i], err);
			v = r ? NULL : realloc(s->v, (s->n + more.n) * sizeof(*v));
			if (!r && !v)
				r = th_fail(err, ENOMEM, path, "out of memory");
			if (!r) {
				s->v = v;
				memcpy(s->v + s->n, more.v, more.n * sizeof(*v));
				s->n += more.n;
				free(more.v);
			} else {
				th_series_free(&more);
			}
		}
	} else if (rec.patches)
		r = load_dir(s, rec.patches, err);
	else
		r = th_fail(err, EINVAL, path, "series: the recipe names no series or patches");
	if (!r && rec.name)
		snprintf(s->label, sizeof(s->label), "%s", rec.name);
	if (!r && rec.nprofiles) {
		s->profiles = calloc(rec.nprofiles, sizeof(char *));
		for (size_t i = 0; s->profiles && i < rec.nprofiles; i++) {
			s->profiles[i] = rec.profiles[i];
			rec.profiles[i] = NULL;
			s->nprofiles++;
		}
	}
	if (!r && rec.base) {
		s->base_config = rec.base;
		rec.base = NULL;
	}
	th_krecipe_free(&rec);
	return r;
}

int th_series_load(struct th_series *s, const char *path, const char *label,
		   struct th_err *err)
{
	struct stat st;
	size_t n = strlen(path);
	int r;

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s", path);
	if (stat(path, &st))
		return th_fail(err, errno, path, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		r = load_dir(s, path, err);
	else if (n > 7 && !strcmp(path + n - 7, ".recipe"))
		r = load_recipe_series(s, path, err);
	else
		r = load_series_file(s, path, err);
	if (r) {
		th_series_free(s);
		return r;
	}
	if (!s->label[0])
		set_label(s, label, path);
	else if (label && *label)
		snprintf(s->label, sizeof(s->label), "%s", label);
	return 0;
}

int th_series_from_paths(struct th_series *s, const char *label, char *const *paths, size_t n,
			 struct th_err *err)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->label, sizeof(s->label), "%s", label);
	s->v = calloc(n ? n : 1, sizeof(*s->v));
	if (!s->v)
		return th_fail(err, ENOMEM, "series", "out of memory");
	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(paths[i], '/');
		int r = load_patch(&s->v[i], paths[i], slash ? slash + 1 : paths[i], err);

		if (r) {
			th_series_free(s);
			return r;
		}
		s->n++;
	}
	return 0;
}

void th_series_free(struct th_series *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].file);
		free(s->v[i].text);
		th_patch_free(&s->v[i].p);
	}
	free(s->v);
	for (size_t i = 0; i < s->nprofiles; i++)
		free(s->profiles[i]);
	free(s->profiles);
	free(s->base_config);
	memset(s, 0, sizeof(*s));
}

/* ---- the base ------------------------------------------------------------------ */

static void chomp(char *s)
{
	s[strcspn(s, "\n")] = 0;
}

int th_sbase_open(struct th_sbase *b, const char *onto, const char *repo, struct th_err *err)
{
	struct stat st;
	char *out = NULL, spec[600];
	int r;

	memset(b, 0, sizeof(*b));
	snprintf(b->what, sizeof(b->what), "%s", onto);
	if (!stat(onto, &st) && S_ISDIR(st.st_mode)) {
		const char *top[] = { "git", "-C", onto, "rev-parse", "--show-toplevel", NULL };

		if (!realpath(onto, b->tree))
			return th_fail(err, errno, onto, "%s", strerror(errno));
		if (git(NULL, &out, top) == 0 && (chomp(out), !strcmp(out, b->tree))) {
			const char *dirty[] = { "git", "-C", b->tree, "status", "--porcelain",
						"--untracked-files=no", NULL };
			const char *head[] = { "git", "-C", b->tree, "rev-parse", "--verify",
					       "--quiet", "HEAD^{commit}", NULL };

			free(out);
			out = NULL;
			if (git(NULL, &out, dirty) || (out && *out)) {
				char l[160];

				first_line(l, sizeof(l), out);
				free(out);
				return th_fail(err, EBUSY, onto, "work tree has uncommitted changes "
					       "(%s): commit or stash them, or name a ref", l);
			}
			free(out);
			out = NULL;
			if (git(NULL, &out, head)) {
				free(out);
				return th_fail(err, EINVAL, onto, "git work tree without a commit");
			}
			chomp(out);
			snprintf(b->commit, sizeof(b->commit), "%s", out);
			snprintf(b->repo, sizeof(b->repo), "%s", b->tree);
			b->git = 1;
		}
		free(out);
		return 0;
	}
	/* A ref: in REPO (default: the current directory's repository). */
	{
		const char *top[] = { "git", "-C", repo ? repo : ".", "rev-parse",
				      "--show-toplevel", NULL };

		r = git(NULL, &out, top);
		if (r) {
			free(out);
			return th_fail(err, ENOENT, onto, "neither a directory nor a ref: %s is not "
				       "a git repository (give --repo DIR)", repo ? repo : ".");
		}
		chomp(out);
		snprintf(b->repo, sizeof(b->repo), "%s", out);
		free(out);
		out = NULL;
	}
	if (strlen(onto) > 256 || onto[0] == '-')
		return th_fail(err, EINVAL, onto, "not a commit in %s", b->repo);
	snprintf(spec, sizeof(spec), "%s^{commit}", onto);
	{
		const char *verify[] = { "git", "-C", b->repo, "rev-parse", "--verify", "--quiet",
					 "--end-of-options", spec, NULL };

		r = git(NULL, &out, verify);
		if (r || !out || strspn(out, "0123456789abcdef") != 40) {
			free(out);
			return th_fail(err, EINVAL, onto, "not a commit in %s", b->repo);
		}
	}
	chomp(out);
	snprintf(b->commit, sizeof(b->commit), "%s", out);
	free(out);
	b->git = 1;
	return 0;
}

/* ---- the scratch tree -------------------------------------------------------------- */

struct scratch {
	char dir[PATH_MAX];	/* mkdtemp: holds t/ and temp files */
	char t[PATH_MAX + 8];	/* the tree (its own git repository) */
	int committed;		/* HEAD exists and the index matches the tree */
};

static int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t w = -1;

	if (fd < 0)
		return -errno;
	while (len) {
		w = write(fd, data, len);
		if (w <= 0)
			break;
		data += w;
		len -= (size_t)w;
	}
	if (close(fd) || len)
		return -EIO;
	return 0;
}

/* Every path the series touch, one per line, each once. */
static char *touched_paths(const struct th_series *const *series, size_t n, size_t *count)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const char **seen = NULL;
	size_t nseen = 0;

	*count = 0;
	if (!f)
		return NULL;
	for (size_t s = 0; s < n; s++)
		for (size_t i = 0; i < series[s]->n; i++)
			for (size_t j = 0; j < series[s]->v[i].p.nfiles; j++) {
				const char *p = series[s]->v[i].p.files[j].path;
				size_t k;
				const char **ns;

				for (k = 0; k < nseen && strcmp(seen[k], p); k++)
					;
				if (k < nseen)
					continue;
				ns = realloc(seen, (nseen + 1) * sizeof(*ns));
				if (!ns)
					continue;
				seen = ns;
				seen[nseen++] = p;
				fprintf(f, "%s\n", p);
			}
	free(seen);
	fclose(f);
	*count = nseen;
	return buf;
}

static int scratch_commit(struct scratch *sc, const char *msg, const char *author,
			  int allow_empty)
{
	const char *add[] = { "git", "add", "-A", NULL };
	const char *commit[] = { "git", "commit", "-q", "--no-verify",
				 allow_empty ? "--allow-empty" : "-q",
				 author ? "--author" : "-m", author ? author : msg,
				 author ? "-m" : NULL, msg, NULL };
	char *out = NULL;
	int r;

	r = git(sc->t, NULL, add);
	if (!r)
		r = git(sc->t, &out, commit);
	free(out);
	if (!r)
		sc->committed = 1;
	return r ? -EIO : 0;
}

/* Fill the scratch tree with the base's version of every touched file. */
static int scratch_make(struct scratch *sc, const struct th_sbase *b, const char *parent,
			const struct th_series *const *series, size_t n, struct th_err *err)
{
	char list[PATH_MAX + 16], tar[PATH_MAX + 16], *paths, *out = NULL;
	size_t count;
	int r;

	memset(sc, 0, sizeof(*sc));
	if (parent) {
		snprintf(sc->dir, sizeof(sc->dir), "%s", parent);
		if (mkdir(sc->dir, 0755))
			return th_fail(err, errno, parent, "%s", strerror(errno));
	} else {
		r = th_kmkdtemp(sc->dir, sizeof(sc->dir), "teehost-series-", err);
		if (r)
			return r;
	}
	snprintf(sc->t, sizeof(sc->t), "%s/t", sc->dir);
	{
		const char *init[] = { "git", "init", "-q", sc->t, NULL };

		if (git(NULL, NULL, init))
			return th_fail(err, EIO, sc->dir, "git init failed (is git installed?)");
	}
	paths = touched_paths(series, n, &count);
	if (!paths)
		return th_fail(err, ENOMEM, "series", "out of memory");
	snprintf(list, sizeof(list), "%s/paths", sc->dir);
	snprintf(tar, sizeof(tar), "%s/base.tar", sc->dir);
	r = write_file(list, paths, strlen(paths));
	free(paths);
	if (r)
		return th_fail(err, -r, list, "%s", strerror(-r));
	if (b->git) {
		char alt[PATH_MAX + 64], objs[PATH_MAX + 16];
		const char *gdir[] = { "git", "-C", b->repo, "rev-parse", "--path-format=absolute",
				       "--git-common-dir", NULL };

		if (git(NULL, &out, gdir)) {
			free(out);
			return th_fail(err, EIO, b->repo, "git rev-parse --git-common-dir failed");
		}
		chomp(out);
		snprintf(objs, sizeof(objs), "%s/objects\n", out);
		free(out);
		out = NULL;
		snprintf(alt, sizeof(alt), "%s/.git/objects/info/alternates", sc->t);
		r = write_file(alt, objs, strlen(objs));
		if (r)
			return th_fail(err, -r, alt, "%s", strerror(-r));
		/* The base's entries for the touched paths (ls-tree prints exactly what
		 * update-index --index-info reads), then those files checked out. */
		{
			const char *fill[] = { "sh", "-c",
				"xargs -r -d '\\n' -a \"$1\" git -C \"$2\" ls-tree -r --full-tree "
				"\"$0\" -- | git update-index --index-info && git checkout-index -a -q",
				b->commit, list, b->repo, NULL };

			if (run_cmd(sc->t, &out, NULL, NULL, fill)) {
				char l[160];

				first_line(l, sizeof(l), out);
				free(out);
				return th_fail(err, EIO, b->what, "cannot check out the touched "
					       "files: %s", l);
			}
			free(out);
			out = NULL;
		}
		{
			const char *commit[] = { "git", "commit", "-q", "--allow-empty",
						 "--no-verify", "-m", "base", NULL };

			if (git(sc->t, NULL, commit))
				return th_fail(err, EIO, b->what, "git commit in the scratch tree failed");
			sc->committed = 1;
		}
	} else {
		/* tar only the touched files that exist in the tree. */
		const char *filt[] = { "sh", "-c",
			"cd \"$0\" && while IFS= read -r p; do [ -e \"$p\" ] || [ -L \"$p\" ] && "
			"printf '%s\\n' \"$p\"; done < \"$1\" > \"$2\"; "
			"tar -C \"$0\" -cf - -T \"$2\" | tar -C \"$3\" -xf -",
			b->tree, list, tar, sc->t, NULL };

		if (run_cmd(NULL, &out, NULL, NULL, filt)) {
			char l[160];

			first_line(l, sizeof(l), out);
			free(out);
			return th_fail(err, EIO, b->tree, "cannot copy the touched files: %s", l);
		}
		free(out);
	}
	return 0;
}

/* ---- patch-ids -------------------------------------------------------------------- */

struct pid_map {
	char (*pid)[41];
	char (*commit)[41];
	char **subject;
	size_t n;
};

static void pid_map_free(struct pid_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->subject[i]);
	free(m->pid);
	free(m->commit);
	free(m->subject);
	memset(m, 0, sizeof(*m));
}

/* "PID COMMIT" lines from git patch-id. */
static int parse_patch_ids(const char *text, struct pid_map *m)
{
	for (const char *p = text; p && *p;) {
		const char *e = strchr(p, '\n');

		if (strspn(p, "0123456789abcdef") == 40 && p[40] == ' ' &&
		    strspn(p + 41, "0123456789abcdef") == 40) {
			void *a = realloc(m->pid, (m->n + 1) * sizeof(*m->pid));

			if (!a)
				return -ENOMEM;
			m->pid = a;
			a = realloc(m->commit, (m->n + 1) * sizeof(*m->commit));
			if (!a)
				return -ENOMEM;
			m->commit = a;
			a = realloc(m->subject, (m->n + 1) * sizeof(*m->subject));
			if (!a)
				return -ENOMEM;
			m->subject = a;
			memcpy(m->pid[m->n], p, 40);
			m->pid[m->n][40] = 0;
			memcpy(m->commit[m->n], p + 41, 40);
			m->commit[m->n][40] = 0;
			m->subject[m->n] = NULL;
			m->n++;
		}
		p = e ? e + 1 : NULL;
	}
	return 0;
}

/* Patch-ids of the series (one git patch-id over all of them) and of the
 * base's history limited to the touched paths. */
static void compute_patch_ids(struct scratch *sc, const struct th_sbase *b,
			      const struct th_series *const *series, size_t n, unsigned depth,
			      struct pid_map *hist, struct th_status_run *run)
{
	char stream[PATH_MAX + 16], logf[PATH_MAX + 16], list[PATH_MAX + 16], maxc[32];
	char *out = NULL;
	FILE *f;
	size_t k = 0;

	if (!b->git) {
		snprintf(run->patch_id_note, sizeof(run->patch_id_note),
			 "the base has no git history: patch-id not compared, a miss proves nothing");
		return;
	}
	snprintf(stream, sizeof(stream), "%s/series.stream", sc->dir);
	f = fopen(stream, "w");
	if (!f)
		return;
	for (size_t s = 0; s < n; s++)
		for (size_t i = 0; i < series[s]->n; i++, k++) {
			const struct th_spatch *sp = &series[s]->v[i];

			fprintf(f, "commit %040zx\n\n", k);
			fwrite(sp->text + sp->p.diff_off, 1, sp->len - sp->p.diff_off, f);
			if (sp->len && sp->text[sp->len - 1] != '\n')
				fputc('\n', f);
		}
	fclose(f);
	{
		const char *pid[] = { "git", "patch-id", "--stable", NULL };
		struct pid_map mine = { 0 };

		if (run_cmd(sc->t, &out, stream, NULL, pid) == 0 && !parse_patch_ids(out, &mine)) {
			for (size_t i = 0; i < mine.n; i++) {
				unsigned long idx = strtoul(mine.commit[i], NULL, 16);

				if (idx < run->n)
					snprintf(run->v[idx].patch_id, 41, "%s", mine.pid[i]);
			}
		}
		pid_map_free(&mine);
		free(out);
		out = NULL;
	}
	/* History: only commits that touch the series' files, newest first. */
	snprintf(logf, sizeof(logf), "%s/base.log", sc->dir);
	snprintf(list, sizeof(list), "%s/paths", sc->dir);
	snprintf(maxc, sizeof(maxc), "--max-count=%u", depth ? depth : 20000);
	{
		const char *lg[] = { "sh", "-c",
			"git -C \"$0\" log -p --no-merges --no-color --format='commit %H%n%s' \"$1\" "
			"\"$2\" -- $(cat \"$3\") > \"$4\"",
			b->repo, maxc, b->commit, list, logf, NULL };
		const char *pid[] = { "git", "patch-id", "--stable", NULL };

		if (run_cmd(NULL, NULL, NULL, NULL, lg) || run_cmd(sc->t, &out, logf, NULL, pid) ||
		    parse_patch_ids(out, hist)) {
			snprintf(run->patch_id_note, sizeof(run->patch_id_note),
				 "git log/patch-id of the base failed: patch-id not compared");
			free(out);
			return;
		}
		free(out);
	}
	/* Subjects of the matching commits, for the evidence. */
	{
		char *text = NULL;
		size_t len = 0;

		if (!th_read_file(logf, 1u << 30, &text, &len, NULL)) {
			for (size_t i = 0; i < hist->n; i++) {
				char needle[64], *p;

				snprintf(needle, sizeof(needle), "commit %s\n", hist->commit[i]);
				p = strstr(text, needle);
				if (p) {
					p += strlen(needle);
					hist->subject[i] = strndup(p, strcspn(p, "\n"));
				}
			}
			free(text);
		}
	}
	run->patch_id_used = 1;
	snprintf(run->patch_id_note, sizeof(run->patch_id_note),
		 "patch-id compared with %zu commit(s) of %.12s's history touching these files",
		 hist->n, b->commit);
}

/* ---- one verdict --------------------------------------------------------------- */

static int apply(struct scratch *sc, char **out, const char *patch, const char *o1,
		 const char *o2, const char *o3)
{
	const char *argv[] = { "git", "apply", o1 ? o1 : patch, o1 ? (o2 ? o2 : patch) : NULL,
			       o1 && o2 ? (o3 ? o3 : patch) : NULL, o1 && o2 && o3 ? patch : NULL,
			       NULL };
	char *tmp = NULL;
	int r = git(sc->t, out ? out : &tmp, argv);

	free(tmp);
	return r;
}

/* Offsets git reported: "Hunk #1 succeeded at 8 (offset 1 line)." lines. */
static int offsets(const char *out, char *ev, size_t len)
{
	int found = 0;
	size_t used = 0;

	ev[0] = 0;
	for (const char *p = out; p && *p;) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (memmem(p, n, "succeeded at", 12) && used + n + 3 < len) {
			used += (size_t)snprintf(ev + used, len - used, "%s%.*s", found ? "; " : "",
						 (int)n, p);
			found = 1;
		}
		p = e ? e + 1 : NULL;
	}
	return found;
}

enum hunk_state { H_NEEDED, H_FUZZ, H_PRESENT, H_PRESENT_CTX, H_FAIL };

static int write_hunk(struct scratch *sc, const struct th_spatch *sp, const struct th_pfile *f,
		      const struct th_phunk *h, char *path, size_t len)
{
	FILE *o;

	snprintf(path, len, "%s/hunk.patch", sc->dir);
	o = fopen(path, "w");
	if (!o)
		return -errno;
	fwrite(sp->text + f->hdr_off, 1, f->hdr_len, o);
	fwrite(sp->text + h->off, 1, h->len, o);
	if (h->len && sp->text[h->off + h->len - 1] != '\n')
		fputc('\n', o);
	return fclose(o) ? -EIO : 0;
}

static enum hunk_state hunk_state(struct scratch *sc, const char *hp)
{
	if (!apply(sc, NULL, hp, "-R", "--check", NULL))
		return H_PRESENT;
	if (!apply(sc, NULL, hp, "--check", NULL, NULL))
		return H_NEEDED;
	if (!apply(sc, NULL, hp, "-R", "-C0", "--check"))
		return H_PRESENT_CTX;
	if (!apply(sc, NULL, hp, "-C1", "--check", NULL))
		return H_FUZZ;
	return H_FAIL;
}

static void append(char *buf, size_t len, const char *fmt, const char *a, size_t b)
{
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, fmt, a, b);
}

static int reset_to_head(struct scratch *sc)
{
	const char *reset[] = { "git", "reset", "-q", "--hard", NULL };
	const char *clean[] = { "git", "clean", "-q", "-f", "-d", NULL };

	return git(sc->t, NULL, reset) || git(sc->t, NULL, clean) ? -EIO : 0;
}

/* Per hunk, when the whole patch neither applies nor reverse-applies. */
/* Last: a 3-way merge with the blobs the patch's index lines name; on failure the patch is a
 * conflict (the scratch tree is reset unless stop_on_conflict). */
static void judge_3way(struct scratch *sc, const struct th_spatch *sp, struct th_pstatus *ps,
		       int stop_on_conflict)
{
	char *out = NULL, l[200];
	int r;

	/* Commit what is applied so far, so a failed merge can be undone. */
	scratch_commit(sc, "state", NULL, !sc->committed);
	r = apply(sc, &out, sp->path, "--3way", NULL, NULL);
	first_line(l, sizeof(l), out && strstr(out, "error:") ? strstr(out, "error:") :
		   out);
	if (!r) {
		ps->verdict = TH_PV_3WAY;
		snprintf(ps->method, sizeof(ps->method), "git apply --3way");
		snprintf(ps->evidence, sizeof(ps->evidence), "merged with the base's blobs "
			 "(the plain apply failed at %s hunk #%u)", ps->file, ps->hunk);
	} else {
		size_t used = strlen(ps->evidence);

		ps->verdict = TH_PV_CONFLICT;
		snprintf(ps->method, sizeof(ps->method), "git apply, -R, -C1 and --3way");
		if (!used)
			used = (size_t)snprintf(ps->evidence, sizeof(ps->evidence),
						"%s does not apply", ps->file);
		if (used < sizeof(ps->evidence))
			snprintf(ps->evidence + used, sizeof(ps->evidence) - used,
				 "; git apply --3way: %s",
				 strstr(out ? out : "", "with conflicts") ?
				 "conflicts" : (l[0] ? l : "failed"));
		if (!stop_on_conflict)
			reset_to_head(sc);
	}
	free(out);
}

static void judge_hunks(struct scratch *sc, const struct th_spatch *sp, struct th_pstatus *ps,
			int stop_on_conflict)
{
	char present[256] = "", needed[256] = "", hp[PATH_MAX + 16];
	size_t npresent = 0, nneeded = 0, nfuzz = 0, nctx = 0, total = 0;
	enum hunk_state *st;
	int failed = 0;

	for (size_t i = 0; i < sp->p.nfiles; i++)
		total += sp->p.files[i].nhunks + (sp->p.files[i].binary || !sp->p.files[i].nhunks);
	st = calloc(total ? total : 1, sizeof(*st));
	if (!st)
		return;
	total = 0;
	for (size_t i = 0; i < sp->p.nfiles && !failed; i++) {
		const struct th_pfile *f = &sp->p.files[i];

		if (f->binary || !f->nhunks) {
			/* mode changes, renames, binaries: whole-file only */
			failed = 1;
			snprintf(ps->file, sizeof(ps->file), "%s", f->path);
			ps->hunk = 0;
			break;
		}
		for (size_t j = 0; j < f->nhunks; j++, total++) {
			if (write_hunk(sc, sp, f, &f->hunks[j], hp, sizeof(hp))) {
				failed = 1;
				break;
			}
			st[total] = hunk_state(sc, hp);
			if (st[total] == H_PRESENT || st[total] == H_PRESENT_CTX) {
				npresent++;
				nctx += st[total] == H_PRESENT_CTX;
				append(present, sizeof(present), "%s#%zu ", f->path, j + 1);
			} else if (st[total] == H_FAIL) {
				failed = 1;
				snprintf(ps->file, sizeof(ps->file), "%s", f->path);
				ps->hunk = (unsigned)(j + 1);
				snprintf(ps->evidence, sizeof(ps->evidence),
					 "%s hunk #%zu (@@ -%u,%u +%u,%u @@, patch line %u) neither "
					 "applies nor is present", f->path, j + 1, f->hunks[j].old_start,
					 f->hunks[j].old_len, f->hunks[j].new_start, f->hunks[j].new_len,
					 f->hunks[j].line);
				break;
			} else {
				nneeded++;
				nfuzz += st[total] == H_FUZZ;
				append(needed, sizeof(needed), "%s#%zu ", f->path, j + 1);
			}
		}
	}
	if (!failed && !nneeded) {
		ps->verdict = TH_PV_UPSTREAM;
		snprintf(ps->method, sizeof(ps->method), "per hunk: git apply -R --check%s",
			 nctx ? " (-C0: context ignored)" : "");
		snprintf(ps->evidence, sizeof(ps->evidence), "every hunk's change is in the base: "
			 "%s%s", present, nctx ? "(context differs: reworked upstream)" : "");
	} else if (!failed && npresent) {
		/* Apply only the hunks still needed, in order. */
		total = 0;
		for (size_t i = 0; i < sp->p.nfiles && !failed; i++)
			for (size_t j = 0; j < sp->p.files[i].nhunks; j++, total++) {
				if (st[total] != H_NEEDED && st[total] != H_FUZZ)
					continue;
				if (write_hunk(sc, sp, &sp->p.files[i], &sp->p.files[i].hunks[j], hp,
					       sizeof(hp)) || apply(sc, NULL, hp, "-C1", NULL, NULL)) {
					failed = 1;
					snprintf(ps->file, sizeof(ps->file), "%s", sp->p.files[i].path);
					ps->hunk = (unsigned)(j + 1);
					snprintf(ps->evidence, sizeof(ps->evidence), "%s hunk #%zu applies "
						 "alone but not after the others", sp->p.files[i].path, j + 1);
					break;
				}
			}
		if (!failed) {
			ps->verdict = TH_PV_PARTIAL;
			snprintf(ps->method, sizeof(ps->method), "per hunk: git apply -R --check / "
				 "git apply");
			snprintf(ps->evidence, sizeof(ps->evidence), "in the base: %s; still needed "
				 "(applied): %s", present, needed);
		}
	} else if (!failed) {
		if (!apply(sc, NULL, sp->path, "-C1", NULL, NULL)) {
			ps->verdict = TH_PV_FUZZ;
			snprintf(ps->method, sizeof(ps->method), "git apply -C1");
			snprintf(ps->evidence, sizeof(ps->evidence), "applies with 1 line of context "
				 "(fuzz): %s", needed);
		} else {
			failed = 1;
			snprintf(ps->evidence, sizeof(ps->evidence), "hunks apply one by one (-C1) "
				 "but not together: %s", needed);
		}
	}
	free(st);
	if (!failed)
		return;
	judge_3way(sc, sp, ps, stop_on_conflict);
}

static void judge(struct scratch *sc, const struct th_spatch *sp, const struct pid_map *hist,
		  struct th_pstatus *ps, int stop_on_conflict)
{
	char *out = NULL;

	/* 1. An equal patch-id in the base's history: the same change went in. */
	for (size_t i = 0; ps->patch_id[0] && i < hist->n; i++)
		if (!strcmp(hist->pid[i], ps->patch_id)) {
			ps->verdict = TH_PV_UPSTREAM;
			snprintf(ps->method, sizeof(ps->method), "git patch-id");
			snprintf(ps->upstream, sizeof(ps->upstream), "%s", hist->commit[i]);
			snprintf(ps->evidence, sizeof(ps->evidence), "same patch-id as %.12s (\"%s\")",
				 hist->commit[i], hist->subject[i] ? hist->subject[i] : "");
			return;
		}
	/* 2. It applies, as is or at other lines. */
	if (!apply(sc, &out, sp->path, "-v", NULL, NULL)) {
		ps->verdict = offsets(out, ps->evidence, sizeof(ps->evidence)) ? TH_PV_OFFSET :
			      TH_PV_CLEAN;
		snprintf(ps->method, sizeof(ps->method), "git apply");
		free(out);
		return;
	}
	free(out);
	/* 3. It reverse-applies: every change is already there, context and all. */
	if (!apply(sc, NULL, sp->path, "-R", "--check", NULL)) {
		ps->verdict = TH_PV_UPSTREAM;
		snprintf(ps->method, sizeof(ps->method), "git apply -R --check (reverse-apply)");
		snprintf(ps->evidence, sizeof(ps->evidence), "the whole patch reverse-applies "
			 "to the base");
		return;
	}
	/* 4. Hunk by hunk. */
	judge_hunks(sc, sp, ps, stop_on_conflict);
}

/* The commit message for an applied patch, and its author "Name <mail>". */
static int commit_patch(struct scratch *sc, const struct th_spatch *sp)
{
	char *msg = NULL;
	const char *author = sp->p.author && strchr(sp->p.author, '<') &&
			     strchr(sp->p.author, '>') ? sp->p.author : NULL;
	int r;

	if (asprintf(&msg, "%s%s%s", sp->p.subject[0] ? sp->p.subject : sp->file,
		     sp->p.body[0] ? "\n\n" : "", sp->p.body) < 0)
		return -ENOMEM;
	r = scratch_commit(sc, msg, author, 1);
	free(msg);
	return r;
}

int th_series_status(const struct th_sbase *base, const struct th_series *const *series,
		     size_t n, const struct th_status_opts *o, struct th_status_run *run,
		     struct th_err *err)
{
	static const struct th_status_opts defaults = { 0 };
	struct scratch sc;
	struct pid_map hist = { 0 };
	size_t total = 0, k = 0;
	int r;

	if (!o)
		o = &defaults;
	memset(run, 0, sizeof(*run));
	run->base = base;
	for (size_t s = 0; s < n; s++)
		total += series[s]->n;
	run->v = calloc(total ? total : 1, sizeof(*run->v));
	if (!run->v)
		return th_fail(err, ENOMEM, "series", "out of memory");
	run->n = total;
	for (size_t s = 0; s < n; s++)
		for (size_t i = 0; i < series[s]->n; i++, k++) {
			run->v[k].series = series[s];
			run->v[k].index = i;
		}
	if (o->resume) {
		memset(&sc, 0, sizeof(sc));
		snprintf(sc.dir, sizeof(sc.dir), "%s", o->scratch_dir);
		snprintf(sc.t, sizeof(sc.t), "%s/t", sc.dir);
		sc.committed = 1;
		r = 0;
	} else {
		r = scratch_make(&sc, base, o->scratch_dir, series, n, err);
	}
	if (r) {
		if (sc.dir[0] && !o->scratch_dir)
			th_krmtree(sc.dir);
		return r;
	}
	snprintf(run->scratch, sizeof(run->scratch), "%s", sc.dir);
	if (o->commit_each && !sc.committed)
		scratch_commit(&sc, "base", NULL, 1);
	if (o->commit_each && !o->resume) {
		const char *tag[] = { "git", "tag", "-f", "teehost-base", NULL };

		git(sc.t, NULL, tag);
	}
	compute_patch_ids(&sc, base, series, n, o->patch_id_depth, &hist, run);
	run->stopped = total;
	for (k = o->resume ? o->start : 0; k < total; k++) {
		struct th_pstatus *ps = &run->v[k];
		const struct th_spatch *sp = &ps->series->v[ps->index];

		judge(&sc, sp, &hist, ps, o->stop_on_conflict);
		if (ps->verdict == TH_PV_CONFLICT) {
			run->conflicts++;
			if (o->stop_on_conflict) {
				run->stopped = k;
				break;
			}
			continue;
		}
		if (ps->verdict == TH_PV_UPSTREAM) {
			run->upstream++;
			continue;
		}
		run->needed++;
		run->partial += ps->verdict == TH_PV_PARTIAL;
		if (o->commit_each && commit_patch(&sc, sp)) {
			r = th_fail(err, EIO, sp->path, "git commit in %s failed", sc.t);
			break;
		}
	}
	pid_map_free(&hist);
	if (!o->keep_scratch && !o->scratch_dir)
		th_krmtree(sc.dir);
	return r;
}

void th_status_run_free(struct th_status_run *run)
{
	free(run->v);
	memset(run, 0, sizeof(*run));
}
