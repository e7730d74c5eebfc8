// SPDX-License-Identifier: MIT
/*
 * Config pipeline (see configure.h). Everything Kconfig-semantic is done by
 * the tree itself: `make olddefconfig` and scripts/kconfig/merge_config.sh
 * produce the config; the kconfig probe (compiled against the same tree's
 * kconfig objects) explains it. teehost only sequences them and compares
 * the requested values with the result, because both tools exit 0 when
 * they drop an option.
 */
#include "kernel/configure.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/file.h"

static const char *const make_bases[] = { "tinyconfig", "defconfig", "allnoconfig" };

int th_kernel_debian_config(const char *version, char *path, size_t len)
{
	char mm[32];
	const char *dot;
	DIR *d;
	struct dirent *de;
	time_t best = 0;

	/* linux-config-<major.minor> for the tree's version first. */
	dot = strchr(version, '.');
	dot = dot ? strchr(dot + 1, '.') : NULL;
	snprintf(mm, sizeof(mm), "%.*s", dot ? (int)(dot - version) : (int)strlen(version),
		 version);
	snprintf(path, len, "/usr/src/linux-config-%s/config.amd64_none_amd64.xz", mm);
	if (!access(path, R_OK))
		return 0;
	d = opendir("/boot");
	if (!d)
		return -ENOENT;
	path[0] = 0;
	while ((de = readdir(d))) {
		char p[PATH_MAX];
		struct stat st;

		if (strncmp(de->d_name, "config-", 7))
			continue;
		snprintf(p, sizeof(p), "/boot/%s", de->d_name);
		if (!stat(p, &st) && st.st_mtime >= best) {
			best = st.st_mtime;
			snprintf(path, len, "%s", p);
		}
	}
	closedir(d);
	return path[0] ? 0 : -ENOENT;
}

int th_kernel_profile_path(const char *name, char *path, size_t len, struct th_err *err)
{
	char known[512] = "";
	DIR *d;
	struct dirent *de;

	if (*name && !strchr(name, '/') && name[0] != '.') {
		snprintf(path, len, "%s/profiles/%s.config", th_kernel_datadir(), name);
		if (!access(path, R_OK))
			return 0;
	}
	snprintf(path, len, "%s/profiles", th_kernel_datadir());
	d = opendir(path);
	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);

		if (l > 7 && !strcmp(de->d_name + l - 7, ".config"))
			snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%.*s",
				 known[0] ? ", " : "", (int)(l - 7), de->d_name);
	}
	if (d)
		closedir(d);
	return th_fail(err, ENOENT, name, "unknown profile (known: %s)",
		       known[0] ? known : "none found; set TEEHOST_DATADIR");
}

/* Read and check a config/fragment file; errors read "FILE: line N: ...".
 * TEXT (optional) receives the bytes. */
int th_kernel_load_config(const char *path, struct th_kconfig *cfg, char **text,
			  size_t *textlen, struct th_err *err)
{
	struct th_err sub = { "" };
	char *buf = NULL;
	size_t len = 0;
	int r;

	r = th_read_file(path, 64 << 20, &buf, &len, &sub);
	if (r)
		return th_fail(err, -r, path, "%s", sub.msg[0] ? sub.msg : strerror(-r));
	/* Checked before parsing: a file without any CONFIG_ is not a config
	 * (and src/util/kconfig.c's qsort of zero entries trips UBSan). */
	if (!memmem(buf, len, "CONFIG_", 7)) {
		free(buf);
		memset(cfg, 0, sizeof(*cfg));
		return th_fail(err, EINVAL, path, "no CONFIG_ line: not a kernel config");
	}
	r = th_kconfig_parse(cfg, buf, len, &sub);
	if (r) {
		free(buf);
		return th_fail(err, -r, path, "%s", sub.msg);
	}
	if (!cfg->count) {
		free(buf);
		th_kconfig_free(cfg);
		return th_fail(err, EINVAL, path, "no CONFIG_ line: not a kernel config");
	}
	if (text) {
		*text = buf;
		*textlen = len;
	} else {
		free(buf);
	}
	return 0;
}

static int write_text(const char *path, const char *s, size_t len, struct th_err *err)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(s, 1, len, f) != len || fclose(f))
		return th_fail(err, errno ? errno : EIO, path, "cannot write: %s",
			       strerror(errno ? errno : EIO));
	return 0;
}

