/* SPDX-License-Identifier: MIT */
/*
 * Quote v3/v4/v5: parse (bytes in, a view out; every length checked against the buffer) and
 * build (the QE's last step: lay out, sign header || body with the attestation key and the QE
 * report with the PCK key). Layout in attest/quote.h.
 */
#include <errno.h>
#include <string.h>

#include <openssl/sha.h>

#include "attest/attest.h"

const uint8_t th_quote_intel_qe_vendor[16] = {
	0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
	0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
};

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* A cursor over [p, end): take N bytes or fail naming FIELD. */
struct cursor {
	const uint8_t *p, *end;
	struct th_err *err;
};

static const uint8_t *take(struct cursor *c, size_t n, const char *field)
{
	const uint8_t *at = c->p;

	if ((size_t)(c->end - c->p) < n) {
		th_fail(c->err, -EINVAL, field, "quote ends after %zu more bytes, %zu needed",
			(size_t)(c->end - c->p), n);
		return NULL;
	}
	c->p += n;
	return at;
}

/* QE report || signature || auth data || certification data (v3 tail, v4 type-6 payload) */
static int parse_qe_part(struct cursor *c, struct th_quote *q, int depth)
{
	const uint8_t *h;
	uint32_t size;
	uint16_t type;

	if (!(q->qe_report = take(c, 384, "qe_report")) ||
	    !(q->qe_report_sig = take(c, 64, "qe_report_signature")) ||
	    !(h = take(c, 2, "qe_auth_data.size")))
		return -EINVAL;
	q->qe_auth_len = get16(h);
	if (!(q->qe_auth = take(c, q->qe_auth_len, "qe_auth_data")) ||
	    !(h = take(c, 6, "certification_data")))
		return -EINVAL;
	type = get16(h);
	size = get32(h + 2);
	if (!(q->cert = take(c, size, "certification_data.size")))
		return -EINVAL;
	if (type != TH_CERT_PCK_CHAIN)
		return th_fail(c->err, -ENOTSUP, "certification_data.type",
			       "%u is not supported (5, the PCK certificate chain, is)", type);
	(void)depth;
	q->cert_type = type;
	q->cert_len = size;
	return 0;
}

/* the size of a body type; 0 if it is not one */
static size_t body_size(unsigned type)
{
	switch (type) {
	case TH_QUOTE_BODY_TYPE_SGX: return TH_QUOTE_BODY_SGX_SIZE;
	case TH_QUOTE_BODY_TYPE_TDX10: return TH_QUOTE_BODY_TDX10_SIZE;
	case TH_QUOTE_BODY_TYPE_TDX15: return TH_QUOTE_BODY_TDX15_SIZE;
	default: return 0;
	}
}

