/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "util/err.h"

int th_vfail(struct th_err *e, int errnum, const char *field, const char *fmt, va_list ap)
{
	if (e) {
		int n = 0;

		if (field && *field)
			n = snprintf(e->msg, sizeof(e->msg), "%s: ", field);
		if (n < 0 || (size_t)n >= sizeof(e->msg))
			n = 0;
		vsnprintf(e->msg + n, sizeof(e->msg) - (size_t)n, fmt, ap);
	}
	return errnum > 0 ? -errnum : (errnum ? errnum : -1);
}

int th_fail(struct th_err *e, int errnum, const char *field, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = th_vfail(e, errnum, field, fmt, ap);
	va_end(ap);
	return ret;
}

void th_err_prefix(struct th_err *e, const char *prefix)
{
	char old[sizeof(e->msg)];
	size_t plen, olen;

	if (!e || !prefix)
		return;
	memcpy(old, e->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	plen = strnlen(prefix, sizeof(e->msg) - 3);
	olen = strlen(old);
	if (plen + 2 + olen >= sizeof(e->msg))
		olen = sizeof(e->msg) - 1 - plen - 2;
	memcpy(e->msg, prefix, plen);
	memcpy(e->msg + plen, ": ", 2);
	memcpy(e->msg + plen + 2, old, olen);
	e->msg[plen + 2 + olen] = '\0';
}
