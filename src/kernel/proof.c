// SPDX-License-Identifier: MIT
/* Requested vs. final kconfig values, reasons from the probe: see proof.h. */
#include "kernel/proof.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct th_kreq *find_req(struct th_kproof *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return &p->v[i];
	return NULL;
}

int th_kfrag_is_optional(const char *text, size_t len, const char *name)
{
	static const char dir[] = "# teehost-optional:";
	size_t nl = strlen(name);
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));

		if (!e)
			e = end;
		if ((size_t)(e - p) > sizeof(dir) - 1 && !memcmp(p, dir, sizeof(dir) - 1)) {
			const char *q = p + sizeof(dir) - 1;

			while (q < e) {
				const char *w;

				while (q < e && (*q == ' ' || *q == '\t' || *q == ','))
					q++;
				if (e - q > 7 && !memcmp(q, "CONFIG_", 7))
					q += 7;
				w = q;
				while (q < e && *q != ' ' && *q != '\t' && *q != ',' && *q != '\r')
					q++;
				if ((size_t)(q - w) == nl && nl && !memcmp(w, name, nl))
					return 1;
				if (q == w)
					q++;
			}
		}
		p = e + 1;
	}
	return 0;
}

static int by_line(const void *a, const void *b)
{
	const struct th_kconfig_entry *x = *(const struct th_kconfig_entry *const *)a;
	const struct th_kconfig_entry *y = *(const struct th_kconfig_entry *const *)b;

	return x->line < y->line ? -1 : x->line > y->line;
}

int th_kproof_add(struct th_kproof *p, const struct th_kconfig *frag,
		  const char *text, size_t len, const char *source)
{
	const struct th_kconfig_entry **order;

	if (!frag->count)
		return 0;
	order = calloc(frag->count, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < frag->count; i++)
		order[i] = &frag->entries[i];
	qsort(order, frag->count, sizeof(*order), by_line);
	for (size_t i = 0; i < frag->count; i++) {
		const struct th_kconfig_entry *e = order[i];
		struct th_kreq *q = find_req(p, e->name);
		char *want = strdup(e->value ? e->value : "n");

		if (!want || strlen(e->name) >= TH_KSYM_MAX) {
			free(want);
			free(order);
			return want ? -ENAMETOOLONG : -ENOMEM;
		}
		if (!q) {
			if (p->n == p->cap) {
				size_t cap = p->cap ? p->cap * 2 : 32;
				struct th_kreq *v = realloc(p->v, cap * sizeof(*v));

				if (!v) {
					free(want);
					free(order);
					return -ENOMEM;
				}
				p->v = v;
				p->cap = cap;
			}
			q = &p->v[p->n++];
			memset(q, 0, sizeof(*q));
			snprintf(q->name, sizeof(q->name), "%s", e->name);
		}
		free(q->want);
		q->want = want;
		q->optional = th_kfrag_is_optional(text, len, e->name);
		snprintf(q->source, sizeof(q->source), "%s", source);
	}
	free(order);
	return 0;
}

static int is_off(const char *v)
{
	return !v || !strcmp(v, "n");
}

static int val_equal(const char *a, const char *b)
{
	return !strcmp(a ? a : "n", b ? b : "n");
}

void th_kproof_compare(struct th_kproof *p, const struct th_kconfig *final)
{
	for (size_t i = 0; i < p->n; i++) {
		struct th_kreq *q = &p->v[i];
		const struct th_kconfig_entry *e = th_kconfig_find(final, q->name);
		const char *got = e ? (e->value ? e->value : "n") : NULL;

		free(q->got);
		q->got = got ? strdup(got) : NULL;
		if (val_equal(q->want, got) ||
		    (!strcmp(q->want, "m") && got && !strcmp(got, "y")))
			q->status = TH_KREQ_OK;	/* built in where a module was asked: stronger */
		else if (!is_off(q->want) && is_off(got))
			q->status = TH_KREQ_DROPPED;
		else
			q->status = TH_KREQ_DIFFERENT;
	}
}

/* ---- probe records ---------------------------------------------------- */

struct rec {
	char kind;
	char *f[5];
	int nf;
};

struct recs {
	struct rec *v;
	size_t n;
	char *buf;
};

