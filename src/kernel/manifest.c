// SPDX-License-Identifier: MIT
/* manifest.json reader: see manifest.h. A small JSON scanner that walks the
 * whole document (so nesting and strings elsewhere cannot confuse it) and keeps
 * two top-level keys. */
#include "kernel/manifest.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "util/err.h"

struct scan {
	const char *p, *end;
	int depth;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && strchr(" \t\r\n", *s->p) && *s->p)
		s->p++;
}

/* A JSON string into out (escapes other than \" \\ \/ refused: release and
 * profile names never need them). out may be NULL to skip. */
static int read_string(struct scan *s, char *out, size_t cap)
{
	size_t n = 0;

	if (s->p >= s->end || *s->p != '"')
		return -1;
	s->p++;
	while (s->p < s->end && *s->p != '"') {
		char c = *s->p++;

		if ((unsigned char)c < 0x20)
			return -1;
		if (c == '\\') {
			if (s->p >= s->end)
				return -1;
			c = *s->p++;
			if (!out) {
				if (c == 'u') {
					if (s->end - s->p < 4)
						return -1;
					s->p += 4;
				}
				continue;
			}
			if (c != '"' && c != '\\' && c != '/')
				return -1;
		}
		if (out) {
			if (n + 1 >= cap)
				return -1;
			out[n++] = c;
		}
	}
	if (s->p >= s->end)
		return -1;
	s->p++;
	if (out)
		out[n] = 0;
	return 0;
}

static int skip_value(struct scan *s);

static int skip_container(struct scan *s, char close)
{
	if (++s->depth > 64)
		return -1;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == close) {
		s->p++;
		s->depth--;
		return 0;
	}
	for (;;) {
		if (close == '}') {
			if (read_string(s, NULL, 0))
				return -1;
			skip_ws(s);
			if (s->p >= s->end || *s->p != ':')
				return -1;
			s->p++;
			skip_ws(s);
		}
		if (skip_value(s))
			return -1;
		skip_ws(s);
		if (s->p >= s->end)
			return -1;
		if (*s->p == close) {
			s->p++;
			s->depth--;
			return 0;
		}
		if (*s->p != ',')
			return -1;
		s->p++;
		skip_ws(s);
	}
}

static int skip_value(struct scan *s)
{
	if (s->p >= s->end)
		return -1;
	switch (*s->p) {
	case '"': return read_string(s, NULL, 0);
	case '{': return skip_container(s, '}');
	case '[': return skip_container(s, ']');
	default: {
		const char *start = s->p;

		while (s->p < s->end && *s->p && strchr("0123456789+-.eEtruefalsn", *s->p))
			s->p++;
		return s->p == start ? -1 : 0;
	}
	}
}

static int read_profiles(struct scan *s, struct th_kmanifest *m)
{
	if (s->p >= s->end || *s->p != '[')
		return -1;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return 0;
	}
	for (;;) {
		if (m->nprofiles == TH_KMANIFEST_MAX_PROFILES)
			return -1;
		if (read_string(s, m->profiles[m->nprofiles], sizeof(m->profiles[0])))
			return -1;
		m->nprofiles++;
		skip_ws(s);
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			return 0;
		}
		if (s->p >= s->end || *s->p != ',')
			return -1;
		s->p++;
		skip_ws(s);
	}
}

int th_kmanifest_parse(struct th_kmanifest *m, const char *text, size_t len, struct th_err *err)
{
	struct scan s = { text, text + len, 1 };
	bool have_release = false, have_profiles = false;
	char key[64];

	memset(m, 0, sizeof(*m));
	skip_ws(&s);
	if (s.p >= s.end || *s.p != '{')
		return th_fail(err, EINVAL, "manifest", "not a JSON object");
	s.p++;
	skip_ws(&s);
	while (s.p < s.end && *s.p != '}') {
		if (read_string(&s, key, sizeof(key))) {
			/* A long key is none of ours: skip it. */
			if (s.p < s.end && *s.p != '"')
				return th_fail(err, EINVAL, "manifest", "not valid JSON");
			if (read_string(&s, NULL, 0))
				return th_fail(err, EINVAL, "manifest", "not valid JSON");
			key[0] = 0;
		}
		skip_ws(&s);
		if (s.p >= s.end || *s.p != ':')
			return th_fail(err, EINVAL, "manifest", "not valid JSON");
		s.p++;
		skip_ws(&s);
		if (!strcmp(key, "kernel_release")) {
			if (read_string(&s, m->release, sizeof(m->release)) || !m->release[0] ||
			    strpbrk(m->release, "/ \t"))
				return th_fail(err, EINVAL, "kernel_release", "not a kernel release string");
			have_release = true;
		} else if (!strcmp(key, "profiles")) {
			m->nprofiles = 0;
			if (read_profiles(&s, m))
				return th_fail(err, EINVAL, "profiles",
					       "not a list of at most %d profile names",
					       TH_KMANIFEST_MAX_PROFILES);
			have_profiles = true;
		} else if (skip_value(&s)) {
			return th_fail(err, EINVAL, "manifest", "not valid JSON");
		}
		skip_ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			skip_ws(&s);
		} else if (s.p >= s.end || *s.p != '}') {
			return th_fail(err, EINVAL, "manifest", "not valid JSON");
		}
	}
	if (s.p >= s.end)
		return th_fail(err, EINVAL, "manifest", "not valid JSON (unterminated)");
	if (!have_release)
		return th_fail(err, EINVAL, "kernel_release", "missing: not a 'teehost kernel build' manifest");
	if (!have_profiles)
		return th_fail(err, EINVAL, "profiles", "missing: not a 'teehost kernel build' manifest");
	return 0;
}

const char *th_kprofile_family(const char *profile)
{
	static const struct {
		const char *profile, *family;
	} map[] = {
		{ "sgx-host", "sgx" },
		{ "sev-snp-host", "sev" },
		{ "snp-guest", "sev" },
		{ "tdx-host", "tdx" },
		{ "tdx-guest", "tdx" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(profile, map[i].profile))
			return map[i].family;
	return NULL;
}