static int copy_file(const char *from, const char *to, struct th_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	int r = th_read_file(from, 64 << 20, &buf, &len, NULL);

	if (r)
		return th_fail(err, -r, from, "%s", strerror(-r));
	r = write_text(to, buf, len, err);
	free(buf);
	return r;
}

struct work {
	char dir[PATH_MAX];
	char obj[PATH_MAX + 8];
	char log[PATH_MAX + 32];
	int temp;
};

static int work_open(struct work *w, const char *workdir, struct th_err *err)
{
	memset(w, 0, sizeof(*w));
	if (workdir) {
		if (mkdir(workdir, 0755) && errno != EEXIST)
			return th_fail(err, errno, workdir, "%s", strerror(errno));
		if (!realpath(workdir, w->dir))
			return th_fail(err, errno, workdir, "%s", strerror(errno));
	} else {
		int r = th_kmkdtemp(w->dir, sizeof(w->dir), "teehost-kconfig", err);

		if (r)
			return r;
		w->temp = 1;
	}
	snprintf(w->obj, sizeof(w->obj), "%s/obj", w->dir);
	snprintf(w->log, sizeof(w->log), "%s/kconfig.log", w->dir);
	if (mkdir(w->obj, 0755) && errno != EEXIST)
		return th_fail(err, errno, w->obj, "%s", strerror(errno));
	return 0;
}

static void work_close(struct work *w)
{
	if (w->temp)
		th_krmtree(w->dir);
}

/* Requests from profiles then fragments (later ones win, as in merge_config). */
static int gather(const struct th_kconfig_opts *o, struct th_kproof *proof,
		  char ***paths, size_t *npaths, struct th_err *err)
{
	size_t n = o->nprofiles + o->nfragments;
	char **v = calloc(n + 1, sizeof(*v));
	int r = 0;

	if (!v)
		return th_fail(err, ENOMEM, "config", "out of memory");
	for (size_t i = 0; i < n && !r; i++) {
		char path[PATH_MAX + 64];
		const char *src;
		struct th_kconfig frag;
		char *text = NULL;
		size_t tlen = 0;

		if (i < o->nprofiles) {
			r = th_kernel_profile_path(o->profiles[i], path, sizeof(path), err);
			src = o->profiles[i];
		} else {
			snprintf(path, sizeof(path), "%s", o->fragments[i - o->nprofiles]);
			src = o->fragments[i - o->nprofiles];
		}
		if (r)
			break;
		r = th_kernel_load_config(path, &frag, &text, &tlen, err);
		if (r)
			break;
		r = th_kproof_add(proof, &frag, text, tlen, src);
		th_kconfig_free(&frag);
		free(text);
		if (r) {
			r = th_fail(err, -r, src, "%s", strerror(-r));
			break;
		}
		v[i] = strdup(path);
		if (!v[i])
			r = th_fail(err, ENOMEM, "config", "out of memory");
	}
	if (r) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return r;
	}
	*paths = v;
	*npaths = n;
	return 0;
}

/* Proof of CONFIG (a file in the work dir's obj/) against the requests. */
static int prove(struct th_kconfig_result *res, const struct work *w, const char *config,
		 struct th_err *err)
{
	struct th_kconfig final;
	const char **names;
	char out[PATH_MAX + 32];
	char *rec = NULL;
	size_t reclen = 0;
	int r;

	r = th_kernel_load_config(config, &final, NULL, NULL, err);
	if (r)
		return r;
	th_kproof_compare(&res->proof, &final);
	th_kconfig_free(&final);
	if (!res->proof.n)
		return 0;
	r = th_kprobe_build(&res->tree, w->obj, w->log, err);
	if (r)
		return r;
	names = calloc(res->proof.n, sizeof(*names));
	if (!names)
		return th_fail(err, ENOMEM, "probe", "out of memory");
	for (size_t i = 0; i < res->proof.n && !r; i++)
		if (asprintf((char **)&names[i], "%s=%s", res->proof.v[i].name,
			     res->proof.v[i].want) < 0)
			r = th_fail(err, ENOMEM, "probe", "out of memory");
	snprintf(out, sizeof(out), "%s/probe.out", w->dir);
	if (!r)
		r = th_kprobe_run(&res->tree, w->obj, config, names, res->proof.n, out,
				  w->log, err);
	for (size_t i = 0; i < res->proof.n; i++)
		free((char *)names[i]);
	free(names);
	if (r)
		return r;
	r = th_read_file(out, 64 << 20, &rec, &reclen, NULL);
	if (r)
		return th_fail(err, -r, out, "%s", strerror(-r));
	r = th_kproof_explain(&res->proof, rec, reclen);
	free(rec);
	if (r)
		return th_fail(err, -r, "probe", "%s", strerror(-r));
	return 0;
}

