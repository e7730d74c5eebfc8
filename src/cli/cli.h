/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the subcommands: the one-line error format and exit codes. */
#ifndef TEEHOST_CLI_CLI_H
#define TEEHOST_CLI_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

/* "teehost: WHAT: MESSAGE" on stderr; returns EXIT_FAIL. */
__attribute__((format(printf, 2, 3)))
int cli_error(const char *what, const char *fmt, ...);
/* "teehost: WHAT: <err->msg>" on stderr; returns EXIT_FAIL. */
int cli_error_err(const char *what, const struct th_err *err);
/* "teehost CMD: MESSAGE" plus a pointer to --help; returns EXIT_USAGE. */
__attribute__((format(printf, 2, 3)))
int cli_usage_error(const char *cmd, const char *fmt, ...);

/* Parse an unsigned integer (decimal or 0x hex) with an upper bound; 0 on success. */
int cli_parse_u64(const char *s, unsigned long long max, unsigned long long *out);

/*
 * Parse up to 2*n hex digits (an even number) into out[n], zero-padding the rest: the one
 * parser behind sim --snp-guest and --tdx-guest measurement options, so both accept the same
 * spellings. 0 on success, -ERANGE if too long or odd, -EINVAL if a digit is not hex.
 */
int cli_parse_hex(const char *s, uint8_t *out, size_t n);

#endif
