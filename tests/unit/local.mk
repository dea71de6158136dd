# SPDX-License-Identifier: MIT
# Unit tests: one program per module of the core, each speaking TAP.
UNIT_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/core/lib
UNIT_LDADD = core/lib/libmailroom.la

check_PROGRAMS += tests/unit/test-config
tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-config
