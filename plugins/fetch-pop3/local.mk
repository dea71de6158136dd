# SPDX-License-Identifier: MIT
# fetch-pop3: reads a POP3 mailbox with libetpan, certificates verified through the core.
if BUILD_PLUGIN_FETCH_POP3
plugin_LTLIBRARIES += plugins/fetch-pop3/fetch-pop3.la
plugins_fetch_pop3_fetch_pop3_la_SOURCES = plugins/fetch-pop3/fetch-pop3.c \
	plugins/common/etpan-net.h plugins/common/etpan-login.c plugins/common/etpan-login.h \
	plugins/common/oauth.c plugins/common/oauth.h
plugins_fetch_pop3_fetch_pop3_la_CFLAGS = $(AM_CFLAGS) $(ETPAN_CFLAGS) $(OAUTH_CURL_CFLAGS) -pthread
plugins_fetch_pop3_fetch_pop3_la_LIBADD = $(ETPAN_LIBS) $(OAUTH_CURL_LIBS) -lpthread
plugins_fetch_pop3_fetch_pop3_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
