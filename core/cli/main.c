/* SPDX-License-Identifier: MIT */
/* The mailroom command: global options, then one subcommand from the table in commands.c. */
#include "config.h"
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

void cli_usage_all(FILE *f)
{
	fprintf(f, "usage: mailroom [--config FILE | --site SITE] [--quiet] COMMAND [ARGS]\n"
		   "       mailroom help [COMMAND] | --help | --version | --help-commands\n\n"
		   "  --config FILE, -c FILE   the site's config file\n"
		   "  --site SITE, -s SITE     the site SITE (%s/mailroom/sites/SITE.ini)\n"
		   "  --quiet, -q              no progress lines; cron: warnings and errors only (the default with no terminal)\n"
		   "  --help, -h               this help; --version, -V: the version and plugin ABI\n"
		   "  --help-commands          one tab-separated line per command: name, usage, help\n\n"
		   "The config file is --config FILE, else %s/mailroom/sites/SITE.ini for -s SITE,\n"
		   "else $MAILROOM_CONFIG, else %s/mailroom/mailroom.ini.\n\nCommands:\n",
		SYSCONFDIR, SYSCONFDIR, SYSCONFDIR);
	for (const struct mr_command *c = mr_commands; c->name; c++)
		fprintf(f, "  %-10s %s\n", c->name, c->help);
	fprintf(f, "\nExit codes are those of sysexits.h (64 usage, 65 bad data, 66 no input,\n"
		   "69 unavailable, 70 software, 75 temporary failure, 77 no permission,\n"
		   "78 configuration error).\n"
		   "mailroom help COMMAND (or mailroom COMMAND --help) shows a command's every option.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "site", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "help-commands", no_argument, NULL, 'H' },
		{ 0 }
	};
	struct mr_cli cli = { 0 };
	/* a peer that hangs up (IMAP, POP3, SMTP) is an error to report, not a
	 * signal that kills the run between commit and disposal */
	signal(SIGPIPE, SIG_IGN);
	cli.quiet = !isatty(STDERR_FILENO);
	int c;
	/* '+': stop at the first non-option, the subcommand */
	while ((c = getopt_long(argc, argv, "+c:s:qhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cli.config_opt = optarg; break;
		case 's': cli.site_opt = optarg; break;
		case 'q': cli.quiet = 1; break;
		case 'h': cli_usage_all(stdout); return EX_OK;
		case 'H': /* the command table for scripts and the man page build */
			for (const struct mr_command *t = mr_commands; t->name; t++)
				printf("%s\t%s\t%s\n", t->name, t->usage, t->help);
			return EX_OK;
		case 'V': printf("mailroom %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, MR_ABI_MAJOR,
				 MR_ABI_MINOR); return EX_OK;
		default: cli_usage_all(stderr); return EX_USAGE;
		}
	}
	mr_progress_setup(!cli.quiet);
	if (optind >= argc) {
		cli_usage_all(stderr);
		return EX_USAGE;
	}
	if (cli.config_opt && cli.site_opt) {
		fprintf(stderr, "mailroom: give --config or -s, not both\n");
		return EX_USAGE;
	}
	cli.config_path = mr_config_choose(cli.config_opt, cli.site_opt);
	const char *name = argv[optind];
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	for (const struct mr_command *cmd = mr_commands; cmd->name; cmd++)
		if (strcmp(cmd->name, name) == 0) {
			if (cli_wants_help(sub_argc, sub_argv)) {
				cli_help(stdout, cmd);
				free(cli.config_path);
				return EX_OK;
			}
			optind = 0; /* a full getopt reset for the subcommand */
			int rc = cmd->run(&cli, sub_argc, sub_argv);
			free(cli.config_path);
			return rc;
		}
	fprintf(stderr, "mailroom: unknown command '%s' (see mailroom --help)\n", name);
	free(cli.config_path);
	return EX_USAGE;
}
