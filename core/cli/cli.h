/* SPDX-License-Identifier: MIT */
/* Shared state and helpers of the mailroom command's subcommands. */
#ifndef MR_CLI_H
#define MR_CLI_H

#include <sysexits.h>
#include <jansson.h>
#include "../lib/mr.h"
#include <mailroom/mail.h>
#include "users.h"

struct mr_cli {
	const char *config_opt; /* --config FILE */
	const char *site_opt;   /* -s SITE */
	char *config_path;      /* the file chosen */
	int json;               /* --json */
	int quiet;              /* --quiet, or not a terminal */
};

/* One subcommand: argv[0] is its own name.  Returns a sysexits code. */
struct mr_command {
	const char *name;
	int (*run)(struct mr_cli *cli, int argc, char **argv);
	const char *usage;
	const char *help;
	const char *options; /* every option the command accepts, one per line */
};
extern const struct mr_command mr_commands[];

/* The command named name, or NULL. */
const struct mr_command *cli_command(const char *name);
/* Prints the full help of a command (usage, what it does, every option) to f. */
void cli_help(FILE *f, const struct mr_command *c);
/* 1 when argv (a subcommand's arguments, argv[0] its name) asks for help:
 * --help or -h before any "--". */
int cli_wants_help(int argc, char **argv);
/* The overall usage: global options and every command (main.c). */
void cli_usage_all(FILE *f);
/* What a job will need at run time (the site secret, a From address):
 * EX_OK, or EX_CONFIG with the problem (naming file, line, section) in buf. */
int cli_job_needs(struct mr_site *site, struct mr_instance *in, char *buf, size_t n);
/* mailroom help [COMMAND] */
int cmd_help(struct mr_cli *cli, int argc, char **argv);

/* Opens the site for a command; prints every problem to stderr and returns
 * 0 or the exit code to return. */
int cli_open_site(struct mr_cli *cli, unsigned flags, struct mr_site **site_r);
/* Puts a DKIM-Signature in front of the message *data (*len bytes,
 * malloc'ed, replaced) when the site has a [dkim] key_file (cmd-send-test.c);
 * 0 or a status with err. */
int cli_sign_dkim(struct mr_site *site, char **data, size_t *len, struct mr_error *err);
/* Prints "mailroom: CMD: message" to stderr and returns code. */
int cli_fail(int code, const char *cmd, const char *fmt, ...) MR_PRINTF(3, 4);
/* Prints a usage line for the command and returns EX_USAGE. */
int cli_usage(const char *cmd);
/* --json output (json.c): a JSON string of s ("" for NULL), invalid UTF-8
 * bytes replaced by U+FFFD, never passed through; the same with null for
 * NULL; an integer; a member set; and the one writer of every --json value: v compact,
 * keys in the order they were set, a newline, the reference released. */
json_t *cli_json_text(const char *s);
json_t *cli_json_text_or_null(const char *s);
json_t *cli_json_int(long long n);
/* obj[key] = v (the reference taken), key made valid UTF-8 like a string. */
void cli_json_set(json_t *obj, const char *key, json_t *v);
void cli_json_print(json_t *v);
/* A copy of the n bytes at s as valid UTF-8, each invalid byte (and NUL)
 * replaced by U+FFFD; the caller frees it; NULL when out of memory. */
char *cli_utf8_repair(const char *s, size_t n);
/* Columns the UTF-8 string s takes on a terminal (table.c). */
int cli_width(const char *s);
/* Prints s to stdout padded with spaces to width columns, then one space. */
void cli_cell(const char *s, int width);
/* Removes --json from argv (setting cli->json); returns the new argc. */
int cli_take_json(struct mr_cli *cli, int argc, char **argv);
/* Starts "mailroom NAME SUB ...": takes --json out of argv, checks that a SUB
 * is given, opens the site with its store.  Returns 0 with *site_r (close it
 * with mr_site_close), or the exit code to return. */
int cli_open_subcommand(struct mr_cli *cli, const char *name, int *argc, char **argv,
			struct mr_site **site_r);
/* Reads a positive decimal number (an id, a count): 0, or -1 when s is not one. */
int cli_parse_id(const char *s, int64_t *v_r);

/* Subcommands. */
int cmd_plugins(struct mr_cli *cli, int argc, char **argv);
int cmd_config(struct mr_cli *cli, int argc, char **argv);
int cmd_send_test(struct mr_cli *cli, int argc, char **argv);
int cmd_spool(struct mr_cli *cli, int argc, char **argv);
int cmd_account(struct mr_cli *cli, int argc, char **argv);
/* cmd-account-oauth.c: mailroom account authorize NAME, and the OAuth2 token
 * state account test shows (nothing when the account does not use OAuth2;
 * returns 0 or the status of the token file's problem) */
