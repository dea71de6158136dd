#!/bin/bash
# SPDX-License-Identifier: MIT
# store-mariadb under concurrency on a private server: several worker processes lease one mailing while their connections are cut (tests/store/mariadb-workers.c), with its queue built at once and in parts, and the session's isolation level is the one documented.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/mariadb.sh"
needs mariadbd mariadb-install-db mariadb
mariadb_private work mrw 'pw-workers'
{ printf '[mailroom]\nstore = mariadb\ntransport = spool\n'
  mariadb_store_section work mrw "$T_DIR/pw"; } > "$T_DIR/site.ini"
# workers LABEL SITE.ini [PARTS]: the C program's checks, renumbered into
# this script's plan
workers() {
	"$MR_BUILDDIR/tests/store/mariadb-workers" "$2" "$MARIADB_SOCK" mrw "$T_DIR" ${3:-} \
		2>"$T_DIR/workers.err" | sed "s/^1\.\.[0-9]*$//; s/^\(not \)\{0,1\}ok [0-9]* - /&$1: /" > "$T_DIR/workers.tap"
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok * - }" ;;
		"not ok "*) not_ok "${line#not ok * - }" ;;
		"") ;;
		*) echo "$line" ;;
		esac
	done < "$T_DIR/workers.tap"
	diag "retries and reconnections the workers logged: $(grep -c 'retrying\|reconnected' "$T_DIR/workers.err")"
	grep -v 'retrying\|reconnected' "$T_DIR/workers.err" | head -5 | sed 's/^/# /'
	rm -f "$T_DIR"/sent.*
}
workers workers "$T_DIR/site.ini"
# the same with the queue built in parts of 300 emails as the workers claim
mariadb_create parts mrw 'pw-workers'
{ printf '[mailroom]\nstore = mariadb\ntransport = spool\n'
  mariadb_store_section parts mrw "$T_DIR/pw"; echo 'build_part = 300'; } > "$T_DIR/parts.ini"
workers "workers in parts" "$T_DIR/parts.ini" 300
# the tables are InnoDB, utf8mb4
check_eq "every table is InnoDB" \
	"$(mariadb_root "SELECT count(*) FROM information_schema.tables WHERE table_schema='work' AND engine <> 'InnoDB'")" 0
newest=$(sed -n 's/^#define SQ_SCHEMA_NEWEST \([0-9]*\).*/\1/p' "$MR_SRCDIR/plugins/store-sqlite/store-sqlite.h")
check_eq "schema version $newest, as store-sqlite's" "$(mariadb_root "SELECT max(version) FROM work.schema_version")" "$newest"
# a newer schema is refused with a configuration error naming the database
mariadb_root "INSERT INTO work.schema_version VALUES (99, 0, 'from the future')"
out=$("$MAILROOM" --config "$T_DIR/site.ini" job log --json 2>&1); rc=$?
check_eq "a newer schema: exit 78 (EX_CONFIG)" "$rc" 78
check_grep "a newer schema: the message names the version and the database" "version 99" <(echo "$out")
mariadb_root "DELETE FROM work.schema_version WHERE version = 99"
# a wrong password: a configuration error, not a retry loop
printf 'wrong' > "$T_DIR/pw"
out=$("$MAILROOM" --config "$T_DIR/site.ini" job log --json 2>&1); rc=$?
check_eq "a wrong password: exit 78 (EX_CONFIG)" "$rc" 78
check_grep "a wrong password: the message says access denied" "Access denied" <(echo "$out")
printf 'pw-workers' > "$T_DIR/pw"
# the server down: a temporary failure
mariadb_stop
out=$("$MAILROOM" --config "$T_DIR/site.ini" job log --json 2>&1); rc=$?
check_eq "the server down: exit 75 (EX_TEMPFAIL)" "$rc" 75
check_grep "the server down: the message names the server" "cannot connect to database 'work' on 127.0.0.1:$MARIADB_PORT" <(echo "$out")
done_testing
