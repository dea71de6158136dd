/* SPDX-License-Identifier: MIT */
/* The DATA encoder of transport-smtp: bare LF becomes CRLF, a line starting with '.' gets another '.', and the data ends with CRLF . CRLF (RFC 5321 4.5.2). */
#include "config.h"
#include <string.h>
#include "smtp-body.h"

size_t smtp_body_encoded_max(size_t len)
{
	/* worst case: every byte a bare LF that starts a dotted line: "\r\n." */
	return len * 3 + 8;
}

size_t smtp_body_encode(const char *data, size_t len, char *out)
{
	size_t o = 0, i = 0;
	while (i < len) {
		/* at the start of a line */
		if (data[i] == '.')
			out[o++] = '.';
		const char *nl = memchr(data + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - data) : len;
		memcpy(out + o, data + i, end - i);
		o += end - i;
		if (!nl) {
			i = len;
			break;
		}
		if (end == 0 || data[end - 1] != '\r')
			out[o++] = '\r';
		out[o++] = '\n';
		i = end + 1;
	}
	if (o < 2 || out[o - 2] != '\r' || out[o - 1] != '\n') {
		if (o) { /* a last line without a line break gets one */
			out[o++] = '\r';
			out[o++] = '\n';
		}
	}
	memcpy(out + o, ".\r\n", 3);
	return o + 3;
}

size_t smtp_body_wire_len(const char *data, size_t len)
{
	size_t n = len;
	const char *p = data, *end = data + len;
	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (p == data || p[-1] != '\r')
			n++;
		p++;
	}
	return n;
}

int smtp_body_has_8bit(const char *data, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)data[i] & 0x80)
			return 1;
	return 0;
}
