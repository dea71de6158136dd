/* SPDX-License-Identifier: MIT */
/* mailroom job list|run|log: the scheduled jobs of the INI file, Execute Now, and the job log. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static struct mr_instance *find_job(struct mr_site *site, const char *name)
{
	char sec[256];
	snprintf(sec, sizeof(sec), "job-%s", name);
	return mr_site_instance(site, sec);
}

static int job_list(struct mr_cli *cli, struct mr_site *site)
{
	if (!cli->json)
		printf("%-18s %-18s %-10s %-7s %-19s  %-14s %s\n", "NAME", "PLUGIN", "FREQUENCY",
		       "ENABLED", "LAST START", "LAST OUTCOME", "NEXT DUE");
	int64_t now = site->core.now(&site->core);
	for (size_t i = 0; i < site->n_insts; i++) {
		struct mr_instance *in = &site->insts[i];
		if (in->plugin->desc->kind != MR_KIND_JOB)
			continue;
		struct mr_job_info info;
		struct mr_error err;
		if (mr_job_info(site, in, &info, &err))
			return cli_fail(mr_status_exit_code(err.status), "job", "%s", err.msg);
		char last[32], next[32];
		mr_format_local_time(info.last_start, last, sizeof(last));
		const char *outcome = info.last_start ? mr_job_outcome_name(info.last_outcome) : "-";
		if (!info.enabled)
			snprintf(next, sizeof(next), "disabled");
		else if (info.run_at && !info.next_due)
			snprintf(next, sizeof(next), "done (run_at)");
		else if (mr_job_info_due(&info, now))
			snprintf(next, sizeof(next), "now");
		else
			mr_format_local_time(info.next_due, next, sizeof(next));
		if (cli->json) {
			cli_json_print(json_pack("{s:o,s:o,s:s,s:b,s:o,s:o,s:o}", "name",
						 cli_json_text(info.name), "plugin",
						 cli_json_text(info.plugin), "frequency",
						 mr_frequency_name(info.freq), "enabled",
						 info.enabled != 0, "last_start",
						 cli_json_text_or_null(info.last_start ? last : NULL),
						 "last_outcome",
						 cli_json_text_or_null(info.last_start ? outcome : NULL),
						 "next_due", cli_json_text(next)));
		} else {
			printf("%-18s %-18s %-10s %-7s %-19s  %-14s %s\n", info.name, info.plugin,
			       mr_frequency_name(info.freq), info.enabled ? "yes" : "no", last, outcome,
			       next);
		}
	}
	return EX_OK;
}

struct log_listing {
	struct mr_cli *cli;
	struct mr_site *site;
};

static int print_run(void *cookie, const struct mr_job_run *run)
{
	struct log_listing *l = cookie;
	enum mr_job_outcome outcome = run->outcome;
	/* a run that never ended and whose lock nobody holds has crashed */
	if (outcome == MR_JOB_RUNNING && !mr_job_run_is_live(l->site, run->job, run->worker))
		outcome = MR_JOB_CRASHED;
	char start[32], end[32];
	mr_format_local_time(run->started, start, sizeof(start));
	mr_format_local_time(run->ended, end, sizeof(end));
	const char *host = mr_job_run_host(&l->site->store, run);
	if (l->cli->json) {
		/* the job's data is the JSON object it recorded; anything else is null */
		json_t *data = run->data ? json_loads(run->data, JSON_REJECT_DUPLICATES, NULL) : NULL;
		if (data && !json_is_object(data)) {
			json_decref(data);
			data = NULL;
		}
		cli_json_print(json_pack("{s:I,s:o,s:o,s:i,s:i,s:o,s:o,s:s,s:o,s:o}", "id",
					 (json_int_t)run->id, "job", cli_json_text(run->job), "host",
					 cli_json_text_or_null(host), "worker",
					 run->worker, "pid", (int)run->pid, "start",
					 cli_json_text(start), "end",
					 cli_json_text_or_null(run->ended ? end : NULL), "outcome",
					 mr_job_outcome_name(outcome), "message",
					 cli_json_text(run->message), "data",
					 data ? data : json_null()));
	} else {
		printf("%-6lld %-18s %-16s %-19s  %-19s  %-14s %s\n", (long long)run->id, run->job,
		       host ? host : "-", start, end, mr_job_outcome_name(outcome),
		       run->message ? run->message : "");
	}
	return 0;
}

