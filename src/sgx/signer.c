/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "sgx/keys.h"
#include "sgx/plan.h"
#include "sgx/signer.h"
#include "sgx/sigstruct.h"

void th_sign_params_apply(struct sgx_sigstruct *ss, const struct th_sign_params *p)
{
	if (p->set & TH_SIGN_ISVPRODID)
		ss->isv_prod_id = p->isv_prod_id;
	if (p->set & TH_SIGN_ISVSVN)
		ss->isv_svn = p->isv_svn;
	if (p->set & TH_SIGN_DATE)
		ss->date = p->date;
	if (p->set & TH_SIGN_VENDOR)
		ss->vendor = p->vendor;
	if (p->set & TH_SIGN_ATTRIBUTES)
		ss->attributes.flags = p->attributes.flags;
	if (p->set & TH_SIGN_XFRM)
		ss->attributes.xfrm = p->attributes.xfrm;
	if (p->set & TH_SIGN_ATTRIBUTE_MASK)
		ss->attribute_mask.flags = p->attribute_mask.flags;
	if (p->set & TH_SIGN_XFRM_MASK)
		ss->attribute_mask.xfrm = p->attribute_mask.xfrm;
	if (p->set & TH_SIGN_MISCSELECT)
		ss->miscselect = p->miscselect;
	if (p->set & TH_SIGN_MISCMASK)
		ss->miscmask = p->miscmask;
	if (p->set & TH_SIGN_DEBUG) {
		if (p->debug)
			ss->attributes.flags |= SGX_ATTR_DEBUG;
		else
			ss->attributes.flags &= ~SGX_ATTR_DEBUG;
	}
}

uint32_t th_sign_today_bcd(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t now = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
	struct tm tm;
	unsigned v, bcd = 0, shift = 0;

	gmtime_r(&now, &tm);
	v = (unsigned)(tm.tm_year + 1900) * 10000u + (unsigned)(tm.tm_mon + 1) * 100u + (unsigned)tm.tm_mday;
	while (v) {
		bcd |= (v % 10) << shift;
		v /= 10;
		shift += 4;
	}
	return bcd;
}

void th_sign_defaults(struct sgx_sigstruct *ss, const struct sgx_attributes *attributes,
		      uint32_t miscselect)
{
	th_sigstruct_init(ss, false);
	ss->date = th_sign_today_bcd();
	ss->attributes = *attributes;
	ss->attributes.flags &= ~SGX_ATTR_INIT;
	/* As Intel's signer does by default: every flag but DEBUG must match (so one signature
	 * serves debug and production launches), and XFRM must match exactly. */
	ss->attribute_mask.flags = ~(uint64_t)SGX_ATTR_DEBUG;
	ss->attribute_mask.xfrm = ~(uint64_t)0;
	ss->miscselect = miscselect;
	ss->miscmask = ~(uint32_t)0;
}

int th_sign_throwaway(struct th_plan *plan, struct sgx_sigstruct *ss, struct th_err *err)
{
	EVP_PKEY *key = NULL;
	int rc;

	/* A throw-away key is only good for a debug enclave: make it one. */
	plan->attributes.flags |= SGX_ATTR_DEBUG;
	memset(ss, 0, sizeof(*ss));
	th_sign_defaults(ss, &plan->attributes, plan->miscselect);
	rc = th_plan_measure(plan, ss->enclave_hash, err);
	if (rc == 0)
		rc = th_key_generate(&key, err);
	if (rc == 0)
		rc = th_sigstruct_sign(ss, key, err);
	th_key_free(key);
	return rc;
}
