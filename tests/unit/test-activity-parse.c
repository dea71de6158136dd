/* SPDX-License-Identifier: MIT */
/* Unit tests of the incoming-message reader: RFC 2047 subjects, RFC 2231 names, file name sanitising, limits, HTML to text, broken input. */
#include "config.h"
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <mailroom/core.h>
#include "tap.h"
#include "mr.h"
#include <mailroom/mail.h>

static struct mr_activity *parse(const char *msg, const struct mr_activity_limits *lim)
{
	struct mr_activity *act = NULL;
	struct mr_error err = { 0 };
	int rc = mr_activity_parse(msg, strlen(msg), lim, &act, &err);
	if (rc)
		printf("# parse failed: %s\n", err.msg);
	return act;
}

static char *subject_of(const char *subject_line)
{
	char msg[2048];
	snprintf(msg, sizeof(msg), "From: a@example.org\nSubject: %s\n\nbody\n", subject_line);
	struct mr_activity *act = parse(msg, NULL);
	char *s = act && act->subject ? strdup(act->subject) : NULL;
	mr_activity_free(act);
	return s;
}

static void test_subjects(void)
{
	static const struct {
		const char *raw, *want, *what;
	} cases[] = {
		{ "=?utf-8?q?caf=C3=A9_cr=C3=A8me?=", "caf\xc3\xa9 cr\xc3\xa8me", "Q word, _ as space" },
		{ "=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?=\n =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=",
		  "If you can read this you understand the example.", "RFC 2047 example: folded B words, two charsets" },
		{ "=?UTF-8?B?TXlTdXJ2ZXk=?=\n =?UTF-8?B?LmNvbTogIFk=?=\n =?UTF-8?B?b3UgaGF2ZSA=?=",
		  "MySurvey.com:  You have ", "padded B words each decoded alone" },
		{ "=?utf-8?b?4pw=?= =?utf-8?b?kw==?= done", "\xe2\x9c\x93 done",
		  "a UTF-8 character split over two words" },
		{ "Re: =?utf-8?q?J=C3=B6rg?= and co", "Re: J\xc3\xb6rg and co", "words amid text keep their spaces" },
		{ "=?x-unknown?q?plain?=", "plain", "unknown charset read as UTF-8" },
		{ "=?utf-8*en?q?lang?=", "lang", "RFC 2231 language in a word" },
		{ "caf\xc3\xa9 raw utf-8", "caf\xc3\xa9 raw utf-8", "raw 8-bit UTF-8" },
		{ "caf\xe9 latin-1", "caf\xc3\xa9 latin-1", "raw 8-bit latin-1 read as windows-1252" },
		{ "=?utf-8?q?broken", "=?utf-8?q?broken", "an unterminated word stays as text" },
		{ "tail kept ", "tail kept ", "trailing space kept, as given" },
		{ "=?utf-8?B?" "?=x", "x", "an empty word" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = subject_of(cases[i].raw);
		TAP_STR(got, cases[i].want, "subject: %s", cases[i].what);
		free(got);
	}
	struct mr_activity *act = parse("From: a@example.org\n\nno subject\n", NULL);
	TAP_OK(act && act->subject == NULL, "subject: NULL when absent");
	mr_activity_free(act);
}

static const char *filename_msg =
	"From: a@example.org\n"
	"To: b@example.org\n"
	"Subject: names\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/mixed; boundary=XX\n"
	"\n"
	"--XX\n"
	"Content-Type: text/plain; charset=utf-8\n"
	"\n"
	"the body\n"
	"--XX\n"
	"Content-Type: application/pdf\n"
	"Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20rates.pdf\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"JVBERi0=\n"
	"--XX\n"
	"Content-Type: application/octet-stream\n"
	"Content-Disposition: attachment;\n"
	" filename*0*=iso-8859-1''Gr%FC%DFe%20;\n"
	" filename*1=\"aus Berlin.txt\"\n"
	"\n"
	"hello\n"
	"--XX\n"
	"Content-Type: image/png; name=\"=?utf-8?B?w6lww6llLnBuZw==?=\"\n"
	"Content-Transfer-Encoding: base64\n"
	"\n"
	"iVBORw0KGgo=\n"
	"--XX\n"
	"Content-Type: application/octet-stream\n"
	"Content-Disposition: attachment; filename=\"../../etc/passwd\"\n"
	"\n"
	"root:x:0:0\n"
	"--XX\n"
	"Content-Type: application/octet-stream\n"
	"Content-Disposition: attachment\n"
	"\n"
	"no name\n"
	"--XX--\n";

static void test_filenames(void)
{
	struct mr_activity *act = parse(filename_msg, NULL);
	if (!TAP_OK(act && act->n_att == 5, "five attachments (got %zu)", act ? act->n_att : 0)) {
		mr_activity_free(act);
		return;
	}
	TAP_STR(act->text, "the body", "the text/plain part is the body, not an attachment");
	TAP_STR(act->att[0].filename, "\xe2\x82\xac rates.pdf", "RFC 2231 UTF-8 name");
	TAP_INT(act->att[0].size, 5, "base64 decoded size");
	TAP_STR(act->att[0].sha256, "38523c087796e5d5dd1cf9bad1fb026781a838dd9dd2cf8af58b9f6502a46778", "SHA-256 of the decoded content");
	TAP_STR(act->att[1].filename, "Gr\xc3\xbc\xc3\x9f" "e aus Berlin.txt", "RFC 2231 continuation, latin-1");
	TAP_STR(act->att[2].filename, "\xc3\xa9p\xc3\xa9" "e.png", "RFC 2047 in a quoted name");
	TAP_STR(act->att[2].content_type, "image/png", "content type");
	TAP_STR(act->att[3].filename, "../../etc/passwd", "the name as given is kept");
	TAP_STR(act->att[3].safe_name, "passwd", "the safe name has no path");
	TAP_OK(act->att[4].filename == NULL, "no name: filename NULL");
	TAP_STR(act->att[4].safe_name, "attachment-5.bin", "no name: a fallback safe name");
	TAP_INT(act->n_skipped, 0, "nothing skipped without limits");
	TAP_OK(act->att[3].data && memcmp(act->att[3].data, "root:x:0:0", 10) == 0,
	       "decoded content kept");
	mr_activity_free(act);
}

static void test_sanitize(void)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want, *what;
	} cases[] = {
		{ "../../etc/passwd", 16, "passwd", "path traversal" },
		{ "..\\..\\windows\\win.ini", 21, "win.ini", "backslash path" },
		{ "a\0b.txt", 7, "a_b.txt", "NUL inside" },
		{ "a\x01\x1f\x7f" "b.txt", 9, "a_b.txt", "control characters" },
		{ ".htaccess", 9, "htaccess", "no hidden file" },
		{ "..", 2, "fallback.bin", "only dots" },
		{ "", 0, "fallback.bin", "empty" },
		{ "CON.txt", 7, "_CON.txt", "reserved device name" },
		{ "lpt1", 4, "_lpt1", "reserved device name, any case" },
		{ "re:port?.pdf", 12, "re_port_.pdf", "characters Windows refuses" },
		{ "\xff\xfe" "x.doc", 7, "x.doc", "invalid UTF-8" },
		{ "na\xc3\xafve caf\xc3\xa9.txt", 16, "na\xc3\xafve caf\xc3\xa9.txt", "valid UTF-8 kept" },
		{ "trailing. . ", 12, "trailing", "no trailing dots or spaces" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = mr_filename_sanitize(cases[i].in, cases[i].len, "fallback.bin");
		TAP_STR(got, cases[i].want, "sanitise: %s", cases[i].what);
		free(got);
	}
	char *got = mr_filename_sanitize(NULL, 0, "x.bin");
	TAP_STR(got, "x.bin", "sanitise: NULL name gives the fallback");
	free(got);
	/* very long names keep their extension and stay within 200 bytes */
	char longname[1200];
	memset(longname, 'a', 1000);
	memcpy(longname + 1000, ".pdf", 5);
	got = mr_filename_sanitize(longname, strlen(longname), "f");
	TAP_OK(got && strlen(got) <= 200 && strcmp(got + strlen(got) - 4, ".pdf") == 0,
	       "sanitise: 1004 bytes cut to <= 200 with .pdf kept (%zu)", got ? strlen(got) : 0);
	free(got);
	/* cut on a character boundary */
	char wide[700] = "";
	for (int i = 0; i < 100; i++)
		strcat(wide, "\xe2\x82\xac"); /* 300 bytes */
	got = mr_filename_sanitize(wide, strlen(wide), "f");
	TAP_OK(got && strlen(got) <= 200 && strlen(got) % 3 == 0, "sanitise: UTF-8 cut whole (%zu)",
	       got ? strlen(got) : 0);
	free(got);
}

