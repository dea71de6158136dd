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
"$MR_BUILDDIR/mailroom-store-check" --config "$T_DIR/site.ini" --schema-version "$want" \
	> "$T_DIR/check.tap"
rc=$?
grep -v '^1\.\.[0-9]*$' "$T_DIR/check.tap"
T_N=$(grep -c '^\(not \)\?ok ' "$T_DIR/check.tap")
T_FAILED=$(grep -c '^not ok ' "$T_DIR/check.tap")
[ "$rc" -eq 0 ] || not_ok "mailroom-store-check exits 0 (got $rc)"

# The server texts of the suite's two sent rows, recorded in one statement
# (md-batch.c), are stored byte for byte; an empty enhanced code is NULL.
want_hex=$(printf 'Ok: "queued" as \\A1 \xe2\x80\x93 r\xc3\xa9sum\xc3\xa9 [{,]}' | od -An -tx1 |
	tr -d ' \n' | tr a-f A-F)
check_eq "a reply with quotes, a backslash and UTF-8 is stored as sent" \
	"$(mariadb_root "SELECT HEX(last_text), last_enhanced FROM check.mailing_recipients
		WHERE last_text LIKE 'Ok: %'")" "$want_hex	2.0.0"
check_eq "a 2,999-byte reply is stored whole, with no enhanced code" \
	"$(mariadb_root "SELECT length(last_text), last_text = repeat('x', 2999),
		last_enhanced IS NULL FROM check.mailing_recipients WHERE last_text LIKE 'xxx%'")" \
	"2999	1	1"
done_testing
