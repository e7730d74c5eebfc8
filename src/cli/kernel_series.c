// SPDX-License-Identifier: MIT
/*
 * teehost kernel series status|rebase|compose|bisect: a patch series' life
 * against moving bases. The verdicts come from src/kernel/series.c (git's
 * own machinery); this file parses options and prints.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "kernel/configure.h"
#include "kernel/kbuild.h"
#include "kernel/series.h"
#include "kernel/series_bisect.h"
#include "util/err.h"
#include "util/file.h"
#include "util/json.h"

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

#define MAX_SERIES 8
#define MAX_PROFILES 32

struct sopts {
	const char *onto, *repo, *out, *src, *base_cfg, *test, *host_test, *build, *config, *workdir;
	const char *profiles[MAX_PROFILES];
	size_t nprofiles;
	const char *args[MAX_SERIES];
	size_t nargs;
	int json, cont;
	unsigned depth, jobs, timeout;
};

enum { O_ONTO = 256, O_REPO, O_OUT, O_JSON, O_CONT, O_SRC, O_PROFILE, O_BASE, O_TEST,
       O_BUILD, O_CONFIG, O_WORKDIR, O_DEPTH, O_JOBS, O_HOST_TEST, O_TIMEOUT, O_HELP };

static const struct option series_long[] = {
	{ "onto", required_argument, NULL, O_ONTO },
	{ "repo", required_argument, NULL, O_REPO },
	{ "out", required_argument, NULL, O_OUT },
	{ "json", no_argument, NULL, O_JSON },
	{ "continue", no_argument, NULL, O_CONT },
	{ "src", required_argument, NULL, O_SRC },
	{ "profile", required_argument, NULL, O_PROFILE },
	{ "base", required_argument, NULL, O_BASE },
	{ "test", required_argument, NULL, O_TEST },
	{ "host-test", required_argument, NULL, O_HOST_TEST },
	{ "boot-timeout", required_argument, NULL, O_TIMEOUT },
	{ "build", required_argument, NULL, O_BUILD },
	{ "config", required_argument, NULL, O_CONFIG },
	{ "workdir", required_argument, NULL, O_WORKDIR },
	{ "patch-id-depth", required_argument, NULL, O_DEPTH },
	{ "jobs", required_argument, NULL, O_JOBS },
	{ "help", no_argument, NULL, O_HELP },
	{ NULL, 0, NULL, 0 },
};

/* Returns 0 to go on, -1 after --help, else an exit code. */
static int parse(int argc, char **argv, const char *cmd, const char *usage, struct sopts *o)
{
	unsigned long long v;
	int c;

	memset(o, 0, sizeof(*o));
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", series_long, NULL)) != -1) {
		switch (c) {
		case O_ONTO: o->onto = optarg; break;
		case O_REPO: o->repo = optarg; break;
		case O_OUT: o->out = optarg; break;
		case O_JSON: o->json = 1; break;
		case O_CONT: o->cont = 1; break;
		case O_SRC: o->src = optarg; break;
		case O_BASE: o->base_cfg = optarg; break;
		case O_TEST: o->test = optarg; break;
		case O_HOST_TEST: o->host_test = optarg; break;
		case O_BUILD: o->build = optarg; break;
		case O_CONFIG: o->config = optarg; break;
		case O_WORKDIR: o->workdir = optarg; break;
		case O_PROFILE:
			if (o->nprofiles == MAX_PROFILES)
				return cli_usage_error(cmd, "too many --profile");
			o->profiles[o->nprofiles++] = optarg;
			break;
		case O_DEPTH:
			if (cli_parse_u64(optarg, 10000000, &v) || !v)
				return cli_usage_error(cmd, "--patch-id-depth: want 1..10000000");
			o->depth = (unsigned)v;
			break;
		case O_TIMEOUT:
			if (cli_parse_u64(optarg, 86400, &v) || !v)
				return cli_usage_error(cmd, "--boot-timeout: want 1..86400 seconds");
			o->timeout = (unsigned)v;
			break;
		case O_JOBS:
			if (cli_parse_u64(optarg, 256, &v) || !v)
				return cli_usage_error(cmd, "--jobs: want 1..256");
			o->jobs = (unsigned)v;
			break;
		case 'h':
		case O_HELP:
			fputs(usage, stdout);
			return -1;
		default:
			return EXIT_USAGE;
		}
	}
	for (; optind < argc; optind++) {
		if (o->nargs == MAX_SERIES)
			return cli_usage_error(cmd, "at most %d series", MAX_SERIES);
		o->args[o->nargs++] = argv[optind];
	}
	return 0;
}

static void print_patch_line(const struct th_pstatus *ps, FILE *out)
{
	const struct th_spatch *sp = &ps->series->v[ps->index];

	fprintf(out, "%s/%04zu %-16s %s: %s\n", ps->series->label, ps->index + 1,
		th_pverdict_name(ps->verdict), sp->file, sp->p.subject);
	fprintf(out, "      by %s%s%s\n", ps->method, ps->evidence[0] ? ": " : "", ps->evidence);
}

static void json_status_patch(struct json_writer *w, const struct th_pstatus *ps)
{
	const struct th_spatch *sp = &ps->series->v[ps->index];

	json_begin_object(w);
	json_key(w, "series");
	json_str(w, ps->series->label);
	json_key(w, "index");
	json_uint(w, ps->index + 1);
	json_key(w, "file");
	json_str(w, sp->file);
	json_key(w, "subject");
	json_str(w, sp->p.subject);
	json_key(w, "verdict");
	json_str(w, th_pverdict_name(ps->verdict));
	json_key(w, "needed");
	json_bool(w, th_pverdict_needed(ps->verdict));
	json_key(w, "method");
	json_str(w, ps->method);
	json_key(w, "evidence");
	json_str(w, ps->evidence);
	json_key(w, "conflict");
	if (ps->verdict == TH_PV_CONFLICT) {
		json_begin_object(w);
		json_key(w, "file");
		json_str(w, ps->file);
		json_key(w, "hunk");
		json_uint(w, ps->hunk);
		json_end_object(w);
	} else {
		json_null(w);
	}
	json_key(w, "upstream_commit");
	if (ps->upstream[0])
		json_str(w, ps->upstream);
	else
		json_null(w);
	json_key(w, "patch_id");
	if (ps->patch_id[0])
		json_str(w, ps->patch_id);
	else
		json_null(w);
	json_end_object(w);
}

