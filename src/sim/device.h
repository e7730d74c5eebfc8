/* SPDX-License-Identifier: MIT */
/*
 * Device models: what a driver flavour presents to the program (device nodes, ioctls, the
 * rules for mapping its fd). One file per flavour, one ops table each; preload*.c hold the
 * flavour-independent parts (fd table, mappings by address onto the enclave's EPC backing,
 * stat of the nodes) and calls through the table. The machine below (ENCLS leaves) is shared.
 *
 * Flavours: device-kernel.c (in-kernel driver, /dev/sgx_enclave + /dev/sgx_provision),
 * device-dcap.c (/dev/sgx/enclave, the DCAP driver's ioctls) and device-isgx.c (/dev/isgx,
 * legacy launch with EINITTOKEN); device-common.c holds the steps they share.
 *
 * Adding a flavour:
 *  1. src/sim/device-NAME.c defines `const struct th_sim_device_ops th_sim_device_NAME` (declare
 *     it below) with its nodes, open, ioctls, may_map, release and, if needed, init; add it to
 *     `devices[]` in preload.c. TEEHOST_SIM_DEVICE=NAME selects it (`teehost sim` passes the
 *     environment through; a --device option can be added to src/cli/sim.c).
 *  2. ioctl handlers read and write the program's memory only through th_sim_copy_from/_to
 *     (they fail with -EFAULT like copy_from_user) and call the ENCLS leaves of sim.h under
 *     th_sim_lock(): th_encls_ecreate (pass a dup of d->fd: the memfd is the EPC backing),
 *     th_encls_eadd / th_encls_eextend (per 256-byte chunk), th_encls_einit(e, sigstruct,
 *     token), ... They return -vector for a fault and an SDM code (> 0) otherwise; map those
 *     to the driver's own convention (the kernel: -EIO / -EPERM; isgx and DCAP return the SDM
 *     code itself as a positive ioctl result).
 *  3. After ECREATE set e->dev = d, e->fault (the driver's #PF policy for pages the EPCM lacks:
 *     EAUG or refuse; NULL refuses) and call th_sim_dev_created(d). Set each added page's
 *     p->maxprot: the cap may_map and mprotect enforce (the kernel's vm_max_prot_bits; the
 *     DCAP driver caps at mmap time only).
 *  4. Launch control: th_sim_cfg.flc says whether the driver rewrites IA32_SGXLEPUBKEYHASH
 *     before EINIT (the kernel does: th_sim_m.lepubkeyhash = MRSIGNER). A legacy flavour's
 *     init() sets flc = false and th_sim_m.lepubkeyhash to the launch enclave's signer (and
 *     lepubkeyhash_locked); EINIT then wants an EINITTOKEN MACed with the launch key, which a
 *     launch enclave gets with EGETKEY(EINITTOKEN_KEY) (needs ATTRIBUTES.EINITTOKENKEY).
 *     th_sim_m.launch replaces the whole check if a model needs something else.
 */
#ifndef TH_SIM_DEVICE_H
#define TH_SIM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "sim/sim.h"

struct th_sim_dev;

struct th_sim_node {
	const char *path;       /* absolute path the program opens */
	int kind;               /* flavour-defined: which node of the flavour */
	mode_t mode;            /* S_IFCHR | permissions, for stat() */
	dev_t rdev;
};

/*
 * A file the driver (or the kernel it needs) makes visible, which vfiles.c answers stat/open
 * for: a sysfs directory, the EPC size ("%llu\n" of --epc), the kernel configuration with
 * CONFIG_X86_SGX=y as text or gzip. "RELEASE" in a path stands for uname -r.
 */
enum { TH_VFILE_DIR, TH_VFILE_EPC_BYTES, TH_VFILE_KCONFIG, TH_VFILE_KCONFIG_GZ };
struct th_sim_vfile {
	const char *path;
	int what;
};

/* An ioctl: >= 0 or -errno; ARG is the program's pointer (read it with th_sim_copy_from). */
struct th_sim_ioctl {
	unsigned long cmd;
	long (*fn)(struct th_sim_dev *d, unsigned long arg);
};

