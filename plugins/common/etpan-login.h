/* SPDX-License-Identifier: MIT */
/* The login side shared by the libetpan fetch plugins (fetch-imap, fetch-pop3; compiled into both): the password from the configuration, the message of a refused login, and wiping the password when done. */
#ifndef MR_ETPAN_LOGIN_H
#define MR_ETPAN_LOGIN_H

#include <libetpan/libetpan.h>
#include <mailroom/plugin.h>
#include "oauth.h"

/* Reads the section's "password" secret into *password_r; when there is none
 * the error names password_file and the environment variable to set. */
int etpan_password_load(const struct mr_plugin_ctx *ctx, char **password_r,
			struct mr_error *err);

/* Overwrites the password, then frees it (NULL is fine). */
void etpan_password_free(char *password);
/* What a server said, made safe for a terminal, a log line or the store:
 * control and non-ASCII bytes become '?', cut to size; returns buf (raw
 * MAY be buf itself). */
const char *etpan_said(const char *raw, char *buf, size_t size);

/* The error of a login the server refused: MR_ETEMP when temp, else
 * MR_ECONFIG; what the server said, when anything, in parentheses. */
int etpan_login_refused(const struct mr_core *core, int temp, const char *username,
			const char *server, const char *said, struct mr_error *err);

/* With auth = oauth2: opens the [oauth-NAME] that oauth names into *o_r
 * (NULL with auth = password).  Returns 0 or MR_ECONFIG with err. */
int etpan_oauth_load(const struct mr_plugin_ctx *ctx, const char *auth, const char *oauth,
		     struct mr_oauth **o_r, struct mr_error *err);

/* The mechanisms a server offers, as etpan_oauth_login takes them. */
#define ETPAN_SASL_OAUTHBEARER 0x1
#define ETPAN_SASL_XOAUTH2 0x2

/*
 * Logs in with an OAuth2 access token over an open stream: OAUTHBEARER
 * (RFC 7628) when offered, else XOAUTH2; imap selects IMAP's AUTHENTICATE
 * (with the initial response on the command line when sasl_ir) or POP3's
 * AUTH.  A refused token is MR_ECONFIG with the account, the user, the
 * server and what it said (its final reply and the decoded error
 * challenge).  Returns 0 when logged in.
 */
int etpan_oauth_login(const struct mr_core *core, struct mr_oauth *o, mailstream *s, int imap,
		      int sasl_ir, unsigned offered, const char *account, const char *user,
		      const char *server, int port, struct mr_error *err);

#endif
