# SPDX-License-Identifier: MIT
# plugins/sqlstore: the store operations both SQL stores compile in, each against its own db.h (a store's local.mk adds $(SQLSTORE_SOURCES) and -I$(srcdir)/plugins/sqlstore).
SQLSTORE_SOURCES = plugins/sqlstore/sqlstore.h plugins/sqlstore/fields.c \
	plugins/sqlstore/contact-admin.c plugins/sqlstore/bounce-stats.c plugins/sqlstore/users.c \
	plugins/sqlstore/fetched.c plugins/sqlstore/mailing.c plugins/sqlstore/activities.c \
	plugins/sqlstore/spool.c plugins/sqlstore/templates.c plugins/sqlstore/optin.c \
	plugins/sqlstore/mailing-edit.c plugins/sqlstore/joblog.c plugins/sqlstore/verp-actions.c \
	plugins/sqlstore/bounces.c plugins/sqlstore/smart.c plugins/sqlstore/queue-build.c \
	plugins/sqlstore/contacts.c plugins/sqlstore/tracking.c
