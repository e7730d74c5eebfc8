// SPDX-License-Identifier: MIT
/* Kernel build and packaging: see build.h. The patches are in patches.c, the manifest
 * writer in manifest_write.c. */
#include "kernel/build.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/configure.h"
#include "kernel/kbuild.h"
#include "kernel/manifest.h"
#include "kernel/patches.h"
#include "kernel/proof.h"
#include "kernel/series.h"
#include "util/err.h"
#include "util/file.h"
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
	if (th_krun(NULL, NULL, out, NULL, top) || th_kread_line(out, line, sizeof(line)) ||
	    strcmp(line, t->src)) {
		r = th_fail(err, EINVAL, src, "ref: '%s' given, but this is not the top of "
			    "a git work tree", ref);
		goto done;
	}
	snprintf(spec, sizeof(spec), "%s^{commit}", ref);
	if (strlen(ref) > 256 || th_krun(NULL, NULL, out, NULL, verify) ||
	    th_kread_line(out, sha, len) || strspn(sha, "0123456789abcdef") != strlen(sha)) {
		r = th_fail(err, EINVAL, src, "ref: '%s' is not a commit in this tree", ref);
		goto done;
	}
done:
	unlink(out);
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

/* One build's state, shared by its steps (each a function below, in the order they run). */
struct build {
	const struct th_kbuild_opts *o;
	struct th_kbuild_result *res;
	struct th_ktree t;		/* the base as given (its version: the ref's with --ref) */
	struct th_ktree built;		/* the tree make runs in: the base, its copy or the export */
	char base_sha[64];		/* the ref's commit, or "" */
	char *cfgtext;			/* the .config to build */
	size_t cfglen;
	unsigned long estimate;		/* compile steps expected, for progress */
	long long epoch;		/* SOURCE_DATE_EPOCH */
	double t0;
	struct th_kproof proof;		/* the profiles' requests, compared after olddefconfig */
	struct th_kpatches patches;
	struct th_series pseries;
	struct th_status_run status;	/* the patches' verdicts on the base */
	char stage[PATH_MAX];		/* OUT/../.OUT.partial-XXXXXX, renamed to OUT at the end */
	char obj[PATH_MAX + 16], srcdir[PATH_MAX + 16], log[PATH_MAX + 16];
	char env_epoch[64], env_ts[96], env_path[PATH_MAX + 4096];
	const char *env[8];		/* the reproducibility environment for make and sh */
	int staged;			/* stage exists and is removed on failure */
};

/* Inputs first: nothing is created until they all check out. */
static int check_inputs(struct build *b, struct th_err *err)
{
	const struct th_kbuild_opts *o = b->o;
	struct th_kconfig cfg = { 0 };
	struct stat st;
	int r;

	r = th_ktree_open(&b->t, o->src, err);
	if (r)
		return r;
	if (o->ref) {
		r = resolve_ref(&b->t, o->src, o->ref, b->base_sha, sizeof(b->base_sha), err);
		if (r)
			return r;
	}
	r = th_kernel_load_config(o->config, &cfg, &b->cfgtext, &b->cfglen, err);
	if (r)
		return r;
	for (size_t i = 0; i < cfg.count; i++)
		b->estimate += cfg.entries[i].value && (!strcmp(cfg.entries[i].value, "y") ||
							!strcmp(cfg.entries[i].value, "m"));
	b->estimate *= 4;	/* rough: compile steps per enabled option */
	th_kconfig_free(&cfg);
	if (!stat(o->out, &st) && (!S_ISDIR(st.st_mode) || !is_empty_dir(o->out)))
		return th_fail(err, EBUSY, o->out, "output exists and is not an empty directory");
	r = th_kpatches_read(o, &b->patches, err);
	if (r)
		return r;
	r = th_kernel_profile_requests(o->profiles, o->nprofiles, &b->proof, err);
	if (r)
		return r;
	if (b->patches.n) {
		r = th_kpatches_verdicts(&b->t, b->base_sha, &b->patches, &b->pseries, &b->status,
					 err);
		if (r)
			return r;
	}
	b->epoch = o->epoch;
	if (b->epoch < 0) {
		const char *e = getenv("SOURCE_DATE_EPOCH");

		b->epoch = e && *e ? atoll(e) : 0;
	}
	return 0;
}

