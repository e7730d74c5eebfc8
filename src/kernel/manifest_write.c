// SPDX-License-Identifier: MIT
/* manifest.json of a 'teehost kernel build': see manifest.h (manifest.c reads it back). */
#include "kernel/manifest.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "kernel/build.h"
#include "kernel/kbuild.h"
#include "kernel/patches.h"
#include "kernel/proof.h"
#include "kernel/series.h"
#include "util/err.h"
#include "util/file.h"
#include "util/json.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"	/* see build.c */
#endif

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

/* "base": the tree, its version, the commit it was built from (or null) and the ref. */
static void json_base(struct json_writer *w, const struct th_kbuild_opts *o,
		      const struct th_ktree *t, const char *commit)
{
	json_key(w, "base");
	json_begin_object(w);
	json_key(w, "tree");
	json_str(w, t->src);
	json_key(w, "version");
	json_str(w, t->version);
	json_key(w, "commit");
	if (commit[0])
		json_str(w, commit);
	else
		json_null(w);
	json_key(w, "ref");
	if (o->ref)
		json_str(w, o->ref);
	else
		json_null(w);
	json_end_object(w);
}

static void json_recipe(struct json_writer *w, const struct th_kbuild_opts *o)
{
	char hex[65];

	json_key(w, "recipe");
	if (o->recipe && !th_ksha256_file(o->recipe, hex)) {
		json_begin_object(w);
		json_key(w, "path");
		json_str(w, o->recipe);
		json_key(w, "sha256");
		json_str(w, hex);
		json_end_object(w);
	} else {
		json_null(w);
	}
}

/* Each patch with its 'teehost kernel series status' verdict on this base. */
static void json_patches(struct json_writer *w, const struct th_kpatches *patches,
			 const struct th_status_run *status)
{
	json_key(w, "patches");
	json_begin_array(w);
	for (size_t i = 0; i < patches->n; i++) {
		const char *name = strrchr(patches->v[i], '/');
		char hex[65] = "";
		struct stat pst;

		json_begin_object(w);
		json_key(w, "name");
		json_str(w, name ? name + 1 : patches->v[i]);
		json_key(w, "sha256");
		if (!th_ksha256_file(patches->v[i], hex))
			json_str(w, hex);
		else
			json_null(w);
		json_key(w, "size");
		json_uint(w, stat(patches->v[i], &pst) ? 0 : (uint64_t)pst.st_size);
		json_key(w, "status");
		if (status && i < status->n) {
			json_begin_object(w);
			json_key(w, "verdict");
			json_str(w, th_pverdict_name(status->v[i].verdict));
			json_key(w, "method");
			json_str(w, status->v[i].method);
			json_key(w, "evidence");
			json_str(w, status->v[i].evidence);
			json_end_object(w);
		} else {
			json_null(w);
		}
		json_end_object(w);
	}
	json_end_array(w);
}

static void json_tee_options(struct json_writer *w, const struct th_kproof *proof)
{
	json_key(w, "tee_options");
	json_begin_array(w);
	for (size_t i = 0; i < proof->n; i++) {
		json_begin_object(w);
		json_key(w, "name");
		json_str(w, proof->v[i].name);
		json_key(w, "requested");
		json_str(w, proof->v[i].want);
		json_key(w, "final");
		if (proof->v[i].got)
			json_str(w, proof->v[i].got);
		else
			json_null(w);
		json_end_object(w);
	}
	json_end_array(w);
}

/* "artifacts": the .debs and the tarball in STAGE (name order), then the kernel inside it. */
static void json_artifacts(struct json_writer *w, const char *stage, const char *release)
{
	char path[PATH_MAX + 64], vname[256];
	DIR *d;
	struct dirent *de;

	json_key(w, "artifacts");
	json_begin_array(w);
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
		qsort(names, n, sizeof(*names), th_kcmp_str);
		for (size_t i = 0; i < n; i++) {
			if (!names[i])
				continue;
			snprintf(path, sizeof(path), "%s/%s", stage, names[i]);
			json_file(w, names[i], path);
			free(names[i]);
		}
	}
	snprintf(path, sizeof(path), "%s/root/boot/vmlinuz-%s", stage, release);
	snprintf(vname, sizeof(vname), "vmlinuz-%s (in the tarball)", release);
	json_file(w, vname, path);
	json_end_array(w);
}

int th_kmanifest_write(const struct th_kbuild_opts *o, const struct th_ktree *t,
		       const struct th_kpatches *patches, const struct th_status_run *status,
		       const struct th_kproof *proof, const char *stage, const char *release,
		       long long epoch, double seconds, struct th_err *err)
{
	char path[PATH_MAX + 64], cc[256] = "", commit[64] = "";
	struct json_writer w;
	struct utsname u;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return th_fail(err, ENOMEM, "manifest.json", "out of memory");
	snprintf(path, sizeof(path), "%s/cc-version", stage);
	th_kread_line(path, cc, sizeof(cc));
	snprintf(path, sizeof(path), "%s/base-commit", stage);
	th_kread_line(path, commit, sizeof(commit));
	uname(&u);
	json_init(&w, f, true);
	json_begin_object(&w);
	json_key(&w, "format");
	json_str(&w, "teehost-kernel-manifest/1");
	json_key(&w, "kernel_release");
	json_str(&w, release);
	json_base(&w, o, t, commit);
	json_recipe(&w, o);
	json_patches(&w, patches, status);
	json_key(&w, "profiles");
	json_begin_array(&w);
	for (size_t i = 0; i < o->nprofiles; i++)
		json_str(&w, o->profiles[i]);
	json_end_array(&w);
	json_tee_options(&w, proof);
	json_key(&w, "compiler");
	json_str(&w, cc);
	json_key(&w, "build_host");
	json_str(&w, u.nodename);
	json_key(&w, "source_date_epoch");
	json_int(&w, epoch);
	json_key(&w, "duration_seconds");
	json_double(&w, seconds);
	json_artifacts(&w, stage, release);
	json_end_object(&w);
	json_finish(&w);
	fclose(f);
	snprintf(path, sizeof(path), "%s/manifest.json", stage);
	r = th_write_file_atomic(path, buf, len, 0644, 0, err);
	free(buf);
	return r;
}