static void summary_line(const struct th_status_run *run, const char *onto, char *buf,
			 size_t len)
{
	snprintf(buf, len, "%zu of %zu patches already upstream in %s, %zu still needed, "
		 "%zu conflict", run->upstream, run->n, onto, run->needed, run->conflicts);
}

static void json_base(struct json_writer *w, const struct th_sbase *b)
{
	json_key(w, "onto");
	json_str(w, b->what);
	json_key(w, "commit");
	if (b->git)
		json_str(w, b->commit);
	else
		json_null(w);
	json_key(w, "tree");
	if (b->git)
		json_null(w);
	else
		json_str(w, b->tree);
}

static void json_run(struct json_writer *w, const struct th_status_run *run, const char *onto)
{
	char line[512];

	json_key(w, "patch_id");
	json_begin_object(w);
	json_key(w, "compared");
	json_bool(w, run->patch_id_used);
	json_key(w, "note");
	json_str(w, run->patch_id_note);
	json_end_object(w);
	json_key(w, "patches");
	json_begin_array(w);
	for (size_t i = 0; i < run->n; i++)
		json_status_patch(w, &run->v[i]);
	json_end_array(w);
	json_key(w, "total");
	json_uint(w, run->n);
	json_key(w, "upstream");
	json_uint(w, run->upstream);
	json_key(w, "needed");
	json_uint(w, run->needed);
	json_key(w, "partly_upstream");
	json_uint(w, run->partial);
	json_key(w, "conflicts");
	json_uint(w, run->conflicts);
	summary_line(run, onto, line, sizeof(line));
	json_key(w, "summary");
	json_str(w, line);
}

static int load_all(struct sopts *o, struct th_series *s, struct th_sbase *b, size_t min,
		    const char *cmd)
{
	struct th_err err = { "" };

	if (o->nargs < min)
		return cli_usage_error(cmd, "%s", min > 1 ? "give at least two SERIES" :
				       "give a SERIES (series file, directory or .recipe)");
	if (!o->onto)
		return cli_usage_error(cmd, "--onto TREE|REF is required");
	for (size_t i = 0; i < o->nargs; i++)
		if (th_series_load(&s[i], o->args[i], NULL, &err)) {
			for (size_t j = 0; j < i; j++)
				th_series_free(&s[j]);
			fprintf(stderr, "teehost: %s\n", err.msg);
			return EXIT_FAIL;
		}
	if (th_sbase_open(b, o->onto, o->repo, &err)) {
		for (size_t j = 0; j < o->nargs; j++)
			th_series_free(&s[j]);
		fprintf(stderr, "teehost: %s\n", err.msg);
		return EXIT_FAIL;
	}
	return 0;
}

/* ---- status ------------------------------------------------------------------ */

static const char status_usage[] =
	"Usage: teehost kernel series status SERIES [SERIES...] --onto TREE|REF [--repo DIR]\n"
	"         [--patch-id-depth N] [--json]\n"
	"\n"
	"One verdict per patch against the base, patches applied in order (several series:\n"
	"one after the other): applies, applies-offset, applies-fuzz (only with one line of\n"
	"context), applies-3way, upstream (already in the base), partly-upstream (naming\n"
	"the hunks), conflict (naming file and hunk). Each names the method that decided\n"
	"it: git patch-id (an equal patch-id in the base's history; a miss proves\n"
	"nothing), git apply, git apply -R (reverse-apply), per-hunk apply/reverse-apply,\n"
	"git apply --3way. SERIES: a quilt series file, a directory of *.patch or a\n"
	".recipe. TREE: a kernel tree or a clean git work tree; REF: a commit of --repo\n"
	"(default: the current directory's repository). Exit 1 when a patch conflicts.\n";

static int series_status(int argc, char **argv)
{
	struct th_series s[MAX_SERIES];
	const struct th_series *sp[MAX_SERIES];
	struct th_status_opts so = { 0 };
	struct th_status_run run;
	struct th_sbase b;
	struct th_err err = { "" };
	struct sopts o;
	char line[512];
	int r;

	r = parse(argc, argv, "kernel series status", status_usage, &o);
	if (r)
		return r < 0 ? EXIT_OK : r;
	r = load_all(&o, s, &b, 1, "kernel series status");
	if (r)
		return r;
	for (size_t i = 0; i < o.nargs; i++)
		sp[i] = &s[i];
	so.patch_id_depth = o.depth;
	r = th_series_status(&b, sp, o.nargs, &so, &run, &err);
	if (r) {
		r = cli_error("kernel series status", "%s", err.msg);
		goto done;
	}
	summary_line(&run, o.onto, line, sizeof(line));
	if (o.json) {
		struct json_writer w;

		json_init(&w, stdout, true);
		json_begin_object(&w);
		json_key(&w, "format");
		json_str(&w, "teehost-series-status/1");
		json_base(&w, &b);
		json_key(&w, "series");
		json_begin_array(&w);
		for (size_t i = 0; i < o.nargs; i++) {
			json_begin_object(&w);
			json_key(&w, "label");
			json_str(&w, s[i].label);
			json_key(&w, "path");
			json_str(&w, s[i].path);
			json_key(&w, "patches");
			json_uint(&w, s[i].n);
			json_end_object(&w);
		}
		json_end_array(&w);
		json_run(&w, &run, o.onto);
		json_end_object(&w);
		json_finish(&w);
	} else {
		printf("onto %s%s%.12s\n", o.onto, b.git ? " = commit " : " (tree, no history)",
		       b.git ? b.commit : "");
		for (size_t i = 0; i < run.n; i++)
			print_patch_line(&run.v[i], stdout);
		printf("%s\n%s\n", run.patch_id_note, line);
	}
	r = run.conflicts ? EXIT_FAIL : EXIT_OK;
	th_status_run_free(&run);
done:
	for (size_t i = 0; i < o.nargs; i++)
		th_series_free(&s[i]);
	return r;
}

/* ---- rebase ------------------------------------------------------------------ */

