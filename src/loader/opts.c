/* SPDX-License-Identifier: MIT */
/*
 * struct teehost_loader_opts as libbpf takes its opts: the caller says how big its struct is
 * (sz), so a program built against an older or newer header keeps working. Fields past a
 * smaller sz read as zero; bytes past our struct in a bigger one must be zero (a field this
 * library does not know, asked for, is refused rather than ignored).
 */
#include <errno.h>
#include <string.h>

#include "loader/internal.h"
#include "sgx_enclave_common.h"

int th_loader_opts_get(const struct teehost_loader_opts *in, struct teehost_loader_opts *out,
		       struct teehost_sgx_status *st, struct th_err *err)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	out->sz = sizeof(*out);
	if (!in)
		return 0;
	if (in->sz < sizeof(in->sz))
		return th_lfail(st, err, "opts", ENCLAVE_INVALID_PARAMETER, EINVAL,
				"teehost_loader_opts.sz is %zu: set it to sizeof(struct "
				"teehost_loader_opts)", in->sz);
	for (n = sizeof(*out); n < in->sz; n++)
		if (((const unsigned char *)in)[n])
			return th_lfail(st, err, "opts", ENCLAVE_INVALID_PARAMETER, EINVAL,
					"teehost_loader_opts byte %zu of %zu is set: a field this "
					"library (struct of %zu bytes) does not know", n, in->sz,
					sizeof(*out));
	memcpy(out, in, in->sz < sizeof(*out) ? in->sz : sizeof(*out));
	out->sz = sizeof(*out);
	return 0;
}
