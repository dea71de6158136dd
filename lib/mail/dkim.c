/* SPDX-License-Identifier: MIT */
/* DKIM signing (RFC 6376, relaxed/relaxed) with RSA-SHA256 or Ed25519-SHA256 (RFC 8463) through OpenSSL EVP. */
#include "config.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include "mail-internal.h"

/* The headers signed when present, in this order. */
static const char *const signed_headers[] = {
	"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type",
	"List-Unsubscribe", "List-Unsubscribe-Post", "Reply-To", "List-Id",
};
#define N_SIGNED (sizeof(signed_headers) / sizeof(signed_headers[0]))

struct mr_dkim_signer {
	EVP_PKEY *key;
	EVP_PKEY_CTX *rsa; /* RSA: a signing context set up once (PKCS#1 v1.5, SHA-256) */
	int ed25519;
	char *selector, *domain;
	struct mr_buf canon, body, sig; /* scratch, reused */
};

void mr_dkim_signer_free(struct mr_dkim_signer *s)
{
	if (!s)
		return;
	EVP_PKEY_CTX_free(s->rsa);
	EVP_PKEY_free(s->key);
	free(s->selector);
	free(s->domain);
	mr_buf_free(&s->canon);
	mr_buf_free(&s->body);
	mr_buf_free(&s->sig);
	free(s);
}

static int ossl_fail(struct mr_error *err, int status, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";
	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return mail_error_set(err, status, "%s%s%s", what, buf[0] ? ": " : "", buf);
}

