/* SPDX-License-Identifier: MIT */
/* Modified UTF-7 of IMAP mailbox names (RFC 3501 5.1.3) both ways, strict on what comes from the server. */
#include "config.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "imap-utf7.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static int b64_value(unsigned char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

static int printable(uint32_t c)
{
	return c >= 0x20 && c <= 0x7e;
}

/* The code point of the UTF-8 sequence at *pp (advanced past it), or -1. */
static long utf8_next(const unsigned char **pp)
{
	const unsigned char *p = *pp;
	uint32_t c = p[0];
	int len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 :
		  c >= 0xf0 && c <= 0xf4 ? 4 : 0;
	if (!len)
		return -1;
	if (len > 1)
		c &= 0x3f >> (len - 1);
	for (int i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*pp = p + len;
	return (long)c;
}

/* Appends the base64 of the 16-bit units u[0..n) and the closing '-'. */
static char *put_run(char *o, const uint16_t *u, size_t n)
{
	uint32_t bits = 0;
	int nbits = 0;
	*o++ = '&';
	for (size_t i = 0; i < n; i++) {
		bits = bits << 16 | u[i];
		nbits += 16;
		while (nbits >= 6) {
			nbits -= 6;
			*o++ = b64[(bits >> nbits) & 0x3f];
		}
	}
	if (nbits)
		*o++ = b64[(bits << (6 - nbits)) & 0x3f];
	*o++ = '-';
	return o;
}

char *imap_utf7_encode(const char *s)
{
	size_t n = strlen(s);
	/* a UTF-8 byte becomes at most 8/3 base64 characters; each run adds 2 */
	char *out = malloc(n * 4 + 3);
	uint16_t *units = malloc((n + 1) * sizeof(*units));
	if (!out || !units) {
		free(out);
		free(units);
		return NULL;
	}
	char *o = out;
	size_t nu = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		long c = utf8_next(&p);
		if (c < 0 || c < 0x20 || c == 0x7f)
			goto bad;
		if (printable((uint32_t)c)) {
			if (nu)
				o = put_run(o, units, nu);
			nu = 0;
			*o++ = (char)c;
			if (c == '&')
				*o++ = '-';
		} else if (c < 0x10000) {
			units[nu++] = (uint16_t)c;
		} else {
			c -= 0x10000;
			units[nu++] = (uint16_t)(0xd800 | (c >> 10));
			units[nu++] = (uint16_t)(0xdc00 | (c & 0x3ff));
		}
	}
	if (nu)
		o = put_run(o, units, nu);
	*o = '\0';
	free(units);
	return out;
bad:
	free(out);
	free(units);
	return NULL;
}

/* Writes the code point c as UTF-8 at o; returns the end. */
static char *put_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		*o++ = (char)c;
	} else if (c < 0x800) {
		*o++ = (char)(0xc0 | c >> 6);
		*o++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*o++ = (char)(0xe0 | c >> 12);
		*o++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	} else {
		*o++ = (char)(0xf0 | c >> 18);
		*o++ = (char)(0x80 | ((c >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((c >> 6) & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	}
	return o;
}

/* Decodes the base64 run at *pp (after '&', up to its '-', which is
 * consumed) into UTF-8 at *op; 0, or -1 when it is not a valid run. */
static int take_run(const char **pp, char **op)
{
	const char *p = *pp;
	uint32_t bits = 0, high = 0;
	int nbits = 0, units = 0;
	char *o = *op;
	for (; *p != '-'; p++) {
		int v = b64_value((unsigned char)*p);
		if (v < 0)
			return -1; /* outside the alphabet, or the name ended */
		bits = (bits << 6 | (uint32_t)v) & 0xffffff;
		nbits += 6;
		if (nbits < 16)
			continue;
		nbits -= 16;
		uint32_t u = (bits >> nbits) & 0xffff;
		units++;
		if (high) {
			if (u < 0xdc00 || u > 0xdfff)
				return -1;
			o = put_utf8(o, 0x10000 + ((high - 0xd800) << 10) + (u - 0xdc00));
			high = 0;
		} else if (u >= 0xd800 && u <= 0xdbff) {
			high = u;
		} else if ((u >= 0xdc00 && u <= 0xdfff) || printable(u)) {
			return -1; /* a lone low surrogate, or ASCII that stands for itself */
		} else {
			o = put_utf8(o, u);
		}
	}
	/* whole units only, padding bits zero, no surrogate left open, not empty */
	if (high || nbits >= 6 || (bits & ((1u << nbits) - 1)) || !units)
		return -1;
	*pp = p + 1;
	*op = o;
	return 0;
}

char *imap_utf7_decode(const char *s)
{
	size_t n = strlen(s);
	/* 8 base64 characters carry at most 6 bytes (two units) of UTF-8 */
	char *out = malloc(n * 2 + 1);
	if (!out)
		return NULL;
	char *o = out;
	int after_run = 0;
	for (const char *p = s; *p;) {
		unsigned char c = (unsigned char)*p;
		if (!printable(c))
			goto bad;
		if (c != '&') {
			*o++ = (char)c;
			p++;
			after_run = 0;
			continue;
		}
		p++;
		if (*p == '-') {
			*o++ = '&';
			p++;
			after_run = 0;
			continue;
		}
		if (after_run || take_run(&p, &o) != 0)
			goto bad; /* two runs in a row: one would have done */
		after_run = 1;
	}
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}
