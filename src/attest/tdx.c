/* SPDX-License-Identifier: MIT */
/*
 * TDX on top of the DCAP machinery (attest.h): the simulated TDX module and TD quoting enclave,
 * the TD quote body from a TDREPORT, TCB info "TDX" v3 (tdxModule, tdxModuleIdentities,
 * tdxtcbcomponents per level, as Intel's PCS serves /tdx/certification/v4/tcb), and the checks a
 * TDX verifier adds to the SGX ones (QVL's and go-tdx-guest's order: module identity, then TEE
 * TCB SVN against the level matched by the PCK certificate).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <openssl/sha.h>

#include "attest/tdx.h"

/*
 * TEE_TCB_SVN: [0] the module's SVN, [1] its major version (1.x: 1, so verifiers look the
 * module up as "TDX_01" in tdxModuleIdentities), [2] the SEAM loader's SVN. MRSEAM is
 * SHA-384("teehost simulated TDX module"); MRSIGNERSEAM is zero, as for Intel's module.
 */
const struct tdx_sim_module tdx_sim_module = {
	.tee_tcb_svn = { 3, 1, 2 },
	.mr_seam = { 0x6a, 0x0c, 0x5e, 0x1b, 0xd2, 0x47, 0x93, 0x08, 0xf1, 0x2e, 0x84, 0x5d,
		     0xb9, 0x70, 0x3a, 0xc6, 0x15, 0xe8, 0x9f, 0x42, 0x07, 0xad, 0x61, 0x3c,
		     0xd8, 0x24, 0x7b, 0x90, 0x5e, 0x13, 0xca, 0x86, 0x2f, 0x4d, 0xb1, 0x09,
		     0x77, 0xe3, 0x50, 0x9c, 0x1a, 0x64, 0xf5, 0x38, 0x8b, 0x02, 0xde, 0x41 },
};

const struct th_attest_enclave_id tdx_sim_td_qe = {
	.mrenclave = { 0xb4, 0x1e, 0x73, 0x05, 0xc9, 0x8a, 0x26, 0xf0, 0x5d, 0x31, 0xe7, 0x94,
		       0x0b, 0x6f, 0xa2, 0x58, 0x13, 0xcd, 0x89, 0x47, 0xfe, 0x20, 0x6a, 0xb3,
		       0x51, 0x9e, 0x04, 0xd8, 0x3b, 0x72, 0xc5, 0x1f },
	.mrsigner = TH_SIM_MRSIGNER,
	.isv_prod_id = 2,
	.isv_svn = 4,
	.miscselect = 0,
	.attributes = SGX_ATTR_INIT | SGX_ATTR_MODE64BIT,
	.xfrm = 0x3,
};

void tdx_quote_body_from_report(const struct tdx_report *r, struct tdx_quote_body *b)
{
	const struct tdx_td_info *td = &r->td_info;

	memset(b, 0, sizeof(*b));
	memcpy(b->tee_tcb_svn, r->tee_tcb_info.tee_tcb_svn, 16);
	memcpy(b->mr_seam, r->tee_tcb_info.mr_seam, 48);
	memcpy(b->mr_signer_seam, r->tee_tcb_info.mr_signer_seam, 48);
	memcpy(b->seam_attributes, r->tee_tcb_info.attributes, 8);
	memcpy(b->td_attributes, td->attributes, 8);
	memcpy(b->xfam, td->xfam, 8);
	memcpy(b->mr_td, td->mr_td, 48);
	memcpy(b->mr_config_id, td->mr_config_id, 48);
	memcpy(b->mr_owner, td->mr_owner, 48);
	memcpy(b->mr_owner_config, td->mr_owner_config, 48);
	memcpy(b->rtmr, td->rtmr, sizeof(b->rtmr));
	memcpy(b->report_data, r->mac.report_data, 64);
}

void tdx_quote_body15_from_report(const struct tdx_report *r, struct tdx_quote_body15 *b)
{
	tdx_quote_body_from_report(r, &b->v10);
	memcpy(b->tee_tcb_svn2, r->tee_tcb_info.tee_tcb_svn2, 16);
	memcpy(b->mr_servicetd, r->td_info.servtd_hash, 48);
}

