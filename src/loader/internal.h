/* SPDX-License-Identifier: MIT */
/*
 * The loader's insides: one enclave object, the backend operations table, and the helpers the
 * backends share (backend-common.c). Each backend (backend-kernel.c, backend-dcap.c,
 * backend-isgx.c) fills one struct th_backend, which says everything driver-specific: how to
 * recognise the driver from its device nodes (probe), the node it is named by, whether EINIT
 * needs a launch token, and the ioctls. probe.c, enclave.c, load.c and errors.c hold no
 * driver name, node path or ioctl.
 */
#ifndef TEEHOST_LOADER_INTERNAL_H
#define TEEHOST_LOADER_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "sgx/arch.h"
#include "sgx/measure.h"
#include "loader/loader.h"
#include "teehost/loader.h"
#include "util/err.h"

#define TH_PATH_MAX 160

struct th_encl;

/* A range of added pages waiting to be mapped with one protection. */
struct th_region {
	uint64_t off, len;
	int prot;
};

struct th_backend {
	const char *name;
	enum teehost_sgx_driver driver;
	const char *node;       /* the enclave node it is named by in messages */
	bool own_entry;         /* no vDSO: the loader issues ENCLU itself */
	bool launch_token;      /* EINIT takes a launch token (no flexible launch control) */
	/*
	 * Is this driver behind the nodes under OPTS->root? OUT->vdso is already set. Fill OUT
	 * (driver, nodes, why) and return 0, or -ENOENT; FORCED: the user asked for this driver,
	 * so a node that another driver would claim first is taken anyway. -EPROTONOSUPPORT with
	 * OUT->why set: a driver is there that teehost does not speak.
	 */
	int (*probe)(const struct teehost_loader_opts *opts, bool forced,
		     struct teehost_sgx_probe *out);
	/* Reserve the range (SECS.BASE/SIZE set by the caller when fixed) and ECREATE. */
	int (*create)(struct th_encl *e, struct sgx_secs *secs, struct th_sgx_status *st,
		      struct th_err *err);
	/* EADD (+ EEXTEND per MASK) NPAGES consecutive pages from SRC (page aligned). */
	int (*add)(struct th_encl *e, uint64_t off, const uint8_t *src, uint64_t npages,
		   uint64_t secinfo, uint16_t mask, struct th_sgx_status *st,
		   struct th_err *err);
	/* EINIT. TOKEN is used by isgx only. Positive return: an ENCLS error code. */
	int (*init)(struct th_encl *e, const struct sgx_sigstruct *ss,
		    const struct sgx_einittoken *token, struct th_sgx_status *st,
		    struct th_err *err);
	/* Give added pages [OFF, OFF+LEN) the host protection PROT. */
	int (*map)(struct th_encl *e, uint64_t off, uint64_t len, int prot,
		   struct th_sgx_status *st, struct th_err *err);
	/* Provision-key access (kernel PROVISION, DCAP SET_ATTRIBUTE); NULL: nothing to do. */
	int (*provision)(struct th_encl *e, struct th_err *err);
	void (*destroy)(struct th_encl *e);
	/* SGX2 (NULL where the driver has none): EMODPR, EMODT, EREMOVE of trimmed pages,
	 * and making a range available for EAUG-on-fault. 0 or -errno. */
	int (*restrict_perm)(struct th_encl *e, uint64_t off, uint64_t len, uint64_t perm);
	int (*modify_type)(struct th_encl *e, uint64_t off, uint64_t len, uint64_t type);
	int (*remove)(struct th_encl *e, uint64_t off, uint64_t len);
	int (*augment)(struct th_encl *e, uint64_t off, uint64_t len, int prot);
	/* Does the driver have the SGX2 ioctls at all (probe with a zeroed request)? */
	bool (*has_sgx2)(const char *node);
	/* the in-kernel ioctl ABI's numbers and names (th_uapi_*), NULL for another ABI */
	const struct th_uapi *uapi;
};

extern const struct th_backend th_backend_kernel;
extern const struct th_backend th_backend_dcap;
extern const struct th_backend th_backend_isgx;

