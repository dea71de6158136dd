/* SPDX-License-Identifier: MIT */
/* DKIM (RFC 6376, RFC 8463): signing outgoing messages, reading published keys, verifying received signatures (libmailroom-mail). */
#ifndef MAILROOM_DKIM_H
#define MAILROOM_DKIM_H

#include <stddef.h>
#include <stdint.h>
#include <mailroom/error.h>
#include <mailroom/buf.h>
#include <mailroom/dns.h>
#include <mailroom/message.h>

/* ---- DKIM signing (dkim.c) */
struct mr_dkim_signer;
/* Loads the signer of a [dkim] section: selector, domain (default_domain
 * when empty), key_file (PEM, RSA or Ed25519), algorithm.  Returns 0 with
 * *s_r, or MR_ECONFIG with err naming the file and the problem. */
int mr_dkim_signer_new(const char *selector, const char *domain, const char *key_file,
		       const char *algorithm, struct mr_dkim_signer **s_r, struct mr_error *err);
void mr_dkim_signer_free(struct mr_dkim_signer *s);
/* Signs a message given as its header block (CRLF lines, without the empty
 * line) and its body; appends "DKIM-Signature: ...\r\n" (folded) to out.
 * Signs the headers of MR_DKIM_HEADERS that are present.  Returns 0 or
 * MR_EINTERNAL with err. */
int mr_dkim_sign(struct mr_dkim_signer *s, const char *hdr, size_t hdr_len, const char *body,
		 size_t body_len, int64_t now, struct mr_buf *out, struct mr_error *err);

/* ---- DKIM keys and signatures (dkim-key.c, dkim-verify.c) */
/* The value of tag in a DKIM tag list ("a=1; b = 2"), every whitespace
 * removed, malloc'ed; NULL when absent (or out of memory). */
char *mr_dkim_tag(const char *list, const char *tag);
struct mr_dkim_key {
	char alg[16];         /* "rsa" or "ed25519" (k=) */
	int testing;          /* t=y */
	int revoked;          /* empty p= */
	int bits;             /* key size, 0 when unknown */
	void *pkey;           /* EVP_PKEY *, NULL when revoked or unusable */
	char why[160];        /* when pkey is NULL and not revoked: why */
};
/* Parses a DKIM key record (v=DKIM1; k=...; p=...).  Returns 0 (pkey set or
 * revoked), or -1 with k->why. */
int mr_dkim_key_parse(const char *txt, struct mr_dkim_key *k);
void mr_dkim_key_free(struct mr_dkim_key *k);
/* Looks up SELECTOR._domainkey.DOMAIN and parses the first key record.
 * Returns an mr_dns_status; MR_DNS_OK also when the record is unparsable
 * (then k->pkey is NULL and k->why says why); the record text goes to
 * txt_r (may be NULL). */
int mr_dkim_key_fetch(struct mr_resolver *r, const char *selector, const char *domain,
		      struct mr_dkim_key *k, char *txt_r, size_t txt_size, char *why, size_t why_size);
/* Compares a published key with the private key in key_file (PEM).
 * Returns 1 when they are a pair, 0 when not, -1 with why when the file
 * cannot be read. */
int mr_dkim_key_matches(const struct mr_dkim_key *k, const char *key_file, char *why,
			size_t why_size);

struct mr_dkim_result {
	char domain[256];  /* d= */
	char selector[128]; /* s= */
	char alg[32];      /* a= */
	char canon[32];    /* c= */
	char result[16];   /* pass, fail, neutral, temperror, permerror */
	char why[256];
};
/* Verifies the DKIM-Signature at index sig of m (an index into m->h). */
void mr_dkim_verify_one(struct mr_resolver *r, const struct mr_rawmsg *m, size_t sig,
			struct mr_dkim_result *res);

#endif