int th_quote_parse(const void *buf, size_t len, struct th_quote *q, struct th_err *err)
{
	struct cursor c = { buf, (const uint8_t *)buf + len, err };
	const uint8_t *h, *sd;
	struct cursor s;
	int rc;

	memset(q, 0, sizeof(*q));
	q->raw = buf;
	q->len = len;
	if (!(h = take(&c, sizeof(q->header), "header")))
		return -EINVAL;
	memcpy(&q->header, h, sizeof(q->header));
	if (q->header.version < TH_QUOTE_VERSION_3 || q->header.version > TH_QUOTE_VERSION_5)
		return th_fail(err, -ENOTSUP, "header.version", "%u is not supported (3, 4 or 5 is)",
			       q->header.version);
	if (q->header.att_key_type != TH_QUOTE_ATT_KEY_ECDSA_P256)
		return th_fail(err, -ENOTSUP, "header.att_key_type",
			       "%u is not ECDSA-256-with-P-256 (2)", q->header.att_key_type);
	if (q->header.tee_type != TH_QUOTE_TEE_SGX &&
	    (q->header.tee_type != TH_QUOTE_TEE_TDX || q->header.version == TH_QUOTE_VERSION_3))
		return th_fail(err, -ENOTSUP, "header.tee_type", "%#x is not SGX (0)%s",
			       q->header.tee_type, q->header.version > 3 ? " or TDX (0x81)" : "");
	if (q->header.version == TH_QUOTE_VERSION_5) {
		if (!(h = take(&c, sizeof(struct th_quote_type_size), "body_descriptor")))
			return -EINVAL;
		q->body_type = get16(h);
		q->body_len = body_size(q->body_type);
		if (!q->body_len || (q->body_type == TH_QUOTE_BODY_TYPE_SGX) !=
					    (q->header.tee_type == TH_QUOTE_TEE_SGX))
			return th_fail(err, -ENOTSUP, "body.type", "%u is not a %s body (%s)",
				       q->body_type, q->header.tee_type ? "TDX" : "SGX",
				       q->header.tee_type ? "2: TD report 1.0, 3: TD report 1.5"
							  : "1: SGX REPORT body");
		if (get32(h + 2) != q->body_len)
			return th_fail(err, -EINVAL, "body.size", "%u is not %zu, the size of body "
				       "type %u", get32(h + 2), q->body_len, q->body_type);
	} else {
		q->body_type = q->header.tee_type == TH_QUOTE_TEE_TDX ? TH_QUOTE_BODY_TYPE_TDX10
								       : TH_QUOTE_BODY_TYPE_SGX;
		q->body_len = body_size(q->body_type);
	}
	q->signed_len = (size_t)(c.p - (const uint8_t *)buf) + q->body_len;
	if (!(q->body = take(&c, q->body_len, "body")) ||
	    !(h = take(&c, 4, "signature_data_len")))
		return -EINVAL;
	q->sig_data_len = get32(h);
	if (!(sd = take(&c, q->sig_data_len, "signature_data_len")))
		return -EINVAL;
	if (c.p != c.end)
		return th_fail(err, -EINVAL, "signature_data_len",
			       "%zu bytes follow the signature data", (size_t)(c.end - c.p));
	s = (struct cursor){ sd, sd + q->sig_data_len, err };
	if (!(q->sig = take(&s, 64, "signature")) ||
	    !(q->attest_key = take(&s, 64, "attest_pub_key")))
		return -EINVAL;
	if (q->header.version == TH_QUOTE_VERSION_3) {
		q->outer_cert_type = TH_CERT_PCK_CHAIN;
		rc = parse_qe_part(&s, q, 0);
	} else {
		struct cursor inner;
		uint32_t size;

		if (!(h = take(&s, 6, "certification_data")))
			return -EINVAL;
		q->outer_cert_type = get16(h);
		size = get32(h + 2);
		if (q->outer_cert_type != TH_CERT_QE_REPORT)
			return th_fail(err, -ENOTSUP, "certification_data.type",
				       "%u is not QE report certification data (6)",
				       q->outer_cert_type);
		if (!(h = take(&s, size, "certification_data.size")))
			return -EINVAL;
		inner = (struct cursor){ h, h + size, err };
		rc = parse_qe_part(&inner, q, 1);
		if (rc == 0 && inner.p != inner.end)
			return th_fail(err, -EINVAL, "certification_data.size",
				       "%zu bytes follow the QE report certification data",
				       (size_t)(inner.end - inner.p));
	}
	if (rc)
		return rc;
	if (s.p != s.end)
		return th_fail(err, -EINVAL, "signature_data_len",
			       "%zu bytes follow the certification data", (size_t)(s.end - s.p));
	return 0;
}

void th_quote_qe_report_data(const uint8_t attest_pub[64], const uint8_t *auth, size_t auth_len,
			     uint8_t out[64])
{
	uint8_t buf[64 + 65536];

	memcpy(buf, attest_pub, 64);
	if (auth_len)
		memcpy(buf + 64, auth, auth_len);
	memset(out, 0, 64);
	SHA256(buf, 64 + auth_len, out);
}

static size_t qe_part_size(const struct th_quote_params *p)
{
	return 384 + 64 + 2 + p->qe_auth_len + 6 + p->pck_chain_len;
}

size_t th_quote_size(const struct th_quote_params *p)
{
	size_t n = sizeof(struct th_quote_header) + p->body_len + 4 + 128 + qe_part_size(p);

	/* v4 and v5: the type-6 certification data header; v5: the body descriptor */
	if (p->version >= TH_QUOTE_VERSION_4)
		n += sizeof(struct th_quote_type_size);
	if (p->version == TH_QUOTE_VERSION_5)
		n += sizeof(struct th_quote_type_size);
	return n;
}

