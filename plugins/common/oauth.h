/* SPDX-License-Identifier: MIT */
/* OAuth 2.0 access tokens for mail accounts and transports (compiled into fetch-imap, fetch-pop3, transport-smtp and the mailroom command): the [oauth-NAME] settings with their Microsoft and Google presets, the 0600 token file, refresh before expiry under the site's lock, the device authorization grant (RFC 8628) and the client-credentials grant, and the SASL XOAUTH2 / OAUTHBEARER (RFC 7628) initial responses. */
#ifndef MR_OAUTH_H
#define MR_OAUTH_H

#include <stdint.h>
#include <stdio.h>
#include <mailroom/plugin.h>

struct mr_oauth;

/* Opens the [oauth-NAME] section for a user (an account or transport
 * section, named in errors).  Nothing is read from the network yet.
 * Returns 0 with *o_r set (free with mr_oauth_close), or MR_ECONFIG with err
 * naming the missing section or key. */
int mr_oauth_open(const struct mr_core *core, const struct mr_log *log, const char *name,
		  const char *user_section, struct mr_oauth **o_r, struct mr_error *err);
void mr_oauth_close(struct mr_oauth *o);

/* A valid access token: the one in memory or in the token file when it is
 * valid for longer than refresh_margin, else a new one from the token
 * endpoint (refresh_token or client_credentials grant), got by one process
 * of the site at a time (the others wait and read what it wrote).  Safe to
 * call from several threads.  Returns 0 with *token_r malloc'ed (caller
 * frees it with mr_oauth_free_token), or MR_ETEMP (server unreachable,
 * 5xx), MR_ECONFIG (never authorized, refresh token revoked: the error says
 * to run mailroom account authorize). */
int mr_oauth_token(struct mr_oauth *o, char **token_r, struct mr_error *err);
/* A mail server refused this access token before its expiry (revoked, or
 * its scopes changed): forgets it, in memory and in the token file when the
 * file still holds it, so that the next mr_oauth_token gets a new one. */
void mr_oauth_invalidate(struct mr_oauth *o, const char *token);
/* Overwrites and frees a token (NULL is fine). */
void mr_oauth_free_token(char *token);

/* mailroom account authorize: the device authorization grant (prints the
 * URL and the code on out, polls until the user approves, at most until the
 * code expires) or the client-credentials grant, as the section's grant
 * says; stores the tokens in token_file.  Returns 0 or a status with err. */
int mr_oauth_authorize(struct mr_oauth *o, FILE *out, struct mr_error *err);

/* What the token file says, without the tokens: for doctor and account
 * test.  Returns 0 (filled), MR_ENOTFOUND (never authorized) or another
 * status with err. */
struct mr_oauth_state {
	int64_t expires_at;     /* unix time the access token expires; 0: none */
	int64_t obtained_at;    /* when it was obtained */
	int has_refresh;        /* a refresh token is stored */
	char scope[512];        /* the scopes the server granted */
	char grant[32];         /* device or client_credentials */
	char token_file[512];
};
int mr_oauth_state(struct mr_oauth *o, struct mr_oauth_state *st_r, struct mr_error *err);

/* The SASL initial responses (not base64-encoded; malloc'ed, caller frees):
 * XOAUTH2 "user=U\1auth=Bearer T\1\1" and OAUTHBEARER (RFC 7628)
 * "n,a=U,\1host=H\1port=P\1auth=Bearer T\1\1". */
char *mr_oauth_sasl_xoauth2(const char *user, const char *token);
char *mr_oauth_sasl_oauthbearer(const char *user, const char *host, int port, const char *token);
/* base64 of len bytes (malloc'ed, NUL-terminated), or NULL. */
char *mr_oauth_b64(const unsigned char *in, size_t len);

/* Reads KEY's string value from a flat JSON object (nested values are
 * skipped); numbers and true/false are given as their text.  Returns 1 when
 * found and it fit in out, else 0.  For test-oauth. */
int mr_oauth_json_get(const char *json, const char *key, char *out, size_t out_size);

/* The keys of the per-plugin settings that select OAuth2: auth and oauth. */
#define MR_OAUTH_AUTH_KEYS(conf_, auth_, oauth_) \
	{ .name = "auth", .type = MR_KEY_ENUM, .def = "password", .choices = "password|oauth2", \
	  .help = "how to log in: password (password_file) or oauth2 (a token of the [oauth-NAME] " \
	  "section named by oauth, XOAUTH2 or OAUTHBEARER as the server offers)", \
	  MR_KEY_FIELD(conf_, auth_) }, \
	{ .name = "oauth", .type = MR_KEY_STRING, \
	  .help = "with auth = oauth2: the NAME of the [oauth-NAME] section whose tokens are used " \
	  "(authorize once with mailroom account authorize)", MR_KEY_FIELD(conf_, oauth_) }

#endif
