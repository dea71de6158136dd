# SPDX-License-Identifier: MIT
# store-sqlite: the embedded store on one SQLite file.
if BUILD_PLUGIN_STORE_SQLITE
plugin_LTLIBRARIES += plugins/store-sqlite/store-sqlite.la
plugins_store_sqlite_store_sqlite_la_SOURCES = plugins/store-sqlite/store-sqlite.h \
	plugins/store-sqlite/db.h plugins/store-sqlite/store-sqlite.c plugins/store-sqlite/sql.c \
	plugins/store-sqlite/schema.c plugins/store-sqlite/sqlite-contacts.c \
	plugins/store-sqlite/sqlite-queue.c plugins/store-sqlite/sqlite-tracking.c \
	plugins/store-sqlite/sqlite-copy.c plugins/common/smart-group.c \
	plugins/common/smart-group.h
# the operations shared with the other SQL store, compiled against db.h
plugins_store_sqlite_store_sqlite_la_SOURCES += $(SQLSTORE_SOURCES)
plugins_store_sqlite_store_sqlite_la_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/plugins/store-sqlite \
	-I$(srcdir)/plugins/sqlstore $(SQLITE_CFLAGS)
plugins_store_sqlite_store_sqlite_la_LIBADD = $(SQLITE_LIBS)
plugins_store_sqlite_store_sqlite_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