static const char rebase_usage[] =
	"Usage: teehost kernel series rebase SERIES --onto REF|TREE [--repo DIR] --out DIR\n"
	"         [--json]\n"
	"       teehost kernel series rebase --continue --out DIR\n"
	"\n"
	"A new series for the new base in DIR: patches already in the base are dropped\n"
	"(rebase.json says why, by which method), partly-upstream ones keep only the hunks\n"
	"still needed, the rest are refreshed (git format-patch; same file names) so their\n"
	"context and line numbers match the base. The first real conflict stops it, naming\n"
	"patch, file and hunk; the conflicting merge is left in DIR.rebase/t (git apply\n"
	"--3way markers). Resolve the files there, then --continue. DIR is written only when\n"
	"the whole series applies; it must not exist or be empty.\n";

/* OUT may be absent or an empty directory (nothing to lose). */
static int out_ok(const char *path)
{
	struct stat st;
	const char *argv[] = { "rmdir", "--", path, NULL };

	if (stat(path, &st))
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode))
		return 0;
	/* rmdir succeeds only on an empty directory; recreate it as it was. */
	if (th_krun(NULL, NULL, NULL, NULL, argv))
		return 0;
	return mkdir(path, st.st_mode & 07777) == 0;
}

/* The state of a stopped rebase, in DIR.rebase/state. */
struct rstate {
	char series[PATH_MAX], onto[PATH_MAX], repo[PATH_MAX];
	size_t n;
	struct th_pstatus v[4096];
};

static int state_write(const char *dir, const struct sopts *o, const struct th_sbase *b,
		       const struct th_status_run *run, size_t upto, struct th_err *err)
{
	char path[PATH_MAX + 16], *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return th_fail(err, ENOMEM, dir, "out of memory");
	fprintf(f, "series\t%s\nonto\t%s\nrepo\t%s\n", o->args[0],
		b->git ? b->commit : b->tree, b->git ? b->repo : "");
	for (size_t i = 0; i < upto && i < run->n; i++) {
		const struct th_pstatus *ps = &run->v[i];

		fprintf(f, "v\t%zu\t%d\t%s\t%s\t%s\t%s\t%u\n", i, (int)ps->verdict, ps->method,
			ps->evidence, ps->upstream[0] ? ps->upstream : "-",
			ps->file[0] ? ps->file : "-", ps->hunk);
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/state", dir);
	r = th_write_file_atomic(path, buf, len, 0644, 0, err);
	free(buf);
	return r;
}

static int state_read(const char *dir, struct rstate *st, struct th_err *err)
{
	char path[PATH_MAX + 16], *text = NULL, *line, *save = NULL;
	size_t len;
	int r;

	memset(st, 0, sizeof(*st));
	snprintf(path, sizeof(path), "%s/state", dir);
	r = th_read_file(path, 16 << 20, &text, &len, err);
	if (r)
		return th_fail(err, -r, path, "no rebase in progress here (%s)", strerror(-r));
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[9] = { 0 };
		size_t nf = 0;

		for (char *p = line; nf < 9;) {
			f[nf++] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = 0;
		}
		if (!strcmp(f[0], "series") && nf == 2)
			snprintf(st->series, sizeof(st->series), "%s", f[1]);
		else if (!strcmp(f[0], "onto") && nf == 2)
			snprintf(st->onto, sizeof(st->onto), "%s", f[1]);
		else if (!strcmp(f[0], "repo") && nf == 2)
			snprintf(st->repo, sizeof(st->repo), "%s", f[1]);
		else if (!strcmp(f[0], "v") && nf == 8 && st->n < 4096) {
			struct th_pstatus *ps = &st->v[st->n++];

			ps->index = strtoul(f[1], NULL, 10);
			ps->verdict = (enum th_pverdict)atoi(f[2]);
			snprintf(ps->method, sizeof(ps->method), "%s", f[3]);
			snprintf(ps->evidence, sizeof(ps->evidence), "%s", f[4]);
			snprintf(ps->upstream, sizeof(ps->upstream), "%s", strcmp(f[5], "-") ? f[5] : "");
			snprintf(ps->file, sizeof(ps->file), "%s", strcmp(f[6], "-") ? f[6] : "");
			ps->hunk = (unsigned)atoi(f[7]);
		}
	}
	free(text);
	if (!st->series[0] || !st->onto[0])
		return th_fail(err, EINVAL, path, "not a teehost rebase state file");
	return 0;
}

static int sh(const char *cwd, const char *script, const char *a1, const char *a2,
	      const char *a3)
{
	const char *argv[] = { "sh", "-c", script, a1 ? a1 : "", a2 ? a2 : "", a3 ? a3 : "",
			       NULL };
	static const char *const env[] = { "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
		"LC_ALL=C", "GIT_AUTHOR_NAME=teehost", "GIT_AUTHOR_EMAIL=teehost@localhost",
		"GIT_COMMITTER_NAME=teehost", "GIT_COMMITTER_EMAIL=teehost@localhost",
		"GIT_AUTHOR_DATE=@0 +0000", "GIT_COMMITTER_DATE=@0 +0000", NULL };

	return th_krun(cwd, NULL, NULL, env, argv);
}

static void json_rebase(FILE *f, const struct th_sbase *b, const struct th_series *s,
			const struct th_status_run *run, const char *onto)
{
	struct json_writer w;

	json_init(&w, f, true);
	json_begin_object(&w);
	json_key(&w, "format");
	json_str(&w, "teehost-series-rebase/1");
	json_key(&w, "from");
	json_str(&w, s->path);
	json_base(&w, b);
	json_key(&w, "kept");
	json_begin_array(&w);
	for (size_t i = 0; i < run->n; i++)
		if (th_pverdict_needed(run->v[i].verdict))
			json_str(&w, s->v[i].file);
	json_end_array(&w);
	json_key(&w, "dropped");
	json_begin_array(&w);
	for (size_t i = 0; i < run->n; i++)
		if (!th_pverdict_needed(run->v[i].verdict)) {
			json_begin_object(&w);
			json_key(&w, "file");
			json_str(&w, s->v[i].file);
			json_key(&w, "why");
			json_str(&w, run->v[i].evidence);
			json_key(&w, "method");
			json_str(&w, run->v[i].method);
			json_end_object(&w);
		}
	json_end_array(&w);
	json_run(&w, run, onto);
	json_end_object(&w);
	json_finish(&w);
}

