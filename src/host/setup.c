#include "host/setup.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/diff.h"

#define KVM_AMD_CONF "/etc/modprobe.d/teehost-kvm-amd.conf"
#define KVM_INTEL_CONF "/etc/modprobe.d/teehost-kvm-intel.conf"
#define MSR_CONF "/etc/modules-load.d/teehost-msr.conf"

static __attribute__((format(printf, 2, 3))) void note(struct th_plan *p, const char *fmt, ...)
{
	va_list ap;
	if (p->nnotes == (int)(sizeof(p->notes) / sizeof(p->notes[0])))
		return;
	va_start(ap, fmt);
	vsnprintf(p->notes[p->nnotes++], sizeof(p->notes[0]), fmt, ap);
	va_end(ap);
}

static void action(struct th_plan *p, const char *cmd)
{
	if (p->nact < (int)(sizeof(p->actions) / sizeof(p->actions[0])))
		snprintf(p->actions[p->nact++], sizeof(p->actions[0]), "%s", cmd);
}

/* Record a change of path from its current content to `new` (taken over). No-op if equal. */
static int change(struct th_host *h, struct th_plan *p, const char *path, char *new, size_t newlen,
		  mode_t mode, const char *why, struct th_err *e)
{
	struct th_change *c = NULL;
	for (int i = 0; i < p->nch; i++)
		if (!strcmp(p->ch[i].path, path))
			c = &p->ch[i];
	if (!c) {
		if (p->nch == (int)(sizeof(p->ch) / sizeof(p->ch[0]))) {
			free(new);
			return th_fail(e, ENOSPC, path, "too many changes");
		}
		c = &p->ch[p->nch];
		memset(c, 0, sizeof(*c));
		snprintf(c->path, sizeof(c->path), "%s", path);
		struct stat st;
		int r = th_root_read(&h->root, path, 4u << 20, &c->old, &c->oldlen);
		if (r && r != -ENOENT) {
			free(new);
			return th_fail(e, -r, path, "cannot read: %s", strerror(-r));
		}
		if (!r && th_root_stat(&h->root, path, &st, true) == 0) {
			c->mode = st.st_mode & 07777;
			c->uid = st.st_uid;
			c->gid = st.st_gid;
		} else {
			c->mode = mode;
		}
		p->nch++;
	} else {
		free(c->new);
	}
	c->new = new;
	c->newlen = newlen;
	if (why && why[0])
		snprintf(c->why + strlen(c->why), sizeof(c->why) - strlen(c->why), "%s%s", c->why[0] ? "; " : "", why);
	if (c->old && c->oldlen == newlen && !memcmp(c->old, new, newlen)) {
		free(c->old);
		free(c->new);
		p->nch--;
		if (c != &p->ch[p->nch])
			*c = p->ch[p->nch];
	}
	return 0;
}

/* ---- other configuration files ------------------------------------------------------------ */

/* Every line of the files in a configuration directory set (udev's rules.d, modprobe.d), in
 * the order of dirs: each to line(). suffix: only names longer than it that end in it; NULL:
 * every name but dot files. skip: teehost's own file, never read as someone else's. */
struct conf_scan {
	const char *const *dirs;
	size_t ndirs;
	const char *suffix;
	const char *skip;
	void (*line)(void *ctx, const char *path, struct th_span line);
	void *ctx;
};

