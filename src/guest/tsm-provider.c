/* SPDX-License-Identifier: MIT */
/*
 * The providers behind configfs-tsm's outblob: sev_guest (drivers/virt/coco/sev-guest,
 * sev_report_new: the report at privlevel as VMPL, the certificate table as auxblob, cut at the
 * end of the last entry) and tdx_guest (tdx_report_new: TDREPORT0, then the quote from the
 * quoting enclave). Both insist on a 64-byte inblob (-EINVAL), as the kernel does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest/guest.h"
#include "guest/tsm.h"

static int snp_report_new(void *ctx, const uint8_t *inblob, size_t inblob_len, unsigned privlevel,
			  uint8_t **out, size_t *out_len, uint8_t **aux, size_t *aux_len)
{
	struct snp_guest *g = ctx;
	struct snp_msg_report_rsp rsp;
	size_t certs = 0;

	if (inblob_len != 64)
		return -EINVAL;
	if (snp_guest_report(g, inblob, privlevel, &rsp, NULL))
		return -EIO;
	if (rsp.status == SNP_FW_INVALID_PARAM)
		return -EINVAL;
	if (rsp.status)
		return -ENXIO;
	for (size_t i = 0; (i + 1) * sizeof(struct snp_cert_entry) <= g->certs_len; i++) {
		struct snp_cert_entry e;
		static const uint8_t zero[16];

		memcpy(&e, g->certs + i * sizeof(e), sizeof(e));
		if (!memcmp(e.guid, zero, 16) && !e.offset && !e.length)
			break;
		if (e.offset + (size_t)e.length > certs)
			certs = e.offset + (size_t)e.length;
	}
	*out = malloc(rsp.report_size);
	*aux = certs ? malloc(certs) : NULL;
	if (!*out || (certs && !*aux)) {
		free(*out);
		free(*aux);
		*out = *aux = NULL;
		return -ENOMEM;
	}
	memcpy(*out, &rsp.report, rsp.report_size);
	*out_len = rsp.report_size;
	if (certs)
		memcpy(*aux, g->certs, certs);
	*aux_len = certs;
	return 0;
}

void guest_tsm_snp(struct snp_guest *g, struct guest_tsm_provider *p)
{
	memset(p, 0, sizeof(*p));
	p->name = "sev_guest";
	p->privlevel_floor = g->cfg.vmpl;     /* the kernel's vmpck_id: the guest's VMPL */
	p->privlevel = p->auxblob = true;
	p->report_new = snp_report_new;
	p->ctx = g;
}

static int tdx_report_new(void *ctx, const uint8_t *inblob, size_t inblob_len, unsigned privlevel,
			  uint8_t **out, size_t *out_len, uint8_t **aux, size_t *aux_len)
{
	struct th_err err = { "" };

	(void)privlevel;
	*aux = NULL;
	*aux_len = 0;
	if (inblob_len != 64)
		return -EINVAL;
	if (tdx_guest_quote(ctx, inblob, out, out_len, &err))
		return -EIO;
	/* the kernel's GET_QUOTE buffer is 8 KiB with a 24-byte header */
	if (*out_len > 8192 - 24) {
		free(*out);
		*out = NULL;
		return -EFBIG;
	}
	return 0;
}

void guest_tsm_tdx(struct tdx_guest *g, struct guest_tsm_provider *p)
{
	memset(p, 0, sizeof(*p));
	p->name = "tdx_guest";
	p->report_new = tdx_report_new;
	p->ctx = g;
}
