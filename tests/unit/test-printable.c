/* SPDX-License-Identifier: MIT */
/* Unit test of mr_printable(), the sanitiser of message text for terminals and logs: escapes, controls, bidi overrides and invalid UTF-8 never pass, valid UTF-8 does, and cutting keeps whole characters. */
#include <string.h>

#include <mailroom/printable.h>

#include "tap.h"

struct pcase {
	const char *name, *in;
	size_t in_len; /* 0: strlen */
	size_t size;
	unsigned flags;
	const char *want;
};

static const struct pcase cases[] = {
	{ "plain ASCII kept", "Mailbox full", 0, 64, 0, "Mailbox full" },
	{ "ESC sequence (colour, title) loses its ESC", "a\x1b[31mred\x1b]0;pwned\x07", 0, 64, 0,
	  "a?[31mred?]0;pwned?" },
	{ "BEL, CR, NUL-free C0 and DEL", "x\x07y\rz\x01\x7f", 0, 64, 0, "x?y?z??" },
	{ "an embedded NUL is shown, not a cut", "ab\0cd", 5, 64, 0, "ab?cd" },
	{ "tab and newline are spaces on one line", "a\tb\nc", 0, 64, 0, "a b c" },
	{ "tab and newline kept when multi-line", "a\tb\nc", 0, 64, MR_PRINTABLE_MULTILINE,
	  "a\tb\nc" },
	{ "valid UTF-8 kept", "J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x93\xa7", 0, 64, 0,
	  "J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x93\xa7" },
	{ "C1 control U+009B (8-bit CSI) replaced", "a\xc2\x9b" "31mb", 0, 64, 0, "a?31mb" },
	{ "raw 8-bit CSI byte replaced", "a\x9b" "31mb", 0, 64, 0, "a?31mb" },
	{ "bidi override U+202E replaced", "invoice\xe2\x80\xaegnp.exe", 0, 64, 0,
	  "invoice?gnp.exe" },
	{ "bidi isolate U+2066 replaced", "\xe2\x81\xa6x", 0, 64, 0, "?x" },
	{ "Latin-1 byte (invalid UTF-8) replaced", "caf\xe9", 0, 64, 0, "caf?" },
	{ "overlong NUL (C0 80) replaced byte by byte", "a\xc0\x80z", 0, 64, 0, "a??z" },
	{ "surrogate (ED A0 80) replaced", "\xed\xa0\x80", 0, 64, 0, "???" },
	{ "over U+10FFFF replaced", "\xf4\x90\x80\x80", 0, 64, 0, "????" },
	{ "truncated sequence at the end", "ab\xe2\x82", 0, 64, 0, "ab??" },
	{ "long text cut with ...", "abcdefghijklmnop", 0, 10, 0, "abcdef..." },
	{ "exactly fitting text not cut", "abcdefghi", 0, 10, 0, "abcdefghi" },
	{ "cut keeps whole UTF-8 characters", "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 0, 8,
	  0, "\xc3\xa9\xc3\xa9..." },
	{ "tiny buffer", "abcdef", 0, 3, 0, "ab" },
	{ "empty", "", 0, 8, 0, "" },
};

int main(void)
{
	char buf[64];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *c = &cases[i];
		size_t n = c->in_len ? c->in_len : strlen(c->in);
		memset(buf, 'Z', sizeof(buf));
		size_t got = mr_printable(buf, c->size, c->in, n, c->flags);
		TAP_STR(buf, c->want, "%s", c->name);
		TAP_INT((long long)got, (long long)strlen(c->want), "%s: returned length", c->name);
	}
	TAP_STR(mr_printable_str(buf, sizeof(buf), NULL), "", "NULL prints as empty");
	TAP_STR(mr_printable_str(buf, sizeof(buf), "x\x1b" "y"), "x?y", "mr_printable_str");
	/* every byte value, alone: never a control in the output */
	int clean = 1;
	for (int b = 0; b < 256; b++) {
		char in = (char)b;
		mr_printable(buf, sizeof(buf), &in, 1, 0);
		for (const unsigned char *p = (const unsigned char *)buf; *p; p++)
			if (*p < 0x20 || *p == 0x7f || *p >= 0x80)
				clean = 0;
	}
	TAP_OK(clean, "no single byte passes as a control or as a stray 8-bit byte");
	TAP_INT((long long)mr_printable(buf, 0, "abc", 3, 0), 0, "size 0 writes nothing");
	return tap_done();
}