static int is_make_base(const char *base)
{
	for (size_t i = 0; i < sizeof(make_bases) / sizeof(make_bases[0]); i++)
		if (!strcmp(base, make_bases[i]))
			return 1;
	return 0;
}

/* 1. The base, new options at their defaults: `make BASE` for a make target, else BASEFILE
 *    (xz-compressed or not) as .config and olddefconfig. */
static int write_base(struct th_kconfig_result *res, const struct work *w, const char *base,
		      const char *basefile, const char *cfg, struct th_err *err)
{
	size_t l = strlen(basefile);
	int r;

	if (is_make_base(base)) {
		snprintf(res->base, sizeof(res->base), "make %s", base);
		return th_kmake(&res->tree, w->obj, w->log, NULL, base, err);
	}
	snprintf(res->base, sizeof(res->base), "%s", basefile);
	if (l > 3 && !strcmp(basefile + l - 3, ".xz")) {
		const char *argv[] = { "xz", "-dc", basefile, NULL };

		r = th_krun(NULL, w->log, cfg, NULL, argv);
		if (r)
			r = th_fail(err, EIO, basefile, "cannot decompress (xz exit %d)", r);
	} else {
		r = copy_file(basefile, cfg, err);
	}
	if (!r)
		r = th_kmake(&res->tree, w->obj, w->log, NULL, "olddefconfig", err);
	return r;
}

/* 2. Profiles and fragments with the tree's merge_config.sh, then
 *    olddefconfig resolves what they imply. merge_config.sh exits 0
 *    even when an option will not stick: the proof is the check. */
static int merge_fragments(struct th_kconfig_result *res, const struct work *w,
			   char *const *frags, size_t nfrags, const char *cfg, struct th_err *err)
{
	char merge[PATH_MAX + 64];
	const char **argv = calloc(nfrags + 8, sizeof(*argv));
	size_t a = 0;
	int r = 0;

	if (!argv)
		return th_fail(err, ENOMEM, "config", "out of memory");
	snprintf(merge, sizeof(merge), "%s/scripts/kconfig/merge_config.sh", res->tree.src);
	argv[a++] = "sh";
	argv[a++] = merge;
	argv[a++] = "-m";
	argv[a++] = "-O";
	argv[a++] = w->obj;
	argv[a++] = cfg;
	/* Copies with plain names: merge_config.sh word-splits its arguments
	 * and resolves them from its cwd. */
	char (*copies)[PATH_MAX + 64] = calloc(nfrags, sizeof(*copies));

	for (size_t i = 0; i < nfrags && copies && !r; i++) {
		snprintf(copies[i], sizeof(copies[i]), "%s/fragment-%02zu.config", w->dir, i);
		r = copy_file(frags[i], copies[i], err);
		argv[a++] = copies[i];
	}
	argv[a] = NULL;
	if (!copies)
		r = th_fail(err, ENOMEM, "config", "out of memory");
	if (r) {
		free(copies);
		free(argv);
		return r;
	}
	r = th_krun(w->dir, w->log, NULL, NULL, argv);
	free(argv);
	free(copies);
	if (r)
		return th_fail(err, EIO, "merge_config.sh", "failed (exit %d); see %s", r, w->log);
	return th_kmake(&res->tree, w->obj, w->log, NULL, "olddefconfig", err);
}

int th_kernel_configure(const struct th_kconfig_opts *o, struct th_kconfig_result *res,
			struct th_err *err)
{
	const char *base = o->base ? o->base : "debian";
	char cfg[PATH_MAX + 16], basefile[PATH_MAX];
	char **frags = NULL;
	size_t nfrags = 0;
	struct work w;
	int r;

