/* SPDX-License-Identifier: MIT */
/* File access for the CLI and probes. Formats never call these: they take bytes. */
#ifndef TEEHOST_UTIL_FILE_H
#define TEEHOST_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/* A read-only view of a whole file: mmap'ed when it is a regular non-empty file (no copy). */
struct th_mapped_file {
	const uint8_t *data;
	size_t size;
	int mapped;             /* 1: munmap on release; 0: data is a static empty buffer */
};

int th_map_file(const char *path, struct th_mapped_file *out, struct th_err *err);
void th_unmap_file(struct th_mapped_file *f);

/* Read a small file fully; the result is NUL-terminated and must be free()d. */
int th_read_file(const char *path, size_t max, char **out, size_t *len, struct th_err *err);

/*
 * Write DATA to PATH atomically: a temporary file in the same directory, fsync, chmod MODE,
 * rename. On any failure nothing is left behind and PATH is untouched. With EXCLUSIVE set,
 * an existing PATH is an error (EEXIST) and stays as it was.
 */
int th_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
			 int exclusive, struct th_err *err);

#endif
