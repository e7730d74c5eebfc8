#include "host/cpuid.h"

#include <cpuid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void th_cpuid_init_live(struct th_cpuid *c)
{
	memset(c, 0, sizeof(*c));
	c->live = true;
}

void th_cpuid_init_dump(struct th_cpuid *c)
{
	memset(c, 0, sizeof(*c));
	c->cpu = -1;
	c->kept_cpu = -2;
}

void th_cpuid_free(struct th_cpuid *c)
{
	free(c->v);
	c->v = NULL;
	c->n = c->cap = 0;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/* "0x" followed by 1..8 hex digits. */
static const char *hex32(const char *p, const char *end, uint32_t *out)
{
	uint32_t v = 0;
	int digits = 0;

	if (end - p < 3 || p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
		return NULL;
	p += 2;
	while (p < end) {
		int d;
		char ch = *p;
		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else
			break;
		if (++digits > 8)
			return NULL;
		v = v << 4 | (uint32_t)d;
		p++;
	}
	if (!digits)
		return NULL;
	*out = v;
	return p;
}

static const char *lit(const char *p, const char *end, const char *s)
{
	size_t n = strlen(s);
	if ((size_t)(end - p) < n || memcmp(p, s, n))
		return NULL;
	return p + n;
}

static int add_leaf(struct th_cpuid *c, const struct th_cpuid_leaf *l)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].leaf == l->leaf && c->v[i].sub == l->sub) {
			c->v[i] = *l; /* a repeated leaf: the last one wins */
			return 0;
		}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		void *v = realloc(c->v, cap * sizeof(*c->v));
		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	c->v[c->n++] = *l;
	return 0;
}

int th_cpuid_dump_line(struct th_cpuid *c, const char *line, size_t len, struct th_err *e)
{
	const char *p = line, *end = line + len;
	static const char *const reg[4] = { "eax=", "ebx=", "ecx=", "edx=" };
	struct th_cpuid_leaf l;
	const char *q;

	c->line++;
	p = skip_ws(p, end);
	if (p == end || *p == '#')
		return 0;
	if ((q = lit(p, end, "CPU"))) {
		/* "CPU:" (cpuid -1) or "CPU N:" */
		unsigned n = 0;
		int digits = 0;
		q = skip_ws(q, end);
		while (q < end && *q >= '0' && *q <= '9' && digits < 6) {
			n = n * 10 + (unsigned)(*q++ - '0');
			digits++;
		}
		if (q == end || *q != ':' || skip_ws(q + 1, end) != end)
			return th_fail(e, EINVAL, "cpuid dump", "line %u: expected \"CPU N:\"", c->line);
		c->cpu = digits ? (int)n : 0;
		if (c->kept_cpu == -2)
			c->kept_cpu = c->cpu;
		return 0;
	}
	if (!(p = hex32(p, end, &l.leaf)))
		return th_fail(e, EINVAL, "cpuid dump", "line %u: expected a leaf like 0x00000007", c->line);
	p = skip_ws(p, end);
	if (!(p = hex32(p, end, &l.sub)) || p == end || *p != ':')
		return th_fail(e, EINVAL, "cpuid dump", "line %u: expected a sub-leaf like 0x00:", c->line);
	p++;
	for (int i = 0; i < 4; i++) {
		p = skip_ws(p, end);
		if (!(p = lit(p, end, reg[i])) || !(p = hex32(p, end, &l.r[i])))
			return th_fail(e, EINVAL, "cpuid dump", "line %u: expected %s0x........", c->line, reg[i]);
	}
	if (skip_ws(p, end) != end)
		return th_fail(e, EINVAL, "cpuid dump", "line %u: trailing characters", c->line);
	if (c->kept_cpu == -2)
		c->kept_cpu = c->cpu; /* a dump without "CPU" headers */
	if (c->cpu != c->kept_cpu)
		return 0;
	if (add_leaf(c, &l))
		return th_fail(e, ENOMEM, "cpuid dump", "out of memory");
	return 0;
}

