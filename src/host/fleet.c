// SPDX-License-Identifier: MIT
/* Fleet records: see fleet.h. */
#include "host/fleet.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

const char *const th_fleet_family[TH_FLEET_FAMILIES] = { "sgx", "sev", "tdx" };

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool bool_of(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean) &&
	       json_object_get_boolean(v);
}

static void copy(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static struct json_object *parse(const char *text, size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	struct json_object *o;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, text, (int)(len > 1 << 24 ? 1 << 24 : len));
	if (o && json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

/* The check document: kernel release, per-family readiness, fail/warn checks. */
static void read_check(struct json_object *doc, struct th_fleet_host *h)
{
	struct json_object *host, *checks;
	bool failed[TH_FLEET_FAMILIES] = { false };

	if (json_object_object_get_ex(doc, "host", &host) && json_object_is_type(host, json_type_object))
		copy(h->kernel, sizeof(h->kernel), str_of(host, "kernel"));
	if (!json_object_object_get_ex(doc, "checks", &checks) ||
	    !json_object_is_type(checks, json_type_array)) {
		copy(h->note, sizeof(h->note), "teehost check output has no checks");
		h->answered = false;
		return;
	}
	for (size_t i = 0; i < json_object_array_length(checks); i++) {
		struct json_object *c = json_object_array_get_idx(checks, i);
		const char *id, *status;

		if (!json_object_is_type(c, json_type_object))
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
	struct json_object *rec, *doc;
	const char *name, *out;

	memset(h, 0, sizeof(*h));
	rec = parse(text, len);
	if (!rec || !json_object_is_type(rec, json_type_object)) {
		json_object_put(rec);
		return th_fail(err, EINVAL, "record", "not a JSON object");
	}
	name = str_of(rec, "host");
	if (!name || !*name) {
		json_object_put(rec);
		return th_fail(err, EINVAL, "host", "missing");
	}
	copy(h->name, sizeof(h->name), name);
	if (bool_of(rec, "unreachable")) {
		const char *msg = str_of(rec, "msg");

		snprintf(h->note, sizeof(h->note), "unreachable: %.*s", (int)strcspn(msg ? msg : "", "\n"),
			 msg ? msg : "");
		json_object_put(rec);
		return 0;
	}
	out = str_of(rec, "stdout");
	doc = out ? parse(out, strlen(out)) : NULL;
	if (!doc || !json_object_is_type(doc, json_type_object)) {
		const char *msg = str_of(rec, "msg");
		const char *se = str_of(rec, "stderr");

		snprintf(h->note, sizeof(h->note), "no teehost check output: %.*s",
			 (int)strcspn(se && *se ? se : msg ? msg : "", "\n"), se && *se ? se : msg ? msg : "");
		json_object_put(doc);
		json_object_put(rec);
		return 0;
	}
	h->answered = true;
	read_check(doc, h);
	json_object_put(doc);
	json_object_put(rec);
	return 0;
}
