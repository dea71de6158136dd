# SPDX-License-Identifier: MIT
# job-fetch-bounces: the bounce processing job (Fetch Bounces).
if BUILD_PLUGIN_JOB_FETCH_BOUNCES
plugin_LTLIBRARIES += plugins/job-fetch-bounces/job-fetch-bounces.la
plugins_job_fetch_bounces_job_fetch_bounces_la_SOURCES = \
	plugins/job-fetch-bounces/fetch-bounces.h plugins/job-fetch-bounces/job-fetch-bounces.c \
	plugins/job-fetch-bounces/processor.c plugins/job-fetch-bounces/actions.c \
	plugins/job-fetch-bounces/counts.c plugins/job-fetch-bounces/reply-forward.c \
	plugins/job-fetch-bounces/auto-reply.c plugins/job-fetch-bounces/outgoing.c
plugins_job_fetch_bounces_job_fetch_bounces_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_job_fetch_bounces_job_fetch_bounces_la_LIBADD = $(MAIL_LIBS)
endif