/* All patches applied in STATE/t: format-patch them into OUT. */
static int rebase_finish(const char *state, const char *out, const struct th_sbase *b,
			 const struct th_series *s, struct th_status_run *run, int json)
{
	char part[PATH_MAX + 32], tdir[PATH_MAX + 8], path[2 * PATH_MAX], *buf = NULL;
	size_t len = 0, k = 0;
	struct th_err err = { "" };
	FILE *f;
	int r;

	snprintf(part, sizeof(part), "%s.partial", out);
	snprintf(tdir, sizeof(tdir), "%s/t", state);
	th_krmtree(part);
	if (sh(tdir, "git format-patch -q -N --zero-commit --no-signature -o \"$0\" "
	       "teehost-base..HEAD", part, NULL, NULL) || (mkdir(part, 0755) && errno != EEXIST))
		return cli_error(out, "git format-patch failed in %s", tdir);
	/* git names them 0001-subject.patch; keep the series' own names. */
	f = open_memstream(&buf, &len);
	for (size_t i = 0; f && i < run->n; i++) {
		char from[PATH_MAX + 64];
		const char *slash;

		if (!th_pverdict_needed(run->v[i].verdict))
			continue;
		k++;
		snprintf(from, sizeof(from), "\"$0\"/%04zu-*.patch", k);
		slash = strrchr(s->v[i].file, '/');
		snprintf(path, sizeof(path), "%s", slash ? slash + 1 : s->v[i].file);
		if (sh(NULL, "set -- \"$0\"/$(printf %04d \"$1\")-*.patch \"$2\"; "
		       "[ -f \"$1\" ] && mv \"$1\" \"$0/$2.new\"", part,
		       (snprintf(from, sizeof(from), "%zu", k), from), path)) {
			fclose(f);
			free(buf);
			return cli_error(out, "refreshed patch %zu missing from format-patch", k);
		}
		fprintf(f, "%s\n", path);
	}
	if (f)
		fclose(f);
	if (sh(NULL, "cd \"$0\" && for p in *.new; do [ -e \"$p\" ] && mv \"$p\" \"${p%.new}\";"
	       " done; true", part, NULL, NULL)) {
		free(buf);
		return cli_error(out, "cannot name the refreshed patches");
	}
	snprintf(path, sizeof(path), "%s/series", part);
	r = th_write_file_atomic(path, buf ? buf : "", len, 0644, 0, &err);
	free(buf);
	buf = NULL;
	len = 0;
	if (r)
		return cli_error_err(path, &err);
	f = open_memstream(&buf, &len);
	if (!f)
		return cli_error(out, "out of memory");
	json_rebase(f, b, s, run, b->git ? b->commit : b->tree);
	fclose(f);
	snprintf(path, sizeof(path), "%s/rebase.json", part);
	r = th_write_file_atomic(path, buf, len, 0644, 0, &err);
	if (r) {
		free(buf);
		return cli_error_err(path, &err);
	}
	rmdir(out);
	if (rename(part, out)) {
		free(buf);
		return cli_error(out, "cannot move %s into place: %s", part, strerror(errno));
	}
	th_krmtree(state);
	if (json)
		fwrite(buf, 1, len, stdout);
	else {
		for (size_t i = 0; i < run->n; i++)
			print_patch_line(&run->v[i], stdout);
		printf("kept %zu, dropped %zu: new series in %s (rebase.json says why)\n",
		       run->needed, run->n - run->needed, out);
	}
	free(buf);
	return EXIT_OK;
}

static int rebase_stopped(const char *state, const char *out, const struct th_status_run *run)
{
	const struct th_pstatus *ps = &run->v[run->stopped];
	const struct th_spatch *sp = &ps->series->v[ps->index];

	for (size_t i = 0; i < run->stopped; i++)
		print_patch_line(&run->v[i], stdout);
	print_patch_line(ps, stdout);
	fprintf(stderr, "teehost: %s: conflict in %s hunk #%u (patch %zu of %zu, \"%s\"): "
		"resolve it in %s/t, then: teehost kernel series rebase --continue --out %s\n",
		sp->path, ps->file[0] ? ps->file : "?", ps->hunk, ps->index + 1, run->n,
		sp->p.subject, state, out);
	return EXIT_FAIL;
}

static void recount(struct th_status_run *run)
{
	run->upstream = run->needed = run->conflicts = run->partial = 0;
	for (size_t i = 0; i < run->n; i++) {
		enum th_pverdict v = run->v[i].verdict;

		run->upstream += v == TH_PV_UPSTREAM;
		run->conflicts += v == TH_PV_CONFLICT;
		run->needed += th_pverdict_needed(v);
		run->partial += v == TH_PV_PARTIAL;
	}
}

/* --continue: the conflict of patch K, resolved by hand in TDIR, becomes its status V (and a
 * commit with the patch's message when the resolution changes the base). 0, or the exit
 * status of the error it printed. */
static int rebase_resolved(const char *tdir, const struct th_series *s, size_t k,
			   struct th_pstatus *v)
{
	char *msg = NULL;

	if (!sh(tdir, "git grep -q -e '^<<<<<<< ' -e '^>>>>>>> ' -- . ", NULL, NULL, NULL))
		return cli_error(tdir, "conflict markers are still there (git grep '^<<<<<<<'): "
				 "resolve them first");
	sh(tdir, "git add -A", NULL, NULL, NULL);
	snprintf(v->method, sizeof(v->method), "resolved by hand (--continue)");
	if (!sh(tdir, "git diff --cached --quiet HEAD", NULL, NULL, NULL)) {
		v->verdict = TH_PV_UPSTREAM;
		snprintf(v->evidence, sizeof(v->evidence), "the resolution leaves the base "
			 "unchanged");
		return 0;
	}
	v->verdict = TH_PV_3WAY;
	snprintf(v->evidence, sizeof(v->evidence), "conflict resolved in %s", tdir);
	if (asprintf(&msg, "%s%s%s", s->v[k].p.subject, s->v[k].p.body[0] ? "\n\n" : "",
		     s->v[k].p.body) < 0 ||
	    sh(tdir, "git commit -q --no-verify -m \"$0\"", msg, NULL, NULL)) {
		free(msg);
		return cli_error(tdir, "git commit failed");
	}
	free(msg);
	return 0;
}