struct th_sim_device_ops {
	const char *name;       /* TEEHOST_SIM_DEVICE selects a flavour by this name */
	const struct th_sim_vfile *vfiles;      /* terminated by path == NULL; NULL: none */
	/* once at start-up when selected (NULL: nothing): e.g. fix IA32_SGXLEPUBKEYHASH and
	 * set th_sim_cfg.flc = false for a legacy-launch flavour, or th_sim_m.launch */
	void (*init)(void);
	const struct th_sim_node *nodes;        /* terminated by path == NULL */
	/* open of one of the nodes: 0 or -errno; may set d->priv */
	int (*open)(struct th_sim_dev *d, int flags);
	/* the ioctls, run by th_sim_dev_dispatch (device-common.c) */
	const struct th_sim_ioctl *ioctls;
	/*
	 * The driver's get_unmapped_area (NULL: the kernel's): 0 or -errno for a mapping of LEN
	 * bytes with FLAGS; without MAP_FIXED the address is found for *RESERVE bytes (from the
	 * hint) and rounded up to a multiple of *ALIGN (both set by the caller to LEN and a page)
	 */
	int (*unmapped_area)(struct th_sim_dev *d, uint64_t len, int flags, uint64_t *reserve,
			     uint64_t *align);
	/* mmap of [start, start + len) with PROT and FLAGS: 0 or -errno (nothing done) */
	int (*may_map)(struct th_sim_dev *d, uint64_t start, uint64_t len, int prot, int flags);
	/* mprotect of the device's pages in [start, start + len) to PROT: 0 or -errno (the
	 * driver's vm_ops->mprotect); NULL: the driver has no such hook, the kernel's mm allows
	 * any protection (the EPCM still decides what an access may do) */
	int (*may_mprotect)(struct th_sim_dev *d, uint64_t start, uint64_t len, int prot);
	/* last close of the fd */
	void (*release)(struct th_sim_dev *d);
	/* the program unmapped the last page of E while the fd is still open (NULL: nothing, E
	 * lives as long as the fd, as with the kernel's and DCAP's one enclave per file) */
	void (*unmapped)(struct th_sim_dev *d, struct th_sim_encl *e);
};

struct th_sim_dev {
	const struct th_sim_device_ops *ops;
	const struct th_sim_node *node;
	int fd;                 /* one of the program's fds for it (a memfd, the EPC backing
				 * after ECREATE); -1 once the last is closed */
	int nfds;               /* fds referring to it (dup) */
	struct th_sim_encl *encl;
	uint64_t attributes_mask;
	int ioctl_busy;
	void *priv;
};

extern const struct th_sim_device_ops th_sim_device_kernel TH_SIM_API;
/* the out-of-tree drivers (the loader area): device-dcap.c, device-isgx.c */
extern const struct th_sim_device_ops th_sim_device_dcap TH_SIM_API;
extern const struct th_sim_device_ops th_sim_device_isgx TH_SIM_API;

/* The device model the program sees (preload.c). */
extern const struct th_sim_device_ops *th_sim_device TH_SIM_API;

/*
 * Who may open a provision node (teehost sim --provision, TEEHOST_SIM_PROVISION): "allow"
 * (everyone), "deny" (no one) or "group:NAME" (members of group NAME, as udev's
 * GROUP="sgx_prv", MODE="0660" makes it). 0 or -EACCES for the calling process.
 */
int th_sim_provision_may_open(void) TH_SIM_API;

/* vfiles.c: the files that describe the machine (/proc/cpuinfo, the driver's sysfs). Each
 * returns false when PATH is not one of them (the caller goes to the real file). */
bool th_sim_vfile_open(const char *path, int flags, int *fd) TH_SIM_API;        /* fd or -errno */
bool th_sim_vfile_stat(const char *path, struct stat *st) TH_SIM_API;

/* preload.c services for device models */
int th_sim_copy_from(void *dst, unsigned long src, size_t len) TH_SIM_API;   /* 0 / -EFAULT */
int th_sim_copy_to(unsigned long dst, const void *src, size_t len) TH_SIM_API;
/* N pages from SRC into DST: how many leading pages were readable (N when all were) */
uint64_t th_sim_copy_pages(uint8_t *dst, unsigned long src, uint64_t n) TH_SIM_API;
struct th_sim_dev *th_sim_dev_of_fd(int fd) TH_SIM_API;
/* After ECREATE: back the program's existing mappings of the device in ELRANGE by the EPC. */
void th_sim_dev_created(struct th_sim_dev *d) TH_SIM_API;

