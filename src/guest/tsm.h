/* SPDX-License-Identifier: MIT */
/*
 * configfs-tsm (Documentation/ABI/testing/configfs-tsm, drivers/virt/coco/tsm.c of 6.12) for
 * the simulated guests: a FUSE file system mounted at /sys/kernel/config in the program's own
 * mount namespace, served by the supervisor. See tsm.c for the behaviour and teehost-sim(8)
 * for why FUSE rather than seccomp.
 */
#ifndef TEEHOST_GUEST_TSM_H
#define TEEHOST_GUEST_TSM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct guest_tsm_provider {
	const char *name;              /* "sev_guest" or "tdx_guest", as /sys/.../provider says */
	unsigned privlevel_floor;
	bool privlevel;                /* privlevel and privlevel_floor are visible */
	bool auxblob;                  /* auxblob is visible */
	/* tsm_ops.report_new: 0 or a negative errno; OUT and AUX malloc'ed (AUX may stay NULL) */
	int (*report_new)(void *ctx, const uint8_t *inblob, size_t inblob_len, unsigned privlevel,
			  uint8_t **out, size_t *out_len, uint8_t **aux, size_t *aux_len);
	void *ctx;
};

struct guest_tsm;

/*
 * In the child, before exec: a private mount namespace (a user namespace too when not
 * privileged) with /dev/fuse mounted at /sys/kernel/config. Returns the /dev/fuse fd for the
 * supervisor, or a negative errno.
 */
int guest_tsm_mount(void);

/* In the supervisor: serve FUSE_FD for PROVIDER. NULL on failure. */
struct guest_tsm *guest_tsm_new(int fuse_fd, const struct guest_tsm_provider *provider);
int guest_tsm_fd(struct guest_tsm *t);
/* one request from the kernel; 0, or negative when the mount is gone */
int guest_tsm_process(struct guest_tsm *t);
void guest_tsm_free(struct guest_tsm *t);

/* ---- shared with the TDX measurements files (tdx-mr.c) ---- */
struct fuse_lowlevel_ops;
/* A FUSE session on the /dev/fuse fd of a mount the child made, with its receive buffer. */
struct guest_fuse;
struct guest_fuse *guest_fuse_new(int fuse_fd, const struct fuse_lowlevel_ops *ops,
				  size_t ops_size, void *userdata);
int guest_fuse_fd(struct guest_fuse *f);
/* one request; 0, or negative when the mount is gone */
int guest_fuse_process(struct guest_fuse *f);
void guest_fuse_free(struct guest_fuse *f);
/* In the child's mount namespace: a tmpfs over the sysfs directory DIR, its entries kept. */
int guest_sysfs_overlay(const char *dir);
/* In the child's mount namespace: /dev/fuse mounted at PATH as fuse.NAME; the fd or -errno. */
int guest_fuse_mount_at(const char *path, const char *name);

/* ---- the TD's sysfs measurements (tdx-mr.c, Linux 6.16's tsm-mr files) ---- */
struct tdx_guest;
/* In the child, after guest_tsm_mount: the directory made, FUSE mounted; the fd or -errno. */
int guest_tdx_mr_mount(void);
/* In the supervisor: serve FUSE_FD with G's registers (a guest_fuse: fd, process, free). */
struct guest_fuse *guest_tdx_mr_new(int fuse_fd, struct tdx_guest *g);

/* the providers of the simulated guests (tsm-provider.c) */
struct snp_guest;
struct tdx_guest;
void guest_tsm_snp(struct snp_guest *g, struct guest_tsm_provider *p);
void guest_tsm_tdx(struct tdx_guest *g, struct guest_tsm_provider *p);

#endif
