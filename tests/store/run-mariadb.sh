#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs the installed store conformance suite (mailroom-store-check) against the MariaDB store on a fresh database of a private server.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/mariadb.sh"
needs mariadbd mariadb-install-db mariadb
want=$(sed -n 's/^#define MD_SCHEMA_NEWEST \([0-9]*\).*/\1/p' \
	"$MR_SRCDIR/plugins/store-mariadb/store-mariadb.h")
mariadb_private check mr 'se cret'
{ printf '[mailroom]\nstore = mariadb\ntransport = spool\n'
  mariadb_store_section check mr "$T_DIR/pw"; } > "$T_DIR/site.ini"
"$MR_BUILDDIR/mailroom-store-check" --config "$T_DIR/site.ini" --schema-version "$want"
