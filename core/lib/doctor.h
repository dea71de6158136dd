/* SPDX-License-Identifier: MIT */
/* Internal interface of the deliverability doctor and of inspect: raw header fields, DKIM keys and signatures, the checks. */
#ifndef MR_DOCTOR_H
#define MR_DOCTOR_H

#include <stddef.h>
#include "dns.h"

struct mr_site;
struct mr_error;

/* ---- a received message's header fields, as bytes (rawmsg.c) */
struct mr_hfield {
	const char *name; /* points into the message, name_len bytes */
	size_t name_len;
	const char *raw;  /* the whole field, folding and final CRLF included */
	size_t raw_len;
};
struct mr_rawmsg {
	char *data;       /* the message with every line ending made CRLF */
	size_t len;
	struct mr_hfield *h;
	size_t nh;
	const char *body; /* after the empty line */
	size_t body_len;
};
/* Splits a message (LF, CRLF or mixed line endings) into header fields and
 * body.  Returns 0 or MR_ENOMEM / MR_EINPUT (no header at all). */
int mr_rawmsg_parse(const char *data, size_t len, struct mr_rawmsg *m);
void mr_rawmsg_free(struct mr_rawmsg *m);
/* True when the field is called name (case-insensitive). */
int mr_hfield_is(const struct mr_hfield *f, const char *name);
/* The field's value unfolded, whitespace runs made one space, trimmed;
 * malloc'ed, NULL when out of memory. */
char *mr_hfield_value(const struct mr_hfield *f);
/* Decodes base64, skipping whitespace; *out_r malloc'ed.  Returns 0 or -1. */
int mr_base64_decode(const char *s, size_t len, unsigned char **out_r, size_t *out_len_r);

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

/* ---- the doctor (doctor.c, doctor-checks.c) */
enum mr_check_verdict { MR_CHECK_OK = 0, MR_CHECK_WARN = 1, MR_CHECK_FAIL = 2 };
struct mr_check {
	char name[32];      /* "spf-from", "dkim", "rdns", ... */
	enum mr_check_verdict verdict;
	char *detail;       /* what was found */
	char *fix;          /* what to change, or NULL when ok */
};
struct mr_checks {
	struct mr_check *c;
	size_t n;
};
void mr_check_add(struct mr_checks *cs, const char *name, enum mr_check_verdict v, const char *fix,
		  const char *fmt, ...) MR_PRINTF(5, 6);
void mr_checks_free(struct mr_checks *cs);
const char *mr_check_verdict_name(enum mr_check_verdict v);
/* Runs every check of an opened site (accounts inited).  Returns 0, or a
 * status with err when the checks cannot run at all (bad resolver). */
int mr_doctor_run(struct mr_site *site, struct mr_checks *cs, struct mr_error *err);
/* The resolver of a config's [mailroom] resolver key (NULL/"" = system). */
int mr_site_resolver(const struct mr_section *main, struct mr_resolver **r_r,
		     struct mr_error *err);

/* Organizational domain (last two labels; three when the second-level
 * label is a known public suffix like co.uk) written into buf. */
void mr_org_domain(const char *domain, char *buf, size_t size);

#endif
