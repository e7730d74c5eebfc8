/* SPDX-License-Identifier: MIT */
/*
 * A tiny streaming JSON writer: the caller says what comes next, the writer handles commas,
 * quoting and escaping. Output is compact unless pretty is set.
 */
#ifndef TEEHOST_UTIL_JSON_H
#define TEEHOST_UTIL_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json_writer {
	FILE *out;
	int depth;
	bool pretty;
	bool need_comma[JSON_MAX_DEPTH];
	bool after_key;
};

void json_init(struct json_writer *w, FILE *out, bool pretty);
void json_begin_object(struct json_writer *w);
void json_end_object(struct json_writer *w);
void json_begin_array(struct json_writer *w);
void json_end_array(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);
void json_str(struct json_writer *w, const char *s);
void json_int(struct json_writer *w, int64_t v);
void json_uint(struct json_writer *w, uint64_t v);
void json_double(struct json_writer *w, double v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);
/* bytes as lower-case hex, in storage order */
void json_hex(struct json_writer *w, const uint8_t *bytes, size_t len);
/* ends the document with a newline */
void json_finish(struct json_writer *w);

#endif
