#include "host/check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "util/file.h"

#define SMALL_FILE (1u << 20)
#define CONFIG_MAX (8u << 20)

const char *th_status_name(enum th_status s)
{
	switch (s) {
	case TH_PASS: return "pass";
	case TH_WARN: return "warn";
	case TH_FAIL: return "fail";
	case TH_SKIP: return "skip";
	}
	return "?";
}

/* ---- builders ------------------------------------------------------------------------------ */

struct th_check *th_check_add(struct th_host *h, const char *id, bool required)
{
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct th_check *v = realloc(h->v, cap * sizeof(*v));
		if (!v)
			abort(); /* a few KiB; not worth threading ENOMEM through every check */
		h->v = v;
		h->cap = cap;
	}
	struct th_check *c = &h->v[h->n++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->required = required;
	c->status = TH_SKIP;
	return c;
}

static void vappend(char *buf, size_t cap, const char *sep, const char *fmt, va_list ap)
{
	size_t n = strlen(buf);
	if (n && sep && n + strlen(sep) < cap) {
		strcpy(buf + n, sep);
		n += strlen(sep);
	}
	if (n < cap)
		vsnprintf(buf + n, cap - n, fmt, ap);
}

void th_check_set(struct th_check *c, enum th_status s, const char *fmt, ...)
{
	va_list ap;
	c->status = s;
	c->explanation[0] = '\0';
	va_start(ap, fmt);
	vappend(c->explanation, sizeof(c->explanation), NULL, fmt, ap);
	va_end(ap);
}

void th_check_ev(struct th_check *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vappend(c->evidence, sizeof(c->evidence), "; ", fmt, ap);
	va_end(ap);
}

void th_check_fix(struct th_check *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vappend(c->fix, sizeof(c->fix), " ", fmt, ap);
	va_end(ap);
}

void th_check_table(struct th_host *h, const struct th_check_def *defs, size_t n,
		    th_check_gate_fn *closed, void *family)
{
	for (size_t i = 0; i < n; i++) {
		const char *why = closed ? closed(h, family, defs[i].gate) : NULL;
		struct th_check *c = th_check_add(h, defs[i].id, why ? false : defs[i].required);
		if (why)
			th_check_set(c, TH_SKIP, "%s", why);
		else
			defs[i].run(h, family, c);
	}
}

/* ---- probes -------------------------------------------------------------------------------- */

bool th_host_exists(struct th_host *h, const char *path)
{
	struct stat st;
	return th_root_stat(&h->root, path, &st, false) == 0;
}

bool th_host_read_line(struct th_host *h, const char *path, char *buf, size_t cap)
{
	char *s;
	size_t n;
	if (th_root_read(&h->root, path, 4096, &s, &n))
		return false;
	char *nl = strchr(s, '\n');
	if (nl)
		*nl = '\0';
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		s[--n] = '\0';
	snprintf(buf, cap, "%s", s);
	free(s);
	return true;
}

bool th_host_flag(const struct th_host *h, const char *flag)
{
	return h->have_flags && th_wordlist_has(h->flags, flag);
}

