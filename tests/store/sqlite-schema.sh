#!/bin/bash
# SPDX-License-Identifier: MIT
# The SQLite store on real files: creation at the newest schema, in-place upgrade of a version-1 database keeping its rows, refusal of newer or foreign databases, directory creation and its errors, the busy timeout, and two processes writing at once.
. "$MR_SRCDIR/tests/lib.sh"
needs sqlite3 cmp

newest=$(sed -n 's/^#define SQ_SCHEMA_NEWEST \([0-9]*\).*/\1/p' \
	"$MR_SRCDIR/plugins/store-sqlite/store-sqlite.h")
# site NAME DBPATH [EXTRA-KEY-LINES]: writes $T_DIR/NAME.ini
site() {
	cat > "$T_DIR/$1.ini" <<INI
[mailroom]
from = sender@example.org
transport = spool
[store-sqlite]
path = $2
${3:-}
INI
}
mr() { local ini=$1; shift; "$MAILROOM" --config "$T_DIR/$ini.ini" "$@"; }
q() { sqlite3 "$1" "$2" 2>&1; }

# ---- a fresh file is created at the newest version, directories included
db=$T_DIR/new/a/b/mailroom.db
site fresh "$db"
mr fresh spool list > "$T_DIR/out" 2> "$T_DIR/err"
check_eq "a fresh store opens (exit status)" "$?" 0
check "missing directories are created" test -d "$T_DIR/new/a/b"
check_eq "a fresh database is at the newest version" \
	"$(q "$db" 'SELECT max(version) FROM schema_version')" "$newest"
check_eq "one schema_version row per step" \
	"$(q "$db" 'SELECT group_concat(version) FROM schema_version')" \
	"$(seq -s, 1 "$newest")"
check_eq "journal mode is WAL" "$(q "$db" 'PRAGMA journal_mode')" wal
check_eq "the database file is private" "$(stat -c %a "$db")" 600
tables=$(q "$db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_master
	WHERE type = 'table' ORDER BY name)")
want_tables="activities activity_attachments activity_contacts auto_replies bounce_patterns bounce_types
contact_events contact_groups contact_values contacts custom_fields emails events fetched_messages group_contact job_log job_state
mail_spool mailing_attachments mailing_groups mailing_jobs mailing_recipients mailing_settings mailing_templates mailings optin_pending schema_version users"
check_eq "every table exists" "$tables" "$(echo $want_tables)"
check_eq "bounce types are seeded with CiviCRM's thresholds" \
	"$(q "$db" "SELECT group_concat(name || '=' || hold_threshold, ' ') FROM
		(SELECT * FROM bounce_types ORDER BY name)")" \
	"AOL=1 Away=30 Dns=3 Host=3 Inactive=1 Invalid=1 Loop=3 Quota=3 Relay=3 Spam=1 Syntax=3"
check_eq "emails are unique per contact, case-insensitively" \
	"$(q "$db" "PRAGMA foreign_keys = ON;
		INSERT INTO contacts(id, created, modified) VALUES(1, 0, 0);
		INSERT INTO emails(contact_id, email) VALUES(1, 'A@Example.org');
		INSERT INTO emails(contact_id, email) VALUES(1, 'a@example.ORG');" |
		grep -c 'UNIQUE constraint failed')" 1
check_eq "on_hold only takes 0, 1 or 2" \
	"$(q "$db" "UPDATE emails SET on_hold = 3" | grep -c 'CHECK constraint failed')" 1
q "$db" "DELETE FROM emails; DELETE FROM contacts" > /dev/null
mr fresh spool list > /dev/null 2>&1
check_eq "opening again adds no step" \
	"$(q "$db" 'SELECT count(*) FROM schema_version')" "$newest"

# ---- a version-1 database is upgraded in place and keeps its rows
old=$T_DIR/old/mailroom.db
mkdir -p "$T_DIR/old"
sqlite3 "$old" < "$MR_SRCDIR/tests/store/fixtures/sqlite-v1.sql" > /dev/null
check_eq "the fixture is at version 1" "$(q "$old" 'SELECT max(version) FROM schema_version')" 1
site old "$old"
mr old spool list > "$T_DIR/list" 2> "$T_DIR/err"
check_eq "the old database opens (exit status)" "$?" 0
check_eq "it is upgraded to the newest version" \
	"$(q "$old" 'SELECT group_concat(version) FROM schema_version')" "$(seq -s, 1 "$newest")"
