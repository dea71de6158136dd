# SPDX-License-Identifier: MIT
# libmailroom-mail: the mail library (message model, rendering and tokens, VERP, DKIM,
# bounce parsing and classification, activity parsing), installed for jobs and the command.
lib_LTLIBRARIES += lib/mail/libmailroom-mail.la
lib_mail_libmailroom_mail_la_SOURCES = lib/mail/mail-internal.h lib/mail/mail-util.c \
	lib/mail/buf.c lib/mail/mime.c lib/mail/rawmsg.c lib/mail/dns.c \
	lib/mail/activity-parse.c lib/mail/activity-charset.c lib/mail/activity-html.c \
	lib/mail/activity-name.c lib/mail/activity-rfc2047.c \
	lib/mail/verp.c lib/mail/bounce/internal.h lib/mail/bounce/scan.c lib/mail/bounce/addr.c \
	lib/mail/bounce/dsn.c lib/mail/bounce/json.c lib/mail/bounce/text.c lib/mail/bounce/rules.c lib/mail/bounce/bounce.c \
	lib/mail/tokens.c lib/mail/mailing-render.c lib/mail/list-id.c lib/mail/dkim.c lib/mail/dkim-key.c \
	lib/mail/dkim-verify.c lib/mail/site-conf.c lib/mail/mailing-variants.c lib/mail/printable.c lib/mail/track.c
# every mr_ function is exported (the -export-symbols-regex below), mail_ helpers stay hidden
lib_mail_libmailroom_mail_la_CFLAGS = $(AM_CFLAGS) -fvisibility=default -fno-semantic-interposition $(GMIME_CFLAGS) $(CRYPTO_CFLAGS)
lib_mail_libmailroom_mail_la_LIBADD = $(GMIME_LIBS) $(CRYPTO_LIBS) -lpthread
# 0:0:0 until the first release; see doc/plugin-abi.md for the rules.
lib_mail_libmailroom_mail_la_LDFLAGS = -version-info 0:0:0 -Wl,-Bsymbolic-functions -export-symbols-regex '^mr_'
mailmailroomincludedir = $(includedir)/mailroom
mailmailroominclude_HEADERS = lib/mail/include/mailroom/mail.h lib/mail/include/mailroom/buf.h \
	lib/mail/include/mailroom/message.h lib/mail/include/mailroom/dns.h \
	lib/mail/include/mailroom/dkim.h lib/mail/include/mailroom/bounce.h \
	lib/mail/include/mailroom/activity.h lib/mail/include/mailroom/render.h \
	lib/mail/include/mailroom/printable.h lib/mail/include/mailroom/track.h
pkgconfig_DATA += lib/mail/mailroom-mail.pc
bouncerulesdir = $(sysconfdir)/mailroom
dist_bouncerules_DATA = etc/bounce-rules.conf
# Plugins and programs that use the mail library link this.
MAIL_LIBS = $(top_builddir)/lib/mail/libmailroom-mail.la
