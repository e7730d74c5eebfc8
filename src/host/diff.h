/* Unified diff of two small texts (teehost setup --dry-run). */
#ifndef TEEHOST_HOST_DIFF_H
#define TEEHOST_HOST_DIFF_H

#include <stddef.h>
#include <stdio.h>

/* Writes "--- a/PATH", "+++ b/PATH" and hunks with 3 lines of context.
 * A missing old file is given as old == NULL ("--- /dev/null").
 * Returns 0, or -ENOMEM. */
int th_diff_unified(FILE *out, const char *path, const char *old, size_t oldlen,
		    const char *new, size_t newlen);

#endif
