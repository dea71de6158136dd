/* SPDX-License-Identifier: MIT */
/* The table of subcommands, and the helpers they share. */
#include "config.h"
#include <stdarg.h>
#include <string.h>
#include "cli.h"

const struct mr_command mr_commands[] = {
	{ "plugins", cmd_plugins, "plugins [--json]",
	  "list every plugin found: kind, name, version, path, loadable or why not, shadowed by an earlier copy" },
	{ "config", cmd_config, "config check|dump [--json]",
	  "check the config file (all problems), or print effective values" },
	{ "send-test", cmd_send_test, "send-test ADDRESS",
	  "send a test message through the configured transport" },
	{ "cron", cmd_cron, "cron [--user NAME --password-file FILE]",
	  "run every enabled job that is due, each under its lock" },
	{ "job", cmd_job, "job list|run NAME|log [NAME] [--limit N] [--json]",
	  "the scheduled jobs, Execute Now, and the job log" },
	{ "bounce", cmd_bounce, "bounce classify FILE|MAILDIR... [--json] [--verbose] [--explain] [--rules FILE] | bounce stats [--json]",
	  "each bounced recipient of message files, mboxes or Maildirs: reason, hard/soft, status, type, VERP; stats: bounces by type and mailing, holds" },
	{ "spool", cmd_spool, "spool list [--json]|show ID|purge --before DATE",
	  "the messages the spool transport kept" },
	{ "activity", cmd_activity, "activity preview FILE... [--json] [--max-attachments N] [--max-attachment-size BYTES] | "
	  "list [--contact EMAIL] [--since DATE] [--limit N] [--json] | show ID [--json] | attachment ID N > FILE",
	  "what would be filed as an Email activity from each message file (no store needed); "
	  "the filed activities, one in full, an attachment's exact bytes" },
	{ "user", cmd_user, "user add NAME [--grant PERM,...]|passwd NAME|grant NAME PERM...|revoke NAME PERM...|list [--json]|delete NAME",
	  "the mailroom users cron jobs run as (passwords from --password-file, MAILROOM_PASSWORD or a prompt)" },
	{ "account", cmd_account, "account list [--json]|test NAME|fetch NAME --dry-run|--spool [--batch N] [--json]|authorize NAME",
	  "the mail accounts: list, connection test (names the failing step), what waits" },
	{ "doctor", cmd_doctor, "doctor [--json]",
	  "deliverability checks (From, SPF, DKIM, DMARC, reverse DNS, blocklists, bounces, unsubscribe): exit 0 ok, 1 warnings, 2 failures" },
	{ "inspect", cmd_inspect, "inspect FILE [--json]",
	  "a received message: Received hops, SPF/DKIM/DMARC results, DKIM verified now, VERP Return-Path, List-Unsubscribe" },
	{ "contact", cmd_contact, "contact import FILE.csv|list [--limit N] [--json]|show EMAIL|hold EMAIL|unhold EMAIL|optout EMAIL",
	  "the contacts: CSV import (email, first_name, last_name, display_name, contact_type, groups), holds and opt-outs" },
	{ "group", cmd_group, "group add NAME [--title T]|list [--json]|members NAME [--json]",
	  "the groups mailings include and exclude" },
	{ "mailing", cmd_mailing, "mailing create --name N --subject S [--from F] [--reply-to R] [--text FILE] [--html FILE] [--attach FILE]... --include-group G... [--exclude-group G]... [--schedule now|TIME] [--[no-]track-opens] [--[no-]track-clicks] | list [--json] | show ID | schedule ID now|TIME | pause ID | resume ID | cancel ID | stats ID [--json]",
	  "mass mailings: create (tokens checked), schedule, pause, resume, cancel, statistics" },
#ifdef MR_WITH_SERVE
	{ "token", cmd_token, "token create --user NAME",
	  "a bearer token of the read-only JSON API for a user (printed once, kept hashed)" },
	{ "serve", cmd_serve, "serve [--no-request-log]",
	  "the web endpoint in the foreground: one-click unsubscribe (RFC 8058) and its pages ([http] keys); stops on SIGTERM" },
#endif
	{ 0 }
};

int cli_fail(int code, const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "mailroom: %s: ", cmd);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	return code;
}

int cli_usage(const char *cmd)
{
	for (const struct mr_command *c = mr_commands; c->name; c++)
		if (strcmp(c->name, cmd) == 0)
			fprintf(stderr, "usage: mailroom %s\n", c->usage);
	return EX_USAGE;
}

int cli_open_site(struct mr_cli *cli, unsigned flags, struct mr_site **site_r)
{
	struct mr_diags d = { 0 };
	struct mr_error err = { 0 };
	if (!cli->config_path)
		return cli_fail(EX_OSERR, "config", "out of memory");
	int rc = mr_site_open(cli->config_path, flags, &d, site_r, &err);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "mailroom: %s\n", d.items[i]);
	mr_diags_free(&d);
	if (rc) {
		fprintf(stderr, "mailroom: %s\n", err.msg);
		return mr_status_exit_code(rc);
	}
	return 0;
}

void cli_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

int cli_open_subcommand(struct mr_cli *cli, const char *name, int *argc, char **argv,
			struct mr_site **site_r)
{
	*argc = cli_take_json(cli, *argc, argv);
	if (*argc < 2)
		return cli_usage(name);
	return cli_open_site(cli, MR_OPEN_STORE, site_r);
}

int cli_parse_id(const char *s, int64_t *v_r)
{
	long long v;
	if (mr_parse_int(s, &v) || v <= 0)
		return -1;
	*v_r = v;
	return 0;
}

int cli_take_json(struct mr_cli *cli, int argc, char **argv)
{
	int out = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			cli->json = 1;
		else
			argv[out++] = argv[i];
	}
	argv[out] = NULL;
	return out;
}
