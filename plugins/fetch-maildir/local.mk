# SPDX-License-Identifier: MIT
# fetch-maildir: reads a local Maildir, disposes by rename into Maildir++ subfolders.
if BUILD_PLUGIN_FETCH_MAILDIR
plugin_LTLIBRARIES += plugins/fetch-maildir/fetch-maildir.la
plugins_fetch_maildir_fetch_maildir_la_SOURCES = plugins/fetch-maildir/fetch-maildir.c \
	plugins/common/local-files.c plugins/common/local-files.h
plugins_fetch_maildir_fetch_maildir_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
