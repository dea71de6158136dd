# SPDX-License-Identifier: MIT
# The mailroom command.
bin_PROGRAMS += mailroom
mailroom_SOURCES = core/cli/main.c core/cli/commands.c core/cli/cli.h \
	core/cli/cmd-plugins.c core/cli/cmd-config.c core/cli/cmd-send-test.c core/cli/cmd-spool.c core/cli/cmd-bounce.c \
	core/cli/cmd-job.c core/cli/cmd-cron.c core/cli/cron-identity.c
mailroom_SOURCES += core/cli/cmd-activity.c core/cli/activity-filed.c
mailroom_SOURCES += core/cli/cmd-user.c core/cli/identity.c
mailroom_SOURCES += core/cli/cmd-account.c
mailroom_SOURCES += core/cli/cmd-bounce-stats.c
mailroom_SOURCES += core/cli/cmd-doctor.c core/cli/cmd-inspect.c
mailroom_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
mailroom_LDADD = core/lib/libmailroom.la
mailroom_SOURCES += core/cli/cmd-contact.c core/cli/cmd-mailing.c
