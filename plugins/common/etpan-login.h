/* SPDX-License-Identifier: MIT */
/* The login side shared by the libetpan fetch plugins (fetch-imap, fetch-pop3; compiled into both): the password from the configuration, the message of a refused login, and wiping the password when done. */
#ifndef MR_ETPAN_LOGIN_H
#define MR_ETPAN_LOGIN_H

#include <mailroom/plugin.h>

/* Reads the section's "password" secret into *password_r; when there is none
 * the error names password_file and the environment variable to set. */
int etpan_password_load(const struct mr_plugin_ctx *ctx, char **password_r,
			struct mr_error *err);

/* Overwrites the password, then frees it (NULL is fine). */
void etpan_password_free(char *password);

/* The error of a login the server refused: MR_ETEMP when temp, else
 * MR_ECONFIG; what the server said, when anything, in parentheses. */
int etpan_login_refused(const struct mr_core *core, int temp, const char *username,
			const char *server, const char *said, struct mr_error *err);

#endif
