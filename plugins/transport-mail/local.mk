# SPDX-License-Identifier: MIT
# transport-mail: the default, the machine's own MTA through sendmail -t -i (code shared with transport-sendmail).
if BUILD_PLUGIN_TRANSPORT_MAIL
plugin_LTLIBRARIES += plugins/transport-mail/transport-mail.la
plugins_transport_mail_transport_mail_la_SOURCES = plugins/transport-mail/transport-mail.c \
	plugins/common/sendmail-run.c plugins/common/sendmail-run.h
plugins_transport_mail_transport_mail_la_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/plugins/common
plugins_transport_mail_transport_mail_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
