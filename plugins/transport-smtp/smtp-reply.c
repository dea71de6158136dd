/* SPDX-License-Identifier: MIT */
/* SMTP reply reading for transport-smtp: codes, enhanced status codes (RFC 3463), multi-line replies joined, control characters and non-ASCII bytes replaced, and EHLO capabilities. */
#include "config.h"
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "smtp-reply.h"

int smtp_reply_line_code(const char *line, size_t len, int *last_r)
{
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (len < 3 || !isdigit((unsigned char)line[0]) || !isdigit((unsigned char)line[1]) ||
	    !isdigit((unsigned char)line[2]) || line[0] < '1' || line[0] > '5')
		return 0;
	if (len > 3 && line[3] != ' ' && line[3] != '-')
		return 0;
	*last_r = len == 3 || line[3] == ' ';
	return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

/* How many decimal digits (1 to max) start s, 0 if none or too many. */
static size_t digits(const char *s, size_t len, size_t max)
{
	size_t n = 0;
	while (n < len && n <= max && isdigit((unsigned char)s[n]))
		n++;
	return n >= 1 && n <= max ? n : 0;
}

size_t smtp_enhanced_parse(const char *text, size_t len, char *enh)
{
	enh[0] = '\0';
	if (len < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.')
		return 0;
	size_t p = 2, n = digits(text + p, len - p, 3);
	if (!n || p + n >= len || text[p + n] != '.')
		return 0;
	p += n + 1;
	n = digits(text + p, len - p, 3);
	if (!n)
		return 0;
	p += n;
	if (p < len && text[p] != ' ' && text[p] != '\r' && text[p] != '\n')
		return 0;
	memcpy(enh, text, p);
	enh[p] = '\0';
	return p;
}

int smtp_reply_feed(struct smtp_reply *r, const char *line, size_t len)
{
	int last = 0;
	int code = smtp_reply_line_code(line, len, &last);
	if (!code)
		return -1;
	int first = !r->open;
	if (first)
		r->code = code;
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	const char *t = len > 4 ? line + 4 : line + len;
	size_t tl = len > 4 ? len - 4 : 0;
	char enh[16];
	size_t el = smtp_enhanced_parse(t, tl, enh);
	if (el) {
		if (first)
			memcpy(r->enhanced, enh, sizeof(enh));
		t += el;
		tl -= el;
		while (tl && *t == ' ') {
			t++;
			tl--;
		}
	}
	size_t have = strlen(r->text);
	if (have && tl && have + 1 < sizeof(r->text))
		r->text[have++] = ' ';
	if (tl > sizeof(r->text) - 1 - have)
		tl = sizeof(r->text) - 1 - have;
	/* no control character reaches a result, and no byte outside ASCII
	 * (RFC 5321 replies are ASCII): a reply's text is stored, logged and
	 * printed, and a store may refuse invalid UTF-8 (MariaDB's strict mode
	 * refused a whole batch's outcomes over one such reply) */
	for (size_t i = 0; i < tl; i++) {
		unsigned char c = (unsigned char)t[i];
		r->text[have + i] = c < 0x20 || c == 0x7f ? ' ' : c >= 0x80 ? '?' : (char)c;
	}
	r->text[have + tl] = '\0';
	r->open = !last;
	return last;
}

/* True when the line's text (after "250-" or "250 ") is word, alone or
 * followed by a space. */
static int ehlo_word(const char *line, size_t len, const char *word)
{
	size_t wl = strlen(word);
	if (len < 4 + wl || strncasecmp(line + 4, word, wl) != 0)
		return 0;
	return len == 4 + wl || line[4 + wl] == ' ' || line[4 + wl] == '\r' ||
	       line[4 + wl] == '\n';
}

void smtp_caps_line(struct smtp_caps *caps, const char *line, size_t len)
{
	if (len < 4 || strncmp(line, "250", 3) != 0)
		return;
	if (ehlo_word(line, len, "PIPELINING"))
		caps->pipelining = 1;
	else if (ehlo_word(line, len, "SIZE"))
		caps->size = 1;
	else if (ehlo_word(line, len, "8BITMIME"))
		caps->eightbitmime = 1;
	else if (ehlo_word(line, len, "SMTPUTF8"))
		caps->smtputf8 = 1;
}
