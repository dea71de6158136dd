# SPDX-License-Identifier: MIT
# job-reset-holds: releases bounce holds of emails that are deliverable again.
if BUILD_PLUGIN_JOB_RESET_HOLDS
plugin_LTLIBRARIES += plugins/job-reset-holds/job-reset-holds.la
plugins_job_reset_holds_job_reset_holds_la_SOURCES = plugins/job-reset-holds/job-reset-holds.c
plugins_job_reset_holds_job_reset_holds_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
