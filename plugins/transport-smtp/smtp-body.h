/* SPDX-License-Identifier: MIT */
/* The message reader of transport-smtp: streams a message to libcurl with every bare LF turned into CRLF (libcurl then dot-stuffs it). */
#ifndef MR_SMTP_BODY_H
#define MR_SMTP_BODY_H

#include <stddef.h>

struct smtp_body {
	const char *data;
	size_t len;
	size_t pos;     /* next byte of data to send */
	int lf_pending; /* a CR was sent for a bare LF whose LF is not sent yet */
};

void smtp_body_start(struct smtp_body *b, const char *data, size_t len);
/* The size of the message once every bare LF is CRLF. */
size_t smtp_body_wire_len(const char *data, size_t len);
/* Fills buf with up to size bytes; returns how many (0 at the end). */
size_t smtp_body_read(struct smtp_body *b, char *buf, size_t size);

#endif