/* Staging next to OUT (renamed into place at the end), with obj/ for make's O=. */
static int make_stage(struct build *b, struct th_err *err)
{
	const char *out = b->o->out, *base = strrchr(out, '/');
	char tmp[PATH_MAX + 32], parent[PATH_MAX];
	char *slash;

	snprintf(tmp, sizeof(tmp), "%s", out);
	slash = strrchr(tmp, '/');
	if (slash && slash != tmp)
		*slash = 0;
	else
		snprintf(tmp, sizeof(tmp), "%s", slash ? "/" : ".");
	if (!realpath(tmp, parent))
		return th_fail(err, errno, out, "parent directory: %s", strerror(errno));
	snprintf(b->stage, sizeof(b->stage), "%s/.%s.partial-XXXXXX", parent,
		 base ? base + 1 : out);
	if (!mkdtemp(b->stage))
		return th_fail(err, errno, out, "cannot create staging dir: %s", strerror(errno));
	b->staged = 1;
	chmod(b->stage, 0755);	/* mkdtemp makes it 0700; OUT is an ordinary directory */
	snprintf(b->obj, sizeof(b->obj), "%s/obj", b->stage);
	mkdir(b->obj, 0755);
	return 0;
}

/* The log lives outside OUT until the build succeeds, so a failed build leaves only the log
 * the error names. */
static int make_log(struct build *b, struct th_err *err)
{
	const char *td = getenv("TMPDIR");
	int fd;

	snprintf(b->log, sizeof(b->log), "%s/teehost-build-XXXXXX.log", td && *td ? td : "/tmp");
	fd = mkstemps(b->log, 4);
	if (fd < 0)
		return th_fail(err, errno, b->log, "%s", strerror(errno));
	fchmod(fd, 0644);
	close(fd);
	return 0;
}

/* The reproducibility environment: SOURCE_DATE_EPOCH, KBUILD_BUILD_*, and PATH with the
 * date shim first. */
static int make_env(struct build *b, struct th_err *err)
{
	char path[PATH_MAX + 512], when[64];
	const char *old = getenv("PATH");
	time_t tt = (time_t)b->epoch;
	struct tm tm;
	FILE *f;

	snprintf(b->env_epoch, sizeof(b->env_epoch), "SOURCE_DATE_EPOCH=%lld", b->epoch);
	gmtime_r(&tt, &tm);
	strftime(when, sizeof(when), "%a %b %e %H:%M:%S UTC %Y", &tm);
	snprintf(b->env_ts, sizeof(b->env_ts), "KBUILD_BUILD_TIMESTAMP=%s", when);
	/* The .deb changelog is dated by `date -R` in scripts/package/mkdebian:
	 * a `date` first on PATH pins it (and any other plain `date`) to
	 * SOURCE_DATE_EPOCH, so the packages are reproducible too. */
	snprintf(path, sizeof(path), "%s/bin", b->stage);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/bin/date", b->stage);
	f = fopen(path, "w");
	if (!f || fputs("#!/bin/sh\n# teehost kernel build: date pinned to SOURCE_DATE_EPOCH\n"
			"case \" $* \" in *\" -d\"*|*\" --date\"*|*\" -r\"*|*\" --reference\"*)"
			" exec /bin/date \"$@\";; esac\n"
			"exec /bin/date -d \"@${SOURCE_DATE_EPOCH:-0}\" \"$@\"\n", f) < 0 ||
	    fclose(f) || chmod(path, 0755))
		return th_fail(err, EIO, path, "cannot write the date shim");
	snprintf(b->env_path, sizeof(b->env_path), "PATH=%s/bin:%s", b->stage,
		 old && *old ? old : "/usr/bin:/bin");
	b->env[0] = b->env_epoch;
	b->env[1] = b->env_ts;
	b->env[2] = "KBUILD_BUILD_USER=teehost";
	b->env[3] = "KBUILD_BUILD_HOST=teehost";
	b->env[4] = "KDEB_COMPRESS=gzip";
	b->env[5] = "LC_ALL=C";
	b->env[6] = b->env_path;
	b->env[7] = NULL;
	return 0;
}

/* 1. Patches on a hard-linked copy of the base (patch(1) replaces the
 *    files it changes, so the base tree is never modified), or on the
 *    ref's commit exported from git (SRC's checkout is never touched). */
