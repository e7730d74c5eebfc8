/* SPDX-License-Identifier: MIT */
/*
 * configfs-tsm as drivers/virt/coco/tsm.c (6.12) presents it, served over FUSE (libfuse3's
 * low-level API, one request at a time from the supervisor's poll loop):
 *
 *   /sys/kernel/config/tsm/report/          mkdir NAME makes a report entry, rmdir removes it
 *   .../NAME/inblob          0200  binary, up to 64 bytes, taken when the writer closes
 *   .../NAME/outblob         0444  the report (SNP) or quote (TDX), made on the first read
 *                                  after a change; -EINVAL without inblob
 *   .../NAME/auxblob         0444  SNP: the certificate table (VCEK, ASK, ARK)
 *   .../NAME/generation      0444  writes so far (every accepted write of an attribute)
 *   .../NAME/provider        0444  "sev_guest" / "tdx_guest"
 *   .../NAME/privlevel       0200  SNP: 0..3, not below privlevel_floor (-EINVAL)
 *   .../NAME/privlevel_floor 0444  SNP: the guest's VMPL
 *
 * as configfs does it: binary attributes collect writes in the open file and hand them over at
 * close (here at FLUSH, which close waits for, where configfs uses the last release), text
 * attributes store on every write(); a read fills the open file's buffer once. Opening a
 * write-only attribute for reading, or the reverse, is -EACCES. A writer that wraps the
 * generation counter without a read in between gets -EBUSY.
 *
 * Why FUSE and not seccomp here: the tree must answer stat, getdents, mkdir, rmdir, open, read,
 * write and close from any program, Go's os.MkdirTemp/RemoveAll and busybox's shell included;
 * FUSE gets every one of them from the kernel already resolved to an inode, where a seccomp
 * supervisor would have to emulate path resolution and fake file descriptors for a dozen system
 * calls. The devices stay on seccomp: FUSE cannot carry their pointer-laden ioctls.
 */
#define FUSE_USE_VERSION 34
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guest/tsm.h"

#define TSM_INBLOB_MAX 64
#define TSM_OUTBLOB_MAX (32 << 10)
#define TSM_PRIVLEVEL_MAX 3
#define MAX_ENTRIES 64

enum { INO_ROOT = 1, INO_TSM = 2, INO_REPORT = 3, INO_ENTRY0 = 16 };
#define ENTRY_INO(i) ((fuse_ino_t)(INO_ENTRY0 + 16 * (i)))

enum attr {
	A_DIR, A_INBLOB, A_OUTBLOB, A_AUXBLOB, A_GENERATION, A_PROVIDER, A_PRIVLEVEL,
	A_PRIVLEVEL_FLOOR, A_COUNT
};
static const struct {
	const char *name;
	mode_t mode;
	bool bin;
} attrs[A_COUNT] = {
	[A_INBLOB] = { "inblob", 0200, true },
	[A_OUTBLOB] = { "outblob", 0444, true },
	[A_AUXBLOB] = { "auxblob", 0444, true },
	[A_GENERATION] = { "generation", 0444, false },
	[A_PROVIDER] = { "provider", 0444, false },
	[A_PRIVLEVEL] = { "privlevel", 0200, false },
	[A_PRIVLEVEL_FLOOR] = { "privlevel_floor", 0444, false },
};

struct report_entry {
	bool used;
	char name[256];
	unsigned long write_gen, read_gen;
	uint8_t inblob[TSM_INBLOB_MAX];
	size_t inblob_len;
	unsigned privlevel;
	uint8_t *out, *aux;
	size_t out_len, aux_len;
};

struct guest_tsm {
	struct guest_fuse *f;
	struct guest_tsm_provider p;
	struct report_entry e[MAX_ENTRIES];
};

/* an open attribute */
struct open_attr {
	int entry;
	enum attr a;
	uint8_t *data;
	size_t len;
	bool filled, dirty;
};

static bool visible(const struct guest_tsm *t, enum attr a)
{
	switch (a) {
	case A_AUXBLOB:
		return t->p.auxblob;
	case A_PRIVLEVEL:
	case A_PRIVLEVEL_FLOOR:
		return t->p.privlevel;
	default:
		return a != A_DIR;
	}
}

/* ino -> entry index and attribute; -1 when not an entry inode */
static int decode(const struct guest_tsm *t, fuse_ino_t ino, enum attr *a)
{
	long i;

	if (ino < INO_ENTRY0)
		return -1;
	i = (long)(ino - INO_ENTRY0) / 16;
	*a = (enum attr)((ino - INO_ENTRY0) % 16);
	if (i >= MAX_ENTRIES || !t->e[i].used || *a >= A_COUNT || (*a != A_DIR && !visible(t, *a)))
		return -1;
	return (int)i;
}

