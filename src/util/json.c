/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <math.h>

#include "util/json.h"

void json_init(struct json_writer *w, FILE *out, bool pretty)
{
	*w = (struct json_writer){ .out = out, .pretty = pretty };
}

static void indent(struct json_writer *w)
{
	if (!w->pretty)
		return;
	fputc('\n', w->out);
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->out);
}

/* Separator before a value or a key at the current depth. */
static void before_item(struct json_writer *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (w->depth > 0) {
		if (w->need_comma[w->depth])
			fputc(',', w->out);
		w->need_comma[w->depth] = true;
		indent(w);
	}
}

static void open_scope(struct json_writer *w, char c)
{
	before_item(w);
	fputc(c, w->out);
	if (w->depth < JSON_MAX_DEPTH - 1)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_scope(struct json_writer *w, char c)
{
	bool had_items = w->need_comma[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (had_items)
		indent(w);
	fputc(c, w->out);
}

void json_begin_object(struct json_writer *w) { open_scope(w, '{'); }
void json_end_object(struct json_writer *w) { close_scope(w, '}'); }
void json_begin_array(struct json_writer *w) { open_scope(w, '['); }
void json_end_array(struct json_writer *w) { close_scope(w, ']'); }

static void put_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (*p < 0x20)
				fprintf(out, "\\u%04x", *p);
			else
				fputc(*p, out);
		}
	}
	fputc('"', out);
}

void json_key(struct json_writer *w, const char *key)
{
	before_item(w);
	put_string(w->out, key);
	fputs(w->pretty ? ": " : ":", w->out);
	w->after_key = true;
}

void json_str(struct json_writer *w, const char *s)
{
	before_item(w);
	if (s)
		put_string(w->out, s);
	else
		fputs("null", w->out);
}

void json_int(struct json_writer *w, int64_t v)
{
	before_item(w);
	fprintf(w->out, "%" PRId64, v);
}

void json_uint(struct json_writer *w, uint64_t v)
{
	before_item(w);
	fprintf(w->out, "%" PRIu64, v);
}

void json_double(struct json_writer *w, double v)
{
	before_item(w);
	if (isfinite(v))
		fprintf(w->out, "%.6g", v);
	else
		fputs("null", w->out);
}

void json_bool(struct json_writer *w, bool v)
{
	before_item(w);
	fputs(v ? "true" : "false", w->out);
}

void json_null(struct json_writer *w)
{
	before_item(w);
	fputs("null", w->out);
}

void json_hex(struct json_writer *w, const uint8_t *bytes, size_t len)
{
	static const char digits[] = "0123456789abcdef";

	before_item(w);
	fputc('"', w->out);
	for (size_t i = 0; i < len; i++) {
		fputc(digits[bytes[i] >> 4], w->out);
		fputc(digits[bytes[i] & 15], w->out);
	}
	fputc('"', w->out);
}

void json_finish(struct json_writer *w)
{
	fputc('\n', w->out);
	fflush(w->out);
}
