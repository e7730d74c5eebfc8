// SPDX-License-Identifier: MIT
/* Kernel build, packaging and manifest: see build.h. */
#include "kernel/build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/configure.h"
#include "kernel/kbuild.h"
#include "kernel/proof.h"
#include "kernel/series.h"
#include "util/err.h"
#include "util/file.h"
#include "util/json.h"
#include "util/kconfig.h"

/* Paths here are built from PATH_MAX-bounded parts; the kernel refuses
 * longer ones anyway (ENAMETOOLONG at open/exec), so truncation cannot turn
 * into a wrong file silently: every use goes through a syscall that fails. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

int th_ksha256_file(const char *path, char hex[65])
{
	unsigned char buf[65536], md[32];
	EVP_MD_CTX *ctx;
	unsigned mdlen = 0;
	ssize_t n;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ctx = EVP_MD_CTX_new();
	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
		r = -ENOMEM;
		goto out;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, (size_t)n);
	if (n < 0)
		r = -errno;
	else if (!EVP_DigestFinal_ex(ctx, md, &mdlen))
		r = -EIO;
	for (unsigned i = 0; !r && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
out:
	EVP_MD_CTX_free(ctx);
	close(fd);
	return r;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress(const struct th_kbuild_opts *o, const char *phase, int pct,
		     const char *detail)
{
	if (o->progress)
		o->progress(o->ctx, phase, pct, detail);
}

/* ---- patch list ----------------------------------------------------------- */

struct plist {
	char **v;
	size_t n;
};

static int plist_add(struct plist *l, const char *path)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	l->v = v;
	v[l->n] = strdup(path);
	return v[l->n] ? (int)(++l->n, 0) : -ENOMEM;
}

static void plist_free(struct plist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Patches are recorded by absolute path: patch(1) runs with -d in the build copy, where a
 * path relative to the caller's directory would no longer resolve. */
static int plist_add_abs(struct plist *l, const char *path)
{
	char abs[PATH_MAX];

	if (!realpath(path, abs))
		return -errno;
	return plist_add(l, abs);
}

static int read_series(const char *series, struct plist *l, struct th_err *err)
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
		else if (plist_add_abs(l, path))
			r = th_fail(err, ENOMEM, series, "patch %s: cannot resolve or store its path", line);
	}
	free(text);
	return r;
}

static int read_patches(const struct th_kbuild_opts *o, struct plist *l, struct th_err *err)
{
	char path[PATH_MAX + 256];
	int r = 0;

	if (o->series) {
		r = read_series(o->series, l, err);
		for (size_t i = 0; !r && i < o->nmore_series; i++)
			r = read_series(o->more_series[i], l, err);
	} else if (o->patches) {
		DIR *d = opendir(o->patches);
		struct dirent *de;

		if (!d)
			return th_fail(err, errno, o->patches, "%s", strerror(errno));
		while ((de = readdir(d)) && !r) {
			size_t n = strlen(de->d_name);

			if (n > 6 && !strcmp(de->d_name + n - 6, ".patch")) {
				snprintf(path, sizeof(path), "%s/%s", o->patches, de->d_name);
				if (plist_add_abs(l, path))
					r = th_fail(err, ENOMEM, o->patches, "%s: cannot resolve or store its path", de->d_name);
			}
		}
		closedir(d);
		if (!r && !l->n)
			r = th_fail(err, ENOENT, o->patches, "no *.patch files");
		if (!r)
			qsort(l->v, l->n, sizeof(*l->v), cmp_str);
	}
	if (r)
		plist_free(l);
	return r;
}

/* ---- running make with progress ------------------------------------------- */

/* make -jN TARGET with the reproducibility environment; while it runs,
 * count "  CC" lines in the log for a progress estimate. */
