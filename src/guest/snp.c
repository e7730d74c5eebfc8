/* SPDX-License-Identifier: MIT */
/*
 * The simulated SEV-SNP guest: the firmware's MSG_REPORT_REQ and MSG_KEY_REQ, and the ioctl
 * layer of the kernel's sev-guest driver (drivers/virt/coco/sev-guest/sev-guest.c, 6.12) in
 * front of them, with its argument checks, errno values, exitinfo2 and the extended report's
 * certificate-length protocol.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "guest/guest.h"
#include "guest/uapi.h"

void snp_guest_config_default(struct snp_guest_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->product = SNP_GENOA;
	cfg->policy = SNP_POLICY_RESERVED1 | SNP_POLICY_SMT;    /* 0x30000, as QEMU's default */
	cfg->report_version = 3;
	/* a Genoa TCB of late 2024: bootloader 9, TEE 0, SNP 23, microcode 72 */
	cfg->tcb = (struct snp_tcb){ .bootloader = 9, .tee = 0, .snp = 23, .microcode = 72 };
}

static void hmac_label(const uint8_t secret[32], const char *label, const void *extra,
		       size_t extra_len, uint8_t *out, unsigned out_len)
{
	uint8_t buf[512], md[64];
	size_t n = strlen(label) + 1;
	unsigned mdlen = 0;

	memcpy(buf, label, n);
	if (extra_len)
		memcpy(buf + n, extra, extra_len);
	HMAC(EVP_sha512(), secret, 32, buf, n + extra_len, md, &mdlen);
	memcpy(out, md, out_len);
}

static void put_entry(uint8_t *table, int i, const uint8_t guid[16], uint32_t off, uint32_t len)
{
	struct snp_cert_entry e;

	memcpy(e.guid, guid, 16);
	e.offset = off;
	e.length = len;
	memcpy(table + i * sizeof(e), &e, sizeof(e));
}

/* VCEK, ASK, ARK in DER after a four-entry table (the last all zero), padded to pages. */
static int build_cert_table(struct snp_guest *g)
{
	X509 *certs[3] = { g->pki.vcek, g->pki.ask, g->pki.ark };
	const uint8_t *guids[3] = { snp_guid_vcek, snp_guid_ask, snp_guid_ark };
	uint8_t *der[3] = { NULL, NULL, NULL };
	size_t len[3], off = 4 * sizeof(struct snp_cert_entry), total;
	int rc = 0;

	for (int i = 0; i < 3 && !rc; i++)
		rc = snp_cert_der(certs[i], &der[i], &len[i]);
	if (!rc) {
		total = off + len[0] + len[1] + len[2];
		g->certs_len = (total + 4095) & ~(size_t)4095;
		g->certs = calloc(1, g->certs_len);
		if (!g->certs)
			rc = -ENOMEM;
	}
	for (int i = 0; i < 3 && !rc; i++) {
		put_entry(g->certs, i, guids[i], (uint32_t)off, (uint32_t)len[i]);
		memcpy(g->certs + off, der[i], len[i]);
		off += len[i];
	}
	for (int i = 0; i < 3; i++)
		OPENSSL_free(der[i]);
	return rc;
}

int snp_guest_init(struct snp_guest *g, const struct snp_guest_config *cfg, struct th_err *err)
{
	uint8_t secret[32];
	char dir[4096];
	int rc;

	memset(g, 0, sizeof(*g));
	g->cfg = *cfg;
	rc = guest_platform_secret(secret, err);
	if (rc)
		return rc;
	/* one chip per platform secret, as CHIP_ID is fused per part */
	hmac_label(secret, "teehost-snp-chip-id", NULL, 0, g->chip_id, 64);
	hmac_label(secret, "teehost-snp-vcek-root", NULL, 0, g->vcek_seed, 32);
	hmac_label(secret, "teehost-snp-vmrk-root", NULL, 0, g->vmrk_seed, 32);
	memset(secret, 0, sizeof(secret));
	if (RAND_bytes(g->report_id, sizeof(g->report_id)) != 1)
		return th_fail(err, -EIO, "report_id", "no randomness");
	rc = guest_state_dir(dir, sizeof(dir));
	if (rc)
		return th_fail(err, rc, "state directory", "cannot resolve (set TEEHOST_SIM_STATE_DIR)");
	rc = snp_pki_load(dir, cfg->product, g->chip_id, &cfg->tcb, &g->pki, err);
	if (!rc && build_cert_table(g))
		rc = th_fail(err, -ENOMEM, "certificate table", "out of memory");
	if (rc)
		snp_guest_free(g);
	return rc;
}

