# SPDX-License-Identifier: MIT
# The mailroom command; its helpers that tests also use (CSV, passwords, the doctor, Received reading) are a small library.
noinst_LTLIBRARIES += core/cli/libmailroom-cli.la
core_cli_libmailroom_cli_la_SOURCES = core/cli/csv.h core/cli/csv.c core/cli/users.h core/cli/password.c \
	core/cli/doctor/doctor.h core/cli/doctor/doctor.c core/cli/doctor/doctor-checks.c \
	core/cli/doctor/doctor-spf.c core/cli/doctor/doctor-http.c core/cli/received.h \
	core/cli/received.c
core_cli_libmailroom_cli_la_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(OAUTH_CURL_CFLAGS) -I$(top_srcdir)/core/lib
core_cli_libmailroom_cli_la_LIBADD = $(CRYPTO_LIBS) $(SPF2_LIBS) $(OAUTH_CURL_LIBS)

bin_PROGRAMS += mailroom
mailroom_SOURCES = core/cli/main.c core/cli/commands.c core/cli/cli.h \
	core/cli/cmd-plugins.c core/cli/cmd-config.c core/cli/cmd-send-test.c core/cli/cmd-spool.c \
	core/cli/cmd-bounce.c core/cli/cmd-job.c core/cli/cmd-store.c core/cli/cmd-cron.c core/cli/cron-identity.c \
	core/cli/cmd-activity.c core/cli/activity-filed.c core/cli/cmd-user.c core/cli/cmd-token.c core/cli/api-tokens.h core/cli/identity.c \
	core/cli/cmd-account.c core/cli/cmd-bounce-stats.c core/cli/cmd-doctor.c core/cli/doctor-store.c \
	core/cli/cmd-inspect.c core/cli/cmd-contact.c core/cli/contact-manage.c core/cli/contact-export.c \
	core/cli/cmd-field.c core/cli/fields.c core/cli/fields.h core/cli/import-map.c \
	core/cli/import-map.h plugins/common/smart-group.c plugins/common/smart-group.h \
	core/cli/cmd-mailing.c core/cli/cmd-mailing-test.c \
	core/cli/mailing-form.c core/cli/mailing-form.h core/cli/cmd-mailing-edit.c core/cli/cmd-mailing-variant.c core/cli/cmd-mailing-ab.c \
	core/cli/cmd-template.c core/cli/cmd-mailing-approve.c
mailroom_SOURCES += core/cli/json.c core/cli/table.c core/cli/mailing-report.h \
	core/cli/mailing-report.c core/cli/cmd-mailing-report.c core/cli/optin.c core/cli/optin.h
mailroom_CFLAGS = $(AM_CFLAGS) $(CRYPTO_CFLAGS) $(JANSSON_CFLAGS)
mailroom_LDADD = core/cli/libmailroom-cli.la core/lib/libmailroom.la lib/mail/libmailroom-mail.la \
	$(JANSSON_LIBS)
# OAuth2: mailroom account authorize (and the token state in account test)
mailroom_SOURCES += core/cli/cmd-account-oauth.c plugins/common/oauth.c plugins/common/oauth.h
mailroom_CFLAGS += $(OAUTH_CURL_CFLAGS) -pthread
mailroom_LDADD += $(OAUTH_CURL_LIBS) -lpthread

# `mailroom serve`, the web endpoint, when libmicrohttpd and Jansson were found (--enable-serve).
if BUILD_SERVE
mailroom_SOURCES += core/cli/serve/serve.h core/cli/serve/serve.c core/cli/serve/serve-http.c \
	core/cli/serve/serve-unsub.c core/cli/serve/serve-track.c \
	core/cli/serve/serve-webhook.c core/cli/serve/serve-api.c core/cli/serve/serve-view.c \
	core/cli/serve/serve-webhook-esp.c core/cli/serve/serve-form.h core/cli/serve/serve-form.c \
	core/cli/serve/serve-optin.c
mailroom_CFLAGS += $(MHD_CFLAGS)
mailroom_LDADD += $(MHD_LIBS) -lpthread
endif