static int parse_recs(struct recs *r, const char *text, size_t len)
{
	size_t cap = 0;
	char *p, *nl;

	memset(r, 0, sizeof(*r));
	r->buf = strndup(text, len);
	if (!r->buf)
		return -ENOMEM;
	for (p = r->buf; p && *p; p = nl) {
		struct rec rec = { 0 };
		char *tab;

		nl = strchr(p, '\n');
		if (nl)
			*nl++ = 0;
		if (!p[0] || p[1] != '\t')
			continue;
		rec.kind = p[0];
		for (char *f = p + 2; f && rec.nf < 5; f = tab) {
			tab = strchr(f, '\t');
			if (tab)
				*tab++ = 0;
			rec.f[rec.nf++] = f;
		}
		if (r->n == cap) {
			struct rec *v;

			cap = cap ? cap * 2 : 64;
			v = realloc(r->v, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			r->v = v;
		}
		r->v[r->n++] = rec;
	}
	return 0;
}

static const struct rec *rec_find(const struct recs *r, char kind, const char *name,
				  size_t *from)
{
	for (size_t i = from ? *from : 0; i < r->n; i++)
		if (r->v[i].kind == kind && r->v[i].nf > 0 && !strcmp(r->v[i].f[0], name)) {
			if (from)
				*from = i + 1;
			return &r->v[i];
		}
	return NULL;
}

struct text {
	char *s;
	size_t len;
};

static void tx(struct text *t, const char *fmt, ...)
{
	va_list ap;
	char *add = NULL, *n;
	int l;

	va_start(ap, fmt);
	l = vasprintf(&add, fmt, ap);
	va_end(ap);
	if (l < 0)
		return;
	n = realloc(t->s, t->len + (size_t)l + 1);
	if (n) {
		memcpy(n + t->len, add, (size_t)l + 1);
		t->s = n;
		t->len += (size_t)l;
	}
	free(add);
}

struct culprit {
	char term[512];		/* deepest blocking plain symbol term ("KVM [=n]") */
	int depth;
	char any[512];		/* deepest blocking term of any shape */
	int anydepth;
	const char *seen[32];
	int nseen;
	struct th_kproof *proof;	/* to say which request turned a symbol off */
};

static int plain_term(const char *t)
{
	char sym[TH_KSYM_MAX], val[64];
	int neg = t[0] == '!';

	return sscanf(t + neg, "%127[A-Za-z0-9_] [=%63[^]]]", sym, val) == 2 &&
	       strlen(t + neg) == strlen(sym) + strlen(val) + 4;
}

/* "NAME depends on A [=y] && B [=n] (FALSE)"; recurse into blocking symbols. */
static void explain_deps(const struct recs *r, const char *name, int depth,
			 struct text *out, struct culprit *c)
{
	const struct rec *d = rec_find(r, 'D', name, NULL), *x;
	size_t it = 0;
	int first = 1, nblock = 0;

	for (int i = 0; i < c->nseen; i++)
		if (!strcmp(c->seen[i], name))
			return;
	if (c->nseen < 32)
		c->seen[c->nseen++] = name;
	if (d) {
		tx(out, "%s%s depends on ", out->len ? "; " : "", name);
		while ((x = rec_find(r, 'T', name, &it))) {
			int blocks = x->nf > 3 && !strcmp(x->f[3], "1");
			const char *t = x->nf > 1 ? x->f[1] : "?";
			int paren = strstr(t, "||") != NULL;

			tx(out, "%s%s%s%s%s", first ? "" : " && ", paren ? "(" : "", t,
			   paren ? ")" : "", blocks ? " (FALSE)" : "");
			first = 0;
			if (blocks) {
				nblock++;
				if (plain_term(t) && depth > c->depth) {
					snprintf(c->term, sizeof(c->term), "%s", t);
					c->depth = depth;
				}
				if (depth >= c->anydepth) {
					snprintf(c->any, sizeof(c->any), "%s", t);
					c->anydepth = depth;
				}
			}
		}
		if (!nblock) {
			const struct th_kreq *asked = c->proof ? find_req(c->proof, name) : NULL;

			tx(out, " (all hold)");
			if (depth > 0 && asked && asked->want && !strcmp(asked->want, "n"))
				tx(out, ", off because %s asks CONFIG_%s=n", asked->source, name);
		}
	}
	it = 0;
	while ((x = rec_find(r, 'V', name, &it)))
		tx(out, "%s%s's prompt is hidden: %s", out->len ? "; " : "", name,
		   x->nf > 1 ? x->f[1] : "?");
	it = 0;
	while ((x = rec_find(r, 'C', name, &it)))
		tx(out, "%s%s is a choice member; the choice chose %s", out->len ? "; " : "",
		   name, x->nf > 1 ? x->f[1] : "?");
	it = 0;
	while ((x = rec_find(r, 'W', name, &it)))
		if (x->nf > 1 && depth < 6)
			explain_deps(r, x->f[1], depth + 1, out, c);
}

static void selected_by(const struct recs *r, const char *name, struct text *out)
{
	const struct rec *x;
	size_t it = 0;
	int first = 1;

	while ((x = rec_find(r, 'R', name, &it))) {
		tx(out, "%s%s", first ? "selected by " : ", ", x->nf > 1 ? x->f[1] : "?");
		first = 0;
	}
}

/* Turn the deepest false term into the option to add. */
static void make_fix(struct th_kproof *p, const struct recs *r, const char *term,
		     struct text *fix)
{
	char sym[TH_KSYM_MAX], val[64];
	const struct th_kreq *asked;
	int neg = term[0] == '!';

	if (sscanf(term + neg, "%127[A-Za-z0-9_] [=%63[^]]]", sym, val) == 2 &&
	    strlen(term + neg) == strlen(sym) + strlen(val) + 4) {
		const struct rec *s = rec_find(r, 'S', sym, NULL);
		int tri = s && s->nf > 1 && !strcmp(s->f[1], "tristate");

		if (neg) {
			tx(fix, "turn CONFIG_%s off (# CONFIG_%s is not set)", sym, sym);
			if (rec_find(r, 'R', sym, NULL)) {
				struct text sel = { 0 };

				selected_by(r, sym, &sel);
				tx(fix, " and what forces it on: %s", sel.s ? sel.s : "");
				free(sel.s);
			}
		} else {
			tx(fix, "add CONFIG_%s=%s", sym,
			   tri && strcmp(val, "m") ? "y (or =m)" : "y");
		}
		asked = find_req(p, sym);
		if (asked && asked->want)
			tx(fix, " (%s asks CONFIG_%s=%s)", asked->source, sym, asked->want);
		return;
	}
	/* "A [=y]!=y [=y] || B [=m]!=m [=m]": kconfig's form of !(A=y && B=m). */
	if (strstr(term, "!=")) {
		const char *q = term;
		int first = 1;

		tx(fix, "change one of: ");
		while (q && *q) {
			char want[64];

			while (*q == '(' || *q == ' ')
				q++;
			if (sscanf(q, "%127[A-Za-z0-9_] [=%63[^]]]!=%63[A-Za-z0-9_]",
				   sym, val, want) == 3) {
				tx(fix, "%sCONFIG_%s (now %s, must not be %s)",
				   first ? "" : ", ", sym, val, want);
				first = 0;
			}
			q = strstr(q, "||");
			if (q)
				q += 2;
		}
		if (!first)
			return;
		free(fix->s);
		fix->s = NULL;
		fix->len = 0;
	}
	tx(fix, "make '%s' hold", term);
}

int th_kproof_explain(struct th_kproof *p, const char *records, size_t len)
{
	struct recs r;
	int rc = parse_recs(&r, records, len);

	if (rc)
		goto out;
	for (size_t i = 0; i < r.n; i++)
		if (r.v[i].kind == 'E')
			p->engine_mismatch = 1;
	for (size_t i = 0; i < p->n; i++) {
		struct th_kreq *q = &p->v[i];
		const struct rec *s = rec_find(&r, 'S', q->name, NULL);
		struct text why = { 0 }, fix = { 0 };
		struct culprit c = { .depth = -1, .anydepth = -1, .proof = p };

		free(q->reason);
		free(q->fix);
		q->reason = q->fix = NULL;
		if (s && s->nf > 1 && !strcmp(s->f[1], "unknown")) {
			q->status = q->optional ? TH_KREQ_ABSENT_OK : TH_KREQ_UNKNOWN;
			tx(&why, "this tree has no symbol %s%s", q->name,
			   q->optional ? " (optional: asked only where the tree has it)" : "");
			if (!q->optional)
				tx(&fix, "drop it from %s, or use a tree that has it", q->source);
			q->reason = why.s;
			q->fix = fix.s;
			continue;
		}
		if (q->status == TH_KREQ_OK)
			continue;
		if (!s) {
			q->reason = strdup("no probe record (probe not run for it)");
			continue;
		}
		if (is_off(q->want)) {
			/* Asked off, still on: a select holds it (or its default). */
			selected_by(&r, q->name, &why);
			if (why.s) {
				char *t = why.s;

				why.s = NULL;
				why.len = 0;
				tx(&why, "%s is %s", q->name, t);
				free(t);
			}
			if (why.s) {
				tx(&fix, "turn off what selects CONFIG_%s", q->name);
			} else {
				explain_deps(&r, q->name, 0, &why, &c);
			}
		} else {
			explain_deps(&r, q->name, 0, &why, &c);
			if (c.term[0])
				make_fix(p, &r, c.term, &fix);
			else if (c.any[0])
				make_fix(p, &r, c.any, &fix);
			else if (s->nf > 3 && !strcmp(s->f[3], "n") && !why.s)
				tx(&why, "%s has no prompt here: only a 'select' can turn it on",
				   q->name);
		}
		if (!why.s)
			tx(&why, "kconfig gives %s=%s with these dependencies",
			   q->name, s->nf > 2 ? s->f[2] : "?");
		q->reason = why.s;
		q->fix = fix.s;
	}
out:
	free(r.v);
	free(r.buf);
	return rc;
}

size_t th_kproof_failures(const struct th_kproof *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n; i++)
		n += p->v[i].status != TH_KREQ_OK && p->v[i].status != TH_KREQ_ABSENT_OK;
	return n;
}

const char *th_kreq_status_name(enum th_kreq_status s)
{
	switch (s) {
	case TH_KREQ_OK: return "ok";
	case TH_KREQ_DROPPED: return "dropped";
	case TH_KREQ_DIFFERENT: return "different";
	case TH_KREQ_UNKNOWN: return "unknown";
	case TH_KREQ_ABSENT_OK: return "absent-optional";
	}
	return "?";
}

void th_kproof_free(struct th_kproof *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].want);
		free(p->v[i].got);
		free(p->v[i].reason);
		free(p->v[i].fix);
	}
	free(p->v);
	memset(p, 0, sizeof(*p));
}
