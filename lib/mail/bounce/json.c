/* SPDX-License-Identifier: MIT */
/* Amazon SES's JSON bounce and complaint notifications (mailed through SNS): recipients, status and diagnostic from the documented fields. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define JSON_MAX 65536

/* A copy of [p, p + n) with one level of JSON string escaping undone, so
 * that a notification inside an SNS envelope ("Message": "{\"...\"}") reads
 * like a bare one: \" \\ \/ become the character, \n \r \t a space. */
static char *unescape(const char *p, size_t n)
{
	char *o = malloc(n + 1);
	if (!o)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\\' && i + 1 < n) {
			char c = p[++i];
			o[k++] = c == 'n' || c == 'r' || c == 't' ? ' ' : c;
		} else {
			o[k++] = p[i];
		}
	}
	o[k] = 0;
	return o;
}

/* The string value of "key" within [p, e): its start and length. */
static int str_value(const char *p, const char *e, const char *key, const char **v_r, size_t *n_r)
{
	size_t kl = strlen(key);
	for (const char *q = p; q + kl + 2 < e; q++) {
		if (*q != '"' || q[kl + 1] != '"' || memcmp(q + 1, key, kl) != 0)
			continue;
		const char *t = q + kl + 2;
		while (t < e && (*t == ' ' || *t == '\n' || *t == '\t'))
			t++;
		if (t >= e || *t != ':')
			continue;
		t++;
		while (t < e && (*t == ' ' || *t == '\n' || *t == '\t'))
			t++;
		if (t >= e || *t != '"')
			return 0;
		const char *s = ++t;
		while (t < e && *t != '"')
			t++;
		if (t >= e)
			return 0;
		*v_r = s;
		*n_r = (size_t)(t - s);
		return 1;
	}
	return 0;
}

/* The end of the JSON object or array that opens at p (brackets in
 * strings skipped), or e. */
static const char *close_of(const char *p, const char *e)
{
	int depth = 0, in_str = 0;
	for (const char *q = p; q < e; q++) {
		if (in_str) {
			if (*q == '"')
				in_str = 0;
			continue;
		}
		if (*q == '"')
			in_str = 1;
		else if (*q == '{' || *q == '[')
			depth++;
		else if ((*q == '}' || *q == ']') && --depth == 0)
			return q + 1;
	}
	return e;
}

int json_notification_parse(const char *text, size_t n, struct rec_build **recs, size_t *n_recs)
{
	if (!text || n < 20)
		return 0;
	if (n > JSON_MAX)
		n = JSON_MAX;
	const char *nt = memchr(text, '{', n);
	if (!nt || !ci_find(text, n, "notificationType"))
		return 0;
	char *j = unescape(nt, n - (size_t)(nt - text));
	if (!j)
		return 0;
	const char *e = j + strlen(j), *v;
	size_t vn;
	int kind = 0;
	const char *list = NULL;
	if (str_value(j, e, "notificationType", &v, &vn)) {
		if (vn == 6 && memcmp(v, "Bounce", 6) == 0)
			kind = 1, list = "bouncedRecipients";
		else if (vn == 9 && memcmp(v, "Complaint", 9) == 0)
			kind = 2, list = "complainedRecipients";
	}
	const char *arr = NULL;
	if (kind) {
		size_t ll = strlen(list);
		for (const char *q = j; q + ll + 2 < e && !arr; q++)
			if (*q == '"' && memcmp(q + 1, list, ll) == 0 && q[ll + 1] == '"')
				arr = memchr(q, '[', (size_t)(e - q));
	}
	if (!arr) {
		free(j);
		return 0;
	}
	const char *arr_end = close_of(arr, e);
	int found = 0;
	for (const char *q = arr + 1; q < arr_end && *n_recs < BN_MAX_RECS; q++) {
		if (*q != '{')
			continue;
		const char *oe = close_of(q, arr_end);
		const char *a;
		size_t an;
		if (str_value(q, oe, "emailAddress", &v, &vn) && addr_find_field(v, v + vn, &a, &an)) {
			struct rec_build *nv = realloc(*recs, (*n_recs + 1) * sizeof(**recs));
			if (!nv)
				break;
			*recs = nv;
			struct rec_build *r = &nv[*n_recs];
			memset(r, 0, sizeof(*r));
			r->recipient = addr_dup(a, an);
			if (!r->recipient)
				break;
			(*n_recs)++;
			found++;
			if (str_value(q, oe, "status", &v, &vn) && vn < sizeof(r->status))
				memcpy(r->status, v, vn), r->status[vn] = 0;
			if (str_value(q, oe, "action", &v, &vn))
				r->action = strndup(v, vn);
			if (str_value(q, oe, "diagnosticCode", &v, &vn))
				r->diag = strndup(v, vn);
		}
		q = oe - 1;
	}
	free(j);
	return found ? kind : 0;
}
