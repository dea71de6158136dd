/* SPDX-License-Identifier: MIT */
/* The login side shared by the libetpan fetch plugins (compiled into fetch-imap and fetch-pop3): the password from the configuration, the message of a refused login, and wiping the password when done. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "etpan-login.h"
#include "oauth.h"

/* A section name as it appears in an environment variable name. */
static const char *env_name(const char *section, char *buf, size_t size)
{
	size_t i = 0;
	for (; section[i] && i + 1 < size; i++)
		buf[i] = section[i] == '-' ? '_' : (char)(section[i] >= 'a' && section[i] <= 'z'
							   ? section[i] - 32 : section[i]);
	buf[i] = '\0';
	return buf;
}

int etpan_password_load(const struct mr_plugin_ctx *ctx, char **password_r,
			struct mr_error *err)
{
	const struct mr_core *c = ctx->core;
	struct mr_error e = { 0 };
	char envname[128];
	int rc = c->cfg_secret(ctx->cfg, "password", password_r, &e);
	if (rc == MR_ENOTFOUND)
		rc = c->error_set(err, MR_ECONFIG, "no password: set password_file (or "
				  "the environment variable MAILROOM_%s_PASSWORD)",
				  env_name(c->cfg_name(ctx->cfg), envname, sizeof(envname)));
	else if (rc)
		rc = c->error_set(err, rc, "%s", e.msg);
	return rc;
}

void etpan_password_free(char *password)
{
	if (password) {
		memset(password, 0, strlen(password));
		free(password);
	}
}

int etpan_login_refused(const struct mr_core *core, int temp, const char *username,
			const char *server, const char *said, struct mr_error *err)
{
	char safe[256];
	etpan_said(said, safe, sizeof(safe));
	return core->error_set(err, temp ? MR_ETEMP : MR_ECONFIG,
			       "auth: login as %s on %s refused%s%s%s", username, server,
			       *safe ? " (server: " : "", safe, *safe ? ")" : "");
}

int etpan_oauth_load(const struct mr_plugin_ctx *ctx, const char *auth, const char *oauth,
		     struct mr_oauth **o_r, struct mr_error *err)
{
	*o_r = NULL;
	if (!auth || strcmp(auth, "oauth2") != 0)
		return 0;
	const struct mr_core *c = ctx->core;
	return mr_oauth_open(c, ctx->log, oauth, c->cfg_name(ctx->cfg), o_r, err);
}

