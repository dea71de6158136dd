# SPDX-License-Identifier: MIT
# fetch-localdir: reads a directory of message files, moves them into dated subdirectories.
if BUILD_PLUGIN_FETCH_LOCALDIR
plugin_LTLIBRARIES += plugins/fetch-localdir/fetch-localdir.la
plugins_fetch_localdir_fetch_localdir_la_SOURCES = plugins/fetch-localdir/fetch-localdir.c \
	plugins/common/local-files.c plugins/common/local-files.h
plugins_fetch_localdir_fetch_localdir_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
