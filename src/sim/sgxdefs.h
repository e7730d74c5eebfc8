/* SPDX-License-Identifier: MIT */
/*
 * What the simulated CPU supports, on top of the architectural definitions in sgx/arch.h.
 */
#ifndef TH_SIM_SGXDEFS_H
#define TH_SIM_SGXDEFS_H

#include "sgx/arch.h"

/* SECINFO.FLAGS bits that must be zero (bits 6, 7 and 16..63) */
#define TH_SECINFO_RESERVED (~0xff3full)
/* Attribute flags the simulated CPU supports (CPUID.12H.1:EAX/EBX) */
#define TH_ATTR_SUPPORTED (SGX_ATTR_INIT | SGX_ATTR_DEBUG | SGX_ATTR_MODE64BIT | \
			   SGX_ATTR_PROVISIONKEY | SGX_ATTR_EINITTOKENKEY | SGX_ATTR_KSS | \
			   SGX_ATTR_AEXNOTIFY)
/* MISCSELECT bits the simulated CPU supports (CPUID.12H.0:EBX) */
#define TH_MISC_SUPPORTED SGX_MISC_EXINFO

#endif
