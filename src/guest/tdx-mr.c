/* SPDX-License-Identifier: MIT */
/*
 * The TD's measurement registers in sysfs, as Linux 6.16's tdx-guest driver presents them
 * through tsm-mr (drivers/virt/coco/guest/tsm-mr.c; Documentation/ABI/testing/
 * sysfs-devices-virtual-misc-tdx_guest), served over FUSE by the supervisor:
 *
 *   /sys/devices/virtual/misc/tdx_guest/measurements/   (/sys/class/misc/tdx_guest -> it)
 *     rtmr0:sha384 ... rtmr3:sha384   0644  48 bytes; a write extends (TDG.MR.RTMR.EXTEND):
 *                                           RTMR = SHA-384(RTMR || data)
 *     mrtd:sha384                     0444
 *     mrconfigid, mrowner, mrownerconfig  0444
 *
 * The kernel's rules: a write must be the whole 48 bytes at offset 0 (-EINVAL otherwise; sysfs
 * first cuts a longer write to the attribute's size and refuses one at or past its end with
 * -EFBIG); opening a read-only register for writing is -EACCES (kernfs, whoever the caller);
 * reads see the value now (no page cache: direct I/O). The next TDREPORT and quote carry the
 * extended RTMR.
 */
#define FUSE_USE_VERSION 34
#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "guest/guest.h"
#include "guest/tsm.h"

#define MR_SIZE 48
#define MR_DIR "/sys/devices/virtual/misc/tdx_guest"

enum { MR_RTMR0, MR_RTMR1, MR_RTMR2, MR_RTMR3, MR_MRTD, MR_CONFIGID, MR_OWNER,
       MR_OWNERCONFIG, MR_COUNT };
static const char *const mr_names[MR_COUNT] = {
	"rtmr0:sha384", "rtmr1:sha384", "rtmr2:sha384", "rtmr3:sha384", "mrtd:sha384",
	"mrconfigid", "mrowner", "mrownerconfig",
};
#define INO_ROOT 1
#define MR_INO(i) ((fuse_ino_t)(2 + (i)))

static uint8_t *mr_value(struct tdx_guest *g, int i)
{
	switch (i) {
	case MR_MRTD: return g->cfg.mr_td;
	case MR_CONFIGID: return g->cfg.mr_config_id;
	case MR_OWNER: return g->cfg.mr_owner;
	case MR_OWNERCONFIG: return g->cfg.mr_owner_config;
	default: return g->cfg.rtmr[i];
	}
}

int tdx_guest_extend_rtmr(struct tdx_guest *g, unsigned index, const uint8_t data[48])
{
	EVP_MD_CTX *c;
	unsigned len = 0;
	int ok;

	if (index > 3)
		return -EINVAL;
	c = EVP_MD_CTX_new();
	ok = c && EVP_DigestInit_ex(c, EVP_sha384(), NULL) &&
	     EVP_DigestUpdate(c, g->cfg.rtmr[index], MR_SIZE) &&
	     EVP_DigestUpdate(c, data, MR_SIZE) &&
	     EVP_DigestFinal_ex(c, g->cfg.rtmr[index], &len);
	EVP_MD_CTX_free(c);
	return ok ? 0 : -EIO;
}

static int mr_of(fuse_ino_t ino)
{
	return ino >= MR_INO(0) && ino < MR_INO(MR_COUNT) ? (int)(ino - MR_INO(0)) : -1;
}

