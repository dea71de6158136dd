/* SPDX-License-Identifier: MIT */
/* The table of subcommands, and the helpers they share. */
#include "config.h"
#include <stdarg.h>
#include <string.h>
#include "cli.h"

const struct mr_command mr_commands[] = {
	{ "help", cmd_help, "help [COMMAND]",
	  "the commands, or everything about one command",
	  "  COMMAND                  print that command's usage and every option (same as COMMAND --help)\n" },
	{ "plugins", cmd_plugins, "plugins [--json]",
	  "list every plugin found: kind, name, version, path, loadable or why not, shadowed by an earlier copy",
	  "  --json                   one JSON object per plugin\n" },
	{ "config", cmd_config, "config check|dump [--json]",
	  "check the config file (all problems), or print effective values",
	  "  check                    every problem of the file, and what a configured job will need\n"
	  "  dump                     every section and key with its effective value (defaults marked,\n"
	  "                           secrets masked, with where they come from)\n"
	  "  --json                   dump as one JSON object\n" },
	{ "send-test", cmd_send_test, "send-test [--subject S] ADDRESS",
	  "send a test message through the configured transport",
	  "  ADDRESS                  the recipient\n"
	  "  --subject S, -S S        the Subject (default \"mailroom test message\")\n" },
	{ "cron", cmd_cron, "cron [--user NAME --password-file FILE]",
	  "run every enabled job that is due, each under its lock (first picking the winners of A/B tests whose time has come); under cron (no terminal) "
	  "or with mailroom --quiet it prints nothing on success, only warnings and errors",
	  "  --user NAME              the mailroom user the jobs run as (when require_user = yes)\n"
	  "  --password-file FILE     that user's password (or MAILROOM_PASSWORD)\n" },
	{ "job", cmd_job, "job list [--json]|run NAME [--user NAME --password-file FILE]|log [NAME] [--limit N] [--json]",
	  "the scheduled jobs, Execute Now, and the job log",
	  "  list                     every job: plugin, schedule, last run, next run\n"
	  "  run NAME                 run the job now (Execute Now), whether due or not\n"
	  "  --user NAME              run as this mailroom user (when require_user = yes)\n"
	  "  --password-file FILE     that user's password (or MAILROOM_PASSWORD)\n"
	  "  log [NAME]               the job log, newest first\n"
	  "  --limit N                at most N log entries (default 20)\n"
	  "  --json                   JSON output for list and log\n" },
	{ "bounce", cmd_bounce, "bounce classify FILE|MAILDIR... [--json] [--verbose] [--explain] [--rules FILE] | bounce stats [--json]",
	  "each bounced recipient of message files, mboxes or Maildirs: reason, hard/soft, status, type, VERP; stats: bounces by type and mailing, holds",
	  "  classify FILE|MAILDIR... each bounced recipient of each message (no store needed)\n"
	  "  --verbose, -v            also the rule that matched and the diagnostic text\n"
	  "  --explain                the deciding rule of each record, what the job would do with\n"
	  "                           its VERP address, and whether its type holds\n"
	  "  --rules FILE             extra classification rules, tried before the built-in ones\n"
	  "  stats                    bounces by type and mailing, and the holds\n"
	  "  --json                   JSON output\n" },
	{ "spool", cmd_spool, "spool list [--json]|show ID|purge --before DATE",
	  "the messages the spool transport kept",
	  "  list                     the kept messages\n"
	  "  show ID                  one message in full\n"
	  "  purge --before DATE      delete the messages kept before DATE\n"
	  "                           ('YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS]' or @UNIXTIME)\n"
	  "  --json                   JSON output for list\n" },
	{ "activity", cmd_activity, "activity preview FILE... [--json] [--max-attachments N] [--max-attachment-size BYTES] | "
	  "list [--contact EMAIL] [--since DATE] [--limit N] [--json] | show ID [--json] | attachment ID N > FILE",
	  "what would be filed as an Email activity from each message file (no store needed); "
	  "the filed activities, one in full, an attachment's exact bytes",
	  "  preview FILE...          what would be filed from each message file (no store needed)\n"
	  "  --max-attachments N      preview: keep at most N attachments\n"
	  "  --max-attachment-size BYTES  preview: leave out attachments larger than BYTES\n"
	  "  list                     the filed activities, newest first\n"
	  "  --contact EMAIL          list: only those of this contact\n"
	  "  --since DATE             list: only those filed since DATE\n"
	  "  --limit N                list: at most N\n"
	  "  show ID                  one activity in full\n"
	  "  attachment ID N          the exact bytes of attachment N of activity ID, on stdout\n"
	  "  --json                   JSON output for preview, list and show\n" },
	{ "user", cmd_user, "user add NAME [--grant PERM,...] [--password-file FILE]|passwd NAME [--password-file FILE]|grant NAME PERM...|revoke NAME PERM...|list [--json]|delete NAME",
	  "the mailroom users cron jobs run as (passwords from --password-file, MAILROOM_PASSWORD or a prompt)",
	  "  add NAME                 a new user\n"
	  "  --grant PERM,...         add: the permissions to give\n"
	  "  --password-file FILE     add, passwd: read the password from FILE (never --password:\n"
	  "                           ps would show it); else MAILROOM_PASSWORD, else a prompt\n"
	  "  passwd NAME              a new password\n"
	  "  grant NAME PERM...       give permissions\n"
	  "  revoke NAME PERM...      take permissions away\n"
	  "  list                     the users and their permissions\n"
	  "  delete NAME              remove a user\n"
	  "  --json                   JSON output for list\n" },
	{ "account", cmd_account, "account list [--json]|test NAME|fetch NAME [--dry-run|--spool [--consume]] [--batch N] [--json]|authorize NAME",
	  "the mail accounts: list, connection test (names the failing step), what waits",
	  "  list                     the accounts: plugin, server, folder, used for\n"
	  "  test NAME                connect and log in; names the step that fails\n"
	  "  fetch NAME               list what waits in the account, changing nothing (the default)\n"
	  "  --dry-run                fetch: list what waits, change nothing (the default)\n"
	  "  --spool                  fetch: copy each message into the spool and move it to the\n"
	  "                           processed folder (for tests)\n"
	  "  --consume                fetch --spool: allowed on an account with used_for (its bounce\n"
	  "                           or activity job then never sees those messages)\n"
	  "  --batch N                fetch: at most N messages\n"
	  "  --json                   JSON output for list and fetch\n"
	  "  authorize NAME           OAuth2: authorize the account, transport or [oauth-NAME] once\n"
	  "                           (device grant: prints a URL and a code; or client credentials)\n" },
	{ "doctor", cmd_doctor, "doctor [--json]",
	  "deliverability checks (From, SPF, DKIM, DMARC, reverse DNS, blocklists, bounces, unsubscribe) and the store's (it opens; a MariaDB server's version, SKIP LOCKED, clock and time zone, max_connections against the workers, InnoDB, binlog format): exit 0 ok, 1 warnings, 2 failures",
	  "  --json                   JSON output\n" },
	{ "store", cmd_store, "store copy --to OTHER.ini [--resume] [--batch N] [--json]",
	  "copy the site's whole store (contacts, groups, mailings with their queues and outcomes, bounces, activities, spool, tracking, job log, users) into the store of another site file, e.g. SQLite to MariaDB and back",
	  "  copy                     copy every table in batches (one transaction each) with progress,\n"
	  "                           then compare the row counts of every table (exit 65 when they differ)\n"
	  "  --to OTHER.ini           the site file whose [mailroom] store is the target; it must be\n"
	  "                           empty but for the rows its schema makes\n"
	  "  --resume                 go on with a copy that stopped: each table from the target's\n"
	  "                           highest key on\n"
	  "  --batch N                rows per batch (default 1000)\n"
	  "  --json                   the per-table counts as one JSON object\n" },
	{ "inspect", cmd_inspect, "inspect FILE [--json]",
	  "a received message: Received hops, SPF/DKIM/DMARC results, DKIM verified now, VERP Return-Path, List-Unsubscribe",
	  "  FILE                     the message (- for stdin is not supported)\n"
	  "  --json                   JSON output\n" },
	{ "contact", cmd_contact, "contact import [--map H=C,...] [--map-file F] [--dry-run] FILE.csv|list [--limit N] [--json]|export [--group G] [--fields A,B] [--format csv|json]|show EMAIL [--json]|add EMAIL [OPTIONS]|edit EMAIL [OPTIONS]|delete EMAIL|optin EMAIL|optout EMAIL|set EMAIL do-not-email|on-hold yes|no|hold EMAIL|unhold EMAIL|subscribe EMAIL --group G [--first-name N] [--last-name N] [--json]",
	  "the contacts: CSV import, one by one changes (each recorded with who and when), holds, opt-outs, soft delete, double opt-in",
	  "  import FILE.csv          add or update contacts (columns email, first_name, last_name,\n"
	  "                           display_name, contact_type, groups and custom fields);\n"
	  "                           bad rows are reported by line and column\n"
	  "  --map HEADER=COLUMN,...  import: read the CSV column HEADER as COLUMN (a contact\n"
	  "                           column or custom field; - ignores it)\n"
	  "  --map-file FILE          import: the same, one HEADER=COLUMN per line (# comments);\n"
	  "                           examples/civicrm/contacts.map reads a CiviCRM export\n"
	  "  --dry-run                import: report what would change, change nothing\n"
	  "  list                     the contacts\n"
	  "  --limit N                list: at most N\n"
	  "  export                   every contact as CSV (RFC 4180, read back by import) or JSON\n"
	  "                           lines, streamed\n"
	  "  --group G                export: only the members of group G\n"
	  "  --fields A,B,...         export: these columns (contact columns, groups, custom fields)\n"
	  "  --format csv|json        export: the output format (default csv)\n"
	  "  show EMAIL               one contact: every field, its emails and holds, its groups\n"
	  "                           with status and dates, its last events\n"
	  "  add EMAIL                a new contact\n"
	  "  edit EMAIL               change a contact's names or type, add it to groups\n"
	  "  --first-name N, --last-name N, --display-name N\n"
	  "                           add, edit: the names\n"
	  "  --type Individual|Organization\n"
	  "                           add, edit: the contact type\n"
	  "  --group G                add, edit: also a member of group G (repeatable)\n"
	  "  --field NAME=VALUE       add, edit: a custom field's value, checked against its type;\n"
	  "                           an empty VALUE clears it (repeatable; see field list)\n"
	  "  delete EMAIL             soft delete: kept for history, never listed or mailed again\n"
	  "  optin EMAIL              undo an opt-out\n"
	  "  optout EMAIL             the contact opts out of mass mail\n"
	  "  set EMAIL do-not-email yes|no, set EMAIL on-hold yes|no\n"
	  "                           set or clear a flag\n"
	  "  hold EMAIL, unhold EMAIL put an email on hold, or take it off\n"
	  "  subscribe EMAIL          double opt-in: EMAIL (made a contact when new) waits as\n"
	  "                           pending in --group G, never mailed, and gets a mail with a\n"
	  "                           signed link to BASE_URL/confirm of mailroom serve; it is a\n"
	  "                           member once confirmed, or forgotten after [optin] expire\n"
	  "  --group G                subscribe: the group (not a smart group)\n"
	  "  --user NAME              who made a change (default $USER), recorded in its event\n"
	  "  --json                   JSON output for list, show and subscribe\n" },
	{ "field", cmd_field, "field add NAME --type text|int|date|bool|choice:A,B,C | list [--json] | delete NAME",
	  "custom fields of contacts: CSV import columns, contact add --field, {contact.NAME} tokens",
	  "  add NAME                 a new field (NAME: lower-case letters, digits, _)\n"
	  "  --type T                 add: text, int, date (YYYY-MM-DD), bool (yes/no) or\n"
	  "                           choice:A,B,C (one of the listed words)\n"
	  "  list                     every field, the built-in preferred_language too\n"
	  "  delete NAME              delete a field and every contact's value of it\n"
	  "  --json                   JSON output for list\n" },
	{ "group", cmd_group, "group add NAME [--title T]|add NAME --where EXPR|list [--json]|members NAME [--json]|remove NAME EMAIL|delete NAME|rename OLD NEW",
	  "the groups mailings include and exclude",
	  "  add NAME                 a new group\n"
	  "  --title T                add: its title\n"
	  "  --where EXPR             add: a smart group: the contacts EXPR matches, evaluated\n"
	  "                           when a mailing's queue is built and by members.  EXPR:\n"
	  "                           NAME OP VALUE (OP = != < <= > >=, or contains 'text';\n"
	  "                           NAME a contact column: email first_name last_name\n"
	  "                           display_name contact_type on_hold do_not_email\n"
	  "                           is_opt_out created modified, or a custom field; VALUE\n"
	  "                           'text', a number, YYYY-MM-DD or now, now-30d, now+2w,\n"
	  "                           now-6m, now-1y), in group 'G', received mailing ID,\n"
	  "                           opened mailing ID, clicked mailing ID (tracked opens and\n"
	  "                           clicks, see mailing create --track-opens), joined by\n"
	  "                           and, or, not and parentheses\n"
	  "  list                     the groups\n"
	  "  members NAME             the contacts in a group (a smart group evaluated now)\n"
	  "  remove NAME EMAIL        take a contact out of a group (its membership stays, Removed)\n"
	  "  delete NAME              delete a group and its memberships (refused while a mailing\n"
	  "                           not complete or canceled uses it)\n"
	  "  rename OLD NEW           rename a group\n"
	  "  --user NAME              remove: who made the change\n"
	  "  --json                   JSON output for list and members\n" },
	{ "mailing", cmd_mailing, "mailing create --name N --subject S [--from F] [--from-name NAME] [--reply-to R] [--text FILE] [--html FILE] [--attach FILE]... --include-group G... [--exclude-group G]... [--schedule now|TIME] [--[no-]track-opens] [--[no-]track-clicks] [--list-id ID] [--[no-]precedence-bulk] [--template NAME] | list [--json] | show ID | edit ID [create options] | copy ID [--name N] | delete ID | approve ID --user NAME [--password-file FILE] | variant add ID --lang TAG [--subject S] [--text FILE] [--html FILE] | variant list ID [--json] | variant remove ID --lang TAG | ab-test ID --fraction PCT [--subject-b S] [--from-name-b NAME] [--text-b FILE] [--html-b FILE] [--by opens|clicks|hand] [--after DURATION] [--schedule now|TIME] | ab-pick ID A|B|auto | test ID --to ADDRESS...|--group G [--contact EMAIL] | preview ID [--contact EMAIL] [--part text|html|raw] | schedule ID now|TIME | pause ID | resume ID | cancel ID | stats ID [--json] | report ID [--json]",
	  "mass mailings: create (tokens checked), edit, copy, delete, test sends and previews, schedule, pause, resume, cancel, statistics, reports",
	  "  create                   a new mailing (a draft unless --schedule is given)\n"
	  "  --name N                 create: its name\n"
	  "  --subject S              create: the Subject (tokens allowed: {contact.first_name|you})\n"
	  "  --from F                 create: the From address (default [mailroom] from)\n"
	  "  --from-name NAME         create: the From display name\n"
	  "  --reply-to R             create: the Reply-To address, or verp: each recipient's\n"
	  "                           VERP reply address (replies counted, then forwarded to\n"
	  "                           the other --reply-to address given, else to From)\n"
	  "  --text FILE              create: the text part\n"
	  "  --html FILE              create: the HTML part (a text part is made from it if none:\n"
	  "                           paragraphs, lists, links written out)\n"
	  "  --template NAME          create: put the --html and --text content in the layouts of\n"
	  "                           template NAME, where it says {template.content}\n"
	  "  --attach FILE            create: an attachment (repeatable)\n"
	  "  --include-group G        create: send to this group (repeatable, at least one)\n"
	  "  --exclude-group G        create: never to members of this group (repeatable)\n"
	  "  --schedule now|TIME      create: schedule it ('YYYY-MM-DD HH:MM' or @UNIXTIME)\n"
	  "  --track-opens, --no-track-opens    create: an open pixel (default [mailing] track_opens)\n"
	  "  --track-clicks, --no-track-clicks  create: links through mailroom serve (default\n"
	  "                           [mailing] track_clicks)\n"
	  "  --list-id ID             create: the List-Id header (RFC 2919), \"Name <label.domain>\"\n"
	  "                           or \"label.domain\" (default [mailing] list_id; \"\" on edit:\n"
	  "                           the site's again)\n"
	  "  --precedence-bulk, --no-precedence-bulk  create: a \"Precedence: bulk\" header\n"
	  "                           (default [mailing] precedence_bulk)\n"
	  "  list                     the mailings\n"
	  "  show ID                  one mailing\n"
	  "  edit ID                  change a draft, or a scheduled mailing not yet started, with\n"
	  "                           any create option (groups and attachments given replace\n"
	  "                           the stored ones)\n"
	  "  copy ID                  a new draft with the same content, named \"Copy of NAME\"\n"
	  "  --name N                 copy: the new draft's name instead\n"
	  "  approve ID               approve a mailing ([mailing] require_approval = yes: needed\n"
	  "                           before it is scheduled; an edit withdraws it)\n"
	  "  --user NAME              approve: the approving user (holding send-mail)\n"
	  "  variant add ID           a language variant: contacts whose preferred_language is\n"
	  "                           TAG (or whose tag starts with TAG_, as de_CH) get its\n"
	  "                           --subject, --text and --html (in the mailing's template)\n"
	  "                           instead of the mailing's; what it leaves out is the\n"
	  "                           mailing's (both bodies when it gives neither); again\n"
	  "                           for the same TAG replaces it\n"
	  "  --lang TAG               variant: the language (de, pt-BR, ...)\n"
	  "  variant list ID          the language variants\n"
	  "  variant remove ID        remove the variant of --lang TAG\n"
	  "  ab-test ID               an A/B test of a draft: PCT/2 % of its recipients (rounded\n"
	  "                           down, the same for A and B, chosen by a hash of the\n"
	  "                           mailing id and the email) get a copy of it (A), as many\n"
	  "                           get variant B; two new mailings to groups ab-ID-a and\n"
	  "                           ab-ID-b, which the mailing now excludes\n"
	  "  --fraction PCT           ab-test: the tested share of the recipients, 2 to 100\n"
	  "  --subject-b S            ab-test: B's subject (what B leaves out is A's)\n"
	  "  --from-name-b NAME       ab-test: B's From name\n"
	  "  --text-b FILE, --html-b FILE  ab-test: B's content\n"
	  "  --by opens|clicks|hand   ab-test: how ab-pick auto picks the winner (default opens:\n"
	  "                           unique opens; clicks: unique clickers per link, summed;\n"
	  "                           a tie goes to A)\n"
	  "  --after DURATION         ab-test: how long after the tests are scheduled the\n"
	  "                           winner is picked (90, 30m, 4h, 2d; default 4h)\n"
	  "  --schedule now|TIME      ab-test: schedule the two test mailings\n"
	  "  ab-pick ID A|B|auto      the winner's subject, From and content go to the mailing,\n"
	  "                           which is scheduled now for the rest; auto: by the test's\n"
	  "                           measure once both tests are complete and --after passed\n"
	  "                           (else exit 75); mailroom cron picks these by itself\n"
	  "  --password-file FILE     approve: that user's password (or MAILROOM_PASSWORD)\n"
	  "  delete ID                delete a draft, or a canceled mailing that sent nothing\n"
	  "                           (a mailing that sent is kept for its history)\n"
	  "  test ID                  send the mailing as it will go out (tokens, VERP, DKIM,\n"
	  "                           List-Unsubscribe), marked X-Mailroom-Test: yes; the queue\n"
	  "                           and the stats are untouched\n"
	  "  --to ADDRESS             test: send to this address (repeatable, at most 50)\n"
	  "  --group G                test: send to each member of group G (at most 50)\n"
	  "  --contact EMAIL          test, preview: the tokens of this contact (default: the\n"
	  "                           addressee's own, else a member of the first included group)\n"
	  "  preview ID               print the message a test would send, without sending it\n"
	  "  --part text|html|raw     preview: one part, tokens expanded, or the whole message\n"
	  "                           (default raw)\n"
	  "  schedule ID now|TIME     schedule a draft\n"
	  "  pause ID, resume ID      stop sending for now, and go on\n"
	  "  cancel ID                stop for good\n"
	  "  stats ID                 delivered, bounced, opted out, in doubt, opens and clicks,\n"
	  "                           test messages apart, and each A/B variant's\n"
	  "  report ID                delivered, opened, clicked by URL, unsubscribed, opted out,\n"
	  "                           replied, bounced by type, in doubt, and by hour\n"
	  "  --json                   JSON output for list, variant list, stats and report (the\n"
	  "                           API's report)\n" },
	{ "template", cmd_template, "template add NAME --html FILE [--text FILE] | list [--json] | show NAME [--json] | delete NAME",
	  "mailing templates: layouts with headers and footers whose {template.content} a mailing fills (mailing create --template NAME)",
	  "  add NAME                 add (or replace) a template; each layout must hold\n"
	  "                           {template.content} once, and should show\n"
	  "                           {action.unsubscribeUrl} and {domain.address} (else a warning)\n"
	  "  --html FILE              add: the HTML layout\n"
	  "  --text FILE              add: the text layout\n"
	  "  list                     the templates\n"
	  "  show NAME                one template with its layouts\n"
	  "  delete NAME              delete it (mailings made from it keep their content)\n"
	  "  --json                   JSON output for list and show\n" },
#ifdef MR_WITH_SERVE
	{ "token", cmd_token, "token create --user NAME [--json]",
	  "a bearer token of the read-only JSON API for a user (printed once, kept hashed)",
	  "  create                   a new token, printed once; only its SHA-256 is kept\n"
	  "  --user NAME              the mailroom user whose permissions the token carries\n"
	  "                           (the API needs view-contacts; it answers JSON only)\n"
	  "  --json                   the user and the token as one JSON object\n" },
	{ "serve", cmd_serve, "serve [--no-request-log]",
	  "the web endpoint in the foreground: one-click unsubscribe (RFC 8058) and its pages ([http] keys), double opt-in confirmation links (/confirm) and the subscribe form of [optin] web_groups (/subscribe); stops on SIGTERM",
	  "  --no-request-log         no log line per request (errors are still logged)\n" },
#endif
	{ 0 }
};

const struct mr_command *cli_command(const char *name)
{
	for (const struct mr_command *c = mr_commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void cli_help(FILE *f, const struct mr_command *c)
{
	fprintf(f, "usage: mailroom [--config FILE | -s SITE] [--quiet] %s\n\n%s.\n", c->usage,
		c->help);
	if (c->options && *c->options)
		fprintf(f, "\n%s", c->options);
	fprintf(f, "  --help, -h               this help\n");
}

int cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return 0;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

int cmd_help(struct mr_cli *cli, int argc, char **argv)
{
	(void)cli;
	if (argc > 2)
		return cli_usage("help");
	if (argc == 1) {
		cli_usage_all(stdout);
		return EX_OK;
	}
	const struct mr_command *c = cli_command(argv[1]);
	if (!c)
		return cli_fail(EX_USAGE, "help", "unknown command '%s' (see mailroom help)",
				argv[1]);
	cli_help(stdout, c);
	return EX_OK;
}

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
