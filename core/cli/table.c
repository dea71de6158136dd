/* SPDX-License-Identifier: MIT */
/* Table cells of list output padded by display width (columns on a terminal), not bytes, so that non-ASCII names line up. */
#include "config.h"
#include <stdint.h>
#include <string.h>
#include "cli.h"

/* Columns a code point takes: 0 for combining marks and zero-width ones,
 * 2 for East Asian wide and fullwidth forms and emoji, else 1. */
static int cp_width(uint32_t c)
{
	static const struct { uint32_t lo, hi; } zero[] = {
		{ 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd }, { 0x0610, 0x061a },
		{ 0x064b, 0x065f }, { 0x0e31, 0x0e31 }, { 0x0e34, 0x0e3a }, { 0x1ab0, 0x1aff },
		{ 0x1dc0, 0x1dff }, { 0x200b, 0x200f }, { 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f },
		{ 0xfe20, 0xfe2f },
	};
	static const struct { uint32_t lo, hi; } wide[] = {
		{ 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff }, { 0x3400, 0x4dbf },
		{ 0x4e00, 0x9fff }, { 0xa000, 0xa4cf }, { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff },
		{ 0xfe30, 0xfe4f }, { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
		{ 0x1f900, 0x1f9ff }, { 0x20000, 0x3fffd },
	};
	for (size_t i = 0; i < sizeof(zero) / sizeof(zero[0]); i++)
		if (c >= zero[i].lo && c <= zero[i].hi)
			return 0;
	for (size_t i = 0; i < sizeof(wide) / sizeof(wide[0]); i++)
		if (c >= wide[i].lo && c <= wide[i].hi)
			return 2;
	return 1;
}

int cli_width(const char *s)
{
	int w = 0;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		uint32_t c = *p;
		int len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (len > 1) {
			c &= 0xff >> (len + 1);
			for (int i = 1; i < len; i++) {
				if ((p[i] & 0xc0) != 0x80) {
					len = i; /* broken: each byte counts as one column */
					c = 0xfffd;
					break;
				}
				c = c << 6 | (p[i] & 0x3f);
			}
		}
		w += cp_width(c);
		p += len;
	}
	return w;
}

void cli_cell(const char *s, int width)
{
	if (!s)
		s = "";
	fputs(s, stdout);
	for (int w = cli_width(s); w < width; w++)
		putchar(' ');
	putchar(' ');
}
