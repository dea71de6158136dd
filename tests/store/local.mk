# SPDX-License-Identifier: MIT
# The SQLite store's tests: the installed conformance suite (mailroom-store-check, core/store-check) run against it, its schema and a stress test.
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
EXTRA_DIST += tests/store/run-mariadb.sh
if BUILD_PLUGIN_STORE_MARIADB
TESTS += tests/store/run-mariadb.sh
endif
EXTRA_DIST += tests/store/mariadb-upgrade.sh
if BUILD_PLUGIN_STORE_MARIADB
TESTS += tests/store/mariadb-upgrade.sh
endif
EXTRA_DIST += tests/store/mariadb-workers.sh
if BUILD_PLUGIN_STORE_MARIADB
TESTS += tests/store/mariadb-workers.sh
check_PROGRAMS += tests/store/mariadb-workers
tests_store_mariadb_workers_SOURCES = tests/store/mariadb-workers.c
tests_store_mariadb_workers_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/core/lib
tests_store_mariadb_workers_LDADD = core/lib/libmailroom.la lib/mail/libmailroom-mail.la
endif