/* Load /proc/config.gz or /boot/config-RELEASE once. */
static void load_kconfig(struct th_host *h)
{
	char *raw = NULL, *text = NULL;
	size_t rawlen = 0, textlen = 0;
	struct th_err e = { { 0 } };
	char path[200];

	h->kconfig_loaded = true;
	if (th_root_read(&h->root, "/proc/config.gz", SMALL_FILE, &raw, &rawlen) == 0) {
		z_stream z;
		memset(&z, 0, sizeof(z));
		text = malloc(CONFIG_MAX + 1);
		if (text && inflateInit2(&z, 16 + MAX_WBITS) == Z_OK) {
			z.next_in = (Bytef *)raw;
			z.avail_in = (uInt)rawlen;
			z.next_out = (Bytef *)text;
			z.avail_out = CONFIG_MAX;
			int zr = inflate(&z, Z_FINISH);
			textlen = CONFIG_MAX - z.avail_out;
			inflateEnd(&z);
			if (zr != Z_STREAM_END) {
				snprintf(h->kconfig_err, sizeof(h->kconfig_err),
					 "/proc/config.gz: not a complete gzip stream (zlib %d)", zr);
				free(text);
				text = NULL;
			} else {
				snprintf(h->kconfig_src, sizeof(h->kconfig_src), "/proc/config.gz");
			}
		} else {
			free(text);
			text = NULL;
		}
		free(raw);
	}
	if (!text && h->have_release) {
		snprintf(path, sizeof(path), "/boot/config-%s", h->osrelease);
		if (th_root_read(&h->root, path, CONFIG_MAX, &text, &textlen) == 0)
			snprintf(h->kconfig_src, sizeof(h->kconfig_src), "%s", path);
		else if (!h->kconfig_err[0])
			snprintf(h->kconfig_err, sizeof(h->kconfig_err),
				 "neither /proc/config.gz nor %s is readable", path);
	} else if (!text && !h->kconfig_err[0]) {
		snprintf(h->kconfig_err, sizeof(h->kconfig_err),
			 "no /proc/config.gz and no kernel release to find /boot/config-RELEASE");
	}
	if (!text)
		return;
	if (th_kconfig_parse(&h->kconfig, text, textlen, &e)) {
		snprintf(h->kconfig_err, sizeof(h->kconfig_err), "%.60s: %.190s", h->kconfig_src, e.msg);
		h->kconfig_src[0] = '\0';
	} else {
		h->have_kconfig = true;
	}
	free(text);
}

char th_host_kconfig(struct th_host *h, const char *sym)
{
	if (!h->kconfig_loaded)
		load_kconfig(h);
	if (!h->have_kconfig)
		return '?';
	return th_kconfig_tristate(&h->kconfig, sym);
}

/* The kernel log: live /dev/kmsg is read record by record without blocking;
 * under --root, DIR/dev/kmsg is a text file of records or dmesg lines. */
