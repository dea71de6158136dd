/* SPDX-License-Identifier: MIT */
/* Open and click tracking and double opt-in: signed pixel, click, view-in-browser and confirmation tokens, and the numbering of a mailing's tracked links shared by rendering and mailroom serve. */
#include "config.h"
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <openssl/crypto.h>
#include "mail-internal.h"

/* The first MR_VERP_HASH_LEN hex digits of the HMAC-SHA256 of msg (n bytes). */
static int sign_msg(const struct mr_verp_conf *conf, const char *msg, int n,
		    char out[MR_VERP_HASH_LEN + 1])
{
	unsigned char md[32];
	if (n < 0 || mail_hmac_sha256(conf->secret, conf->secret_len, msg, (size_t)n, md) != 0)
		return -1;
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < MR_VERP_HASH_LEN / 2; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[MR_VERP_HASH_LEN] = 0;
	return 0;
}

static int sign(const struct mr_verp_conf *conf, char kind, int64_t job, int64_t queue, int link,
		char out[MR_VERP_HASH_LEN + 1])
{
	char msg[80];
	int n = kind == MR_TRACK_TOKEN_CLICK ?
		snprintf(msg, sizeof(msg), "tc.%" PRId64 ".%" PRId64 ".%d", job, queue, link) :
		snprintf(msg, sizeof(msg), "t%c.%" PRId64 ".%" PRId64, kind, job, queue);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	return sign_msg(conf, msg, n, out);
}

int mr_track_token(const struct mr_verp_conf *conf, char kind, int64_t job_id,
		   int64_t queue_id, int link, char *out, size_t n, struct mr_error *err)
{
	if (!conf || !conf->secret || !conf->secret_len)
		return mail_error_set(err, MR_EINPUT, "tracking: no site secret configured");
	if ((kind != MR_TRACK_TOKEN_OPEN && kind != MR_TRACK_TOKEN_CLICK &&
	     kind != MR_TRACK_TOKEN_VIEW) || job_id < 0 ||
	    queue_id < 0 || (kind == MR_TRACK_TOKEN_CLICK && (link < 0 || link >= MR_TRACK_MAX_LINKS)))
		return mail_error_set(err, MR_EINPUT, "tracking: bad token arguments");
	char h[MR_VERP_HASH_LEN + 1];
	if (sign(conf, kind, job_id, queue_id, link, h) != 0)
		return mail_error_set(err, MR_EINTERNAL, "tracking: HMAC-SHA256 failed");
	int w = kind == MR_TRACK_TOKEN_CLICK ?
		snprintf(out, n, "c.%" PRId64 ".%" PRId64 ".%d.%s", job_id, queue_id, link, h) :
		snprintf(out, n, "%c.%" PRId64 ".%" PRId64 ".%s", kind, job_id, queue_id, h);
	if (w < 0 || (size_t)w >= n)
		return mail_error_set(err, MR_ENOMEM, "tracking: token longer than %zu bytes", n);
	return 0;
}

/* Reads a number as mr_track_token writes it (PRId64 of 0 to INT64_MAX: up
 * to 19 digits, no sign, no leading zero) followed by '.'; NULL when not. */
static const char *num(const char *p, int64_t *v_r)
{
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return NULL;
	int64_t v = 0;
	const char *start = p;
	for (; *p >= '0' && *p <= '9'; p++) {
		int d = *p - '0';
		if (v > (INT64_MAX - d) / 10)
			return NULL;
		v = v * 10 + d;
	}
	if (p == start || *p != '.')
		return NULL;
	*v_r = v;
	return p + 1;
}

/* Compares the hash p of a token with want: 0, MR_EINPUT when p is not
 * MR_VERP_HASH_LEN hex digits, MR_EPERMANENT when it differs. */
static int hash_check(const char *p, const char want[MR_VERP_HASH_LEN + 1])
{
	if (strlen(p) != MR_VERP_HASH_LEN)
		return MR_EINPUT;
	char got[MR_VERP_HASH_LEN + 1];
	for (int i = 0; i < MR_VERP_HASH_LEN; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return MR_EINPUT;
		got[i] = (char)tolower((unsigned char)p[i]);
	}
	got[MR_VERP_HASH_LEN] = 0;
	return CRYPTO_memcmp(want, got, MR_VERP_HASH_LEN) != 0 ? MR_EPERMANENT : 0;
}

int mr_track_parse(const struct mr_verp_conf *conf, const char *token,
		   struct mr_track_token *t_r)
{
	if (!token || !conf || !conf->secret || !conf->secret_len)
		return MR_EINPUT;
	struct mr_track_token t = { .kind = token[0], .link = -1 };
	if ((t.kind != MR_TRACK_TOKEN_OPEN && t.kind != MR_TRACK_TOKEN_CLICK &&
	     t.kind != MR_TRACK_TOKEN_VIEW) || token[1] != '.')
		return MR_EINPUT;
	const char *p = token + 2;
	int64_t link = -1;
	if (!(p = num(p, &t.job_id)) || !(p = num(p, &t.queue_id)))
		return MR_EINPUT;
	if (t.kind == MR_TRACK_TOKEN_CLICK) {
		if (!(p = num(p, &link)) || link >= MR_TRACK_MAX_LINKS)
			return MR_EINPUT;
		t.link = (int)link;
	}
	char want[MR_VERP_HASH_LEN + 1];
	if (sign(conf, t.kind, t.job_id, t.queue_id, t.link, want) != 0)
		return MR_EINTERNAL;
	int rc = hash_check(p, want);
	if (rc == 0 && t_r)
		*t_r = t;
	return rc;
}