static void scan_conf_lines(struct th_host *h, const struct conf_scan *s)
{
	size_t sl = s->suffix ? strlen(s->suffix) : 0;

	for (size_t d = 0; d < s->ndirs; d++) {
		DIR *dir;
		struct dirent *de;
		if (th_root_opendir(&h->root, s->dirs[d], &dir))
			continue;
		while ((de = readdir(dir))) {
			char path[512], *buf;
			size_t len, pos = 0, nl = strlen(de->d_name);
			struct th_span l;
			if (s->suffix ? nl <= sl || strcmp(de->d_name + nl - sl, s->suffix) : de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", s->dirs[d], de->d_name);
			if (!strcmp(path, s->skip) || th_root_read(&h->root, path, 1u << 20, &buf, &len))
				continue;
			while (th_next_line(buf, len, &pos, &l))
				s->line(s->ctx, path, l);
			free(buf);
		}
		closedir(dir);
	}
}

/* ---- SGX: udev rules ----------------------------------------------------------------------- */

/* The stricter of two octal modes ("0660" vs "0666"): keep theirs when it grants a subset. */
static bool stricter(const char *theirs, unsigned asked)
{
	char *end;
	unsigned long m = strtoul(theirs, &end, 8);
	if (!theirs[0] || *end)
		return false;
	return (m & ~(unsigned long)asked) == 0 && m != asked;
}

/* The modes other rules files give the SGX nodes, when stricter than ours, and where. */
struct udev_modes {
	char enc_mode[8], prv_mode[8];
	char from_enc[200], from_prv[200];
};

static void udev_mode_line(void *ctx, const char *path, struct th_span l)
{
	struct udev_modes *m = ctx;
	struct th_udev_rule r;
	struct th_span k, v;
	char mode[8];
	if (th_udev_line(l, &r) || !th_udev_get(&r, "KERNEL", "==", &k) ||
	    !th_udev_get(&r, "MODE", "=", &v) || v.n >= sizeof(mode))
		return;
	memcpy(mode, v.p, v.n);
	mode[v.n] = '\0';
	if (th_span_eq(k, "sgx_enclave") && stricter(mode, 0666)) {
		snprintf(m->enc_mode, sizeof(m->enc_mode), "%s", mode);
		snprintf(m->from_enc, sizeof(m->from_enc), "%.160s", path);
	} else if (th_span_eq(k, "sgx_provision") && stricter(mode, 0660)) {
		snprintf(m->prv_mode, sizeof(m->prv_mode), "%s", mode);
		snprintf(m->from_prv, sizeof(m->from_prv), "%.160s", path);
	}
}

static int plan_udev(struct th_host *h, struct th_plan *p, struct th_err *e)
{
	static const char *const dirs[] = { "/etc/udev/rules.d", "/run/udev/rules.d",
					    "/usr/lib/udev/rules.d", "/lib/udev/rules.d" };
	struct udev_modes m = { .enc_mode = "0666", .prv_mode = "0660" };
	const struct conf_scan scan = { dirs, sizeof(dirs) / sizeof(dirs[0]), ".rules",
					TH_SGX_UDEV_PATH, udev_mode_line, &m };

	/* never loosen: a stricter MODE someone set for these nodes elsewhere is kept */
	scan_conf_lines(h, &scan);
	/* other rules files already do exactly this (Intel's PSW installs them): add nothing */
	for (size_t i = 0; i < h->n; i++)
		if (!strcmp(h->v[i].id, "sgx.udev") && h->v[i].status == TH_PASS &&
		    !th_host_exists(h, TH_SGX_UDEV_PATH))
			return 0;
	char rules[1024];
	if (!m.from_enc[0] && !m.from_prv[0]) {
		snprintf(rules, sizeof(rules), "%s", th_sgx_udev_rules);
	} else {
		snprintf(rules, sizeof(rules),
			 "# Installed by teehost setup: SGX device nodes of the in-kernel driver.\n"
			 "# Stricter modes found in other rules files are kept (teehost never loosens them).\n"
			 "SUBSYSTEM==\"misc\",KERNEL==\"sgx_enclave\",MODE=\"%s\",SYMLINK+=\"sgx/enclave\"\n"
			 "SUBSYSTEM==\"misc\",KERNEL==\"sgx_provision\",GROUP=\"sgx_prv\",MODE=\"%s\",SYMLINK+=\"sgx/provision\"\n",
			 m.enc_mode, m.prv_mode);
		if (m.from_enc[0])
			note(p, "kept the stricter MODE=\"%s\" for sgx_enclave from %s", m.enc_mode, m.from_enc);
		if (m.from_prv[0])
			note(p, "kept the stricter MODE=\"%s\" for sgx_provision from %s", m.prv_mode, m.from_prv);
	}
	char *new = strdup(rules);
	if (!new)
		return th_fail(e, ENOMEM, "setup", "out of memory");
	int before = p->nch;
	int r = change(h, p, TH_SGX_UDEV_PATH, new, strlen(new), 0644,
		       "SGX nodes: enclave for all, provision for group sgx_prv, /dev/sgx/ links", e);
	if (!r && p->nch > before && h->root.live)
		action(p, "udevadm trigger --subsystem-match=misc --action=change");
	return r;
}

/* ---- SGX: group ---------------------------------------------------------------------------- */

static int plan_group_file(struct th_host *h, struct th_plan *p, const char *path, bool gshadow,
			   unsigned long gid, const char *user, struct th_err *e)
{
	char *buf;
	size_t len;
	int r = th_root_read(&h->root, path, 4u << 20, &buf, &len);
	if (r == -ENOENT && gshadow)
		return 0; /* no shadow groups on this system */
	if (r)
		return th_fail(e, -r, path, "cannot read: %s", strerror(-r));

	char *out;
	size_t o;
	bool found;
	r = th_group_text_add(buf, len, TH_SGX_PRV_GROUP, gid, user, gshadow, &out, &o, &found);
	if (r) {
		free(buf);
		return th_fail(e, -r, path, "out of memory");
	}
	free(buf);
	char why[160];
	if (!found)
		snprintf(why, sizeof(why), "add group %s (gid %lu)%s%s", TH_SGX_PRV_GROUP, gid, user ? " with " : "", user ? user : "");
	else
		snprintf(why, sizeof(why), "add %s to group %s", user ? user : "", TH_SGX_PRV_GROUP);
	return change(h, p, path, out, o, gshadow ? 0640 : 0644, why, e);
}

static int plan_group(struct th_host *h, struct th_plan *p, struct th_err *e)
{
	unsigned long gid = 0, uid, ugid;
	const char *user = h->opts.user;
	char members[512];

	if (user && !th_host_user(h, user, &uid, &ugid))
		return th_fail(e, ENOENT, user, "no such user in %s/etc/passwd", h->root.live ? "" : h->root.path);
	if (!th_host_group(h, TH_SGX_PRV_GROUP, &gid, members, sizeof(members))) {
		/* like groupadd -r: the highest free system gid below 1000 */
		char *buf;
		size_t len;
		int r = th_root_read(&h->root, "/etc/group", 4u << 20, &buf, &len);
		if (r)
			return th_fail(e, -r, "/etc/group", "cannot read: %s", strerror(-r));
		static unsigned char used[1000];
		memset(used, 0, sizeof(used));
		size_t pos = 0;
		struct th_span l;
		while (th_next_line(buf, len, &pos, &l)) {
			struct th_group_ent g;
			if (!th_group_line(l, &g) && g.gid < 1000)
				used[g.gid] = 1;
		}
		free(buf);
		for (gid = 999; gid >= 100 && used[gid]; gid--)
			;
		if (gid < 100)
			return th_fail(e, ENOSPC, "/etc/group", "no free system gid between 100 and 999");
	} else if (user && ugid == gid) {
		user = NULL; /* primary group already */
	}
	int r = plan_group_file(h, p, "/etc/group", false, gid, user, e);
	if (!r)
		r = plan_group_file(h, p, "/etc/gshadow", true, gid, user, e);
	return r;
}

/* ---- module options ------------------------------------------------------------------------ */

/* What "options MOD ... PARAM=V" lines of other modprobe.d files set: -1 not set, 0 set off,
 * 1 set on; where: the file of the last setting. */
struct mod_param {
	const char *mod;
	char pat[64];	/* "PARAM=" */
	int state;
	char *where;
	size_t cap;
};

static void mod_param_line(void *ctx, const char *path, struct th_span f)
{
	struct mod_param *m = ctx;
	char line[512];
	snprintf(line, sizeof(line), "%.*s", (int)(f.n < 511 ? f.n : 511), f.p);
	char *save, *w = strtok_r(line, " \t", &save);
	if (!w || strcmp(w, "options") || !(w = strtok_r(NULL, " \t", &save)))
		return;
	/* module names treat - and _ alike */
	bool same = strlen(w) == strlen(m->mod);
	for (size_t i = 0; same && w[i]; i++)
		same = (w[i] == '-' ? '_' : w[i]) == m->mod[i];
	if (!same)
		return;
	while ((w = strtok_r(NULL, " \t", &save)))
		if (!strncmp(w, m->pat, strlen(m->pat))) {
			const char *v = w + strlen(m->pat);
			snprintf(m->where, m->cap, "%.200s", path);
			m->state = !(!strcmp(v, "0") || !strcmp(v, "N") || !strcmp(v, "n"));
		}
}

/* PARAM in "options MOD ..." lines of other modprobe.d files: -1 not set, 0 set off (the
 * admin turned it off: leave it), 1 set on (nothing to add). The last setting wins. */
static int admin_param(struct th_host *h, const char *mod, const char *param, const char *mine, char *where, size_t cap)
{
	static const char *const dirs[] = { "/etc/modprobe.d", "/run/modprobe.d", "/usr/lib/modprobe.d", "/lib/modprobe.d" };
	struct mod_param m = { .mod = mod, .state = -1, .where = where, .cap = cap };
	const struct conf_scan scan = { dirs, sizeof(dirs) / sizeof(dirs[0]), NULL, mine,
					mod_param_line, &m };
	snprintf(m.pat, sizeof(m.pat), "%s=", param);
	scan_conf_lines(h, &scan);
	return m.state;
}

static int plan_modopts(struct th_host *h, struct th_plan *p, const char *path, const char *mod,
			const char *const *params, int n, const char *why, struct th_err *e)
{
	char text[512], line[256] = "";
	int kept = 0;
	for (int i = 0; i < n; i++) {
		char where[256];
		int st = admin_param(h, mod, params[i], path, where, sizeof(where));
		if (st == 0) {
			note(p, "left %s %s off: %s sets %s=0 (remove that line to turn it on)", mod, params[i], where, params[i]);
			continue;
		}
		if (st == 1)
			continue; /* already on in another file */
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " %s=1", params[i]);
		kept++;
	}
	if (!kept) {
		/* our own file may be stale from an earlier run: leave it, it says the same */
		return 0;
	}
	snprintf(text, sizeof(text), "# Installed by teehost setup: %s.\noptions %s%s\n", why, mod, line);
	char *new = strdup(text);
	if (!new)
		return th_fail(e, ENOMEM, "setup", "out of memory");
	int before = p->nch;
	int r = change(h, p, path, new, strlen(new), 0644, why, e);
	if (!r && p->nch > before)
		note(p, "%s takes the new options when it is next loaded: `modprobe -r %s && modprobe %s` (stops running VMs) or reboot", mod, mod, mod);
	return r;
}

