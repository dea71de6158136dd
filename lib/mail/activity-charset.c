/* SPDX-License-Identifier: MIT */
/* Charset conversion to UTF-8 for incoming messages, tolerant of unknown charsets and invalid bytes. */
#include "config.h"
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <gmime/gmime.h>
#include "mail-internal.h"

/* windows-1252 code points of the bytes 0x80..0x9f (0 where undefined: read as latin-1). */
static const unsigned short cp1252_high[32] = {
	0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017d, 0,
	0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0, 0x017e, 0x0178,
};

struct obuf {
	char *p;
	size_t n, cap;
};

static int ob_reserve(struct obuf *b, size_t more)
{
	if (b->n + more + 1 <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < b->n + more + 1)
		cap *= 2;
	char *p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int ob_cp(struct obuf *b, unsigned cp)
{
	if (ob_reserve(b, 4))
		return -1;
	unsigned char *o = (unsigned char *)b->p + b->n;
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		b->n += 1;
	} else if (cp < 0x800) {
		o[0] = (unsigned char)(0xc0 | (cp >> 6));
		o[1] = (unsigned char)(0x80 | (cp & 0x3f));
		b->n += 2;
	} else if (cp < 0x10000) {
		o[0] = (unsigned char)(0xe0 | (cp >> 12));
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (unsigned char)(0x80 | (cp & 0x3f));
		b->n += 3;
	} else {
		o[0] = (unsigned char)(0xf0 | (cp >> 18));
		o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
		o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
		o[3] = (unsigned char)(0x80 | (cp & 0x3f));
		b->n += 4;
	}
	return 0;
}

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 when invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned cp;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

/* UTF-8 where valid, each other byte as windows-1252. */
static int utf8_or_1252(struct obuf *b, const unsigned char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		size_t run = i;
		size_t l;
		while (run < n && (l = utf8_seq(s + run, n - run)) > 0)
			run += l;
		if (run > i) {
			if (ob_reserve(b, run - i))
				return -1;
			memcpy(b->p + b->n, s + i, run - i);
			b->n += run - i;
			i = run;
		}
		if (i < n) {
			unsigned c = s[i++];
			unsigned cp = (c >= 0x80 && c < 0xa0 && cp1252_high[c - 0x80]) ? cp1252_high[c - 0x80]
											 : c;
			if (ob_cp(b, cp))
				return -1;
		}
	}
	return 0;
}

static int is_utf8ish(const char *cs)
{
	return !cs || !*cs || strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
	       strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0 ||
	       strcasecmp(cs, "ansi_x3.4-1968") == 0;
}

/* iconv from charset; invalid input becomes U+FFFD.  Returns 1 when the
 * charset is unknown (nothing written), 0 done, -1 out of memory. */
static int convert(struct obuf *b, const char *charset, const char *in, size_t len)
{
	mr_mail_init(); /* GMime's iconv cache */
	iconv_t cd = g_mime_iconv_open("UTF-8", charset);
	if (cd == (iconv_t)-1)
		return 1;
	char *ip = (char *)in;
	size_t left = len;
	int rc = 0;
	while (left > 0) {
		if (ob_reserve(b, left * 2 + 16)) {
			rc = -1;
			break;
		}
		char *op = b->p + b->n;
		size_t room = b->cap - b->n - 1;
		size_t r = iconv(cd, &ip, &left, &op, &room);
		b->n = (size_t)(op - b->p);
		if (r != (size_t)-1)
			break;
		if (errno == E2BIG)
			continue;
		/* EILSEQ, EINVAL: one replacement character per bad byte */
		if (ob_cp(b, 0xfffd)) {
			rc = -1;
			break;
		}
		ip++;
		left--;
		iconv(cd, NULL, NULL, NULL, NULL);
	}
	if (rc == 0) {
		/* flush any shift state */
		if (ob_reserve(b, 16) == 0) {
			char *op = b->p + b->n;
			size_t room = b->cap - b->n - 1;
			iconv(cd, NULL, NULL, &op, &room);
			b->n = (size_t)(op - b->p);
		}
	}
	g_mime_iconv_close(cd);
	return rc;
}

char *mr_to_utf8(const char *charset, const char *in, size_t len, size_t *len_r)
{
	struct obuf b = { 0 };
	if (ob_reserve(&b, len))
		return NULL;
	int rc = 1;
	if (!is_utf8ish(charset))
		rc = convert(&b, charset, in, len);
	if (rc == 1) {
		b.n = 0;
		rc = utf8_or_1252(&b, (const unsigned char *)in, len);
	}
	if (rc < 0) {
		free(b.p);
		return NULL;
	}
	/* no NUL inside the text */
	for (size_t i = 0; i < b.n; i++)
		if (b.p[i] == '\0')
			b.p[i] = ' ';
	b.p[b.n] = '\0';
	if (len_r)
		*len_r = b.n;
	return b.p;
}
