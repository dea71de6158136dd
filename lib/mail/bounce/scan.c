/* SPDX-License-Identifier: MIT */
/* A tolerant, bounded MIME scanner for bounces: line endings, headers, multipart walk, base64 and quoted-printable. */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "internal.h"

const char *ci_find(const char *h, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	if (m == 0)
		return h;
	if (m > n)
		return NULL;
	int c0 = tolower((unsigned char)needle[0]);
	for (size_t i = 0; i + m <= n; i++) {
		if (tolower((unsigned char)h[i]) != c0)
			continue;
		if (strncasecmp(h + i, needle, m) == 0)
			return h + i;
	}
	return NULL;
}

/* Copies data with every CRLF and bare CR turned into LF; NULs become spaces. */
static char *normalise(const char *data, size_t len, size_t *len_r)
{
	char *out = malloc(len + 2);
	if (!out)
		return NULL;
	size_t o = 0;
	for (size_t i = 0; i < len; i++) {
		char c = data[i];
		if (c == '\r') {
			out[o++] = '\n';
			if (i + 1 < len && data[i + 1] == '\n')
				i++;
		} else {
			out[o++] = c ? c : ' ';
		}
	}
	out[o] = 0;
	*len_r = o;
	return out;
}

size_t hdr_block(const char *p, size_t len, size_t *body_r)
{
	/* A block that does not start like a header has no headers. */
	size_t i = 0;
	if (len && p[0] == '\n') {
		*body_r = 1;
		return 0;
	}
	while (i < len) {
		const char *nl = memchr(p + i, '\n', len - i);
		if (!nl) {
			*body_r = len;
			return len;
		}
		size_t next = (size_t)(nl - p) + 1;
		if (next < len && p[next] == '\n') {
			*body_r = next + 1;
			return next;
		}
		i = next;
	}
	*body_r = len;
	return len;
}

int hdr_get(const char *h, size_t len, const char *name, char *buf, size_t size)
{
	return hdr_get_nth(h, len, name, 0, buf, size);
}

int hdr_get_nth(const char *h, size_t len, const char *name, unsigned nth, char *buf,
		size_t size)
{
	size_t nl = strlen(name);
	size_t i = 0;
	while (i < len) {
		const char *eol = memchr(h + i, '\n', len - i);
		size_t le = eol ? (size_t)(eol - h) : len;
		if (le - i > nl && h[i + nl] == ':' && strncasecmp(h + i, name, nl) == 0 &&
		    nth-- == 0) {
			size_t o = 0;
			size_t j = i + nl + 1;
			for (;;) {
				for (; j < le; j++) {
					char c = h[j] == '\t' ? ' ' : h[j];
					if (o + 1 < size && !(o == 0 && c == ' '))
						buf[o++] = c;
				}
				/* continuation lines */
				if (le + 1 < len && (h[le + 1] == ' ' || h[le + 1] == '\t')) {
					j = le + 1;
					const char *e2 = memchr(h + j, '\n', len - j);
					le = e2 ? (size_t)(e2 - h) : len;
					if (o + 1 < size && o > 0 && buf[o - 1] != ' ')
						buf[o++] = ' ';
					while (j < le && (h[j] == ' ' || h[j] == '\t'))
						j++;
					continue;
				}
				break;
			}
			while (o > 0 && buf[o - 1] == ' ')
				o--;
			if (size)
				buf[o] = 0;
			return 1;
		}
		i = le + 1;
	}
	if (size)
		buf[0] = 0;
	return 0;
}

/* The value of parameter name in a Content-Type value, copied. */
static void ct_param(const char *ct, const char *name, char *buf, size_t size)
{
	buf[0] = 0;
	size_t nl = strlen(name);
	for (const char *p = ct; (p = ci_find(p, strlen(p), name)); p += nl) {
		if (p > ct && (isalnum((unsigned char)p[-1]) || p[-1] == '-'))
			continue;
		const char *q = p + nl;
		while (*q == ' ')
			q++;
		if (*q != '=')
			continue;
		q++;
		while (*q == ' ')
			q++;
		size_t o = 0;
		if (*q == '"') {
			q++;
			while (*q && *q != '"' && o + 1 < size)
				buf[o++] = *q++;
		} else {
			while (*q && *q != ';' && *q != ' ' && o + 1 < size)
				buf[o++] = *q++;
		}
		buf[o] = 0;
		return;
	}
}

/* Decoded base64 text: CR made LF and NUL a space, for the text scanners. */
static void decode_b64(struct mr_buf *out, const char *p, size_t n)
{
	size_t start = out->len;
	mr_buf_add_b64_decoded(out, p, n);
	for (size_t i = start; i < out->len; i++) {
		if (out->p[i] == '\r')
			out->p[i] = '\n';
		else if (out->p[i] == '\0')
			out->p[i] = ' ';
	}
}