check_eq "the version-1 step keeps its original date" \
	"$(q "$old" 'SELECT applied FROM schema_version WHERE version = 1')" 1700000000
check_grep "its spooled messages are listed" "Kept across upgrades" "$T_DIR/list"
check_grep "all of them" "old2@example.org" "$T_DIR/list"
printf 'From: old@example.org\r\nSubject: Kept across upgrades\r\n\r\nbody line\r\n\303\274\377\r\n' \
	> "$T_DIR/want1"
mr old spool show 1 > "$T_DIR/got1"
check "an upgraded message is byte-exact" cmp "$T_DIR/got1" "$T_DIR/want1"
check_eq "its job log is kept" \
	"$(q "$old" "SELECT job || '|' || pid || '|' || message || '|' || data FROM job_log")" \
	'fetch_bounces|4242|read 3 bounces|{"n":3}'
check_eq "its job state is kept" "$(q "$old" "SELECT * FROM job_state")" \
	"fetch_bounces|1700000100|1700000110|1"
check_eq "its fetched-message records are kept" \
	"$(q "$old" "SELECT account || ' ' || msg_key FROM fetched_messages")" "bounce imap:1:7"
check_eq "its users are kept" "$(q "$old" "SELECT name || ' ' || perms FROM users")" "cron 3"
check_eq "the new tables exist after the upgrade" \
	"$(q "$old" "SELECT count(*) FROM bounce_types")" 11
check_eq "the upgraded file is in WAL mode" "$(q "$old" 'PRAGMA journal_mode')" wal

# ---- a database newer than the code is refused, untouched
newer=$T_DIR/newer.db
cp "$db" "$newer"
q "$newer" "INSERT INTO schema_version VALUES(99, 0, 'from the future')" > /dev/null
sum_before=$(q "$newer" "SELECT count(*) || '/' || max(version) FROM schema_version")
site newer "$newer"
mr newer spool list > /dev/null 2> "$T_DIR/err"
check_eq "a newer database is refused with EX_CONFIG" "$?" 78
check_grep "the refusal names the version" "schema version 99" "$T_DIR/err"
check_grep "the refusal names the file" "$newer" "$T_DIR/err"
check_grep "the refusal says what this code knows" "up to $newest" "$T_DIR/err"
check_eq "a refused database is untouched" \
	"$(q "$newer" "SELECT count(*) || '/' || max(version) FROM schema_version")" "$sum_before"

# ---- other SQLite files and non-SQLite files are refused
foreign=$T_DIR/foreign.db
q "$foreign" "CREATE TABLE notes(x); INSERT INTO notes VALUES(1)" > /dev/null
site foreign "$foreign"
mr foreign spool list > /dev/null 2> "$T_DIR/err"
check_eq "a database of another program is refused" "$?" 78
check_grep "because it is not a mailroom database" "not a mailroom database" "$T_DIR/err"
check_eq "and left alone" "$(q "$foreign" "SELECT count(*) FROM sqlite_master")" 1
garbage=$T_DIR/garbage.db
head -c 4096 /dev/urandom > "$garbage"
site garbage "$garbage"
mr garbage spool list > /dev/null 2> "$T_DIR/err"
check "a file that is not SQLite is refused" test "$?" -ne 0
check_grep "naming the file" "$garbage" "$T_DIR/err"

# ---- a directory that cannot be created
: > "$T_DIR/plainfile"
site nodir "$T_DIR/plainfile/sub/mailroom.db"
mr nodir spool list > /dev/null 2> "$T_DIR/err"
check_eq "an impossible directory is a configuration error" "$?" 78
check_grep "the error names the directory" "$T_DIR/plainfile (a parent of .*) is not a directory" \
	"$T_DIR/err"
check_grep "and the database path" "$T_DIR/plainfile/sub/mailroom.db" "$T_DIR/err"
site relroot "/proc/mailroom-test-nodir/mailroom.db"
mr relroot spool list > /dev/null 2> "$T_DIR/err"
check_grep "a directory under /proc is refused with its name" "/proc/mailroom-test-nodir" \
	"$T_DIR/err"

