/* SPDX-License-Identifier: MIT */
/*
 * teehost's own SGX loader API: probe the driver, load an enclave image (teehost/image.h) with
 * its SIGSTRUCT, enter a TCS and learn what happened inside (EEXIT registers or the exception
 * the enclave took). One loader over three drivers: the in-kernel driver (Linux 5.11+,
 * /dev/sgx_enclave), Intel's DCAP driver 1.30-1.36 (/dev/sgx/enclave) and Intel's legacy
 * non-FLC driver (/dev/isgx).
 *
 * Errors: functions return 0 or a negative errno; why, in words, goes to the print callback
 * (teehost_set_print(), teehost/teehost.h) at TEEHOST_WARN, and the loader's notes (driver
 * chosen, steps) to OPTS->log when set, else to the print callback at TEEHOST_INFO.
 */
#ifndef TEEHOST_LOADER_H
#define TEEHOST_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "teehost/image.h"
#include "teehost/teehost.h"

#ifdef __cplusplus
extern "C" {
#endif

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

/*
 * A launch token for an enclave on the legacy isgx driver (no flexible launch control). The
 * provider writes TEEHOST_EINITTOKEN_SIZE bytes to TOKEN and returns 0, or returns a negative
 * errno (-EPERM: refused for this signer or these attributes; -ENOENT: no provider on this
 * machine) and says why in MSG.
 */
#define TEEHOST_EINITTOKEN_SIZE 304
struct teehost_token_request {
	const void *sigstruct;          /* the enclave's SIGSTRUCT, TEEHOST_SIGSTRUCT_SIZE bytes */
	uint64_t attributes;            /* SECS.ATTRIBUTES.FLAGS the enclave will run with */
	uint64_t xfrm;                  /* SECS.ATTRIBUTES.XFRM */
	void *token;                    /* out: the EINITTOKEN */
	char msg[256];                  /* out: why there is none */
};

struct teehost_loader_opts {
	size_t sz;                      /* sizeof(struct teehost_loader_opts) */
	enum teehost_sgx_driver driver; /* TEEHOST_SGX_NONE: $TEEHOST_SGX_DRIVER, else probe */
	const char *root;               /* prefix for /dev and /proc paths (tests); NULL: none */
	const void *einittoken;         /* isgx: a 304-byte EINITTOKEN to use; NULL: provider */
	bool measure;                   /* keep a running MRENCLAVE to name EINIT failures */
	void (*log)(void *ctx, const char *line); /* the loader's notes; NULL: print callback */
	void *log_ctx;
	/* isgx: where launch tokens come from. NULL: teehost's own provider (Intel's
	 * libsgx_launch.so.1 when installed, else a launch enclave; see libteehost(3)) */
	int (*launch_token)(void *ctx, struct teehost_token_request *req);
	void *launch_token_ctx;
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
				  struct teehost_sgx_probe *out);

struct teehost_enclave;

/*
 * Create, add every page of IMAGE in order, EINIT with SIGSTRUCT (LEN must be
 * TEEHOST_SIGSTRUCT_SIZE; and, on isgx, a launch token), map. The enclave gets the attributes
 * and MISCSELECT the SIGSTRUCT asks for. On failure nothing is left behind: no mapping, fd or
 * EPC page. IMAGE may be freed once this returns.
 */
TEEHOST_API int teehost_enclave_load(const struct teehost_image *image, const void *sigstruct,
				     size_t len, const struct teehost_loader_opts *opts,
				     struct teehost_enclave **out);

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
				      struct teehost_enter *io);

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
