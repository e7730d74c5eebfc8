/* SPDX-License-Identifier: MIT */
/*
 * Kernel patch series through their life: `teehost kernel series
 * status|rebase|compose|bisect`.
 *
 * Two layers. The parsers here are pure (bytes in, structures out, fuzzed in
 * fuzz/kernel_series.c): a quilt-style series file, and one patch's header
 * (subject, author) and diff outline (files, hunks, byte spans) - the outline
 * only says where the hunks are, so single hunks can be handed to git on
 * their own. Every decision about whether a change applies or is present is
 * git's (git apply, --check, -R, -C, --3way, git patch-id, git format-patch),
 * made in a scratch tree holding only the files the series touches; see
 * series.c. Each verdict records the method that decided it.
 */
#ifndef TEEHOST_KERNEL_SERIES_H
#define TEEHOST_KERNEL_SERIES_H

#include <limits.h>
#include <stddef.h>

struct th_err;

/* ---- parsers (pure) ------------------------------------------------------ */

struct th_series_entry {
	char *name;		/* as written: relative to the series file's directory */
	unsigned line;		/* 1-based line in the series file */
};

struct th_series_file {
	struct th_series_entry *v;
	size_t n;
};

/* Quilt format: one patch per line, optional "-p1" after the name, '#'
 * comments, blank lines ignored. Any other option or an absolute or ".."
 * name is an error "line N: ...". */
int th_series_parse(struct th_series_file *s, const char *text, size_t len,
		    struct th_err *err);
void th_series_file_free(struct th_series_file *s);

struct th_phunk {
	unsigned old_start, old_len, new_start, new_len;
	size_t off, len;	/* the hunk's bytes in the patch, from its "@@" line */
	unsigned line;		/* its "@@" line number in the patch */
};

struct th_pfile {
	char *path;		/* the file the patch leaves (or deletes), without a/ b/ */
	size_t hdr_off, hdr_len;	/* "diff --git" (or "---") up to the first hunk */
	struct th_phunk *hunks;
	size_t nhunks;
	int created, deleted, binary;
};

struct th_patch {
	char *subject;		/* "Subject:" without "[PATCH n/m]", else the first line */
	char *author;		/* "From:" header, or NULL */
	char *body;		/* the description (commit message body), may be "" */
	size_t diff_off;	/* where the first file's header starts */
	struct th_pfile *files;
	size_t nfiles;
};

/* A patch must hold at least one file diff; each hunk's line counts must
 * match its header. Errors: "line N: ...". */
int th_patch_parse(struct th_patch *p, const char *text, size_t len, struct th_err *err);
void th_patch_free(struct th_patch *p);

/* ---- the series engine (git) --------------------------------------------- */

enum th_pverdict {
	TH_PV_CLEAN,		/* applies cleanly */
	TH_PV_OFFSET,		/* applies, hunks at other lines */
	TH_PV_FUZZ,		/* applies only with reduced context (git apply -C1) */
	TH_PV_3WAY,		/* applies only as a 3-way merge */
	TH_PV_UPSTREAM,		/* already in the base */
	TH_PV_PARTIAL,		/* some hunks in the base, the rest applied */
	TH_PV_CONFLICT,		/* does not apply */
};

const char *th_pverdict_name(enum th_pverdict v);
/* Needed on this base (applied): clean, offset, fuzz, 3way, partial. */
int th_pverdict_needed(enum th_pverdict v);

struct th_spatch {
	char *path;		/* absolute */
	char *file;		/* the name in the series file */
	char *text;
	size_t len;
	struct th_patch p;
};

struct th_series {
	char label[64];		/* short name: recipe name or the series' directory */
	char path[PATH_MAX];	/* the series file (or directory) */
	struct th_spatch *v;
	size_t n;
	char **profiles;	/* from a recipe (may be none) */
	size_t nprofiles;
	char *base_config;	/* a recipe's "base" */
};

/* SERIES: a quilt series file, a directory of *.patch (name order) or a
 * .recipe naming one or more series. Every patch is read and parsed now, so
 * a missing or malformed patch is an error before anything runs. */
int th_series_load(struct th_series *s, const char *path, const char *label,
		   struct th_err *err);
void th_series_free(struct th_series *s);
/* A series of the patch files PATHS (already resolved, in order). */
int th_series_from_paths(struct th_series *s, const char *label, char *const *paths, size_t n,
			 struct th_err *err);

/* The base: a directory (a kernel tree, or a clean git work tree: its HEAD)
 * or REF, a commit in the git repository REPO. */
struct th_sbase {
	char what[PATH_MAX];	/* as the user named it, for messages */
	char tree[PATH_MAX];	/* plain tree: files come from here */
	char repo[PATH_MAX];	/* git: repository top level */
	char commit[41];	/* git: the commit */
	int git;
};

int th_sbase_open(struct th_sbase *b, const char *onto, const char *repo, struct th_err *err);

struct th_pstatus {
	const struct th_series *series;
	size_t index;		/* 0-based in its series */
	enum th_pverdict verdict;
	char method[96];	/* what decided: "git apply", "git patch-id", ... */
	char evidence[512];	/* one line: offsets, commit, hunks, conflict */
	char file[256];		/* conflict: the file */
	unsigned hunk;		/* conflict: 1-based hunk in that file */
	char upstream[41];	/* patch-id match: the base's commit */
	char patch_id[41];	/* git patch-id --stable of the patch ("" if none) */
};

struct th_status_run {
	const struct th_sbase *base;
	struct th_pstatus *v;	/* one per patch, in application order */
	size_t n;
	size_t upstream, needed, conflicts, partial;
	int patch_id_used;	/* the base has history and patch-ids were compared */
	char patch_id_note[160];
	size_t stopped;		/* stop_on_conflict: index of the conflict, else n */
	char scratch[PATH_MAX];	/* the scratch dir (removed unless kept) */
};

struct th_status_opts {
	int keep_scratch;	/* leave the scratch repo (status_run.scratch) */
	int commit_each;	/* commit every applied patch (rebase, compose --out) */
	unsigned patch_id_depth;	/* commits of history to compare (0: 20000) */
	int stop_on_conflict;	/* stop there, conflict markers left in the tree */
	const char *scratch_dir;	/* make the scratch here (kept), not in $TMPDIR */
	int resume;		/* scratch_dir exists from a stopped run: go on */
	size_t start;		/* resume: first patch to judge */
};

/* Apply SERIES[0..n) in order to BASE in a scratch tree, one verdict per
 * patch. -errno only when git could not be run at all. */
int th_series_status(const struct th_sbase *base, const struct th_series *const *series,
		     size_t n, const struct th_status_opts *o, struct th_status_run *run,
		     struct th_err *err);
void th_status_run_free(struct th_status_run *run);

/* Two patches touch the same lines: same file, overlapping old ranges. */
int th_patches_overlap(const struct th_patch *a, const struct th_patch *b, const char **file);

#endif
