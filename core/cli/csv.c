/* SPDX-License-Identifier: MIT */
/* A streaming RFC 4180 CSV reader (one record at a time from a FILE, quoted fields with embedded commas, quotes and line breaks, CRLF or LF, line numbers for errors) and the field writer of contact export. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "mr.h"
#include "csv.h"


void mr_csv_init(struct mr_csv *c, FILE *f)
{
	memset(c, 0, sizeof(*c));
	c->f = f;
	c->line = 1;
}

void mr_csv_free(struct mr_csv *c)
{
	free(c->buf);
	free(c->fields);
	free(c->offs);
	memset(c, 0, sizeof(*c));
}

#define BAD_NUL  0x1
#define BAD_LONG 0x2

static int put(struct mr_csv *c, char ch)
{
	/* a NUL would silently cut the field; an over-long field is dropped:
	 * either makes the whole record an error at its end */
	if (ch == '\0') {
		c->bad |= BAD_NUL;
		return 0;
	}
	if (c->len - c->start >= MR_CSV_MAX_FIELD) {
		c->bad |= BAD_LONG;
		return 0;
	}
	if (c->len + 2 > c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 1024;
		char *b = realloc(c->buf, nc);
		if (!b)
			return -1;
		c->buf = b;
		c->cap = nc;
	}
	c->buf[c->len++] = ch;
	return 0;
}

static int end_field(struct mr_csv *c)
{
	if (c->len + 1 > c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 1024;
		char *b = realloc(c->buf, nc);
		if (!b)
			return -1;
		c->buf = b;
		c->cap = nc;
	}
	c->buf[c->len++] = '\0';
	if (c->n == c->fcap) {
		size_t nc = c->fcap ? c->fcap * 2 : 16;
		size_t *f = realloc(c->offs, nc * sizeof(*f));
		if (!f)
			return -1;
		c->offs = f;
		c->fcap = nc;
	}
	c->offs[c->n++] = c->start;
	c->start = c->len;
	return 0;
}

int mr_csv_next(struct mr_csv *c, struct mr_error *err)
{
	FILE *f = c->f;
	c->len = c->start = c->n = 0;
	c->bad = 0;
	c->rec_line = c->line;
	int ch = getc_unlocked(f);
	if (ch == EOF)
		return 0;
	if (c->line == 1 && !c->bom_checked) {
		c->bom_checked = 1;
		if (ch == 0xef) {
			int b2 = getc_unlocked(f), b3 = getc_unlocked(f);
			if (b2 != 0xbb || b3 != 0xbf)
				return mr_error_set(err, MR_EINPUT, "line 1: not UTF-8 text");
			ch = getc_unlocked(f);
			if (ch == EOF)
				return 0;
		}
	}
	int quoted = 0, was_quoted = 0;
	for (;; ch = getc_unlocked(f)) {
		if (quoted) {
			if (ch == EOF)
				return mr_error_set(err, MR_EINPUT, "line %lu: a quoted field is not "
						    "closed before the end of the file", c->rec_line);
			if (ch == '"') {
				int nx = getc_unlocked(f);
				if (nx == '"') {
					if (put(c, '"'))
						goto oom;
					continue;
				}
				quoted = 0;
				ungetc(nx, f);
				continue;
			}
			if (ch == '\n')
				c->line++;
			if (put(c, (char)ch))
				goto oom;
			continue;
		}
		if (ch == '"' && c->len == c->start && !was_quoted) {
			quoted = was_quoted = 1;
			continue;
		}
		if (ch == ',') {
			if (end_field(c))
				goto oom;
			was_quoted = 0;
			continue;
		}
		if (ch == '\r') {
			int nx = getc_unlocked(f);
			if (nx != '\n')
				ungetc(nx, f);
			ch = '\n';
		}
		if (ch == '\n' || ch == EOF) {
			if (ch == '\n')
				c->line++;
			if (end_field(c))
				goto oom;
			break;
		}
		if (was_quoted) {
			/* skip the rest of the line: the next record starts after it */
			while (ch != '\n' && ch != EOF)
				ch = getc_unlocked(f);
			if (ch == '\n')
				c->line++;
			return mr_error_set(err, MR_EINPUT, "line %lu: text after a closing quote",
					    c->rec_line);
		}
		if (put(c, (char)ch))
			goto oom;
	}
	if (c->bad & BAD_NUL)
		return mr_error_set(err, MR_EINPUT, "line %lu: a NUL byte (this is not a text file, "
				    "or not UTF-8)", c->rec_line);
	if (c->bad & BAD_LONG)
		return mr_error_set(err, MR_EINPUT, "line %lu: a field longer than %d bytes",
				    c->rec_line, MR_CSV_MAX_FIELD);
	if (c->n > c->fpcap) {
		const char **p = realloc(c->fields, c->n * sizeof(*p));
		if (!p)
			goto oom;
		c->fields = p;
		c->fpcap = c->n;
	}
	for (size_t i = 0; i < c->n; i++)
		c->fields[i] = c->buf + c->offs[i];
	return 1;
oom:
	return mr_error_set(err, MR_ENOMEM, "out of memory reading CSV");
}

/* True when s is valid UTF-8 (no overlong two-byte forms). */
int mr_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		if (*p < 0x80) {
			p++;
			continue;
		}
		int n = (*p & 0xe0) == 0xc0 ? 1 : (*p & 0xf0) == 0xe0 ? 2 : (*p & 0xf8) == 0xf0 ? 3 : -1;
		if (n < 0 || (*p & 0xfe) == 0xc0)
			return 0;
		for (int i = 1; i <= n; i++)
			if ((p[i] & 0xc0) != 0x80)
				return 0;
		p += n + 1;
	}
	return 1;
}

void mr_csv_write_field(FILE *f, const char *s)
{
	size_t n = strlen(s);
	int quote = n && (s[0] == ' ' || s[0] == '\t' || s[n - 1] == ' ' || s[n - 1] == '\t');
	for (size_t i = 0; i < n && !quote; i++)
		quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
	if (!quote) {
		fputs(s, f);
		return;
	}
	putc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"')
			putc('"', f);
		putc(s[i], f);
	}
	putc('"', f);
}
