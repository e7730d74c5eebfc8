#include "host/text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool th_span_eq(struct th_span s, const char *z)
{
	size_t n = strlen(z);
	return s.p && s.n == n && !memcmp(s.p, z, n);
}

bool th_next_line(const char *buf, size_t len, size_t *pos, struct th_span *line)
{
	if (*pos >= len)
		return false;
	const char *p = buf + *pos;
	const char *nl = memchr(p, '\n', len - *pos);
	size_t n = nl ? (size_t)(nl - p) : len - *pos;
	line->p = p;
	line->n = n;
	*pos += n + (nl ? 1 : 0);
	return true;
}

/* Next space-separated field of s starting at *i. */
static bool field(struct th_span s, size_t *i, struct th_span *f)
{
	while (*i < s.n && (s.p[*i] == ' ' || s.p[*i] == '\t'))
		(*i)++;
	if (*i >= s.n)
		return false;
	size_t b = *i;
	while (*i < s.n && s.p[*i] != ' ' && s.p[*i] != '\t')
		(*i)++;
	f->p = s.p + b;
	f->n = *i - b;
	return true;
}

static void unescape(struct th_span s, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < s.n && o + 1 < cap; i++) {
		if (s.p[i] == '\\' && i + 3 < s.n &&
		    s.p[i + 1] >= '0' && s.p[i + 1] <= '3' &&
		    s.p[i + 2] >= '0' && s.p[i + 2] <= '7' &&
		    s.p[i + 3] >= '0' && s.p[i + 3] <= '7') {
			out[o++] = (char)((s.p[i + 1] - '0') << 6 | (s.p[i + 2] - '0') << 3 | (s.p[i + 3] - '0'));
			i += 3;
		} else {
			out[o++] = s.p[i];
		}
	}
	out[o] = '\0';
}

int th_mountinfo_line(struct th_span line, struct th_mount *m)
{
	struct th_span f;
	size_t i = 0;

	memset(m, 0, sizeof(*m));
	for (int k = 0; k < 4; k++) /* id, parent, maj:min, root */
		if (!field(line, &i, &f))
			return -EINVAL;
	if (!field(line, &i, &f))
		return -EINVAL;
	unescape(f, m->mnt, sizeof(m->mnt));
	if (!field(line, &i, &m->opts))
		return -EINVAL;
	for (;;) { /* optional fields, up to the "-" separator */
		if (!field(line, &i, &f))
			return -EINVAL;
		if (f.n == 1 && f.p[0] == '-')
			break;
	}
	if (!field(line, &i, &m->fstype))
		return -EINVAL;
	if (!field(line, &i, &f)) /* source */
		return -EINVAL;
	if (!field(line, &i, &m->super))
		m->super = (struct th_span){ "", 0 };
	return 0;
}

bool th_optlist_has(struct th_span opts, const char *opt)
{
	size_t n = strlen(opt), i = 0;
	while (i <= opts.n && opts.p) {
		size_t b = i;
		while (i < opts.n && opts.p[i] != ',')
			i++;
		if (i - b == n && !memcmp(opts.p + b, opt, n))
			return true;
		i++;
	}
	return false;
}

bool th_cpuinfo_flags(const char *buf, size_t len, struct th_span *flags)
{
	struct th_span l;
	size_t pos = 0;
	while (th_next_line(buf, len, &pos, &l)) {
		if (l.n < 5 || memcmp(l.p, "flags", 5))
			continue;
		size_t i = 5;
		while (i < l.n && (l.p[i] == ' ' || l.p[i] == '\t'))
			i++;
		if (i >= l.n || l.p[i] != ':')
			continue;
		flags->p = l.p + i + 1;
		flags->n = l.n - i - 1;
		return true;
	}
	return false;
}

bool th_wordlist_has(struct th_span words, const char *word)
{
	struct th_span f;
	size_t i = 0;
	while (field(words, &i, &f))
		if (th_span_eq(f, word))
			return true;
	return false;
}

