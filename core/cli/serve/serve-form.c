/* SPDX-License-Identifier: MIT */
/* The form bodies `mailroom serve` reads (the unsubscribe, subscribe and confirm POSTs): application/x-www-form-urlencoded and multipart/form-data fields. */
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

int sv_form_get(const char *ctype, const char *body, size_t len, const char *name, char *out,
		size_t n)
{
	if (!body || !len || !n)
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
			/* the value ends at the CRLF before the next boundary */
			const char *ve = memmem(v, (size_t)(end - v), "\r\n--", 4);
			if (!ve) {
				p = v;
				continue;
			}
			if ((size_t)(ve - v) >= n || memchr(v, 0, (size_t)(ve - v)))
				return 0;
			memcpy(out, v, (size_t)(ve - v));
			out[ve - v] = 0;
			return 1;
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
		if (strcmp(f, name) != 0)
			continue;
		form_decode(eq + 1);
		/* RFC 8058 one-click bodies end in CRLF for some senders */
		size_t vl = strlen(eq + 1);
		while (vl && (eq[1 + vl - 1] == '\r' || eq[1 + vl - 1] == '\n'))
			eq[1 + --vl] = 0;
		if (vl < n) {
			memcpy(out, eq + 1, vl + 1);
			found = 1;
		} else {
			break;
		}
	}
	free(copy);
	return found;
}

int sv_form_has(const char *ctype, const char *body, size_t len, const char *name,
		const char *value)
{
	char got[256];
	return sv_form_get(ctype, body, len, name, got, sizeof(got)) && strcmp(got, value) == 0;
}
