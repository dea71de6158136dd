/* SPDX-License-Identifier: MIT */
/* The message reader of transport-smtp: streams a message to libcurl with every bare LF turned into CRLF, without copying the message first. */
#include "config.h"
#include <string.h>
#include "smtp-body.h"

void smtp_body_start(struct smtp_body *b, const char *data, size_t len)
{
	b->data = data;
	b->len = len;
	b->pos = 0;
	b->lf_pending = 0;
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

size_t smtp_body_read(struct smtp_body *b, char *buf, size_t size)
{
	size_t out = 0;
	while (out < size) {
		if (b->lf_pending) {
			buf[out++] = '\n';
			b->lf_pending = 0;
			b->pos++;
			continue;
		}
		if (b->pos >= b->len)
			break;
		const char *start = b->data + b->pos;
		size_t avail = b->len - b->pos, room = size - out;
		const char *nl = memchr(start, '\n', avail < room ? avail : room);
		if (!nl) {
			size_t n = avail < room ? avail : room;
			memcpy(buf + out, start, n);
			out += n;
			b->pos += n;
			continue;
		}
		size_t n = (size_t)(nl - start);
		memcpy(buf + out, start, n);
		out += n;
		b->pos += n;
		if (b->pos == 0 || b->data[b->pos - 1] != '\r') {
			/* a bare LF: send CR now and the LF next */
			buf[out++] = '\r';
			b->lf_pending = 1;
		} else {
			buf[out++] = '\n';
			b->pos++;
		}
	}
	return out;
}
