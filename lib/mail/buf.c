/* SPDX-License-Identifier: MIT */
/* A growing, always NUL-terminated byte buffer with the encoders message rendering needs: quoted-printable and base64. */
#include "config.h"
#include "mail-internal.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow(struct mr_buf *b, size_t more)
{
	if (b->oom)
		return -1;
	if (b->len + more + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	b->p = p;
	b->cap = cap;
	return 0;
}

void mr_buf_add(struct mr_buf *b, const void *data, size_t n)
{
	if (grow(b, n) != 0)
		return;
	if (n)
		memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void mr_buf_adds(struct mr_buf *b, const char *s)
{
	if (s)
		mr_buf_add(b, s, strlen(s));
}

void mr_buf_addc(struct mr_buf *b, char c)
{
	if (grow(b, 1) != 0)
		return;
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

void mr_buf_printf(struct mr_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char tmp[512];
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(tmp)) {
		mr_buf_add(b, tmp, (size_t)n);
		return;
	}
	if (grow(b, (size_t)n) != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void mr_buf_free(struct mr_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static const char hexd[] = "0123456789ABCDEF";

void mr_buf_add_qp(struct mr_buf *b, const char *data, size_t n)
{
	/* worst case: every byte as =XX, plus soft breaks */
	if (grow(b, n * 3 + n / 25 + 8) != 0)
		return;
	char *o = b->p + b->len;
	size_t col = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)data[i];
		if (c == '\r' && i + 1 < n && data[i + 1] == '\n')
			continue; /* the LF writes the break */
		if (c == '\n') {
			/* trailing space or tab before a break must be encoded */
			if (col > 0 && (o[-1] == ' ' || o[-1] == '\t')) {
				char t = o[-1];
				o--;
				if (col + 2 > 75) {
					*o++ = '=';
					*o++ = '\r';
					*o++ = '\n';
				}
				*o++ = '=';
				*o++ = hexd[(unsigned char)t >> 4];
				*o++ = hexd[t & 15];
			}
			*o++ = '\r';
			*o++ = '\n';
			col = 0;
			continue;
		}
		int lit = (c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t';
		/* a '.' alone at a line start is fine for SMTP (dot-stuffing), but
		 * "From " at a line start gets mangled by mbox writers: encode F */
		if (col == 0 && c == 'F' && i + 4 < n && memcmp(data + i, "From ", 5) == 0)
			lit = 0;
		size_t need = lit ? 1 : 3;
		if (col + need > 75) {
			*o++ = '=';
			*o++ = '\r';
			*o++ = '\n';
			col = 0;
		}
		if (lit) {
			*o++ = (char)c;
		} else {
			*o++ = '=';
			*o++ = hexd[c >> 4];
			*o++ = hexd[c & 15];
		}
		col += need;
	}
	if (col > 0 && (o[-1] == ' ' || o[-1] == '\t')) {
		char t = o[-1];
		o--;
		*o++ = '=';
		*o++ = hexd[(unsigned char)t >> 4];
		*o++ = hexd[t & 15];
	}
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
}

static const char b64d[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_block(char *o, const unsigned char *d, size_t n)
{
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
		*o++ = b64d[v >> 18];
		*o++ = b64d[(v >> 12) & 63];
		*o++ = b64d[(v >> 6) & 63];
		*o++ = b64d[v & 63];
	}
	if (n - i == 1) {
		unsigned v = (unsigned)d[i] << 16;
		*o++ = b64d[v >> 18];
		*o++ = b64d[(v >> 12) & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (n - i == 2) {
		unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8;
		*o++ = b64d[v >> 18];
		*o++ = b64d[(v >> 12) & 63];
		*o++ = b64d[(v >> 6) & 63];
		*o++ = '=';
	}
	return o;
}

void mr_buf_add_b64(struct mr_buf *b, const unsigned char *data, size_t n)
{
	if (grow(b, (n + 2) / 3 * 4) != 0)
		return;
	char *o = b64_block(b->p + b->len, data, n);
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
}

void mr_buf_add_b64_lines(struct mr_buf *b, const unsigned char *data, size_t n)
{
	size_t lines = (n + 56) / 57;
	if (grow(b, lines * 78 + 4) != 0)
		return;
	char *o = b->p + b->len;
	for (size_t i = 0; i < n; i += 57) {
		o = b64_block(o, data + i, n - i < 57 ? n - i : 57);
		*o++ = '\r';
		*o++ = '\n';
	}
	b->len = (size_t)(o - b->p);
	b->p[b->len] = '\0';
}

int mr_b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int mr_hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t mr_buf_add_b64_decoded(struct mr_buf *b, const char *s, size_t n)
{
	unsigned acc = 0;
	int bits = 0;
	size_t junk = 0;
	char tmp[512];
	size_t t = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];
		int v = mr_b64_value(c);
		if (v < 0) {
			if (c == '=') /* padding ends a block: a next one starts afresh */
				acc = 0, bits = 0;
			else if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
				junk++;
			continue;
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			tmp[t++] = (char)((acc >> bits) & 0xff);
			acc &= (1u << bits) - 1;
			if (t == sizeof(tmp)) {
				mr_buf_add(b, tmp, t);
				t = 0;
			}
		}
	}
	mr_buf_add(b, tmp, t);
	return junk;
}
