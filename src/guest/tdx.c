/* SPDX-License-Identifier: MIT */
/*
 * The simulated TDX guest: TDG.MR.REPORT (a TDREPORT whose REPORTMACSTRUCT is MACed with a key
 * of the simulated CPU), the TD quoting enclave (checks that MAC as QE does with
 * EVERIFYREPORT2, then signs a quote v4 or v5 with the attestation key certified by the PCK
 * key), and
 * the ioctl layer of the kernel's tdx-guest driver (drivers/virt/coco/tdx-guest, 6.12):
 * TDX_CMD_GET_REPORT0 only; every other number is -ENOTTY. RTMRs start at --rtmr and are
 * extended through Linux 6.16's sysfs measurements files (tdx-mr.c): the ioctl has none.
 *
 * The TDX platform's identity (PCK key, FMSPC, attestation key) derives from the platform
 * secret, as the SNP chip's does; its PCK certificate is issued by the same test CA as the
 * simulated SGX machine's and kept apart from it (attest-ca/tdx/pck.pem).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/x509.h>

#include "guest/guest.h"
#include "guest/uapi.h"

/* CPUSVN of the simulated TDX platform: marked, as the SGX machine's "TEEHOST-SIM-CPU\x01" */
static const uint8_t tdx_sim_cpusvn[16] = "TEEHOST-SIM-TDX\x01";

static const uint8_t qe_auth_data[32] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
	16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
};

void tdx_guest_config_default(struct tdx_guest_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->xfam = 0xe7;              /* x87, SSE, AVX, AVX-512 state: QEMU's usual TD */
	cfg->quote_version = 4;
}

static void hmac_label(const uint8_t secret[32], const char *label, uint8_t out[32])
{
	uint8_t md[64];
	unsigned mdlen = 0;

	HMAC(EVP_sha512(), secret, 32, (const uint8_t *)label, strlen(label), md, &mdlen);
	memcpy(out, md, 32);
	OPENSSL_cleanse(md, sizeof(md));
}

/* the platform identity and the test CA, PCK certificate kept in attest-ca/tdx/ */
int tdx_platform_pck(struct th_attest_platform *p, struct th_attest_ca *ca, X509 **pck,
		     struct th_err *err)
{
	uint8_t secret[32], pce_seed[32], qe_seed[32];
	char state[4096];
	int rc;

	*pck = NULL;
	rc = guest_platform_secret(secret, err);
	if (rc)
		return rc;
	hmac_label(secret, "teehost-tdx-pce-seed", pce_seed);
	hmac_label(secret, "teehost-tdx-qe-seed", qe_seed);
	OPENSSL_cleanse(secret, sizeof(secret));
	rc = th_attest_platform_derive(pce_seed, qe_seed, tdx_sim_cpusvn, p, err);
	OPENSSL_cleanse(pce_seed, sizeof(pce_seed));
	OPENSSL_cleanse(qe_seed, sizeof(qe_seed));
	if (rc)
		return rc;
	rc = guest_state_dir(state, sizeof(state));
	if (rc) {
		th_attest_platform_free(p);
		return th_fail(err, rc, "state directory", "set TEEHOST_SIM_STATE_DIR or HOME");
	}
	rc = th_attest_ca_open(state, ca, err);
	if (rc) {
		th_attest_platform_free(p);
		return rc;
	}
	/* the SGX machine's PCK certificate stays in attest-ca/pck.pem; this platform's beside */
	if (strlen(ca->dir) + 5 >= sizeof(ca->dir)) {
		rc = th_fail(err, -ENAMETOOLONG, ca->dir, "path too long");
	} else {
		strcat(ca->dir, "/tdx");
		if (mkdir(ca->dir, 0700) && errno != EEXIST)
			rc = th_fail(err, -errno, ca->dir, "cannot create: %s", strerror(errno));
	}
	if (!rc)
		rc = th_attest_pck_cert(ca, p, pck, err);
	if (rc) {
		th_attest_ca_free(ca);
		th_attest_platform_free(p);
	}
	return rc;
}

