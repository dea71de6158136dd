/* SPDX-License-Identifier: MIT */
/* Every --json output: values built as Jansson objects (strings after invalid UTF-8 is replaced) and written by one function, so the output is always valid UTF-8 JSON. */
#include "config.h"
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when the
 * bytes there are not one: overlong forms, surrogates and code points above
 * U+10FFFF are invalid too (RFC 3629). */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	size_t len;
	unsigned cp;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

char *cli_utf8_repair(const char *s, size_t n)
{
	/* each bad byte becomes U+FFFD (3 bytes) */
	char *out = malloc(n * 3 + 1);
	if (!out)
		return NULL;
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		size_t l = p[i] ? utf8_seq(p + i, n - i) : 0;
		if (l) {
			memcpy(out + o, p + i, l);
			o += l;
			i += l;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

json_t *cli_json_text(const char *s)
{
	if (!s)
		s = "";
	char *clean = cli_utf8_repair(s, strlen(s));
	/* out of memory: an empty string keeps the JSON valid */
	json_t *j = clean ? json_string(clean) : NULL;
	free(clean);
	return j ? j : json_string("");
}

json_t *cli_json_text_or_null(const char *s)
{
	return s ? cli_json_text(s) : json_null();
}

json_t *cli_json_int(long long n)
{
	return json_integer((json_int_t)n);
}

void cli_json_set(json_t *obj, const char *key, json_t *v)
{
	char *clean = key ? cli_utf8_repair(key, strlen(key)) : NULL;
	if (clean && obj)
		json_object_set_new(obj, clean, v);
	else
		json_decref(v);
	free(clean);
}

void cli_json_print(json_t *v)
{
	if (!v || json_dumpf(v, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY) != 0)
		fputs("null", stdout);
	putchar('\n');
	json_decref(v);
}
