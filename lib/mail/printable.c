/* SPDX-License-Identifier: MIT */
/* The one sanitiser of text from a message before it reaches a terminal or a log line (see mailroom/printable.h). */
#include <stdint.h>
#include <string.h>

#include <mailroom/printable.h>

/* Length of the valid UTF-8 sequence at s (1..4), its code point in *cp_r;
 * 0 when the bytes there are not valid UTF-8. */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp_r)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp, min;
	if (c < 0x80) {
		*cp_r = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		len = 2, cp = c & 0x1f, min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3, cp = c & 0x0f, min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4, cp = c & 0x07, min = 0x10000;
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
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	*cp_r = cp;
	return len;
}

static int unsafe(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
	       (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t mr_printable(char *dst, size_t size, const char *src, size_t len, unsigned flags)
{
	if (size == 0)
		return 0;
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, i = 0, cut = (size_t)-1;
	while (i < len) {
		uint32_t cp = 0;
		size_t n = utf8_char(s + i, len - i, &cp);
		const char *rep = NULL;
		size_t rn;
		if (n == 0) {
			rep = "?", rn = 1, n = 1;
		} else if (cp == '\n' || cp == '\t') {
			rep = (flags & MR_PRINTABLE_MULTILINE) ? (const char *)s + i : " ";
			rn = 1;
		} else if (unsafe(cp)) {
			rep = "?", rn = 1;
		} else {
			rep = (const char *)s + i, rn = n;
		}
		/* the last character start where "..." still fits */
		if (o + 3 < size)
			cut = o;
		if (o + rn >= size) {
			if (cut != (size_t)-1) {
				memcpy(dst + cut, "...", 3);
				o = cut + 3;
			}
			dst[o] = 0;
			return o;
		}
		memcpy(dst + o, rep, rn);
		o += rn;
		i += n;
	}
	dst[o] = 0;
	return o;
}

const char *mr_printable_str(char *buf, size_t size, const char *s)
{
	mr_printable(buf, size, s, s ? strlen(s) : 0, 0);
	return buf;
}
