# SPDX-License-Identifier: MIT
# transport-smtp: sends to an SMTP server with libcurl over a pool of reused connections.
if BUILD_PLUGIN_TRANSPORT_SMTP
plugin_LTLIBRARIES += plugins/transport-smtp/transport-smtp.la
plugins_transport_smtp_transport_smtp_la_SOURCES = plugins/transport-smtp/transport-smtp.c \
	plugins/transport-smtp/smtp-reply.c plugins/transport-smtp/smtp-reply.h \
	plugins/transport-smtp/smtp-body.c plugins/transport-smtp/smtp-body.h \
	plugins/common/oauth.c plugins/common/oauth.h
plugins_transport_smtp_transport_smtp_la_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) -pthread
plugins_transport_smtp_transport_smtp_la_LIBADD = $(CURL_LIBS) -lpthread
plugins_transport_smtp_transport_smtp_la_LDFLAGS = $(PLUGIN_LDFLAGS)

# the reply reader and the DATA encoder, tested on their own
check_PROGRAMS += tests/unit/test-smtp-reply
tests_unit_test_smtp_reply_SOURCES = tests/unit/test-smtp-reply.c \
	plugins/transport-smtp/smtp-reply.c plugins/transport-smtp/smtp-body.c
tests_unit_test_smtp_reply_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests \
	-I$(top_srcdir)/plugins/transport-smtp
TESTS += tests/unit/test-smtp-reply
endif
