#!/bin/bash
# SPDX-License-Identifier: MIT
# Runs the installed store conformance suite (mailroom-store-check) against the SQLite store on a fresh database.
. "$MR_SRCDIR/tests/lib.sh"
want=$(sed -n 's/^#define SQ_SCHEMA_NEWEST \([0-9]*\).*/\1/p' \
	"$MR_SRCDIR/plugins/store-sqlite/store-sqlite.h")
cat > "$T_DIR/site.ini" <<INI
[mailroom]
store = sqlite
transport = spool
[store-sqlite]
path = $T_DIR/db/mailroom.db
busy_timeout = 5s
INI
"$MR_BUILDDIR/mailroom-store-check" --config "$T_DIR/site.ini" --schema-version "$want"
