/* SPDX-License-Identifier: MIT */
/* Non-standard bounces: recipients and their error text from the human-readable part (qmail, Exim, Sendmail, Exchange, Gmail, ...). */
#include "config.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "internal.h"

#define MAX_LINES 4000

static int excluded(const char *a, size_t n, char *const *excl, size_t n_excl)
{
	for (size_t i = 0; i < n_excl; i++)
		if (excl[i] && strlen(excl[i]) == n && strncasecmp(excl[i], a, n) == 0)
			return 1;
	return 0;
}

static int daemon_addr(const char *a, size_t n)
{
	static const char *const names[] = { "mailer-daemon@", "postmaster@", "mail-daemon@",
					     "mailerdaemon@", "noreply@", "no-reply@", "bounce@",
					     "bounces@", "root@" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t l = strlen(names[i]);
		if (n > l && strncasecmp(a, names[i], l) == 0)
			return 1;
	}
	return 0;
}

/* Whether line [l, le) is Sendmail's "CODE <addr>... text" (an SMTP reply
 * code, the address, then "..."): a recipient with its error. */
static int code_dots(const char *s, const char *e, const char *a, size_t an, const char *le)
{
	if (e - s != 3 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    !isdigit((unsigned char)s[2]) || (s[0] != '4' && s[0] != '5'))
		return 0;
	const char *t = a + an;
	if (t < le && *t == '>')
		t++;
	return le - t >= 3 && memcmp(t, "...", 3) == 0;
}

/* Whether the address at a (an bytes) inside line [l, le) introduces a recipient. */
static int is_heading(const char *l, const char *a, size_t an, const char *le)
{
	const char *s = l, *e = a;
	while (s < e && (*s == ' ' || *s == '\t' || *s == '-' || *s == '*' || *s == '>' || *s == '#'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '<' || e[-1] == '"' || e[-1] == '\'' ||
			 e[-1] == '(' || e[-1] == '[' || e[-1] == '\t'))
		e--;
	if (s == e)
		return 1;
	if (code_dots(s, e, a, an, le))
		return 1;
	size_t n = (size_t)(e - s);
	if (n > 48 || (e[-1] != ':' && e[-1] != ';'))
		return 0;
	if (ci_find(s, n, "from") || ci_find(s, n, "sender") || ci_find(s, n, "return-path") ||
	    ci_find(s, n, "reply-to") || ci_find(s, n, "message-id") || ci_find(s, n, "cc:") ||
	    ci_find(s, n, "date:") || ci_find(s, n, "subject"))
		return 0;
	return 1;
}

/* Whether the address at a is all its line says, or is followed by ':' or
 * "..." (a failed-recipient line, not a greeting or a sentence). */
static int labelled(const char *a, size_t an, const char *le)
{
	const char *t = a + an;
	if (t < le && *t == '>')
		t++;
	while (t < le && (*t == ' ' || *t == '\t'))
		t++;
	return t == le || *t == ':' || (le - t >= 3 && memcmp(t, "...", 3) == 0);
}

static struct rec_build *rec_for(struct rec_build **recs, size_t *n_recs, const char *a, size_t n)
{
	for (size_t i = 0; i < *n_recs; i++)
		if (strlen((*recs)[i].recipient) == n && strncasecmp((*recs)[i].recipient, a, n) == 0)
			return &(*recs)[i];
	if (*n_recs >= BN_MAX_RECS)
		return NULL;
	struct rec_build *v = realloc(*recs, (*n_recs + 1) * sizeof(*v));
	if (!v)
		return NULL;
	*recs = v;
	struct rec_build *r = &v[*n_recs];
	memset(r, 0, sizeof(*r));
	r->recipient = addr_dup(a, n);
	if (!r->recipient)
		return NULL;
	(*n_recs)++;
	return r;
}

static void diag_add(struct rec_build *r, const char *p, size_t n)
{
	size_t have = r->diag ? strlen(r->diag) : 0;
	if (have + 2 >= BN_MAX_DIAG)
		return;
	if (have + n + 2 > BN_MAX_DIAG)
		n = BN_MAX_DIAG - have - 2;
	char *d = realloc(r->diag, have + n + 2);
	if (!d)
		return;
	memcpy(d + have, p, n);
	d[have + n] = '\n';
	d[have + n + 1] = 0;
	r->diag = d;
}

int text_parse(const char *text, size_t n, char *const *excl, size_t n_excl, int mode,
	       struct rec_build **recs, size_t *n_recs)
{
	struct rec_build *cur = NULL;
	size_t i = 0;
	int lines = 0;
	const char *first_other = NULL;
	size_t first_other_n = 0;
	while (i < n && lines++ < MAX_LINES) {
		const char *eol = memchr(text + i, '\n', n - i);
		size_t le = eol ? (size_t)(eol - text) : n;
		const char *l = text + i, *e = text + le;
		i = le + 1;
		const char *a;
		size_t an;
		const char *scan = l;
		int headed = 0;
		while (scan < e && addr_find(scan, e, &a, &an)) {
			if (!excluded(a, an, excl, n_excl) && !daemon_addr(a, an)) {
				if (mode == TEXT_FIRST) {
					struct rec_build *r = rec_for(recs, n_recs, a, an);
					if (r)
						diag_add(r, text, n > BN_MAX_DIAG ? BN_MAX_DIAG : n);
					return 0;
				}
				if (scan == l && is_heading(l, a, an, e) &&
				    (mode != TEXT_LABELLED || labelled(a, an, e))) {
					struct rec_build *r = rec_for(recs, n_recs, a, an);
					if (r) {
						cur = r;
						headed = 1;
						/* the whole line: the words around the address count */
						diag_add(cur, l, (size_t)(e - l));
					}
				} else if (!first_other) {
					first_other = a;
					first_other_n = an;
				}
				break;
			}
			scan = a + an;
		}
		if (headed || !cur)
			continue;
		diag_add(cur, l, (size_t)(e - l));
	}
	if (*n_recs == 0 && first_other && mode == TEXT_ALL) {
		struct rec_build *r = rec_for(recs, n_recs, first_other, first_other_n);
		if (r)
			diag_add(r, text, n > BN_MAX_DIAG ? BN_MAX_DIAG : n);
	}
	return 0;
}
