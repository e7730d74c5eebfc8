/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/kconfig.h"

static int valid_symbol_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static int cmp_entry(const void *a, const void *b)
{
	const struct th_kconfig_entry *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

static int add_entry(struct th_kconfig *cfg, size_t *cap, const char *name, size_t name_len,
		     const char *value, size_t value_len, unsigned line)
{
	struct th_kconfig_entry *e;

	if (cfg->count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 256;
		struct th_kconfig_entry *n = realloc(cfg->entries, ncap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		cfg->entries = n;
		*cap = ncap;
	}
	e = &cfg->entries[cfg->count];
	e->name = strndup(name, name_len);
	e->value = value ? strndup(value, value_len) : NULL;
	e->line = line;
	if (!e->name || (value && !e->value)) {
		free(e->name);
		free(e->value);
		return -ENOMEM;
	}
	cfg->count++;
	return 0;
}

/* A value is a tristate, a number, a hex number, or a double-quoted string with escapes. */
static int valid_value(const char *v, size_t n)
{
	if (n == 0)
		return 0;
	if (v[0] == '"') {
		size_t i;

		for (i = 1; i < n; i++) {
			if (v[i] == '\\') {
				i++;
				continue;
			}
			if (v[i] == '"')
				break;
		}
		return i == n - 1;
	}
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '-' && v[i] != '_')
			return 0;
	return 1;
}

int th_kconfig_parse(struct th_kconfig *cfg, const char *data, size_t len, struct th_err *err)
{
	static const char not_set[] = " is not set";
	size_t cap = 0, pos = 0;
	unsigned line = 0;
	int ret;

	cfg->entries = NULL;
	cfg->count = 0;
	while (pos < len) {
		const char *l = data + pos, *nl = memchr(l, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - l) : len - pos;
		char field[32];

		pos += n + (nl != NULL);
		line++;
		snprintf(field, sizeof(field), "line %u", line);
		if (memchr(l, '\0', n)) {
			ret = th_fail(err, EINVAL, field, "contains a NUL byte");
			goto fail;
		}
		if (n && l[n - 1] == '\r')
			n--;
		if (n == 0)
			continue;
		if (l[0] == '#') {
			/* "# CONFIG_FOO is not set", or any other comment */
			if (n > 9 + sizeof(not_set) - 1 && !memcmp(l, "# CONFIG_", 9) &&
			    !memcmp(l + n - (sizeof(not_set) - 1), not_set, sizeof(not_set) - 1)) {
				const char *name = l + 9;
				size_t nlen = n - 9 - (sizeof(not_set) - 1);
				size_t i;

				for (i = 0; i < nlen && valid_symbol_char(name[i]); i++)
					;
				if (i == nlen) {
					ret = add_entry(cfg, &cap, name, nlen, NULL, 0, line);
					if (ret < 0) {
						ret = th_fail(err, ENOMEM, field, "out of memory");
						goto fail;
					}
				}
			}
			continue;
		}
		if (n < 8 || memcmp(l, "CONFIG_", 7)) {
			ret = th_fail(err, EINVAL, field, "expected CONFIG_NAME=VALUE or a comment");
			goto fail;
		}
		{
			const char *name = l + 7, *eq = memchr(name, '=', n - 7);
			size_t nlen, vlen;

			if (!eq || eq == name) {
				ret = th_fail(err, EINVAL, field, "expected CONFIG_NAME=VALUE");
				goto fail;
			}
			nlen = (size_t)(eq - name);
			for (size_t i = 0; i < nlen; i++) {
				if (!valid_symbol_char(name[i])) {
					ret = th_fail(err, EINVAL, field, "bad character in symbol name");
					goto fail;
				}
			}
			vlen = n - 7 - nlen - 1;
			if (!valid_value(eq + 1, vlen)) {
				ret = th_fail(err, EINVAL, field, "bad value for CONFIG_%.*s",
					      (int)(nlen > 64 ? 64 : nlen), name);
				goto fail;
			}
			if (add_entry(cfg, &cap, name, nlen, eq + 1, vlen, line) < 0) {
				ret = th_fail(err, ENOMEM, field, "out of memory");
				goto fail;
			}
		}
	}
	if (cfg->count)
		qsort(cfg->entries, cfg->count, sizeof(*cfg->entries), cmp_entry);
	/* Keep the last assignment of each symbol, as the kernel's conf tool does. */
	if (cfg->count) {
		size_t out = 0;

		for (size_t i = 0; i < cfg->count; i++) {
			if (i + 1 < cfg->count && !strcmp(cfg->entries[i].name, cfg->entries[i + 1].name)) {
				free(cfg->entries[i].name);
				free(cfg->entries[i].value);
				continue;
			}
			cfg->entries[out++] = cfg->entries[i];
		}
		cfg->count = out;
	}
	return 0;
fail:
	th_kconfig_free(cfg);
	return ret;
}

void th_kconfig_free(struct th_kconfig *cfg)
{
	for (size_t i = 0; i < cfg->count; i++) {
		free(cfg->entries[i].name);
		free(cfg->entries[i].value);
	}
	free(cfg->entries);
	cfg->entries = NULL;
	cfg->count = 0;
}

const struct th_kconfig_entry *th_kconfig_find(const struct th_kconfig *cfg, const char *name)
{
	size_t lo = 0, hi = cfg->count;

	/* NAME is matched exactly: stripping a "CONFIG_" here would make "CONFIG_CONFIG_A=m"
	 * (symbol CONFIG_A) and "CONFIG_A=y" (symbol A) the same entry. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(cfg->entries[mid].name, name);

		if (c == 0)
			return &cfg->entries[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

char th_kconfig_tristate(const struct th_kconfig *cfg, const char *name)
{
	const struct th_kconfig_entry *e = th_kconfig_find(cfg, name);

	if (!e || !e->value)
		return 'n';
	if (!strcmp(e->value, "y") || !strcmp(e->value, "m") || !strcmp(e->value, "n"))
		return e->value[0];
	return 'v';
}
