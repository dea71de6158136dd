/* SPDX-License-Identifier: MIT */
/* The SMTP transcript reader of transport-smtp: assigns each reply libcurl reads to the command it answers, so that every recipient gets its own result. */
#include "config.h"
#include <ctype.h>
#include <string.h>
#include <strings.h>
#include "smtp-reply.h"

void smtp_tx_start(struct smtp_tx *tx, struct smtp_reply *rcpt, size_t n_rcpts)
{
	memset(tx, 0, sizeof(*tx));
	tx->rcpt = rcpt;
	tx->n_rcpts = n_rcpts;
	memset(rcpt, 0, n_rcpts * sizeof(*rcpt));
}

static int has_prefix(const char *s, size_t len, const char *p)
{
	size_t pl = strlen(p);
	return len >= pl && strncasecmp(s, p, pl) == 0;
}

void smtp_tx_command(struct smtp_tx *tx, const char *cmd, size_t len)
{
	if (has_prefix(cmd, len, "MAIL FROM:")) {
		/* a new transaction (or libcurl's retry of it on a fresh connection) */
		smtp_tx_start(tx, tx->rcpt, tx->n_rcpts);
		tx->phase = SMTP_PH_MAIL;
	} else if (has_prefix(cmd, len, "RCPT TO:")) {
		tx->phase = SMTP_PH_RCPT;
		tx->rcpt_sent++;
	} else if (len >= 4 && has_prefix(cmd, len, "DATA") &&
		   (len == 4 || cmd[4] == '\r' || cmd[4] == '\n')) {
		tx->phase = SMTP_PH_DATA;
	} else if (tx->phase != SMTP_PH_BODY) {
		tx->phase = SMTP_PH_OTHER;
	}
	tx->cur_open = 0;
}

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

/* digits: 1 to max decimal digits at s; returns how many, 0 if none */
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

/* Appends a line's text to the reply being read (lines joined by a space). */
static void cur_add(struct smtp_reply *r, const char *line, size_t len, int first)
{
	while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	const char *t = len > 4 ? line + 4 : line + len;
	size_t tl = len > 4 ? len - 4 : 0;
	size_t el = smtp_enhanced_parse(t, tl, first ? r->enhanced : (char[16]){ 0 });
	if (el) {
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
	for (size_t i = 0; i < tl; i++) /* no control characters reach a result */
		r->text[have + i] = (unsigned char)t[i] < 0x20 || t[i] == 0x7f ? ' ' : t[i];
	r->text[have + tl] = '\0';
}

void smtp_tx_reply_line(struct smtp_tx *tx, const char *line, size_t len)
{
	int last = 0;
	int code = smtp_reply_line_code(line, len, &last);
	if (!code)
		return;
	int first = !tx->cur_open;
	if (first) {
		memset(&tx->cur, 0, sizeof(tx->cur));
		tx->cur.code = code;
	}
	cur_add(&tx->cur, line, len, first);
	tx->cur_open = !last;
	if (!last)
		return;
	switch (tx->phase) {
	case SMTP_PH_MAIL:
		tx->mail = tx->cur;
		break;
	case SMTP_PH_RCPT:
		if (tx->rcpt_replied < tx->n_rcpts && tx->rcpt_replied < tx->rcpt_sent)
			tx->rcpt[tx->rcpt_replied++] = tx->cur;
		break;
	case SMTP_PH_DATA:
		tx->data = tx->cur;
		tx->phase = tx->cur.code == 354 ? SMTP_PH_BODY : SMTP_PH_DONE;
		break;
	case SMTP_PH_BODY:
		tx->final = tx->cur;
		tx->phase = SMTP_PH_DONE;
		break;
	default:
		tx->other = tx->cur;
		break;
	}
}
