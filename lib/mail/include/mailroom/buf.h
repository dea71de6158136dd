/* SPDX-License-Identifier: MIT */
/* A growing, always NUL-terminated byte buffer and its MIME encoders (libmailroom-mail), shared by rendering, bounce scanning and header decoding. */
#ifndef MAILROOM_BUF_H
#define MAILROOM_BUF_H

#include <stddef.h>

struct mr_buf {
	char *p;
	size_t len, cap;
	int oom; /* set when a grow failed; further appends do nothing */
};
void mr_buf_add(struct mr_buf *b, const void *data, size_t n);
void mr_buf_adds(struct mr_buf *b, const char *s);
void mr_buf_addc(struct mr_buf *b, char c);
void mr_buf_printf(struct mr_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mr_buf_free(struct mr_buf *b);
/* Quoted-printable (RFC 2045) of data, CRLF line breaks, lines <= 76. */
void mr_buf_add_qp(struct mr_buf *b, const char *data, size_t n);
/* Base64 of data in CRLF lines of 76 characters. */
void mr_buf_add_b64_lines(struct mr_buf *b, const unsigned char *data, size_t n);
/* Plain base64 (no line breaks). */
void mr_buf_add_b64(struct mr_buf *b, const unsigned char *data, size_t n);
/* The one base64 decoder: appends the bytes of s[0..n) to b, skipping
 * whitespace; '=' padding ends a block (a next block starts afresh, as
 * broken encoders concatenate them).  Returns how many other characters
 * (not base64, not whitespace) were skipped: 0 for clean input. */
size_t mr_buf_add_b64_decoded(struct mr_buf *b, const char *s, size_t n);
/* The value of a base64 digit, or -1. */
int mr_b64_value(int c);
/* The value of a hex digit (either case), or -1. */
int mr_hex_value(int c);

#endif
