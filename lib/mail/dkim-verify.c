/* SPDX-License-Identifier: MIT */
/* DKIM signature verification (RFC 6376, RFC 8463): rsa-sha256 and ed25519-sha256, simple and relaxed canonicalisation, key from DNS. */
#include "config.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <openssl/evp.h>
#include "mail-internal.h"

struct buf {
	char *p;
	size_t n, cap;
	int oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 1024) + n;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = 0;
}

static int wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Relaxed header canonicalisation of one raw field (RFC 6376 3.4.2). */
static void canon_header_relaxed(struct buf *b, const char *raw, size_t len)
{
	const char *colon = memchr(raw, ':', len);
	if (!colon)
		return;
	size_t nl = (size_t)(colon - raw);
	while (nl > 0 && wsp(raw[nl - 1]))
		nl--;
	for (size_t i = 0; i < nl; i++) {
		char c = (char)tolower((unsigned char)raw[i]);
		put(b, &c, 1);
	}
	put(b, ":", 1);
	const char *p = colon + 1, *end = raw + len;
	int space = 0, started = 0;
	for (; p < end; p++) {
		if (*p == '\r' || *p == '\n')
			continue;
		if (wsp(*p)) {
			space = 1;
			continue;
		}
		if (space && started)
			put(b, " ", 1);
		space = 0;
		started = 1;
		put(b, p, 1);
	}
	put(b, "\r\n", 2);
}

static void canon_header(struct buf *b, const char *raw, size_t len, int relaxed)
{
	if (relaxed)
		canon_header_relaxed(b, raw, len);
	else
		put(b, raw, len);
}

/* The canonical body (RFC 6376 3.4.3, 3.4.4); body is CRLF text. */
static void canon_body(struct buf *b, const char *body, size_t len, int relaxed)
{
	const char *p = body, *end = body + len;
	size_t empty_run = 0; /* empty lines held back: dropped at the end */
	while (p < end) {
		const char *eol = p;
		while (eol + 1 < end && !(eol[0] == '\r' && eol[1] == '\n'))
			eol++;
		if (eol + 1 >= end)
			eol = end; /* last line without CRLF */
		struct buf line = { 0 };
		if (relaxed) {
			int space = 0;
			for (const char *q = p; q < eol; q++) {
				if (wsp(*q)) {
					space = 1;
					continue;
				}
				if (space)
					put(&line, " ", 1);
				space = 0;
				put(&line, q, 1);
			}
		} else {
			put(&line, p, (size_t)(eol - p));
		}
		if (line.oom)
			b->oom = 1;
		if (line.n == 0) {
			empty_run++;
		} else {
			for (; empty_run; empty_run--)
				put(b, "\r\n", 2);
			put(b, line.p, line.n);
			put(b, "\r\n", 2);
		}
		free(line.p);
		p = eol == end ? end : eol + 2;
	}
	if (b->n == 0 && !relaxed)
		put(b, "\r\n", 2);
}

/* The DKIM-Signature field with the value of its b= tag removed. */
static void strip_b(struct buf *b, const char *raw, size_t len)
{
	const char *colon = memchr(raw, ':', len);
	const char *end = raw + len;
	if (!colon)
		return;
	put(b, raw, (size_t)(colon + 1 - raw));
	const char *p = colon + 1;
	while (p < end) {
		const char *semi = memchr(p, ';', (size_t)(end - p));
		const char *tend = semi ? semi : end;
		const char *eq = memchr(p, '=', (size_t)(tend - p));
		const char *n = p;
		while (n < tend && isspace((unsigned char)*n))
			n++;
		size_t nl = eq ? (size_t)(eq - n) : 0;
		while (nl > 0 && isspace((unsigned char)n[nl - 1]))
			nl--;
		if (eq && nl == 1 && *n == 'b') {
			put(b, p, (size_t)(eq + 1 - p));
			/* keep the trailing line break of the field, if b= is last */
			const char *t = tend;
			while (t > eq + 1 && (t[-1] == '\r' || t[-1] == '\n'))
				t--;
			put(b, t, (size_t)(tend - t));
		} else {
			put(b, p, (size_t)(tend - p));
		}
		if (semi)
			put(b, ";", 1);
		p = semi ? semi + 1 : end;
	}
}

