// SPDX-License-Identifier: MIT
/* Series file and patch outline parsers: see series.h. Pure, no I/O. */
#include "kernel/series.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* ---- series file ---------------------------------------------------------- */

void th_series_file_free(struct th_series_file *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].name);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int th_series_parse(struct th_series_file *s, const char *text, size_t len,
		    struct th_err *err)
{
	const char *p = text, *end = text + len;
	unsigned line = 0;
	int rc = 0;

	memset(s, 0, sizeof(*s));
	while (p < end && !rc) {
		const char *e = memchr(p, '\n', (size_t)(end - p)), *w, *we, *hash;
		char field[32];

		if (!e)
			e = end;
		line++;
		snprintf(field, sizeof(field), "line %u", line);
		w = p;
		p = e + 1;
		hash = memchr(w, '#', (size_t)(e - w));
		if (hash)
			e = hash;
		while (w < e && is_blank(*w))
			w++;
		if (w == e)
			continue;
		if (memchr(w, 0, (size_t)(e - w))) {
			rc = th_fail(err, EINVAL, field, "NUL byte");
			break;
		}
		we = w;
		while (we < e && !is_blank(*we))
			we++;
		/* Options after the name: quilt writes "-p1" (the default); others change
		 * how the patch reads, which git apply here does not replicate. */
		for (const char *o = we; o < e && !rc;) {
			const char *oe;

			while (o < e && is_blank(*o))
				o++;
			oe = o;
			while (oe < e && !is_blank(*oe))
				oe++;
			if (o < oe && !((oe - o == 3 && !memcmp(o, "-p1", 3)) ||
					(oe - o == 2 && !memcmp(o, "-p", 2) && oe < e)))
				rc = th_fail(err, EINVAL, field, "option '%.*s': only -p1 is supported",
					     (int)(oe - o), o);
			if (oe - o == 2 && !memcmp(o, "-p", 2)) {
				/* "-p 1" */
				o = oe;
				while (o < e && is_blank(*o))
					o++;
				oe = o;
				while (oe < e && !is_blank(*oe))
					oe++;
				if (!(oe - o == 1 && *o == '1'))
					rc = th_fail(err, EINVAL, field, "only -p1 is supported");
			}
			o = oe;
		}
		if (rc)
			break;
		if (*w == '/' || (we - w >= 2 && !memcmp(w, "..", 2) &&
				  (we - w == 2 || w[2] == '/')) ||
		    memmem(w, (size_t)(we - w), "/../", 4) ||
		    (we - w >= 3 && !memcmp(we - 3, "/..", 3))) {
			rc = th_fail(err, EINVAL, field, "patch '%.*s': must be a relative path "
				     "inside the series directory", (int)(we - w), w);
			break;
		}
		{
			struct th_series_entry *v = realloc(s->v, (s->n + 1) * sizeof(*v));

			if (!v) {
				rc = th_fail(err, ENOMEM, field, "out of memory");
				break;
			}
			s->v = v;
			v[s->n].name = strndup(w, (size_t)(we - w));
			v[s->n].line = line;
			if (!v[s->n].name) {
				rc = th_fail(err, ENOMEM, field, "out of memory");
				break;
			}
			s->n++;
		}
	}
	if (!rc && !s->n)
		rc = th_fail(err, ENOENT, "series", "names no patches");
	if (rc)
		th_series_file_free(s);
	return rc;
}

/* ---- patch outline -------------------------------------------------------- */

void th_patch_free(struct th_patch *p)
{
	for (size_t i = 0; i < p->nfiles; i++) {
		free(p->files[i].path);
		free(p->files[i].hunks);
	}
	free(p->files);
	free(p->subject);
	free(p->author);
	free(p->body);
	memset(p, 0, sizeof(*p));
}

struct lines {
	const char *text, *end, *cur;
	unsigned no;		/* line number of cur */
};

