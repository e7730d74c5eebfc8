/* SPDX-License-Identifier: MIT */
/* Run a program with the guest devices served by seccomp user notification (supervisor.c). */
#ifndef TEEHOST_GUEST_SUPERVISOR_H
#define TEEHOST_GUEST_SUPERVISOR_H

#include "guest/guest.h"

struct guest_supervisor {
	struct snp_guest *snp;          /* NULL: no /dev/sev-guest */
	unsigned long opens, ioctls;    /* served, for --verbose */
};

/* Fork, filter, exec ARGV in the child and serve it until it exits: its exit status. */
int guest_supervise(struct guest_supervisor *s, char **argv);

#endif
