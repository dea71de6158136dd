/* SPDX-License-Identifier: MIT */
/* Decoding RFC 2047 encoded words in unstructured header text (Subject), tolerant of broken encoders. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "mail-internal.h"

/* Appends the decoded bytes of an encoded word's text to b. */
static void decode_payload(struct mr_buf *b, char enc, const char *s, size_t n)
{
	if (enc == 'b' || enc == 'B') {
		mr_buf_add_b64_decoded(b, s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '_') {
			c = ' ';
		} else if (c == '=' && i + 2 < n && mr_hex_value(s[i + 1]) >= 0 && mr_hex_value(s[i + 2]) >= 0) {
			c = (char)(mr_hex_value(s[i + 1]) * 16 + mr_hex_value(s[i + 2]));
			i += 2;
		}
		mr_buf_add(b, &c, 1);
	}
}

/* Parses an encoded word at s; returns its length (0 when it is none) and its parts. */
static size_t encoded_word(const char *s, const char **cs, size_t *csn, char *enc,
			   const char **txt, size_t *txtn)
{
	if (s[0] != '=' || s[1] != '?')
		return 0;
	const char *p = s + 2;
	const char *q = strchr(p, '?');
	if (!q || q == p || q - p > 64)
		return 0;
	for (const char *k = p; k < q; k++)
		if (*k <= ' ' || *k >= 0x7f)
			return 0;
	if (!(q[1] == 'b' || q[1] == 'B' || q[1] == 'q' || q[1] == 'Q') || q[2] != '?')
		return 0;
	const char *t = q + 3;
	const char *e = t;
	while (*e && !(e[0] == '?' && e[1] == '=')) {
		if (*e == ' ' || *e == '\t' || *e == '\r' || *e == '\n')
			return 0;
		e++;
	}
	if (!*e)
		return 0;
	*cs = p;
	*csn = (size_t)(q - p);
	const char *star = memchr(p, '*', *csn); /* RFC 2231 language */
	if (star)
		*csn = (size_t)(star - p);
	*enc = q[1];
	*txt = t;
	*txtn = (size_t)(e - t);
	return (size_t)(e + 2 - s);
}

struct state {
	struct mr_buf out;
	struct mr_buf raw;   /* plain text bytes not yet converted */
	struct mr_buf ew;    /* decoded bytes of adjacent encoded words */
	char cs[65];       /* their charset */
};

static void flush_raw(struct state *st)
{
	if (!st->raw.len)
		return;
	char *u = mr_to_utf8(NULL, st->raw.p, st->raw.len, NULL);
	if (!u)
		st->out.oom = 1;
	else
		mr_buf_add(&st->out, u, strlen(u));
	free(u);
	st->raw.len = 0;
}

static void flush_ew(struct state *st)
{
	if (!st->ew.len)
		return;
	char *u = mr_to_utf8(st->cs, st->ew.p, st->ew.len, NULL);
	if (!u)
		st->out.oom = 1;
	else
		mr_buf_add(&st->out, u, strlen(u));
	free(u);
	st->ew.len = 0;
}

char *mr_header_decode(const char *s)
{
	struct state st = { 0 };
	int last_ew = 0;
	size_t ws_start = 0, ws_len = 0; /* whitespace after an encoded word, held back */
	size_t i = 0;
	while (s[i]) {
		const char *cs, *txt;
		size_t csn, txtn;
		char enc;
		size_t l = encoded_word(s + i, &cs, &csn, &enc, &txt, &txtn);
		if (l) {
			if (!last_ew) {
				flush_raw(&st);
			}
			/* whitespace between two encoded words is dropped */
			ws_len = 0;
			if (!(st.ew.len && strlen(st.cs) == csn && strncasecmp(st.cs, cs, csn) == 0)) {
				flush_ew(&st);
				memcpy(st.cs, cs, csn);
				st.cs[csn] = '\0';
			}
			decode_payload(&st.ew, enc, txt, txtn);
			last_ew = 1;
			i += l;
			continue;
		}
		if (last_ew && (s[i] == ' ' || s[i] == '\t')) {
			if (!ws_len)
				ws_start = i;
			ws_len++;
			i++;
			continue;
		}
		if (last_ew) {
			flush_ew(&st);
			mr_buf_add(&st.raw, s + ws_start, ws_len);
			ws_len = 0;
			last_ew = 0;
		}
		mr_buf_add(&st.raw, s + i, 1);
		i++;
	}
	flush_ew(&st);
	if (ws_len)
		mr_buf_add(&st.raw, s + ws_start, ws_len);
	flush_raw(&st);
	int oom = st.out.oom || st.raw.oom || st.ew.oom;
	free(st.raw.p);
	free(st.ew.p);
	if (oom) {
		free(st.out.p);
		return NULL;
	}
	if (!st.out.p)
		return strdup("");
	return st.out.p;
}