/* The line at cur (without '\n'); returns 0 at the end. */
static int peek(const struct lines *l, const char **s, size_t *n)
{
	const char *e;

	if (l->cur >= l->end)
		return 0;
	e = memchr(l->cur, '\n', (size_t)(l->end - l->cur));
	*s = l->cur;
	*n = (size_t)((e ? e : l->end) - l->cur);
	return 1;
}

static void next(struct lines *l)
{
	const char *e = memchr(l->cur, '\n', (size_t)(l->end - l->cur));

	l->cur = e ? e + 1 : l->end;
	l->no++;
}

static int starts(const char *s, size_t n, const char *pfx)
{
	size_t k = strlen(pfx);

	return n >= k && !memcmp(s, pfx, k);
}

/* "a/x/y" -> "x/y" (strip one component, as -p1); "/dev/null" -> NULL.
 * git quotes unusual names ("..."); those are taken as written. */
static char *strip_path(const char *s, size_t n)
{
	const char *t = memchr(s, '\t', n), *slash;

	if (t)
		n = (size_t)(t - s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		n--;
	if (n == 9 && !memcmp(s, "/dev/null", 9))
		return NULL;
	slash = memchr(s, '/', n);
	if (slash && slash + 1 < s + n) {
		n -= (size_t)(slash + 1 - s);
		s = slash + 1;
	}
	return strndup(s, n);
}

static int parse_num(const char **p, const char *e, unsigned *v)
{
	unsigned long x = 0;
	const char *s = *p;

	while (*p < e && **p >= '0' && **p <= '9') {
		x = x * 10 + (unsigned long)(**p - '0');
		if (x > 100000000ul)
			return -1;
		(*p)++;
	}
	*v = (unsigned)x;
	return *p == s ? -1 : 0;
}

/* "@@ -a[,b] +c[,d] @@..." */
static int parse_hunk_header(const char *s, size_t n, struct th_phunk *h)
{
	const char *p = s + 4, *e = s + n;

	if (n < 4 || memcmp(s, "@@ -", 4))
		return -1;
	h->old_len = h->new_len = 1;
	if (parse_num(&p, e, &h->old_start))
		return -1;
	if (p < e && *p == ',' && (++p, parse_num(&p, e, &h->old_len)))
		return -1;
	if (e - p < 2 || memcmp(p, " +", 2))
		return -1;
	p += 2;
	if (parse_num(&p, e, &h->new_start))
		return -1;
	if (p < e && *p == ',' && (++p, parse_num(&p, e, &h->new_len)))
		return -1;
	if (e - p < 3 || memcmp(p, " @@", 3))
		return -1;
	return 0;
}

static struct th_pfile *add_file(struct th_patch *p)
{
	struct th_pfile *v = realloc(p->files, (p->nfiles + 1) * sizeof(*v));

	if (!v)
		return NULL;
	p->files = v;
	memset(&v[p->nfiles], 0, sizeof(v[0]));
	return &v[p->nfiles++];
}

/* One hunk's body: exactly old_len old-side and new_len new-side lines. */
static int parse_hunk_body(struct lines *l, struct th_phunk *h, struct th_err *err)
{
	unsigned o = h->old_len, n = h->new_len, start = l->no;
	const char *s;
	size_t len;

	while (o || n) {
		char field[32];

		snprintf(field, sizeof(field), "line %u", l->no);
		if (!peek(l, &s, &len))
			return th_fail(err, EINVAL, field, "hunk at line %u ends early "
				       "(%u old and %u new lines missing)", start - 1, o, n);
		if (len == 0 || s[0] == ' ') {	/* an empty line: context whose space was lost */
			if (!o || !n)
				return th_fail(err, EINVAL, field, "context line beyond the hunk's "
					       "counts (hunk at line %u)", start - 1);
			o--, n--;
		} else if (s[0] == '-') {
			if (!o)
				return th_fail(err, EINVAL, field, "more removed lines than the hunk "
					       "header at line %u says", start - 1);
			o--;
		} else if (s[0] == '+') {
			if (!n)
				return th_fail(err, EINVAL, field, "more added lines than the hunk "
					       "header at line %u says", start - 1);
			n--;
		} else if (s[0] == '\\') {
			/* "\ No newline at end of file" */
		} else {
			return th_fail(err, EINVAL, field, "hunk at line %u ends early "
				       "(%u old and %u new lines missing)", start - 1, o, n);
		}
		next(l);
	}
	if (peek(l, &s, &len) && len && s[0] == '\\')
		next(l);
	return 0;
}

static char *header_value(const char *s, size_t n, size_t skip, const struct lines *l)
{
	/* Unfold RFC 2822 continuation lines. */
	char *out;
	size_t cap = n - skip + 1, used;
	const char *c = l->cur, *end = l->end;

	out = malloc(cap);
	if (!out)
		return NULL;
	memcpy(out, s + skip, n - skip);
	used = n - skip;
	c = memchr(c, '\n', (size_t)(end - c));
	c = c ? c + 1 : end;
	while (c < end && (*c == ' ' || *c == '\t')) {
		const char *e = memchr(c, '\n', (size_t)(end - c));
		size_t k = (size_t)((e ? e : end) - c);
		char *o2 = realloc(out, used + k + 1);

		if (!o2) {
			free(out);
			return NULL;
		}
		out = o2;
		while (k && (*c == ' ' || *c == '\t'))
			c++, k--;
		out[used++] = ' ';
		memcpy(out + used, c, k);
		used += k;
		c = e ? e + 1 : end;
	}
	out[used] = 0;
	while (used && (out[used - 1] == '\r' || out[used - 1] == ' '))
		out[--used] = 0;
	return out;
}

/* "[PATCH v3 07/12] x86/sgx: foo" -> "x86/sgx: foo" */
static void strip_subject_tags(char *s)
{
	char *p = s;

	while (*p == ' ')
		p++;
	while (*p == '[') {
		char *e = strchr(p, ']');

		if (!e)
			break;
		p = e + 1;
		while (*p == ' ')
			p++;
	}
	memmove(s, p, strlen(p) + 1);
}

static int parse_header(struct th_patch *p, const char *text, size_t hlen)
{
	struct lines l = { text, text + hlen, text, 1 };
	const char *s, *body_start = NULL, *desc = NULL;
	size_t n;
	int in_headers = 1;

	while (peek(&l, &s, &n)) {
		if (in_headers && starts(s, n, "Subject: ") && !p->subject)
			p->subject = header_value(s, n, 9, &l);
		else if (in_headers && starts(s, n, "Description: ") && !p->subject)
			p->subject = header_value(s, n, 13, &l);
		else if (in_headers && starts(s, n, "From: ") && !p->author)
			p->author = header_value(s, n, 6, &l);
		else if (in_headers && (n == 0 || (n == 1 && s[0] == '\r'))) {
			in_headers = 0;
			next(&l);
			body_start = l.cur;
			continue;
		} else if (in_headers && !starts(s, n, "From ") && !(s[0] == ' ' || s[0] == '\t') &&
			   !memchr(s, ':', n)) {
			/* not a mail header block: plain description text */
			in_headers = 0;
			body_start = s;
			continue;
		}
		if (!in_headers && !desc && n && !(n == 1 && s[0] == '\r'))
			desc = s;
		next(&l);
	}
	if (!p->subject && desc) {
		const char *e = memchr(desc, '\n', (size_t)(text + hlen - desc));

		p->subject = strndup(desc, (size_t)((e ? e : text + hlen) - desc));
		if (p->subject)
			body_start = e ? e + 1 : text + hlen;
	}
	if (!p->subject)
		p->subject = strdup("");
	if (!p->subject)
		return -ENOMEM;
	strip_subject_tags(p->subject);
	for (char *c = p->subject; *c; c++)
		if (*c == '\r' || *c == '\t' || (unsigned char)*c < 0x20)
			*c = ' ';
	/* Body: up to the "---" that separates a mail's message from its diffstat. */
	{
		const char *b = body_start ? body_start : text + hlen, *e = text + hlen, *q;

		for (q = b; q < e;) {
			const char *nl = memchr(q, '\n', (size_t)(e - q));
			size_t k = (size_t)((nl ? nl : e) - q);

			if ((k == 3 && !memcmp(q, "---", 3)) || (k == 4 && !memcmp(q, "---\r", 4))) {
				e = q;
				break;
			}
			q = nl ? nl + 1 : e;
		}
		while (b < e && (*b == '\n' || *b == '\r'))
			b++;
		while (e > b && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' '))
			e--;
		p->body = strndup(b, (size_t)(e - b));
	}
	return p->body ? 0 : -ENOMEM;
}

