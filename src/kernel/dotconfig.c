// SPDX-License-Identifier: MIT
/* .config / kconfig fragment line format: see dotconfig.h. */
#include "kernel/dotconfig.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;	/* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static size_t *find_slot(const struct th_dotconfig *cfg, const char *name)
{
	size_t mask = cfg->nslot - 1, i;

	if (!cfg->nslot)
		return NULL;
	for (i = name_hash(name) & mask;; i = (i + 1) & mask) {
		size_t *s = &cfg->slot[i];

		if (!*s || !strcmp(cfg->v[*s - 1].name, name))
			return s;
	}
}

static int grow_index(struct th_dotconfig *cfg)
{
	size_t n = cfg->nslot ? cfg->nslot * 2 : 256;
	size_t *old = cfg->slot, oldn = cfg->nslot;

	cfg->slot = calloc(n, sizeof(*cfg->slot));
	if (!cfg->slot) {
		cfg->slot = old;
		return -ENOMEM;
	}
	cfg->nslot = n;
	for (size_t i = 0; i < oldn; i++)
		if (old[i])
			*find_slot(cfg, cfg->v[old[i] - 1].name) = old[i];
	free(old);
	return 0;
}

int th_dotconfig_set(struct th_dotconfig *cfg, const char *name,
		     const char *value, unsigned line)
{
	size_t *slot;
	char *copy;

	if (strlen(name) >= TH_KSYM_MAX)
		return -ENAMETOOLONG;
	if ((cfg->n + 1) * 2 > cfg->nslot && grow_index(cfg))
		return -ENOMEM;
	copy = strdup(value);
	if (!copy)
		return -ENOMEM;
	slot = find_slot(cfg, name);
	if (*slot) {
		struct th_kentry *e = &cfg->v[*slot - 1];

		free(e->value);
		e->value = copy;
		e->line = line;
		return 0;
	}
	if (cfg->n == cfg->cap) {
		size_t cap = cfg->cap ? cfg->cap * 2 : 64;
		struct th_kentry *v = realloc(cfg->v, cap * sizeof(*v));

		if (!v) {
			free(copy);
			return -ENOMEM;
		}
		cfg->v = v;
		cfg->cap = cap;
	}
	memset(&cfg->v[cfg->n], 0, sizeof(cfg->v[0]));
	strcpy(cfg->v[cfg->n].name, name);
	cfg->v[cfg->n].value = copy;
	cfg->v[cfg->n].line = line;
	cfg->n++;
	*slot = cfg->n;
	return 0;
}

const char *th_dotconfig_get(const struct th_dotconfig *cfg, const char *name)
{
	size_t *slot = find_slot(cfg, name);

	return slot && *slot ? cfg->v[*slot - 1].value : NULL;
}

int th_dotconfig_is_optional(const struct th_dotconfig *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->noptional; i++)
		if (!strcmp(cfg->optional[i], name))
			return 1;
	return 0;
}

void th_dotconfig_free(struct th_dotconfig *cfg)
{
	for (size_t i = 0; i < cfg->n; i++)
		free(cfg->v[i].value);
	for (size_t i = 0; i < cfg->noptional; i++)
		free(cfg->optional[i]);
	free(cfg->optional);
	free(cfg->v);
	free(cfg->slot);
	memset(cfg, 0, sizeof(*cfg));
}

int th_kval_equal(const char *a, const char *b)
{
	if (!a)
		a = "n";
	if (!b)
		b = "n";
	return !strcmp(a, b);
}

/* Symbol name at p (after "CONFIG_"); returns its length, 0 if none. */
static size_t sym_len(const char *p, const char *end)
{
	size_t n = 0;

	while (p + n < end && (isalnum((unsigned char)p[n]) || p[n] == '_'))
		n++;
	return n;
}