int th_cpuid_dump_parse(struct th_cpuid *c, const char *buf, size_t len, struct th_err *e)
{
	const char *p = buf, *end = buf + len;
	bool leaf0 = false;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (memchr(p, '\0', n))
			return th_fail(e, EINVAL, "cpuid dump", "line %u: NUL byte (not a text dump)", c->line + 1);
		int r = th_cpuid_dump_line(c, p, n, e);
		if (r)
			return r;
		p += n + (nl ? 1 : 0);
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].leaf == 0)
			leaf0 = true;
	if (!leaf0)
		return th_fail(e, EINVAL, "cpuid dump", "no leaf 0x00000000 (empty or truncated dump; make one with `cpuid -r`)");
	return 0;
}

static void lookup(const struct th_cpuid *c, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	memset(r, 0, 4 * sizeof(*r));
	if (c->live) {
		unsigned a, b, cc, d;
		__cpuid_count(leaf, sub, a, b, cc, d);
		r[0] = a, r[1] = b, r[2] = cc, r[3] = d;
		return;
	}
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].leaf == leaf && c->v[i].sub == sub) {
			memcpy(r, c->v[i].r, 4 * sizeof(*r));
			return;
		}
}

void th_cpuid_query(const struct th_cpuid *c, uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	uint32_t max[4];
	uint32_t base = leaf & 0xffff0000u;

	memset(r, 0, 4 * sizeof(*r));
	/* 0x4000xxxx (hypervisor) ranges are not bounded by leaf 0 or 0x80000000 */
	if (base == 0 || base == 0x80000000u) {
		lookup(c, base, 0, max);
		if (leaf > max[0])
			return;
	}
	lookup(c, leaf, sub, r);
}

static void regs_str(char *out, const uint32_t *regs, int n)
{
	for (int i = 0; i < n; i++)
		memcpy(out + 4 * i, &regs[i], 4);
	out[4 * n] = '\0';
}

void th_cpuid_ident(const struct th_cpuid *c, struct th_cpu_ident *id)
{
	uint32_t r[4], b[12];

	memset(id, 0, sizeof(*id));
	th_cpuid_query(c, 0, 0, r);
	uint32_t v[3] = { r[TH_EBX], r[TH_EDX], r[TH_ECX] };
	regs_str(id->vendor, v, 3);
	for (int i = 0; i < 12; i++)
		if (id->vendor[i] && (id->vendor[i] < 0x20 || id->vendor[i] > 0x7e))
			id->vendor[i] = '?';
	id->intel = !strcmp(id->vendor, "GenuineIntel");
	id->amd = !strcmp(id->vendor, "AuthenticAMD");

	th_cpuid_query(c, 1, 0, r);
	unsigned fam = (r[TH_EAX] >> 8) & 0xf, model = (r[TH_EAX] >> 4) & 0xf;
	if (fam == 0xf)
		fam += (r[TH_EAX] >> 20) & 0xff;
	if (fam == 0x6 || fam >= 0xf)
		model |= ((r[TH_EAX] >> 16) & 0xf) << 4;
	id->family = fam;
	id->model = model;
	id->stepping = r[TH_EAX] & 0xf;
	id->hypervisor = r[TH_ECX] >> 31 & 1;

	for (int i = 0; i < 3; i++) {
		th_cpuid_query(c, 0x80000002u + (uint32_t)i, 0, r);
		memcpy(&b[4 * i], r, sizeof(r));
	}
	memcpy(id->brand, b, 48);
	id->brand[48] = '\0';
	for (int i = 0; i < 48; i++)
		if (id->brand[i] && (id->brand[i] < 0x20 || id->brand[i] > 0x7e))
			id->brand[i] = '?';
	/* trim */
	char *s = id->brand;
	while (*s == ' ')
		s++;
	memmove(id->brand, s, strlen(s) + 1);
	for (size_t n = strlen(id->brand); n && id->brand[n - 1] == ' '; n--)
		id->brand[n - 1] = '\0';

	if (id->hypervisor) {
		th_cpuid_query(c, 0x40000000u, 0, r);
		uint32_t h[3] = { r[TH_EBX], r[TH_ECX], r[TH_EDX] };
		regs_str(id->hv_vendor, h, 3);
		for (int i = 0; i < 12; i++)
			if (id->hv_vendor[i] && (id->hv_vendor[i] < 0x20 || id->hv_vendor[i] > 0x7e))
				id->hv_vendor[i] = '?';
	}
}