/* A file diff starts at "diff --git ", or at a "--- " line (S, N: the line at L's cursor)
 * followed by a "+++ " line. */
static int file_header_at(const struct lines *l, const char *s, size_t n)
{
	return starts(s, n, "diff --git ") ||
	       (starts(s, n, "--- ") && l->cur + n + 1 < l->end &&
		starts(l->cur + n + 1, (size_t)(l->end - l->cur - n - 1), "+++ "));
}

/* "diff --git a/X b/X" (S, N) and git's extended header lines after it: the b/ name, good
 * for files without ---/+++, and what the mode, binary and rename lines say. */
static void git_header(struct lines *l, struct th_pfile *f, const char *s, size_t n)
{
	const char *b = memmem(s, n, " b/", 3);

	if (b)
		f->path = strip_path(b + 1, (size_t)(s + n - b - 1));
	next(l);
	while (peek(l, &s, &n) && !starts(s, n, "--- ") &&
	       !starts(s, n, "diff --git ") && !starts(s, n, "@@ ")) {
		if (starts(s, n, "new file mode"))
			f->created = 1;
		else if (starts(s, n, "deleted file mode"))
			f->deleted = 1;
		else if (starts(s, n, "GIT binary patch") ||
			 starts(s, n, "Binary files "))
			f->binary = 1;
		else if (starts(s, n, "rename to ")) {
			free(f->path);
			f->path = strndup(s + 10, n - 10);
		}
		next(l);
	}
}

