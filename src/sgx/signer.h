/* SPDX-License-Identifier: MIT */
/*
 * What a signer may choose in a SIGSTRUCT body, and which of those choices the user made.
 * `teehost sign` fills one from its options; defaults come from the input (an SDK enclave's
 * metadata and existing SIGSTRUCT, or teehost's defaults for ELF/SGXS), then the user's choices
 * are laid over them with th_sign_params_apply().
 */
#ifndef TEEHOST_SGX_SIGNER_H
#define TEEHOST_SGX_SIGNER_H

#include <stdbool.h>
#include <stdint.h>

#include "sgx/arch.h"

enum {
	TH_SIGN_ISVPRODID      = 1u << 0,
	TH_SIGN_ISVSVN         = 1u << 1,
	TH_SIGN_DATE           = 1u << 2,
	TH_SIGN_VENDOR         = 1u << 3,
	TH_SIGN_ATTRIBUTES     = 1u << 4,   /* flags */
	TH_SIGN_XFRM           = 1u << 5,
	TH_SIGN_ATTRIBUTE_MASK = 1u << 6,   /* flags mask */
	TH_SIGN_XFRM_MASK      = 1u << 7,
	TH_SIGN_MISCSELECT     = 1u << 8,
	TH_SIGN_MISCMASK       = 1u << 9,
	TH_SIGN_DEBUG          = 1u << 10,
};

struct th_sign_params {
	uint32_t set;           /* TH_SIGN_* bits: the fields below that were chosen */
	uint16_t isv_prod_id;
	uint16_t isv_svn;
	uint32_t date;          /* BCD 0xYYYYMMDD */
	uint32_t vendor;
	struct sgx_attributes attributes;
	struct sgx_attributes attribute_mask;
	uint32_t miscselect;
	uint32_t miscmask;
	bool debug;             /* with TH_SIGN_DEBUG: set (or clear) ATTRIBUTES.DEBUG */
};

/* Write the chosen fields into SS (header and body); others are left as they are. */
void th_sign_params_apply(struct sgx_sigstruct *ss, const struct th_sign_params *p);

/* teehost's defaults for inputs that carry none (ELF, SGXS, flat): the plan's attributes,
 * an attribute mask of every flag but DEBUG and all of XFRM, MISCMASK all ones, date today. */
void th_sign_defaults(struct sgx_sigstruct *ss, const struct sgx_attributes *attributes,
		      uint32_t miscselect);

struct th_plan;
struct th_err;
/*
 * Sign PLAN for a test run: a key made for this call and thrown away, so PLAN becomes a DEBUG
 * enclave (ATTRIBUTES.DEBUG set in the plan and in SS), teehost's defaults otherwise.
 */
int th_sign_throwaway(struct th_plan *plan, struct sgx_sigstruct *ss, struct th_err *err);

/* Today's date (UTC, or SOURCE_DATE_EPOCH when set) as BCD 0xYYYYMMDD. */
uint32_t th_sign_today_bcd(void);

#endif
