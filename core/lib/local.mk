# SPDX-License-Identifier: MIT
# libmailroom: the core (loader, config, log, errors, MIME helpers), linked into the command and the tests.
noinst_LTLIBRARIES += core/lib/libmailroom.la
core_lib_libmailroom_la_SOURCES = core/lib/mr.h core/lib/error.c core/lib/diag.c core/lib/log.c core/lib/progress.c \
	core/lib/config.c core/lib/config-keys.c core/lib/loader.c core/lib/site.c \
	core/lib/coreapi.c core/lib/mime.c core/lib/schedule.c core/lib/lock.c core/lib/jobs.c \
	core/lib/tls-verify.c core/lib/fetch-run.c
core_lib_libmailroom_la_SOURCES += core/lib/password.c
core_lib_libmailroom_la_SOURCES += core/lib/activity.h core/lib/activity-parse.c \
	core/lib/activity-charset.c core/lib/activity-html.c core/lib/activity-name.c \
	core/lib/activity-rfc2047.c
core_lib_libmailroom_la_SOURCES += core/lib/dns.h core/lib/dns.c core/lib/doctor.h core/lib/doctor.c \
	core/lib/doctor-checks.c core/lib/doctor-spf.c core/lib/rawmsg.c core/lib/dkim-key.c \
	core/lib/dkim-verify.c
core_lib_libmailroom_la_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) $(CRYPTO_CFLAGS) $(INIPARSER_CFLAGS)
core_lib_libmailroom_la_LIBADD = $(GMIME_LIBS) $(CRYPTO_LIBS) $(INIPARSER_LIBS) $(LTDL_LIBS)
core_lib_libmailroom_la_LIBADD += $(SPF2_LIBS)
mailroominclude_HEADERS = core/include/mailroom/plugin.h core/include/mailroom/core.h \
	core/include/mailroom/error.h
core_lib_libmailroom_la_SOURCES += core/lib/verp.c core/lib/bounce/internal.h core/lib/bounce/scan.c \
	core/lib/bounce/addr.c core/lib/bounce/dsn.c core/lib/bounce/text.c core/lib/bounce/rules.c \
	core/lib/bounce/bounce.c core/lib/bounce/service.c
mailroominclude_HEADERS += core/include/mailroom/bounce.h
mailroominclude_HEADERS += core/include/mailroom/mailing.h
mailroominclude_HEADERS += core/include/mailroom/bounce-store.h
core_lib_libmailroom_la_SOURCES += core/lib/mailing-render.h core/lib/buf.h core/lib/buf.c core/lib/tokens.c \
	core/lib/mailing-render.c core/lib/dkim.c core/lib/csv.h core/lib/csv.c
bouncerulesdir = $(sysconfdir)/mailroom
dist_bouncerules_DATA = etc/bounce-rules.conf
mailroominclude_HEADERS += core/include/mailroom/activity.h
mailroominclude_HEADERS += core/include/mailroom/activity-store.h
