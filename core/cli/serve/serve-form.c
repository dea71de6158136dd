/* SPDX-License-Identifier: MIT */
/* The form bodies `mailroom serve` reads (the unsubscribe endpoint's POSTs): application/x-www-form-urlencoded and multipart/form-data fields. */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "serve-form.h"

/* Decodes one application/x-www-form-urlencoded value in place. */
static void form_decode(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s == '+') {
			*o++ = ' ';
		} else if (*s == '%' && isxdigit((unsigned char)s[1]) && isxdigit((unsigned char)s[2])) {
			char h[3] = { s[1], s[2], 0 };
			*o++ = (char)strtol(h, NULL, 16);
			s += 2;
		} else {
			*o++ = *s;
		}
	}
	*o = 0;
}

int sv_form_has(const char *ctype, const char *body, size_t len, const char *name,
		    const char *value)
{
	if (!body || !len)
		return 0;
	if (ctype && strncasecmp(ctype, "multipart/form-data", 19) == 0) {
		char pat[96];
		snprintf(pat, sizeof(pat), "name=\"%s\"", name);
		const char *p = body, *end = body + len;
		while ((p = memmem(p, (size_t)(end - p), pat, strlen(pat))) != NULL) {
			const char *v = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
			if (!v)
				return 0;
			v += 4;
			size_t vl = strlen(value);
			if ((size_t)(end - v) >= vl + 2 && memcmp(v, value, vl) == 0 &&
			    v[vl] == '\r' && v[vl + 1] == '\n')
				return 1;
			p = v;
		}
		return 0;
	}
	char *copy = strndup(body, len);
	if (!copy)
		return 0;
	int found = 0;
	char *save = NULL;
	for (char *f = strtok_r(copy, "&", &save); f && !found; f = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(f, '=');
		if (!eq)
			continue;
		*eq = 0;
		form_decode(f);
		form_decode(eq + 1);
		/* RFC 8058 one-click bodies end in CRLF for some senders */
		size_t vl = strlen(eq + 1);
		while (vl && (eq[1 + vl - 1] == '\r' || eq[1 + vl - 1] == '\n'))
			eq[1 + --vl] = 0;
		found = strcmp(f, name) == 0 && strcmp(eq + 1, value) == 0;
	}
	free(copy);
	return found;
}
