/* SPDX-License-Identifier: MIT */
/* teehost fleet check: `teehost check --json` on every inventory host through
 * Ansible, one report (text, JSON or a self-contained HTML page). */
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "host/fleet.h"
#include "kernel/deploy.h"
#include "kernel/kbuild.h"
#include "util/err.h"
#include "util/file.h"
#include "util/json.h"

static const char usage[] =
	"Usage: teehost fleet check --inventory FILE [--limit PATTERN] [--json] [--out report.html]\n"
	"\n"
	"Run 'teehost check --json' on every host of an Ansible inventory (teehost is sent\n"
	"along) and gather one report: per host the kernel release, whether SGX, SEV and TDX\n"
	"are ready, and every failing or warning check with its fix; hosts that did not\n"
	"answer are listed as such. Text on the terminal, --json for scripts, --out writes a\n"
	"self-contained HTML page (host x family grid). Exit 0 when every host answered.\n";

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct th_fleet_host *)a)->name, ((const struct th_fleet_host *)b)->name);
}

static void print_text(const struct th_fleet_host *v, size_t n)
{
	printf("%-24s %-28s %-10s %-10s %-10s\n", "HOST", "KERNEL", "SGX", "SEV", "TDX");
	for (size_t i = 0; i < n; i++) {
		if (!v[i].answered) {
			printf("%-24s %s\n", v[i].name, v[i].note);
			continue;
		}
		printf("%-24s %-28s", v[i].name, v[i].kernel[0] ? v[i].kernel : "(unknown)");
		for (size_t f = 0; f < TH_FLEET_FAMILIES; f++)
			printf(" %-10s", v[i].ready[f] ? "ready" : "not ready");
		printf("\n");
		for (size_t k = 0; k < v[i].nissues; k++) {
			const struct th_fleet_issue *is = &v[i].issues[k];

			printf("    %s %s: %s%s%s\n", !strcmp(is->status, "fail") ? "FAIL" : "WARN", is->id,
			       is->explanation, is->evidence[0] ? " -- " : "", is->evidence);
			if (is->fix[0])
				printf("        fix: %s\n", is->fix);
		}
	}
}

static void print_json(const struct th_fleet_host *v, size_t n)
{
	struct json_writer w;

	json_init(&w, stdout, true);
	json_begin_object(&w);
	json_key(&w, "hosts");
	json_begin_array(&w);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(&w);
		json_key(&w, "name");
		json_str(&w, v[i].name);
		json_key(&w, "answered");
		json_bool(&w, v[i].answered);
		if (!v[i].answered) {
			json_key(&w, "note");
			json_str(&w, v[i].note);
			json_end_object(&w);
			continue;
		}
		json_key(&w, "kernel");
		json_str(&w, v[i].kernel);
		json_key(&w, "ready");
		json_begin_object(&w);
		for (size_t f = 0; f < TH_FLEET_FAMILIES; f++) {
			json_key(&w, th_fleet_family[f]);
			json_bool(&w, v[i].ready[f]);
		}
		json_end_object(&w);
		json_key(&w, "issues");
		json_begin_array(&w);
		for (size_t k = 0; k < v[i].nissues; k++) {
			const struct th_fleet_issue *is = &v[i].issues[k];

			json_begin_object(&w);
			json_key(&w, "id");
			json_str(&w, is->id);
			json_key(&w, "status");
			json_str(&w, is->status);
			json_key(&w, "required");
			json_bool(&w, is->required);
			json_key(&w, "explanation");
			json_str(&w, is->explanation);
			json_key(&w, "evidence");
			json_str(&w, is->evidence);
			json_key(&w, "fix");
			json_str(&w, is->fix);
			json_end_object(&w);
		}
		json_end_array(&w);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);
	json_finish(&w);
}

static void html_text(FILE *f, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
}

/* A host x family grid; each cell links to that host's failing checks of the
 * family, opened in place (<details>, no script needed). */
