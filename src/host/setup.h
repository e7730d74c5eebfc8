/* teehost setup: the safe fixes for what `teehost check` finds, planned as a
 * list of whole-file changes (udev rules, /etc/group, /etc/gshadow,
 * modprobe.d and modules-load.d files) plus live-only actions (udevadm
 * trigger, modprobe msr).  The plan is shown as a unified diff (--dry-run)
 * or applied atomically: every new file is written and synced to a temporary
 * name first, and only when all of them exist are they renamed into place. */
#ifndef TEEHOST_HOST_SETUP_H
#define TEEHOST_HOST_SETUP_H

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "host/check.h"

struct th_change {
	char path[128];       /* inside the root */
	char *old;            /* NULL: the file does not exist */
	size_t oldlen;
	char *new;
	size_t newlen;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	char why[256];
};

struct th_plan {
	struct th_change ch[8];
	int nch;
	char actions[4][160]; /* commands run on the live machine after the writes */
	int nact;
	char notes[8][400];   /* what setup will not do, and why */
	int nnotes;
};

/* Work out the changes for this host; fails (nothing planned) on bad input such as an
 * unknown --user. */
int th_setup_plan(struct th_host *h, struct th_plan *p, struct th_err *e);
/* Print the plan as a unified diff plus the commands it would run. */
void th_setup_print_diff(const struct th_plan *p, FILE *out);
/* Write every change atomically (all or nothing), then run the live actions. */
int th_setup_apply(struct th_host *h, struct th_plan *p, FILE *log, struct th_err *e);
void th_setup_free(struct th_plan *p);

#endif
