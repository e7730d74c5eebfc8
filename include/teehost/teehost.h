/* SPDX-License-Identifier: MIT */
/*
 * teehost public API. Everything exported carries TEEHOST_API; nothing else is visible.
 * Functions return 0 or a negative errno; what went wrong, in words, goes to the print
 * callback, as libbpf does it (libbpf_set_print).
 */
#ifndef TEEHOST_TEEHOST_H
#define TEEHOST_TEEHOST_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TEEHOST_API __attribute__((visibility("default")))

/* The library's version string (git describe of the build). */
TEEHOST_API const char *teehost_version(void);

enum teehost_print_level {
	TEEHOST_WARN,                   /* why a call failed: "FILE: FIELD: message" */
	TEEHOST_INFO,                   /* what the loader chose and did (driver, steps) */
	TEEHOST_DEBUG,
};

typedef int (*teehost_print_fn_t)(enum teehost_print_level level, const char *fmt, va_list ap);

/*
 * Where messages go. The default prints TEEHOST_WARN lines to stderr ("libteehost: ...") and
 * drops the rest; NULL drops everything. Returns the previous callback.
 */
TEEHOST_API teehost_print_fn_t teehost_set_print(teehost_print_fn_t fn);

#ifdef __cplusplus
}
#endif

#endif
