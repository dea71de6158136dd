/* SPDX-License-Identifier: MIT */
/* The syntax check of an addr-spec, used by the core for MR_KEY_EMAIL keys and by the mail library alike. */
#ifndef MAILROOM_ADDR_H
#define MAILROOM_ADDR_H

#include <string.h>

/* True when s is local@domain without spaces, controls, CR, LF, NUL or
 * the specials that would let it escape a header or an SMTP command. */
static inline int mr_addr_valid(const char *s)
{
	if (!s || !*s || strlen(s) > 254)
		return 0;
	const char *at = strrchr(s, '@');
	if (!at || at == s || !at[1] || at - s > 64)
		return 0;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' ||
		    c == '(' || c == ')' || c == '[' || c == ']' || c == '\\' || c == '"')
			return 0;
		if (c == '@' && p != at)
			return 0;
	}
	const char *dom = at + 1;
	if (dom[0] == '.' || dom[0] == '-' || strstr(dom, "..") || dom[strlen(dom) - 1] == '.')
		return 0;
	return 1;
}

#endif
