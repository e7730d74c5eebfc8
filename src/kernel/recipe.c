// SPDX-License-Identifier: MIT
/* Recipe file format: see recipe.h. */
#include "kernel/recipe.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static char *path_dup(const char *dir, const char *v, size_t n)
{
	char *s;

	if (!dir || v[0] == '/' || (n == 5 && !memcmp(v, "debian", 5)))
		return strndup(v, n);
	if (asprintf(&s, "%s/%.*s", dir, (int)n, v) < 0)
		return NULL;
	return s;
}

static int is_make_base(const char *v, size_t n)
{
	static const char *const b[] = { "debian", "tinyconfig", "defconfig", "allnoconfig" };

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++)
		if (strlen(b[i]) == n && !memcmp(v, b[i], n))
			return 1;
	return 0;
}

static int set_one(char **slot, const char *key, char *v, const char *field, struct th_err *err)
{
	if (!v)
		return th_fail(err, ENOMEM, field, "out of memory");
	if (*slot) {
		free(v);
		return th_fail(err, EINVAL, field, "'%s' given twice", key);
	}
	*slot = v;
	return 0;
}

int th_krecipe_parse(struct th_krecipe *r, const char *text, size_t len, const char *dir,
		     struct th_err *err)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	while (p < end && !rc) {
		const char *e = memchr(p, '\n', (size_t)(end - p)), *k, *ke, *v, *ve;
		char field[32], key[16];

		if (!e)
			e = end;
		line++;
		snprintf(field, sizeof(field), "line %u", line);
		k = p;
		p = e + 1;
		while (k < e && (*k == ' ' || *k == '\t'))
			k++;
		ve = e;
		while (ve > k && (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
			ve--;
		if (k == ve || *k == '#')
			continue;
		if (memchr(k, 0, (size_t)(ve - k))) {
			rc = th_fail(err, EINVAL, field, "NUL byte");
			break;
		}
		ke = k;
		while (ke < ve && (*ke == '-' || (*ke >= 'a' && *ke <= 'z')))
			ke++;
		v = ke;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		if (ke == k || v == ve || *v != '=' || (size_t)(ke - k) >= sizeof(key)) {
			rc = th_fail(err, EINVAL, field, "expected 'key = value'");
			break;
		}
		memcpy(key, k, (size_t)(ke - k));
		key[ke - k] = 0;
		v++;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		if (v == ve) {
			rc = th_fail(err, EINVAL, field, "%s: empty value", key);
			break;
		}
		if (!strcmp(key, "name"))
			rc = set_one(&r->name, key, strndup(v, (size_t)(ve - v)), field, err);
		else if (!strcmp(key, "ref"))
			rc = set_one(&r->ref, key, strndup(v, (size_t)(ve - v)), field, err);
		else if (!strcmp(key, "src"))
			rc = set_one(&r->src, key, path_dup(dir, v, (size_t)(ve - v)), field, err);
		else if (!strcmp(key, "series") && !r->series)
			rc = set_one(&r->series, key, path_dup(dir, v, (size_t)(ve - v)), field, err);
		else if (!strcmp(key, "series")) {
			/* Several series (say SGX and SNP) composed into one kernel. */
			if (r->nmore_series == TH_RECIPE_MAX_LIST)
				rc = th_fail(err, E2BIG, field, "too many series");
			else if (!(r->more_series[r->nmore_series] =
				   path_dup(dir, v, (size_t)(ve - v))))
				rc = th_fail(err, ENOMEM, field, "out of memory");
			else
				r->nmore_series++;
		}
		else if (!strcmp(key, "patches"))
			rc = set_one(&r->patches, key, path_dup(dir, v, (size_t)(ve - v)), field, err);
		else if (!strcmp(key, "base"))
			rc = set_one(&r->base, key, is_make_base(v, (size_t)(ve - v)) ?
				     strndup(v, (size_t)(ve - v)) :
				     path_dup(dir, v, (size_t)(ve - v)), field, err);
		else if (!strcmp(key, "profile") || !strcmp(key, "fragment")) {
			int prof = key[0] == 'p';
			char **list = prof ? r->profiles : r->fragments;
			size_t *n = prof ? &r->nprofiles : &r->nfragments;

			while (v < ve && !rc) {
				const char *w = v;

				while (v < ve && *v != ' ' && *v != '\t')
					v++;
				if (*n == TH_RECIPE_MAX_LIST) {
					rc = th_fail(err, E2BIG, field, "too many %ss", key);
					break;
				}
				list[*n] = prof ? strndup(w, (size_t)(v - w)) :
					   path_dup(dir, w, (size_t)(v - w));
				if (!list[*n])
					rc = th_fail(err, ENOMEM, field, "out of memory");
				else
					(*n)++;
				while (v < ve && (*v == ' ' || *v == '\t'))
					v++;
			}
		} else {
			rc = th_fail(err, EINVAL, field, "unknown key '%s' (known: name, src, ref, "
				     "series, patches, base, profile, fragment)", key);
		}
	}
	if (!rc && r->series && r->patches)
		rc = th_fail(err, EINVAL, "series", "give 'series' or 'patches', not both");
	if (rc)
		th_krecipe_free(r);
	return rc;
}

void th_krecipe_free(struct th_krecipe *r)
{
	free(r->name);
	free(r->src);
	free(r->ref);
	free(r->series);
	free(r->patches);
	free(r->base);
	for (size_t i = 0; i < r->nprofiles; i++)
		free(r->profiles[i]);
	for (size_t i = 0; i < r->nfragments; i++)
		free(r->fragments[i]);
	for (size_t i = 0; i < r->nmore_series; i++)
		free(r->more_series[i]);
	memset(r, 0, sizeof(*r));
}