struct th_encl {
	const struct th_backend *be;
	enum teehost_sgx_driver driver;
	int fd;                         /* this enclave's file (kernel, dcap), or isgx's shared one */
	bool fd_shared;
	uint64_t base, size;            /* ELRANGE */
	uint8_t *resv;                  /* the address range we own (reservation or device map) */
	uint64_t resv_len;
	struct sgx_attributes attributes;
	uint32_t miscselect;
	uint32_t ssa_frame_size;
	bool initialized;

	struct th_region *regions;      /* added, not yet given their protection */
	size_t nregions, regions_cap;
	uint64_t *tcs;                  /* linear addresses of TCS pages, in add order */
	atomic_int *tcs_busy;
	size_t ntcs, tcs_cap;
	uint64_t pages_added;

	struct th_mr *mr;               /* running MRENCLAVE (opts.measure) or NULL */
	uint8_t mrenclave[32];
	bool have_mrenclave;
	/* no running MRENCLAVE by choice (the API on the in-kernel driver, for speed): an EINIT
	 * refusal whose signature, SIGSTRUCT and attributes check out is then the measurement */
	bool mr_elided;

	char node[TH_PATH_MAX];
	char provision_node[TH_PATH_MAX];
	void *vdso_enter;               /* __vdso_sgx_enter_enclave, kernel backend */
	const struct teehost_loader_opts *opts;  /* during load only */
	struct th_encl *next;           /* api.c's list */
};

/* Fill ST (may be NULL) and ERR; returns -ERRNUM. */
__attribute__((format(printf, 6, 7)))
int th_lfail(struct th_sgx_status *st, struct th_err *err, const char *step, uint32_t code,
	     int errnum, const char *fmt, ...);
/* enclave_error_t for an errno from STEP ("create", "add", "init", "map", "open", ...). */
uint32_t th_loader_errno_code(const char *step, int errnum);
/* enclave_error_t for an ENCLS error code (EINIT). */
uint32_t th_loader_sgx_code(int sgx_error);
const char *th_sgx_error_name(int sgx_error);

/*
 * Name the reason for an EINIT the driver refused without saying why (kernel, DCAP: -EPERM):
 * SIGSTRUCT headers, signature, attributes/MISCSELECT against the masks, MRENCLAVE. Returns the
 * ENCLS error code EINIT would have given, or 0 when none of those is wrong.
 */
int th_einit_diagnose(const struct th_encl *e, const struct sgx_sigstruct *ss);

/* entry.c */
void *th_vdso_lookup(const char *name);
int th_enter_vdso(struct th_encl *e, uint64_t tcs, struct teehost_enter *io);
int th_enter_enclu(struct th_encl *e, uint64_t tcs, struct teehost_enter *io);

/*
 * The launch token for SS when the backend needs one (zeros for a launch enclave, which uses
 * its own key): opts->einittoken, else opts->launch_token. TOKEN is 512-byte aligned.
 */
int th_encl_token(struct th_encl *e, const struct sgx_sigstruct *ss,
		  const struct teehost_loader_opts *opts, struct sgx_einittoken *token,
		  struct th_sgx_status *st, struct th_err *err);

/* The process-wide isgx file (one for all enclaves, as the driver wants). */
int th_isgx_fd(const char *node, struct th_err *err);

/* Map the device over [base + OFF, +LEN) with PROT (kernel and DCAP: after the pages are added). */
int th_map_device(struct th_encl *e, uint64_t off, uint64_t len, int prot,
		  struct th_sgx_status *st, struct th_err *err);
/* Reserve SIZE bytes aligned to SIZE (or exactly at BASE) for the device mapping. */
int th_reserve_aligned(struct th_encl *e, struct th_sgx_status *st, struct th_err *err);
/* Why a driver without an ENCLS error code refused EINIT (-EPERM, -EACCES), in its words. */
struct th_einit_hints {
	const char *eperm;              /* refused, no reason given */
	const char *eacces_token_key;   /* EINITTOKENKEY asked for */
	const char *eacces_provision;   /* PROVISIONKEY without the provision device */
};
/*
 * The in-kernel ioctl ABI, which the DCAP driver shares under its own numbers: CREATE {u64 src},
 * ADD_PAGES {src, offset, length, secinfo, flags, count}, INIT {u64 sigstruct}, provision
 * {u64 fd}. The names are the ioctls' in messages.
 */
