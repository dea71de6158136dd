/* SPDX-License-Identifier: MIT */
/* The Received header reading of inspect: the hop's date, its from/by/with words, its value without comments. */
#include "config.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "received.h"

/* Reads 1 to max decimal digits into *v (and their count into *n); NULL when
 * s holds none or more than max, so no value can overflow. */
static const char *date_number(const char *s, int max, int *v, int *n)
{
	*v = 0;
	for (*n = 0; isdigit((unsigned char)s[*n]); (*n)++) {
		if (*n == max)
			return NULL;
		*v = *v * 10 + (s[*n] - '0');
	}
	return *n ? s + *n : NULL;
}

static const char *date_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return s;
}

long long received_date(const char *s)
{
	static const char *const mon[] = { "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug",
					   "sep", "oct", "nov", "dec" };
	while (*s && !isdigit((unsigned char)*s))
		s++;
	/* [day-of-week ","] day month year hour ":" minute [":" second] zone */
	int day, year, hh, mm, ss = 0, n, year_digits;
	if (!(s = date_number(s, 2, &day, &n)))
		return -1;
	s = date_spaces(s);
	const char *m = s;
	if (!isalpha((unsigned char)m[0]) || !isalpha((unsigned char)m[1]) ||
	    !isalpha((unsigned char)m[2]) || isalpha((unsigned char)m[3]))
		return -1;
	s = date_spaces(m + 3);
	if (!(s = date_number(s, 4, &year, &year_digits)))
		return -1;
	s = date_spaces(s);
	if (!(s = date_number(s, 2, &hh, &n)) || *s != ':' || !(s = date_number(s + 1, 2, &mm, &n)))
		return -1;
	if (*s == ':' && isdigit((unsigned char)s[1]) && !(s = date_number(s + 1, 2, &ss, &n)))
		return -1;
	struct tm tm = { 0 };
	tm.tm_mon = -1;
	for (int i = 0; i < 12; i++)
		if (strncasecmp(m, mon[i], 3) == 0)
			tm.tm_mon = i;
	if (tm.tm_mon < 0)
		return -1;
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return -1;
	tm.tm_mday = day;
	/* RFC 5322 4.3: two digits 00-49 are 20xx, 50-99 19xx; three digits add 1900 */
	if (year_digits == 2)
		year += year < 50 ? 2000 : 1900;
	else if (year_digits == 3)
		year += 1900;
	tm.tm_year = year - 1900;
	tm.tm_hour = hh;
	tm.tm_min = mm;
	tm.tm_sec = ss;
	long long t = (long long)timegm(&tm);
	while (*s == ' ')
		s++;
	/* RFC 5322 zone: exactly four digits, hhmm; anything longer (a hostile
	 * "+99999999") is no zone at all rather than an overflowing offset */
	if ((*s == '+' || *s == '-') && isdigit((unsigned char)s[1]) &&
	    isdigit((unsigned char)s[2]) && isdigit((unsigned char)s[3]) &&
	    isdigit((unsigned char)s[4]) && !isdigit((unsigned char)s[5])) {
		int zh = (s[1] - '0') * 10 + (s[2] - '0');
		int zm = (s[3] - '0') * 10 + (s[4] - '0');
		long long off = (long long)zh * 3600 + (long long)zm * 60;
		t += *s == '+' ? -off : off;
	}
	return t < 0 ? -1 : t; /* before 1970: no date we show */
}

/* The word after " KEY " in a Received value, e.g. by or with. */
void received_word(const char *v, const char *key, char *buf, size_t size)
{
	buf[0] = 0;
	size_t kl = strlen(key);
	for (const char *p = v; (p = strcasestr(p, key)); p += kl) {
		if ((p == v || p[-1] == ' ') && p[kl] == ' ') {
			const char *w = p + kl + 1;
			size_t n = strcspn(w, " ;");
			snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), w);
			return;
		}
	}
}

/* A copy of a header value without its (nested) comments; malloc'ed. */
char *received_strip_comments(const char *v)
{
	char *out = malloc(strlen(v) + 1);
	size_t o = 0;
	int depth = 0;
	if (!out)
		return NULL;
	for (const char *p = v; *p; p++) {
		if (*p == '\\' && depth && p[1]) {
			p++;
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth)
			depth--;
		else if (!depth)
			out[o++] = *p;
	}
	out[o] = 0;
	return out;
}