static const char *three_att =
	"From: a@example.org\n"
	"Subject: limits\n"
	"Content-Type: multipart/mixed; boundary=\"b1\"\n"
	"\n"
	"--b1\n"
	"Content-Type: text/plain\n"
	"\n"
	"see attached\n"
	"--b1\n"
	"Content-Type: application/octet-stream; name=small.bin\n"
	"\n"
	"0123456789\n"
	"--b1\n"
	"Content-Type: application/octet-stream; name=big.bin\n"
	"\n"
	"%s\n"
	"--b1\n"
	"Content-Type: application/octet-stream; name=third.bin\n"
	"\n"
	"abc\n"
	"--b1--\n";

static void test_limits(void)
{
	char big[3000];
	memset(big, 'x', 2000);
	big[2000] = '\0';
	char msg[4096];
	snprintf(msg, sizeof(msg), three_att, big);
	struct mr_activity_limits lim = { .max_attachments = 1, .max_attachment_size = 1000 };
	struct mr_activity *act = parse(msg, &lim);
	if (!TAP_OK(act && act->n_att == 3, "limits: all three attachments recorded")) {
		mr_activity_free(act);
		return;
	}
	TAP_INT(act->att[0].skipped, MR_ATTACH_KEPT, "limits: the first is kept");
	TAP_OK(act->att[0].data != NULL, "limits: kept one has its data");
	TAP_INT(act->att[1].skipped, MR_ATTACH_SKIP_SIZE, "limits: the big one is skipped for size");
	TAP_OK(act->att[1].data == NULL && act->att[1].size >= 2000, "limits: skipped has no data, size %zu",
	       act->att[1].size);
	TAP_OK(strlen(act->att[1].sha256) == 64, "limits: skipped one still has its SHA-256");
	TAP_INT(act->att[2].skipped, MR_ATTACH_SKIP_COUNT, "limits: the third is over the count");
	TAP_STR(act->att[2].filename, "third.bin", "limits: skipped keeps its name");
	TAP_INT(act->n_skipped, 2, "limits: two skipped");
	TAP_STR(mr_activity_skip_reason(act->att[1].skipped), "over max_attachment_size", "reason text");
	mr_activity_free(act);
	act = parse(msg, NULL);
	TAP_OK(act && act->n_skipped == 0 && act->att[1].data, "no limits: nothing skipped");
	mr_activity_free(act);
}

