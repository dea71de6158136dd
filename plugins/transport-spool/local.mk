# SPDX-License-Identifier: MIT
# transport-spool: stores messages in the store instead of sending them.
if BUILD_PLUGIN_TRANSPORT_SPOOL
plugin_LTLIBRARIES += plugins/transport-spool/transport-spool.la
plugins_transport_spool_transport_spool_la_SOURCES = plugins/transport-spool/transport-spool.c
plugins_transport_spool_transport_spool_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_transport_spool_transport_spool_la_LIBADD = $(MAIL_LIBS)
endif
