# SPDX-License-Identifier: MIT
# job-cleanup: purges old rows.
if BUILD_PLUGIN_JOB_CLEANUP
plugin_LTLIBRARIES += plugins/job-cleanup/job-cleanup.la
plugins_job_cleanup_job_cleanup_la_SOURCES = plugins/job-cleanup/job-cleanup.c
plugins_job_cleanup_job_cleanup_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