static void test_html(void)
{
	const char *html = "<!DOCTYPE html><html><head><title>Title</title><style>p { x: 1 }</style>"
			   "<meta charset=utf-8></head><body><!-- a comment > here -->"
			   "<p>Hello&nbsp;<b>World</b> &amp; co</p><script>if (a < b) x();</script>"
			   "<div>Line&#233;2&#x41;</div>\n\n\n<ul><li>one</li><li>two</li></ul>"
			   "<table><tr><td>a</td><td>b</td></tr></table>"
			   "<a href=\"x>y\">link</a> &euro; &bogus; a < b</body></html>";
	char *t = mr_html_to_text(html, strlen(html));
	TAP_STR(t, "Hello World & co\n\nLine\xc3\xa9" "2A\n\none\n\ntwo\n\na b\n\nlink \xe2\x82\xac &bogus; a < b",
		"html to text");
	free(t);
	t = mr_html_to_text("<pre>  keep\n  this</pre>", 25);
	TAP_STR(t, "  keep\n  this", "pre keeps its spacing");
	free(t);
	t = mr_html_to_text("<script>never ends", 18);
	TAP_STR(t, "", "an unclosed script ends the text");
	free(t);
	const char *msg = "From: a@example.org\nContent-Type: text/html; charset=iso-8859-1\n\n"
			  "<p>Gr\xfc\xdf" "e</p>\n";
	struct mr_activity *act = parse(msg, NULL);
	TAP_STR(act ? act->text : NULL, "Gr\xc3\xbc\xc3\x9f" "e", "html-only message: text from the HTML");
	TAP_STR(act ? act->text_source : NULL, "html", "text_source html");
	TAP_OK(act && act->html && strstr(act->html, "<p>"), "the HTML body is kept");
	TAP_INT(act ? act->n_att : 99, 0, "the HTML body is not an attachment");
	mr_activity_free(act);
}

