/* SPDX-License-Identifier: MIT */
/*
 * Reader for a kernel .config file (the output of the kernel's kconfig tools), used by the host
 * checks (/proc/config.gz, /boot/config-*) and the kernel pipeline. Pure: takes bytes.
 * Names are stored without the "CONFIG_" prefix. This reads the *result* of Kconfig; it does not
 * evaluate Kconfig: for that teehost runs the kernel tree's own tools.
 */
#ifndef TEEHOST_UTIL_KCONFIG_H
#define TEEHOST_UTIL_KCONFIG_H

#include <stddef.h>

#include "util/err.h"

struct th_kconfig_entry {
	char *name;             /* without CONFIG_ */
	char *value;            /* "y", "m", "123", "\"str\"" as written; NULL: "is not set" */
	unsigned line;
};

struct th_kconfig {
	struct th_kconfig_entry *entries; /* sorted by name after parsing; last assignment wins */
	size_t count;
};

/* Parse a .config. On error, err names "line N" and what is wrong; *cfg is left empty. */
int th_kconfig_parse(struct th_kconfig *cfg, const char *data, size_t len, struct th_err *err);
void th_kconfig_free(struct th_kconfig *cfg);

/*
 * The entry for symbol NAME, written without the CONFIG_ prefix of .config lines ("X86_SGX"),
 * or NULL when the symbol is absent. NAME is matched exactly: "CONFIG_A" is the symbol whose
 * .config line is CONFIG_CONFIG_A=..., not A.
 */
const struct th_kconfig_entry *th_kconfig_find(const struct th_kconfig *cfg, const char *name);

/*
 * Tristate view: 'y', 'm', or 'n' (explicitly "is not set", or absent: Kconfig writes no line
 * for symbols whose dependencies are unmet). Non-tristate values give 'v'.
 */
char th_kconfig_tristate(const struct th_kconfig *cfg, const char *name);

#endif
