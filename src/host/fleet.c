// SPDX-License-Identifier: MIT
/* Fleet records: see fleet.h. */
#include "host/fleet.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

const char *const th_fleet_family[TH_FLEET_FAMILIES] = { "sgx", "sev", "tdx" };

static const char *str_of(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));	/* NULL unless a string */
}

static bool bool_of(const json_t *o, const char *key)
{
	return json_is_true(json_object_get(o, key));
}

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* An object, or NULL: anything else (a bare value, a NUL in a string, trailing
 * bytes, nesting past jansson's depth limit) is no usable record. */
static json_t *parse(const char *text, size_t len)
{
	json_error_t jerr;
	json_t *o = json_loadb(text, len > 1 << 24 ? 1 << 24 : len, 0, &jerr);

	if (o && !json_is_object(o)) {
		json_decref(o);
		o = NULL;
	}
	return o;
}

/* The check document: kernel release, per-family readiness, fail/warn checks. */
static void read_check(const json_t *doc, struct th_fleet_host *h)
{
	const json_t *host = json_object_get(doc, "host");
	const json_t *checks = json_object_get(doc, "checks");
	bool failed[TH_FLEET_FAMILIES] = { false };

	if (json_is_object(host))
		copy(h->kernel, sizeof(h->kernel), str_of(host, "kernel"));
	if (!json_is_array(checks)) {
		copy(h->note, sizeof(h->note), "teehost check output has no checks");
		h->answered = false;
		return;
	}
	for (size_t i = 0; i < json_array_size(checks); i++) {
		const json_t *c = json_array_get(checks, i);
		const char *id, *status;

		if (!json_is_object(c))
			continue;
		id = str_of(c, "id");
		status = str_of(c, "status");
		if (!id || !status || (strcmp(status, "fail") && strcmp(status, "warn")))
			continue;
		for (size_t f = 0; f < TH_FLEET_FAMILIES; f++) {
			size_t l = strlen(th_fleet_family[f]);

			if (!strcmp(status, "fail") && !strncmp(id, th_fleet_family[f], l) && id[l] == '.')
				failed[f] = true;
		}
		if (h->nissues < TH_FLEET_MAX_ISSUES) {
			struct th_fleet_issue *is = &h->issues[h->nissues++];

			copy(is->id, sizeof(is->id), id);
			copy(is->status, sizeof(is->status), status);
			is->required = bool_of(c, "required");
			copy(is->explanation, sizeof(is->explanation), str_of(c, "explanation"));
			copy(is->evidence, sizeof(is->evidence), str_of(c, "evidence"));
			copy(is->fix, sizeof(is->fix), str_of(c, "fix"));
		}
	}
	for (size_t f = 0; f < TH_FLEET_FAMILIES; f++)
		h->ready[f] = !failed[f];
}

int th_fleet_parse_host(const char *text, size_t len, struct th_fleet_host *h, struct th_err *err)
{
	json_t *rec, *doc;
	const char *name, *out;

	memset(h, 0, sizeof(*h));
	rec = parse(text, len);
	if (!rec)
		return th_fail(err, EINVAL, "record", "not a JSON object");
	name = str_of(rec, "host");
	if (!name || !*name) {
		json_decref(rec);
		return th_fail(err, EINVAL, "host", "missing");
	}
	copy(h->name, sizeof(h->name), name);
	if (bool_of(rec, "unreachable")) {
		const char *msg = str_of(rec, "msg");

		snprintf(h->note, sizeof(h->note), "unreachable: %.*s", (int)strcspn(msg ? msg : "", "\n"),
			 msg ? msg : "");
		json_decref(rec);
		return 0;
	}
	out = str_of(rec, "stdout");
	doc = out ? parse(out, strlen(out)) : NULL;
	if (!doc) {
		const char *msg = str_of(rec, "msg");
		const char *se = str_of(rec, "stderr");

		snprintf(h->note, sizeof(h->note), "no teehost check output: %.*s",
			 (int)strcspn(se && *se ? se : msg ? msg : "", "\n"), se && *se ? se : msg ? msg : "");
		json_decref(rec);
		return 0;
	}
	h->answered = true;
	read_check(doc, h);
	json_decref(doc);
	json_decref(rec);
	return 0;
}