/* The message a confirmation token signs: its own purpose string, which
 * no tracking token or VERP address signs. */
static int optin_sign(const struct mr_verp_conf *conf, const struct mr_optin_token *t,
		      char out[MR_VERP_HASH_LEN + 1])
{
	char msg[96];
	int n = snprintf(msg, sizeof(msg), "optin-confirm.%" PRId64 ".%" PRId64 ".%" PRId64,
			 t->contact_id, t->group_id, t->expires);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	return sign_msg(conf, msg, n, out);
}

int mr_optin_token(const struct mr_verp_conf *conf, const struct mr_optin_token *t, char *out,
		   size_t n, struct mr_error *err)
{
	if (!conf || !conf->secret || !conf->secret_len)
		return mail_error_set(err, MR_EINPUT, "opt-in: no site secret configured");
	if (!t || t->contact_id <= 0 || t->group_id <= 0 || t->expires <= 0)
		return mail_error_set(err, MR_EINPUT, "opt-in: bad token arguments");
	char h[MR_VERP_HASH_LEN + 1];
	if (optin_sign(conf, t, h) != 0)
		return mail_error_set(err, MR_EINTERNAL, "opt-in: HMAC-SHA256 failed");
	int w = snprintf(out, n, "s.%" PRId64 ".%" PRId64 ".%" PRId64 ".%s", t->contact_id,
			 t->group_id, t->expires, h);
	if (w < 0 || (size_t)w >= n)
		return mail_error_set(err, MR_ENOMEM, "opt-in: token longer than %zu bytes", n);
	return 0;
}

int mr_optin_parse(const struct mr_verp_conf *conf, const char *token, int64_t now,
		   struct mr_optin_token *t_r)
{
	if (!token || !conf || !conf->secret || !conf->secret_len)
		return MR_EINPUT;
	if (token[0] != 's' || token[1] != '.')
		return MR_EINPUT;
	struct mr_optin_token t;
	const char *p = token + 2;
	if (!(p = num(p, &t.contact_id)) || !(p = num(p, &t.group_id)) ||
	    !(p = num(p, &t.expires)) || t.contact_id <= 0 || t.group_id <= 0)
		return MR_EINPUT;
	char want[MR_VERP_HASH_LEN + 1];
	if (optin_sign(conf, &t, want) != 0)
		return MR_EINTERNAL;
	int rc = hash_check(p, want);
	if (rc)
		return rc;
	if (t_r)
		*t_r = t;
	return t.expires <= now ? MR_ENOTFOUND : 0;
}

int mr_track_links(const char *html, mr_track_link_cb *cb, void *cookie)
{
	int count = 0;
	if (!html)
		return 0;
	for (const char *p = html; (p = strcasestr(p, "href")) != NULL && count < MR_TRACK_MAX_LINKS;) {
		/* an attribute name: after white space, then optional spaces, '=' */
		if (p == html || !isspace((unsigned char)p[-1])) {
			p += 4;
			continue;
		}
		const char *q = p + 4;
		while (isspace((unsigned char)*q))
			q++;
		if (*q != '=') {
			p += 4;
			continue;
		}
		q++;
		while (isspace((unsigned char)*q))
			q++;
		char quote = (*q == '"' || *q == '\'') ? *q++ : 0;
		const char *v = q;
		while (*q && (quote ? *q != quote : !isspace((unsigned char)*q) && *q != '>'))
			q++;
		size_t len = (size_t)(q - v);
		p = q;
		if (len < 8 || len > 2000 || memchr(v, '{', len) || memchr(v, '}', len) ||
		    !(strncasecmp(v, "http://", 7) == 0 || strncasecmp(v, "https://", 8) == 0))
			continue;
		char url[2001];
		size_t o = 0;
		int bad = 0;
		for (size_t i = 0; i < len; i++) {
			unsigned char ch = (unsigned char)v[i];
			if (ch < 0x21 || ch == 0x7f || ch == '<' || ch == '"' || ch == '\\')
				bad = 1;
			if (ch == '&' && len - i >= 5 && strncmp(v + i, "&amp;", 5) == 0) {
				url[o++] = '&';
				i += 4;
			} else {
				url[o++] = (char)ch;
			}
		}
		url[o] = 0;
		if (bad)
			continue; /* white space or controls: not a URL we can vouch for */
		int idx = count++;
		if (cb && cb(cookie, idx, (size_t)(v - html), len, url))
			break;
	}
	return count;
}
