# SPDX-License-Identifier: MIT
# job-process-mailing: the mass-mailing job (Send Scheduled Mailings).
if BUILD_PLUGIN_JOB_PROCESS_MAILING
plugin_LTLIBRARIES += plugins/job-process-mailing/job-process-mailing.la
plugins_job_process_mailing_job_process_mailing_la_SOURCES = \
	plugins/job-process-mailing/process-mailing.h \
	plugins/job-process-mailing/job-process-mailing.c plugins/job-process-mailing/rate.c \
	plugins/job-process-mailing/slots.c plugins/job-process-mailing/sender.c \
	plugins/job-process-mailing/journal.c
plugins_job_process_mailing_job_process_mailing_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_job_process_mailing_job_process_mailing_la_LIBADD = $(MAIL_LIBS) -lpthread

# the sending journal, tested on its own
check_PROGRAMS += tests/unit/test-journal
tests_unit_test_journal_SOURCES = tests/unit/test-journal.c plugins/job-process-mailing/journal.c
tests_unit_test_journal_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests \
	-I$(top_srcdir)/plugins/job-process-mailing
TESTS += tests/unit/test-journal
endif
