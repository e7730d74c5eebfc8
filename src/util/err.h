/* SPDX-License-Identifier: MIT */
/*
 * One error convention for the whole library: functions return 0 or a negative errno and, when
 * the caller passes a struct th_err, say which field was wrong and why ("FIELD: message").
 * The library never prints; the CLI prefixes "teehost: FILE: " and prints one line.
 */
#ifndef TEEHOST_UTIL_ERR_H
#define TEEHOST_UTIL_ERR_H

#include <stdarg.h>

struct th_err {
	char msg[256];
};

__attribute__((format(printf, 4, 5)))
int th_fail(struct th_err *e, int errnum, const char *field, const char *fmt, ...);
__attribute__((format(printf, 4, 0)))
int th_vfail(struct th_err *e, int errnum, const char *field, const char *fmt, va_list ap);

/* Prefix an existing message with more context: "PREFIX: old message". */
void th_err_prefix(struct th_err *e, const char *prefix);

#endif
