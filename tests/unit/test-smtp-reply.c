/* SPDX-License-Identifier: MIT */
/* Unit tests of transport-smtp's reply reader (codes, enhanced status, multi-line text, EHLO capabilities) and of its DATA encoder (CRLF, dot-stuffing, end of data). */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "smtp-reply.h"
#include "smtp-body.h"

static void test_line_code(void)
{
	static const struct {
		const char *line;
		int code, last;
	} t[] = {
		{ "250 OK\r\n", 250, 1 },      { "250-PIPELINING\r\n", 250, 0 },
		{ "354\r\n", 354, 1 },         { "550 5.1.1 no\r\n", 550, 1 },
		{ "hello\r\n", 0, 0 },         { "25 x\r\n", 0, 0 },
		{ "2500 x\r\n", 0, 0 },        { "650 x\r\n", 0, 0 },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int last = -1;
		int code = smtp_reply_line_code(t[i].line, strlen(t[i].line), &last);
		TAP_INT(code, t[i].code, "code of %.*s", (int)strcspn(t[i].line, "\r"), t[i].line);
		if (code)
			TAP_INT(last, t[i].last, "last-line flag of %.*s",
				(int)strcspn(t[i].line, "\r"), t[i].line);
	}
}

static void test_enhanced(void)
{
	static const struct {
		const char *text, *want;
	} t[] = {
		{ "2.0.0 Ok: queued", "2.0.0" }, { "5.1.1 <x@y>: unknown", "5.1.1" },
		{ "4.7.10 try later", "4.7.10" }, { "5.1.1", "5.1.1" },
		{ "3.0.0 no", "" },              { "2.0 short", "" },
		{ "Ok queued", "" },              { "5.1.1x", "" },
		{ "4.1234.1 long", "" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char enh[16];
		smtp_enhanced_parse(t[i].text, strlen(t[i].text), enh);
		TAP_STR(enh, t[i].want, "enhanced status of '%s'", t[i].text);
	}
}

/* feeds the lines of one reply; returns what the last feed returned */
static int feed(struct smtp_reply *r, const char *const *lines)
{
	int rc = -2;
	memset(r, 0, sizeof(*r));
	for (size_t i = 0; lines[i]; i++)
		rc = smtp_reply_feed(r, lines[i], strlen(lines[i]));
	return rc;
}

static void test_reply(void)
{
	struct smtp_reply r;
	static const char *const multi[] = { "550-5.1.1 <bad@y>: Recipient address rejected:\r\n",
					     "550 5.1.1 User unknown\r\n", NULL };
	TAP_INT(feed(&r, multi), 1, "a multi-line reply is complete at its last line");
	TAP_INT(r.code, 550, "its code");
	TAP_STR(r.enhanced, "5.1.1", "its enhanced status");
	TAP_STR(r.text, "<bad@y>: Recipient address rejected: User unknown",
		"its lines' text joined, enhanced codes dropped");
	static const char *const open[] = { "250-mx.test\r\n", "250-PIPELINING\r\n", NULL };
	TAP_INT(feed(&r, open), 0, "a reply whose last line has not come is not complete");
	TAP_INT(r.open, 1, "and stays open");
	static const char *const one[] = { "250 2.0.0 Ok: queued as ABC\r\n", NULL };
	feed(&r, one);
	TAP_STR(r.text, "Ok: queued as ABC", "a one-line reply's text");
	static const char *const bare[] = { "354\r\n", NULL };
	TAP_INT(feed(&r, bare), 1, "a code alone is a reply");
	TAP_INT(r.code, 354, "with its code");
	static const char *const junk[] = { "hello\r\n", NULL };
	TAP_INT(feed(&r, junk), -1, "a line that is not a reply is refused");
	static const char *const ctl[] = { "250 a\tb\x01" "c\r\n", NULL };
	feed(&r, ctl);
	TAP_STR(r.text, "a b c", "control characters become spaces");
	static const char *const high[] = { "550 5.1.1 caf\xc3\xa9 \xff\xfe ok\r\n", NULL };
	feed(&r, high);
	TAP_STR(r.text, "caf?? ?? ok", "bytes outside ASCII become '?' (never invalid UTF-8)");
	static char longl[600];
	memset(longl, 'x', sizeof(longl));
	memcpy(longl, "451 ", 4);
	longl[sizeof(longl) - 1] = '\0';
	const char *lines[] = { longl, NULL };
	feed(&r, lines);
	TAP_INT(strlen(r.text), sizeof(r.text) - 1, "a long text is cut to fit");
}

static void test_caps(void)
{
	struct smtp_caps c = { 0 };
	static const char *const ehlo[] = { "250-mx.test", "250-PIPELINING", "250-SIZE 10240000",
					    "250-8BITMIME", "250-SMTPUTF8", "250-AUTH PLAIN",
					    "250 HELP", NULL };
	for (size_t i = 0; ehlo[i]; i++)
		smtp_caps_line(&c, ehlo[i], strlen(ehlo[i]));
	TAP_INT(c.pipelining, 1, "PIPELINING seen");
	TAP_INT(c.size, 1, "SIZE seen");
	TAP_INT(c.eightbitmime, 1, "8BITMIME seen");
	TAP_INT(c.smtputf8, 1, "SMTPUTF8 seen");
	struct smtp_caps d = { 0 };
	static const char *const other[] = { "250-mx.test", "250-PIPELININGX", "220 PIPELINING",
					     "250 HELP", NULL };
	for (size_t i = 0; other[i]; i++)
		smtp_caps_line(&d, other[i], strlen(other[i]));
	TAP_INT(d.pipelining, 0, "PIPELININGX and a 220 line are not PIPELINING");
}

static void test_body(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "a\nb\n", "a\r\nb\r\n.\r\n" },
		{ "a\r\nb\r\n", "a\r\nb\r\n.\r\n" },
		{ "a\r\nb\nc", "a\r\nb\r\nc\r\n.\r\n" },
		{ "\n\n", "\r\n\r\n.\r\n" },
		{ ".\n..x\n.", "..\r\n...x\r\n..\r\n.\r\n" },
		{ "x\r\n.\r\ny", "x\r\n..\r\ny\r\n.\r\n" },
		{ "no newline", "no newline\r\n.\r\n" },
		{ "cr\ralone\n", "cr\ralone\r\n.\r\n" },
		{ "", ".\r\n" },
		{ "a. b\n .c\n", "a. b\r\n .c\r\n.\r\n" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t len = strlen(t[i].in);
		char *out = malloc(smtp_body_encoded_max(len) + 1);
		size_t n = smtp_body_encode(t[i].in, len, out);
		out[n] = '\0';
		TAP_STR(out, t[i].want, "DATA encoding of input %zu", i);
		TAP_OK(n <= smtp_body_encoded_max(len), "within the bound for input %zu", i);
		free(out);
	}
	char worst[64];
	memset(worst, '\n', sizeof(worst));
	char *out = malloc(smtp_body_encoded_max(sizeof(worst)));
	TAP_OK(smtp_body_encode(worst, sizeof(worst), out) <= smtp_body_encoded_max(sizeof(worst)),
	       "64 bare LFs stay within the bound");
	free(out);
	TAP_INT(smtp_body_wire_len("a\nb\r\nc", 6), 7, "SIZE counts CRLF line breaks");
	TAP_INT(smtp_body_has_8bit("abc", 3), 0, "ASCII is not 8-bit");
	TAP_INT(smtp_body_has_8bit("a\xc3\xbc", 3), 1, "UTF-8 is 8-bit");
}

int main(void)
{
	test_line_code();
	test_enhanced();
	test_reply();
	test_caps();
	test_body();
	return tap_done();
}