int th_setup_plan(struct th_host *h, struct th_plan *p, struct th_err *e)
{
	int r = 0;
	unsigned only = h->opts.only;
	uint32_t l[4];

	memset(p, 0, sizeof(*p));
	th_host_check(h, e); /* the hardware facts, and what is wrong */

	bool sgx = h->sgx_hw && (!only || (only & TH_ONLY_SGX));
	bool sev = h->sev_hw && (!only || (only & TH_ONLY_SEV));
	bool tdx = h->tdx_host_hw && (!only || (only & TH_ONLY_TDX));

	if (sgx) {
		if ((r = plan_udev(h, p, e)) || (r = plan_group(h, p, e)))
			goto fail;
		for (size_t i = 0; i < h->n; i++)
			if (!strcmp(h->v[i].id, "sgx.dev_noexec") && h->v[i].status == TH_FAIL)
				note(p, "/dev is mounted noexec and stays so: setup does not remount /dev under running programs. Run `mount -o remount,exec /dev` yourself, and drop noexec for /dev where it is set (container runtime, /etc/fstab, a systemd mount unit)");
	} else if (h->opts.user) {
		note(p, "--user %s: no SGX here, so no sgx_prv group to add it to", h->opts.user);
	}
	if (sev) {
		const char *params[3];
		int n = 0;
		th_cpuid_query(&h->cpuid, 0x8000001f, 0, l);
		params[n++] = "sev";
		if (l[TH_EAX] >> 3 & 1)
			params[n++] = "sev_es";
		if (l[TH_EAX] >> 4 & 1)
			params[n++] = "sev_snp";
		if ((r = plan_modopts(h, p, KVM_AMD_CONF, "kvm_amd", params, n, "KVM runs SEV guests the CPU supports", e)))
			goto fail;
	}
	if (tdx) {
		static const char *const params[] = { "tdx" };
		if ((r = plan_modopts(h, p, KVM_INTEL_CONF, "kvm_intel", params, 1, "KVM runs TD guests", e)))
			goto fail;
	}
	if (sgx || sev || tdx) {
		char k = th_host_kconfig(h, "X86_MSR");
		if (k == 'm') {
			char *new = strdup("# Installed by teehost setup: /dev/cpu/*/msr for teehost check.\nmsr\n");
			if (!new || (r = change(h, p, MSR_CONF, new, strlen(new), 0644, "load the msr module at boot", e)))
				goto fail;
			if (h->root.live && !th_host_exists(h, "/dev/cpu/0/msr"))
				action(p, "modprobe msr");
		} else if (k == 'n') {
			note(p, "the kernel has no msr driver (CONFIG_X86_MSR): teehost check cannot read firmware settings from MSRs");
		}
	}
	if (!sgx && !sev && !tdx)
		note(p, "no SGX, SEV or TDX hardware%s: nothing to set up", only ? " of the --only family" : "");
	return 0;
fail:
	th_setup_free(p);
	return r;
}

