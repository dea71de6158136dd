/* SPDX-License-Identifier: MIT */
/* Finding e-mail addresses in free text of bounces, and copying them normalised. */
#include "config.h"
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

/* ASCII only: bounces name internationalised domains in punycode, and text
 * in other scripts often touches an address without a space. */
static int local_char(int c)
{
	return (c < 0x80 && isalnum(c)) || (c && c < 0x80 && strchr("!#$%&'*+-/=?^_`{|}~.", c));
}

static int domain_char(int c)
{
	return (c < 0x80 && isalnum(c)) || c == '-' || c == '.';
}

/* need_dot: the domain must have a dot (free text); a DSN recipient field
 * may name a host of the reporting site ("user@mailhub"). */
static int addr_scan(const char *p, const char *end, const char **a_r, size_t *n_r, int need_dot)
{
	for (const char *at = p; at < end; at++) {
		if (*at != '@')
			continue;
		/* bounded by RFC 5321's lengths, so that long runs stay linear */
		const char *s = at;
		while (s > p && at - s < 64 && local_char((unsigned char)s[-1]))
			s--;
		const char *e = at + 1;
		while (e < end && e - at <= 255 && domain_char((unsigned char)*e))
			e++;
		while (e > at + 1 && (e[-1] == '.' || e[-1] == '-'))
			e--;
		while (s < at && s[0] == '.')
			s++;
		/* a quoted local part: "any thing"@domain */
		if (s == at && at > p && at[-1] == '"') {
			const char *q = at - 1;
			while (q > p && q[-1] != '"' && q[-1] != '<' && q[-1] != '\n' && at - q < 64)
				q--;
			if (q > p && q[-1] == '"' && q < at - 1)
				s = q - 1;
		}
		if (s == at || e == at + 1)
			continue;
		/* the domain needs a dot, unless it is a bracketed literal */
		if (need_dot && !memchr(at + 1, '.', (size_t)(e - at - 1)))
			continue;
		*a_r = s;
		*n_r = (size_t)(e - s);
		return 1;
	}
	return 0;
}

int addr_find(const char *p, const char *end, const char **a_r, size_t *n_r)
{
	return addr_scan(p, end, a_r, n_r, 1);
}

int addr_find_field(const char *p, const char *end, const char **a_r, size_t *n_r)
{
	if (addr_scan(p, end, a_r, n_r, 1))
		return 1;
	/* a host without a dot, but not the last hop of a source route
	 * ("@relay.example:user@host", RFC 5321 4.1.2): that names no domain */
	return addr_scan(p, end, a_r, n_r, 0) && !memchr(p, '@', (size_t)(*a_r - p));
}

char *addr_dup(const char *a, size_t n)
{
	char *s = malloc(n + 1);
	if (!s)
		return NULL;
	memcpy(s, a, n);
	s[n] = 0;
	char *at = strrchr(s, '@');
	for (char *q = at ? at : s; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	/* Sisimai and most stores compare whole addresses in lowercase */
	for (char *q = s; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return s;
}