int tdx_guest_init(struct tdx_guest *g, const struct tdx_guest_config *cfg, struct th_err *err)
{
	struct th_attest_ca ca;
	uint8_t secret[32];
	X509 *pck = NULL;
	int rc;

	memset(g, 0, sizeof(*g));
	g->cfg = *cfg;
	rc = guest_platform_secret(secret, err);
	if (rc)
		return rc;
	hmac_label(secret, "teehost-tdx-report-mac-key", g->mac_key);
	OPENSSL_cleanse(secret, sizeof(secret));
	rc = tdx_platform_pck(&g->platform, &ca, &pck, err);
	if (rc)
		return rc;
	if (th_attest_chain_pem(pck, ca.pck_ca, ca.root, &g->pck_chain, &g->pck_chain_len))
		rc = th_fail(err, -ENOMEM, "pck chain", "cannot encode");
	X509_free(pck);
	th_attest_ca_free(&ca);
	if (rc)
		tdx_guest_free(g);
	return rc;
}

void tdx_guest_free(struct tdx_guest *g)
{
	th_attest_platform_free(&g->platform);
	free(g->pck_chain);
	OPENSSL_cleanse(g, sizeof(*g));
}

static void report_mac(const struct tdx_guest *g, const struct tdx_report_mac *m, uint8_t out[32])
{
	unsigned len = 0;

	HMAC(EVP_sha256(), g->mac_key, 32, (const uint8_t *)m, offsetof(struct tdx_report_mac, mac),
	     out, &len);
}

void tdx_guest_report(struct tdx_guest *g, const uint8_t report_data[64], struct tdx_report *r)
{
	const struct tdx_guest_config *c = &g->cfg;
	struct tdx_tee_tcb_info *t = &r->tee_tcb_info;
	struct tdx_td_info *td = &r->td_info;

	memset(r, 0, sizeof(*r));
	t->valid[0] = 0xff;            /* TEE_TCB_SVN, MRSEAM, MRSIGNERSEAM, ATTRIBUTES valid */
	t->valid[1] = 0x03;
	memcpy(t->tee_tcb_svn, tdx_sim_module.tee_tcb_svn, 16);
	memcpy(t->mr_seam, tdx_sim_module.mr_seam, 48);
	memcpy(t->mr_signer_seam, tdx_sim_module.mr_signer_seam, 48);
	memcpy(t->attributes, tdx_sim_module.seam_attributes, 8);
	for (int i = 0; i < 8; i++) {
		td->attributes[i] = (uint8_t)(c->td_attributes >> (8 * i));
		td->xfam[i] = (uint8_t)(c->xfam >> (8 * i));
	}
	memcpy(td->mr_td, c->mr_td, 48);
	memcpy(td->mr_config_id, c->mr_config_id, 48);
	memcpy(td->mr_owner, c->mr_owner, 48);
	memcpy(td->mr_owner_config, c->mr_owner_config, 48);
	memcpy(td->rtmr, c->rtmr, sizeof(td->rtmr));
	r->mac.type = (struct tdx_report_type){ .type = TDX_REPORT_TYPE_TDX };
	if (c->module_minor == 5) {
		/* TDX 1.5: REPORTTYPE version 1 (TDINFO has SERVTD_HASH), TEE_TCB_SVN2 valid (VALID
		 * bit i covers the 8 bytes at 8 * i: bits 16 and 17). No TD-preserving update has
		 * happened, so the module now is the module the TD was built on: SVN2 = SVN. */
		r->mac.type.version = 1;
		t->valid[2] = 0x03;
		memcpy(t->tee_tcb_svn2, tdx_sim_module.tee_tcb_svn, 16);
		memcpy(td->servtd_hash, c->mr_servicetd, 48);
	}
	memcpy(r->mac.cpusvn, tdx_sim_cpusvn, 16);
	SHA384((const uint8_t *)t, sizeof(*t), r->mac.tee_tcb_info_hash);
	SHA384((const uint8_t *)td, sizeof(*td), r->mac.tee_info_hash);
	memcpy(r->mac.report_data, report_data, 64);
	report_mac(g, &r->mac, r->mac.mac);
	g->reports++;
}