/* Split s on ':' into at most n parts; returns the count. */
static int colon_split(struct th_span s, struct th_span *parts, int n)
{
	int k = 0;
	size_t b = 0;
	for (size_t i = 0; i <= s.n; i++) {
		if (i == s.n || s.p[i] == ':') {
			if (k == n)
				return n + 1;
			parts[k].p = s.p + b;
			parts[k].n = i - b;
			k++;
			b = i + 1;
		}
	}
	return k;
}

static int span_ulong(struct th_span s, unsigned long *out)
{
	unsigned long v = 0;
	if (!s.n || s.n > 10)
		return -EINVAL;
	for (size_t i = 0; i < s.n; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s.p[i] - '0');
	}
	*out = v;
	return 0;
}

int th_group_line(struct th_span line, struct th_group_ent *g)
{
	struct th_span p[4];
	if (colon_split(line, p, 4) != 4 || !p[0].n || span_ulong(p[2], &g->gid))
		return -EINVAL;
	g->name = p[0];
	g->members = p[3];
	return 0;
}

bool th_group_has_member(const struct th_group_ent *g, const char *user)
{
	return th_optlist_has(g->members, user);
}

int th_group_text_add(const char *buf, size_t len, const char *group, unsigned long gid,
		      const char *user, bool gshadow, char **out, size_t *outlen, bool *found)
{
	size_t glen = strlen(group), ulen = user ? strlen(user) : 0;
	size_t cap = len + glen + ulen + 64, o = 0, pos = 0;
	struct th_span l;
	char *res = malloc(cap);

	*found = false;
	if (!res)
		return -ENOMEM;
	while (th_next_line(buf, len, &pos, &l)) {
		bool nl = l.p + l.n < buf + len;
		bool mine = l.n > glen && !memcmp(l.p, group, glen) && l.p[glen] == ':';
		memcpy(res + o, l.p, l.n);
		o += l.n;
		if (mine && !*found) {
			*found = true;
			/* the members are the last field in both files */
			const char *last = memrchr(l.p, ':', l.n);
			struct th_span mem = { last + 1, l.n - (size_t)(last + 1 - l.p) };
			if (user && !th_optlist_has(mem, user)) {
				if (mem.n)
					res[o++] = ',';
				memcpy(res + o, user, ulen);
				o += ulen;
			}
		}
		if (nl)
			res[o++] = '\n';
	}
	if (!*found) {
		if (o && res[o - 1] != '\n')
			res[o++] = '\n';
		int n = gshadow ? snprintf(res + o, cap - o, "%s:!::%s\n", group, user ? user : "") :
				  snprintf(res + o, cap - o, "%s:x:%lu:%s\n", group, gid, user ? user : "");
		if (n < 0 || (size_t)n >= cap - o) {
			free(res);
			return -EOVERFLOW;
		}
		o += (size_t)n;
	}
	*out = res;
	*outlen = o;
	return 0;
}

int th_passwd_line(struct th_span line, struct th_passwd_ent *pw)
{
	struct th_span p[7];
	if (colon_split(line, p, 7) != 7 || !p[0].n || span_ulong(p[2], &pw->uid) ||
	    span_ulong(p[3], &pw->gid))
		return -EINVAL;
	pw->name = p[0];
	return 0;
}

static bool is_key_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

