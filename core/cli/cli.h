/* SPDX-License-Identifier: MIT */
/* Shared state and helpers of the mailroom command's subcommands. */
#ifndef MR_CLI_H
#define MR_CLI_H

#include <sysexits.h>
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
};
extern const struct mr_command mr_commands[];

/* Opens the site for a command; prints every problem to stderr and returns
 * 0 or the exit code to return. */
int cli_open_site(struct mr_cli *cli, unsigned flags, struct mr_site **site_r);
/* Prints "mailroom: CMD: message" to stderr and returns code. */
int cli_fail(int code, const char *cmd, const char *fmt, ...) MR_PRINTF(3, 4);
/* Prints a usage line for the command and returns EX_USAGE. */
int cli_usage(const char *cmd);
/* Writes s as a JSON string (with quotes) to f. */
void cli_json_str(FILE *f, const char *s);
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
int cmd_mailing(struct mr_cli *cli, int argc, char **argv);
int cmd_doctor(struct mr_cli *cli, int argc, char **argv);
int cmd_inspect(struct mr_cli *cli, int argc, char **argv);
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
