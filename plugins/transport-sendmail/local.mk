# SPDX-License-Identifier: MIT
# transport-sendmail: hands each message to a sendmail-compatible program (code shared with transport-mail).
if BUILD_PLUGIN_TRANSPORT_SENDMAIL
plugin_LTLIBRARIES += plugins/transport-sendmail/transport-sendmail.la
plugins_transport_sendmail_transport_sendmail_la_SOURCES = \
	plugins/transport-sendmail/transport-sendmail.c \
	plugins/common/sendmail-run.c plugins/common/sendmail-run.h
plugins_transport_sendmail_transport_sendmail_la_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/plugins/common
plugins_transport_sendmail_transport_sendmail_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif

# the shared program runner, tested on its own with scripts standing in for sendmail
if BUILD_PLUGIN_TRANSPORT_SENDMAIL
check_PROGRAMS += tests/unit/test-sendmail-run
tests_unit_test_sendmail_run_SOURCES = tests/unit/test-sendmail-run.c plugins/common/sendmail-run.c
tests_unit_test_sendmail_run_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/plugins/common
TESTS += tests/unit/test-sendmail-run
endif