int th_udev_line(struct th_span line, struct th_udev_rule *r)
{
	size_t i = 0;
	const char *s = line.p;
	size_t n = line.n;

	r->n = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r'))
		i++;
	if (i == n || s[i] == '#')
		return 1;
	while (i < n) {
		struct th_udev_tok t;
		memset(&t, 0, sizeof(t));
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == ',' || s[i] == '\r'))
			i++;
		if (i == n)
			break;
		size_t b = i;
		while (i < n && is_key_char(s[i]))
			i++;
		if (i == b)
			return -EINVAL;
		t.key = (struct th_span){ s + b, i - b };
		if (i < n && s[i] == '{') {
			b = ++i;
			while (i < n && s[i] != '}')
				i++;
			if (i == n)
				return -EINVAL;
			t.attr = (struct th_span){ s + b, i - b };
			i++;
		}
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		b = i;
		if (i + 1 < n && (s[i] == '=' || s[i] == '!' || s[i] == '+' || s[i] == '-' || s[i] == ':') && s[i + 1] == '=')
			i += 2;
		else if (i < n && s[i] == '=')
			i += 1;
		else
			return -EINVAL;
		t.op = (struct th_span){ s + b, i - b };
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i == n || s[i] != '"')
			return -EINVAL;
		b = ++i;
		while (i < n && s[i] != '"') {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			i++;
		}
		if (i == n)
			return -EINVAL;
		t.value = (struct th_span){ s + b, i - b };
		i++;
		if (r->n == TH_UDEV_MAX_TOKENS)
			return -EINVAL;
		r->t[r->n++] = t;
	}
	return r->n ? 0 : 1;
}

bool th_udev_get(const struct th_udev_rule *r, const char *key, const char *op, struct th_span *value)
{
	for (int i = 0; i < r->n; i++)
		if (th_span_eq(r->t[i].key, key) && th_span_eq(r->t[i].op, op)) {
			*value = r->t[i].value;
			return true;
		}
	return false;
}

bool th_kmsg_text(struct th_span line, struct th_span *msg)
{
	const char *semi;
	if (!line.n)
		return false;
	if (line.p[0] == '[') {
		const char *rb = memchr(line.p, ']', line.n);
		if (!rb)
			return false;
		size_t i = (size_t)(rb - line.p) + 1;
		while (i < line.n && line.p[i] == ' ')
			i++;
		msg->p = line.p + i;
		msg->n = line.n - i;
		return true;
	}
	if (line.p[0] >= '0' && line.p[0] <= '9' && (semi = memchr(line.p, ';', line.n))) {
		size_t i = (size_t)(semi - line.p) + 1;
		msg->p = line.p + i;
		msg->n = line.n - i;
		return true;
	}
	if (line.p[0] == ' ') /* kmsg continuation lines (" KEY=value") */
		return false;
	*msg = line;
	return true;
}

static int parse_limit(struct th_span f, uint64_t *out)
{
	if (th_span_eq(f, "unlimited")) {
		*out = UINT64_MAX;
		return 0;
	}
	uint64_t v = 0;
	if (!f.n || f.n > 19)
		return -EINVAL;
	for (size_t i = 0; i < f.n; i++) {
		if (f.p[i] < '0' || f.p[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint64_t)(f.p[i] - '0');
	}
	*out = v;
	return 0;
}

int th_limits_get(const char *buf, size_t len, const char *name, uint64_t *soft, uint64_t *hard)
{
	struct th_span l;
	size_t pos = 0, n = strlen(name);
	while (th_next_line(buf, len, &pos, &l)) {
		if (l.n <= n || memcmp(l.p, name, n) || l.p[n] != ' ')
			continue;
		struct th_span rest = { l.p + n, l.n - n }, a, b;
		size_t i = 0;
		if (!field(rest, &i, &a) || !field(rest, &i, &b))
			return -EINVAL;
		if (parse_limit(a, soft) || parse_limit(b, hard))
			return -EINVAL;
		return 0;
	}
	return -ENOENT;
}

int th_kernel_version(const char *rel, unsigned *major, unsigned *minor)
{
	char *end;
	unsigned long a = strtoul(rel, &end, 10);
	if (end == rel || *end != '.' || a > 1000)
		return -EINVAL;
	const char *p = end + 1;
	unsigned long b = strtoul(p, &end, 10);
	if (end == p || b > 1000)
		return -EINVAL;
	*major = (unsigned)a;
	*minor = (unsigned)b;
	return 0;
}
