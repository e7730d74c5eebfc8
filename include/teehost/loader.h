/* SPDX-License-Identifier: MIT */
/*
 * teehost's own SGX loader API: probe the driver, load a page plan with its SIGSTRUCT, enter a
 * TCS and learn what happened inside (EEXIT registers or the exception the enclave took).
 * `teehost run`, `teehost check`, the simulator tests and the drop-in libsgx_enclave_common.so.1
 * all sit on it. One loader over three drivers: the in-kernel driver (Linux 5.11+,
 * /dev/sgx_enclave), Intel's DCAP driver 1.30-1.36 (/dev/sgx/enclave) and Intel's legacy
 * non-FLC driver (/dev/isgx). Differences between them live in one backend file each.
 *
 * Errors: functions return 0 or a negative errno, fill the caller's struct th_err (util/err.h)
 * with "STEP: message", and, when given a struct teehost_sgx_status, the common-loader error
 * code (enclave_error_t of sgx_enclave_common.h) and the step that failed.
 */
#ifndef TEEHOST_LOADER_H
#define TEEHOST_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "teehost/teehost.h"

#ifdef __cplusplus
extern "C" {
#endif

struct th_err;
struct th_plan;
struct sgx_sigstruct;

enum teehost_sgx_driver {
	TEEHOST_SGX_NONE = 0,
	TEEHOST_SGX_KERNEL = 1,         /* in-kernel driver, or DCAP 1.41 behind /dev/sgx/ */
	TEEHOST_SGX_DCAP = 2,           /* DCAP out-of-tree driver 1.30-1.36 */
	TEEHOST_SGX_ISGX = 3,           /* legacy out-of-tree driver, non-FLC, launch tokens */
};

/* What the probe found and why it chose it (printed by `teehost run --verbose`). */
struct teehost_sgx_probe {
	enum teehost_sgx_driver driver;
	char enclave_node[160];         /* the node that will be opened */
	char provision_node[160];       /* "" when there is none */
	char why[320];                  /* one or two sentences */
	bool vdso;                      /* __vdso_sgx_enter_enclave present */
	bool flat_nodes;                /* /dev/sgx_enclave (true) or /dev/sgx/enclave */
};

/* Outcome of a failed call in common-loader terms. */
struct teehost_sgx_status {
	uint32_t code;                  /* enclave_error_t (0 on success) */
	const char *step;               /* "probe", "create", "add", "init", "map", "enter", ... */
	int sgx_error;                  /* ENCLS error code when the driver gave one, else 0 */
};

struct teehost_loader_opts {
	size_t sz;                      /* sizeof(struct teehost_loader_opts) */
	enum teehost_sgx_driver driver; /* TEEHOST_SGX_NONE: $TEEHOST_SGX_DRIVER, else probe */
	const char *root;               /* prefix for /dev and /proc paths (tests); NULL: none */
	const void *einittoken;         /* isgx: a 304-byte EINITTOKEN to use; NULL: provider */
	bool measure;                   /* keep a running MRENCLAVE to name EINIT failures */
	void (*log)(void *ctx, const char *line); /* verbose notes; NULL: silent */
	void *log_ctx;
};

TEEHOST_API const char *teehost_sgx_driver_name(enum teehost_sgx_driver d);
/* "kernel", "dcap" or "isgx"; -EINVAL otherwise. */
TEEHOST_API int teehost_sgx_driver_parse(const char *s, enum teehost_sgx_driver *out);

/*
 * Find the driver in Intel's order (/dev/sgx/enclave, /dev/sgx_enclave, /dev/isgx), or the
 * one forced by OPTS->driver / $TEEHOST_SGX_DRIVER, open-test its node, and check the process
 * can use enclaves at all (READ_IMPLIES_EXEC personality, /dev mounted noexec).
 */
TEEHOST_API int teehost_sgx_probe(const struct teehost_loader_opts *opts,
				  struct teehost_sgx_probe *out, struct teehost_sgx_status *st,
				  struct th_err *err);

struct teehost_enclave;

/*
 * Create, add every page of PLAN in order, EINIT with SS (and, on isgx, a launch token), map.
 * PLAN must be finalized. On failure nothing is left behind: no mapping, fd or EPC page.
 */
TEEHOST_API int teehost_enclave_load(const struct th_plan *plan, const struct sgx_sigstruct *ss,
				     const struct teehost_loader_opts *opts,
				     struct teehost_enclave **out, struct teehost_sgx_status *st,
				     struct th_err *err);

TEEHOST_API uint64_t teehost_enclave_base(const struct teehost_enclave *e);
TEEHOST_API uint64_t teehost_enclave_size(const struct teehost_enclave *e);
TEEHOST_API size_t teehost_enclave_tcs_count(const struct teehost_enclave *e);
TEEHOST_API uint64_t teehost_enclave_tcs(const struct teehost_enclave *e, size_t index);
TEEHOST_API enum teehost_sgx_driver teehost_enclave_driver(const struct teehost_enclave *e);
TEEHOST_API uint64_t teehost_enclave_pages_added(const struct teehost_enclave *e);

/* One EENTER. Registers in; the enclave's EEXIT registers, or the exception, out. */
struct teehost_enter {
	uint64_t rdi, rsi, rdx, r8, r9;
	/* out */
	bool exception;                 /* the enclave took an exception (AEX) */
	uint32_t leaf;                  /* ENCLU leaf that was running: 2 EENTER, 3 ERESUME */
	uint16_t vector;                /* exception vector (14 #PF, 13 #GP, 6 #UD, ...) */
	uint16_t error_code;            /* e.g. 0x8005: PFEC.SGX, EPCM violation */
	uint64_t address;               /* faulting address for #PF */
};

/*
 * Enter TCS number TCS_INDEX. 0 on EEXIT; -EFAULT when the enclave took an exception (IO says
 * which); -EBUSY when that TCS is in use by another thread; -EINVAL for a bad index.
 */
TEEHOST_API int teehost_enclave_enter(struct teehost_enclave *e, size_t tcs_index,
				      struct teehost_enter *io, struct th_err *err);

/* Unmap, close, free: EREMOVE of every page happens in the driver. NULL is fine. */
TEEHOST_API void teehost_enclave_destroy(struct teehost_enclave *e);

/* The live launch test of `teehost check` (as sgx-detect has). */
struct teehost_sgx_live {
	bool ok;
	enum teehost_sgx_driver driver; /* the driver that ran it (when it loaded) */
	const char *step;               /* failing step: image, sign, probe, create, add, ... */
	uint32_t code;                  /* enclave_error_t of the failure */
	uint64_t answer;                /* the enclave's answer to add 2 40 */
	char msg[256];
};

/*
 * Load SAMPLE_PATH (PREFIX/share/teehost/sample.elf) on the driver present, signed on the fly
 * with a throw-away key as a DEBUG enclave, call add 2 40 and expect 42. 0 on success;
 * otherwise a negative errno and OUT names the step, the common-loader code and why.
 */
TEEHOST_API int teehost_sgx_live_test(const char *sample_path,
				      const struct teehost_loader_opts *opts,
				      struct teehost_sgx_live *out);

#ifdef __cplusplus
}
#endif

#endif