static int prepare_source(struct build *b, struct th_err *err)
{
	const struct th_kbuild_opts *o = b->o;
	const char *stage = b->stage, *log = b->log;
	char script[4 * PATH_MAX];
	int r;

	snprintf(b->srcdir, sizeof(b->srcdir), "%s", b->t.src);
	if (o->ref)
		snprintf(script, sizeof(script), "echo %s > '%s/base-commit';"
			 " LC_ALL=C ${CC:-gcc} --version | head -n1 > '%s/cc-version'",
			 b->base_sha, stage, stage);
	else
		snprintf(script, sizeof(script), "git -C '%s' rev-parse HEAD > '%s/base-commit'"
			 " 2>/dev/null; LC_ALL=C ${CC:-gcc} --version | head -n1 > '%s/cc-version'",
			 b->t.src, stage, stage);
	run_sh(log, NULL, script);
	if (o->ref) {
		snprintf(b->srcdir, sizeof(b->srcdir), "%s/src", stage);
		progress(o, "patch", 0, "exporting the ref from git");
		/* sh has no pipefail: a failed git archive leaves a marker. */
		snprintf(script, sizeof(script), "mkdir '%s' && { git -C '%s' archive --format=tar %s"
			 " || echo >'%s.failed'; } | tar -x -C '%s' && [ ! -e '%s.failed' ]",
			 b->srcdir, b->t.src, b->base_sha, b->srcdir, b->srcdir, b->srcdir);
		if (run_sh(log, NULL, script))
			return th_fail(err, EIO, "ref", "cannot export %s from %s; see %s",
				       b->base_sha, b->t.src, log);
		/* The manifest's base version is the ref's, not the checkout's. */
		r = th_ktree_open(&b->built, b->srcdir, err);
		if (r)
			return r;
		snprintf(b->t.version, sizeof(b->t.version), "%s", b->built.version);
	} else if (b->patches.n) {
		snprintf(b->srcdir, sizeof(b->srcdir), "%s/src", stage);
		progress(o, "patch", 0, "copying the base tree (hard links)");
		snprintf(script, sizeof(script), "cp -al '%s' '%s'", b->t.src, b->srcdir);
		if (run_sh(log, NULL, script))
			return th_fail(err, EIO, "patch", "cannot copy %s; see %s", b->t.src, log);
	}
	r = th_kpatches_apply(&b->patches, b->srcdir, b->t.version, log, o, err);
	if (r)
		return r;
	return th_ktree_open(&b->built, b->srcdir, err);
}

/* 2. Config: olddefconfig must keep every requested TEE option. */
static int configure(struct build *b, struct th_err *err)
{
	struct th_kconfig final = { 0 };
	char path[PATH_MAX + 512];
	struct th_kproof *proof = &b->proof;
	FILE *f;
	int r;

	progress(b->o, "config", -1, "olddefconfig");
	snprintf(path, sizeof(path), "%s/.config", b->obj);
	f = fopen(path, "w");
	if (!f || fwrite(b->cfgtext, 1, b->cfglen, f) != b->cfglen || fclose(f))
		return th_fail(err, EIO, path, "cannot write");
	r = th_kmake(&b->built, b->obj, b->log, b->env, "olddefconfig", err);
	if (r)
		return r;
	r = th_kernel_load_config(path, &final, NULL, NULL, err);
	if (r)
		return r;
	th_kproof_compare(proof, &final);
	th_kconfig_free(&final);
	for (size_t i = 0; i < proof->n; i++)
		if (proof->v[i].status != TH_KREQ_OK &&
		    !(proof->v[i].optional && !proof->v[i].got))	/* "where the tree has it" */
			return th_fail(err, EINVAL, b->o->config,
				       "CONFIG_%s: asked %s by %s, got %s after olddefconfig "
				       "(run 'teehost kernel verify' for the reason)",
				       proof->v[i].name, proof->v[i].want, proof->v[i].source,
				       proof->v[i].got ? proof->v[i].got : "nothing");
	return 0;
}

/* 3. Build and package; the release make names goes to res->release. */
static int build_package(struct build *b, struct th_err *err)
{
	char path[PATH_MAX + 512], od[PATH_MAX + 8];
	const char *argv[] = { "make", "-s", "-C", b->built.src, od, "kernelrelease", NULL };
	int r;

	r = make_progress(b->o, &b->built, b->obj, b->log, b->env, "bindeb-pkg", b->estimate,
			  err);
	if (r)
		return r;
	snprintf(path, sizeof(path), "%s/release", b->stage);
	snprintf(od, sizeof(od), "O=%s", b->obj);
	if (th_krun(NULL, b->log, path, b->env, argv) ||
	    th_kread_line(path, b->res->release, sizeof(b->res->release)))
		return th_fail(err, EIO, "package", "cannot get kernelrelease; see %s", b->log);
	return 0;
}

