/* SPDX-License-Identifier: MIT */
/*
 * Enclave images: open any input `teehost measure` takes (a static enclave ELF, an Intel SGX
 * SDK .so, a Fortanix .sgxs, or a flat image when asked), measure it (MRENCLAVE) and sign it
 * (a 1808-byte SIGSTRUCT). The image is opaque; teehost_enclave_load() (teehost/loader.h)
 * loads it.
 *
 * Errors: functions return 0 or a negative errno; the detail ("FILE: FIELD: message") goes to
 * the print callback (teehost_set_print(), teehost/teehost.h).
 */
#ifndef TEEHOST_IMAGE_H
#define TEEHOST_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "teehost/teehost.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TEEHOST_SIGSTRUCT_SIZE 1808
#define TEEHOST_MRENCLAVE_SIZE 32

struct teehost_image;

struct teehost_image_opts {
	size_t sz;                      /* sizeof(struct teehost_image_opts) */
	bool flat;                      /* the input is a flat image: TCS at page 0, R|W|X after */
	uint64_t heap_size;             /* ELF: unmeasured R|W heap after the image (measure --heap) */
};

/* Map PATH (read-only, never copied) and build its page plan. OPTS may be NULL. */
TEEHOST_API int teehost_image_open(const char *path, const struct teehost_image_opts *opts,
				   struct teehost_image **out);

/* Release IMG. NULL is fine. */
TEEHOST_API void teehost_image_free(struct teehost_image *img);

/* MRENCLAVE of IMG, as `teehost measure` prints it, into MRENCLAVE[32]. */
TEEHOST_API int teehost_image_measure(const struct teehost_image *img, uint8_t *mrenclave,
				      size_t len);

/* The input's format: "elf", "sdk", "sgxs" or "flat". */
TEEHOST_API const char *teehost_image_format(const struct teehost_image *img);

/*
 * What a signer chooses; zero means teehost's defaults (those of `teehost sign`: the image's
 * attributes, every attribute flag but DEBUG masked, ISV fields 0, today's date).
 */
struct teehost_sign_opts {
	size_t sz;                      /* sizeof(struct teehost_sign_opts) */
	bool debug;                     /* set ATTRIBUTES.DEBUG (a throw-away key forces it) */
	uint16_t isvprodid;
	uint16_t isvsvn;
	uint32_t date;                  /* BCD 0xYYYYMMDD; 0: today (or SOURCE_DATE_EPOCH) */
};

/*
 * Sign IMG: write its SIGSTRUCT (TEEHOST_SIGSTRUCT_SIZE bytes) to SIGSTRUCT. KEY_PATH is an
 * RSA-3072 (e = 3) private key in PEM (`teehost keygen`); NULL signs with a throw-away key
 * made for this call, which is only good for a DEBUG enclave, so DEBUG is set. An SDK .so
 * keeps its own SIGSTRUCT's fields (ISV ids, masks) unless OPTS sets them. OPTS may be NULL.
 */
TEEHOST_API int teehost_image_sign(const struct teehost_image *img, const char *key_path,
				   const struct teehost_sign_opts *opts, void *sigstruct,
				   size_t len);

/*
 * An SDK .so carries its SIGSTRUCT: copy it to SIGSTRUCT. -ENOENT for inputs that carry none.
 */
TEEHOST_API int teehost_image_sigstruct(const struct teehost_image *img, void *sigstruct,
					size_t len);

#ifdef __cplusplus
}
#endif

#endif
