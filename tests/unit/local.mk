# SPDX-License-Identifier: MIT
# Unit tests: one program per module of the core, each speaking TAP.
UNIT_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/core/lib -I$(top_srcdir)/core/cli
UNIT_LDADD = core/cli/libmailroom-cli.la core/lib/libmailroom.la lib/mail/libmailroom-mail.la

check_PROGRAMS += tests/unit/test-config
tests_unit_test_config_SOURCES = tests/unit/test-config.c
tests_unit_test_config_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_config_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-config

# The loader's refusal tests load these deliberately broken plugins.
TEST_PLUGIN_LDFLAGS = $(PLUGIN_LDFLAGS) -rpath $(abs_builddir)/tests/unit/plugins
check_LTLIBRARIES += tests/unit/plugins/transport-good.la
tests_unit_plugins_transport_good_la_SOURCES = tests/unit/plugins/broken.c
tests_unit_plugins_transport_good_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"good"' 
tests_unit_plugins_transport_good_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
check_LTLIBRARIES += tests/unit/plugins/transport-badmagic.la
tests_unit_plugins_transport_badmagic_la_SOURCES = tests/unit/plugins/broken.c
tests_unit_plugins_transport_badmagic_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"badmagic"' -DBROKEN_MAGIC
tests_unit_plugins_transport_badmagic_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
check_LTLIBRARIES += tests/unit/plugins/transport-newabi.la
tests_unit_plugins_transport_newabi_la_SOURCES = tests/unit/plugins/broken.c
tests_unit_plugins_transport_newabi_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"newabi"' -DBROKEN_ABI_MAJOR
tests_unit_plugins_transport_newabi_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
check_LTLIBRARIES += tests/unit/plugins/transport-nosend.la
tests_unit_plugins_transport_nosend_la_SOURCES = tests/unit/plugins/broken.c
tests_unit_plugins_transport_nosend_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"nosend"' -DBROKEN_MUST_SLOT
tests_unit_plugins_transport_nosend_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
check_LTLIBRARIES += tests/unit/plugins/transport-smallops.la
tests_unit_plugins_transport_smallops_la_SOURCES = tests/unit/plugins/broken.c
tests_unit_plugins_transport_smallops_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"smallops"' -DBROKEN_OPS_SIZE
tests_unit_plugins_transport_smallops_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
check_LTLIBRARIES += tests/unit/plugins/transport-badkey.la
tests_unit_plugins_transport_badkey_la_SOURCES = tests/unit/plugins/broken.c
tests_unit_plugins_transport_badkey_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"badkey"' -DBROKEN_KEY_OFFSET
tests_unit_plugins_transport_badkey_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
check_LTLIBRARIES += tests/unit/plugins/transport-smallkeys.la
tests_unit_plugins_transport_smallkeys_la_SOURCES = tests/unit/plugins/broken.c
tests_unit_plugins_transport_smallkeys_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"smallkeys"' -DBROKEN_KEY_SIZE
tests_unit_plugins_transport_smallkeys_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
check_LTLIBRARIES += tests/unit/plugins/transport-nosymbol.la
tests_unit_plugins_transport_nosymbol_la_SOURCES = tests/unit/plugins/broken.c
tests_unit_plugins_transport_nosymbol_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"nosymbol"' -DBROKEN_NO_SYMBOL
tests_unit_plugins_transport_nosymbol_la_LDFLAGS = -module -avoid-version -shared -rpath $(abs_builddir)/tests/unit/plugins
check_LTLIBRARIES += tests/unit/plugins/transport-dup-a.la
tests_unit_plugins_transport_dup_a_la_SOURCES = tests/unit/plugins/broken.c
tests_unit_plugins_transport_dup_a_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"dup"' 
tests_unit_plugins_transport_dup_a_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
check_LTLIBRARIES += tests/unit/plugins/transport-dup-b.la
tests_unit_plugins_transport_dup_b_la_SOURCES = tests/unit/plugins/broken.c
tests_unit_plugins_transport_dup_b_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"dup"' 
tests_unit_plugins_transport_dup_b_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
check_LTLIBRARIES += tests/unit/plugins/transport-liar.la
tests_unit_plugins_transport_liar_la_SOURCES = tests/unit/plugins/broken.c
tests_unit_plugins_transport_liar_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"other"' 
tests_unit_plugins_transport_liar_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
# Stores for the capability tests: noqueue (base and spool only) loads; a queue
# sub-table with a NULL slot or too small a size is refused.
check_LTLIBRARIES += tests/unit/plugins/store-noqueue.la
tests_unit_plugins_store_noqueue_la_SOURCES = tests/unit/plugins/store-partial.c
tests_unit_plugins_store_noqueue_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"noqueue"'
tests_unit_plugins_store_noqueue_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
check_LTLIBRARIES += tests/unit/plugins/store-queuehole.la
tests_unit_plugins_store_queuehole_la_SOURCES = tests/unit/plugins/store-partial.c
tests_unit_plugins_store_queuehole_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"queuehole"' \
	-DBROKEN_QUEUE_SLOT
tests_unit_plugins_store_queuehole_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)
check_LTLIBRARIES += tests/unit/plugins/store-smallqueue.la
tests_unit_plugins_store_smallqueue_la_SOURCES = tests/unit/plugins/store-partial.c
tests_unit_plugins_store_smallqueue_la_CFLAGS = $(AM_CFLAGS) -DPLUGIN_NAME='"smallqueue"' \
	-DBROKEN_QUEUE_SIZE