static int stat_of(const struct guest_tsm *t, fuse_ino_t ino, struct stat *st)
{
	enum attr a;

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_nlink = 1;
	if (ino == INO_ROOT || ino == INO_TSM || ino == INO_REPORT) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (decode(t, ino, &a) < 0)
		return -ENOENT;
	if (a == A_DIR) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | attrs[a].mode;
		/* configfs says 4096 for text and 0 for binary attributes; a readable blob says its
		 * maximum here, or sendfile (busybox cat) would stop at 0 before asking: the page
		 * cache's splice trusts i_size, and FUSE shrinks i_size to the short read it gets */
		st->st_size = !attrs[a].bin ? 4096 : attrs[a].mode & 0444 ? TSM_OUTBLOB_MAX : 0;
	}
	return 0;
}

static void reply_entry(fuse_req_t req, const struct guest_tsm *t, fuse_ino_t ino)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = ino;
	e.generation = 1;
	if (stat_of(t, ino, &e.attr)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	/* no caching: entries come and go with mkdir/rmdir from other processes */
	e.attr_timeout = e.entry_timeout = 0;
	fuse_reply_entry(req, &e);
}

static int find_entry(const struct guest_tsm *t, const char *name)
{
	for (int i = 0; i < MAX_ENTRIES; i++)
		if (t->e[i].used && !strcmp(t->e[i].name, name))
			return i;
	return -1;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct guest_tsm *t = fuse_req_userdata(req);
	enum attr a;
	int i;

	if (parent == INO_ROOT && !strcmp(name, "tsm"))
		return reply_entry(req, t, INO_TSM);
	if (parent == INO_TSM && !strcmp(name, "report"))
		return reply_entry(req, t, INO_REPORT);
	if (parent == INO_REPORT && (i = find_entry(t, name)) >= 0)
		return reply_entry(req, t, ENTRY_INO(i));
	i = decode(t, parent, &a);
	if (i >= 0 && a == A_DIR)
		for (int k = 1; k < A_COUNT; k++)
			if (visible(t, (enum attr)k) && !strcmp(name, attrs[k].name))
				return reply_entry(req, t, ENTRY_INO(i) + (fuse_ino_t)k);
	fuse_reply_err(req, ENOENT);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	int rc = stat_of(fuse_req_userdata(req), ino, &st);

	(void)fi;
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, 0);
}

/* O_TRUNC and truncate(2) on an attribute: accepted and ignored, as configfs does */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	(void)attr;
	(void)to_set;
	op_getattr(req, ino, fi);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	struct guest_tsm *t = fuse_req_userdata(req);

	(void)mode;
	if (parent != INO_REPORT)
		return (void)fuse_reply_err(req, EPERM);
	if (find_entry(t, name) >= 0)
		return (void)fuse_reply_err(req, EEXIST);
	if (strlen(name) >= sizeof(t->e[0].name))
		return (void)fuse_reply_err(req, ENAMETOOLONG);
	for (int i = 0; i < MAX_ENTRIES; i++) {
		if (t->e[i].used)
			continue;
		memset(&t->e[i], 0, sizeof(t->e[i]));
		t->e[i].used = true;
		snprintf(t->e[i].name, sizeof(t->e[i].name), "%s", name);
		t->e[i].privlevel = t->p.privlevel_floor;
		return reply_entry(req, t, ENTRY_INO(i));
	}
	fuse_reply_err(req, ENOMEM);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct guest_tsm *t = fuse_req_userdata(req);
	int i = parent == INO_REPORT ? find_entry(t, name) : -1;

	if (i < 0)
		return (void)fuse_reply_err(req, parent == INO_REPORT ? ENOENT : EPERM);
	free(t->e[i].out);
	free(t->e[i].aux);
	memset(&t->e[i], 0, sizeof(t->e[i]));
	fuse_reply_err(req, 0);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)name;
	fuse_reply_err(req, parent == INO_REPORT ? EISDIR : EPERM);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)fi;
	fuse_reply_err(req, EPERM);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct guest_tsm *t = fuse_req_userdata(req);
	struct open_attr *o;
	enum attr a;
	int i = decode(t, ino, &a), acc = fi->flags & O_ACCMODE;

	if (i < 0 || a == A_DIR)
		return (void)fuse_reply_err(req, i < 0 ? ENOENT : EISDIR);
	if ((acc != O_WRONLY && !(attrs[a].mode & 0400)) ||
	    (acc != O_RDONLY && !(attrs[a].mode & 0200)))
		return (void)fuse_reply_err(req, EACCES);
	o = calloc(1, sizeof(*o));
	if (!o)
		return (void)fuse_reply_err(req, ENOMEM);
	o->entry = i;
	o->a = a;
	fi->fh = (uint64_t)(uintptr_t)o;
	/* writes bypass the page cache (configfs sees each one); reads go through it, fresh at
	 * every open (no keep_cache), so that splice and sendfile work */
	fi->direct_io = !(attrs[a].mode & 0444);
	fuse_reply_open(req, fi);
}