/* As the TD QE: the TDREPORT must be this CPU's (MAC) and its hashes must cover its parts. */
static int report_valid(const struct tdx_guest *g, const struct tdx_report *r)
{
	uint8_t mac[32], h[48];

	report_mac(g, &r->mac, mac);
	if (CRYPTO_memcmp(mac, r->mac.mac, 32))
		return 0;
	SHA384((const uint8_t *)&r->tee_tcb_info, sizeof(r->tee_tcb_info), h);
	if (memcmp(h, r->mac.tee_tcb_info_hash, 48))
		return 0;
	SHA384((const uint8_t *)&r->td_info, sizeof(r->td_info), h);
	return !memcmp(h, r->mac.tee_info_hash, 48);
}

int tdx_guest_quote(struct tdx_guest *g, const uint8_t report_data[64], uint8_t **quote,
		    size_t *len, struct th_err *err)
{
	struct tdx_report r;
	struct tdx_quote_body15 body;
	struct sgx_report_body qe;
	struct th_quote_params p;
	uint8_t pub[64];
	size_t need;
	int rc;

	*quote = NULL;
	tdx_guest_report(g, report_data, &r);
	if (!report_valid(g, &r))
		return th_fail(err, -EINVAL, "tdreport", "MAC does not verify");
	tdx_quote_body15_from_report(&r, &body);
	memset(&qe, 0, sizeof(qe));
	memcpy(qe.cpusvn, tdx_sim_cpusvn, 16);
	memcpy(qe.mrenclave, tdx_sim_td_qe.mrenclave, 32);
	memcpy(qe.mrsigner, tdx_sim_td_qe.mrsigner, 32);
	qe.isv_prod_id = tdx_sim_td_qe.isv_prod_id;
	qe.isv_svn = tdx_sim_td_qe.isv_svn;
	qe.miscselect = tdx_sim_td_qe.miscselect;
	qe.attributes.flags = tdx_sim_td_qe.attributes;
	qe.attributes.xfrm = tdx_sim_td_qe.xfrm;
	if (th_ec_pub_raw(g->platform.attest_key, pub))
		return th_fail(err, -EIO, "attestation key", "cannot encode");
	th_quote_qe_report_data(pub, qe_auth_data, sizeof(qe_auth_data), qe.report_data);
	memset(&p, 0, sizeof(p));
	p.version = g->cfg.quote_version == 5 ? TH_QUOTE_VERSION_5 : TH_QUOTE_VERSION_4;
	p.tee_type = TH_QUOTE_TEE_TDX;
	p.body = &body;
	/* v4, and v5 of a 1.0 module: TD report 1.0; v5 of a 1.5 module: TD report 1.5 */
	p.body_len = p.version == TH_QUOTE_VERSION_5 && r.mac.type.version == 1
		     ? sizeof(body) : sizeof(body.v10);
	p.qe_svn = tdx_sim_td_qe.isv_svn;
	p.pce_svn = g->platform.pcesvn;
	memcpy(p.user_data, g->platform.qe_id, 16);
	p.qe_report = &qe;
	p.qe_auth = qe_auth_data;
	p.qe_auth_len = sizeof(qe_auth_data);
	p.pck_chain_pem = g->pck_chain;
	p.pck_chain_len = g->pck_chain_len;
	p.attest_key = g->platform.attest_key;
	p.pck_key = g->platform.pck_key;
	need = th_quote_size(&p);
	*quote = malloc(need);
	if (!*quote)
		return th_fail(err, -ENOMEM, "quote", "out of memory");
	rc = th_quote_build(&p, *quote, need, len, err);
	if (rc) {
		free(*quote);
		*quote = NULL;
		return rc;
	}
	g->quotes++;
	return 0;
}

/* TDX_CMD_GET_REPORT0: copy_from_user of REPORTDATA, TDCALL, copy_to_user of TDREPORT */
long tdx_guest_ioctl(struct tdx_guest *g, unsigned long cmd, uint64_t arg,
		     const struct guest_mem *m)
{
	uint8_t rd[64];
	struct tdx_report r;

	if ((unsigned)cmd != TDX_CMD_GET_REPORT0)
		return -ENOTTY;
	if (m->read(m->ctx, arg + offsetof(struct tdx_report_req, reportdata), rd, sizeof(rd)))
		return -EFAULT;
	tdx_guest_report(g, rd, &r);
	if (m->write(m->ctx, arg + offsetof(struct tdx_report_req, tdreport), &r, sizeof(r)))
		return -EFAULT;
	return 0;
}
