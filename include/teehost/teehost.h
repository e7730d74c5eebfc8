/* SPDX-License-Identifier: MIT */
/* teehost public API. Everything exported carries TEEHOST_API; nothing else is visible. */
#ifndef TEEHOST_TEEHOST_H
#define TEEHOST_TEEHOST_H

#ifdef __cplusplus
extern "C" {
#endif

#define TEEHOST_API __attribute__((visibility("default")))

/* The library's version string (git describe of the build). */
TEEHOST_API const char *teehost_version(void);

#ifdef __cplusplus
}
#endif

#endif