static int make_progress(const struct th_kbuild_opts *o, const struct th_ktree *t,
			 const char *obj, const char *log, const char *const *env,
			 const char *target, unsigned long estimate, struct th_err *err)
{
	char odir[PATH_MAX + 8], jobs[32];
	const char *argv[] = { "make", "-C", t->src, odir, jobs, target, NULL };
	long off = 0;
	unsigned long cc = 0;
	int status;
	pid_t pid;

	snprintf(odir, sizeof(odir), "O=%s", obj);
	snprintf(jobs, sizeof(jobs), "-j%u", o->jobs ? o->jobs : 1);
	pid = fork();
	if (pid < 0)
		return th_fail(err, errno, "build", "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(th_krun(NULL, log, NULL, env, argv) & 0xff);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		FILE *f;
		char line[512], detail[64];

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR)
			return th_fail(err, errno, "build", "waitpid: %s", strerror(errno));
		usleep(500000);
		f = fopen(log, "r");
		if (!f)
			continue;
		fseek(f, off, SEEK_SET);
		while (fgets(line, sizeof(line), f))
			cc += !strncmp(line, "  CC", 4);
		off = ftell(f);
		fclose(f);
		snprintf(detail, sizeof(detail), "%lu files compiled", cc);
		progress(o, target, estimate ? (int)(cc * 100 / estimate > 99 ? 99 :
						     cc * 100 / estimate) : -1, detail);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return th_fail(err, EIO, "build", "phase '%s' failed (exit %d); see %s", target,
			       WIFEXITED(status) ? WEXITSTATUS(status) : 128, log);
	return 0;
}

/* ---- the build ------------------------------------------------------------ */

static int is_empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	int empty = 1;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = 0;
	closedir(d);
	return empty;
}

static int run_sh(const char *log, const char *const *env, const char *script)
{
	const char *argv[] = { "sh", "-c", script, NULL };

	return th_krun(NULL, log, NULL, env, argv);
}

static int read_line_file(const char *path, char *buf, size_t len)
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

/* The commit REF names in the git work tree at t->src, as 40 hex digits in
 * sha. The tree must be the work tree's top level, so a ref never resolves
 * in some repository that merely contains SRC. 0 or -errno. */
static int resolve_ref(const struct th_ktree *t, const char *src, const char *ref,
		       char *sha, size_t len, struct th_err *err)
{
	char out[PATH_MAX], line[PATH_MAX], spec[512];
	const char *td = getenv("TMPDIR");
	const char *top[] = { "git", "-C", t->src, "rev-parse", "--show-toplevel", NULL };
	const char *verify[] = { "git", "-C", t->src, "rev-parse", "--verify", "--quiet",
				 "--end-of-options", spec, NULL };
	int fd, r = 0;

	snprintf(out, sizeof(out), "%s/teehost-ref-XXXXXX", td && *td ? td : "/tmp");
	fd = mkstemp(out);
	if (fd < 0)
		return th_fail(err, errno, out, "%s", strerror(errno));
	close(fd);
	if (th_krun(NULL, NULL, out, NULL, top) || read_line_file(out, line, sizeof(line)) ||
	    strcmp(line, t->src)) {
		r = th_fail(err, EINVAL, src, "ref: '%s' given, but this is not the top of "
			    "a git work tree", ref);
		goto done;
	}
	snprintf(spec, sizeof(spec), "%s^{commit}", ref);
	if (strlen(ref) > 256 || th_krun(NULL, NULL, out, NULL, verify) ||
	    read_line_file(out, sha, len) || strspn(sha, "0123456789abcdef") != strlen(sha)) {
		r = th_fail(err, EINVAL, src, "ref: '%s' is not a commit in this tree", ref);
		goto done;
	}
done:
	unlink(out);
	return r;
}

static void json_file(struct json_writer *w, const char *name, const char *path)
{
	char hex[65] = "";
	struct stat st;

	json_begin_object(w);
	json_key(w, "name");
	json_str(w, name);
	json_key(w, "sha256");
	if (!th_ksha256_file(path, hex))
		json_str(w, hex);
	else
		json_null(w);
	json_key(w, "size");
	json_uint(w, stat(path, &st) ? 0 : (uint64_t)st.st_size);
	json_end_object(w);
}