static void load_kmsg(struct th_host *h)
{
	h->kmsg_loaded = true;
	int fd = th_root_open(&h->root, "/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0)
		return;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	char rec[8192];
	if (!buf) {
		close(fd);
		return;
	}
	for (;;) {
		ssize_t k = read(fd, rec, sizeof(rec));
		if (k < 0 && errno == EPIPE)
			continue; /* a record was overwritten: go on with the next */
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (n + (size_t)k + 2 > cap) {
			if (cap >= (8u << 20))
				break;
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				break;
			buf = nb;
			cap *= 2;
		}
		memcpy(buf + n, rec, (size_t)k);
		n += (size_t)k;
		if (buf[n - 1] != '\n')
			buf[n++] = '\n';
	}
	close(fd);
	buf[n] = '\0';
	h->kmsg = buf;
	h->kmsg_len = n;
	h->have_kmsg = n > 0;
}

bool th_host_kmsg_find(struct th_host *h, const char *needle, char *out, size_t cap)
{
	struct th_span l, m;
	size_t pos = 0, nl = strlen(needle);
	bool found = false;

	if (!h->kmsg_loaded)
		load_kmsg(h);
	while (th_next_line(h->kmsg, h->kmsg_len, &pos, &l)) {
		if (!th_kmsg_text(l, &m) || m.n < nl || !memmem(m.p, m.n, needle, nl))
			continue;
		/* the last match wins: the newest state of a repeated message */
		if (out && cap)
			snprintf(out, cap, "%.*s", (int)(m.n > 200 ? 200 : m.n), m.p);
		found = true;
	}
	return found;
}

int th_host_msr(struct th_host *h, uint32_t index, uint64_t *val)
{
	if (!h->msr_probed) {
		uint64_t v;
		h->msr_probed = true;
		h->msr_err = th_root_msr(&h->root, 0, 0x10, &v);
		if (h->msr_err == -ENOENT && h->root.live && geteuid() == 0) {
			/* sgx-detect does the same: the msr module is not loaded on many distros */
			if (system("modprobe -q msr 2>/dev/null") == 0)
				h->msr_err = th_root_msr(&h->root, 0, 0x10, &v);
		}
		if (h->msr_err == -EIO && !h->root.live)
			h->msr_err = 0; /* a fixture without TSC is fine */
	}
	if (h->msr_err && h->msr_err != -EIO)
		return h->msr_err;
	return th_root_msr(&h->root, 0, index, val);
}

static bool find_group(struct th_host *h, bool by_name, const char *name, unsigned long gid,
		       struct th_group_ent *out, char *members, size_t cap)
{
	char *buf;
	size_t len, pos = 0;
	struct th_span l;
	bool found = false;

	if (th_root_read(&h->root, "/etc/group", SMALL_FILE, &buf, &len))
		return false;
	while (!found && th_next_line(buf, len, &pos, &l)) {
		struct th_group_ent g;
		if (th_group_line(l, &g))
			continue;
		if (by_name ? th_span_eq(g.name, name) : g.gid == gid) {
			*out = g;
			if (members)
				snprintf(members, cap, "%.*s", (int)g.members.n, g.members.p);
			found = true;
		}
	}
	free(buf);
	return found;
}

bool th_host_group(struct th_host *h, const char *name, unsigned long *gid, char *members, size_t cap)
{
	struct th_group_ent g;
	if (!find_group(h, true, name, 0, &g, members, cap))
		return false;
	*gid = g.gid;
	return true;
}

void th_host_gid_name(struct th_host *h, unsigned long gid, char *buf, size_t cap)
{
	char *f;
	size_t len, pos = 0;
	struct th_span l;
	snprintf(buf, cap, "%lu", gid);
	if (th_root_read(&h->root, "/etc/group", SMALL_FILE, &f, &len))
		return;
	while (th_next_line(f, len, &pos, &l)) {
		struct th_group_ent g;
		if (!th_group_line(l, &g) && g.gid == gid) {
			snprintf(buf, cap, "%.*s", (int)g.name.n, g.name.p);
			break;
		}
	}
	free(f);
}

static bool find_user(struct th_host *h, bool by_name, const char *name, unsigned long uid,
		      struct th_passwd_ent *out, char *namebuf, size_t cap)
{
	char *f;
	size_t len, pos = 0;
	struct th_span l;
	bool found = false;
	if (th_root_read(&h->root, "/etc/passwd", SMALL_FILE, &f, &len))
		return false;
	while (!found && th_next_line(f, len, &pos, &l)) {
		struct th_passwd_ent p;
		if (th_passwd_line(l, &p))
			continue;
		if (by_name ? th_span_eq(p.name, name) : p.uid == uid) {
			*out = p;
			if (namebuf)
				snprintf(namebuf, cap, "%.*s", (int)p.name.n, p.name.p);
			found = true;
		}
	}
	free(f);
	return found;
}

bool th_host_user(struct th_host *h, const char *name, unsigned long *uid, unsigned long *gid)
{
	struct th_passwd_ent p;
	if (!find_user(h, true, name, 0, &p, NULL, 0))
		return false;
	*uid = p.uid;
	*gid = p.gid;
	return true;
}

void th_host_uid_name(struct th_host *h, unsigned long uid, char *buf, size_t cap)
{
	struct th_passwd_ent p;
	if (!find_user(h, false, NULL, uid, &p, buf, cap))
		snprintf(buf, cap, "%lu", uid);
}

void th_host_describe_node(struct th_host *h, const struct stat *st, char *buf, size_t cap)
{
	char user[64], group[64];
	th_host_uid_name(h, st->st_uid, user, sizeof(user));
	th_host_gid_name(h, st->st_gid, group, sizeof(group));
	const char *type = S_ISCHR(st->st_mode) ? "char device" :
			   S_ISDIR(st->st_mode) ? "directory" :
			   S_ISREG(st->st_mode) ? (h->root.live ? "regular file" : "fixture file") : "other file";
	snprintf(buf, cap, "%s mode %04o %s:%s", type, (unsigned)(st->st_mode & 07777), user, group);
}

/* ---- open/close ---------------------------------------------------------------------------- */

int th_host_open(struct th_host *h, const struct th_check_opts *o, struct th_err *e)
{
	int r;
	memset(h, 0, sizeof(*h));
	h->opts = *o;
	h->root.dirfd = -1;
	if ((r = th_root_init(&h->root, o->root, e)))
		return r;
	if (o->cpuid_file) {
		char *buf;
		size_t len;
		th_cpuid_init_dump(&h->cpuid);
		if ((r = th_read_file(o->cpuid_file, 16u << 20, &buf, &len, e))) {
			th_err_prefix(e, o->cpuid_file);
			th_host_close(h);
			return r;
		}
		r = th_cpuid_dump_parse(&h->cpuid, buf, len, e);
		free(buf);
		if (r) {
			th_err_prefix(e, o->cpuid_file);
			th_host_close(h);
			return r;
		}
	} else {
		th_cpuid_init_live(&h->cpuid);
	}
	th_cpuid_ident(&h->cpuid, &h->id);
	return 0;
}

void th_host_close(struct th_host *h)
{
	th_root_close(&h->root);
	th_cpuid_free(&h->cpuid);
	free(h->cpuinfo);
	free(h->kmsg);
	th_kconfig_free(&h->kconfig);
	free(h->v);
	h->cpuinfo = h->kmsg = NULL;
	h->v = NULL;
	h->n = h->cap = 0;
}

/* ---- hardware facts ------------------------------------------------------------------------ */

static void detect(struct th_host *h)
{
	uint32_t r[4];

	if (th_root_read(&h->root, "/proc/cpuinfo", 4u << 20, &h->cpuinfo, &h->cpuinfo_len) == 0)
		h->have_flags = th_cpuinfo_flags(h->cpuinfo, h->cpuinfo_len, &h->flags);
	if (th_host_read_line(h, "/proc/sys/kernel/osrelease", h->osrelease, sizeof(h->osrelease)) &&
	    h->osrelease[0]) {
		h->have_release = true;
		if (th_kernel_version(h->osrelease, &h->kmajor, &h->kminor))
			h->kmajor = h->kminor = 0;
	}

	if (h->id.intel) {
		th_cpuid_query(&h->cpuid, 7, 0, r);
		h->sgx_hw = r[TH_EBX] >> 2 & 1;
		th_cpuid_query(&h->cpuid, 0x21, 0, r);
		h->tdx_guest = (r[TH_EBX] == 0x65746e49 && r[TH_EDX] == 0x5844546c && r[TH_ECX] == 0x20202020) ||
			       th_host_flag(h, "tdx_guest");
		if (!h->tdx_guest) {
			uint64_t cap;
			if (th_host_flag(h, "tdx_host_platform")) {
				h->tdx_host_hw = true;
			} else if (th_host_msr(h, 0xfe, &cap) == 0) {
				h->tdx_host_hw = cap >> 15 & 1; /* IA32_MTRRCAP.SEAMRR */
			} else {
				h->tdx_host_unknown = true;
			}
		}
	}
	if (h->id.amd) {
		th_cpuid_query(&h->cpuid, 0x8000001f, 0, r);
		bool sev = r[TH_EAX] >> 1 & 1;
		h->sev_guest = sev && h->id.hypervisor;
		h->sev_hw = sev && !h->id.hypervisor;
	}
}

/* ---- host.* -------------------------------------------------------------------------------- */

static void host_cpu(struct th_host *h, void *family, struct th_check *c)
{
	(void)family;
	th_check_ev(c, "CPUID.0: vendor %s; CPUID.1: family 0x%x model 0x%x stepping %u",
		    h->id.vendor[0] ? h->id.vendor : "(none)", h->id.family, h->id.model, h->id.stepping);
	if (h->id.brand[0])
		th_check_ev(c, "brand \"%s\"", h->id.brand);
	if (h->id.hypervisor)
		th_check_ev(c, "CPUID.1:ECX[31]=1, hypervisor \"%s\"", h->id.hv_vendor);
	th_check_ev(c, "CPUID from %s", h->cpuid.live ? "the CPUID instruction" : "a dump");
	if (h->id.intel || h->id.amd) {
		th_check_set(c, TH_PASS, "x86 CPU from %s%s", h->id.intel ? "Intel" : "AMD",
			     h->id.hypervisor ? ", running as a virtual machine" : "");
	} else {
		th_check_set(c, TH_WARN, "neither an Intel nor an AMD CPU: teehost knows no TEE on it");
	}
}

static void host_tee(struct th_host *h, void *family, struct th_check *c)
{
	char tees[160] = "";
	(void)family;
#define TEE(cond, name) do { if (cond) snprintf(tees + strlen(tees), sizeof(tees) - strlen(tees), "%s%s", tees[0] ? ", " : "", name); } while (0)
	TEE(h->sgx_hw, "SGX");
	TEE(h->sev_hw, "SEV host");
	TEE(h->tdx_host_hw, "TDX host");
	TEE(h->sev_guest, "SEV guest");
	TEE(h->tdx_guest, "TDX guest");
#undef TEE
	if (tees[0]) {
		th_check_ev(c, "found: %s", tees);
		th_check_set(c, TH_PASS, "checks below are for: %s", tees);
		return;
	}
	th_check_ev(c, "no SGX (CPUID.7.0:EBX[2]), no SEV (CPUID.0x8000001F:EAX[1]), no TDX");
	if (h->tdx_host_unknown)
		th_check_ev(c, "TDX host support unknown: no tdx_host_platform flag and MSR 0xFE unreadable");
	th_check_set(c, TH_WARN, "this machine has no TEE hardware teehost can use; the TEE checks are skipped");
	th_check_fix(c, "Run teehost on an SGX, SEV-SNP or TDX machine (or give --only sgx|sev|tdx to see what is missing).");
}

static void host_kernel(struct th_host *h, void *family, struct th_check *c)
{
	(void)family;
	if (h->have_release) {
		th_check_ev(c, "/proc/sys/kernel/osrelease: %s", h->osrelease);
		th_check_set(c, TH_PASS, "Linux %u.%u", h->kmajor, h->kminor);
	} else {
		th_check_set(c, TH_SKIP, "/proc/sys/kernel/osrelease is not readable");
	}
}

static void host_kconfig(struct th_host *h, void *family, struct th_check *c)
{
	(void)family;
	th_host_kconfig(h, "X86"); /* loads the configuration */
	if (h->have_kconfig) {
		th_check_ev(c, "%s: %zu symbols", h->kconfig_src, h->kconfig.count);
		th_check_set(c, TH_PASS, "kernel configuration found; config checks use it");
	} else {
		th_check_ev(c, "%s", h->kconfig_err);
		th_check_set(c, TH_WARN, "no kernel configuration: the *.kconfig checks are skipped");
		th_check_fix(c, "Boot a kernel with CONFIG_IKCONFIG_PROC=y (gives /proc/config.gz), or install its /boot/config-%s.",
			     h->have_release ? h->osrelease : "RELEASE");
	}
}

static void host_msr(struct th_host *h, void *family, struct th_check *c)
{
	uint64_t v;
	(void)family;

	/* SGX and SEV hosts read firmware state from MSRs; so does finding TDX on an Intel host */
	bool needed = h->sgx_hw || h->sev_hw || (h->id.intel && !h->tdx_guest);
	if (!needed) {
		th_check_set(c, TH_SKIP, "no check on this CPU reads MSRs");
		return;
	}
	int err = th_host_msr(h, 0x10, &v);
	if (err == -EIO)
		err = 0;
	th_check_ev(c, "%s/dev/cpu/0/msr: %s", h->root.live ? "" : h->root.path, err ? strerror(-err) : "readable");
	if (!err) {
		th_check_set(c, TH_PASS, "model-specific registers are readable");
	} else {
		th_check_set(c, TH_WARN, "MSRs are not readable: checks that need them are skipped (firmware settings cannot be confirmed)");
		th_check_fix(c, "Run as root after `modprobe msr` (teehost setup loads it and makes it load at boot).");
	}
}

/* What the machine is; none of these decides readiness. */
static const struct th_check_def host_checks[] = {
	/* id                   required  gate  function */
	{ "host.cpu",           false,    0,    host_cpu },
	{ "host.tee",           false,    0,    host_tee },
	{ "host.kernel",        false,    0,    host_kernel },
	{ "host.kconfig",       false,    0,    host_kconfig },
	{ "host.msr",           false,    0,    host_msr },
};

int th_host_check(struct th_host *h, struct th_err *e)
{
	(void)e;
	detect(h);
	th_check_table(h, host_checks, sizeof(host_checks) / sizeof(host_checks[0]), NULL, NULL);
	th_check_sgx(h);
	th_check_sev(h);
	th_check_tdx(h);
	th_check_kvm(h);
	return 0;
}

int th_host_summary(const struct th_host *h, struct th_summary *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < h->n; i++) {
		const struct th_check *c = &h->v[i];
		switch (c->status) {
		case TH_PASS: s->pass++; break;
		case TH_WARN: s->warn++; break;
		case TH_FAIL:
			s->fail++;
			if (c->required)
				s->required_fail++;
			break;
		case TH_SKIP: s->skip++; break;
		}
	}
	return s->required_fail ? 1 : 0;
}