static void set(struct mr_dkim_result *res, const char *result, const char *fmt, ...)
	MR_PRINTF(3, 4);
static void set(struct mr_dkim_result *res, const char *result, const char *fmt, ...)
{
	va_list ap;
	snprintf(res->result, sizeof(res->result), "%s", result);
	va_start(ap, fmt);
	vsnprintf(res->why, sizeof(res->why), fmt, ap);
	va_end(ap);
}

void mr_dkim_verify_one(struct mr_resolver *r, const struct mr_rawmsg *m, size_t sig,
			struct mr_dkim_result *res)
{
	memset(res, 0, sizeof(*res));
	char *val = mr_hfield_value(&m->h[sig]);
	char *a = val ? mr_dkim_tag(val, "a") : NULL, *d = val ? mr_dkim_tag(val, "d") : NULL;
	char *s = val ? mr_dkim_tag(val, "s") : NULL, *c = val ? mr_dkim_tag(val, "c") : NULL;
	char *h = val ? mr_dkim_tag(val, "h") : NULL, *bh = val ? mr_dkim_tag(val, "bh") : NULL;
	char *bv = val ? mr_dkim_tag(val, "b") : NULL, *l = val ? mr_dkim_tag(val, "l") : NULL;
	char *x = val ? mr_dkim_tag(val, "x") : NULL;
	struct mr_dkim_key key = { 0 };
	struct buf hb = { 0 }, body = { 0 };
	unsigned char *sigbin = NULL, *bhbin = NULL;
	size_t sig_len = 0, bh_len = 0;
	EVP_MD_CTX *ctx = NULL;
	snprintf(res->domain, sizeof(res->domain), "%s", d ? d : "");
	snprintf(res->selector, sizeof(res->selector), "%s", s ? s : "");
	snprintf(res->alg, sizeof(res->alg), "%s", a ? a : "");
	snprintf(res->canon, sizeof(res->canon), "%s", c ? c : "simple/simple");
	if (!a || !d || !s || !h || !bh || !bv) {
		set(res, "permerror", "the signature lacks a required tag (a, b, bh, d, h or s)");
		goto out;
	}
	int ed = strcasecmp(a, "ed25519-sha256") == 0;
	if (!ed && strcasecmp(a, "rsa-sha256") != 0) {
		set(res, "permerror", "algorithm a=%s is not supported (rsa-sha256, ed25519-sha256)",
		    a);
		goto out;
	}
	int signs_from = 0;
	for (const char *q = h; *q;) {
		size_t n = strcspn(q, ":");
		if (n == 4 && strncasecmp(q, "from", 4) == 0)
			signs_from = 1;
		q += n + (q[n] == ':');
	}
	if (!signs_from) {
		set(res, "permerror", "h= does not include From (RFC 6376 5.4)");
		goto out;
	}
	int hrelax = c && strncasecmp(c, "relaxed", 7) == 0;
	const char *slash = c ? strchr(c, '/') : NULL;
	int brelax = slash && strcasecmp(slash + 1, "relaxed") == 0;
	if (x) {
		char *e;
		long long xt = strtoll(x, &e, 10);
		if (!*e && xt < (long long)time(NULL)) {
			set(res, "fail", "the signature expired (x=%s)", x);
			goto out;
		}
	}
	/* the body hash */
	canon_body(&body, m->body, m->body_len, brelax);
	size_t blen = body.n;
	if (l) {
		char *e;
		long long lv = strtoll(l, &e, 10);
		if (*e || lv < 0 || (size_t)lv > body.n) {
			set(res, "permerror", "l=%s is longer than the body", l);
			goto out;
		}
		blen = (size_t)lv;
	}
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	if (body.oom || !EVP_Digest(body.p ? body.p : "", blen, md, &md_len, EVP_sha256(), NULL)) {
		set(res, "temperror", "out of memory hashing the body");
		goto out;
	}
	if (mr_base64_decode(bh, strlen(bh), &bhbin, &bh_len) != 0 || bh_len != md_len ||
	    memcmp(bhbin, md, md_len) != 0) {
		set(res, "fail", "body hash mismatch: the body was changed after signing");
		goto out;
	}
	/* the signed header fields, each name taking the last unused instance */
	char *used = calloc(m->nh ? m->nh : 1, 1);
	if (!used) {
		set(res, "temperror", "out of memory");
		goto out;
	}
	for (char *name = strtok(h, ":"); name; name = strtok(NULL, ":")) {
		for (size_t i = m->nh; i-- > 0;) {
			if (!used[i] && i != sig && mr_hfield_is(&m->h[i], name)) {
				used[i] = 1;
				canon_header(&hb, m->h[i].raw, m->h[i].raw_len, hrelax);
				break;
			}
		}
	}
	free(used);
	struct buf self = { 0 };
	strip_b(&self, m->h[sig].raw, m->h[sig].raw_len);
	if (self.oom || !self.p) {
		free(self.p);
		set(res, "temperror", "out of memory");
		goto out;
	}
	struct buf selfc = { 0 };
	canon_header(&selfc, self.p, self.n, hrelax);
	free(self.p);
	/* no line break after the signature field itself */
	if (selfc.n >= 2 && selfc.p[selfc.n - 2] == '\r')
		selfc.n -= 2;
	if (selfc.p)
		put(&hb, selfc.p, selfc.n);
	free(selfc.p);
	if (hb.oom) {
		set(res, "temperror", "out of memory");
		goto out;
	}
	/* the key */
	char why[256];
	int st = mr_dkim_key_fetch(r, s, d, &key, NULL, 0, why, sizeof(why));
	if (st == MR_DNS_FAIL) {
		set(res, "temperror", "%s", why);
		goto out;
	}
	if (st != MR_DNS_OK) {
		set(res, "permerror", "no key: %s", why);
		goto out;
	}
	if (key.revoked) {
		set(res, "permerror", "the key of %s._domainkey.%s is revoked (empty p=)", s, d);
		goto out;
	}
	if (!key.pkey) {
		set(res, "permerror", "%s", why);
		goto out;
	}
	if ((strcmp(key.alg, "ed25519") == 0) != ed) {
		set(res, "permerror", "the key is k=%s but the signature a=%s", key.alg, a);
		goto out;
	}
	/* RFC 8301 3.2: verifiers must not consider signatures with RSA keys
	 * under 1024 bits valid (a 512-bit key is factored in hours) */
	if (!ed && EVP_PKEY_bits(key.pkey) < 1024) {
		set(res, "permerror", "the key of %s._domainkey.%s is a %d-bit RSA key: keys under "
		    "1024 bits do not verify (RFC 8301)", s, d, EVP_PKEY_bits(key.pkey));
		goto out;
	}
	if (mr_base64_decode(bv, strlen(bv), &sigbin, &sig_len) != 0) {
		set(res, "permerror", "b= is not base64");
		goto out;
	}
	ctx = EVP_MD_CTX_new();
	int ok;
	if (ed) {
		/* RFC 8463: Ed25519 over the SHA-256 of the header data */
		unsigned char hh[EVP_MAX_MD_SIZE];
		unsigned int hh_len = 0;
		ok = ctx && EVP_Digest(hb.p, hb.n, hh, &hh_len, EVP_sha256(), NULL) &&
		     EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key.pkey) == 1 &&
		     EVP_DigestVerify(ctx, sigbin, sig_len, hh, hh_len) == 1;
	} else {
		ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, key.pkey) == 1 &&
		     EVP_DigestVerify(ctx, sigbin, sig_len, (const unsigned char *)hb.p, hb.n) == 1;
	}
	if (ok)
		set(res, "pass", "signature by %s verified with the key of %s._domainkey.%s%s", d, s,
		    d, key.testing ? " (key in testing mode t=y)" : "");
	else
		set(res, "fail", "signature does not verify: a signed header field was changed, or "
		    "the key of %s._domainkey.%s is not the signing key", s, d);
out:
	EVP_MD_CTX_free(ctx);
	mr_dkim_key_free(&key);
	free(hb.p);
	free(body.p);
	free(sigbin);
	free(bhbin);
	free(val);
	free(a);
	free(d);
	free(s);
	free(c);
	free(h);
	free(bh);
	free(bv);
	free(l);
	free(x);
}
