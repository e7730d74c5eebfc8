/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the series file and patch outline parsers (teehost kernel series). */
#include <stdint.h>
#include <string.h>

#include "kernel/series.h"
#include "util/err.h"

static void one_line(const struct th_err *err)
{
	if (memchr(err->msg, '\n', strnlen(err->msg, sizeof(err->msg))))
		__builtin_trap();	/* errors are one line */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct th_series_file s;
	struct th_patch p;
	struct th_err err = { "" };
	const char *t = (const char *)data;

	if (th_series_parse(&s, t, size, &err) == 0) {
		for (size_t i = 0; i < s.n; i++)
			if (!s.v[i].name[0] || s.v[i].name[0] == '/' || !s.v[i].line)
				__builtin_trap();
		th_series_file_free(&s);
	} else {
		one_line(&err);
	}
	err.msg[0] = 0;
	if (th_patch_parse(&p, t, size, &err) == 0) {
		if (!p.nfiles || !p.subject || !p.body)
			__builtin_trap();
		for (size_t i = 0; i < p.nfiles; i++) {
			const struct th_pfile *f = &p.files[i];

			if (!f->path || f->hdr_off + f->hdr_len > size)
				__builtin_trap();
			for (size_t j = 0; j < f->nhunks; j++)
				if (f->hunks[j].off + f->hunks[j].len > size ||
				    memcmp(t + f->hunks[j].off, "@@ -", 4))
					__builtin_trap();
		}
		th_patches_overlap(&p, &p, NULL);
		th_patch_free(&p);
	} else {
		one_line(&err);
	}
	return 0;
}
