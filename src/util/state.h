/* SPDX-License-Identifier: MIT */
/* The simulated platform's state directory (src/util/state.c). */
#ifndef TEEHOST_UTIL_STATE_H
#define TEEHOST_UTIL_STATE_H

#include <stddef.h>
#include <sys/types.h>

/* $TEEHOST_SIM_STATE_DIR, else $XDG_STATE_HOME/teehost, else ~/.local/state/teehost: 0 or
 * -ENOENT (no HOME) / -ENAMETOOLONG */
int th_state_dir(char *buf, size_t n);
/* mkdir -p PATH (PATH is modified while it runs and restored): 0 or a negative errno */
int th_mkdirs(char *path, mode_t mode);

#endif
