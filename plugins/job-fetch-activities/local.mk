# SPDX-License-Identifier: MIT
# job-fetch-activities: files incoming mail of activity accounts as Email activities.
if BUILD_PLUGIN_JOB_FETCH_ACTIVITIES
plugin_LTLIBRARIES += plugins/job-fetch-activities/job-fetch-activities.la
plugins_job_fetch_activities_job_fetch_activities_la_SOURCES = \
	plugins/job-fetch-activities/fetch-activities.h \
	plugins/job-fetch-activities/job-fetch-activities.c \
	plugins/job-fetch-activities/fa-file.c
plugins_job_fetch_activities_job_fetch_activities_la_LDFLAGS = $(PLUGIN_LDFLAGS)
plugins_job_fetch_activities_job_fetch_activities_la_LIBADD = $(MAIL_LIBS)
endif
