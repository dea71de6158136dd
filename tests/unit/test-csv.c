/* SPDX-License-Identifier: MIT */
/* Unit test of the streaming CSV reader: RFC 4180 quoting, embedded line breaks, CRLF, a BOM, errors with line numbers, UTF-8 checks. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "mr.h"
#include <mailroom/mail.h>
#include "csv.h"
#include "tap.h"

/* Reads all records of text; writes them as "a|b|c;" per record into out. */
static int read_all(const char *text, char *out, size_t n, unsigned long *lines, int max_lines,
		    struct mr_error *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct mr_csv c;
	mr_csv_init(&c, f);
	out[0] = '\0';
	int rc, k = 0;
	while ((rc = mr_csv_next(&c, err)) == 1) {
		for (size_t i = 0; i < c.n; i++) {
			strncat(out, c.fields[i], n - strlen(out) - 1);
			strncat(out, i + 1 < c.n ? "|" : ";", n - strlen(out) - 1);
		}
		if (k < max_lines)
			lines[k++] = c.rec_line;
	}
	mr_csv_free(&c);
	fclose(f);
	return rc;
}

int main(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "a,b,c\n1,2,3\n", "a|b|c;1|2|3;" },
		{ "a,b\r\n1,2\r\n", "a|b;1|2;" },
		{ "a,b\n1,2", "a|b;1|2;" },
		{ "\xef\xbb\xbf" "email\nx@y\n", "email;x@y;" },
		{ "\"a,b\",\"say \"\"hi\"\"\"\n", "a,b|say \"hi\";" },
		{ "\"two\nlines\",x\n", "two\nlines|x;" },
		{ "\"crlf\r\ninside\",x\r\n", "crlf\r\ninside|x;" },
		{ ",,\n", "||;" },
		{ "\"\",x\n", "|x;" },
		{ "Gr\xc3\xbc\xc3\x9f" "e,\xe2\x9c\x93\n", "Gr\xc3\xbc\xc3\x9f" "e|\xe2\x9c\x93;" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[256];
		unsigned long lines[8];
		struct mr_error err = { 0 };
		int rc = read_all(cases[i].in, out, sizeof(out), lines, 8, &err);
		TAP_INT(rc, 0, "case %zu reads to the end (%s)", i, rc ? err.msg : "ok");
		TAP_STR(out, cases[i].want, "case %zu fields", i);
	}
	char out[256];
	unsigned long lines[8] = { 0 };
	struct mr_error err = { 0 };
	int rc = read_all("h\n\"multi\nline\"\nnext\n", out, sizeof(out), lines, 8, &err);
	TAP_OK(rc == 0 && lines[0] == 1 && lines[1] == 2 && lines[2] == 4,
	       "records know the line they start on (1, 2, 4)");
	rc = read_all("h\n\"open\nnever closed\n", out, sizeof(out), lines, 8, &err);
	TAP_INT(rc, MR_EINPUT, "an unclosed quote is an error");
	TAP_STR(err.msg, "line 2: a quoted field is not closed before the end of the file",
		"... naming the line it started on");
	/* text after a closing quote: that record is reported, the next one read */
	FILE *f = fmemopen((void *)"a\n\"x\"y,z\nok\n", 12, "r");
	struct mr_csv c;
	mr_csv_init(&c, f);
	TAP_INT(mr_csv_next(&c, &err), 1, "header");
	TAP_INT(mr_csv_next(&c, &err), MR_EINPUT, "text after a closing quote is an error");
	TAP_STR(err.msg, "line 2: text after a closing quote", "... with its line");
	TAP_INT(mr_csv_next(&c, &err), 1, "the next record is read");
	TAP_STR(c.fields[0], "ok", "... correctly");
	mr_csv_free(&c);
	fclose(f);
	/* a NUL byte no longer cuts a field silently: the record is an error,
	 * the records around it are read */
	static const char nul[] = "a,b\nx\0y,z\n\"q\0\",w\nok,1\n";
	f = fmemopen((void *)nul, sizeof(nul) - 1, "r");
	mr_csv_init(&c, f);
	TAP_INT(mr_csv_next(&c, &err), 1, "NUL: header");
	TAP_INT(mr_csv_next(&c, &err), MR_EINPUT, "a NUL byte in a field is an error");
	TAP_STR(err.msg, "line 2: a NUL byte (this is not a text file, or not UTF-8)", "... naming the line");
	TAP_INT(mr_csv_next(&c, &err), MR_EINPUT, "a NUL byte in a quoted field is an error");
	TAP_INT(mr_csv_next(&c, &err), 1, "the record after it is read");
	TAP_STR(c.fields[0], "ok", "... correctly");
	mr_csv_free(&c);
	fclose(f);
	/* a field over MR_CSV_MAX_FIELD bytes: an error, bounded memory */
	size_t big = 10u * 1024 * 1024;
	char *text = malloc(big + 64);
	TAP_OK(text != NULL, "10 MB buffer");
	if (text) {
		size_t o = 0;
		memcpy(text + o, "email\n\"", 7), o += 7;
		memset(text + o, 'x', big), o += big;
		memcpy(text + o, "\"\nnext@example.org\n", 19), o += 19;
		f = fmemopen(text, o, "r");
		mr_csv_init(&c, f);
		TAP_INT(mr_csv_next(&c, &err), 1, "long: header");
		TAP_INT(mr_csv_next(&c, &err), MR_EINPUT, "a 10 MB field is an error");
		TAP_STR(err.msg, "line 2: a field longer than 65536 bytes", "... naming the line and the cap");
		TAP_OK(c.cap <= 2 * MR_CSV_MAX_FIELD + 1024, "... without holding it (buffer %zu bytes)", c.cap);
		TAP_INT(mr_csv_next(&c, &err), 1, "the record after it is read");
		TAP_STR(c.fields[0], "next@example.org", "... correctly");
		mr_csv_free(&c);
		fclose(f);
		free(text);
	}
	/* exactly MR_CSV_MAX_FIELD bytes is accepted */
	text = malloc(MR_CSV_MAX_FIELD + 16);
	if (text) {
		memset(text, 'y', MR_CSV_MAX_FIELD);
		text[MR_CSV_MAX_FIELD] = '\n';
		f = fmemopen(text, MR_CSV_MAX_FIELD + 1, "r");
		mr_csv_init(&c, f);
		TAP_INT(mr_csv_next(&c, &err), 1, "a field of exactly %d bytes is read", MR_CSV_MAX_FIELD);
		TAP_INT(strlen(c.fields[0]), MR_CSV_MAX_FIELD, "... whole");
		mr_csv_free(&c);
		fclose(f);
		free(text);
	}
	TAP_OK(mr_utf8_valid("Gr\xc3\xbc\xc3\x9f" "e \xf0\x9f\x98\x80"), "valid UTF-8");
	TAP_OK(!mr_utf8_valid("Gr\xfc\xdf" "e"), "Latin-1 is not UTF-8");
	TAP_OK(!mr_utf8_valid("\xc0\xaf"), "an overlong form is refused");
	TAP_OK(!mr_utf8_valid("\xe2\x9c"), "a cut sequence is refused");
	return tap_done();
}