static int series_rebase(int argc, char **argv)
{
	struct th_series s;
	const struct th_series *sp[1] = { &s };
	struct th_status_opts so = { .commit_each = 1, .stop_on_conflict = 1, .keep_scratch = 1 };
	struct th_status_run run;
	struct th_sbase b;
	struct th_err err = { "" };
	static struct rstate st;
	struct sopts o;
	char state[PATH_MAX + 16], tdir[PATH_MAX + 32];
	int r;

	r = parse(argc, argv, "kernel series rebase", rebase_usage, &o);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (!o.out)
		return cli_usage_error("kernel series rebase", "--out DIR is required");
	snprintf(state, sizeof(state), "%s.rebase", o.out);
	snprintf(tdir, sizeof(tdir), "%s/t", state);
	if (o.cont) {
		if (o.nargs || o.onto)
			return cli_usage_error("kernel series rebase", "--continue takes only --out");
		if (state_read(state, &st, &err)) {
			fprintf(stderr, "teehost: %s\n", err.msg);
			return EXIT_FAIL;
		}
		o.args[0] = st.series;
		o.nargs = 1;
		o.onto = st.onto;
		o.repo = st.repo[0] ? st.repo : NULL;
	} else if (access(state, F_OK) == 0) {
		return cli_error(state, "a rebase is in progress: resolve it and --continue, or "
				 "remove %s", state);
	}
	if (!out_ok(o.out))
		return cli_error(o.out, "output exists and is not an empty directory");
	r = load_all(&o, &s, &b, 1, "kernel series rebase");
	if (r)
		return r;
	if (o.cont) {
		size_t k = st.n;	/* the patch that stopped */
		struct th_pstatus *done_v = calloc(k + 1, sizeof(*done_v));

		if (!done_v) {
			r = cli_error("kernel series rebase", "out of memory");
			goto out;
		}
		if (k >= s.n) {
			free(done_v);
			r = cli_error(state, "state names patch %zu of %zu", k + 1, s.n);
			goto out;
		}
		memcpy(done_v, st.v, k * sizeof(done_v[0]));
		r = rebase_resolved(tdir, &s, k, &done_v[k]);
		if (r) {
			free(done_v);
			goto out;
		}
		so.resume = 1;
		so.scratch_dir = state;
		so.start = k + 1;
		r = th_series_status(&b, sp, 1, &so, &run, &err);
		if (r) {
			free(done_v);
			r = cli_error("kernel series rebase", "%s", err.msg);
			goto out;
		}
		for (size_t i = 0; i <= k; i++) {
			done_v[i].series = &s;
			done_v[i].index = i;
			run.v[i] = done_v[i];
		}
		free(done_v);
	} else {
		so.scratch_dir = state;
		so.patch_id_depth = o.depth;
		r = th_series_status(&b, sp, 1, &so, &run, &err);
		if (r) {
			th_krmtree(state);
			r = cli_error("kernel series rebase", "%s", err.msg);
			goto out;
		}
	}
	recount(&run);
	if (run.stopped < run.n) {
		if (state_write(state, &o, &b, &run, run.stopped, &err))
			r = cli_error_err(state, &err);
		else
			r = rebase_stopped(state, o.out, &run);
	} else {
		r = rebase_finish(state, o.out, &b, &s, &run, o.json);
	}
	th_status_run_free(&run);
out:
	th_series_free(&s);
	return r;
}

/* ---- compose ------------------------------------------------------------------ */

static const char compose_usage[] =
	"Usage: teehost kernel series compose A B [C...] --onto TREE|REF [--repo DIR]\n"
	"         [--src TREE] [--profile NAME]... [--base CONFIG] [--out DIR] [--json]\n"
	"\n"
	"Can these series share one kernel? Applies them in the given order and in reverse\n"
	"order on the base, reports for each order the patches that are upstream or\n"
	"conflict, and the pairs of patches across series that touch the same lines. Then\n"
	"proves with the Kconfig proof (teehost kernel config) on TREE (--src, or the base\n"
	"tree) that the union of the series' profiles (from .recipe series and --profile)\n"
	"holds in one .config, base CONFIG (default: a recipe's base, else tinyconfig).\n"
	"Verdict 'one kernel: yes (order ...)' (exit 0) or 'no: blocked by A/0007 vs B/0012\n"
	"in FILE' (exit 1). --out DIR (only on yes): the composed series and a recipe.\n";

struct order_result {
	size_t order[MAX_SERIES];
	struct th_status_run run;
	int ran;
};

static void order_name(const struct th_series *s, const size_t *ord, size_t n, char *buf,
		       size_t len)
{
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? " then " : "",
					 s[ord[i]].label);
}

/* The first conflict of an order and, if any, the patch of another series that
 * touches the same lines. */
static void blocker(const struct order_result *or, char *buf, size_t len)
{
	for (size_t i = 0; i < or->run.n; i++) {
		const struct th_pstatus *c = &or->run.v[i];
		const struct th_spatch *cp = &c->series->v[c->index];

		if (c->verdict != TH_PV_CONFLICT)
			continue;
		for (size_t j = 0; j < i; j++) {
			const struct th_pstatus *a = &or->run.v[j];
			const char *file = NULL;

			if (a->series == c->series || !th_pverdict_needed(a->verdict))
				continue;
			if (th_patches_overlap(&a->series->v[a->index].p, &cp->p, &file)) {
				snprintf(buf, len, "%s/%04zu vs %s/%04zu in %s", a->series->label,
					 a->index + 1, c->series->label, c->index + 1, file);
				return;
			}
		}
		snprintf(buf, len, "%s/%04zu (conflicts with the base in %s)", c->series->label,
			 c->index + 1, c->file[0] ? c->file : "?");
		return;
	}
	buf[0] = 0;
}

