/* SPDX-License-Identifier: MIT */
/*
 * A kernel .config (or kconfig fragment) as a symbol -> value map.
 *
 * Pure: the caller hands bytes, the parser hands back entries; no I/O.
 * Only the file FORMAT is read here (CONFIG_X=v, "# CONFIG_X is not set",
 * comments, teehost directives). What a symbol MEANS (types, dependencies,
 * defaults) is Kconfig's business and is asked of the kernel tree's own
 * kconfig code (see kernel/probe/kconfig-probe.c), never re-implemented.
 */
#ifndef TEEHOST_KERNEL_DOTCONFIG_H
#define TEEHOST_KERNEL_DOTCONFIG_H

#include <stddef.h>

struct th_err;

#define TH_KSYM_MAX 128		/* Kconfig names are far shorter */
#define TH_KVAL_MAX 1024	/* CONFIG_CMDLINE and friends can be long */

struct th_kentry {
	char name[TH_KSYM_MAX];	/* without the CONFIG_ prefix */
	char *value;		/* "y", "m", "n" (for "is not set"), "\"str\"", "0x10", "42" */
	unsigned line;		/* 1-based line in the input */
	int optional;		/* fragment directive "# teehost-optional: NAME" */
};

struct th_dotconfig {
	struct th_kentry *v;	/* in input order; a later line for the same
				 * symbol replaces the earlier one in place */
	size_t n, cap;
	char **optional;	/* names from "# teehost-optional:" lines */
	size_t noptional;
	unsigned lines;		/* lines read */
	size_t *slot;		/* open-addressing index into v (entry+1; 0 = empty) */
	size_t nslot;		/* power of two */
};

/*
 * Parse a .config or fragment. Unknown line shapes are an error naming the
 * line ("a config that is not a config"); an input with no CONFIG_ line at
 * all is an error too unless allow_empty. Returns 0 or -errno (err filled:
 * "line N: ...").
 */
int th_dotconfig_parse(struct th_dotconfig *cfg, const char *buf, size_t len,
		       int allow_empty, struct th_err *err);
void th_dotconfig_free(struct th_dotconfig *cfg);

/* Value of NAME (no CONFIG_ prefix) or NULL when the symbol is absent. */
const char *th_dotconfig_get(const struct th_dotconfig *cfg, const char *name);

/* Set (or add) NAME=value; value is copied. 0 or -ENOMEM. */
int th_dotconfig_set(struct th_dotconfig *cfg, const char *name,
		     const char *value, unsigned line);

/* Is NAME listed in a "# teehost-optional:" directive? */
int th_dotconfig_is_optional(const struct th_dotconfig *cfg, const char *name);

/*
 * Two values mean the same setting. An absent symbol and "n" are the same
 * (kconfig writes "is not set" only for visible symbols; absent = off).
 */
int th_kval_equal(const char *a, const char *b);

#endif
