/* SPDX-License-Identifier: MIT */
/* Unit test of fetch-imap's modified UTF-7 codec (RFC 3501 5.1.3): known names, round trips, and hostile wire names refused. */
#include "config.h"
#include <stdlib.h>
#include "tap.h"
#include "imap-utf7.h"

static void both_ways(const char *utf8, const char *wire)
{
	char *e = imap_utf7_encode(utf8);
	TAP_STR(e, wire, "encode \"%s\"", utf8);
	char *d = imap_utf7_decode(wire);
	TAP_STR(d, utf8, "decode \"%s\"", wire);
	free(e);
	free(d);
}

static void refused(const char *wire, const char *why)
{
	char *d = imap_utf7_decode(wire);
	TAP_OK(d == NULL, "decode refuses \"%s\" (%s)", wire, why);
	free(d);
}

int main(void)
{
	/* RFC 3501's own example, and the names sites meet */
	both_ways("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
		  "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
	both_ways("INBOX.Gel\xc3\xb6schte Elemente", "INBOX.Gel&APY-schte Elemente");
	both_ways("INBOX.\xd0\x9a\xd0\xbe\xd1\x80\xd0\xb7\xd0\xb8\xd0\xbd\xd0\xb0",
		  "INBOX.&BBoEPgRABDcEOAQ9BDA-");
	both_ways("Tom & Jerry", "Tom &- Jerry");
	both_ways("&", "&-");
	both_ways("plain.ascii_name-1", "plain.ascii_name-1");
	both_ways("", "");
	both_ways("\xc3\xa4\xc3\xb6\xc3\xbc", "&AOQA9gD8-");
	/* outside the BMP: a surrogate pair (U+1F4E7 E-MAIL SYMBOL) */
	both_ways("Post \xf0\x9f\x93\xa7", "Post &2D3c5w-");
	both_ways("\xc3\xa4&\xc3\xb6", "&AOQ-&-&APY-");

	/* round trips of every BMP character but the surrogates, one at a time
	 * beside ASCII, and a long run of them */
	int bad = 0;
	char name[16], big[3 * 2000 + 1];
	size_t bl = 0;
	for (unsigned c = 0x80; c <= 0xffff; c++) {
		if (c >= 0xd800 && c <= 0xdfff)
			continue;
		char *o = name;
		*o++ = 'x';
		if (c < 0x800) {
			*o++ = (char)(0xc0 | c >> 6);
			*o++ = (char)(0x80 | (c & 0x3f));
		} else {
			*o++ = (char)(0xe0 | c >> 12);
			*o++ = (char)(0x80 | ((c >> 6) & 0x3f));
			*o++ = (char)(0x80 | (c & 0x3f));
		}
		*o++ = 'y';
		*o = '\0';
		if (bl + 3 < 3 * 2000 && c >= 0x400) {
			memcpy(big + bl, name + 1, (size_t)(o - name) - 2);
			bl += (size_t)(o - name) - 2;
		}
		char *e = imap_utf7_encode(name);
		char *d = e ? imap_utf7_decode(e) : NULL;
		if (!d || strcmp(d, name) != 0)
			bad++;
		free(e);
		free(d);
	}
	TAP_INT(bad, 0, "every BMP character round-trips");
	big[bl] = '\0';
	char *e = imap_utf7_encode(big);
	char *d = e ? imap_utf7_decode(e) : NULL;
	TAP_OK(d && strcmp(d, big) == 0, "a run of %zu bytes round-trips", bl);
	free(e);
	free(d);

	/* what the configuration may not hold */
	TAP_OK(imap_utf7_encode("bad \xc3") == NULL, "encode refuses truncated UTF-8");
	TAP_OK(imap_utf7_encode("\xc0\xaf") == NULL, "encode refuses an overlong form");
	TAP_OK(imap_utf7_encode("\xed\xa0\x80") == NULL, "encode refuses a UTF-8 surrogate");
	TAP_OK(imap_utf7_encode("a\tb") == NULL, "encode refuses a control character");

	/* hostile wire names */
	refused("&AOQ", "unterminated &");
	refused("abc&", "& at the end");
	refused("&AO?-", "outside the base64 alphabet");
	refused("&AO/-", "'/' of standard base64");
	refused("&AOQ=-", "padding");
	refused("&AOR-", "bits left over that are not zero");
	refused("&AOQA-", "a partial 16-bit unit");
	refused("&AGE-", "'a' encoded (non-shortest)");
	refused("&ACY-", "'&' encoded (non-shortest)");
	refused("&AOQ-&APY-", "two runs next to each other (non-shortest)");
	refused("&2D0-", "a lone high surrogate");
	refused("&3OfYPQ-", "a reversed surrogate pair");
	refused("&3Oc-", "a lone low surrogate");
	refused("Gel\xc3\xb6schte", "raw 8-bit bytes");
	refused("a\tb", "a control character");
	both_ways("&-", "&--");
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}