void th_setup_free(struct th_plan *p)
{
	for (int i = 0; i < p->nch; i++) {
		free(p->ch[i].old);
		free(p->ch[i].new);
	}
	p->nch = 0;
}

void th_setup_print_diff(const struct th_plan *p, FILE *out)
{
	for (int i = 0; i < p->nch; i++)
		th_diff_unified(out, p->ch[i].path, p->ch[i].old, p->ch[i].oldlen, p->ch[i].new, p->ch[i].newlen);
}

/* ---- apply: all or nothing ------------------------------------------------------------------- */

struct pending {
	int dirfd;
	char tmp[64];
	const char *base;
	char made_dirs[4][128]; /* directories created for this file, deepest last */
	int nmade;
};

static int mkdirs(struct th_host *h, const char *path, struct pending *pd)
{
	/* create missing parents of path inside the root, remembering them for rollback */
	char dir[128];
	snprintf(dir, sizeof(dir), "%s", path);
	char *sl = strrchr(dir, '/');
	if (!sl || sl == dir)
		return 0;
	*sl = '\0';
	struct stat st;
	if (th_root_stat(&h->root, dir, &st, true) == 0)
		return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
	int r = mkdirs(h, dir, pd);
	if (r)
		return r;
	const char *base;
	int pfd = th_root_open_parent(&h->root, dir, &base);
	if (pfd < 0)
		return pfd;
	r = mkdirat(pfd, base, 0755) ? -errno : 0;
	close(pfd);
	if (!r && pd->nmade < 4)
		snprintf(pd->made_dirs[pd->nmade++], sizeof(pd->made_dirs[0]), "%s", dir);
	return r;
}

