/* SPDX-License-Identifier: MIT */
/*
 * Reading TCB info (v2/v3) and QE identity (v2) JSON, with Jansson. The signed body is the
 * inner object re-serialised compact, as QVL does with rapidjson's Writer, so a document that
 * was pretty-printed after signing still verifies and one with an edited value does not.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "attest/attest.h"

static int hexbytes(const char *s, uint8_t *out, size_t n)
{
	if (!s || strlen(s) != 2 * n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++) {
			char c = s[2 * i + j];

			v <<= 4;
			if (c >= '0' && c <= '9')
				v |= (unsigned)(c - '0');
			else if (c >= 'a' && c <= 'f')
				v |= (unsigned)(c - 'a' + 10);
			else if (c >= 'A' && c <= 'F')
				v |= (unsigned)(c - 'A' + 10);
			else
				return -EINVAL;
		}
		out[i] = (uint8_t)v;
	}
	return 0;
}

/* "YYYY-MM-DDTHH:MM:SSZ" (PCS also writes fractional seconds on some documents: accepted) */
static int iso_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (!s || !(end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return -EINVAL;
	if (*end == '.')
		for (end++; *end >= '0' && *end <= '9'; end++)
			;
	if (strcmp(end, "Z"))
		return -EINVAL;
	*out = timegm(&tm);
	return 0;
}

struct doc {
	json_t *root, *body;
	struct th_err *err;
	const char *name;
};

static int open_doc(const char *json, size_t len, const char *key, struct doc *d, char **body,
		    uint8_t sig[64], struct th_err *err)
{
	json_error_t je;
	json_t *s;

	d->err = err;
	d->name = key;
	d->root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!d->root)
		return th_fail(err, -EINVAL, "json", "line %d: %s", je.line, je.text);
	d->body = json_object_get(d->root, key);
	if (!json_is_object(d->body))
		return th_fail(err, -EINVAL, key, "missing or not an object");
	s = json_object_get(d->root, "signature");
	if (!json_is_string(s) || hexbytes(json_string_value(s), sig, 64))
		return th_fail(err, -EINVAL, "signature", "missing or not 64 bytes of hex");
	*body = json_dumps(d->body, JSON_COMPACT | JSON_PRESERVE_ORDER);
	return *body ? 0 : th_fail(err, -ENOMEM, key, "cannot serialise");
}

static int get_uint(json_t *o, const char *key, unsigned long max, unsigned long *out,
		    struct th_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    (unsigned long long)json_integer_value(v) > max)
		return th_fail(err, -EINVAL, key, "missing or not an integer in 0..%lu", max);
	*out = (unsigned long)json_integer_value(v);
	return 0;
}

static int get_str(json_t *o, const char *key, const char **out, struct th_err *err)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_string(v))
		return th_fail(err, -EINVAL, key, "missing or not a string");
	*out = json_string_value(v);
	return 0;
}

static int get_hex(json_t *o, const char *key, uint8_t *out, size_t n, struct th_err *err)
{
	const char *s = NULL;

	if (get_str(o, key, &s, err))
		return -EINVAL;
	return hexbytes(s, out, n) ? th_fail(err, -EINVAL, key, "not %zu bytes of hex", n) : 0;
}

static int get_date(json_t *o, const char *key, time_t *out, struct th_err *err)
{
	const char *s = NULL;

	if (get_str(o, key, &s, err))
		return -EINVAL;
	return iso_time(s, out) ? th_fail(err, -EINVAL, key, "'%s' is not YYYY-MM-DDTHH:MM:SSZ", s)
				: 0;
}

static const char *const tcb_statuses[] = {
	"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded",
	"ConfigurationAndSWHardeningNeeded", "OutOfDate", "OutOfDateConfigurationNeeded",
	"Revoked",
};

static int get_status(json_t *lvl, char out[40], struct th_err *err)
{
	const char *s = NULL;

	if (get_str(lvl, "tcbStatus", &s, err))
		return -EINVAL;
	for (size_t i = 0; i < sizeof(tcb_statuses) / sizeof(tcb_statuses[0]); i++)
		if (!strcmp(s, tcb_statuses[i])) {
			snprintf(out, 40, "%s", s);
			return 0;
		}
	return th_fail(err, -EINVAL, "tcbStatus", "'%.40s' is not a TCB status", s);
}

static int tcb_levels(json_t *body, struct th_tcb_info *t, struct th_err *err)
{
	json_t *levels = json_object_get(body, "tcbLevels"), *lvl;
	size_t i;

	if (!json_is_array(levels) || json_array_size(levels) == 0 ||
	    json_array_size(levels) > TH_TCB_LEVELS_MAX)
		return th_fail(err, -EINVAL, "tcbLevels", "missing, empty or more than %d levels",
			       TH_TCB_LEVELS_MAX);
	json_array_foreach(levels, i, lvl) {
		struct th_tcb_level *l = &t->levels[i];
		json_t *tcb = json_object_get(lvl, "tcb"), *comps, *c;
		unsigned long v;
		size_t j;

		if (!json_is_object(tcb))
			return th_fail(err, -EINVAL, "tcbLevels.tcb", "level %zu: missing", i);
		comps = json_object_get(tcb, "sgxtcbcomponents");
		if (t->version >= 3) {
			if (!json_is_array(comps) || json_array_size(comps) != 16)
				return th_fail(err, -EINVAL, "sgxtcbcomponents",
					       "level %zu: not 16 components", i);
			json_array_foreach(comps, j, c) {
				if (get_uint(c, "svn", 255, &v, err))
					return -EINVAL;
				l->comp[j] = (uint8_t)v;
			}
		} else {
			char key[32];

			for (j = 0; j < 16; j++) {
				snprintf(key, sizeof(key), "sgxtcbcomp%02zusvn", j + 1);
				if (get_uint(tcb, key, 255, &v, err))
					return -EINVAL;
				l->comp[j] = (uint8_t)v;
			}
		}
		if (get_uint(tcb, "pcesvn", 65535, &v, err) || get_status(lvl, l->status, err))
			return -EINVAL;
		l->pcesvn = (uint16_t)v;
		t->n_levels = (unsigned)i + 1;
	}
	return 0;
}

