/* SPDX-License-Identifier: MIT */
/*
 * The public API's own insides (src/lib/): the print callback and the image object the
 * installed headers keep opaque. Everything here sits on the launch layer and the loader core
 * and turns their struct th_err into a negative errno plus a printed line.
 */
#ifndef TEEHOST_LIB_API_H
#define TEEHOST_LIB_API_H

#include "sgx/image.h"
#include "teehost/teehost.h"
#include "util/err.h"

struct teehost_image {
	struct th_image img;
	char *path;                     /* for messages */
};

__attribute__((format(printf, 2, 3)))
void th_api_print(enum teehost_print_level level, const char *fmt, ...);

/* Print "FUNC: WHAT: ERR" at TEEHOST_WARN (WHAT may be NULL) and return RC. */
int th_api_fail(int rc, const char *func, const char *what, const struct th_err *err);

#endif