/* ---- parsing and showing ---- */

#define F(s, name, field) { name, offsetof(s, field), sizeof(((s *)0)->field) }
const struct tdx_field tdx_report_fields[] = {
	F(struct tdx_report, "report_type", mac.type),
	F(struct tdx_report, "cpusvn", mac.cpusvn),
	F(struct tdx_report, "tee_tcb_info_hash", mac.tee_tcb_info_hash),
	F(struct tdx_report, "tee_info_hash", mac.tee_info_hash),
	F(struct tdx_report, "report_data", mac.report_data),
	F(struct tdx_report, "mac", mac.mac),
	F(struct tdx_report, "tee_tcb_info.valid", tee_tcb_info.valid),
	F(struct tdx_report, "tee_tcb_info.tee_tcb_svn", tee_tcb_info.tee_tcb_svn),
	F(struct tdx_report, "tee_tcb_info.mr_seam", tee_tcb_info.mr_seam),
	F(struct tdx_report, "tee_tcb_info.mr_signer_seam", tee_tcb_info.mr_signer_seam),
	F(struct tdx_report, "tee_tcb_info.attributes", tee_tcb_info.attributes),
	F(struct tdx_report, "tee_tcb_info.tee_tcb_svn2", tee_tcb_info.tee_tcb_svn2),
	F(struct tdx_report, "td_info.attributes", td_info.attributes),
	F(struct tdx_report, "td_info.xfam", td_info.xfam),
	F(struct tdx_report, "td_info.mr_td", td_info.mr_td),
	F(struct tdx_report, "td_info.mr_config_id", td_info.mr_config_id),
	F(struct tdx_report, "td_info.mr_owner", td_info.mr_owner),
	F(struct tdx_report, "td_info.mr_owner_config", td_info.mr_owner_config),
	F(struct tdx_report, "td_info.rtmr0", td_info.rtmr[0]),
	F(struct tdx_report, "td_info.rtmr1", td_info.rtmr[1]),
	F(struct tdx_report, "td_info.rtmr2", td_info.rtmr[2]),
	F(struct tdx_report, "td_info.rtmr3", td_info.rtmr[3]),
	F(struct tdx_report, "td_info.servtd_hash", td_info.servtd_hash),
};
const size_t tdx_report_nfields = sizeof(tdx_report_fields) / sizeof(tdx_report_fields[0]);

#define B(name, field) F(struct tdx_quote_body15, name, field)
const struct tdx_field tdx_quote_body_fields[] = {
	B("tee_tcb_svn", v10.tee_tcb_svn),
	B("mr_seam", v10.mr_seam),
	B("mr_signer_seam", v10.mr_signer_seam),
	B("seam_attributes", v10.seam_attributes),
	B("td_attributes", v10.td_attributes),
	B("xfam", v10.xfam),
	B("mr_td", v10.mr_td),
	B("mr_config_id", v10.mr_config_id),
	B("mr_owner", v10.mr_owner),
	B("mr_owner_config", v10.mr_owner_config),
	B("rtmr0", v10.rtmr[0]),
	B("rtmr1", v10.rtmr[1]),
	B("rtmr2", v10.rtmr[2]),
	B("rtmr3", v10.rtmr[3]),
	B("report_data", v10.report_data),
	B("tee_tcb_svn2", tee_tcb_svn2),
	B("mr_servicetd", mr_servicetd),
};
#undef B
const size_t tdx_quote_body_nfields = 15;
const size_t tdx_quote_body15_nfields = sizeof(tdx_quote_body_fields) / sizeof(tdx_quote_body_fields[0]);
_Static_assert(sizeof(tdx_quote_body_fields) / sizeof(tdx_quote_body_fields[0]) == 17,
	       "TD report 1.0's 15 fields, then 1.5's two");
#undef F

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int tdx_report_parse(const uint8_t *data, size_t len, const struct tdx_report **out,
		     struct th_err *err)
{
	const struct tdx_report *r = (const struct tdx_report *)data;
	uint8_t h[48];

