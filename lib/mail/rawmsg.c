/* SPDX-License-Identifier: MIT */
/* A received message as bytes: CRLF line endings, its header fields (raw, with folding) and its body, for DKIM and inspect. */
#include "config.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mail-internal.h"

/* Copies data with every LF, CR or CRLF made CRLF. */
static char *to_crlf(const char *data, size_t len, size_t *out_len)
{
	char *out = malloc(len * 2 + 3);
	size_t o = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\r') {
			if (i + 1 < len && data[i + 1] == '\n')
				i++;
			out[o++] = '\r';
			out[o++] = '\n';
		} else if (data[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
		} else {
			out[o++] = data[i];
		}
	}
	out[o] = 0;
	*out_len = o;
	return out;
}

int mr_rawmsg_parse(const char *data, size_t len, struct mr_rawmsg *m)
{
	memset(m, 0, sizeof(*m));
	/* an mbox "From " line before the header is not part of the message */
	if (len > 5 && memcmp(data, "From ", 5) == 0) {
		const char *nl = memchr(data, '\n', len);
		if (nl) {
			len -= (size_t)(nl + 1 - data);
			data = nl + 1;
		}
	}
	if (!(m->data = to_crlf(data, len, &m->len)))
		return MR_ENOMEM;
	const char *p = m->data, *end = m->data + m->len;
	size_t cap = 0;
	while (p < end) {
		if (p + 1 < end && p[0] == '\r' && p[1] == '\n') {
			p += 2;
			break; /* the empty line */
		}
		const char *colon = p;
		while (colon < end && *colon != ':' && *colon != '\r')
			colon++;
		/* a field runs to the CRLF not followed by whitespace */
		const char *q = p;
		for (;;) {
			const char *cr = memchr(q, '\r', (size_t)(end - q));
			if (!cr) {
				q = end;
				break;
			}
			q = cr + 2;
			if (q >= end || (*q != ' ' && *q != '\t'))
				break;
		}
		if (colon < end && *colon == ':' && colon > p) {
			if (m->nh == cap) {
				cap = cap ? cap * 2 : 32;
				struct mr_hfield *h = realloc(m->h, cap * sizeof(*h));
				if (!h) {
					mr_rawmsg_free(m);
					return MR_ENOMEM;
				}
				m->h = h;
			}
			size_t nl = (size_t)(colon - p);
			while (nl > 0 && (p[nl - 1] == ' ' || p[nl - 1] == '\t'))
				nl--;
			m->h[m->nh++] = (struct mr_hfield){ p, nl, p, (size_t)(q - p) };
		}
		p = q > end ? end : q;
	}
	if (m->nh == 0) {
		mr_rawmsg_free(m);
		return MR_EINPUT;
	}
	m->body = p;
	m->body_len = (size_t)(end - p);
	return 0;
}

void mr_rawmsg_free(struct mr_rawmsg *m)
{
	free(m->data);
	free(m->h);
	memset(m, 0, sizeof(*m));
}

int mr_hfield_is(const struct mr_hfield *f, const char *name)
{
	return strlen(name) == f->name_len && strncasecmp(f->name, name, f->name_len) == 0;
}

char *mr_hfield_value(const struct mr_hfield *f)
{
	const char *p = f->name + f->name_len;
	const char *end = f->raw + f->raw_len;
	while (p < end && *p != ':')
		p++;
	if (p < end)
		p++;
	return mr_header_unfold(p, (size_t)(end - p), MR_UNFOLD_COLLAPSE);
}

int mr_base64_decode(const char *s, size_t len, unsigned char **out_r, size_t *out_len_r)
{
	struct mr_buf b = { 0 };
	if (mr_buf_add_b64_decoded(&b, s, len) != 0 || b.oom) {
		mr_buf_free(&b);
		return -1;
	}
	if (!b.p && !(b.p = calloc(1, 1)))
		return -1;
	*out_r = (unsigned char *)b.p;
	*out_len_r = b.len;
	return 0;
}
