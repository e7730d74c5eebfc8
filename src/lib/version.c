/* SPDX-License-Identifier: MIT */
#include "teehost/teehost.h"

TEEHOST_API const char *teehost_version(void)
{
	return TEEHOST_VERSION;
}
