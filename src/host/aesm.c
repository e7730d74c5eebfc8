#include "host/aesm.h"

#include <errno.h>
#include <string.h>

size_t th_aesm_request(uint8_t out[16])
{
	/* Request { getWhiteListSizeReq (10, length-delimited) = GetWhiteListSizeRequest {} } */
	static const uint8_t body[] = { 10 << 3 | 2, 0 };
	uint32_t len = sizeof(body);
	memcpy(out, &len, sizeof(len));
	memcpy(out + sizeof(len), body, sizeof(body));
	return sizeof(len) + sizeof(body);
}

static int varint(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
	*v = 0;
	for (int shift = 0; shift < 64; shift += 7) {
		if (*p == end)
			return -EBADMSG;
		uint8_t b = *(*p)++;
		*v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return 0;
	}
	return -EBADMSG;
}

/* Skip one field of wire type wt; 0 or -EBADMSG. */
static int skip(const uint8_t **p, const uint8_t *end, unsigned wt)
{
	uint64_t v;
	switch (wt) {
	case 0:
		return varint(p, end, &v);
	case 1:
		if (end - *p < 8)
			return -EBADMSG;
		*p += 8;
		return 0;
	case 2:
		if (varint(p, end, &v) || v > (uint64_t)(end - *p))
			return -EBADMSG;
		*p += v;
		return 0;
	case 5:
		if (end - *p < 4)
			return -EBADMSG;
		*p += 4;
		return 0;
	}
	return -EBADMSG;
}

int th_aesm_parse_response(const uint8_t *body, size_t len, uint32_t *error_code)
{
	const uint8_t *p = body, *end = body + len;
	while (p < end) {
		uint64_t key, n;
		if (varint(&p, end, &key))
			return -EBADMSG;
		if (key >> 3 != 10 || (key & 7) != 2) {
			if (skip(&p, end, key & 7))
				return -EBADMSG;
			continue;
		}
		if (varint(&p, end, &n) || n > (uint64_t)(end - p))
			return -EBADMSG;
		const uint8_t *q = p, *qend = p + n;
		while (q < qend) {
			uint64_t k, v;
			if (varint(&q, qend, &k))
				return -EBADMSG;
			if (k == (1 << 3 | 0)) {
				if (varint(&q, qend, &v))
					return -EBADMSG;
				*error_code = (uint32_t)v;
				return 0;
			}
			if (skip(&q, qend, k & 7))
				return -EBADMSG;
		}
		return -EBADMSG; /* errorCode is required */
	}
	return -EBADMSG;
}