	if (len != sizeof(*r))
		return th_fail(err, -EINVAL, "tdreport", "%zu bytes, a TDREPORT has 1024", len);
	if (r->mac.type.type != TDX_REPORT_TYPE_TDX || r->mac.type.subtype)
		return th_fail(err, -EINVAL, "report_type", "%#x/%u is not TDX (0x81/0)",
			       r->mac.type.type, r->mac.type.subtype);
	if (r->mac.type.version > 1)
		return th_fail(err, -ENOTSUP, "report_type.version", "%u is not 0 or 1",
			       r->mac.type.version);
	if (r->mac.type.reserved || !all_zero(r->mac.reserved1, sizeof(r->mac.reserved1)) ||
	    !all_zero(r->mac.reserved2, sizeof(r->mac.reserved2)) ||
	    !all_zero(r->reserved, sizeof(r->reserved)))
		return th_fail(err, -EINVAL, "reserved", "reserved bytes are not zero");
	if (r->mac.type.version == 0 &&
	    !all_zero(r->td_info.servtd_hash, sizeof(r->td_info.servtd_hash)))
		return th_fail(err, -EINVAL, "td_info.servtd_hash", "set in a version 0 report");
	SHA384((const uint8_t *)&r->tee_tcb_info, sizeof(r->tee_tcb_info), h);
	if (memcmp(h, r->mac.tee_tcb_info_hash, 48))
		return th_fail(err, -EINVAL, "tee_tcb_info_hash", "is not SHA-384(TEE_TCB_INFO)");
	SHA384((const uint8_t *)&r->td_info, sizeof(r->td_info), h);
	if (memcmp(h, r->mac.tee_info_hash, 48))
		return th_fail(err, -EINVAL, "tee_info_hash", "is not SHA-384(TDINFO)");
	*out = r;
	return 0;
}

/* ---- verification ---- */

static int hexeq(json_t *o, const char *key, const uint8_t *want, size_t n, bool *eq)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (!s || strlen(s) != 2 * n)
		return -EINVAL;
	*eq = true;
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return -EINVAL;
		if (v != want[i])
			*eq = false;
	}
	return 0;
}

static int masked_eq(json_t *mod, const uint8_t attr[8], bool *eq)
{
	const char *a = json_string_value(json_object_get(mod, "attributes"));
	const char *m = json_string_value(json_object_get(mod, "attributesMask"));

	if (!a || !m || strlen(a) != 16 || strlen(m) != 16)
		return -EINVAL;
	*eq = true;
	for (int i = 0; i < 8; i++) {
		unsigned av, mv;

		if (sscanf(a + 2 * i, "%2x", &av) != 1 || sscanf(m + 2 * i, "%2x", &mv) != 1)
			return -EINVAL;
		if ((attr[i] & mv) != av)
			*eq = false;
	}
	return 0;
}

static int svns(json_t *arr, uint8_t out[16])
{
	if (json_array_size(arr) != 16)
		return -EINVAL;
	for (int i = 0; i < 16; i++) {
		json_t *v = json_object_get(json_array_get(arr, (size_t)i), "svn");

		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 255)
			return -EINVAL;
		out[i] = (uint8_t)json_integer_value(v);
	}
	return 0;
}