int mr_dkim_signer_new(const char *selector, const char *domain, const char *key_file,
		       const char *algorithm, struct mr_dkim_signer **s_r, struct mr_error *err)
{
	*s_r = NULL;
	if (!selector || !*selector || !domain || !*domain || !key_file || !*key_file)
		return mail_error_set(err, MR_ECONFIG, "[dkim] needs selector, domain (or a from "
				    "address) and key_file");
	int ed = algorithm && strcmp(algorithm, "ed25519-sha256") == 0;
	if (algorithm && !ed && strcmp(algorithm, "rsa-sha256") != 0)
		return mail_error_set(err, MR_ECONFIG, "[dkim] algorithm '%s' is neither rsa-sha256 "
				    "nor ed25519-sha256", algorithm);
	for (const char *p = selector; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' && *p != '_')
			return mail_error_set(err, MR_ECONFIG, "[dkim] selector '%s' is not a DNS "
					    "label", selector);
	struct stat sb;
	if (stat(key_file, &sb) != 0)
		return mail_error_set(err, MR_ECONFIG, "[dkim] key_file %s: %s", key_file,
				    strerror(errno));
	if (sb.st_mode & 077)
		return mail_error_set(err, MR_ECONFIG, "[dkim] key_file %s can be read by others "
				    "(mode %03o): chmod 600 it", key_file, (unsigned)(sb.st_mode & 0777));
	FILE *f = fopen(key_file, "r");
	if (!f)
		return mail_error_set(err, MR_ECONFIG, "[dkim] key_file %s: %s", key_file,
				    strerror(errno));
	EVP_PKEY *key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!key)
		return ossl_fail(err, MR_ECONFIG, "[dkim] key_file holds no PEM private key");
	int type = EVP_PKEY_get_base_id(key);
	if ((ed && type != EVP_PKEY_ED25519) || (!ed && type != EVP_PKEY_RSA)) {
		EVP_PKEY_free(key);
		return mail_error_set(err, MR_ECONFIG, "[dkim] key_file %s is not an %s key "
				    "(algorithm = %s)", key_file, ed ? "Ed25519" : "RSA",
				    ed ? "ed25519-sha256" : "rsa-sha256");
	}
	struct mr_dkim_signer *s = calloc(1, sizeof(*s));
	if (!s || !(s->selector = strdup(selector)) || !(s->domain = strdup(domain))) {
		EVP_PKEY_free(key);
		mr_dkim_signer_free(s);
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	}
	s->key = key;
	s->ed25519 = ed;
	if (!ed && (!(s->rsa = EVP_PKEY_CTX_new(key, NULL)) || EVP_PKEY_sign_init(s->rsa) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(s->rsa, RSA_PKCS1_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(s->rsa, EVP_sha256()) != 1)) {
		mr_dkim_signer_free(s);
		return ossl_fail(err, MR_ECONFIG, "[dkim] cannot set up RSA signing");
	}
	*s_r = s;
	return 0;
}

static int wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* Relaxed body canonicalization (RFC 6376 3.4.4) into out. */
static void canon_body(const char *b, size_t n, struct mr_buf *out)
{
	out->len = 0;
	size_t blank = 0; /* empty lines held back (trailing ones are dropped) */
	size_t i = 0;
	while (i < n) {
		size_t e = i;
		while (e < n && b[e] != '\n')
			e++;
		size_t le = e;
		if (le > i && b[le - 1] == '\r')
			le--;
		/* the line [i, le) with WSP runs reduced and trailing WSP gone */
		size_t start = out->len;
		int pending = 0, any = 0;
		for (size_t k = i; k < le; k++) {
			if (wsp(b[k])) {
				pending = 1;
				continue;
			}
			if (!any) {
				/* flush blank lines held back */
				for (; blank > 0; blank--)
					mr_buf_add(out, "\r\n", 2);
				start = out->len;
				any = 1;
			}
			if (pending)
				mr_buf_addc(out, ' ');
			pending = 0;
			mr_buf_addc(out, b[k]);
		}
		(void)start;
		if (any)
			mr_buf_add(out, "\r\n", 2);
		else if (e < n || le > i)
			blank++; /* an empty (or all-WSP) line */
		i = e < n ? e + 1 : n;
	}
}

/* Appends the relaxed form "name:value\r\n" of one header field [p, p+n). */
static void canon_header(const char *p, size_t n, struct mr_buf *out, int crlf)
{
	size_t colon = 0;
	while (colon < n && p[colon] != ':')
		colon++;
	size_t ne = colon;
	while (ne > 0 && wsp(p[ne - 1]))
		ne--;
	for (size_t k = 0; k < ne; k++)
		mr_buf_addc(out, (char)tolower((unsigned char)p[k]));
	mr_buf_addc(out, ':');
	int pending = 0, any = 0;
	for (size_t k = colon + 1; k < n; k++) {
		char c = p[k];
		if (c == '\r' || c == '\n' || wsp(c)) {
			pending = 1;
			continue;
		}
		if (pending && any)
			mr_buf_addc(out, ' ');
		pending = 0;
		any = 1;
		mr_buf_addc(out, c);
	}
	if (crlf)
		mr_buf_add(out, "\r\n", 2);
}

/* Finds the last field called name in the header block: its start and length
 * (with continuation lines, without the final CRLF).  0 when absent. */
static int find_field(const char *h, size_t n, const char *name, const char **f_r, size_t *len_r)
{
	size_t nl = strlen(name);
	int found = 0;
	size_t i = 0;
	while (i < n) {
		size_t e = i;
		for (;;) {
			while (e < n && h[e] != '\n')
				e++;
			if (e + 1 < n && wsp(h[e + 1])) {
				e++;
				continue;
			}
			break;
		}
		size_t fe = e;
		if (fe > i && h[fe - 1] == '\r')
			fe--;
		if (fe - i > nl && strncasecmp(h + i, name, nl) == 0) {
			size_t k = i + nl;
			while (k < fe && wsp(h[k]))
				k++;
			if (k < fe && h[k] == ':') {
				*f_r = h + i;
				*len_r = fe - i;
				found = 1;
			}
		}
		i = e < n ? e + 1 : n;
	}
	return found;
}

static int digest(const EVP_MD *md, const void *d, size_t n, unsigned char *out, unsigned *len)
{
	return EVP_Digest(d, n, out, len, md, NULL) == 1 ? 0 : -1;
}

int mr_dkim_sign(struct mr_dkim_signer *s, const char *hdr, size_t hdr_len, const char *body,
		 size_t body_len, int64_t now, struct mr_buf *out, struct mr_error *err)
{
	unsigned char bh[EVP_MAX_MD_SIZE];
	unsigned bhl = 0;
	canon_body(body, body_len, &s->body);
	if (s->body.oom || digest(EVP_sha256(), s->body.p ? s->body.p : "", s->body.len, bh, &bhl))
		return ossl_fail(err, MR_EINTERNAL, "DKIM: hashing the body");
	/* the header: which fields are signed */
	struct mr_buf *c = &s->canon;
	c->len = 0;
	char hlist[256] = "";
	size_t hl = 0;
	for (size_t i = 0; i < N_SIGNED; i++) {
		const char *f;
		size_t fl;
		if (!find_field(hdr, hdr_len, signed_headers[i], &f, &fl))
			continue;
		canon_header(f, fl, c, 1);
		int w = snprintf(hlist + hl, sizeof(hlist) - hl, "%s%s", hl ? ":" : "",
				 signed_headers[i]);
		if (w > 0)
			hl += (size_t)w;
	}
	for (char *p = hlist; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	/* the signature header without the b= value */
	struct mr_buf *sg = &s->sig;
	sg->len = 0;
	mr_buf_printf(sg, "DKIM-Signature: v=1; a=%s; c=relaxed/relaxed; d=%s; s=%s;\r\n"
		      "\tt=%lld; h=%s;\r\n\tbh=", s->ed25519 ? "ed25519-sha256" : "rsa-sha256",
		      s->domain, s->selector, (long long)now, hlist);
	mr_buf_add_b64(sg, bh, bhl);
	mr_buf_adds(sg, ";\r\n\tb=");
	canon_header(sg->p, sg->len, c, 0);
	if (c->oom || sg->oom)
		return mail_error_set(err, MR_ENOMEM, "out of memory");
	unsigned char sigbuf[1024];
	size_t siglen = sizeof(sigbuf);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok = ctx != NULL;
	if (ok && s->ed25519) {
		unsigned char hh[EVP_MAX_MD_SIZE];
		unsigned hhl = 0;
		ok = digest(EVP_sha256(), c->p, c->len, hh, &hhl) == 0 &&
		     EVP_DigestSignInit(ctx, NULL, NULL, NULL, s->key) == 1 &&
		     EVP_DigestSign(ctx, sigbuf, &siglen, hh, hhl) == 1;
	} else if (ok) {
		/* hash here, sign the digest with the context made once */
		unsigned char hh[EVP_MAX_MD_SIZE];
		unsigned hhl = 0;
		ok = digest(EVP_sha256(), c->p, c->len, hh, &hhl) == 0 &&
		     EVP_PKEY_sign(s->rsa, sigbuf, &siglen, hh, hhl) == 1;
	}
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return ossl_fail(err, MR_EINTERNAL, "DKIM: signing");
	/* the header as sent: b= folded in lines of 72 */
	mr_buf_add(out, sg->p, sg->len);
	size_t b64start = out->len;
	mr_buf_add_b64(out, sigbuf, siglen);
	size_t b64len = out->len - b64start;
	if (b64len > 72) {
		/* re-add with folding */
		char tmp[1400];
		if (b64len < sizeof(tmp)) {
			memcpy(tmp, out->p + b64start, b64len);
			out->len = b64start;
			for (size_t i = 0; i < b64len; i += 72) {
				if (i)
					mr_buf_add(out, "\r\n\t ", 4);
				mr_buf_add(out, tmp + i, b64len - i < 72 ? b64len - i : 72);
			}
		}
	}
	mr_buf_add(out, "\r\n", 2);
	return out->oom ? mail_error_set(err, MR_ENOMEM, "out of memory") : 0;
}
