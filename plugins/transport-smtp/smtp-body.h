/* SPDX-License-Identifier: MIT */
/* The DATA encoder of transport-smtp: a message as it goes after DATA (bare LF made CRLF, lines starting with '.' dot-stuffed, ending with CRLF . CRLF). */
#ifndef MR_SMTP_BODY_H
#define MR_SMTP_BODY_H

#include <stddef.h>

/* The most bytes smtp_body_encode can write for len bytes of message. */
size_t smtp_body_encoded_max(size_t len);
/* Writes the encoded message and the end-of-data line into out (at least
 * smtp_body_encoded_max(len) bytes); returns the bytes written. */
size_t smtp_body_encode(const char *data, size_t len, char *out);
/* The size of the message as RFC 1870 counts it: every line break CRLF,
 * no dot-stuffing, no end-of-data line. */
size_t smtp_body_wire_len(const char *data, size_t len);
/* True when the message has a byte with the high bit set. */
int smtp_body_has_8bit(const char *data, size_t len);

#endif
