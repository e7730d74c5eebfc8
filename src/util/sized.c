/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "util/sized.h"

int th_sized_copy(const void *in, void *out, size_t out_sz, const char *name, struct th_err *err)
{
	size_t in_sz;

	memset(out, 0, out_sz);
	memcpy(out, &out_sz, sizeof(out_sz));
	if (!in)
		return 0;
	memcpy(&in_sz, in, sizeof(in_sz));
	if (in_sz < sizeof(in_sz))
		return th_fail(err, EINVAL, "opts", "%s.sz is %zu: set it to sizeof(struct %s)",
			       name, in_sz, name);
	for (size_t n = out_sz; n < in_sz; n++)
		if (((const unsigned char *)in)[n])
			return th_fail(err, EINVAL, "opts", "%s byte %zu of %zu is set: a field "
				       "this library (struct of %zu bytes) does not know", name, n,
				       in_sz, out_sz);
	memcpy(out, in, in_sz < out_sz ? in_sz : out_sz);
	memcpy(out, &out_sz, sizeof(out_sz));
	return 0;
}
