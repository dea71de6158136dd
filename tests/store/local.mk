# SPDX-License-Identifier: MIT
# The store conformance suite (one program, run against every store plugin) and the SQLite store's own tests.
check_PROGRAMS += tests/store/conformance
tests_store_conformance_SOURCES = tests/store/conformance.c
tests_store_conformance_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/core/lib
tests_store_conformance_LDADD = core/lib/libmailroom.la lib/mail/libmailroom-mail.la
EXTRA_DIST += tests/store/conformance-mailing.c tests/store/conformance-activity.c
tests_store_conformance_DEPENDENCIES = core/lib/libmailroom.la $(top_srcdir)/tests/store/conformance-mailing.c \
	$(top_srcdir)/tests/store/conformance-activity.c
EXTRA_DIST += tests/store/conformance-bounce.c
tests_store_conformance_DEPENDENCIES += $(top_srcdir)/tests/store/conformance-bounce.c
EXTRA_DIST += tests/store/run-sqlite.sh tests/store/sqlite-schema.sh \
	tests/store/fixtures/sqlite-v1.sql
if BUILD_PLUGIN_STORE_SQLITE
TESTS += tests/store/run-sqlite.sh tests/store/sqlite-schema.sh
check_PROGRAMS += tests/store/sqlite-stress
tests_store_sqlite_stress_SOURCES = tests/store/sqlite-stress.c
tests_store_sqlite_stress_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/core/lib
tests_store_sqlite_stress_LDADD = core/lib/libmailroom.la lib/mail/libmailroom-mail.la
TESTS += tests/store/sqlite-stress
endif