static int write_html(const char *path, const struct th_fleet_host *v, size_t n, struct th_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int r;

	if (!f)
		return th_fail(err, errno, path, "%s", strerror(errno));
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<title>teehost fleet check</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:2em;color:#222}\n"
	      "table{border-collapse:collapse}th,td{border:1px solid #999;padding:.4em .8em;text-align:left}\n"
	      "td.ready{background:#2e7d32;color:#fff}td.notready{background:#c62828;color:#fff}\n"
	      "td.gone{background:#757575;color:#fff}td a{color:inherit}\n"
	      "details{margin:.5em 0 .5em 1em}summary{cursor:pointer;font-weight:bold}\n"
	      ".fail{color:#c62828}.warn{color:#ef6c00}.fix{font-family:monospace;background:#f3f3f3;padding:.2em}\n"
	      "</style></head><body>\n<h1>teehost fleet check</h1>\n", f);
	fprintf(f, "<p>%zu host%s. Click a red cell for the failing checks and their fixes.</p>\n", n,
		n == 1 ? "" : "s");
	fputs("<table>\n<tr><th>host</th><th>kernel</th>", f);
	for (size_t k = 0; k < TH_FLEET_FAMILIES; k++)
		fprintf(f, "<th>%s</th>", th_fleet_family[k]);
	fputs("</tr>\n", f);
	for (size_t i = 0; i < n; i++) {
		fputs("<tr><td>", f);
		html_text(f, v[i].name);
		fputs("</td>", f);
		if (!v[i].answered) {
			fprintf(f, "<td class=\"gone\" colspan=\"%d\">", TH_FLEET_FAMILIES + 1);
			html_text(f, v[i].note);
			fputs("</td></tr>\n", f);
			continue;
		}
		fputs("<td>", f);
		html_text(f, v[i].kernel[0] ? v[i].kernel : "(unknown)");
		fputs("</td>", f);
		for (size_t k = 0; k < TH_FLEET_FAMILIES; k++) {
			fprintf(f, "<td class=\"%s\"><a href=\"#h%zu-%s\">%s</a></td>",
				v[i].ready[k] ? "ready" : "notready", i, th_fleet_family[k],
				v[i].ready[k] ? "ready" : "not ready");
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n<h2>Checks to fix</h2>\n", f);
	for (size_t i = 0; i < n; i++) {
		if (!v[i].answered)
			continue;
		for (size_t k = 0; k < TH_FLEET_FAMILIES; k++) {
			size_t fl = strlen(th_fleet_family[k]);

			fprintf(f, "<details id=\"h%zu-%s\"%s><summary>", i, th_fleet_family[k],
				v[i].ready[k] ? "" : " open");
			html_text(f, v[i].name);
			fprintf(f, ": %s %s</summary>\n<ul>\n", th_fleet_family[k],
				v[i].ready[k] ? "ready" : "not ready");
			for (size_t j = 0; j < v[i].nissues; j++) {
				const struct th_fleet_issue *is = &v[i].issues[j];

				if (strncmp(is->id, th_fleet_family[k], fl) || is->id[fl] != '.')
					continue;
				fprintf(f, "<li><span class=\"%s\">%s</span> <b>", is->status, is->status);
				html_text(f, is->id);
				fputs("</b>: ", f);
				html_text(f, is->explanation);
				if (is->evidence[0]) {
					fputs("<br>evidence: ", f);
					html_text(f, is->evidence);
				}
				if (is->fix[0]) {
					fputs("<br>fix: <span class=\"fix\">", f);
					html_text(f, is->fix);
					fputs("</span>", f);
				}
				fputs("</li>\n", f);
			}
			fputs("</ul></details>\n", f);
		}
	}
	fputs("</body></html>\n", f);
	if (fclose(f)) {
		free(buf);
		return th_fail(err, errno, path, "%s", strerror(errno));
	}
	r = th_write_file_atomic(path, buf, len, 0644, 0, err);
	free(buf);
	return r;
}

/* Every TMP/NAME.json record, sorted by host name. */
static int read_records(const char *tmp, struct th_fleet_host **out, size_t *n, struct th_err *err)
{
	struct th_fleet_host *v = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d = opendir(tmp);
	int r = 0;

	*n = 0;
	if (!d)
		return th_fail(err, errno, tmp, "%s", strerror(errno));
	while (!r && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		char path[PATH_MAX], *text = NULL;
		size_t len = 0;

		if (l < 6 || strcmp(de->d_name + l - 5, ".json"))
			continue;
		if (*n == cap) {
			struct th_fleet_host *nv = realloc(v, (cap = cap ? 2 * cap : 8) * sizeof(*v));

			if (!nv) {
				r = th_fail(err, ENOMEM, tmp, "out of memory");
				break;
			}
			v = nv;
		}
		snprintf(path, sizeof(path), "%s/%s", tmp, de->d_name);
		r = th_read_file(path, 16 << 20, &text, &len, err);
		if (!r) {
			r = th_fleet_parse_host(text, len, &v[*n], err);
			if (!r)
				(*n)++;
		}
		free(text);
		unlink(path);
	}
	closedir(d);
	if (r) {
		free(v);
		return r;
	}
	qsort(v, *n, sizeof(*v), by_name);
	*out = v;
	return 0;
}

static int fleet_check(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "inventory", required_argument, NULL, 'i' },
		{ "limit", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *inventory = NULL, *limit = NULL, *html = NULL;
	char tmp[] = "/tmp/teehost-fleet.XXXXXX", playbook[PATH_MAX + 64], self[PATH_MAX] = "";
	char ev_dir[PATH_MAX + 32], ev_self[PATH_MAX + 32], logpath[PATH_MAX];
	struct th_fleet_host *hosts = NULL;
	struct th_err err = { "" };
	const char *av[16];
	size_t a = 0, n = 0;
	bool json = false;
	long want = 0;
	int c, r, fd;
	ssize_t sl;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'i': inventory = optarg; break;
		case 'l': limit = optarg; break;
		case 'j': json = true; break;
		case 'o': html = optarg; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: return EXIT_USAGE;
		}
	}
	if (optind != argc)
		return cli_usage_error("fleet check", "unexpected argument '%s'", argv[optind]);
	if (!inventory)
		return cli_usage_error("fleet check", "--inventory FILE is required");
	if (access(inventory, R_OK))
		return cli_error(inventory, "%s", strerror(errno));
	snprintf(playbook, sizeof(playbook), "%s/../deploy/teehost-fleet-check.yml", th_kernel_datadir());
	if (access(playbook, R_OK))
		return cli_error(playbook, "Ansible playbook missing (set TEEHOST_DATADIR to teehost's kernel/ dir)");
	if (!mkdtemp(tmp))
		return cli_error(tmp, "%s", strerror(errno));
	r = th_ansible_count_hosts(inventory, limit, tmp, &want, &err);
	snprintf(logpath, sizeof(logpath), "%s/hosts", tmp);
	unlink(logpath);
	if (!r && want <= 0)
		r = th_fail(&err, EINVAL, "inventory", "names no hosts%s%s", limit ? " matching --limit " : "",
			    limit ? limit : "");
	if (r) {
		rmdir(tmp);
		return cli_error_err(inventory, &err);
	}
	sl = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[sl > 0 ? sl : 0] = 0;
	snprintf(ev_dir, sizeof(ev_dir), "teehost_fleet_dir=%s", tmp);
	snprintf(ev_self, sizeof(ev_self), "teehost_fleet_teehost=%s", self);
	av[a++] = "ansible-playbook";
	av[a++] = "-i";
	av[a++] = inventory;
	av[a++] = "-e";
	av[a++] = ev_dir;
	av[a++] = "-e";
	av[a++] = ev_self;
	if (limit) {
		av[a++] = "--limit";
		av[a++] = limit;
	}
	av[a++] = playbook;
	av[a] = NULL;
	/* Ansible's own progress is noise next to the report: kept, shown on failure. */
	snprintf(logpath, sizeof(logpath), "%s/ansible.log", tmp);
	fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	r = fd < 0 ? th_fail(&err, errno, logpath, "%s", strerror(errno)) : th_ansible_run(av, fd, &err);
	if (fd >= 0)
		close(fd);
	if (r >= 0)
		r = read_records(tmp, &hosts, &n, &err);
	if (r == 0 && (long)n != want) {
		fprintf(stderr, "teehost: fleet check: %zu of %ld hosts recorded; Ansible said:\n", n, want);
		char cmd[PATH_MAX + 32];

		snprintf(cmd, sizeof(cmd), "tail -n 20 '%s' >&2", logpath);
		if (system(cmd)) { /* best effort */ }
	}
	unlink(logpath);
	rmdir(tmp);
	if (r < 0)
		return cli_error_err(inventory, &err);
	if (html && (r = write_html(html, hosts, n, &err))) {
		free(hosts);
		return cli_error_err(html, &err);
	}
	if (json)
		print_json(hosts, n);
	else
		print_text(hosts, n);
	r = (long)n == want ? EXIT_OK : EXIT_FAIL;
	for (size_t i = 0; i < n; i++)
		if (!hosts[i].answered)
			r = EXIT_FAIL;
	free(hosts);
	return r;
}

int cmd_fleet(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "check"))
		return fleet_check(argc - 1, argv + 1);
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		fputs(usage, stdout);
		return EXIT_OK;
	}
	fprintf(stderr, "teehost fleet: the verb is 'check' (see 'teehost fleet --help')\n");
	return EXIT_USAGE;
}
