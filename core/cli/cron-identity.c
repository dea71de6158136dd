/* SPDX-License-Identifier: MIT */
/* The cron identity before a job runs: --user and --password-file are checked when [mailroom] require_user = yes; refusals are logged in the job log. */
#include "config.h"
#include <string.h>
#include "cli.h"

int cli_cron_identity(struct mr_cli *cli, struct mr_site *site, struct mr_instance *job, int argc,
		      char **argv)
{
	const char *user = NULL, *password_file = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
			user = argv[++i];
		else if (strcmp(argv[i], "--password-file") == 0 && i + 1 < argc)
			password_file = argv[++i];
		else if (strcmp(argv[i], "--password") == 0)
			return cli_fail(EX_USAGE, "cron", "passwords are never taken on the command "
					"line (ps shows them): use --password-file FILE or "
					"MAILROOM_PASSWORD");
		else
			return cli_fail(EX_USAGE, "cron", "unknown argument '%s'", argv[i]);
	}
	const struct mr_job_ops *ops = job->plugin->desc->ops;
	unsigned need = MR_OPS_HAS(ops, permissions) ? ops->permissions(job->state) : 0;
	struct mr_error err = { 0 };
	int rc = cli_identity_check(cli, site, user, password_file, need, job->sec->inst, &err);
	if (rc == 0)
		return EX_OK;
	char msg[300];
	snprintf(msg, sizeof(msg), "refused: %s", err.msg);
	mr_job_record_refusal(site, job->sec->inst, msg);
	return cli_fail(rc == MR_ECONFIG ? EX_CONFIG : EX_NOPERM, "cron", "job %s %s",
			job->sec->inst, msg);
}