int tdx_verify_module(const struct th_quote *q, const char *tcb_info_json, size_t len,
		      const struct th_pck_ext *pck, struct th_verify_result *r, struct th_err *err)
{
	struct tdx_quote_body b;
	json_t *root, *info, *mod, *levels;
	const char *status = NULL;
	bool signer_eq, attr_eq;
	int rc = -EINVAL;

	/* TD report 1.0, or 1.5 (which starts with it): QVL reads TEE_TCB_SVN, MRSIGNERSEAM and
	 * SEAM attributes at the same offsets in both; TEE_TCB_SVN2 only for a TD relaunch */
	if (q->header.tee_type != TH_QUOTE_TEE_TDX || q->body_len < sizeof(b))
		return 0;
	memcpy(&b, q->body, sizeof(b));
	root = json_loadb(tcb_info_json, len, 0, NULL);
	info = json_object_get(root, "tcbInfo");
	mod = json_object_get(info, "tdxModule");
	levels = json_object_get(info, "tcbLevels");
	if (!mod || !json_is_array(levels)) {
		th_fail(err, -EINVAL, TH_COLL_TCB_INFO, "tdxModule or tcbLevels missing (not TDX v3)");
		goto out;
	}
	if (hexeq(mod, "mrsigner", b.mr_signer_seam, 48, &signer_eq) ||
	    masked_eq(mod, b.seam_attributes, &attr_eq)) {
		th_fail(err, -EINVAL, TH_COLL_TCB_INFO, "tdxModule: mrsigner or attributes malformed");
		goto out;
	}
	rc = 0;
	if (!signer_eq) {
		th_reject(r, "tdx_module", "MRSIGNERSEAM differs from the TCB info's tdxModule");
		goto out;
	}
	if (!attr_eq) {
		th_reject(r, "tdx_module", "SEAM attributes differ from the TCB info's tdxModule");
		goto out;
	}
	/* the first level whose SGX components, PCESVN and TDX components are all reached */
	for (size_t i = 0; i < json_array_size(levels) && !status; i++) {
		json_t *l = json_array_get(levels, i), *t = json_object_get(l, "tcb");
		uint8_t sgx[16], tdx[16];
		json_t *pv = json_object_get(t, "pcesvn");
		bool ge = json_is_integer(pv) && pck->pcesvn >= json_integer_value(pv);

		if (svns(json_object_get(t, "sgxtcbcomponents"), sgx) ||
		    svns(json_object_get(t, "tdxtcbcomponents"), tdx)) {
			rc = th_fail(err, -EINVAL, TH_COLL_TCB_INFO, "tcbLevels[%zu]: no 16 "
				     "sgxtcbcomponents and tdxtcbcomponents", i);
			goto out;
		}
		for (int j = 0; ge && j < 16; j++)
			ge = pck->tcb_comp[j] >= sgx[j];
		/* when TEE_TCB_SVN[1] names a module version, [0] and [1] go to its identity */
		for (int j = b.tee_tcb_svn[1] ? 2 : 0; ge && j < 16; j++)
			ge = b.tee_tcb_svn[j] >= tdx[j];
		if (ge)
			status = json_string_value(json_object_get(l, "tcbStatus"));
	}
	if (!status) {
		snprintf(r->tcb_status, sizeof(r->tcb_status), "TcbLevelNotFound");
		th_reject(r, "tcb_level", "no TDX TCB level matches the PCK certificate and TEE_TCB_SVN");
		goto out;
	}
	if (b.tee_tcb_svn[1]) {
		json_t *ids = json_object_get(info, "tdxModuleIdentities"), *found = NULL;
		char want[16];

		snprintf(want, sizeof(want), "TDX_%02X", b.tee_tcb_svn[1]);
		for (size_t i = 0; i < json_array_size(ids) && !found; i++) {
			const char *id = json_string_value(json_object_get(json_array_get(ids, i), "id"));

			if (id && !strcasecmp(id, want))
				found = json_array_get(ids, i);
		}
		if (!found) {
			th_reject(r, "tdx_module", "no tdxModuleIdentities entry %s", want);
			goto out;
		}
		status = NULL;
		levels = json_object_get(found, "tcbLevels");
		for (size_t i = 0; i < json_array_size(levels) && !status; i++) {
			json_t *l = json_array_get(levels, i);
			json_t *v = json_object_get(json_object_get(l, "tcb"), "isvsvn");

			if (json_is_integer(v) && b.tee_tcb_svn[0] >= json_integer_value(v))
				status = json_string_value(json_object_get(l, "tcbStatus"));
		}
		if (!status) {
			th_reject(r, "tdx_module", "the module's SVN %u is below every level of %s",
			          b.tee_tcb_svn[0], want);
			goto out;
		}
	}
	snprintf(r->tcb_status, sizeof(r->tcb_status), "%s", status);
	if (strcmp(status, "UpToDate"))
		th_reject(r, "tcb_status", "the TD's TCB is %s", status);
out:
	json_decref(root);
	return rc;
}
