/* SPDX-License-Identifier: MIT */
/* Run a program with the guest devices served by seccomp user notification (supervisor.c). */
#ifndef TEEHOST_GUEST_SUPERVISOR_H
#define TEEHOST_GUEST_SUPERVISOR_H

#include "guest/guest.h"
#include "guest/tsm.h"

struct guest_supervisor {
	struct snp_guest *snp;          /* NULL: no /dev/sev-guest */
	struct tdx_guest *tdx;          /* NULL: no /dev/tdx_guest */
	const struct guest_tsm_provider *tsm;   /* NULL: no configfs-tsm */
	bool tsm_required;              /* fail when configfs-tsm cannot be mounted */
	int tsm_error;                  /* why configfs-tsm is absent (negative errno), or 0 */
	int mr_error;                   /* TDX: why the sysfs measurements are absent, or 0 */
	unsigned long opens, ioctls;    /* served, for --verbose */
};

/* Fork, filter, exec ARGV in the child and serve it until it exits: its exit status. */
int guest_supervise(struct guest_supervisor *s, char **argv);

#endif