static int job_log(struct mr_cli *cli, struct mr_site *site, const char *name, long long limit)
{
	struct log_listing l = { cli, site };
	struct mr_error err;
	if (!cli->json)
		printf("%-6s %-18s %-16s %-19s  %-19s  %-14s %s\n", "RUN", "JOB", "HOST", "START",
		       "END", "OUTCOME", "MESSAGE");
	int rc = mr_store_job_run_list(&site->store, name, limit, print_run, &l, &err);
	return rc < 0 ? cli_fail(mr_status_exit_code(rc), "job", "%s", err.msg) : EX_OK;
}

int cli_run_job(struct mr_cli *cli, struct mr_site *site, struct mr_instance *in, int verbose)
{
	struct mr_job_report rep = { 0 };
	struct mr_error err = { 0 };
	int rc = mr_job_run(site, in, &rep, &err);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), "job", "%s: %s", in->sec->inst, err.msg);
	if (rep.outcome == MR_JOB_SKIPPED_LOCKED) {
		fprintf(stderr, "mailroom: job %s: %s\n", in->sec->inst, rep.message);
		return EX_TEMPFAIL;
	}
	if (rep.outcome == MR_JOB_FAILED) {
		fprintf(stderr, "mailroom: job %s failed (run %lld): %s\n", in->sec->inst,
			(long long)rep.run_id, rep.message);
		/* a configuration error (a refused SMTP login, a missing secret)
		 * is the admin's to mend: say so in the exit code */
		if (rep.status == MR_ECONFIG || rep.status == MR_ETEMP)
			return mr_status_exit_code(rep.status);
		return EX_SOFTWARE;
	}
	if (verbose)
		printf("job %s: ok (run %lld)%s%s\n", in->sec->inst, (long long)rep.run_id,
		       rep.message[0] ? ": " : "", rep.message);
	return EX_OK;
}

int cmd_job(struct mr_cli *cli, int argc, char **argv)
{
	argc = cli_take_json(cli, argc, argv);
	if (argc < 2)
		return cli_usage("job");
	const char *sub = argv[1], *name = NULL;
	long long limit = 20;
	if (strcmp(sub, "list") == 0) {
		if (argc != 2)
			return cli_usage("job");
	} else if (strcmp(sub, "run") == 0) {
		if (argc < 3)
			return cli_usage("job");
		name = argv[2];
	} else if (strcmp(sub, "log") == 0) {
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
				if (mr_parse_int(argv[++i], &limit) || limit < 0)
					return cli_fail(EX_USAGE, "job", "--limit takes a number");
			} else if (!name && argv[i][0] != '-') {
				name = argv[i];
			} else {
				return cli_usage("job");
			}
		}
	} else {
		return cli_usage("job");
	}
	struct mr_site *site;
	int rc = cli_open_site(cli, strcmp(sub, "run") == 0 ? MR_OPEN_ALL : MR_OPEN_STORE, &site);
	if (rc)
		return rc;
	if (strcmp(sub, "list") == 0) {
		rc = job_list(cli, site);
	} else if (strcmp(sub, "log") == 0) {
		rc = job_log(cli, site, name, limit);
	} else {
		struct mr_instance *in = find_job(site, name);
		if (!in)
			rc = cli_fail(EX_USAGE, "job", "no job '%s' in %s (see mailroom job list)", name,
				      cli->config_path);
		else
			rc = cli_cron_identity(cli, site, in, argc - 3, argv + 3);
		if (in && rc == EX_OK)
			rc = cli_run_job(cli, site, in, 1);
	}
	mr_site_close(site);
	return rc;
}