/* The "--- OLD" / "+++ NEW" pair, when the cursor is at one: NEW names the file (OLD when
 * NEW is /dev/null), and /dev/null on either side marks it created or deleted. */
static int unified_names(struct lines *l, struct th_pfile *f, struct th_err *err)
{
	const char *s, *s2;
	size_t n, n2;
	char *old, *new;

	if (!peek(l, &s, &n) || !starts(s, n, "--- "))
		return 0;
	old = strip_path(s + 4, n - 4);
	next(l);
	if (!peek(l, &s2, &n2) || !starts(s2, n2, "+++ ")) {
		char field[32];

		free(old);
		snprintf(field, sizeof(field), "line %u", l->no);
		return th_fail(err, EINVAL, field, "'---' without '+++'");
	}
	new = strip_path(s2 + 4, n2 - 4);
	next(l);
	if (!old)
		f->created = 1;
	if (!new)
		f->deleted = 1;
	if (new || old) {
		free(f->path);
		f->path = new ? new : old;
		if (new)
			free(old);
	}
	return 0;
}

/* The hunks after a file's header: each "@@" line and exactly the lines it counts. */
static int parse_hunks(struct lines *l, struct th_pfile *f, const char *text, struct th_err *err)
{
	const char *s;
	size_t n;
	int rc = 0;

	while (!rc && peek(l, &s, &n) && starts(s, n, "@@ ")) {
		struct th_phunk *h, *hv;
		char field[32];

		snprintf(field, sizeof(field), "line %u", l->no);
		hv = realloc(f->hunks, (f->nhunks + 1) * sizeof(*hv));
		if (!hv)
			return th_fail(err, ENOMEM, field, "out of memory");
		f->hunks = hv;
		h = &hv[f->nhunks++];
		memset(h, 0, sizeof(*h));
		if (parse_hunk_header(s, n, h))
			return th_fail(err, EINVAL, field, "malformed hunk header '%.*s'",
				       (int)(n > 60 ? 60 : n), s);
		h->off = (size_t)(s - text);
		h->line = l->no;
		next(l);
		rc = parse_hunk_body(l, h, err);
		h->len = (size_t)(l->cur - text) - h->off;
	}
	return rc;
}

