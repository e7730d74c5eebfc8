/* SPDX-License-Identifier: MIT */
/*
 * An enclave image: the input bytes (usually a read-only mapping of the file, never a copy),
 * its detected format and the finalized page plan built from it. This is the one place that
 * picks a builder: ELF (teehost sample / kernel selftest), Intel SGX SDK .so, Fortanix SGXS,
 * or, only when asked, a flat image. Measuring, signing, loading and simulating all start here.
 */
#ifndef TEEHOST_SGX_IMAGE_H
#define TEEHOST_SGX_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sgx/elf.h"
#include "sgx/plan.h"
#include "sgx/sdk.h"
#include "util/err.h"
#include "util/file.h"

enum {
	TH_IMAGE_FLAT = 1u << 0,        /* treat the input as a flat image (no magic to detect) */
};

struct th_image_options {
	unsigned flags;                 /* TH_IMAGE_* */
	struct th_elf_options elf;
};

struct th_image {
	struct th_mapped_file file;     /* when opened from a path */
	const uint8_t *data;
	size_t len;
	struct th_plan plan;            /* finalized */
	struct th_sdk_info sdk;         /* when plan.format == TH_FORMAT_SDK */
};

/* Which builder DATA needs (never TH_FORMAT_FLAT: that is only chosen explicitly). */
enum th_plan_format th_image_detect(const uint8_t *data, size_t len);

/* True when DATA is a bare 1808-byte SIGSTRUCT (both fixed headers present). */
bool th_image_is_sigstruct(const uint8_t *data, size_t len);

/*
 * Build and finalize the plan of DATA (which must outlive IMG). Pure: the fuzzing entry point.
 * On failure IMG holds nothing to release, but th_image_close() is still safe.
 */
int th_image_build(const uint8_t *data, size_t len, const struct th_image_options *opts,
		   struct th_image *img, struct th_err *err);

/* Map PATH and build its plan. */
int th_image_open(const char *path, const struct th_image_options *opts, struct th_image *img,
		  struct th_err *err);

void th_image_close(struct th_image *img);

#endif