# ---- the keys are checked before anything is opened
site badkeys "$T_DIR/badkeys.db" "$(printf 'synchronous = off\nbusy_timeout = soon\npathh = x')"
mr badkeys config check > /dev/null 2> "$T_DIR/err"
check_eq "bad [store-sqlite] keys are configuration errors" "$?" 78
check_grep "synchronous is normal or full" "synchronous = off: must be one of normal|full" \
	"$T_DIR/err"
check_grep "busy_timeout is a duration" "busy_timeout = soon: is not a duration" "$T_DIR/err"
check_grep "a misspelt key is named with the right one" "did you mean 'path'" "$T_DIR/err"
check "nothing was created" test ! -e "$T_DIR/badkeys.db"
site fullsync "$T_DIR/fullsync.db" "synchronous = full"
mr fullsync spool list > /dev/null 2> "$T_DIR/err"
check_eq "synchronous = full opens" "$?" 0

# ---- the busy timeout: a writer waits for another process's lock
# hold_lock SECONDS: another process holds the write lock that long
hold_lock() {
	rm -f "$T_DIR/locked"
	{ echo "BEGIN IMMEDIATE;"; echo "INSERT OR REPLACE INTO users(name, pwhash, created) VALUES('holder', '', 0);"
	  echo ".print locked"; sleep "$1"; echo "COMMIT;"; } | sqlite3 "$db" > "$T_DIR/locked" 2>&1 &
	started $!
	local i=0
	while [ $i -lt 100 ] && ! grep -q locked "$T_DIR/locked" 2>/dev/null; do
		sleep 0.05; i=$((i + 1)); done
}
hold_lock 2
t0=$(date +%s%N)
mr fresh spool purge --before @1 > "$T_DIR/out" 2> "$T_DIR/err"
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "a write waits for the lock and succeeds (busy_timeout 10s)" "$rc" 0
check "it waited for the lock (${ms} ms)" test "$ms" -ge 1000
check_eq "the other process's write is there" \
	"$(q "$db" "SELECT count(*) FROM users WHERE name = 'holder'")" 1
wait
site short "$db" "busy_timeout = 1s"
hold_lock 4
t0=$(date +%s%N)
mr short spool purge --before @1 > "$T_DIR/out" 2> "$T_DIR/err"
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "past busy_timeout a write fails as temporary (EX_TEMPFAIL)" "$rc" 75
check "after about busy_timeout (${ms} ms)" test "$ms" -ge 900 -a "$ms" -lt 3500
check_grep "saying the database is locked" "locked" "$T_DIR/err"
wait

# ---- processes opening a fresh file at once create the schema once
racefail=0
for round in 1 2 3; do
	site race "$T_DIR/race$round/mailroom.db"
	pids=""
	for p in 1 2 3 4; do
		mr race spool list > /dev/null 2>> "$T_DIR/race.err" & pids="$pids $!"; started $!
	done
	for p in $pids; do wait "$p" || racefail=$((racefail + 1)); done
done
check_eq "4 processes opening a fresh file at once all succeed (3 rounds)" "$racefail" 0
check_eq "and each schema step is applied once" \
	"$(q "$T_DIR/race3/mailroom.db" 'SELECT group_concat(version) FROM schema_version')" \
	"$(seq -s, 1 "$newest")"

# ---- two processes writing at once both succeed
writer() {
	local n=0
	for i in $(seq 1 15); do
		mr fresh send-test --subject "writer $1 message $i" "w$1@example.org" \
			> /dev/null 2>> "$T_DIR/writer$1.err" && n=$((n + 1))
	done
	echo "$n" > "$T_DIR/writer$1.count"
}
q "$db" "DELETE FROM mail_spool" > /dev/null
writer 1 & p1=$!; started $p1
writer 2 & p2=$!; started $p2
wait $p1 $p2
check_eq "writer 1 stored all its messages" "$(cat "$T_DIR/writer1.count")" 15
check_eq "writer 2 stored all its messages" "$(cat "$T_DIR/writer2.count")" 15
check_eq "the spool holds both writers' messages" \
	"$(q "$db" "SELECT count(DISTINCT subject) FROM mail_spool")" 30
[ -s "$T_DIR/writer1.err" ] && sed 's/^/# /' "$T_DIR/writer1.err" | head -5

done_testing