tests_unit_plugins_store_smallqueue_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)

check_PROGRAMS += tests/unit/test-loader
tests_unit_test_loader_SOURCES = tests/unit/test-loader.c
tests_unit_test_loader_CFLAGS = $(UNIT_CFLAGS) -DTEST_PLUGIN_DIR='"$(abs_builddir)/tests/unit/plugins/.libs"'
tests_unit_test_loader_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-loader

check_PROGRAMS += tests/unit/test-password
tests_unit_test_password_SOURCES = tests/unit/test-password.c
tests_unit_test_password_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_password_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-password

# A test job for the scheduler tests (loaded through plugin_path).
check_LTLIBRARIES += tests/unit/plugins/job-probe.la
tests_unit_plugins_job_probe_la_SOURCES = tests/unit/plugins/job-probe.c
tests_unit_plugins_job_probe_la_LDFLAGS = $(TEST_PLUGIN_LDFLAGS)

check_PROGRAMS += tests/unit/test-schedule
tests_unit_test_schedule_SOURCES = tests/unit/test-schedule.c
tests_unit_test_schedule_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_schedule_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-schedule
check_PROGRAMS += tests/unit/test-activity-parse
tests_unit_test_activity_parse_SOURCES = tests/unit/test-activity-parse.c
tests_unit_test_activity_parse_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_activity_parse_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-activity-parse

check_PROGRAMS += tests/unit/test-verp tests/unit/test-bounce
tests_unit_test_verp_SOURCES = tests/unit/test-verp.c
tests_unit_test_verp_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_verp_LDADD = $(UNIT_LDADD) $(CRYPTO_LIBS)
tests_unit_test_bounce_SOURCES = tests/unit/test-bounce.c
tests_unit_test_bounce_CFLAGS = $(UNIT_CFLAGS) -DTOP_SRCDIR='"$(abs_top_srcdir)"'
tests_unit_test_bounce_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-verp tests/unit/test-bounce
check_PROGRAMS += tests/unit/test-doctor
tests_unit_test_doctor_SOURCES = tests/unit/test-doctor.c
tests_unit_test_doctor_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_doctor_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-doctor

check_PROGRAMS += tests/unit/test-mailing-render
tests_unit_test_mailing_render_SOURCES = tests/unit/test-mailing-render.c
tests_unit_test_mailing_render_CFLAGS = $(UNIT_CFLAGS) $(CRYPTO_CFLAGS)
tests_unit_test_mailing_render_LDADD = $(UNIT_LDADD) $(CRYPTO_LIBS)
TESTS += tests/unit/test-mailing-render

check_PROGRAMS += tests/unit/test-track
tests_unit_test_track_SOURCES = tests/unit/test-track.c
tests_unit_test_track_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_track_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-track
EXTRA_DIST += tests/unit/dkim-verify.py

check_PROGRAMS += tests/unit/test-fetch-run
tests_unit_test_fetch_run_SOURCES = tests/unit/test-fetch-run.c
tests_unit_test_fetch_run_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_fetch_run_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-fetch-run

check_PROGRAMS += tests/unit/test-csv
tests_unit_test_csv_SOURCES = tests/unit/test-csv.c
tests_unit_test_csv_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_csv_LDADD = $(UNIT_LDADD)
TESTS += tests/unit/test-csv

# Plugin unit tests: a plugin's own sources linked with the fake core
# (tests/unit/fake-core.c), never with libmailroom (both define struct mr_section).
FAKE_CORE_SOURCES = tests/unit/fake-core.c tests/unit/fake-core.h
if BUILD_PLUGIN_TRANSPORT_DISABLED
check_PROGRAMS += tests/unit/test-transport-disabled
tests_unit_test_transport_disabled_SOURCES = tests/unit/test-transport-disabled.c \
	plugins/transport-disabled/transport-disabled.c $(FAKE_CORE_SOURCES)
tests_unit_test_transport_disabled_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
TESTS += tests/unit/test-transport-disabled
endif
if BUILD_PLUGIN_JOB_CLEANUP
check_PROGRAMS += tests/unit/test-job-cleanup
tests_unit_test_job_cleanup_SOURCES = tests/unit/test-job-cleanup.c \
	plugins/job-cleanup/job-cleanup.c $(FAKE_CORE_SOURCES)
tests_unit_test_job_cleanup_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests
TESTS += tests/unit/test-job-cleanup
endif

# the OAuth2 module's JSON reader and SASL strings (plugins/common/oauth.c)
check_PROGRAMS += tests/unit/test-oauth
tests_unit_test_oauth_SOURCES = tests/unit/test-oauth.c plugins/common/oauth.c \
	plugins/common/oauth.h
tests_unit_test_oauth_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests $(OAUTH_CURL_CFLAGS) -pthread
tests_unit_test_oauth_LDADD = $(OAUTH_CURL_LIBS) -lpthread
TESTS += tests/unit/test-oauth

# the sanitiser of message text for terminals and logs (lib/mail/printable.c)
check_PROGRAMS += tests/unit/test-printable
tests_unit_test_printable_SOURCES = tests/unit/test-printable.c
tests_unit_test_printable_CFLAGS = $(UNIT_CFLAGS)
tests_unit_test_printable_LDADD = lib/mail/libmailroom-mail.la
TESTS += tests/unit/test-printable
