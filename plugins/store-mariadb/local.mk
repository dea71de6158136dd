# SPDX-License-Identifier: MIT
# store-mariadb: the store on a MariaDB server (MariaDB Connector/C).
if BUILD_PLUGIN_STORE_MARIADB
plugin_LTLIBRARIES += plugins/store-mariadb/store-mariadb.la
plugins_store_mariadb_store_mariadb_la_SOURCES = plugins/store-mariadb/store-mariadb.h \
	plugins/store-mariadb/db.h plugins/store-mariadb/md-conf.h \
	plugins/store-mariadb/store-mariadb.c plugins/store-mariadb/md-conn.c \
	plugins/store-mariadb/sql.c plugins/store-mariadb/schema.c \
	plugins/store-mariadb/md-contacts.c plugins/store-mariadb/md-queue.c \
	plugins/store-mariadb/md-build.c \
	plugins/store-mariadb/md-batch.c plugins/store-mariadb/md-locks.c plugins/store-mariadb/mariadb-tracking.c \
	plugins/store-mariadb/md-copy.c plugins/store-mariadb/md-doctor.c \
	plugins/store-mariadb/md-joins.c plugins/common/smart-group.c \
	plugins/common/smart-group.h
# the operations shared with the other SQL store, compiled against db.h
plugins_store_mariadb_store_mariadb_la_SOURCES += $(SQLSTORE_SOURCES)
plugins_store_mariadb_store_mariadb_la_CFLAGS = $(AM_CFLAGS) -I$(srcdir)/plugins/store-mariadb \
	-I$(srcdir)/plugins/sqlstore $(MARIADB_CFLAGS) $(CRYPTO_CFLAGS)
plugins_store_mariadb_store_mariadb_la_LIBADD = $(MARIADB_LIBS) $(CRYPTO_LIBS) -lpthread
plugins_store_mariadb_store_mariadb_la_LDFLAGS = $(PLUGIN_LDFLAGS)
endif