/* tsm_report_read: the cached blob, or a fresh one when something changed since */
static int report_blob(struct guest_tsm *t, struct report_entry *e, enum attr a,
		       const uint8_t **data, size_t *len)
{
	if (!e->inblob_len)
		return -EINVAL;
	if (!e->out || e->read_gen != e->write_gen) {
		int rc;

		free(e->out);
		free(e->aux);
		e->out = e->aux = NULL;
		e->out_len = e->aux_len = 0;
		rc = t->p.report_new(t->p.ctx, e->inblob, e->inblob_len, e->privlevel, &e->out,
				     &e->out_len, &e->aux, &e->aux_len);
		if (rc < 0)
			return rc;
		e->read_gen = e->write_gen;
	}
	*data = a == A_OUTBLOB ? e->out : e->aux;
	*len = a == A_OUTBLOB ? e->out_len : e->aux_len;
	return 0;
}

static int fill(struct guest_tsm *t, struct open_attr *o)
{
	struct report_entry *e = &t->e[o->entry];
	const uint8_t *d = NULL;
	char text[64];
	size_t n = 0;
	int rc = 0;

	switch (o->a) {
	case A_OUTBLOB:
	case A_AUXBLOB:
		rc = report_blob(t, e, o->a, &d, &n);
		break;
	case A_GENERATION:
		n = (size_t)snprintf(text, sizeof(text), "%lu\n", e->write_gen);
		d = (const uint8_t *)text;
		break;
	case A_PROVIDER:
		n = (size_t)snprintf(text, sizeof(text), "%s\n", t->p.name);
		d = (const uint8_t *)text;
		break;
	case A_PRIVLEVEL_FLOOR:
		n = (size_t)snprintf(text, sizeof(text), "%u\n", t->p.privlevel_floor);
		d = (const uint8_t *)text;
		break;
	default:
		return -EIO;
	}
	if (rc)
		return rc;
	o->data = malloc(n ? n : 1);
	if (!o->data)
		return -ENOMEM;
	if (n)
		memcpy(o->data, d, n);
	o->len = n;
	o->filled = true;
	return 0;
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct guest_tsm *t = fuse_req_userdata(req);
	struct open_attr *o = (struct open_attr *)(uintptr_t)fi->fh;
	int rc;

	(void)ino;
	if (!o->filled && (rc = fill(t, o)) < 0)
		return (void)fuse_reply_err(req, -rc);
	if ((size_t)off >= o->len)
		return (void)fuse_reply_buf(req, NULL, 0);
	fuse_reply_buf(req, (const char *)o->data + off,
		       size < o->len - (size_t)off ? size : o->len - (size_t)off);
}

/* try_advance_write_generation */
static int advance(struct report_entry *e)
{
	if (e->write_gen == e->read_gen - 1)
		return -EBUSY;
	e->write_gen++;
	return 0;
}

static int store_privlevel(struct guest_tsm *t, struct report_entry *e, const char *buf,
			   size_t size)
{
	char s[32], *end;
	unsigned long v;
	int rc;

	/* kstrtouint: digits (base 0), one trailing newline */
	if (!size || size >= sizeof(s))
		return -EINVAL;
	memcpy(s, buf, size);
	s[size] = 0;
	if (s[size - 1] == '\n')
		s[size - 1] = 0;
	if (!s[0] || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 0);
	if (*end || errno || v > UINT32_MAX)
		return -EINVAL;
	if (t->p.privlevel_floor > v || v > TSM_PRIVLEVEL_MAX)
		return -EINVAL;
	rc = advance(e);
	if (rc)
		return rc;
	e->privlevel = (unsigned)v;
	return 0;
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct guest_tsm *t = fuse_req_userdata(req);
	struct open_attr *o = (struct open_attr *)(uintptr_t)fi->fh;
	int rc;

	(void)ino;
	if (o->a == A_PRIVLEVEL) {
		rc = store_privlevel(t, &t->e[o->entry], buf, size);
		return rc ? (void)fuse_reply_err(req, -rc) : (void)fuse_reply_write(req, size);
	}
	/* inblob: collected, at most TSM_INBLOB_MAX bytes (configfs: -EFBIG beyond) */
	if (off < 0 || (size_t)off + size > TSM_INBLOB_MAX)
		return (void)fuse_reply_err(req, EFBIG);
	if (!o->data && !(o->data = calloc(1, TSM_INBLOB_MAX)))
		return (void)fuse_reply_err(req, ENOMEM);
	memcpy(o->data + off, buf, size);
	if ((size_t)off + size > o->len)
		o->len = (size_t)off + size;
	o->dirty = true;
	fuse_reply_write(req, size);
}

