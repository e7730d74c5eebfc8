/* SPDX-License-Identifier: MIT */
/* Test helpers: locate ../shared/vectors and read files whole. */
#ifndef TEEHOST_TESTS_VECTORS_H
#define TEEHOST_TESTS_VECTORS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static inline const char *vectors_dir(void)
{
	const char *v = getenv("VECTORS");

	return v && *v ? v : "../shared/vectors";
}

/* Read VECTORS/REL into a malloc'd buffer; NULL (and *len 0) when missing. */
static inline uint8_t *vector_read(const char *rel, size_t *len)
{
	char path[4096];
	FILE *f;
	uint8_t *buf;
	long n;

	*len = 0;
	snprintf(path, sizeof(path), "%s/%s", vectors_dir(), rel);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(n > 0 ? (size_t)n : 1);
	if (buf && n > 0 && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		*len = (size_t)n;
	return buf;
}

static inline void hex_encode(const uint8_t *b, size_t n, char *out)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[b[i] >> 4];
		out[2 * i + 1] = d[b[i] & 15];
	}
	out[2 * n] = '\0';
}

#endif
