/* SPDX-License-Identifier: MIT */
/* What the files of libmailroom-mail share and do not export: the public headers and two small helpers. */
#ifndef MR_MAIL_INTERNAL_H
#define MR_MAIL_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <mailroom/mail.h>
#include <mailroom/core.h>

struct mr_store;
struct mr_renderer;

#define MAIL_HIDDEN __attribute__((visibility("hidden")))

/* Fills err with status and a formatted message; returns status. */
int mail_error_set(struct mr_error *err, int status, const char *fmt, ...) MR_PRINTF(3, 4)
	MAIL_HIDDEN;
/* A whole decimal integer: 0, or -1 when s is not one. */
int mail_parse_int(const char *s, long long *v_r) MAIL_HIDDEN;
/* mr_verp_parse, and when the address is ours but damaged (MR_EPERMANENT)
 * *why_r says how ("hash truncated", ...; static). */
/* HMAC-SHA256 of a message of at most 64 bytes (verp.c); 0 or -1. */
int mail_hmac_sha256(const unsigned char *key, size_t key_len, const char *msg, size_t len,
		     unsigned char out[32]);
int mail_verp_check(const struct mr_verp_conf *conf, const char *addr, size_t len,
		    struct mr_verp *v_r, const char **why_r) MAIL_HIDDEN;
/* The value of custom field name (len bytes) in fields ("NAME\x1fVALUE\x1e..."):
 * a pointer to it and its length in *len_r, or NULL (tokens.c). */
const char *mail_custom_value(const char *fields, const char *name, size_t len,
			      size_t *len_r) MAIL_HIDDEN;
/* Adds to r a renderer of each language variant in mailing m's settings
 * (mailing-variants.c); 0, or the status with err filled. */
int mail_add_language_variants(struct mr_store *st, const struct mr_mailing *m,
			       struct mr_renderer *r, const char *const *fields, size_t n_fields,
			       struct mr_error *err) MAIL_HIDDEN;

#endif