static int compose_out(const char *out, const struct th_sbase *b, const struct th_series *s,
		       const struct order_result *or, size_t ns, const char *const *profiles,
		       size_t np, const char *base_cfg)
{
	char part[PATH_MAX + 16], path[2 * PATH_MAX], *buf = NULL;
	size_t len = 0;
	struct th_err err = { "" };
	FILE *f;
	int r;

	if (!out_ok(out))
		return cli_error(out, "output exists and is not an empty directory");
	snprintf(part, sizeof(part), "%s.partial", out);
	th_krmtree(part);
	if (mkdir(part, 0755))
		return cli_error(part, "%s", strerror(errno));
	f = open_memstream(&buf, &len);
	for (size_t i = 0; f && i < or->run.n; i++) {
		const struct th_pstatus *ps = &or->run.v[i];
		const struct th_spatch *sp = &ps->series->v[ps->index];
		const char *slash = strrchr(sp->file, '/');

		if (!th_pverdict_needed(ps->verdict))
			continue;
		snprintf(path, sizeof(path), "%s/%s", part, ps->series->label);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s/%s/%s", part, ps->series->label,
			 slash ? slash + 1 : sp->file);
		if (th_write_file_atomic(path, sp->text, sp->len, 0644, 1, &err)) {
			fclose(f);
			free(buf);
			th_krmtree(part);
			return cli_error_err(path, &err);
		}
		fprintf(f, "%s/%s\n", ps->series->label, slash ? slash + 1 : sp->file);
	}
	if (!f)
		return cli_error(out, "out of memory");
	fclose(f);
	snprintf(path, sizeof(path), "%s/series", part);
	r = th_write_file_atomic(path, buf, len, 0644, 0, &err);
	free(buf);
	buf = NULL;
	len = 0;
	if (r) {
		th_krmtree(part);
		return cli_error_err(path, &err);
	}
	f = open_memstream(&buf, &len);
	if (!f)
		return cli_error(out, "out of memory");
	fprintf(f, "# Composed by teehost kernel series compose:");
	for (size_t i = 0; i < ns; i++)
		fprintf(f, " %s", s[or->order[i]].label);
	fprintf(f, "\nname = composed");
	for (size_t i = 0; i < ns; i++)
		fprintf(f, "-%s", s[or->order[i]].label);
	fprintf(f, "\nsrc = %s\n", b->git ? b->repo : b->tree);
	if (b->git)
		fprintf(f, "ref = %s\n", b->commit);
	fprintf(f, "series = series\nbase = %s\n", base_cfg);
	if (np) {
		fprintf(f, "profile =");
		for (size_t i = 0; i < np; i++)
			fprintf(f, " %s", profiles[i]);
		fprintf(f, "\n");
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/composed.recipe", part);
	r = th_write_file_atomic(path, buf, len, 0644, 0, &err);
	free(buf);
	if (r) {
		th_krmtree(part);
		return cli_error_err(path, &err);
	}
	rmdir(out);
	if (rename(part, out)) {
		th_krmtree(part);
		return cli_error(out, "cannot move %s into place: %s", part, strerror(errno));
	}
	return 0;
}

/* Union of the series' recipe profiles and --profile, each once. */
static size_t profile_union(const struct th_series *s, size_t ns, const struct sopts *o,
			    const char **out)
{
	size_t n = 0;

	for (size_t i = 0; i <= ns; i++) {
		const char *const *list = i < ns ? (const char *const *)s[i].profiles : o->profiles;
		size_t cnt = i < ns ? s[i].nprofiles : o->nprofiles;

		for (size_t j = 0; j < cnt && n < MAX_PROFILES; j++) {
			size_t k;

			for (k = 0; k < n && strcmp(out[k], list[j]); k++)
				;
			if (k == n)
				out[n++] = list[j];
		}
	}
	return n;
}

/* What compose found, from its steps to its report. */
struct compose {
	struct order_result orders[2];	/* the series in the order given, then reversed */
	char names[2][256];
	size_t yes;			/* the first order without conflicts, or 2: none */
	char **pairs;			/* patches of different series touching the same lines */
	size_t npairs;
	int kconfig_ran, kconfig_ok;
	char knote[400], kblock[400], verdict[600];
};

/* The Kconfig proof of the union of profiles (np of them) on the base tree: c->kconfig_ok,
 * what blocks it, and a note saying what ran. */
static void compose_kconfig(struct compose *c, const struct sopts *o, const struct th_sbase *b,
			    const char *const *profiles, size_t np, const char *base_cfg)
{
	const char *src = o->src ? o->src : b->git ? b->repo : b->tree;
	struct th_ktree t;
	struct th_kconfig_opts ko = { .src = src, .base = base_cfg, .profiles = profiles,
				      .nprofiles = np };
	struct th_kconfig_result res;
	struct th_err err = { "" };

	if (!np) {
		snprintf(c->knote, sizeof(c->knote), "Kconfig proof not run: no profiles (give "
			 ".recipe series or --profile)");
		return;
	}
	if (th_ktree_open(&t, src, &err)) {
		snprintf(c->knote, sizeof(c->knote), "Kconfig proof not run: %s", err.msg);
		return;
	}
	if (th_kernel_configure(&ko, &res, &err)) {
		c->kconfig_ok = 0;
		snprintf(c->kblock, sizeof(c->kblock), "%s", err.msg);
		th_kconfig_result_free(&res);
		return;
	}
	c->kconfig_ran = 1;
	for (size_t i = 0; i < res.proof.n; i++) {
		const struct th_kreq *q = &res.proof.v[i];

		if (q->status == TH_KREQ_OK || q->status == TH_KREQ_ABSENT_OK)
			continue;
		c->kconfig_ok = 0;
		snprintf(c->kblock, sizeof(c->kblock), "CONFIG_%s (%s asks %s, got %s): %s",
			 q->name, q->source, q->want, q->got ? q->got : "nothing",
			 q->reason ? q->reason : "?");
		break;
	}
	snprintf(c->knote, sizeof(c->knote), "Kconfig proof: %zu option(s) of %zu "
		 "profile(s) on Linux %s, base %s: %s", res.proof.n, np,
		 res.tree.version, base_cfg, c->kconfig_ok ? "all hold in one .config" :
		 "blocked");
	th_kconfig_result_free(&res);
}

/* Pairs across series that touch the same lines. */
static void compose_pairs(struct compose *c, const struct th_series *s, size_t ns)
{
	for (size_t i = 0; i < ns; i++)
		for (size_t j = i + 1; j < ns; j++)
			for (size_t p = 0; p < s[i].n; p++)
				for (size_t q = 0; q < s[j].n; q++) {
					const char *file = NULL;
					char **np2;

					if (!th_patches_overlap(&s[i].v[p].p, &s[j].v[q].p, &file))
						continue;
					np2 = realloc(c->pairs, (c->npairs + 1) * sizeof(*c->pairs));
					if (!np2)
						continue;
					c->pairs = np2;
					if (asprintf(&c->pairs[c->npairs], "%s/%04zu vs %s/%04zu in %s",
						     s[i].label, p + 1, s[j].label, q + 1, file) >= 0)
						c->npairs++;
				}
}