void snp_guest_free(struct snp_guest *g)
{
	snp_pki_free(&g->pki);
	free(g->certs);
	memset(g, 0, sizeof(*g));
}

int snp_guest_report(struct snp_guest *g, const uint8_t report_data[64], uint32_t vmpl,
		     struct snp_msg_report_rsp *rsp, struct th_err *err)
{
	struct snp_report *r = &rsp->report;
	const struct snp_guest_config *c = &g->cfg;

	memset(rsp, 0, sizeof(*rsp));
	/* the firmware refuses a VMPL more privileged than the requester's, or past 3 */
	if (vmpl > 3 || vmpl < c->vmpl) {
		rsp->status = SNP_FW_INVALID_PARAM;
		return 0;
	}
	rsp->report_size = SNP_REPORT_SIZE;
	r->version = c->report_version;
	r->guest_svn = c->guest_svn;
	r->policy = c->policy;
	memcpy(r->family_id, c->family_id, 16);
	memcpy(r->image_id, c->image_id, 16);
	r->vmpl = vmpl;
	r->current_tcb = r->reported_tcb = r->committed_tcb = r->launch_tcb = c->tcb;
	r->platform_info = 1;    /* SMT_EN */
	r->signer_info = 0;      /* VCEK, chip key not masked, no author key */
	memcpy(r->report_data, report_data, 64);
	memcpy(r->measurement, c->measurement, 48);
	memcpy(r->host_data, c->host_data, 32);
	memcpy(r->id_key_digest, c->id_key_digest, 48);
	memcpy(r->author_key_digest, c->author_key_digest, 48);
	memcpy(r->report_id, g->report_id, 32);
	memset(r->report_id_ma, 0xff, 32);    /* no migration agent */
	if (r->version >= 3)
		snp_product_cpuid(c->product, &r->cpuid_fam_id, &r->cpuid_mod_id, &r->cpuid_step);
	memcpy(r->chip_id, g->chip_id, 64);
	r->current_major = r->committed_major = 1;
	r->current_minor = r->committed_minor = 55;
	r->current_build = r->committed_build = 0;
	return snp_report_sign(r, g->pki.vcek_key, err);
}

/*
 * MSG_KEY_REQ: a key from the VCEK-root or VMRK seed mixed with the guest fields the request
 * selects (policy, image ID, family ID, measurement, guest SVN, TCB). Requests the firmware
 * refuses get its status: a VMPL below the caller's, an SVN or TCB above the current ones,
 * reserved bits set.
 */
void snp_guest_derived_key(struct snp_guest *g, const struct snp_msg_key_req *req,
			   struct snp_msg_key_rsp *rsp)
{
	const struct snp_guest_config *c = &g->cfg;
	struct {
		uint32_t root_key_select, vmpl;
		uint64_t field_select;
		uint64_t policy;
		uint8_t image_id[16], family_id[16], measurement[48];
		uint32_t guest_svn;
		uint64_t tcb;
	} __attribute__((packed)) mix;
	uint64_t cur;
	const uint8_t *t = (const uint8_t *)&req->tcb_version, *ct;
	int i;

	memset(rsp, 0, sizeof(*rsp));
	memcpy(&cur, &c->tcb, 8);
	ct = (const uint8_t *)&cur;
	for (i = 0; i < 8 && t[i] <= ct[i]; i++)
		;
	if (req->reserved || (req->root_key_select & ~7u) || req->guest_field_select >> 6 ||
	    req->vmpl > 3 || req->vmpl < c->vmpl || req->guest_svn > c->guest_svn || i < 8) {
		rsp->status = SNP_FW_INVALID_PARAM;
		return;
	}
	memset(&mix, 0, sizeof(mix));
	mix.root_key_select = req->root_key_select;
	mix.vmpl = req->vmpl;
	mix.field_select = req->guest_field_select;
	if (req->guest_field_select & 1)
		mix.policy = c->policy;
	if (req->guest_field_select & 2)
		memcpy(mix.image_id, c->image_id, 16);
	if (req->guest_field_select & 4)
		memcpy(mix.family_id, c->family_id, 16);
	if (req->guest_field_select & 8)
		memcpy(mix.measurement, c->measurement, 48);
	if (req->guest_field_select & 16)
		mix.guest_svn = req->guest_svn;
	if (req->guest_field_select & 32)
		mix.tcb = req->tcb_version;
	hmac_label(req->root_key_select & 1 ? g->vmrk_seed : g->vcek_seed, "teehost-snp-derived-key",
		   &mix, sizeof(mix), rsp->derived_key, 32);
}

