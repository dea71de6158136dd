/* SPDX-License-Identifier: MIT */
/* The mailroom command: global options, then one subcommand from the table in commands.c. */
#include "config.h"
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: mailroom [--config FILE | -s SITE] [--quiet] COMMAND [ARGS]\n"
		   "       mailroom --help | --version | --help-commands\n\n"
		   "The config file is --config FILE, else %s/mailroom/sites/SITE.ini for -s SITE,\n"
		   "else $MAILROOM_CONFIG, else %s/mailroom/mailroom.ini.\n\nCommands:\n",
		SYSCONFDIR, SYSCONFDIR);
	for (const struct mr_command *c = mr_commands; c->name; c++)
		fprintf(f, "  %-34s %s\n", c->usage, c->help);
	fprintf(f, "\nExit codes are those of sysexits.h (64 usage, 65 bad data, 69 unavailable,\n"
		   "75 temporary failure, 78 configuration error).\n");
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
		case 'h': usage(stdout); return EX_OK;
		case 'H': /* the command table for scripts and the man page build */
			for (const struct mr_command *t = mr_commands; t->name; t++)
				printf("%s\t%s\t%s\n", t->name, t->usage, t->help);
			return EX_OK;
		case 'V': printf("mailroom %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, MR_ABI_MAJOR,
				 MR_ABI_MINOR); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	mr_progress_setup(!cli.quiet);
	if (optind >= argc) {
		usage(stderr);
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
			optind = 0; /* a full getopt reset for the subcommand */
			int rc = cmd->run(&cli, sub_argc, sub_argv);
			free(cli.config_path);
			return rc;
		}
	fprintf(stderr, "mailroom: unknown command '%s' (see mailroom --help)\n", name);
	free(cli.config_path);
	return EX_USAGE;
}