/* device-common.c: the steps the flavours share, with what differs as arguments */
/* The node kinds device-common.c knows: the one the enclave ioctls go to, the provision node. */
enum { TH_SIM_NODE_ENCLAVE = 0, TH_SIM_NODE_PROVISION = 1 };
/*
 * TABLE's handler of CMD (ends with fn NULL; none: -ENOTTY), one ioctl at a time per file;
 * -ENOTTY on a node other than the enclave's
 */
long th_sim_dev_dispatch(struct th_sim_dev *d, const struct th_sim_ioctl *table, unsigned long cmd,
			 unsigned long arg) TH_SIM_API;

struct th_sim_create_rules {
	bool paged;             /* the driver pages EPC: the SECS is charged (paging.c) */
	bool encls_codes;       /* ECREATE's SDM codes are the ioctl's (positive) result */
	int err;                /* -errno for any other failure of ECREATE */
	int (*fault)(struct th_sim_encl *e, uint64_t addr);     /* e->fault */
	/* th_sim_dev_create: the driver's SECS checks, 0 or -EINVAL (NULL: none) */
	int (*secs_ok)(const struct sgx_secs *secs);
};
/* ECREATE of SECS backed by MEMFD (closed on failure) for D: 0, -errno or an SDM code */
int th_sim_dev_ecreate(struct th_sim_dev *d, const struct sgx_secs *secs, int memfd,
		       const struct th_sim_create_rules *rules, struct th_sim_encl **out) TH_SIM_API;

/*
 * CREATE of the kernel's and the DCAP driver's ABI, one enclave per file: ARG holds the address
 * of the SECS (a struct of one u64, the same in both); it is checked by RULES->secs_ok and
 * ECREATE'd on a dup of D's fd (the EPC backing). 0 or -errno.
 */
long th_sim_dev_create(struct th_sim_dev *d, unsigned long arg,
		       const struct th_sim_create_rules *rules) TH_SIM_API;

int th_sim_secinfo_ok(const struct sgx_secinfo *si) TH_SIM_API;       /* 0 or -EINVAL */

/*
 * The kernel's PROVISION and the DCAP driver's SET_ATTRIBUTE: ARG holds an fd (one u64) of the
 * same flavour's provision node, which gives the enclave PROVISIONKEY. 0 or -errno.
 */
long th_sim_dev_provision(struct th_sim_dev *d, unsigned long arg) TH_SIM_API;

struct th_sim_add_rules {
	int occupied;           /* -errno for a page already added (kernel -EBUSY, DCAP -EEXIST) */
	int eadd_err;           /* -errno for a failed EADD */
	bool paged;             /* each page is charged to the EPC, which may write others back */
	/* th_sim_dev_add_ioctl: the driver's checks of OFFSET and LENGTH, 0 or -EINVAL */
	int (*range_ok)(const struct th_sim_encl *e, uint64_t offset, uint64_t length);
};
/*
 * ADD_PAGES of the kernel's and the DCAP driver's ABI (struct sgx_enclave_add_pages; the DCAP
 * one has the same layout and measure flag): checked, the SECINFO read and checked, the pages
 * added, `count` written back. 0 or -errno.
 */
long th_sim_dev_add_ioctl(struct th_sim_dev *d, unsigned long arg,
			  const struct th_sim_add_rules *rules) TH_SIM_API;
/* ADD_PAGES' loop: LENGTH bytes from SRC at OFFSET of E; *COUNT bytes added; 0 or -errno */
int th_sim_dev_add_pages(struct th_sim_encl *e, uint64_t src, uint64_t offset, uint64_t length,
			 const struct sgx_secinfo *si, bool measure,
			 const struct th_sim_add_rules *rules, uint64_t *count) TH_SIM_API;
/*
 * INIT's start in the kernel's and the DCAP driver's ABI (ARG holds the address of the
 * SIGSTRUCT, a struct of one u64 in both): an enclave not yet initialized, SS read, a vendor
 * the drivers accept. 0 or -errno.
 */
int th_sim_dev_init_sigstruct(struct th_sim_dev *d, unsigned long arg,
			      struct sgx_sigstruct *ss) TH_SIM_API;
/* EINIT as the drivers issue it (FLC: MRSIGNER into IA32_SGXLEPUBKEYHASH first): ENCLS' result */
int th_sim_dev_einit(struct th_sim_encl *e, const struct sgx_sigstruct *ss,
		     const void *token) TH_SIM_API;

#endif