/* the writer's close: the collected inblob goes to the entry (errors are lost, as configfs') */
static void commit(struct guest_tsm *t, struct open_attr *o)
{
	struct report_entry *e = &t->e[o->entry];

	if (o->a != A_INBLOB || !o->dirty || !e->used)
		return;
	o->dirty = false;
	if (advance(e))
		return;
	memcpy(e->inblob, o->data, o->len);
	e->inblob_len = o->len;
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	commit(fuse_req_userdata(req), (struct open_attr *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct open_attr *o = (struct open_attr *)(uintptr_t)fi->fh;

	(void)ino;
	commit(fuse_req_userdata(req), o);
	free(o->data);
	free(o);
	fuse_reply_err(req, 0);
}

static void add_dirent(fuse_req_t req, char **buf, size_t *len, const char *name,
		       fuse_ino_t ino, mode_t mode)
{
	struct stat st = { .st_ino = ino, .st_mode = mode };
	size_t n = fuse_add_direntry(req, NULL, 0, name, NULL, 0);
	char *nb = realloc(*buf, *len + n);

	if (!nb)
		return;
	*buf = nb;
	fuse_add_direntry(req, *buf + *len, n, name, &st, (off_t)(*len + n));
	*len += n;
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct guest_tsm *t = fuse_req_userdata(req);
	char *buf = NULL;
	size_t len = 0;
	enum attr a;
	int i;

	(void)fi;
	add_dirent(req, &buf, &len, ".", ino, S_IFDIR);
	add_dirent(req, &buf, &len, "..", ino == INO_ROOT ? INO_ROOT : ino - 1, S_IFDIR);
	if (ino == INO_ROOT) {
		add_dirent(req, &buf, &len, "tsm", INO_TSM, S_IFDIR);
	} else if (ino == INO_TSM) {
		add_dirent(req, &buf, &len, "report", INO_REPORT, S_IFDIR);
	} else if (ino == INO_REPORT) {
		for (int k = 0; k < MAX_ENTRIES; k++)
			if (t->e[k].used)
				add_dirent(req, &buf, &len, t->e[k].name, ENTRY_INO(k), S_IFDIR);
	} else if ((i = decode(t, ino, &a)) >= 0 && a == A_DIR) {
		for (int k = 1; k < A_COUNT; k++)
			if (visible(t, (enum attr)k))
				add_dirent(req, &buf, &len, attrs[k].name,
					   ENTRY_INO(i) + (fuse_ino_t)k, S_IFREG);
	} else {
		free(buf);
		return (void)fuse_reply_err(req, ENOTDIR);
	}
	if ((size_t)off < len)
		fuse_reply_buf(req, buf + off, len - (size_t)off < size ? len - (size_t)off : size);
	else
		fuse_reply_buf(req, NULL, 0);
	free(buf);
}

static const struct fuse_lowlevel_ops tsm_ops = {
	.lookup = op_lookup,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.create = op_create,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.readdir = op_readdir,
};

struct guest_fuse {
	struct fuse_session *se;
	struct fuse_buf buf;
};

struct guest_fuse *guest_fuse_new(int fuse_fd, const struct fuse_lowlevel_ops *ops,
				  size_t ops_size, void *userdata)
{
	char *argv[] = { (char *)"teehost-sim", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);
	struct guest_fuse *f = calloc(1, sizeof(*f));
	char fdpath[32];

	if (!f)
		return NULL;
	f->se = fuse_session_new(&args, ops, ops_size, userdata);
	fuse_opt_free_args(&args);       /* the session parsed what it needed */
	snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", fuse_fd);
	/* "/dev/fd/N": libfuse takes the fd of a mount someone else made (the child) */
	if (!f->se || fuse_session_mount(f->se, fdpath)) {
		if (f->se)
			fuse_session_destroy(f->se);
		free(f);
		return NULL;
	}
	return f;
}

int guest_fuse_fd(struct guest_fuse *f)
{
	return fuse_session_fd(f->se);
}

int guest_fuse_process(struct guest_fuse *f)
{
	int rc = fuse_session_receive_buf(f->se, &f->buf);

	if (rc == -EINTR || rc == -EAGAIN)
		return 0;
	if (rc <= 0)
		return rc ? rc : -ENODEV;
	fuse_session_process_buf(f->se, &f->buf);
	return 0;
}

void guest_fuse_free(struct guest_fuse *f)
{
	if (!f)
		return;
	free(f->buf.mem);
	fuse_session_destroy(f->se);
	free(f);
}

struct guest_tsm *guest_tsm_new(int fuse_fd, const struct guest_tsm_provider *provider)
{
	struct guest_tsm *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->p = *provider;
	t->f = guest_fuse_new(fuse_fd, &tsm_ops, sizeof(tsm_ops), t);
	if (!t->f) {
		free(t);
		return NULL;
	}
	return t;
}

int guest_tsm_fd(struct guest_tsm *t)
{
	return guest_fuse_fd(t->f);
}

int guest_tsm_process(struct guest_tsm *t)
{
	return guest_fuse_process(t->f);
}

void guest_tsm_free(struct guest_tsm *t)
{
	if (!t)
		return;
	for (int i = 0; i < MAX_ENTRIES; i++) {
		free(t->e[i].out);
		free(t->e[i].aux);
	}
	guest_fuse_free(t->f);
	free(t);
}

/* ---- the child's side: a mount namespace with the FUSE mount at /sys/kernel/config ---- */

static int write_text(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? write(fd, s, strlen(s)) : -1;

	if (fd >= 0)
		close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int enter_namespace(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64];

	if (!unshare(CLONE_NEWNS))
		return 0;
	if (errno != EPERM)
		return -errno;
	/* unprivileged: a user namespace mapping our own ids to themselves */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS))
		return -errno;
	snprintf(map, sizeof(map), "%u %u 1\n", uid, uid);
	if (write_text("/proc/self/uid_map", map) || write_text("/proc/self/setgroups", "deny"))
		return -EPERM;
	snprintf(map, sizeof(map), "%u %u 1\n", gid, gid);
	return write_text("/proc/self/gid_map", map) ? -EPERM : 0;
}

