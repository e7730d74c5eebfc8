/* The smallest AESM conversation that proves the daemon answers: GetWhiteListSize, a read-only
 * request of the launch service (psw/ae/common/proto/messages.proto: Request field 10).  On the
 * socket every message is a native-endian uint32 length and a protobuf body
 * (SocketTransporter.cpp). Encoding and decoding are pure; the check does the I/O. */
#ifndef TEEHOST_HOST_AESM_H
#define TEEHOST_HOST_AESM_H

#include <stddef.h>
#include <stdint.h>

/* The framed request: length + body. Returns its size (at most 16). */
size_t th_aesm_request(uint8_t out[16]);

/* Parse a response body: 0 and the errorCode of GetWhiteListSizeResponse (field 10, its
 * field 1), -EBADMSG when it is not one. */
int th_aesm_parse_response(const uint8_t *body, size_t len, uint32_t *error_code);

#endif
