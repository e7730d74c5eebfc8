/* SPDX-License-Identifier: MIT */
/* Where the library's messages go, as libbpf_set_print() decides it for libbpf. */
#include <stdarg.h>
#include <stdio.h>

#include "lib/api.h"

static int print_stderr(enum teehost_print_level level, const char *fmt, va_list ap)
{
	if (level != TEEHOST_WARN)
		return 0;
	fputs("libteehost: ", stderr);
	return vfprintf(stderr, fmt, ap);
}

static teehost_print_fn_t print_fn = print_stderr;

TEEHOST_API teehost_print_fn_t teehost_set_print(teehost_print_fn_t fn)
{
	return __atomic_exchange_n(&print_fn, fn, __ATOMIC_ACQ_REL);
}

void th_api_print(enum teehost_print_level level, const char *fmt, ...)
{
	teehost_print_fn_t fn = __atomic_load_n(&print_fn, __ATOMIC_ACQUIRE);
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	fn(level, fmt, ap);
	va_end(ap);
}

int th_api_fail(int rc, const char *func, const char *what, const struct th_err *err)
{
	th_api_print(TEEHOST_WARN, "%s: %s%s%s\n", func, what ? what : "", what ? ": " : "",
		     err->msg[0] ? err->msg : "failed");
	return rc;
}
