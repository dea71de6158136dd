# SPDX-License-Identifier: MIT
# transport-disabled: refuses every message.
if BUILD_PLUGIN_TRANSPORT_DISABLED
plugin_LTLIBRARIES += plugins/transport-disabled/transport-disabled.la
plugins_transport_disabled_transport_disabled_la_SOURCES = plugins/transport-disabled/transport-disabled.c
plugins_transport_disabled_transport_disabled_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