static int write_manifest(const struct th_kbuild_opts *o, const struct th_ktree *t,
			  const struct plist *patches, const struct th_status_run *status,
			  const struct th_kproof *proof,
			  const char *stage, const char *release, long long epoch,
			  double seconds, struct th_err *err)
{
	char path[PATH_MAX + 64], cc[256] = "", commit[64] = "", hex[65];
	struct json_writer w;
	struct utsname u;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	DIR *d;
	struct dirent *de;
	int r;

	if (!f)
		return th_fail(err, ENOMEM, "manifest.json", "out of memory");
	snprintf(path, sizeof(path), "%s/cc-version", stage);
	read_line_file(path, cc, sizeof(cc));
	snprintf(path, sizeof(path), "%s/base-commit", stage);
	read_line_file(path, commit, sizeof(commit));
	uname(&u);
	json_init(&w, f, true);
	json_begin_object(&w);
	json_key(&w, "format");
	json_str(&w, "teehost-kernel-manifest/1");
	json_key(&w, "kernel_release");
	json_str(&w, release);
	json_key(&w, "base");
	json_begin_object(&w);
	json_key(&w, "tree");
	json_str(&w, t->src);
	json_key(&w, "version");
	json_str(&w, t->version);
	json_key(&w, "commit");
	if (commit[0])
		json_str(&w, commit);
	else
		json_null(&w);
	json_key(&w, "ref");
	if (o->ref)
		json_str(&w, o->ref);
	else
		json_null(&w);
	json_end_object(&w);
	json_key(&w, "recipe");
	if (o->recipe && !th_ksha256_file(o->recipe, hex)) {
		json_begin_object(&w);
		json_key(&w, "path");
		json_str(&w, o->recipe);
		json_key(&w, "sha256");
		json_str(&w, hex);
		json_end_object(&w);
	} else {
		json_null(&w);
	}
	json_key(&w, "patches");
	json_begin_array(&w);
	for (size_t i = 0; i < patches->n; i++) {
		const char *name = strrchr(patches->v[i], '/');
		char hex[65] = "";
		struct stat pst;

		/* Each patch with its 'teehost kernel series status' verdict on this base. */
		json_begin_object(&w);
		json_key(&w, "name");
		json_str(&w, name ? name + 1 : patches->v[i]);
		json_key(&w, "sha256");
		if (!th_ksha256_file(patches->v[i], hex))
			json_str(&w, hex);
		else
			json_null(&w);
		json_key(&w, "size");
		json_uint(&w, stat(patches->v[i], &pst) ? 0 : (uint64_t)pst.st_size);
		json_key(&w, "status");
		if (status && i < status->n) {
			json_begin_object(&w);
			json_key(&w, "verdict");
			json_str(&w, th_pverdict_name(status->v[i].verdict));
			json_key(&w, "method");
			json_str(&w, status->v[i].method);
			json_key(&w, "evidence");
			json_str(&w, status->v[i].evidence);
			json_end_object(&w);
		} else {
			json_null(&w);
		}
		json_end_object(&w);
	}
	json_end_array(&w);
	json_key(&w, "profiles");
	json_begin_array(&w);
	for (size_t i = 0; i < o->nprofiles; i++)
		json_str(&w, o->profiles[i]);
	json_end_array(&w);
	json_key(&w, "tee_options");
	json_begin_array(&w);
	for (size_t i = 0; i < proof->n; i++) {
		json_begin_object(&w);
		json_key(&w, "name");
		json_str(&w, proof->v[i].name);
		json_key(&w, "requested");
		json_str(&w, proof->v[i].want);
		json_key(&w, "final");
		if (proof->v[i].got)
			json_str(&w, proof->v[i].got);
		else
			json_null(&w);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_key(&w, "compiler");
	json_str(&w, cc);
	json_key(&w, "build_host");
	json_str(&w, u.nodename);
	json_key(&w, "source_date_epoch");
	json_int(&w, epoch);
	json_key(&w, "duration_seconds");
	json_double(&w, seconds);
	json_key(&w, "artifacts");
	json_begin_array(&w);
	d = opendir(stage);
	if (d) {
		char *names[64];
		size_t n = 0;

		while ((de = readdir(d)) && n < 64) {
			size_t l = strlen(de->d_name);

			if ((l > 4 && !strcmp(de->d_name + l - 4, ".deb")) ||
			    (l > 7 && !strcmp(de->d_name + l - 7, ".tar.gz")))
				names[n++] = strdup(de->d_name);
		}
		closedir(d);
		qsort(names, n, sizeof(*names), cmp_str);
		for (size_t i = 0; i < n; i++) {
			if (!names[i])
				continue;
			snprintf(path, sizeof(path), "%s/%s", stage, names[i]);
			json_file(&w, names[i], path);
			free(names[i]);
		}
	}
	snprintf(path, sizeof(path), "%s/root/boot/vmlinuz-%s", stage, release);
	{
		char vname[256];

		snprintf(vname, sizeof(vname), "vmlinuz-%s (in the tarball)", release);
		json_file(&w, vname, path);
	}
	json_end_array(&w);
	json_end_object(&w);
	json_finish(&w);
	fclose(f);
	snprintf(path, sizeof(path), "%s/manifest.json", stage);
	r = th_write_file_atomic(path, buf, len, 0644, 0, err);
	free(buf);
	return r;
}

/* The file the guest checks against: release and the requested TEE options. */
static int write_expect(const char *root, const char *release, const struct th_kproof *proof,
			struct th_err *err)
{
	char path[PATH_MAX + 256], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return th_fail(err, ENOMEM, "expect", "out of memory");
	fprintf(f, "# teehost kernel boot-test expectations\nrelease=%s\n", release);
	for (size_t i = 0; i < proof->n; i++)
		if (!(proof->v[i].optional && !proof->v[i].got))
			fprintf(f, "CONFIG_%s=%s\n", proof->v[i].name, proof->v[i].want);
	fclose(f);
	snprintf(path, sizeof(path), "%s/boot/teehost-expect-%s", root, release);
	r = th_write_file_atomic(path, buf, len, 0644, 0, err);
	free(buf);
	return r;
}

/* The series' verdicts on this base (src/kernel/series.c), for the manifest:
 * the tree as it is, or the ref's commit. A malformed patch is an error here,
 * before anything is created. */
static int series_verdicts(const struct th_ktree *t, const char *base_sha,
			   const struct plist *patches, struct th_series *s,
			   struct th_status_run *run, struct th_err *err)
{
	struct th_sbase b;
	const struct th_series *sp[1] = { s };
	int r;

	r = th_series_from_paths(s, "series", patches->v, patches->n, err);
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

int th_kernel_build(const struct th_kbuild_opts *o, struct th_kbuild_result *res,
		    struct th_err *err)
{
	char stage[PATH_MAX], obj[PATH_MAX + 16], srcdir[PATH_MAX + 16], log[PATH_MAX + 16];
	char path[PATH_MAX + 512], script[4 * PATH_MAX], parent[PATH_MAX], tmp[PATH_MAX + 32];
	char env_epoch[64], env_ts[96], env_path[PATH_MAX + 4096], *cfgtext = NULL;
	char base_sha[64] = "";
	const char *env[9];
	struct th_ktree t, built;
	struct th_kproof proof = { 0 };
	struct th_kconfig cfg = { 0 }, final = { 0 };
	struct plist patches = { 0 };
	struct th_series pseries = { 0 };
	struct th_status_run status = { 0 };
	struct stat st;
	unsigned long estimate = 0;
	long long epoch = o->epoch;
	double t0 = now();
	size_t cfglen = 0;
	int r, staged = 0;

	memset(res, 0, sizeof(*res));
	/* Inputs first: nothing is created until they all check out. */
	r = th_ktree_open(&t, o->src, err);
	if (r)
		return r;
	if (o->ref) {
		r = resolve_ref(&t, o->src, o->ref, base_sha, sizeof(base_sha), err);
		if (r)
			return r;
	}
	r = th_kernel_load_config(o->config, &cfg, &cfgtext, &cfglen, err);
	if (r)
		return r;
	for (size_t i = 0; i < cfg.count; i++)
		estimate += cfg.entries[i].value && (!strcmp(cfg.entries[i].value, "y") ||
						     !strcmp(cfg.entries[i].value, "m"));
	estimate *= 4;	/* rough: compile steps per enabled option */
	th_kconfig_free(&cfg);
	if (!stat(o->out, &st) && (!S_ISDIR(st.st_mode) || !is_empty_dir(o->out))) {
		r = th_fail(err, EBUSY, o->out, "output exists and is not an empty directory");
		goto out;
	}
	r = read_patches(o, &patches, err);
	if (r)
		goto out;
	r = th_kernel_profile_requests(o->profiles, o->nprofiles, &proof, err);
	if (r)
		goto out;
	if (patches.n) {
		r = series_verdicts(&t, base_sha, &patches, &pseries, &status, err);
		if (r)
			goto out;
	}
	if (epoch < 0) {
		const char *e = getenv("SOURCE_DATE_EPOCH");

		epoch = e && *e ? atoll(e) : 0;
	}

	/* Staging next to OUT, renamed into place at the end. */
	snprintf(tmp, sizeof(tmp), "%s", o->out);
	{
		char *slash = strrchr(tmp, '/');

		if (slash && slash != tmp)
			*slash = 0;
		else
			snprintf(tmp, sizeof(tmp), "%s", slash ? "/" : ".");
	}
	if (!realpath(tmp, parent)) {
		r = th_fail(err, errno, o->out, "parent directory: %s", strerror(errno));
		goto out;
	}
	{
		const char *base = strrchr(o->out, '/');

		snprintf(stage, sizeof(stage), "%s/.%s.partial-XXXXXX", parent,
			 base ? base + 1 : o->out);
	}
	if (!mkdtemp(stage)) {
		r = th_fail(err, errno, o->out, "cannot create staging dir: %s", strerror(errno));
		goto out;
	}
	staged = 1;
	chmod(stage, 0755);	/* mkdtemp makes it 0700; OUT is an ordinary directory */
	snprintf(obj, sizeof(obj), "%s/obj", stage);
	mkdir(obj, 0755);
	{
		/* The log lives outside OUT until the build succeeds, so a failed
		 * build leaves only the log the error names. */
		const char *td = getenv("TMPDIR");
		int fd;

		snprintf(log, sizeof(log), "%s/teehost-build-XXXXXX.log", td && *td ? td : "/tmp");
		fd = mkstemps(log, 4);
		if (fd < 0) {
			r = th_fail(err, errno, log, "%s", strerror(errno));
			goto out;
		}
		fchmod(fd, 0644);
		close(fd);
	}
	snprintf(env_epoch, sizeof(env_epoch), "SOURCE_DATE_EPOCH=%lld", epoch);
	{
		time_t tt = (time_t)epoch;
		struct tm tm;
		char when[64];

		gmtime_r(&tt, &tm);
		strftime(when, sizeof(when), "%a %b %e %H:%M:%S UTC %Y", &tm);
		snprintf(env_ts, sizeof(env_ts), "KBUILD_BUILD_TIMESTAMP=%s", when);
	}
	/* The .deb changelog is dated by `date -R` in scripts/package/mkdebian:
	 * a `date` first on PATH pins it (and any other plain `date`) to
	 * SOURCE_DATE_EPOCH, so the packages are reproducible too. */
	{
		const char *old = getenv("PATH");
		FILE *f;

		snprintf(path, sizeof(path), "%s/bin", stage);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/bin/date", stage);
		f = fopen(path, "w");
		if (!f || fputs("#!/bin/sh\n# teehost kernel build: date pinned to SOURCE_DATE_EPOCH\n"
				"case \" $* \" in *\" -d\"*|*\" --date\"*|*\" -r\"*|*\" --reference\"*)"
				" exec /bin/date \"$@\";; esac\n"
				"exec /bin/date -d \"@${SOURCE_DATE_EPOCH:-0}\" \"$@\"\n", f) < 0 ||
		    fclose(f) || chmod(path, 0755)) {
			r = th_fail(err, EIO, path, "cannot write the date shim");
			goto out;
		}
		snprintf(env_path, sizeof(env_path), "PATH=%s/bin:%s", stage,
			 old && *old ? old : "/usr/bin:/bin");
	}
	env[0] = env_epoch;
	env[1] = env_ts;
	env[2] = "KBUILD_BUILD_USER=teehost";
	env[3] = "KBUILD_BUILD_HOST=teehost";
	env[4] = "KDEB_COMPRESS=gzip";
	env[5] = "LC_ALL=C";
	env[6] = env_path;
	env[7] = NULL;

	/* 1. Patches on a hard-linked copy of the base (patch(1) replaces the
	 *    files it changes, so the base tree is never modified), or on the
	 *    ref's commit exported from git (SRC's checkout is never touched). */
	snprintf(srcdir, sizeof(srcdir), "%s", t.src);
	if (o->ref)
		snprintf(script, sizeof(script), "echo %s > '%s/base-commit';"
			 " LC_ALL=C ${CC:-gcc} --version | head -n1 > '%s/cc-version'",
			 base_sha, stage, stage);
	else
		snprintf(script, sizeof(script), "git -C '%s' rev-parse HEAD > '%s/base-commit'"
			 " 2>/dev/null; LC_ALL=C ${CC:-gcc} --version | head -n1 > '%s/cc-version'",
			 t.src, stage, stage);
	run_sh(log, NULL, script);
	if (o->ref) {
		snprintf(srcdir, sizeof(srcdir), "%s/src", stage);
		progress(o, "patch", 0, "exporting the ref from git");
		/* sh has no pipefail: a failed git archive leaves a marker. */
		snprintf(script, sizeof(script), "mkdir '%s' && { git -C '%s' archive --format=tar %s"
			 " || echo >'%s.failed'; } | tar -x -C '%s' && [ ! -e '%s.failed' ]",
			 srcdir, t.src, base_sha, srcdir, srcdir, srcdir);
		if (run_sh(log, NULL, script)) {
			r = th_fail(err, EIO, "ref", "cannot export %s from %s; see %s",
				    base_sha, t.src, log);
			goto out;
		}
		/* The manifest's base version is the ref's, not the checkout's. */
		r = th_ktree_open(&built, srcdir, err);
		if (r)
			goto out;
		snprintf(t.version, sizeof(t.version), "%s", built.version);
	} else if (patches.n) {
		snprintf(srcdir, sizeof(srcdir), "%s/src", stage);
		progress(o, "patch", 0, "copying the base tree (hard links)");
		snprintf(script, sizeof(script), "cp -al '%s' '%s'", t.src, srcdir);
		if (run_sh(log, NULL, script)) {
			r = th_fail(err, EIO, "patch", "cannot copy %s; see %s", t.src, log);
			goto out;
		}
	}
	for (size_t i = 0; i < patches.n; i++) {
		const char *argv[] = { "patch", "-p1", "-N", "--batch", "-d", srcdir,
				       "-i", patches.v[i], NULL };
		char detail[64];

		snprintf(detail, sizeof(detail), "%zu/%zu", i + 1, patches.n);
		progress(o, "patch", (int)(100 * i / patches.n), detail);
		if (th_krun(NULL, log, NULL, NULL, argv)) {
			r = th_fail(err, EIO, patches.v[i],
				    "patch %zu of %zu does not apply to %s; see %s",
				    i + 1, patches.n, t.version, log);
			goto out;
		}
	}
	r = th_ktree_open(&built, srcdir, err);
	if (r)
		goto out;

	/* 2. Config: olddefconfig must keep every requested TEE option. */
	progress(o, "config", -1, "olddefconfig");
	snprintf(path, sizeof(path), "%s/.config", obj);
	{
		FILE *f = fopen(path, "w");

		if (!f || fwrite(cfgtext, 1, cfglen, f) != cfglen || fclose(f)) {
			r = th_fail(err, EIO, path, "cannot write");
			goto out;
		}
	}
	r = th_kmake(&built, obj, log, env, "olddefconfig", err);
	if (r)
		goto out;
	r = th_kernel_load_config(path, &final, NULL, NULL, err);
	if (r)
		goto out;
	th_kproof_compare(&proof, &final);
	th_kconfig_free(&final);
	for (size_t i = 0; i < proof.n; i++)
		if (proof.v[i].status != TH_KREQ_OK &&
		    !(proof.v[i].optional && !proof.v[i].got)) {	/* "where the tree has it" */
			r = th_fail(err, EINVAL, o->config,
				    "CONFIG_%s: asked %s by %s, got %s after olddefconfig "
				    "(run 'teehost kernel verify' for the reason)",
				    proof.v[i].name, proof.v[i].want, proof.v[i].source,
				    proof.v[i].got ? proof.v[i].got : "nothing");
			goto out;
		}

	/* 3. Build and package. */
	r = make_progress(o, &built, obj, log, env, "bindeb-pkg", estimate, err);
	if (r)
		goto out;
	snprintf(path, sizeof(path), "%s/release", stage);
	{
		char od[PATH_MAX + 8];
		const char *argv[] = { "make", "-s", "-C", built.src, od, "kernelrelease", NULL };

		snprintf(od, sizeof(od), "O=%s", obj);
		if (th_krun(NULL, log, path, env, argv) ||
		    read_line_file(path, res->release, sizeof(res->release))) {
			r = th_fail(err, EIO, "package", "cannot get kernelrelease; see %s", log);
			goto out;
		}
	}

	/* 4. Tarball: vmlinuz, System.map, config, modules, expectations. */
	progress(o, "tarball", -1, res->release);
	snprintf(script, sizeof(script),
		 "set -e; R='%s'; S='%s'; O='%s'; mkdir -p \"$S/root/boot\";"
		 " cp \"$O/arch/x86/boot/bzImage\" \"$S/root/boot/vmlinuz-$R\";"
		 " cp \"$O/System.map\" \"$S/root/boot/System.map-$R\";"
		 " cp \"$O/.config\" \"$S/root/boot/config-$R\";"
		 " if grep -q '^CONFIG_MODULES=y' \"$O/.config\"; then"
		 "  make -s -C '%s' O=\"$O\" INSTALL_MOD_PATH=\"$S/root\" modules_install; fi",
		 res->release, stage, obj, built.src);
	if (run_sh(log, env, script)) {
		r = th_fail(err, EIO, "tarball", "cannot stage kernel files; see %s", log);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/root", stage);
	r = write_expect(path, res->release, &proof, err);
	if (r)
		goto out;
	snprintf(script, sizeof(script),
		 "set -e; cd '%s/root'; find . -type l -name build -path './lib/modules/*' -delete;"
		 " find . -type l -name source -path './lib/modules/*' -delete;"
		 " tar --sort=name --mtime=@%lld --owner=0 --group=0 --numeric-owner -cf - . |"
		 " gzip -n > '%s/linux-%s.tar.gz'",
		 stage, epoch, stage, res->release);
	if (run_sh(log, env, script)) {
		r = th_fail(err, EIO, "tarball", "tar failed; see %s", log);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/root/boot/vmlinuz-%s", stage, res->release);
	th_ksha256_file(path, res->vmlinuz_sha256);
	res->seconds = now() - t0;
	r = write_manifest(o, &t, &patches, status.n ? &status : NULL, &proof, stage,
			   res->release, epoch, res->seconds, err);
	if (r)
		goto out;

	/* 5. Into place: drop the build trees, rename staging to OUT. */
	progress(o, "finish", 100, o->out);
	snprintf(script, sizeof(script), "cd '%s' && rm -rf obj src root bin release cc-version "
		 "base-commit && cp '%s' build.log", stage, log);
	if (run_sh(NULL, NULL, script)) {
		r = th_fail(err, EIO, o->out, "cannot tidy the staging dir %s", stage);
		goto out;
	}
	if (!stat(o->out, &st))
		rmdir(o->out);
	if (rename(stage, o->out)) {
		r = th_fail(err, errno, o->out, "cannot move the build into place: %s",
			    strerror(errno));
		goto out;
	}
	staged = 0;
	unlink(log);
	snprintf(res->tarball, sizeof(res->tarball), "%s/linux-%s.tar.gz", o->out, res->release);
	snprintf(res->log, sizeof(res->log), "%s/build.log", o->out);
out:
	if (staged)
		th_krmtree(stage);
	free(cfgtext);
	plist_free(&patches);
	th_status_run_free(&status);
	th_series_free(&pseries);
	th_kproof_free(&proof);
	return r;
}
