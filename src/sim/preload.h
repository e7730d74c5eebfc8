/* SPDX-License-Identifier: MIT */
/*
 * What the parts of libteehost-sim.so's interposer (preload*.c) share: the libc functions they
 * stand in front of (resolved once by th_sim_resolve) and the few services one part gives
 * another. Hidden: nothing here is exported from the library.
 */
#ifndef TH_SIM_PRELOAD_H
#define TH_SIM_PRELOAD_H

#include <fcntl.h>
#include <signal.h>
#include <sys/auxv.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/device.h"

/* the interposed functions the library exports */
#define EXPORT __attribute__((visibility("default")))

/* the next definitions (libc's), set by th_sim_resolve() */
extern __typeof__(openat) *real_openat TH_SIM_API;
extern __typeof__(close) *real_close TH_SIM_API;
extern __typeof__(ioctl) *real_ioctl TH_SIM_API;
extern __typeof__(stat) *real_stat TH_SIM_API;
extern __typeof__(lstat) *real_lstat TH_SIM_API;
extern __typeof__(fstat) *real_fstat TH_SIM_API;
extern __typeof__(fstatat) *real_fstatat TH_SIM_API;
extern __typeof__(access) *real_access TH_SIM_API;
extern __typeof__(sigaction) *real_sigaction TH_SIM_API;
extern __typeof__(getauxval) *real_getauxval TH_SIM_API;
void th_sim_resolve(void) TH_SIM_API;
void *th_sim_next(const char *name) TH_SIM_API;         /* dlsym(RTLD_NEXT), or abort */

/* preload.c: the provision node's owner and mode as --provision would have udev set them */
void th_sim_provision_stat(struct stat *st) TH_SIM_API;
/* preload-map.c: the kernel frees an enclave when its fd is closed and its last mapping gone */
void th_sim_maybe_destroy(struct th_sim_encl *e) TH_SIM_API;
/* preload-thread.c: at start-up, before the first thread block */
void th_sim_threads_init(void) TH_SIM_API;

#endif
