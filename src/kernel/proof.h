/* SPDX-License-Identifier: MIT */
/*
 * The proof: every requested kconfig symbol against the final .config, and
 * for each one that did not stick, the reason in the tree's own terms (taken
 * from the kconfig probe's records, see kernel/probe/kconfig-probe.c).
 * Pure: records and configs in, verdicts out.
 */
#ifndef TEEHOST_KERNEL_PROOF_H
#define TEEHOST_KERNEL_PROOF_H

#include <stddef.h>

#include "util/kconfig.h"

#define TH_KSYM_MAX 128

struct th_err;
struct json_writer;

enum th_kreq_status {
	TH_KREQ_OK,		/* final value is the one asked (m asked, y got counts) */
	TH_KREQ_DROPPED,	/* asked on, ended off or absent */
	TH_KREQ_DIFFERENT,	/* ended with another value (incl. asked off, got on) */
	TH_KREQ_UNKNOWN,	/* the tree has no such symbol */
	TH_KREQ_ABSENT_OK,	/* unknown, but marked "# teehost-optional:" */
};

struct th_kreq {
	char name[TH_KSYM_MAX];
	char *want;
	char *got;		/* NULL = absent from the final config */
	char source[256];	/* profile name or fragment path that asked last */
	int optional;
	enum th_kreq_status status;
	char *reason;		/* NULL when ok; one line */
	char *fix;		/* NULL when nothing to suggest; one line */
};

struct th_kproof {
	struct th_kreq *v;
	size_t n, cap;
	int engine_mismatch;	/* probe computed another config than make wrote */
};

/*
 * Add every symbol of a fragment as a request (a later source wins), in the
 * fragment's line order. TEXT is the fragment's bytes, scanned for the
 * directive "# teehost-optional: NAME..." (asked only where the tree has it).
 */
int th_kproof_add(struct th_kproof *p, const struct th_kconfig *frag,
		  const char *text, size_t len, const char *source);
/* Compare against the final config; sets status (not yet reasons). */
void th_kproof_compare(struct th_kproof *p, const struct th_kconfig *final);
/* Is NAME listed in a "# teehost-optional:" line of TEXT? */
int th_kfrag_is_optional(const char *text, size_t len, const char *name);
/* Read the probe's records and fill reason/fix (and UNKNOWN statuses). */
int th_kproof_explain(struct th_kproof *p, const char *records, size_t len);
size_t th_kproof_failures(const struct th_kproof *p);
const char *th_kreq_status_name(enum th_kreq_status s);
void th_kproof_free(struct th_kproof *p);

#endif