static int stat_of(fuse_ino_t ino, struct stat *st)
{
	int i = mr_of(ino);

	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_nlink = 1;
	if (ino == INO_ROOT) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
		return 0;
	}
	if (i < 0)
		return -ENOENT;
	st->st_mode = S_IFREG | (i <= MR_RTMR3 ? 0644 : 0444);
	st->st_size = MR_SIZE;
	return 0;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	for (int i = 0; parent == INO_ROOT && i < MR_COUNT; i++)
		if (!strcmp(name, mr_names[i])) {
			e.ino = MR_INO(i);
			e.generation = 1;
			stat_of(e.ino, &e.attr);
			fuse_reply_entry(req, &e);
			return;
		}
	fuse_reply_err(req, ENOENT);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;
	int rc = stat_of(ino, &st);

	(void)fi;
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_attr(req, &st, 0);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int i = mr_of(ino);

	if (i < 0)
		return (void)fuse_reply_err(req, EISDIR);
	/* kernfs refuses a write open of a file without a write method, root's too */
	if ((fi->flags & O_ACCMODE) != O_RDONLY && i > MR_RTMR3)
		return (void)fuse_reply_err(req, EACCES);
	fi->direct_io = 1;      /* every read asks: the value changes with each extension */
	fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct tdx_guest *g = fuse_req_userdata(req);
	int i = mr_of(ino);

	(void)fi;
	if (i < 0)
		return (void)fuse_reply_err(req, EISDIR);
	if (off >= MR_SIZE)
		return (void)fuse_reply_buf(req, NULL, 0);
	fuse_reply_buf(req, (const char *)mr_value(g, i) + off,
		       size < (size_t)(MR_SIZE - off) ? size : (size_t)(MR_SIZE - off));
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct tdx_guest *g = fuse_req_userdata(req);
	int i = mr_of(ino), rc;

	(void)fi;
	if (i < 0 || i > MR_RTMR3)
		return (void)fuse_reply_err(req, EACCES);
	/* sysfs_kf_bin_write: -EFBIG at or past the end, a longer write cut to the size */
	if (off >= MR_SIZE)
		return (void)fuse_reply_err(req, EFBIG);
	if (size > (size_t)(MR_SIZE - off))
		size = (size_t)(MR_SIZE - off);
	/* tm_digest_write: partial writes are not supported */
	if (off != 0 || size != MR_SIZE)
		return (void)fuse_reply_err(req, EINVAL);
	rc = tdx_guest_extend_rtmr(g, (unsigned)i, (const uint8_t *)buf);
	if (rc)
		return (void)fuse_reply_err(req, -rc);
	fuse_reply_write(req, size);
}

/* O_TRUNC on a register (shell redirection): accepted and ignored, as sysfs does */
static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	(void)attr;
	(void)to_set;
	op_getattr(req, ino, fi);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	char buf[1024];
	size_t len = 0;

	(void)fi;
	if (ino != INO_ROOT)
		return (void)fuse_reply_err(req, ENOTDIR);
	for (int i = 0; i < MR_COUNT; i++) {
		struct stat st;
		size_t n = fuse_add_direntry(req, NULL, 0, mr_names[i], NULL, 0);

		stat_of(MR_INO(i), &st);
		fuse_add_direntry(req, buf + len, n, mr_names[i], &st, (off_t)(len + n));
		len += n;
	}
	if ((size_t)off < len)
		fuse_reply_buf(req, buf + off, len - (size_t)off < size ? len - (size_t)off : size);
	else
		fuse_reply_buf(req, NULL, 0);
}

static const struct fuse_lowlevel_ops mr_ops = {
	.lookup = op_lookup,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.readdir = op_readdir,
};

int guest_tdx_mr_mount(void)
{
	int rc = guest_sysfs_overlay("/sys/devices/virtual/misc");

	if (rc)
		return rc;
	if (mkdir(MR_DIR, 0755) || mkdir(MR_DIR "/measurements", 0755))
		return -errno;
	/* /sys/class/misc/NAME links to the device, as for every misc device */
	rc = guest_sysfs_overlay("/sys/class/misc");
	if (rc)
		return rc;
	if (symlink("../../devices/virtual/misc/tdx_guest", "/sys/class/misc/tdx_guest"))
		return -errno;
	return guest_fuse_mount_at(MR_DIR "/measurements", "teehost-tdx-mr");
}

struct guest_fuse *guest_tdx_mr_new(int fuse_fd, struct tdx_guest *g)
{
	return guest_fuse_new(fuse_fd, &mr_ops, sizeof(mr_ops), g);
}