/* One file diff, from its header line at L's cursor through its last hunk, added to P. */
static int parse_file(struct lines *l, struct th_patch *p, const char *text, struct th_err *err)
{
	unsigned hdr_line = l->no;
	struct th_pfile *f;
	char field[32];
	const char *s;
	size_t n;
	int git, rc;

	peek(l, &s, &n);
	snprintf(field, sizeof(field), "line %u", hdr_line);
	git = starts(s, n, "diff --git ");
	if (!p->nfiles)
		p->diff_off = (size_t)(s - text);
	f = add_file(p);
	if (!f)
		return th_fail(err, ENOMEM, field, "out of memory");
	f->hdr_off = (size_t)(s - text);
	if (git)
		git_header(l, f, s, n);
	rc = unified_names(l, f, err);
	if (rc)
		return rc;
	if (!f->path || !*f->path)
		return th_fail(err, EINVAL, field, "file header at line %u names no file", hdr_line);
	f->hdr_len = (size_t)(l->cur - text) - f->hdr_off;
	rc = parse_hunks(l, f, text, err);
	if (!rc && !f->nhunks && !f->binary && !git)
		rc = th_fail(err, EINVAL, field, "file %s: no hunks", f->path);
	return rc;
}

int th_patch_parse(struct th_patch *p, const char *text, size_t len, struct th_err *err)
{
	struct lines l = { text, text + len, text, 1 };
	const char *s;
	size_t n;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	if (memchr(text, 0, len))
		return th_fail(err, EINVAL, "patch", "NUL byte (not a text patch)");
	while (!rc && peek(&l, &s, &n)) {
		if (file_header_at(&l, s, n)) {
			rc = parse_file(&l, p, text, err);
		} else if (p->nfiles && starts(s, n, "@@ ")) {
			char field[32];

			snprintf(field, sizeof(field), "line %u", l.no);
			rc = th_fail(err, EINVAL, field, "hunk outside a file diff");
		} else {
			next(&l);
		}
	}
	if (!rc && !p->nfiles)
		rc = th_fail(err, EINVAL, "patch", "no diff in it (not a patch)");
	if (!rc && parse_header(p, text, p->diff_off))
		rc = th_fail(err, ENOMEM, "patch", "out of memory");
	if (rc)
		th_patch_free(p);
	return rc;
}

int th_patches_overlap(const struct th_patch *a, const struct th_patch *b, const char **file)
{
	for (size_t i = 0; i < a->nfiles; i++)
		for (size_t j = 0; j < b->nfiles; j++) {
			const struct th_pfile *fa = &a->files[i], *fb = &b->files[j];

			if (strcmp(fa->path, fb->path))
				continue;
			for (size_t x = 0; x < fa->nhunks; x++)
				for (size_t y = 0; y < fb->nhunks; y++) {
					const struct th_phunk *ha = &fa->hunks[x], *hb = &fb->hunks[y];
					unsigned ae = ha->old_start + ha->old_len;
					unsigned be = hb->old_start + hb->old_len;

					if (ha->old_start <= be && hb->old_start <= ae) {
						if (file)
							*file = fa->path;
						return 1;
					}
				}
		}
	return 0;
}