/*
 * sysfs takes no mkdir: a tmpfs over DIR with every original entry bound back (directories and
 * files) or copied (symlinks) leaves DIR as it was and lets the caller add entries.
 */
int guest_sysfs_overlay(const char *dir)
{
	int old, rc = 0;
	DIR *d;
	struct dirent *de;
	char src[PATH_MAX], dst[PATH_MAX];

	old = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (old < 0)
		return -errno;
	d = opendir(dir);
	if (!d || mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755")) {
		rc = -errno;
		goto out;
	}
	while ((de = readdir(d))) {
		int fd;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(src, sizeof(src), "/proc/self/fd/%d/%s", old, de->d_name);
		snprintf(dst, sizeof(dst), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR) {
			mkdir(dst, 0755);
		} else if (de->d_type == DT_LNK) {
			char target[PATH_MAX];
			ssize_t n = readlink(src, target, sizeof(target) - 1);

			if (n > 0) {
				target[n] = 0;
				if (symlink(target, dst))
					rc = -errno;
			}
			continue;
		} else {
			fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0444);
			if (fd >= 0)
				close(fd);
		}
		/* entries that will not bind (none on a usual sysfs) are left empty */
		mount(src, dst, NULL, MS_BIND | MS_REC, NULL);
	}
out:
	if (d)
		closedir(d);
	close(old);
	return rc;
}

int guest_fuse_mount_at(const char *path, const char *name)
{
	char opts[128], type[64];
	int rc, fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	snprintf(opts, sizeof(opts), "fd=%d,rootmode=40755,user_id=%u,group_id=%u,allow_other,"
		 "default_permissions", fd, getuid(), getgid());
	snprintf(type, sizeof(type), "fuse.%s", name);
	if (mount(name, path, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, opts)) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

/* Without configfs there is no /sys/kernel/config to mount on: one is added to /sys/kernel. */
static int make_config_dir(void)
{
	struct stat st;
	int rc;

	if (!stat("/sys/kernel/config", &st))
		return 0;
	rc = guest_sysfs_overlay("/sys/kernel");
	if (!rc && mkdir("/sys/kernel/config", 0755))
		rc = -errno;
	return rc;
}

int guest_tsm_mount(void)
{
	int rc;

	rc = enter_namespace();
	if (rc)
		return rc;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -errno;
	rc = make_config_dir();
	if (rc)
		return rc;
	return guest_fuse_mount_at("/sys/kernel/config", "teehost-tsm");
}
