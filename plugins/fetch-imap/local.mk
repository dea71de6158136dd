# SPDX-License-Identifier: MIT
# fetch-imap: reads an IMAP folder with libetpan, certificates verified through the core.
if BUILD_PLUGIN_FETCH_IMAP
plugin_LTLIBRARIES += plugins/fetch-imap/fetch-imap.la
plugins_fetch_imap_fetch_imap_la_SOURCES = plugins/fetch-imap/fetch-imap.c \
	plugins/fetch-imap/imap-utf7.c plugins/fetch-imap/imap-utf7.h \
	plugins/common/etpan-net.h plugins/common/etpan-login.c plugins/common/etpan-login.h \
	plugins/common/oauth.c plugins/common/oauth.h
plugins_fetch_imap_fetch_imap_la_CFLAGS = $(AM_CFLAGS) $(ETPAN_CFLAGS) $(OAUTH_CURL_CFLAGS) -pthread
plugins_fetch_imap_fetch_imap_la_LIBADD = $(ETPAN_LIBS) $(OAUTH_CURL_LIBS) -lpthread
plugins_fetch_imap_fetch_imap_la_LDFLAGS = $(PLUGIN_LDFLAGS)

# the folder names' modified UTF-7, tested on its own
check_PROGRAMS += tests/unit/test-imap-utf7
tests_unit_test_imap_utf7_SOURCES = tests/unit/test-imap-utf7.c plugins/fetch-imap/imap-utf7.c
tests_unit_test_imap_utf7_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests \
	-I$(top_srcdir)/plugins/fetch-imap
TESTS += tests/unit/test-imap-utf7
endif