static void test_headers(void)
{
	const char *msg =
		"From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@example.org>\n"
		"To: Team: a@example.org, \"B, Person\" <b@example.org>;, c@example.org\n"
		"To: d@example.org\n"
		"Cc: undisclosed-recipients:;\n"
		"Bcc: filed@crm.example.org\n"
		"Date: Fri, 21 Nov 1997 09(comment):55:06 -0000\n"
		"Message-ID:\n <1234@local.machine.example>\n"
		"Subject: x\n"
		"\n"
		"Hi\r\nthere\r\n";
	struct mr_activity *act = parse(msg, NULL);
	if (!TAP_OK(act != NULL, "headers: parsed"))
		return;
	TAP_INT(act->from.n, 1, "one From");
	TAP_STR(act->from.v[0].addr, "joerg@example.org", "From addr-spec");
	TAP_STR(act->from.v[0].name, "J\xc3\xb6rg M\xc3\xbcller", "From display name decoded");
	TAP_INT(act->to.n, 4, "To: group flattened, every To field");
	TAP_STR(act->to.n > 1 ? act->to.v[1].addr : NULL, "b@example.org", "group member");
	TAP_STR(act->to.n > 1 ? act->to.v[1].name : NULL, "B, Person", "quoted name with a comma");
	TAP_STR(act->to.n > 3 ? act->to.v[3].addr : NULL, "d@example.org", "second To field");
	TAP_INT(act->cc.n, 0, "empty group: no Cc");
	TAP_STR(act->bcc.n ? act->bcc.v[0].addr : NULL, "filed@crm.example.org", "Bcc");
	TAP_STR(act->date, "1997-11-21T09:55:06", "date with a comment, -0000 gives no offset");
	TAP_STR(act->message_id, "<1234@local.machine.example>", "Message-ID unfolded");
	TAP_STR(act->text, "Hi\nthere\n", "CRLF becomes LF");
	mr_activity_free(act);
	act = parse("From: x@y.example\nTo: tim@a.example concierge@a.example, <c@b.example> junk, "
		    "G: g1@c.example, g2@c.example;, last@d.example\n\nx", NULL);
	TAP_INT(act ? act->to.n : 0, 5, "junk after a mailbox (no comma) is dropped, groups kept whole");
	TAP_STR(act && act->to.n > 1 ? act->to.v[1].addr : NULL, "c@b.example", "... the second element");
	TAP_STR(act && act->to.n > 4 ? act->to.v[4].addr : NULL, "last@d.example", "... after the group");
	mr_activity_free(act);
	act = parse("From: a@b.example\nDate: Tue, 1 Jul 2003 10:52:37 +0200\n\nx", NULL);
	TAP_STR(act ? act->date : NULL, "2003-07-01T10:52:37+02:00", "date with offset");
	TAP_INT(act ? act->date_unix : 0, 1057049557, "date as unix time");
	mr_activity_free(act);
	act = parse("From: a@b.example\nDate: someday soon\n\nx", NULL);
	TAP_OK(act && act->date == NULL, "garbage date: NULL");
	mr_activity_free(act);
	act = parse("\xef\xbb\xbf" "From a@b Mon Jan  1 00:00:00 2001\nFrom: x@y.example\n\nbody", NULL);
	TAP_STR(act && act->from.n ? act->from.v[0].addr : NULL, "x@y.example", "BOM and mbox From line skipped");
	mr_activity_free(act);
}