static void rollback(struct th_host *h, struct pending *pd, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		if (pd[i].dirfd >= 0) {
			if (pd[i].tmp[0])
				unlinkat(pd[i].dirfd, pd[i].tmp, 0);
			close(pd[i].dirfd);
			pd[i].dirfd = -1;
		}
		for (int d = pd[i].nmade - 1; d >= 0; d--) {
			const char *base;
			int pfd = th_root_open_parent(&h->root, pd[i].made_dirs[d], &base);
			if (pfd >= 0) {
				unlinkat(pfd, base, AT_REMOVEDIR);
				close(pfd);
			}
		}
	}
}

static int run(const char *cmd, FILE *log)
{
	fprintf(log, "run   %s\n", cmd);
	fflush(log);
	int st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(log, "      (it failed; the files above are in place, run it again by hand)\n");
		return -1;
	}
	return 0;
}

/* The user database lock of lckpwdf(3) (and shadow-utils' --prefix): an fcntl lock on
 * ROOT/etc/.pwd.lock, so that useradd or vipw running now do not lose our edit or we theirs.
 * Returns the locked fd (close it to unlock) or a negative errno. */
static int lock_pwdb(struct th_host *h)
{
	const char *base;
	int dfd = th_root_open_parent(&h->root, "/etc/.pwd.lock", &base);
	if (dfd < 0)
		return dfd;
	int fd = openat(dfd, base, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	int err = fd < 0 ? -errno : 0;
	close(dfd);
	if (err)
		return err;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	for (int tries = 0; fcntl(fd, F_SETLK, &fl); tries++) {
		if ((errno != EACCES && errno != EAGAIN) || tries == 15) {
			err = errno == EACCES || errno == EAGAIN ? -EBUSY : -errno;
			close(fd);
			return err;
		}
		sleep(1);
	}
	return fd;
}

int th_setup_apply(struct th_host *h, struct th_plan *p, FILE *log, struct th_err *e)
{
	struct pending pd[8];
	int i, r = 0, lockfd = -1;

	memset(pd, 0, sizeof(pd));
	for (i = 0; i < p->nch; i++)
		pd[i].dirfd = -1;
	for (i = 0; i < p->nch; i++) {
		if (strcmp(p->ch[i].path, "/etc/group") && strcmp(p->ch[i].path, "/etc/gshadow"))
			continue;
		if (lockfd < 0 && (lockfd = lock_pwdb(h)) < 0) {
			char show[300];
			r = lockfd;
			return th_fail(e, -r, th_root_show(&h->root, "/etc/.pwd.lock", show, sizeof(show)),
				       r == -EBUSY ? "the user database is locked by another program (useradd, vipw, ...); nothing was changed" :
						     "cannot lock the user database (%s); nothing was changed", strerror(-r));
		}
		/* planned from what was there before the lock: still the same? */
		char *now = NULL;
		size_t nowlen = 0;
		int rr = th_root_read(&h->root, p->ch[i].path, 4u << 20, &now, &nowlen);
		bool same = rr == 0 && p->ch[i].old && nowlen == p->ch[i].oldlen && !memcmp(now, p->ch[i].old, nowlen);
		free(now);
		if (!same) {
			close(lockfd);
			return th_fail(e, EAGAIN, p->ch[i].path, "changed while teehost was planning; nothing was changed, run it again");
		}
	}
	/* phase 1: every new file complete and synced under a temporary name */
	for (i = 0; i < p->nch; i++) {
		struct th_change *c = &p->ch[i];
		if ((r = mkdirs(h, c->path, &pd[i])))
			goto fail;
		pd[i].dirfd = th_root_open_parent(&h->root, c->path, &pd[i].base);
		if (pd[i].dirfd < 0) {
			r = pd[i].dirfd;
			goto fail;
		}
		snprintf(pd[i].tmp, sizeof(pd[i].tmp), ".%.30s.teehost-%d", pd[i].base, (int)getpid());
		int fd = openat(pd[i].dirfd, pd[i].tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0) {
			r = -errno;
			pd[i].tmp[0] = '\0';
			goto fail;
		}
		size_t off = 0;
		while (off < c->newlen) {
			ssize_t k = write(fd, c->new + off, c->newlen - off);
			if (k < 0) {
				if (errno == EINTR)
					continue;
				r = -errno;
				break;
			}
			off += (size_t)k;
		}
		if (!r && c->old && fchown(fd, c->uid, c->gid) && geteuid() == 0)
			r = -errno;
		if (!r && fchmod(fd, c->mode))
			r = -errno;
		if (!r && fsync(fd))
			r = -errno;
		close(fd);
		if (r)
			goto fail;
	}
	/* phase 2: rename into place (same directory: atomic per file) */
	for (i = 0; i < p->nch; i++) {
		if (renameat(pd[i].dirfd, pd[i].tmp, pd[i].dirfd, pd[i].base)) {
			r = -errno;
			/* earlier files are already in place; this and later ones are not */
			rollback(h, pd + i, p->nch - i);
			for (int j = 0; j < i; j++)
				close(pd[j].dirfd);
			if (lockfd >= 0)
				close(lockfd);
			char show[300];
			return th_fail(e, -r, th_root_show(&h->root, p->ch[i].path, show, sizeof(show)),
				       "rename failed after %d of %d files were replaced: %s", i, p->nch, strerror(-r));
		}
		fsync(pd[i].dirfd);
		close(pd[i].dirfd);
		pd[i].dirfd = -1;
		pd[i].tmp[0] = '\0';
		fprintf(log, "%s %s: %s\n", p->ch[i].old ? "edit " : "write", p->ch[i].path, p->ch[i].why);
	}
	if (lockfd >= 0)
		close(lockfd);
	for (i = 0; i < p->nact; i++)
		run(p->actions[i], log);
	return 0;
fail:
	{
		char show[300];
		const char *path = th_root_show(&h->root, p->ch[i].path, show, sizeof(show));
		rollback(h, pd, i + 1);
		if (lockfd >= 0)
			close(lockfd);
		return th_fail(e, -r, path, "cannot write (%s); nothing was changed", strerror(-r));
	}
}
