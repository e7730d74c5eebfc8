/* SPDX-License-Identifier: MIT */
/*
 * Options structures as libbpf takes them: the caller says how big its struct is (its first
 * field, size_t sz), so a program built against an older or newer header keeps working.
 */
#ifndef TEEHOST_UTIL_SIZED_H
#define TEEHOST_UTIL_SIZED_H

#include <stddef.h>

#include "util/err.h"

/*
 * Copy the caller's IN (NULL: defaults, all zero) into OUT of OUT_SZ bytes and set OUT's sz to
 * OUT_SZ. Fields past a smaller sz read as zero; bytes past ours in a bigger struct must be
 * zero (a field this library does not know, asked for, is refused rather than ignored).
 * -EINVAL with ERR saying which, naming the struct NAME, otherwise 0.
 */
int th_sized_copy(const void *in, void *out, size_t out_sz, const char *name, struct th_err *err);

#endif