static void compose_json(const struct compose *c, const struct sopts *o,
			 const struct th_sbase *b, const struct th_series *s)
{
	struct json_writer w;

	json_init(&w, stdout, true);
	json_begin_object(&w);
	json_key(&w, "format");
	json_str(&w, "teehost-series-compose/1");
	json_base(&w, b);
	json_key(&w, "orders");
	json_begin_array(&w);
	for (size_t k = 0; k < 2; k++) {
		json_begin_object(&w);
		json_key(&w, "order");
		json_begin_array(&w);
		for (size_t i = 0; i < o->nargs; i++)
			json_str(&w, s[c->orders[k].order[i]].label);
		json_end_array(&w);
		json_key(&w, "ok");
		json_bool(&w, !c->orders[k].run.conflicts);
		json_run(&w, &c->orders[k].run, o->onto);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_key(&w, "same_lines");
	json_begin_array(&w);
	for (size_t i = 0; i < c->npairs; i++)
		json_str(&w, c->pairs[i]);
	json_end_array(&w);
	json_key(&w, "kconfig");
	json_begin_object(&w);
	json_key(&w, "ran");
	json_bool(&w, c->kconfig_ran);
	json_key(&w, "ok");
	json_bool(&w, c->kconfig_ok);
	json_key(&w, "note");
	json_str(&w, c->knote);
	json_key(&w, "blocking");
	if (c->kblock[0])
		json_str(&w, c->kblock);
	else
		json_null(&w);
	json_end_object(&w);
	json_key(&w, "one_kernel");
	json_bool(&w, c->verdict[0] == 'o');
	json_key(&w, "verdict");
	json_str(&w, c->verdict);
	json_end_object(&w);
	json_finish(&w);
}

static void compose_text(const struct compose *c, const struct sopts *o,
			 const struct th_sbase *b)
{
	printf("onto %s%s%.12s\n", o->onto, b->git ? " = commit " : " (tree)",
	       b->git ? b->commit : "");
	for (size_t k = 0; k < 2; k++) {
		char line[512];

		summary_line(&c->orders[k].run, o->onto, line, sizeof(line));
		printf("order %s: %s\n", c->names[k], line);
		for (size_t i = 0; i < c->orders[k].run.n; i++)
			if (c->orders[k].run.v[i].verdict == TH_PV_CONFLICT ||
			    c->orders[k].run.v[i].verdict == TH_PV_UPSTREAM)
				print_patch_line(&c->orders[k].run.v[i], stdout);
	}
	for (size_t i = 0; i < c->npairs; i++)
		printf("same lines: %s\n", c->pairs[i]);
	printf("%s\n%s\n", c->knote, c->verdict);
}

static int series_compose(int argc, char **argv)
{
	struct th_series s[MAX_SERIES];
	struct compose c = { .yes = 2, .kconfig_ok = 1 };
	struct th_sbase b;
	struct th_err err = { "" };
	struct sopts o;
	const char *profiles[MAX_PROFILES], *base_cfg = NULL;
	size_t np;
	int r;

	r = parse(argc, argv, "kernel series compose", compose_usage, &o);
	if (r)
		return r < 0 ? EXIT_OK : r;
	r = load_all(&o, s, &b, 2, "kernel series compose");
	if (r)
		return r;
	for (size_t k = 0; k < 2; k++) {
		const struct th_series *sp[MAX_SERIES];
		struct th_status_opts so = { .patch_id_depth = o.depth };

		for (size_t i = 0; i < o.nargs; i++) {
			c.orders[k].order[i] = k ? o.nargs - 1 - i : i;
			sp[i] = &s[c.orders[k].order[i]];
		}
		order_name(s, c.orders[k].order, o.nargs, c.names[k], sizeof(c.names[k]));
		r = th_series_status(&b, sp, o.nargs, &so, &c.orders[k].run, &err);
		if (r) {
			r = cli_error("kernel series compose", "%s", err.msg);
			goto done;
		}
		c.orders[k].ran = 1;
		if (!c.orders[k].run.conflicts && c.yes == 2)
			c.yes = k;
	}
	np = profile_union(s, o.nargs, &o, profiles);
	for (size_t i = 0; i < o.nargs && !base_cfg; i++)
		base_cfg = s[i].base_config;
	if (o.base_cfg)
		base_cfg = o.base_cfg;
	if (!base_cfg)
		base_cfg = "tinyconfig";
	compose_kconfig(&c, &o, &b, profiles, np, base_cfg);
	if (c.yes < 2 && c.kconfig_ok)
		snprintf(c.verdict, sizeof(c.verdict), "one kernel: yes (order %s)", c.names[c.yes]);
	else if (c.yes == 2) {
		char bl[400];

		blocker(&c.orders[0], bl, sizeof(bl));
		snprintf(c.verdict, sizeof(c.verdict), "no: blocked by %s", bl);
	} else {
		snprintf(c.verdict, sizeof(c.verdict), "no: blocked by %s", c.kblock);
	}
	compose_pairs(&c, s, o.nargs);
	if (o.json)
		compose_json(&c, &o, &b, s);
	else
		compose_text(&c, &o, &b);
	r = c.verdict[0] == 'o' ? EXIT_OK : EXIT_FAIL;
	if (r == EXIT_OK && o.out)
		r = compose_out(o.out, &b, s, &c.orders[c.yes], o.nargs, profiles, np, base_cfg) ?
		    EXIT_FAIL : EXIT_OK;
done:
	for (size_t i = 0; i < c.npairs; i++)
		free(c.pairs[i]);
	free(c.pairs);
	for (size_t k = 0; k < 2; k++)
		if (c.orders[k].ran)
			th_status_run_free(&c.orders[k].run);
	for (size_t i = 0; i < o.nargs; i++)
		th_series_free(&s[i]);
	return r;
}

/* ---- bisect ------------------------------------------------------------------- */

static const char bisect_usage[] =
	"Usage: teehost kernel series bisect SERIES --onto TREE|REF [--repo DIR]\n"
	"         [--test boot|CMD] [--host-test CMD] [--boot-timeout SECONDS]\n"
	"         [--build CMD] [--config FILE] [--profile NAME]... [--workdir DIR]\n"
	"         [--jobs N] [--json]\n"
	"\n"
	"Find the first patch whose build fails, whose boot-test verdict fails (--test\n"
	"boot: the kernel booted under QEMU with the profiles' expectations, see 'teehost\n"
	"kernel boot-test'), or whose test command fails inside the booted guest (--test\n"
	"CMD: the kernel boots under QEMU with a busybox initramfs and CMD runs there as a\n"
	"busybox sh script, every applet on PATH; its exit status decides and its last\n"
	"output line is the evidence). --host-test CMD runs CMD by sh on the host in the\n"
	"work tree after each build instead (or before the boot, with --test). Each boot\n"
	"waits --boot-timeout seconds (default 300) for the guest's verdict.\n"
	"The whole series is built first, then the range is halved: at most\n"
	"ceil(log2 N)+1 builds. Every step reuses one work tree and one object tree (make\n"
	"O=): git apply/-R moves between steps and rewrites only the files in between.\n"
	"The default build is 'make olddefconfig bzImage' with --config FILE or the\n"
	"tiny-kernel config (tinyconfig + sgx-host boot-test, proven); --build CMD\n"
	"replaces it. --build and --host-test see TEEHOST_SRC, TEEHOST_OBJ, TEEHOST_JOBS\n"
	"and TEEHOST_BISECT_APPLIED (patches applied). --workdir keeps tree/, obj/ and\n"
	"the step logs, and a later run in the same DIR starts from that object tree.\n"
	"Prints the culprit with its subject and the failing evidence; exit 1 when one\n"
	"is found, 0 when the whole series is good.\n";

static void print_progress(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
}

static int series_bisect(int argc, char **argv)
{
	struct th_series s;
	struct th_sbase b;
	struct th_bisect_opts bo = { 0 };
	struct th_bisect_result *res;
	struct th_err err = { "" };
	struct sopts o;
	int r;

	r = parse(argc, argv, "kernel series bisect", bisect_usage, &o);
	if (r)
		return r < 0 ? EXIT_OK : r;
	if (o.nargs > 1)
		return cli_usage_error("kernel series bisect", "one SERIES");
	r = load_all(&o, &s, &b, 1, "kernel series bisect");
	if (r)
		return r;
	res = calloc(1, sizeof(*res));
	if (!res) {
		th_series_free(&s);
		return cli_error("kernel series bisect", "out of memory");
	}
	bo.build = o.build;
	bo.test = o.test;
	bo.host_test = o.host_test;
	bo.boot_timeout = o.timeout;
	bo.config = o.config;
	bo.profiles = o.nprofiles ? o.profiles : (const char *const *)s.profiles;
	bo.nprofiles = o.nprofiles ? o.nprofiles : s.nprofiles;
	bo.workdir = o.workdir;
	bo.jobs = o.jobs ? o.jobs : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	bo.progress = o.json ? NULL : print_progress;
	r = th_series_bisect(&b, &s, &bo, res, &err);
	if (r) {
		fprintf(stderr, "teehost: %s\n", err.msg);
		r = EXIT_FAIL;
		goto done;
	}
	if (o.json) {
		struct json_writer w;

		json_init(&w, stdout, true);
		json_begin_object(&w);
		json_key(&w, "format");
		json_str(&w, "teehost-series-bisect/1");
		json_base(&w, &b);
		json_key(&w, "series");
		json_str(&w, s.path);
		json_key(&w, "patches");
		json_uint(&w, s.n);
		json_key(&w, "object_tree");
		json_str(&w, res->obj);
		json_key(&w, "steps");
		json_begin_array(&w);
		for (size_t i = 0; i < res->nsteps; i++) {
			const struct th_bisect_step *st = &res->steps[i];

			json_begin_object(&w);
			json_key(&w, "applied");
			json_uint(&w, st->applied);
			json_key(&w, "built");
			json_bool(&w, st->built);
			json_key(&w, "passed");
			json_bool(&w, st->passed);
			json_key(&w, "seconds");
			json_double(&w, st->seconds);
			json_key(&w, "evidence");
			json_str(&w, st->evidence);
			json_end_object(&w);
		}
		json_end_array(&w);
		json_key(&w, "culprit");
		if (res->found) {
			const struct th_spatch *sp = &s.v[res->culprit];

			json_begin_object(&w);
			json_key(&w, "index");
			json_uint(&w, res->culprit + 1);
			json_key(&w, "file");
			json_str(&w, sp->file);
			json_key(&w, "subject");
			json_str(&w, sp->p.subject);
			json_key(&w, "evidence");
			json_str(&w, res->evidence);
			json_end_object(&w);
		} else {
			json_null(&w);
		}
		json_end_object(&w);
		json_finish(&w);
	} else if (res->found) {
		const struct th_spatch *sp = &s.v[res->culprit];

		printf("first bad patch: %s/%04zu %s (%zu of %zu): %s\n", s.label, res->culprit + 1,
		       sp->file, res->culprit + 1, s.n, sp->p.subject);
		printf("evidence: %s\n", res->evidence);
		printf("%zu builds for %zu patches, one object tree (%s)\n", res->nsteps, s.n,
		       res->obj);
	} else {
		printf("no bad patch: the whole series (%zu patches) builds%s (1 build)\n", s.n,
		       o.test || o.host_test ? " and passes the test" : "");
	}
	r = res->found ? EXIT_FAIL : EXIT_OK;
done:
	free(res);
	th_series_free(&s);
	return r;
}

/* ---- dispatch ------------------------------------------------------------------ */

struct sverb {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct sverb sverbs[] = {
	{ "status", series_status, "each patch's verdict against a base, with evidence" },
	{ "rebase", series_rebase, "a new series for a new base, upstream patches dropped" },
	{ "compose", series_compose, "can these series share one kernel? (and write it)" },
	{ "bisect", series_bisect, "the first patch whose build, boot or test fails" },
};

int cmd_kernel_series(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		FILE *out = argc < 2 ? stderr : stdout;

		fprintf(out, "Usage: teehost kernel series VERB [OPTIONS]\n\nVerbs:\n");
		for (size_t i = 0; i < sizeof(sverbs) / sizeof(sverbs[0]); i++)
			fprintf(out, "  %-8s %s\n", sverbs[i].name, sverbs[i].summary);
		fprintf(out, "\n'teehost kernel series VERB --help'; man teehost-kernel(8).\n");
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(sverbs) / sizeof(sverbs[0]); i++)
		if (!strcmp(argv[1], sverbs[i].name))
			return sverbs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "teehost kernel series: '%s' is not a verb (see 'teehost kernel series "
		"--help')\n", argv[1]);
	return EXIT_USAGE;
}
