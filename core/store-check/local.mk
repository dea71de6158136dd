# SPDX-License-Identifier: MIT
# mailroom-store-check: the store conformance suite, installed with the SDK so a store author can run it against an out-of-tree store.
bin_PROGRAMS += mailroom-store-check
mailroom_store_check_SOURCES = core/store-check/store-check.c core/store-check/store-check.h \
	core/store-check/cases.c
# the cases (cases.c and the parts it includes) use only the installed headers
mailroom_store_check_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests -I$(top_srcdir)/core/lib
EXTRA_DIST += core/store-check/cases-queue.c core/store-check/cases-bounce.c \
	core/store-check/cases-activity.c core/store-check/cases-tracking.c \
	core/store-check/cases-copy.c core/store-check/cases-lock.c \
	core/store-check/cases-contact-admin.c core/store-check/cases-mailing-edit.c \
	core/store-check/cases-optin.c
EXTRA_mailroom_store_check_DEPENDENCIES = $(top_srcdir)/core/store-check/cases-queue.c \
	$(top_srcdir)/core/store-check/cases-bounce.c $(top_srcdir)/core/store-check/cases-activity.c \
	$(top_srcdir)/core/store-check/cases-tracking.c $(top_srcdir)/core/store-check/cases-copy.c \
	$(top_srcdir)/core/store-check/cases-lock.c \
	$(top_srcdir)/core/store-check/cases-contact-admin.c \
	$(top_srcdir)/core/store-check/cases-mailing-edit.c \
	$(top_srcdir)/core/store-check/cases-optin.c
mailroom_store_check_LDADD = core/lib/libmailroom.la