static void test_broken(void)
{
	/* garbage bytes, a broken boundary, deep nesting: no crash, something comes back */
	char junk[4096];
	unsigned x = 12345;
	for (size_t i = 0; i < sizeof(junk) - 1; i++) {
		x = x * 1103515245u + 12345u;
		junk[i] = (char)((x >> 16) & 0xff);
		if (!junk[i])
			junk[i] = '\n';
	}
	junk[sizeof(junk) - 1] = '\0';
	struct mr_activity *act = NULL;
	struct mr_error err = { 0 };
	int rc = mr_activity_parse(junk, sizeof(junk) - 1, NULL, &act, &err);
	TAP_OK(rc == 0 || rc == MR_EINPUT, "random bytes: parsed or refused (rc %d)", rc);
	mr_activity_free(act);
	act = parse("Content-Type: multipart/mixed; boundary=nope\n\n--other\nContent-Type: text/plain\n\nlost\n",
		    NULL);
	TAP_OK(act && act->text && strstr(act->text, "lost"), "boundary never found: the body is still the text");
	mr_activity_free(act);
	size_t depth = 3000, cap = depth * 80 + 100, n = 0;
	char *deep = malloc(cap);
	for (size_t i = 0; i < depth; i++)
		n += (size_t)snprintf(deep + n, cap - n, "Content-Type: multipart/mixed; boundary=b%zu\n\n--b%zu\n", i, i);
	n += (size_t)snprintf(deep + n, cap - n, "Content-Type: text/plain\n\ndeep\n");
	act = NULL;
	rc = mr_activity_parse(deep, n, NULL, &act, &err);
	TAP_OK(rc == 0 && act, "3000 nested multiparts: read without crashing");
	mr_activity_free(act);
	free(deep);
	act = parse("From: a@b.example\nContent-Type: text/plain; charset=x-no-such-charset\n"
		    "Content-Transfer-Encoding: quoted-printable\n\ncaf=C3=A9 =E9t=E9\n", NULL);
	TAP_STR(act ? act->text : NULL, "caf\xc3\xa9 \xc3\xa9t\xc3\xa9\n", "unknown charset: UTF-8, else windows-1252");
	mr_activity_free(act);
	act = parse("From: a@b.example\nContent-Type: message/rfc822\n\nFrom: inner@x.example\nSubject: inner\n\nhi\n",
		    NULL);
	TAP_OK(act && act->n_att == 1 && act->att[0].is_message && act->att[0].size > 0,
	       "a top-level message/rfc822 is an attachment");
	mr_activity_free(act);
	act = parse("From: a@b.example\nSubject: cut\nContent-Transfer-Enc", NULL);
	TAP_STR(act ? act->subject : NULL, "cut", "a message cut inside its header is still read");
	mr_activity_free(act);
	act = parse("garbage first line\r\nmore junk\r\nFrom: a@b.example\r\nSubject: after junk\r\n\r\nx", NULL);
	TAP_STR(act ? act->subject : NULL, "after junk", "junk lines before the header are skipped");
	mr_activity_free(act);
	act = parse("From: a@b.example\nContent-Type: application-x-gzip; name=\"d.xml.gz\"\n\nblah\n", NULL);
	TAP_STR(act ? act->text : NULL, "blah\n", "a Content-Type without a subtype is text/plain (RFC 2045)");
	TAP_INT(act ? act->n_att : 99, 0, "... and the body, not an attachment");
	mr_activity_free(act);
	act = parse("From: a@b.example\nContent-Type: multipart/alternative; boundary=q\n"
		    "Content-Type: text/plain\n\npreamble\n--q\nContent-Type: text/plain\n\ninner\n--q--\n", NULL);
	TAP_STR(act ? act->text : NULL, "inner", "two Content-Type fields: the first counts");
	mr_activity_free(act);
}

int main(void)
{
	test_subjects();
	test_filenames();
	test_sanitize();
	test_limits();
	test_html();
	test_headers();
	test_broken();
	return tap_done();
}