	memset(res, 0, sizeof(*res));
	r = th_ktree_open(&res->tree, o->src, err);
	if (r)
		return r;
	/* All input is checked before the first (slow) make. */
	if (!strcmp(base, "debian")) {
		if (th_kernel_debian_config(res->tree.version, basefile, sizeof(basefile)))
			return th_fail(err, ENOENT, "debian",
				       "no Debian config for %s: apt-get install "
				       "linux-config-%.4s, or pass --base FILE",
				       res->tree.version, res->tree.version);
	} else if (!is_make_base(base)) {
		struct th_kconfig b;

		snprintf(basefile, sizeof(basefile), "%s", base);
		r = th_kernel_load_config(basefile, &b, NULL, NULL, err);
		if (r)
			return r;
		th_kconfig_free(&b);
	}
	r = gather(o, &res->proof, &frags, &nfrags, err);
	if (r)
		return r;
	r = work_open(&w, o->workdir, err);
	if (r)
		goto out_frags;
	snprintf(res->log, sizeof(res->log), "%s", w.log);
	snprintf(cfg, sizeof(cfg), "%s/.config", w.obj);

	r = write_base(res, &w, base, basefile, cfg, err);
	if (r)
		goto out;
	if (nfrags) {
		r = merge_fragments(res, &w, frags, nfrags, cfg, err);
		if (r)
			goto out;
	}
	/* 3. The proof. */
	r = prove(res, &w, cfg, err);
	if (!r) {
		r = th_read_file(cfg, 64 << 20, &res->config, &res->config_len, NULL);
		if (r)
			r = th_fail(err, -r, cfg, "%s", strerror(-r));
	}
out:
	work_close(&w);
	if (w.temp)
		res->log[0] = 0;
out_frags:
	for (size_t i = 0; i < nfrags; i++)
		free(frags[i]);
	free(frags);
	return r;
}

int th_kernel_verify(const struct th_kconfig_opts *o, const char *config,
		     struct th_kconfig_result *res, struct th_err *err)
{
	char scratch[PATH_MAX + 16], copy[PATH_MAX + 32];
	struct th_kconfig c;
	char **frags = NULL;
	size_t nfrags = 0;
	struct work w;
	int r;

	memset(res, 0, sizeof(*res));
	r = th_ktree_open(&res->tree, o->src, err);
	if (r)
		return r;
	r = th_kernel_load_config(config, &c, NULL, NULL, err);
	if (r)
		return r;
	th_kconfig_free(&c);
	snprintf(res->base, sizeof(res->base), "%s", config);
	r = gather(o, &res->proof, &frags, &nfrags, err);
	if (r)
		return r;
	r = work_open(&w, o->workdir, err);
	if (r)
		goto out_frags;
	/* The probe needs the tree's kconfig objects: build them by running
	 * olddefconfig on a scratch copy. The proof reads CONFIG itself. */
	snprintf(scratch, sizeof(scratch), "%s/.config", w.obj);
	snprintf(copy, sizeof(copy), "%s/checked.config", w.dir);
	r = copy_file(config, scratch, err);
	if (!r)
		r = copy_file(config, copy, err);
	if (!r)
		r = th_kmake(&res->tree, w.obj, w.log, NULL, "olddefconfig", err);
	if (!r)
		r = prove(res, &w, copy, err);
	if (!r) {
		r = th_read_file(copy, 64 << 20, &res->config, &res->config_len, NULL);
		if (r)
			r = th_fail(err, -r, copy, "%s", strerror(-r));
	}
	work_close(&w);
out_frags:
	for (size_t i = 0; i < nfrags; i++)
		free(frags[i]);
	free(frags);
	return r;
}

int th_kernel_profile_requests(const char *const *profiles, size_t n, struct th_kproof *proof,
			       struct th_err *err)
{
	struct th_kconfig_opts o = { .profiles = profiles, .nprofiles = n };
	char **paths = NULL;
	size_t np = 0;
	int r = gather(&o, proof, &paths, &np, err);

	for (size_t i = 0; i < np; i++)
		free(paths[i]);
	free(paths);
	return r;
}

void th_kconfig_result_free(struct th_kconfig_result *res)
{
	th_kproof_free(&res->proof);
	free(res->config);
	res->config = NULL;
}