int th_tcb_info_parse(const char *json, size_t len, struct th_tcb_info *t, struct th_err *err)
{
	struct doc d = { 0 };
	unsigned long v = 0;
	const char *id = "SGX";
	int rc;

	memset(t, 0, sizeof(*t));
	rc = open_doc(json, len, "tcbInfo", &d, &t->body, t->sig, err);
	if (!rc && get_uint(d.body, "version", 3, &v, err))
		rc = -EINVAL;
	if (!rc && v != 2 && v != 3)
		rc = th_fail(err, -ENOTSUP, "version", "%lu is not 2 or 3", v);
	t->version = (unsigned)v;
	if (!rc && t->version == 3 && get_str(d.body, "id", &id, err))
		rc = -EINVAL;
	if (!rc && strcmp(id, "SGX") && strcmp(id, "TDX"))
		rc = th_fail(err, -EINVAL, "id", "'%.20s' is not SGX or TDX", id);
	if (!rc) {
		snprintf(t->id, sizeof(t->id), "%s", id);
		rc = get_date(d.body, "issueDate", &t->issue_date, err) ||
		     get_date(d.body, "nextUpdate", &t->next_update, err) ||
		     get_hex(d.body, "fmspc", t->fmspc, 6, err) ||
		     get_hex(d.body, "pceId", t->pceid, 2, err) ||
		     tcb_levels(d.body, t, err) ? -EINVAL : 0;
	}
	json_decref(d.root);
	if (rc)
		th_tcb_info_free(t);
	return rc;
}

void th_tcb_info_free(struct th_tcb_info *t)
{
	free(t->body);
	t->body = NULL;
}

static int qe_levels(json_t *body, struct th_qe_identity *q, struct th_err *err)
{
	json_t *levels = json_object_get(body, "tcbLevels"), *lvl;
	size_t i;

	if (!json_is_array(levels) || json_array_size(levels) == 0 ||
	    json_array_size(levels) > TH_TCB_LEVELS_MAX)
		return th_fail(err, -EINVAL, "tcbLevels", "missing, empty or more than %d levels",
			       TH_TCB_LEVELS_MAX);
	json_array_foreach(levels, i, lvl) {
		json_t *tcb = json_object_get(lvl, "tcb");
		unsigned long v;

		if (!json_is_object(tcb))
			return th_fail(err, -EINVAL, "tcbLevels.tcb", "level %zu: missing", i);
		if (get_uint(tcb, "isvsvn", 65535, &v, err) ||
		    get_status(lvl, q->levels[i].status, err))
			return -EINVAL;
		q->levels[i].isvsvn = (uint16_t)v;
		q->n_levels = (unsigned)i + 1;
	}
	return 0;
}

int th_qe_identity_parse(const char *json, size_t len, struct th_qe_identity *q,
			 struct th_err *err)
{
	struct doc d = { 0 };
	unsigned long v = 0;
	const char *id = NULL;
	uint8_t m[4];
	int rc;

	memset(q, 0, sizeof(*q));
	rc = open_doc(json, len, "enclaveIdentity", &d, &q->body, q->sig, err);
	if (!rc && (get_uint(d.body, "version", 2, &v, err) || get_str(d.body, "id", &id, err)))
		rc = -EINVAL;
	if (!rc && v != 2)
		rc = th_fail(err, -ENOTSUP, "version", "%lu is not 2", v);
	if (!rc && strcmp(id, "QE") && strcmp(id, "TD_QE") && strcmp(id, "QVE"))
		rc = th_fail(err, -EINVAL, "id", "'%.20s' is not QE, TD_QE or QVE", id);
	if (!rc) {
		snprintf(q->id, sizeof(q->id), "%s", id);
		q->version = (unsigned)v;
		rc = get_date(d.body, "issueDate", &q->issue_date, err) ||
		     get_date(d.body, "nextUpdate", &q->next_update, err) ||
		     get_hex(d.body, "miscselect", m, 4, err) ? -EINVAL : 0;
		q->miscselect = (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 |
				(uint32_t)m[3] << 24;
	}
	if (!rc) {
		rc = get_hex(d.body, "miscselectMask", m, 4, err) ? -EINVAL : 0;
		q->miscselect_mask = (uint32_t)m[0] | (uint32_t)m[1] << 8 | (uint32_t)m[2] << 16 |
				     (uint32_t)m[3] << 24;
	}
	if (!rc)
		rc = get_hex(d.body, "attributes", q->attributes, 16, err) ||
		     get_hex(d.body, "attributesMask", q->attributes_mask, 16, err) ||
		     get_hex(d.body, "mrsigner", q->mrsigner, 32, err) ||
		     get_uint(d.body, "isvprodid", 65535, &v, err) ? -EINVAL : 0;
	if (!rc) {
		q->isv_prod_id = (uint16_t)v;
		rc = qe_levels(d.body, q, err);
	}
	json_decref(d.root);
	if (rc)
		th_qe_identity_free(q);
	return rc;
}

void th_qe_identity_free(struct th_qe_identity *q)
{
	free(q->body);
	q->body = NULL;
}