int cli_account_authorize(struct mr_cli *cli, const char *name);
int cli_account_oauth_state(struct mr_site *site, const char *name, int json);
/* one doctor check per [oauth-NAME]: the token's state, never the token */
struct mr_checks;
void cli_oauth_checks(struct mr_site *site, struct mr_checks *cs);
/* the store's checks (doctor-store.c): it opens, and its own doctor slot */
void cli_store_checks(struct mr_cli *cli, struct mr_checks *cs);
int cmd_bounce(struct mr_cli *cli, int argc, char **argv);
/* bounce stats (cmd-bounce-stats.c); argv[1] is "stats". */
int cli_bounce_stats(struct mr_cli *cli, int argc, char **argv);
int cmd_activity(struct mr_cli *cli, int argc, char **argv);
/* activity list|show|attachment (activity-filed.c); argv[1] is the subcommand. */
int cli_activity_filed(struct mr_cli *cli, int argc, char **argv);
int cmd_job(struct mr_cli *cli, int argc, char **argv);
int cmd_cron(struct mr_cli *cli, int argc, char **argv);
int cmd_user(struct mr_cli *cli, int argc, char **argv);
int cmd_contact(struct mr_cli *cli, int argc, char **argv);
int cmd_group(struct mr_cli *cli, int argc, char **argv);
int cmd_field(struct mr_cli *cli, int argc, char **argv);
/* contact add|edit|delete|optin|optout|hold|unhold|set|show and group
 * remove|delete|rename (contact-manage.c); argv[0] is the subcommand.
 * Returns 0 or a store status with err; *code_r gets an exit code the
 * function already reported (usage, bad input). */
int cli_contact_manage(struct mr_cli *cli, struct mr_store *st, int argc, char **argv,
		       int *code_r, struct mr_error *err);
/* contact export [--group G] [--fields A,B] [--format csv|json] (contact-export.c);
 * argv[0] is "export".  Returns an exit code (reported). */
int cli_contact_export(struct mr_cli *cli, struct mr_store *st, int argc, char **argv,
		       struct mr_error *err);
/* group add NAME --where EXPR (contact-manage.c): a smart group; returns an exit code. */
int cli_group_add_smart(struct mr_store *st, const char *name, const char *where);
int cli_group_manage(struct mr_store *st, int argc, char **argv, int *code_r,
		     struct mr_error *err);
int cmd_mailing(struct mr_cli *cli, int argc, char **argv);
/* mailroom mailing report ID [--json] (cmd-mailing-report.c): an exit code. */
int cli_mailing_report(struct mr_cli *cli, const struct mr_store *st, int64_t id);
int cmd_template(struct mr_cli *cli, int argc, char **argv);
/* mailing test|preview (cmd-mailing-test.c); argv[1] is the subcommand. */
int cli_mailing_test(struct mr_cli *cli, int argc, char **argv);
int cli_mailing_preview(struct mr_cli *cli, int argc, char **argv);
/* mailing edit|copy|delete (cmd-mailing-edit.c) on the open site; argv[1]
 * is the subcommand. */
int cli_mailing_edit(struct mr_cli *cli, struct mr_site *site, int argc, char **argv);
/* mailing approve ID --user NAME [--password-file FILE] (cmd-mailing-approve.c). */
int cli_mailing_approve(struct mr_cli *cli, struct mr_site *site, int argc, char **argv);
/* mailing variant add|list|remove ID ... (cmd-mailing-variant.c): a
 * mailing's language variants; argv[2] is the action. */
int cli_mailing_variant(struct mr_cli *cli, struct mr_site *site, int argc, char **argv);
/* mailing ab-test|ab-pick ID ... (cmd-mailing-ab.c); argv[1] is the subcommand. */
int cli_mailing_ab(struct mr_cli *cli, struct mr_site *site, int argc, char **argv);
/* The A/B test of mailing id for mailing stats --json ("a", "b", "winner",
 * "by", "fraction"; NULL when it has none), its lines printed when print. */
json_t *cli_mailing_ab_stats(struct mr_store *st, int64_t id, int print);
/* 0 unless mailing id has an A/B test without a winner yet; then the exit
 * code (printed: it is sent by ab-pick, not scheduled by hand). */
int cli_mailing_ab_pending(struct mr_store *st, int64_t id, const char *cmd);
/* mailroom cron: picks the winner of every A/B test picked by opens or
 * clicks whose time has come and schedules the rest; an exit code. */
int cli_mailing_ab_due(struct mr_site *site, int say);
int cmd_doctor(struct mr_cli *cli, int argc, char **argv);
int cmd_inspect(struct mr_cli *cli, int argc, char **argv);
int cmd_store(struct mr_cli *cli, int argc, char **argv);
#ifdef MR_WITH_SERVE
int cmd_serve(struct mr_cli *cli, int argc, char **argv); /* serve/serve.c */
int cmd_token(struct mr_cli *cli, int argc, char **argv);
#endif
/* Checks the cron identity (helper in identity.c): nothing when
 * require_user = no; else user and password must match and hold need. */
int cli_identity_check(struct mr_cli *cli, struct mr_site *site, const char *user_opt,
		       const char *password_file_opt, unsigned need_perms, const char *job,
		       struct mr_error *err);
/* Runs one job now and reports it (a success only when verbose); returns
 * a sysexits code. */
int cli_run_job(struct mr_cli *cli, struct mr_site *site, struct mr_instance *in, int verbose);
/* The cron identity check before a job: parses --user NAME and
 * --password-file FILE from argv; EX_OK when the job may run (always when
 * require_user = no), else the refusal is printed, logged, and the code
 * returned. */
int cli_cron_identity(struct mr_cli *cli, struct mr_site *site, struct mr_instance *job, int argc,
		      char **argv);

#endif
