/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "loader/mountinfo.h"

/* Copy one space-separated field, undoing mountinfo's octal escapes (\040 for a space). */
static const char *field(const char *p, const char *end, char *out, size_t outlen)
{
	size_t n = 0;

	while (p < end && *p == ' ')
		p++;
	while (p < end && *p != ' ') {
		char c = *p++;

		if (c == '\\' && end - p >= 3 && p[0] >= '0' && p[0] <= '3' && p[1] >= '0' &&
		    p[1] <= '7' && p[2] >= '0' && p[2] <= '7') {
			c = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0'));
			p += 3;
		}
		if (n + 1 < outlen)
			out[n++] = c;
	}
	if (outlen)
		out[n] = 0;
	return p;
}

static bool has_option(const char *opts, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = opts; *p; ) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);

		if (n == len && !strncmp(p, name, len))
			return true;
		if (!comma)
			break;
		p = comma + 1;
	}
	return false;
}

static size_t prefix_len(const char *mp, const char *path)
{
	size_t n = strlen(mp);

	if (!strcmp(mp, "/"))
		return 1;
	if (strncmp(mp, path, n) || (path[n] != '/' && path[n] != 0))
		return 0;
	return n;
}

int th_mountinfo_find(const char *text, const char *path, struct th_mount *out)
{
	size_t best = 0;
	bool found = false;

	for (const char *line = text; line && *line; ) {
		const char *end = strchr(line, '\n');
		char id[32], parent[32], dev[32], root[256], mp[256], opts[512];
		const char *p;
		size_t n;

		if (!end)
			end = line + strlen(line);
		p = field(line, end, id, sizeof(id));
		p = field(p, end, parent, sizeof(parent));
		p = field(p, end, dev, sizeof(dev));
		p = field(p, end, root, sizeof(root));
		p = field(p, end, mp, sizeof(mp));
		field(p, end, opts, sizeof(opts));
		if (mp[0] == '/' && (n = prefix_len(mp, path)) > 0 && n >= best) {
			best = n;
			found = true;
			snprintf(out->mount_point, sizeof(out->mount_point), "%s", mp);
			out->noexec = has_option(opts, "noexec");
		}
		line = *end ? end + 1 : end;
	}
	return found ? 0 : -ENOENT;
}