/* base64 decoded into out (what is not printable shown as '?'). */
static void b64_printable(const char *in, char *out, size_t size)
{
	unsigned v = 0;
	int bits = 0;
	size_t n = 0;
	for (; *in && *in != '=' && n + 1 < size; in++) {
		const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
		const char *p = strchr(tab, *in);
		if (!p || !*in)
			break;
		v = (v << 6) | (unsigned)(p - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			unsigned char ch = (unsigned char)(v >> bits);
			out[n++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
		}
	}
	out[n] = '\0';
}

const char *etpan_said(const char *raw, char *buf, size_t size)
{
	size_t n = 0;
	for (; raw && *raw && n + 1 < size; raw++)
		buf[n++] = (unsigned char)*raw < 0x20 || (unsigned char)*raw >= 0x7f ? '?' : *raw;
	buf[n] = '\0';
	return buf;
}

static int send_line(mailstream *s, const char *a, const char *b)
{
	return mailstream_write(s, a, strlen(a)) < 0 || (b && mailstream_write(s, b, strlen(b)) < 0)
	       || mailstream_write(s, "\r\n", 2) < 0 || mailstream_flush(s) < 0 ? -1 : 0;
}

static int sasl_once(const struct mr_core *core, mailstream *s, int imap, int sasl_ir,
		     int bearer, const char *account, const char *user, const char *server,
		     int port, const char *token, struct mr_error *err);

int etpan_oauth_login(const struct mr_core *core, struct mr_oauth *o, mailstream *s, int imap,
		      int sasl_ir, unsigned offered, const char *account, const char *user,
		      const char *server, int port, struct mr_error *err)
{
	int bearer = (offered & ETPAN_SASL_OAUTHBEARER) != 0;
	if (!offered)
		return core->error_set(err, MR_ECONFIG, "auth: %s: %s offers neither OAUTHBEARER nor "
				       "XOAUTH2 (auth = oauth2 needs one)", account, server);
	if (strpbrk(user, "\001\r\n"))
		return core->error_set(err, MR_ECONFIG, "auth: %s: username has a control character",
				       account);
	int rc = 0;
	/* a refused token that was not expired may have been revoked: forget it
	 * and try once more with a new one on the same connection */
	for (int attempt = 0; attempt < 2; attempt++) {
		char *token = NULL;
		rc = mr_oauth_token(o, &token, err);
		if (rc)
			return rc;
		rc = sasl_once(core, s, imap, sasl_ir, bearer, account, user, server, port, token,
			       err);
		if (rc == MR_ECONFIG)
			mr_oauth_invalidate(o, token);
		mr_oauth_free_token(token);
		if (rc != MR_ECONFIG)
			break;
	}
	return rc;
}

static int sasl_once(const struct mr_core *core, mailstream *s, int imap, int sasl_ir,
		     int bearer, const char *account, const char *user, const char *server,
		     int port, const char *token, struct mr_error *err)
{
	char *ir = bearer ? mr_oauth_sasl_oauthbearer(user, server, port, token)
			  : mr_oauth_sasl_xoauth2(user, token);
	char *b64 = ir ? mr_oauth_b64((const unsigned char *)ir, strlen(ir)) : NULL;
	mr_oauth_free_token(ir);
	if (!b64)
		return core->error_set(err, MR_ENOMEM, "out of memory");
	const char *mech = bearer ? "OAUTHBEARER" : "XOAUTH2";
	char cmd[64];
	if (imap)
		snprintf(cmd, sizeof(cmd), "mrauth AUTHENTICATE %s%s", mech, sasl_ir ? " " : "");
	else
		snprintf(cmd, sizeof(cmd), "AUTH %s ", mech);
	int ir_sent = !imap || sasl_ir;
	int r = send_line(s, cmd, ir_sent ? b64 : NULL);
	MMAPString *line = mmap_string_new("");
	char challenge[256] = "", said[256] = "";
	int done = 0;
	/* a bounded exchange: the server answers within a few lines */
	for (int i = 0; r == 0 && !done && i < 16 && line; i++) {
		char *l = mailstream_read_line_remove_eol(s, line);
		if (!l) {
			r = -1;
			break;
		}
		if (l[0] == '+' && (imap || strncmp(l, "+OK", 3) != 0)) {
			const char *data = l[1] == ' ' ? l + 2 : l + 1;
			if (!ir_sent) {
				/* IMAP without SASL-IR: the empty challenge asks for it */
				r = send_line(s, b64, NULL);
				ir_sent = 1;
				continue;
			}
			/* an error challenge (RFC 7628 3.2.2): say what it was, end the
			 * exchange (a dummy ^A for OAUTHBEARER, empty for XOAUTH2) */
			b64_printable(data, challenge, sizeof(challenge));
			r = send_line(s, bearer ? "AQ==" : "", NULL);
			continue;
		}
		if (imap) {
			if (strncmp(l, "mrauth ", 7) != 0)
				continue; /* an untagged response */
			done = strncasecmp(l + 7, "OK", 2) == 0 ? 1 : 2;
			snprintf(said, sizeof(said), "%s", l + 7);
		} else {
			done = strncmp(l, "+OK", 3) == 0 ? 1 : 2;
			snprintf(said, sizeof(said), "%s", l);
		}
	}
	if (line)
		mmap_string_free(line);
	memset(b64, 0, strlen(b64));
	free(b64);
	if (done == 1)
		return 0;
	etpan_said(said, said, sizeof(said));
	if (!done)
		return core->error_set(err, MR_ETEMP, "auth: %s: %s closed the connection or did not "
				       "answer %s%s%s%s", account, server, mech,
				       said[0] ? " (server: " : "", said, said[0] ? ")" : "");
	return core->error_set(err, MR_ECONFIG, "auth: %s: %s refused the OAuth2 token (%s) for "
			       "%s (server: %s%s%s)", account, server, mech, user, said,
			       challenge[0] ? "; " : "", challenge);
}