static void decode_qp(struct mr_buf *out, const char *p, size_t n)
{
	char tmp[512];
	size_t t = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '=' && i + 1 < n && p[i + 1] == '\n') {
			i++;
			continue;
		}
		if (c == '=' && i + 2 < n && mr_hex_value((unsigned char)p[i + 1]) >= 0 &&
		    mr_hex_value((unsigned char)p[i + 2]) >= 0) {
			c = (char)(mr_hex_value((unsigned char)p[i + 1]) * 16 + mr_hex_value((unsigned char)p[i + 2]));
			i += 2;
			if (c == '\r')
				continue;
		}
		tmp[t++] = c ? c : ' ';
		if (t == sizeof(tmp)) {
			mr_buf_add(out, tmp, t);
			t = 0;
		}
	}
	mr_buf_add(out, tmp, t);
}

/* Appends the decoded body to out, following Content-Transfer-Encoding. */
static void decode_body(struct mr_buf *out, const char *cte, const char *p, size_t n)
{
	if (strncasecmp(cte, "base64", 6) == 0)
		decode_b64(out, p, n);
	else if (strncasecmp(cte, "quoted-printable", 16) == 0)
		decode_qp(out, p, n);
	else
		mr_buf_add(out, p, n);
}

/* Text of an HTML part with tags dropped and <br>/<p> as line breaks. */
static void html_to_text(struct mr_buf *out, const char *p, size_t n)
{
	struct mr_buf tmp = { 0 };
	size_t i = 0;
	while (i < n) {
		if (p[i] == '<') {
			size_t j = i + 1;
			while (j < n && p[j] != '>')
				j++;
			if (j - i >= 2 && (strncasecmp(p + i + 1, "br", 2) == 0 || strncasecmp(p + i + 1, "p", 1) == 0 ||
					   strncasecmp(p + i + 1, "/p", 2) == 0 || strncasecmp(p + i + 1, "div", 3) == 0 ||
					   strncasecmp(p + i + 1, "tr", 2) == 0 || strncasecmp(p + i + 1, "/tr", 3) == 0 ||
					   strncasecmp(p + i + 1, "li", 2) == 0))
				mr_buf_add(&tmp, "\n", 1);
			i = j + 1;
			continue;
		}
		if (p[i] == '&') {
			static const struct { const char *e; char c; } ents[] = {
				{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&nbsp;", ' ' },
				{ "&quot;", '"' }, { "&#160;", ' ' } };
			int hit = 0;
			for (size_t k = 0; k < sizeof(ents) / sizeof(ents[0]); k++) {
				size_t el = strlen(ents[k].e);
				if (n - i >= el && strncasecmp(p + i, ents[k].e, el) == 0) {
					mr_buf_add(&tmp, &ents[k].c, 1);
					i += el;
					hit = 1;
					break;
				}
			}
			if (hit)
				continue;
		}
		mr_buf_add(&tmp, p + i, 1);
		i++;
	}
	if (tmp.p)
		mr_buf_add(out, tmp.p, tmp.len);
	mr_buf_free(&tmp);
}

/* Appends n bytes in charset cs to out as UTF-8 (invalid bytes skipped);
 * ASCII-compatible or unknown charsets are copied as they are. */
static void add_utf8(struct mr_buf *out, const char *cs, const char *p, size_t n)
{
	if (!cs[0] || strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "utf-8") == 0 ||
	    strcasecmp(cs, "utf8") == 0) {
		mr_buf_add(out, p, n);
		return;
	}
	iconv_t cd = iconv_open("UTF-8", cs);
	if (cd == (iconv_t)-1) {
		mr_buf_add(out, p, n);
		return;
	}
	char buf[4096];
	char *in = (char *)p;
	size_t left = n;
	int guard = 0;
	while (left > 0 && guard++ < 100000) {
		char *o = buf;
		size_t room = sizeof(buf);
		size_t r = iconv(cd, &in, &left, &o, &room);
		mr_buf_add(out, buf, (size_t)(o - buf));
		if (r == (size_t)-1 && errno != E2BIG) {
			/* skip one bad byte and go on */
			if (left == 0)
				break;
			in++;
			left--;
			iconv(cd, NULL, NULL, NULL, NULL);
		}
	}
	iconv_close(cd);
}

/* Decodes a text part and appends it as UTF-8. */
static void decode_text(struct mr_buf *out, const char *ct, const char *cte, const char *p, size_t n)
{
	char cs[64];
	ct_param(ct, "charset", cs, sizeof(cs));
	if (!cs[0] || strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "utf-8") == 0) {
		decode_body(out, cte, p, n);
		return;
	}
	struct mr_buf tmp = { 0 };
	decode_body(&tmp, cte, p, n);
	if (tmp.p)
		add_utf8(out, cs, tmp.p, tmp.len);
	mr_buf_free(&tmp);
}

static void walk(struct bscan *s, const char *p, size_t n, int depth);

