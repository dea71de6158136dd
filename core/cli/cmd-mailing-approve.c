/* SPDX-License-Identifier: MIT */
/* mailroom mailing approve ID --user NAME: a mailing's approval by an authenticated user holding send-mail, which [mailing] require_approval = yes asks for before a mailing is scheduled. */
#include "config.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "mailing-form.h"

struct approval {
	char by[128];
	int64_t at;
};

static int approval_cb(void *cookie, const char *name, const char *value)
{
	struct approval *a = cookie;
	if (!strcmp(name, "approved_by"))
		snprintf(a->by, sizeof(a->by), "%s", value);
	else if (!strcmp(name, "approved_at"))
		a->at = strtoll(value, NULL, 10);
	return 0;
}

static int require_approval(struct mr_site *site)
{
	const struct mr_section *ms = mr_config_section(site->cfg, "mailing");
	return ms && mr_cfg_bool(ms, "require_approval") > 0;
}

int cli_mailing_may_schedule(struct mr_site *site, int64_t id, const char *cmd)
{
	if (!require_approval(site))
		return 0;
	struct approval a = { "", 0 };
	struct mr_error err = { 0 };
	if (id > 0)
		mr_store_mailing_settings(&site->store, id, approval_cb, &a, &err);
	if (a.by[0])
		return 0;
	if (id <= 0)
		return cli_fail(EX_DATAERR, cmd, "[mailing] require_approval = yes: create the "
				"mailing as a draft, have it approved (mailroom mailing approve ID "
				"--user NAME), then schedule it");
	return cli_fail(EX_DATAERR, cmd, "[mailing] require_approval = yes: mailing %lld is not "
			"approved: mailroom mailing approve %lld --user NAME", (long long)id,
			(long long)id);
}

struct status_of {
	enum mr_mailing_status status;
};

static int status_cb(void *cookie, const struct mr_mailing *m)
{
	((struct status_of *)cookie)->status = m->status;
	return 0;
}

int cli_mailing_unapprove(struct mr_site *site, int64_t id)
{
	static const char *const cmd = "mailing edit";
	struct mr_store *st = &site->store;
	struct approval a = { "", 0 };
	struct mr_error err = { 0 };
	if (!MR_STORE_QUEUE_HAS(st, mailing_settings) ||
	    mr_store_mailing_settings(st, id, approval_cb, &a, &err) != 0 || !a.by[0])
		return 0;
	int rc;
	if ((rc = mr_store_mailing_setting_set(st, id, "approved_by", NULL, &err)) ||
	    (rc = mr_store_mailing_setting_set(st, id, "approved_at", NULL, &err)))
		return cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld: %s", (long long)id,
				err.msg);
	fprintf(stderr, "mailroom: %s: mailing %lld changed after %s approved it: it needs "
		"approving again\n", cmd, (long long)id, a.by);
	/* what is scheduled waits for the new approval */
	struct status_of so = { 0 };
	if (!require_approval(site) || mr_store_mailing_get(st, id, status_cb, &so, &err) != 0 ||
	    so.status != MR_MAILING_SCHEDULED)
		return 0;
	if ((rc = mr_store_mailing_set_status(st, id, MR_MAILING_PAUSED, 0, &err)) != 0)
		return cli_fail(mr_status_exit_code(rc), cmd, "mailing %lld: %s", (long long)id,
				err.msg);
	fprintf(stderr, "mailroom: %s: mailing %lld is paused until it is approved and "
		"scheduled again\n", cmd, (long long)id);
	return 0;
}

int cli_mailing_approve(struct mr_cli *cli, struct mr_site *site, int argc, char **argv)
{
	static const char *const cmd = "mailing approve";
	(void)cli;
	int64_t id;
	const char *user = NULL, *password_file = NULL;
	if (argc < 3 || cli_parse_id(argv[2], &id) != 0)
		return cli_usage("mailing");
	for (int i = 3; i < argc; i++) {
		if (i + 1 >= argc)
			return cli_fail(EX_USAGE, cmd, "%s needs a value", argv[i]);
		if (!strcmp(argv[i], "--user"))
			user = argv[++i];
		else if (!strcmp(argv[i], "--password-file"))
			password_file = argv[++i];
		else
			return cli_fail(EX_USAGE, cmd, "unknown option %s", argv[i]);
	}
	if (!user)
		return cli_fail(EX_USAGE, cmd, "--user NAME is needed (with --password-file FILE or "
				"MAILROOM_PASSWORD)");
	struct mr_store *st = &site->store;
	struct mr_error err = { 0 };
	struct status_of so = { 0 };
	int rc = mr_store_mailing_get(st, id, status_cb, &so, &err);
	if (rc == MR_ENOTFOUND)
		return cli_fail(EX_NOINPUT, cmd, "no mailing %lld", (long long)id);
	if (rc)
		return cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
	if (so.status != MR_MAILING_DRAFT && so.status != MR_MAILING_SCHEDULED &&
	    so.status != MR_MAILING_PAUSED)
		return cli_fail(EX_DATAERR, cmd, "mailing %lld is %s: only a draft, scheduled or "
				"paused mailing is approved", (long long)id,
				mailing_status_name(so.status));
	char *password = NULL;
	if ((rc = mr_password_read(password_file, &password, &err)) != 0)
		return cli_fail(rc == MR_ENOTFOUND ? EX_USAGE : mr_status_exit_code(rc), cmd,
				"user %s: %s", user, err.msg);
	rc = mr_user_authenticate(st, user, password, MR_PERM_SEND_MAIL, NULL, &err);
	mr_password_free(password);
	if (rc)
		return cli_fail(rc == MR_EPERMANENT ? EX_NOPERM : mr_status_exit_code(rc), cmd, "%s",
				err.msg);
	char at[32];
	snprintf(at, sizeof(at), "%lld", (long long)time(NULL));
	if ((rc = mr_store_mailing_setting_set(st, id, "approved_by", user, &err)) != 0 ||
	    (rc = mr_store_mailing_setting_set(st, id, "approved_at", at, &err)) != 0)
		return cli_fail(mr_status_exit_code(rc), cmd, "%s", err.msg);
	printf("mailing %lld approved by %s\n", (long long)id, user);
	return EX_OK;
}