/* 4. Tarball: vmlinuz, System.map, config, modules, expectations; then the manifest. */
static int make_tarball(struct build *b, struct th_err *err)
{
	struct th_kbuild_result *res = b->res;
	const char *stage = b->stage, *log = b->log;
	char path[PATH_MAX + 512], script[4 * PATH_MAX];
	int r;

	progress(b->o, "tarball", -1, res->release);
	snprintf(script, sizeof(script),
		 "set -e; R='%s'; S='%s'; O='%s'; mkdir -p \"$S/root/boot\";"
		 " cp \"$O/arch/x86/boot/bzImage\" \"$S/root/boot/vmlinuz-$R\";"
		 " cp \"$O/System.map\" \"$S/root/boot/System.map-$R\";"
		 " cp \"$O/.config\" \"$S/root/boot/config-$R\";"
		 " if grep -q '^CONFIG_MODULES=y' \"$O/.config\"; then"
		 "  make -s -C '%s' O=\"$O\" INSTALL_MOD_PATH=\"$S/root\" modules_install; fi",
		 res->release, stage, b->obj, b->built.src);
	if (run_sh(log, b->env, script))
		return th_fail(err, EIO, "tarball", "cannot stage kernel files; see %s", log);
	snprintf(path, sizeof(path), "%s/root", stage);
	r = write_expect(path, res->release, &b->proof, err);
	if (r)
		return r;
	snprintf(script, sizeof(script),
		 "set -e; cd '%s/root'; find . -type l -name build -path './lib/modules/*' -delete;"
		 " find . -type l -name source -path './lib/modules/*' -delete;"
		 " tar --sort=name --mtime=@%lld --owner=0 --group=0 --numeric-owner -cf - . |"
		 " gzip -n > '%s/linux-%s.tar.gz'",
		 stage, b->epoch, stage, res->release);
	if (run_sh(log, b->env, script))
		return th_fail(err, EIO, "tarball", "tar failed; see %s", log);
	snprintf(path, sizeof(path), "%s/root/boot/vmlinuz-%s", stage, res->release);
	th_ksha256_file(path, res->vmlinuz_sha256);
	res->seconds = now() - b->t0;
	return th_kmanifest_write(b->o, &b->t, &b->patches, b->status.n ? &b->status : NULL,
				  &b->proof, stage, res->release, b->epoch, res->seconds, err);
}

/* 5. Into place: drop the build trees, rename staging to OUT. */
static int move_into_place(struct build *b, struct th_err *err)
{
	const char *out = b->o->out;
	char script[4 * PATH_MAX];
	struct stat st;

	progress(b->o, "finish", 100, out);
	snprintf(script, sizeof(script), "cd '%s' && rm -rf obj src root bin release cc-version "
		 "base-commit && cp '%s' build.log", b->stage, b->log);
	if (run_sh(NULL, NULL, script))
		return th_fail(err, EIO, out, "cannot tidy the staging dir %s", b->stage);
	if (!stat(out, &st))
		rmdir(out);
	if (rename(b->stage, out))
		return th_fail(err, errno, out, "cannot move the build into place: %s",
			       strerror(errno));
	b->staged = 0;
	unlink(b->log);
	snprintf(b->res->tarball, sizeof(b->res->tarball), "%s/linux-%s.tar.gz", out,
		 b->res->release);
	snprintf(b->res->log, sizeof(b->res->log), "%s/build.log", out);
	return 0;
}

int th_kernel_build(const struct th_kbuild_opts *o, struct th_kbuild_result *res,
		    struct th_err *err)
{
	struct build b = { .o = o, .res = res, .t0 = now() };
	int r;

	memset(res, 0, sizeof(*res));
	r = check_inputs(&b, err);
	if (!r)
		r = make_stage(&b, err);
	if (!r)
		r = make_log(&b, err);
	if (!r)
		r = make_env(&b, err);
	if (!r)
		r = prepare_source(&b, err);
	if (!r)
		r = configure(&b, err);
	if (!r)
		r = build_package(&b, err);
	if (!r)
		r = make_tarball(&b, err);
	if (!r)
		r = move_into_place(&b, err);
	if (b.staged)
		th_krmtree(b.stage);
	free(b.cfgtext);
	th_kpatches_free(&b.patches);
	th_status_run_free(&b.status);
	th_series_free(&b.pseries);
	th_kproof_free(&b.proof);
	return r;
}
