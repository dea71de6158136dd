/* SPDX-License-Identifier: MIT */
/* Sanitising attachment file names so that they are safe to create in a directory on any file system. */
#include "config.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mail-internal.h"

#define NAME_MAX_BYTES 200
#define EXT_MAX_BYTES 16

/* Length of a valid UTF-8 sequence at s, 0 when invalid. */
static size_t seq_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len = c < 0x80 ? 1 : (c >= 0xc2 && c <= 0xdf) ? 2 : (c >= 0xe0 && c <= 0xef) ? 3
			: (c >= 0xf0 && c <= 0xf4) ? 4 : 0;
	if (!len || n < len)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if (len == 3 && c == 0xe0 && s[1] < 0xa0)
		return 0;
	if (len == 3 && c == 0xed && s[1] >= 0xa0) /* surrogates */
		return 0;
	if (len == 4 && ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] >= 0x90)))
		return 0;
	return len;
}

static int reserved_device(const char *s, size_t n)
{
	static const char *names[] = { "con", "prn", "aux", "nul", "com", "lpt" };
	size_t stem = 0;
	while (stem < n && s[stem] != '.')
		stem++;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (stem >= 3 && strncasecmp(s, names[i], 3) == 0) {
			if (i < 4 && stem == 3)
				return 1;
			if (i >= 4 && stem == 4 && s[3] >= '0' && s[3] <= '9')
				return 1;
		}
	}
	return 0;
}

/* Cuts s (n bytes, valid UTF-8) to at most max bytes at a character boundary. */
static size_t utf8_cut(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return n;
	size_t k = max;
	while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	return k;
}

char *mr_filename_sanitize(const char *name, size_t len, const char *fallback)
{
	const char *src = name ? name : "";
	size_t n = name ? len : 0;
	/* only the last path component, for both / and \ */
	for (size_t i = n; i > 0; i--) {
		if (src[i - 1] == '/' || src[i - 1] == '\\') {
			src += i;
			n -= i;
			break;
		}
	}
	char *out = malloc(n * 3 + 1);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		const unsigned char *c = (const unsigned char *)src + i;
		size_t l = seq_len(c, n - i);
		if (l == 0) { /* invalid byte */
			out[o++] = '_';
			i++;
			continue;
		}
		if (l == 1) {
			unsigned char ch = c[0];
			if (ch < 0x20 || ch == 0x7f || strchr("/\\:*?\"<>|", ch)) {
				if (o > 0 && out[o - 1] != '_')
					out[o++] = '_';
				else if (o == 0)
					out[o++] = '_';
			} else {
				out[o++] = (char)ch;
			}
		} else if (l == 2 && c[0] == 0xc2 && c[1] < 0xa0) {
			out[o++] = '_'; /* C1 controls */
		} else {
			memcpy(out + o, c, l);
			o += l;
		}
		i += l;
	}
	out[o] = '\0';
	/* no leading dots, spaces or underscores left by separators; no trailing dots or spaces */
	size_t start = 0;
	while (start < o && (out[start] == '.' || out[start] == ' ' || out[start] == '_'))
		start++;
	while (o > start && (out[o - 1] == '.' || out[o - 1] == ' '))
		o--;
	memmove(out, out + start, o - start);
	o -= start;
	out[o] = '\0';
	if (o == 0) {
		free(out);
		return strdup(fallback && *fallback ? fallback : "attachment");
	}
	if (reserved_device(out, o)) {
		char *p = malloc(o + 2);
		if (!p) {
			free(out);
			return NULL;
		}
		p[0] = '_';
		memcpy(p + 1, out, o + 1);
		free(out);
		out = p;
		o++;
	}
	if (o > NAME_MAX_BYTES) {
		/* keep a short extension */
		const char *dot = strrchr(out, '.');
		size_t ext = dot ? (size_t)(out + o - dot) : 0;
		if (ext > EXT_MAX_BYTES || ext == o)
			ext = 0;
		size_t keep = utf8_cut(out, o - ext, NAME_MAX_BYTES - ext);
		memmove(out + keep, out + o - ext, ext);
		o = keep + ext;
		out[o] = '\0';
	}
	return out;
}
