/* SPDX-License-Identifier: MIT */
/* Unit tests of transport-smtp's transcript reader (which reply answers which command) and of its CRLF-normalising message reader. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "tap.h"
#include "smtp-reply.h"
#include "smtp-body.h"

static void cmd(struct smtp_tx *tx, const char *s)
{
	smtp_tx_command(tx, s, strlen(s));
}

static void rep(struct smtp_tx *tx, const char *s)
{
	smtp_tx_reply_line(tx, s, strlen(s));
}

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

static void test_transaction(void)
{
	struct smtp_reply r[3];
	struct smtp_tx tx;
	smtp_tx_start(&tx, r, 3);
	rep(&tx, "220 sink ESMTP\r\n");
	cmd(&tx, "EHLO me\r\n");
	rep(&tx, "250-sink\r\n");
	rep(&tx, "250-SIZE 1000\r\n");
	rep(&tx, "250 8BITMIME\r\n");
	TAP_INT(tx.other.code, 250, "EHLO reply read outside the transaction");
	cmd(&tx, "MAIL FROM:<a@b>\r\n");
	rep(&tx, "250 2.1.0 Ok\r\n");
	cmd(&tx, "RCPT TO:<x@y>\r\n");
	rep(&tx, "250 2.1.5 Ok\r\n");
	cmd(&tx, "RCPT TO:<bad@y>\r\n");
	rep(&tx, "550-5.1.1 <bad@y>: Recipient address rejected:\r\n");
	rep(&tx, "550 5.1.1 User unknown\r\n");
	cmd(&tx, "RCPT TO:<soft@y>\r\n");
	rep(&tx, "451 4.3.0 try again\r\n");
	cmd(&tx, "DATA\r\n");
	rep(&tx, "354 End data with <CR><LF>.<CR><LF>\r\n");
	rep(&tx, "250 2.0.0 Ok: queued as ABC\r\n");
	TAP_INT(tx.mail.code, 250, "MAIL reply");
	TAP_INT(r[0].code, 250, "first RCPT reply");
	TAP_INT(r[1].code, 550, "second RCPT reply");
	TAP_STR(r[1].enhanced, "5.1.1", "enhanced status of a multi-line reply");
	TAP_STR(r[1].text, "<bad@y>: Recipient address rejected: User unknown",
		"text of a multi-line reply, joined");
	TAP_INT(r[2].code, 451, "third RCPT reply");
	TAP_INT(tx.data.code, 354, "DATA reply");
	TAP_INT(tx.final.code, 250, "final reply");
	TAP_STR(tx.final.enhanced, "2.0.0", "final enhanced status");
	TAP_STR(tx.final.text, "Ok: queued as ABC", "final text");
	TAP_INT(tx.phase, SMTP_PH_DONE, "transaction done");

	/* a retry on a fresh connection starts the transaction again */
	cmd(&tx, "MAIL FROM:<a@b>\r\n");
	TAP_INT(r[0].code, 0, "MAIL resets the recipients' replies");
	TAP_INT(tx.final.code, 0, "MAIL resets the final reply");

	/* lost connection after DATA: no final reply */
	smtp_tx_start(&tx, r, 1);
	cmd(&tx, "MAIL FROM:<>\r\n");
	rep(&tx, "250 ok\r\n");
	cmd(&tx, "RCPT TO:<x@y>\r\n");
	rep(&tx, "250 ok\r\n");
	cmd(&tx, "DATA\r\n");
	rep(&tx, "354 go\r\n");
	TAP_INT(tx.final.code, 0, "no final reply before the connection is lost");
	TAP_INT(tx.phase, SMTP_PH_BODY, "still in the body");

	/* DATA refused */
	smtp_tx_start(&tx, r, 1);
	cmd(&tx, "MAIL FROM:<>\r\n");
	rep(&tx, "250 ok\r\n");
	cmd(&tx, "RCPT TO:<x@y>\r\n");
	rep(&tx, "250 ok\r\n");
	cmd(&tx, "DATA\r\n");
	rep(&tx, "554 5.5.1 no valid recipients\r\n");
	TAP_INT(tx.data.code, 554, "DATA refused");
	TAP_INT(tx.final.code, 0, "no final reply when DATA is refused");

	/* control characters never reach a result's text */
	smtp_tx_start(&tx, r, 1);
	cmd(&tx, "MAIL FROM:<>\r\n");
	rep(&tx, "250 a\tb\x01" "c\r\n");
	TAP_STR(tx.mail.text, "a b c", "control characters become spaces");
}

static char *read_all(const char *in, size_t bufsz, size_t *len_r)
{
	struct smtp_body b;
	smtp_body_start(&b, in, strlen(in));
	char *out = malloc(strlen(in) * 2 + 1);
	size_t n = 0, got;
	int rounds = 0;
	while ((got = smtp_body_read(&b, out + n, bufsz)) > 0 && rounds++ < 100000)
		n += got;
	out[n] = '\0';
	*len_r = n;
	return out;
}

static void test_body(void)
{
	static const struct {
		const char *in, *want;
	} t[] = {
		{ "a\nb\n", "a\r\nb\r\n" },
		{ "a\r\nb\r\n", "a\r\nb\r\n" },
		{ "a\r\nb\nc", "a\r\nb\r\nc" },
		{ "\n\n", "\r\n\r\n" },
		{ ".\n..x\n", ".\r\n..x\r\n" },
		{ "no newline", "no newline" },
		{ "cr\ralone\n", "cr\ralone\r\n" },
		{ "", "" },
	};
	static const size_t sizes[] = { 1, 2, 3, 7, 4096 };
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			size_t len;
			char *got = read_all(t[i].in, sizes[s], &len);
			TAP_STR(got, t[i].want, "CRLF reader, input %zu, buffer %zu", i, sizes[s]);
			free(got);
		}
		TAP_INT(smtp_body_wire_len(t[i].in, strlen(t[i].in)), strlen(t[i].want),
			"wire length of input %zu", i);
	}
}

int main(void)
{
	test_line_code();
	test_enhanced();
	test_transaction();
	test_body();
	return tap_done();
}