static int add_optional(struct th_dotconfig *cfg, const char *p, const char *end)
{
	while (p < end) {
		size_t n;
		char **v;

		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		if (p + 7 <= end && !memcmp(p, "CONFIG_", 7))
			p += 7;
		n = sym_len(p, end);
		if (!n)
			return p < end ? -EINVAL : 0;
		if (n >= TH_KSYM_MAX)
			return -ENAMETOOLONG;
		v = realloc(cfg->optional, (cfg->noptional + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		cfg->optional = v;
		v[cfg->noptional] = strndup(p, n);
		if (!v[cfg->noptional])
			return -ENOMEM;
		cfg->noptional++;
		p += n;
	}
	return 0;
}

static int parse_line(struct th_dotconfig *cfg, const char *p, const char *end,
		      unsigned line, struct th_err *err)
{
	char field[32], name[TH_KSYM_MAX];
	size_t n;
	int r;

	snprintf(field, sizeof(field), "line %u", line);
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	if (p == end)
		return 0;
	if (*p == '#') {
		static const char opt[] = "# teehost-optional:";
		const char *q = p + 1;

		if ((size_t)(end - p) >= sizeof(opt) - 1 &&
		    !memcmp(p, opt, sizeof(opt) - 1)) {
			r = add_optional(cfg, p + sizeof(opt) - 1, end);
			return r ? th_fail(err, -r, field, "bad teehost-optional list") : 0;
		}
		while (q < end && *q == ' ')
			q++;
		if (end - q > 7 && !memcmp(q, "CONFIG_", 7)) {
			n = sym_len(q + 7, end);
			if (n && n < TH_KSYM_MAX && end - (q + 7 + n) == 11 &&
			    !memcmp(q + 7 + n, " is not set", 11)) {
				memcpy(name, q + 7, n);
				name[n] = 0;
				r = th_dotconfig_set(cfg, name, "n", line);
				return r ? th_fail(err, -r, field, "%s", strerror(-r)) : 0;
			}
		}
		return 0;	/* any other comment */
	}
	if (end - p < 8 || memcmp(p, "CONFIG_", 7))
		return th_fail(err, EINVAL, field,
			       "not a kconfig line (want CONFIG_NAME=value or "
			       "\"# CONFIG_NAME is not set\")");
	n = sym_len(p + 7, end);
	if (!n || p + 7 + n >= end || p[7 + n] != '=')
		return th_fail(err, EINVAL, field, "expected CONFIG_NAME=value");
	if (n >= TH_KSYM_MAX)
		return th_fail(err, ENAMETOOLONG, field, "symbol name too long");
	memcpy(name, p + 7, n);
	name[n] = 0;
	p += 7 + n + 1;
	if ((size_t)(end - p) >= TH_KVAL_MAX)
		return th_fail(err, E2BIG, field, "CONFIG_%s: value too long", name);
	if (p == end)
		return th_fail(err, EINVAL, field, "CONFIG_%s: empty value", name);
	if (*p == '"') {
		/* A kconfig string: quoted, backslash escapes, nothing after. */
		const char *q = p + 1;

		while (q < end && *q != '"')
			q += (*q == '\\' && q + 1 < end) ? 2 : 1;
		if (q >= end || q + 1 != end)
			return th_fail(err, EINVAL, field,
				       "CONFIG_%s: unterminated or trailing string", name);
	} else {
		for (const char *q = p; q < end; q++)
			if (!isalnum((unsigned char)*q) && *q != '-' && *q != '_')
				return th_fail(err, EINVAL, field,
					       "CONFIG_%s: bad value character '%c'",
					       name, isprint((unsigned char)*q) ? *q : '?');
	}
	{
		char val[TH_KVAL_MAX];

		memcpy(val, p, (size_t)(end - p));
		val[end - p] = 0;
		r = th_dotconfig_set(cfg, name, val, line);
	}
	return r ? th_fail(err, -r, field, "%s", strerror(-r)) : 0;
}

int th_dotconfig_parse(struct th_dotconfig *cfg, const char *buf, size_t len,
		       int allow_empty, struct th_err *err)
{
	const char *p = buf, *end = buf + len;
	unsigned line = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (len && memchr(buf, 0, len)) {
		th_fail(err, EINVAL, "line 1", "binary data (NUL byte), not a config");
		return -EINVAL;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		int r;

		line++;
		r = parse_line(cfg, p, le, line, err);
		if (r) {
			th_dotconfig_free(cfg);
			return r;
		}
		p = nl ? nl + 1 : end;
	}
	cfg->lines = line;
	if (!cfg->n && !allow_empty) {
		th_fail(err, EINVAL, "line 1", "no CONFIG_ lines: not a kernel config");
		th_dotconfig_free(cfg);
		return -EINVAL;
	}
	return 0;
}