static uint8_t *put_qe_part(uint8_t *o, const struct th_quote_params *p, int *rc)
{
	memcpy(o, p->qe_report, 384);
	if (th_ecdsa_sign_raw(p->pck_key, p->qe_report, 384, o + 384))
		*rc = -EIO;
	o += 384 + 64;
	put16(o, p->qe_auth_len);
	memcpy(o + 2, p->qe_auth, p->qe_auth_len);
	o += 2 + p->qe_auth_len;
	put16(o, TH_CERT_PCK_CHAIN);
	put32(o + 2, (uint32_t)p->pck_chain_len);
	memcpy(o + 6, p->pck_chain_pem, p->pck_chain_len);
	return o + 6 + p->pck_chain_len;
}

int th_quote_build(const struct th_quote_params *p, uint8_t *out, size_t cap, size_t *len,
		   struct th_err *err)
{
	size_t need = th_quote_size(p);
	struct th_quote_header h;
	uint8_t *o = out, *sig;
	size_t signed_len;
	int rc = 0;

	if (p->version < TH_QUOTE_VERSION_3 || p->version > TH_QUOTE_VERSION_5)
		return th_fail(err, -EINVAL, "version", "%u is not 3, 4 or 5", p->version);
	if (p->version == TH_QUOTE_VERSION_3 && p->tee_type != TH_QUOTE_TEE_SGX)
		return th_fail(err, -EINVAL, "tee_type", "quote v3 is SGX only");
	if (p->tee_type == TH_QUOTE_TEE_SGX ? p->body_len != TH_QUOTE_BODY_SGX_SIZE
	    : p->body_len != TH_QUOTE_BODY_TDX10_SIZE &&
	      (p->body_len != TH_QUOTE_BODY_TDX15_SIZE || p->version != TH_QUOTE_VERSION_5))
		return th_fail(err, -EINVAL, "body", "%zu bytes is not the size of a body of this "
			       "TEE in quote v%u", p->body_len, p->version);
	if (p->pck_chain_len > UINT32_MAX / 2)
		return th_fail(err, -EINVAL, "pck_chain", "too long");
	*len = need;
	if (cap < need)
		return th_fail(err, -ENOSPC, "quote", "%zu bytes needed, %zu given", need, cap);
	memset(&h, 0, sizeof(h));
	h.version = (uint16_t)p->version;
	h.att_key_type = TH_QUOTE_ATT_KEY_ECDSA_P256;
	h.tee_type = p->tee_type;
	h.qe_svn = p->qe_svn;
	h.pce_svn = p->pce_svn;
	memcpy(h.qe_vendor_id, th_quote_intel_qe_vendor, 16);
	memcpy(h.user_data, p->user_data, 20);
	memcpy(o, &h, sizeof(h));
	o += sizeof(h);
	if (p->version == TH_QUOTE_VERSION_5) {
		put16(o, p->tee_type == TH_QUOTE_TEE_SGX ? TH_QUOTE_BODY_TYPE_SGX
			 : p->body_len == TH_QUOTE_BODY_TDX15_SIZE ? TH_QUOTE_BODY_TYPE_TDX15
								    : TH_QUOTE_BODY_TYPE_TDX10);
		put32(o + 2, (uint32_t)p->body_len);
		o += sizeof(struct th_quote_type_size);
	}
	signed_len = (size_t)(o - out) + p->body_len;
	memcpy(o, p->body, p->body_len);
	o += p->body_len;
	put32(o, (uint32_t)(need - (size_t)(o + 4 - out)));
	o += 4;
	sig = o;
	if (th_ec_pub_raw(p->attest_key, o + 64))
		return th_fail(err, -EINVAL, "attest_key", "not a P-256 key");
	o += 128;
	if (p->version >= TH_QUOTE_VERSION_4) {
		put16(o, TH_CERT_QE_REPORT);
		put32(o + 2, (uint32_t)qe_part_size(p));
		o += 6;
	}
	o = put_qe_part(o, p, &rc);
	if (rc == 0 && th_ecdsa_sign_raw(p->attest_key, out, signed_len, sig))
		rc = -EIO;
	if (rc)
		return th_fail(err, rc, "signature", "ECDSA signing failed");
	return (size_t)(o - out) == need ? 0 : th_fail(err, -EFAULT, "quote", "layout mismatch");
}
