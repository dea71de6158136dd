/* SPDX-License-Identifier: MIT */
/* mailroom cron: runs every enabled job that is due, one after another, each under its lock; safe to start every minute. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include "cli.h"

int cmd_cron(struct mr_cli *cli, int argc, char **argv)
{
	struct mr_site *site;
	int rc = cli_open_site(cli, MR_OPEN_ALL | (cli->quiet ? MR_OPEN_QUIET : 0), &site);
	if (rc)
		return rc;
	int64_t now = site->core.now(&site->core);
	site->due_check = now;
	/* A/B winners first, so that this run's mailing job sends the rest */
	int worst = cli_mailing_ab_due(site, !cli->quiet), ran = 0;
	for (size_t i = 0; i < site->n_insts; i++) {
		struct mr_instance *in = &site->insts[i];
		if (in->plugin->desc->kind != MR_KIND_JOB)
			continue;
		struct mr_job_info info;
		struct mr_error err;
		if (mr_job_info(site, in, &info, &err)) {
			fprintf(stderr, "mailroom: cron: %s\n", err.msg);
			worst = EX_CONFIG;
			continue;
		}
		if (!mr_job_info_due(&info, now))
			continue;
		char why[1024];
		int code = cli_job_needs(site, in, why, sizeof(why));
		if (code != EX_OK) {
			/* refused before it starts: no mailing is left half-built */
			fprintf(stderr, "mailroom: cron: %s\n", why);
			worst = code;
			continue;
		}
		code = cli_cron_identity(cli, site, in, argc - 1, argv + 1);
		if (code == EX_OK)
			code = cli_run_job(cli, site, in, !cli->quiet);
		ran++;
		/* a job locked by another cron is not a failure of this one */
		if (code != EX_OK && code != EX_TEMPFAIL && worst == EX_OK)
			worst = code;
	}
	if (!cli->quiet && ran == 0)
		printf("no job is due\n");
	mr_site_close(site);
	return worst;
}
