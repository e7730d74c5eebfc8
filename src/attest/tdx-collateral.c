/* SPDX-License-Identifier: MIT */
/*
 * TCB info "TDX" v3, as Intel's PCS serves /tdx/certification/v4/tcb: the SGX levels of the
 * PCK's platform with tdxtcbcomponents (TEE_TCB_SVN) added, tdxModule (MRSIGNERSEAM, SEAM
 * attributes) and tdxModuleIdentities ("TDX_01"), signed by the TCB signing key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "attest/tdx.h"
#include "util/json.h"

/* ---- TCB info "TDX" v3 ---- */

static void iso_date(time_t t, char out[32])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void hex_upper(struct json_writer *w, const uint8_t *b, size_t n)
{
	char s[2 * 48 + 1];

	for (size_t i = 0; i < n && i < 48; i++)
		snprintf(s + 2 * i, 3, "%02X", b[i]);
	json_str(w, s);
}

static void components(struct json_writer *w, const char *key, const uint8_t svn[16])
{
	json_key(w, key);
	json_begin_array(w);
	for (int i = 0; i < 16; i++) {
		json_begin_object(w);
		json_key(w, "svn");
		json_uint(w, svn[i]);
		json_end_object(w);
	}
	json_end_array(w);
}

static void status_tail(struct json_writer *w, time_t date, const char *status)
{
	char d[32];

	iso_date(date, d);
	json_key(w, "tcbDate");
	json_str(w, d);
	json_key(w, "tcbStatus");
	json_str(w, status);
	if (strcmp(status, "UpToDate")) {
		json_key(w, "advisoryIDs");
		json_begin_array(w);
		json_str(w, "TEEHOST-SIM-SA-00001");
		json_end_array(w);
	}
}

static void level(struct json_writer *w, const struct th_pck_ext *pck, unsigned pcesvn,
		  time_t date, const char *status)
{
	json_begin_object(w);
	json_key(w, "tcb");
	json_begin_object(w);
	components(w, "sgxtcbcomponents", pck->tcb_comp);
	json_key(w, "pcesvn");
	json_uint(w, pcesvn);
	components(w, "tdxtcbcomponents", tdx_sim_module.tee_tcb_svn);
	json_end_object(w);
	status_tail(w, date, status);
	json_end_object(w);
}

static void module_fields(struct json_writer *w)
{
	static const uint8_t mask[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	json_key(w, "mrsigner");
	hex_upper(w, tdx_sim_module.mr_signer_seam, 48);
	json_key(w, "attributes");
	hex_upper(w, tdx_sim_module.seam_attributes, 8);
	json_key(w, "attributesMask");
	hex_upper(w, mask, 8);
}

int tdx_tcb_info_json(const struct th_attest_ca *ca, const struct th_pck_ext *pck,
		      const struct th_collateral_opts *o, char **out, struct th_err *err)
{
	struct json_writer w;
	char *body = NULL, d[32], *doc;
	size_t blen = 0, n;
	FILE *f = open_memstream(&body, &blen);
	uint8_t sig[64];
	char id[16];

	if (!f)
		return th_fail(err, -ENOMEM, "tcbInfo", "out of memory");
	json_init(&w, f, false);
	json_begin_object(&w);
	json_key(&w, "id");
	json_str(&w, "TDX");
	json_key(&w, "version");
	json_uint(&w, 3);
	iso_date(o->now, d);
	json_key(&w, "issueDate");
	json_str(&w, d);
	iso_date(o->now + 30 * 86400, d);
	json_key(&w, "nextUpdate");
	json_str(&w, d);
	json_key(&w, "fmspc");
	json_hex(&w, pck->fmspc, 6);
	json_key(&w, "pceId");
	json_hex(&w, pck->pceid, 2);
	json_key(&w, "tcbType");
	json_uint(&w, 0);
	json_key(&w, "tcbEvaluationDataNumber");
	json_uint(&w, o->tcb_eval_num ? o->tcb_eval_num : 17);
	json_key(&w, "tdxModule");
	json_begin_object(&w);
	module_fields(&w);
	json_end_object(&w);
	json_key(&w, "tdxModuleIdentities");
	json_begin_array(&w);
	json_begin_object(&w);
	snprintf(id, sizeof(id), "TDX_%02X", tdx_sim_module.tee_tcb_svn[1]);
	json_key(&w, "id");
	json_str(&w, id);
	module_fields(&w);
	json_key(&w, "tcbLevels");
	json_begin_array(&w);
	json_begin_object(&w);
	json_key(&w, "tcb");
	json_begin_object(&w);
	json_key(&w, "isvsvn");
	json_uint(&w, tdx_sim_module.tee_tcb_svn[0]);
	json_end_object(&w);
	status_tail(&w, o->now - 86400, "UpToDate");
	json_end_object(&w);
	json_end_array(&w);
	json_end_object(&w);
	json_end_array(&w);
	json_key(&w, "tcbLevels");
	json_begin_array(&w);
	if (o->tcb == TH_TCB_UP_TO_DATE) {
		level(&w, pck, pck->pcesvn, o->now - 86400, "UpToDate");
	} else {
		level(&w, pck, pck->pcesvn + 1u, o->now - 86400, "UpToDate");
		level(&w, pck, pck->pcesvn, o->now - 400 * 86400,
		      o->tcb == TH_TCB_OUT_OF_DATE ? "OutOfDate" : "Revoked");
	}
	json_end_array(&w);
	json_end_object(&w);
	fclose(f);
	if (!body)
		return th_fail(err, -ENOMEM, "tcbInfo", "out of memory");
	if (th_ecdsa_sign_raw(ca->tcb_key, body, blen, sig)) {
		free(body);
		return th_fail(err, -EIO, "tcbInfo", "cannot sign");
	}
	n = blen + 200;
	doc = malloc(n);
	if (doc) {
		int k = snprintf(doc, n, "{\"tcbInfo\":%s,\"signature\":\"", body);

		for (int i = 0; i < 64; i++)
			k += snprintf(doc + k, n - (size_t)k, "%02x", sig[i]);
		snprintf(doc + k, n - (size_t)k, "\"}");
	}
	free(body);
	*out = doc;
	return doc ? 0 : th_fail(err, -ENOMEM, "tcbInfo", "out of memory");
}