static long do_report(struct snp_guest *g, struct snp_guest_request_ioctl *io,
		      const struct guest_mem *m)
{
	struct snp_report_req req;
	struct snp_msg_report_rsp rsp;
	uint8_t area[4000];

	if (!io->req_data || !io->resp_data)
		return -EINVAL;
	if (m->read(m->ctx, io->req_data, &req, sizeof(req)))
		return -EFAULT;
	if (snp_guest_report(g, req.user_data, req.vmpl, &rsp, NULL))
		return -EIO;
	io->exitinfo2 = 0;
	memset(area, 0, sizeof(area));
	memcpy(area, &rsp, sizeof(rsp));
	return m->write(m->ctx, io->resp_data, area, sizeof(area)) ? -EFAULT : 0;
}

static long do_derived_key(struct snp_guest *g, struct snp_guest_request_ioctl *io,
			   const struct guest_mem *m)
{
	struct snp_msg_key_req req;
	struct snp_msg_key_rsp rsp;
	long rc;

	if (!io->req_data || !io->resp_data)
		return -EINVAL;
	if (m->read(m->ctx, io->req_data, &req, sizeof(req)))
		return -EFAULT;
	snp_guest_derived_key(g, &req, &rsp);
	io->exitinfo2 = 0;
	rc = m->write(m->ctx, io->resp_data, &rsp, sizeof(rsp)) ? -EFAULT : 0;
	memset(&rsp, 0, sizeof(rsp));
	return rc;
}

/*
 * SNP_GET_EXT_REPORT: no buffer (length or address 0) asks for the length the host needs,
 * which the host answers as for any too-small buffer: -EIO, exitinfo2 = INVALID_LEN in the
 * VMM half, certs_len written back (the kernel retries as a plain request, so no report).
 */
static long do_ext_report(struct snp_guest *g, struct snp_guest_request_ioctl *io,
			  const struct guest_mem *m)
{
	struct snp_ext_report_req req;
	struct snp_msg_report_rsp rsp;
	uint8_t area[4000];

	if (!io->req_data || !io->resp_data)
		return -EINVAL;
	if (m->read(m->ctx, io->req_data, &req, sizeof(req)))
		return -EFAULT;
	if (req.certs_len && req.certs_address &&
	    (req.certs_len > SEV_FW_BLOB_MAX_SIZE || (req.certs_len & 4095)))
		return -EINVAL;
	if (!req.certs_len || !req.certs_address || req.certs_len < g->certs_len) {
		io->exitinfo2 = (uint64_t)SNP_GUEST_VMM_ERR_INVALID_LEN << 32;
		req.certs_len = (uint32_t)g->certs_len;
		if (m->write(m->ctx, io->req_data, &req, sizeof(req)))
			return -EFAULT;
		return -EIO;
	}
	if (snp_guest_report(g, req.data.user_data, req.data.vmpl, &rsp, NULL))
		return -EIO;
	io->exitinfo2 = 0;
	{
		uint8_t *blob = calloc(1, req.certs_len);
		int bad;

		if (!blob)
			return -ENOMEM;
		memcpy(blob, g->certs, g->certs_len);
		bad = m->write(m->ctx, req.certs_address, blob, req.certs_len);
		free(blob);
		if (bad)
			return -EFAULT;
	}
	memset(area, 0, sizeof(area));
	memcpy(area, &rsp, sizeof(rsp));
	return m->write(m->ctx, io->resp_data, area, sizeof(area)) ? -EFAULT : 0;
}

long snp_guest_ioctl(struct snp_guest *g, unsigned long cmd, uint64_t arg,
		     const struct guest_mem *m)
{
	struct snp_guest_request_ioctl io;
	long rc = -ENOTTY;

	if (m->read(m->ctx, arg, &io, sizeof(io)))
		return -EFAULT;
	io.exitinfo2 = 0xff;
	if (!io.msg_version)
		return -EINVAL;
	switch ((unsigned)cmd) {
	case SNP_GET_REPORT:
		rc = do_report(g, &io, m);
		break;
	case SNP_GET_DERIVED_KEY:
		rc = do_derived_key(g, &io, m);
		break;
	case SNP_GET_EXT_REPORT:
		rc = do_ext_report(g, &io, m);
		break;
	}
	/* as the driver: the request struct goes back only when exitinfo2 says something */
	if (io.exitinfo2 && m->write(m->ctx, arg, &io, sizeof(io)))
		return -EFAULT;
	return rc;
}
