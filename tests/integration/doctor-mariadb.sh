#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom doctor's checks of a MariaDB store against a private server: version and SKIP LOCKED, time zone and clock, max_connections against the site's workers, InnoDB tables, the binary log; a server that is down is a failure that says so.
. "$MR_SRCDIR/tests/lib.sh"
. "$MR_SRCDIR/tests/servers/unbound.sh"
. "$MR_SRCDIR/tests/servers/mariadb.sh"
needs mariadbd mariadb-install-db mariadb
unbound_start
mariadb_private site mr 'pw'
printf 's3cret-for-verp\n' > "$T_DIR/secret"
chmod 0600 "$T_DIR/secret"

# site WORKERS: a site of two jobs with WORKERS workers each
site() {
	cat > "$T_DIR/site.ini" <<INI
[mailroom]
site = doc
store = mariadb
transport = spool
from = news@pass.test
secret_file = $T_DIR/secret
resolver = 127.0.0.1:$DNS_PORT
lock_dir = $T_DIR
$(mariadb_store_section site mr "$T_DIR/pw")
[job-mailing]
plugin = process-mailing
max_workers = $1
[job-cleanup]
plugin = cleanup
max_workers = $1
INI
}
doctor() { "$MAILROOM" --config "$T_DIR/site.ini" doctor --json > "$T_DIR/doc.json" 2> "$T_DIR/doc.err"; }
# verdict CHECK: the verdict of one check in doc.json
verdict() {
	/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(" ".join(c["verdict"] for c in d["checks"] if c["check"] == sys.argv[2]))' "$T_DIR/doc.json" "$1"
}
detail() {
	/usr/bin/python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(" ".join(c["detail"] + " -> " + c.get("fix", "") for c in d["checks"] if c["check"] == sys.argv[2]))' "$T_DIR/doc.json" "$1"
}

site 4
doctor
check_eq "the store opens" "$(verdict store)" ok
check_grep "and says which and its schema version" "store 'mariadb' opens, schema version [0-9]" "$T_DIR/doc.json"
check_eq "the server's version is 10.6 or newer" "$(verdict store-version)" ok
check_grep "and is named" 'MariaDB 1[0-9]\.[0-9]*\.[0-9]*' <(detail store-version)
check_eq "SKIP LOCKED works" "$(verdict store-skip-locked)" ok
check_eq "the time zone and clock are fine" "$(verdict store-time)" ok
check_grep "the sessions run in UTC, the clock is compared" 'sessions +00:00.*clock is [0-9]* s' <(detail store-time)
check_eq "200 connections are enough for 8 workers" "$(verdict store-connections)" ok
check_grep "and the need is counted from the jobs' max_workers" 'needs up to 25 (8 job processes' <(detail store-connections)
check_eq "every table is InnoDB" "$(verdict store-engine)" ok
check_eq "the binary log is off: fine" "$(verdict store-binlog)" ok

# a server time zone that is not UTC is shown; mailroom's sessions stay UTC
mariadb_root "SET GLOBAL time_zone = '+05:00'"
doctor
check_eq "a +05:00 server is still fine (Unix times, UTC sessions)" "$(verdict store-time)" ok
check_grep "and its zone is shown" 'server time zone +05:00' <(detail store-time)

# too many workers for max_connections
site 64
doctor
check_eq "128 workers need more than 200 connections: fail" "$(verdict store-connections)" fail
check_grep "the fix says what to raise" 'raise max_connections to at least 385' <(detail store-connections)
check_eq "doctor exits 2 on a failure" "$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exit"])' "$T_DIR/doc.json")" 2

# a table that is not InnoDB
site 1
mariadb_root "CREATE TABLE site.legacy (id INT) ENGINE = MyISAM"
doctor
check_eq "a MyISAM table in the database fails" "$(verdict store-engine)" fail
check_grep "and is named" '1 not InnoDB, e.g. legacy' <(detail store-engine)
mariadb_root "DROP TABLE site.legacy"

# the server down
mariadb_stop TERM
doctor
check_eq "with the server down, the store check fails" "$(verdict store)" fail
check_grep "and says why" 'the store does not open: .*connect' "$T_DIR/doc.json"
check_eq "no server check is pretended" "$(verdict store-version)" ""
"$MAILROOM" --config "$T_DIR/site.ini" doctor > "$T_DIR/doc.txt" 2>&1
check_grep "the text output has the fail line" '^fail store  *the store does not open' "$T_DIR/doc.txt"
done_testing
