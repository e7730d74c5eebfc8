/* SPDX-License-Identifier: MIT */
/* What sim --snp-guest (src/cli/sim-guest.c) shares with sim --tdx-guest (src/cli/sim-tdx.c). */
#ifndef TEEHOST_CLI_SIM_GUEST_H
#define TEEHOST_CLI_SIM_GUEST_H

#include "guest/supervisor.h"

/*
 * Run PROGRAM (ARGV) under S, whose device and configfs-tsm provider the caller has set, with
 * the warnings and errors every simulated guest prints. Returns PROGRAM's exit status, or < 0
 * once "cannot start the guest supervisor" is printed.
 */
int sim_guest_supervise(struct guest_supervisor *s, char **argv);

#endif
