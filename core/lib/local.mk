# SPDX-License-Identifier: MIT
# libmailroom: the framework only (loader, config and keys, site, log and errors, locks,
# schedule and jobs, the fetch loop, progress, TLS verification), linked into the command.
noinst_LTLIBRARIES += core/lib/libmailroom.la
core_lib_libmailroom_la_SOURCES = core/lib/mr.h core/lib/error.c core/lib/diag.c core/lib/log.c \
	core/lib/progress.c core/lib/config.c core/lib/config-keys.c core/lib/loader.c \
	core/lib/site.c core/lib/coreapi.c core/lib/schedule.c core/lib/lock.c core/lib/jobs.c \
	core/lib/tls-verify.c core/lib/fetch-run.c
core_lib_libmailroom_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(INIPARSER_CFLAGS)
core_lib_libmailroom_la_LIBADD = $(CRYPTO_LIBS) $(INIPARSER_LIBS) $(LTDL_LIBS)
mailroominclude_HEADERS = core/include/mailroom/plugin.h core/include/mailroom/core.h \
	core/include/mailroom/error.h core/include/mailroom/addr.h \
	core/include/mailroom/mailing.h core/include/mailroom/bounce-store.h \
	core/include/mailroom/activity-store.h core/include/mailroom/store.h \
	core/include/mailroom/store-rows.h core/include/mailroom/host.h
