/* SPDX-License-Identifier: MIT */
/* The cron identity: when [mailroom] require_user = yes, a job runs only for a known user with the right password and permissions. */
#include "config.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"

/* MAILROOM_PASSWORD, taken out of the environment at its first use. */
static char *env_password;

int cli_identity_check(struct mr_cli *cli, struct mr_site *site, const char *user_opt,
		       const char *password_file_opt, unsigned need_perms, const char *job,
		       struct mr_error *err)
{
	(void)cli;
	if (!mr_cfg_bool(site->main, "require_user"))
		return 0;
	char what[160];
	snprintf(what, sizeof(what), job && *job ? "job %s" : "this command", job);
	if (!site->store.ops)
		return mr_error_set(err, MR_EINTERNAL, "the identity check of %s needs the store "
				    "open", what);
	if (!user_opt || !*user_opt)
		return mr_error_set(err, MR_ECONFIG, "[mailroom] require_user = yes: %s needs --user "
				    "NAME with the password in --password-file FILE or "
				    "MAILROOM_PASSWORD", what);
	char *password = NULL;
	struct mr_error e = { 0 };
	int rc;
	if (!password_file_opt && env_password) {
		password = strdup(env_password);
		rc = password ? 0 : mr_error_set(&e, MR_ENOMEM, "out of memory");
	} else {
		rc = mr_password_read(password_file_opt, &password, &e);
		/* keep MAILROOM_PASSWORD out of the environment of the programs
		 * the jobs start (sendmail): read it once, then remove it */
		if (rc == 0 && !password_file_opt && !env_password) {
			env_password = strdup(password);
			if (env_password)
				unsetenv("MAILROOM_PASSWORD");
		}
	}
	if (rc)
		return mr_error_set(err, rc == MR_ENOTFOUND ? MR_ECONFIG : rc,
				    "[mailroom] require_user = yes: user '%s' for %s: %s",
				    user_opt, what, e.msg);
	rc = mr_user_authenticate(&site->store, user_opt, password, need_perms, job, &e);
	mr_password_free(password);
	if (rc)
		return mr_error_set(err, rc, "%s", e.msg);
	return 0;
}