static void walk_multipart(struct bscan *s, const char *body, size_t n, const char *boundary,
			   int depth)
{
	size_t bl = strlen(boundary);
	if (bl == 0)
		return;
	const char *part = NULL;
	size_t i = 0;
	while (i < n && s->n_parts < BN_MAX_PARTS) {
		const char *eol = memchr(body + i, '\n', n - i);
		size_t le = eol ? (size_t)(eol - body) : n;
		const char *line = body + i;
		size_t ll = le - i;
		if (ll >= bl + 2 && line[0] == '-' && line[1] == '-' &&
		    memcmp(line + 2, boundary, bl) == 0) {
			if (part) {
				size_t plen = (size_t)(line - part);
				if (plen > 0)
					plen--; /* the line break belongs to the boundary */
				s->n_parts++;
				walk(s, part, plen, depth + 1);
			}
			if (ll >= bl + 4 && line[bl + 2] == '-' && line[bl + 3] == '-')
				return;
			part = eol ? eol + 1 : body + n;
		}
		i = le + 1;
	}
	if (part && part < body + n && s->n_parts < BN_MAX_PARTS) {
		s->n_parts++;
		walk(s, part, (size_t)(body + n - part), depth + 1);
	}
}

static void walk(struct bscan *s, const char *p, size_t n, int depth)
{
	if (depth > BN_MAX_DEPTH)
		return;
	size_t body_off;
	size_t hl = hdr_block(p, n, &body_off);
	/* A part without a blank line: all headers, no body. */
	const char *body = p + body_off;
	size_t bn = n - body_off;
	char ct[512], cte[64], boundary[256];
	if (!hdr_get(p, hl, "Content-Type", ct, sizeof(ct)))
		strcpy(ct, "text/plain");
	hdr_get(p, hl, "Content-Transfer-Encoding", cte, sizeof(cte));
	if (strncasecmp(ct, "multipart/", 10) == 0) {
		if (depth == 0 && strncasecmp(ct, "multipart/report", 16) == 0)
			s->multipart_report = 1;
		ct_param(ct, "boundary", boundary, sizeof(boundary));
		if (boundary[0]) {
			int before = s->n_parts;
			int alt = s->skip_html;
			/* of text and HTML alternatives, read the text */
			if (strncasecmp(ct, "multipart/alternative", 21) == 0 &&
			    ci_find(body, bn, "content-type: text/plain"))
				s->skip_html = 1;
			walk_multipart(s, body, bn, boundary, depth);
			s->skip_html = alt;
			if (s->n_parts != before)
				return;
			/* no part at all: a broken message, read its body as text */
			if (s->text.len < BN_MAX_TEXT) {
				decode_body(&s->text, cte, body, bn);
				mr_buf_add(&s->text, "\n", 1);
			}
			return;
		}
	}
	if (strncasecmp(ct, "message/delivery-status", 23) == 0 ||
	    strncasecmp(ct, "message/global-delivery-status", 30) == 0) {
		decode_body(&s->dsn, cte, body, bn);
		mr_buf_add(&s->dsn, "\n\n", 2);
		return;
	}
	if (strncasecmp(ct, "message/feedback-report", 23) == 0) {
		decode_body(&s->arf, cte, body, bn);
		mr_buf_add(&s->arf, "\n", 1);
		return;
	}
	if (depth > 0 && (strncasecmp(ct, "message/rfc822", 14) == 0 ||
			  strncasecmp(ct, "message/global", 14) == 0 ||
			  strncasecmp(ct, "text/rfc822-headers", 19) == 0 ||
			  strncasecmp(ct, "message/rfc822-headers", 22) == 0 ||
			  strncasecmp(ct, "text/rfc822-header", 18) == 0)) {
		if (!s->orig.len)
			decode_body(&s->orig, cte, body, bn);
		return;
	}
	if (strncasecmp(ct, "text/html", 9) == 0) {
		if (s->text.len < BN_MAX_TEXT && !s->skip_html) {
			struct mr_buf tmp = { 0 };
			decode_text(&tmp, ct, cte, body, bn);
			if (tmp.p)
				html_to_text(&s->text, tmp.p, tmp.len);
			mr_buf_add(&s->text, "\n", 1);
			mr_buf_free(&tmp);
		}
		return;
	}
	if (strncasecmp(ct, "text/", 5) == 0 || ct[0] == 0 ||
	    (depth == 0 && strncasecmp(ct, "message/", 8) != 0)) {
		if (s->text.len < BN_MAX_TEXT) {
			decode_text(&s->text, ct, cte, body, bn);
			mr_buf_add(&s->text, "\n", 1);
		}
		return;
	}
	if (depth == 0) {
		/* a top-level message/rfc822 or something else: read it as text */
		decode_body(&s->text, cte, body, bn);
	}
}

int bscan_run(struct bscan *s, const char *data, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->buf = normalise(data, len, &s->len);
	if (!s->buf)
		return MR_ENOMEM;
	size_t body;
	s->hdr_len = hdr_block(s->buf, s->len, &body);
	walk(s, s->buf, s->len, 0);
	if (s->text.oom || s->dsn.oom || s->arf.oom || s->orig.oom)
		return MR_ENOMEM;
	return 0;
}

void bscan_free(struct bscan *s)
{
	free(s->buf);
	mr_buf_free(&s->text);
	mr_buf_free(&s->dsn);
	mr_buf_free(&s->arf);
	mr_buf_free(&s->orig);
	memset(s, 0, sizeof(*s));
}
