/* SPDX-License-Identifier: MIT */
/* The login side shared by the libetpan fetch plugins (compiled into fetch-imap and fetch-pop3): the password from the configuration, the message of a refused login, and wiping the password when done. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "etpan-login.h"

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
	return core->error_set(err, temp ? MR_ETEMP : MR_ECONFIG,
			       "auth: login as %s on %s refused%s%s%s", username, server,
			       *said ? " (server: " : "", said, *said ? ")" : "");
}
