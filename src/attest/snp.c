/* SPDX-License-Identifier: MIT */
/* SEV-SNP report and certificate-table parsing and printing (formats only, no I/O). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "attest/snp.h"
#include "util/json.h"

/* GHCB spec 56421, "SNP Extended Guest Request": the text GUIDs, stored in text byte order */
const uint8_t snp_guid_vcek[16] = { 0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64,
				    0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
const uint8_t snp_guid_ask[16] = { 0x4a, 0xb7, 0xb3, 0x79, 0xbb, 0xac, 0x4f, 0xe4,
				   0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27, 0xc7, 0x82 };
const uint8_t snp_guid_ark[16] = { 0xc0, 0xb4, 0x06, 0xa4, 0xa8, 0x03, 0x49, 0x52,
				   0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae };

static const struct {
	const char *line, *name;
	uint8_t fam, mod, step;
} products[SNP_PRODUCT_COUNT] = {
	[SNP_MILAN] = { "Milan", "Milan-B1", 0x19, 0x01, 1 },
	[SNP_GENOA] = { "Genoa", "Genoa-B1", 0x19, 0x11, 1 },
};

const char *snp_product_line(enum snp_product p) { return products[p].line; }
const char *snp_product_name(enum snp_product p) { return products[p].name; }

void snp_product_cpuid(enum snp_product p, uint8_t *fam, uint8_t *mod, uint8_t *step)
{
	*fam = products[p].fam;
	*mod = products[p].mod;
	*step = products[p].step;
}

int snp_product_from_report(const struct snp_report *r)
{
	if (r->version < 3)
		return -1;
	for (int p = 0; p < SNP_PRODUCT_COUNT; p++)
		if (products[p].fam == r->cpuid_fam_id && products[p].mod == r->cpuid_mod_id)
			return p;
	return -1;
}

static int nonzero_at(const uint8_t *data, size_t lo, size_t hi)
{
	for (size_t i = lo; i < hi; i++)
		if (data[i])
			return (int)i;
	return -1;
}

int snp_report_parse(const uint8_t *data, size_t len, const struct snp_report **out,
		     struct th_err *err)
{
	const struct snp_report *r = (const void *)data;
	/* must-be-zero ranges of version 5; versions 2 and 3 add the ones they do not define */
	static const struct { size_t lo, hi; const char *name; } mbz[] = {
		{ 0x04c, 0x050, "reserved1" }, { 0x18b, 0x1a0, "reserved2" },
		{ 0x1eb, 0x1ec, "reserved3" }, { 0x1ef, 0x1f0, "reserved4" },
		{ 0x208, 0x2a0, "reserved5" }, { 0x330, 0x4a0, "signature" },
	};
	int at;

	if (len != SNP_REPORT_SIZE)
		return th_fail(err, -EINVAL, "report", "%zu bytes, an SNP report is %d", len,
			       SNP_REPORT_SIZE);
	if (r->version < 2 || r->version > 5)
		return th_fail(err, -EINVAL, "version", "%u: versions 2 to 5 are known", r->version);
	if (r->signature_algo != SNP_SIG_ALGO_ECDSA_P384_SHA384)
		return th_fail(err, -EINVAL, "signature_algo", "%u: only 1 (ECDSA P-384 with "
			       "SHA-384) is defined", r->signature_algo);
	if (!(r->policy & SNP_POLICY_RESERVED1))
		return th_fail(err, -EINVAL, "policy", "0x%llx: bit 17 must be 1",
			       (unsigned long long)r->policy);
	if (r->policy >> 26)
		return th_fail(err, -EINVAL, "policy", "0x%llx: reserved bits 63:26 set",
			       (unsigned long long)r->policy);
	if (r->vmpl > 3)
		return th_fail(err, -EINVAL, "vmpl", "%u: VMPLs are 0 to 3", r->vmpl);
	if (r->signer_info >> 5)
		return th_fail(err, -EINVAL, "signer_info", "0x%x: reserved bits 31:5 set",
			       r->signer_info);
	for (size_t i = 0; i < sizeof(mbz) / sizeof(mbz[0]); i++) {
		size_t lo = mbz[i].lo;

		if (lo == 0x18b && r->version < 3)
			lo = 0x188;
		if (lo == 0x208 && r->version < 5)
			lo = 0x1f8;
		at = nonzero_at(data, lo, mbz[i].hi);
		if (at >= 0)
			return th_fail(err, -EINVAL, mbz[i].name, "byte 0x%x must be zero", at);
	}
	*out = r;
	return 0;
}

static void tcb_json(struct json_writer *w, const char *key, const struct snp_tcb *t)
{
	uint64_t raw;

	memcpy(&raw, t, 8);
	json_key(w, key);
	json_begin_object(w);
	json_key(w, "raw");
	json_uint(w, raw);
	json_key(w, "bootloader");
	json_uint(w, t->bootloader);
	json_key(w, "tee");
	json_uint(w, t->tee);
	json_key(w, "snp");
	json_uint(w, t->snp);
	json_key(w, "microcode");
	json_uint(w, t->microcode);
	json_end_object(w);
}

static void policy_json(struct json_writer *w, uint64_t p)
{
	json_key(w, "policy");
	json_begin_object(w);
	json_key(w, "raw");
	json_uint(w, p);
	json_key(w, "abi_minor");
	json_uint(w, p & 0xff);
	json_key(w, "abi_major");
	json_uint(w, (p >> 8) & 0xff);
	json_key(w, "smt");
	json_bool(w, p & SNP_POLICY_SMT);
	json_key(w, "migrate_ma");
	json_bool(w, p & SNP_POLICY_MIGRATE_MA);
	json_key(w, "debug");
	json_bool(w, p & SNP_POLICY_DEBUG);
	json_key(w, "single_socket");
	json_bool(w, p & SNP_POLICY_SINGLE_SOCKET);
	json_end_object(w);
}

#define HEX(name, field) do { json_key(w, name); json_hex(w, r->field, sizeof(r->field)); } while (0)
#define UINT(name, v) do { json_key(w, name); json_uint(w, v); } while (0)

void snp_report_json(struct json_writer *w, const struct snp_report *r)
{
	int product = snp_product_from_report(r);

	json_begin_object(w);
	json_key(w, "type");
	json_str(w, "sev-snp-report");
	UINT("version", r->version);
	UINT("guest_svn", r->guest_svn);
	policy_json(w, r->policy);
	HEX("family_id", family_id);
	HEX("image_id", image_id);
	UINT("vmpl", r->vmpl);
	UINT("signature_algo", r->signature_algo);
	tcb_json(w, "current_tcb", &r->current_tcb);
	UINT("platform_info", r->platform_info);
	json_key(w, "signer_info");
	json_begin_object(w);
	UINT("raw", r->signer_info);
	json_key(w, "author_key_en");
	json_bool(w, r->signer_info & 1);
	json_key(w, "mask_chip_key");
	json_bool(w, r->signer_info & 2);
	json_key(w, "signing_key");
	json_str(w, ((r->signer_info >> 2) & 7) == 0 ? "VCEK" :
		 ((r->signer_info >> 2) & 7) == 1 ? "VLEK" :
		 ((r->signer_info >> 2) & 7) == 7 ? "none" : "reserved");
	json_end_object(w);
	HEX("report_data", report_data);
	HEX("measurement", measurement);
	HEX("host_data", host_data);
	HEX("id_key_digest", id_key_digest);
	HEX("author_key_digest", author_key_digest);
	HEX("report_id", report_id);
	HEX("report_id_ma", report_id_ma);
	tcb_json(w, "reported_tcb", &r->reported_tcb);
	if (r->version >= 3) {
		UINT("cpuid_fam_id", r->cpuid_fam_id);
		UINT("cpuid_mod_id", r->cpuid_mod_id);
		UINT("cpuid_step", r->cpuid_step);
	}
	json_key(w, "product");
	if (product >= 0)
		json_str(w, snp_product_line(product));
	else
		json_null(w);
	HEX("chip_id", chip_id);
	tcb_json(w, "committed_tcb", &r->committed_tcb);
	json_key(w, "current_version");
	{
		char v[16];

		snprintf(v, sizeof(v), "%u.%u.%u", r->current_major, r->current_minor,
			 r->current_build);
		json_str(w, v);
		json_key(w, "committed_version");
		snprintf(v, sizeof(v), "%u.%u.%u", r->committed_major, r->committed_minor,
			 r->committed_build);
		json_str(w, v);
	}
	tcb_json(w, "launch_tcb", &r->launch_tcb);
	if (r->version >= 5) {
		UINT("launch_mit_vector", r->launch_mit_vector);
		UINT("current_mit_vector", r->current_mit_vector);
	}
	json_key(w, "signature");
	json_begin_object(w);
	HEX("r", sig_r);
	HEX("s", sig_s);
	json_end_object(w);
	json_end_object(w);
}

int snp_cert_table_find(const uint8_t *table, size_t len, const uint8_t guid[16],
			const uint8_t **blob, size_t *blob_len, struct th_err *err)
{
	static const uint8_t zero[sizeof(struct snp_cert_entry)];
	size_t n = 0;

	for (;; n++) {
		struct snp_cert_entry e;

		if ((n + 1) * sizeof(e) > len)
			return th_fail(err, -EINVAL, "certificate table", "no terminating entry in %zu "
				       "bytes", len);
		memcpy(&e, table + n * sizeof(e), sizeof(e));
		if (!memcmp(&e, zero, sizeof(e)))
			break;
	}
	for (size_t i = 0; i < n; i++) {
		struct snp_cert_entry e;

		memcpy(&e, table + i * sizeof(e), sizeof(e));
		if (e.offset < (n + 1) * sizeof(e) || e.offset > len || e.length > len - e.offset)
			return th_fail(err, -EINVAL, "certificate table", "entry %zu: offset %u length %u "
				       "outside the %zu-byte table", i, e.offset, e.length, len);
		if (!memcmp(e.guid, guid, 16)) {
			*blob = table + e.offset;
			*blob_len = e.length;
			return 0;
		}
	}
	return -ENOENT;
}