struct th_uapi {
	unsigned long create, add_pages, init, provision;
	const char *create_name, *add_pages_name, *init_name, *provision_name;
	const char *create_einval_hint;         /* explains an -EINVAL of CREATE (or NULL) */
	uint64_t measure_flag;                  /* ADD_PAGES.flags: measure the pages */
	const struct th_einit_hints *hints;
};
/*
 * The backend operations of the drivers that speak struct th_uapi (e->be->uapi):
 * create: open e->node, reserve the range and ECREATE (on failure the fd and the reservation
 * are gone); add: NPAGES whole pages, measured or not, resuming after partial progress; init:
 * EINIT retried while the driver says try again, positive: the ENCLS error
 * th_einit_diagnose() names for a bare -EPERM; provision: the provision node's fd to the
 * enclave.
 */
int th_uapi_create(struct th_encl *e, struct sgx_secs *secs, struct th_sgx_status *st,
		   struct th_err *err);
int th_uapi_add(struct th_encl *e, uint64_t off, const uint8_t *src, uint64_t npages,
		uint64_t secinfo_flags, uint16_t mask, struct th_sgx_status *st, struct th_err *err);
int th_uapi_init(struct th_encl *e, const struct sgx_sigstruct *ss,
		 const struct sgx_einittoken *token, struct th_sgx_status *st, struct th_err *err);
int th_uapi_provision(struct th_encl *e, struct th_err *err);
/* Unmap and close (kernel and DCAP: the driver EREMOVEs on the last reference). */
void th_device_destroy(struct th_encl *e);

/* Protection a page of type/permissions SECINFO gets in the host mapping. */
int th_secinfo_prot(uint64_t secinfo);

/* Log one line through OPTS->log. */
__attribute__((format(printf, 2, 3)))
void th_loader_log(const struct teehost_loader_opts *opts, const char *fmt, ...);

/* Build a path under opts->root. */
void th_loader_path(const struct teehost_loader_opts *opts, const char *path, char *out,
		    size_t outlen);
/*
 * Does PATH (inside opts->root; resolved in it, symlinks included) exist? IS_LINK, IS_CHR
 * (either may be NULL): whether PATH itself is a symlink, and what it names a character device.
 */
bool th_node_exists(const struct teehost_loader_opts *opts, const char *path, bool *is_link,
		    bool *is_chr);
/*
 * The probe found driver D at NODE (inside opts->root): fill OUT's driver and nodes, the
 * provision node being the first of PROVISION (NULL-ended, may be NULL) that exists
 * (flat_nodes false: the kernel backend sets it for /dev/sgx_enclave).
 */
void th_probe_found(const struct teehost_loader_opts *opts, enum teehost_sgx_driver d,
		    const char *node, const char *const *provision, struct teehost_sgx_probe *out);

/* The core steps, shared by th_enclave_load() and the common-loader API (api.c). */
int th_encl_create(const struct teehost_loader_opts *opts, const struct teehost_sgx_probe *pr,
		   struct sgx_secs *secs, uint64_t fixed_base, struct th_encl **out,
		   struct th_sgx_status *st, struct th_err *err);
int th_encl_add(struct th_encl *e, uint64_t off, const uint8_t *src, uint64_t npages,
		uint64_t secinfo, uint16_t mask, struct th_sgx_status *st,
		struct th_err *err);
int th_encl_init(struct th_encl *e, const struct sgx_sigstruct *ss,
		 const struct sgx_einittoken *token, struct th_sgx_status *st,
		 struct th_err *err);
void th_encl_free(struct th_encl *e);
const struct th_backend *th_backend_of(enum teehost_sgx_driver d);

#endif
