#!/bin/bash
# SPDX-License-Identifier: MIT
# mailroom cron and job commands on a real SQLite site with the probe job:
# due jobs run, two crons never run one job twice, SIGKILL leaves a crashed run
# that blocks nothing, lock groups, worker locks, Execute Now, job-cleanup.
. "$MR_SRCDIR/tests/lib.sh"

probe_dir=$MR_BUILDDIR/tests/unit/plugins/.libs
cfg=$T_DIR/site.ini
write_cfg() {
	cat > "$cfg" <<INI
[mailroom]
site = crontest
from = sender@example.org
transport = spool
lock_dir = $T_DIR/locks
plugin_path = $probe_dir
$MAIN_EXTRA
[store-sqlite]
path = $T_DIR/mailroom.db
[job-slow]
plugin = probe
file = $T_DIR/slow.txt
sleep_ms = ${SLOW_MS:-1500}
${SLOW_RELEASE:+release_file = $T_DIR/slow.go}
[job-daily]
plugin = probe
frequency = daily
file = $T_DIR/daily.txt
[job-off]
plugin = probe
enabled = no
file = $T_DIR/off.txt
$EXTRA
INI
}
mkdir -p "$T_DIR/locks"
EXTRA=""
MAIN_EXTRA=""
write_cfg
mr() { "$MAILROOM" --config "$cfg" "$@"; }

mr cron > "$T_DIR/out" 2>&1
check_eq "cron exits 0" "$?" 0
check_eq "the always job ran once" "$(grep -c '^end' "$T_DIR/slow.txt")" 1
check_eq "the daily job ran once" "$(grep -c '^end' "$T_DIR/daily.txt")" 1
check "the disabled job did not run" test ! -e "$T_DIR/off.txt"
mr cron > "$T_DIR/out" 2>&1
check_eq "the daily job is not due again the same day" "$(grep -c '^end' "$T_DIR/daily.txt")" 1
check_eq "the always job runs every time" "$(grep -c '^end' "$T_DIR/slow.txt")" 2
MAILROOM_FAKE_NOW=$(( $(date +%s) + 86400 + 60 )) mr cron > "$T_DIR/out" 2>&1
check_eq "the daily job is due a day later" "$(grep -c '^end' "$T_DIR/daily.txt")" 2

mr job list --json > "$T_DIR/list"
check_grep "job list --json shows the daily job's frequency" '"name":"daily","plugin":"probe","frequency":"daily","enabled":true' "$T_DIR/list"
check_grep "job list shows the disabled job" '"name":"off".*"enabled":false.*"next_due":"disabled"' "$T_DIR/list"
mr job list > "$T_DIR/list"
check_grep "job list has a header" '^NAME  *PLUGIN  *FREQUENCY' "$T_DIR/list"

# two crons started at once never run the same job twice
: > "$T_DIR/slow.txt"
SLOW_MS=60000 SLOW_RELEASE=yes write_cfg
mr cron > "$T_DIR/c1" 2>&1 &
p1=$!
mr cron > "$T_DIR/c2" 2>&1 &
p2=$!
# the slow job runs until it is released, after the other cron has tried it
for _ in $(seq 300); do cat "$T_DIR/c1" "$T_DIR/c2" | grep -q 'slow is locked' && break; sleep 0.1; done
touch "$T_DIR/slow.go"
wait $p1; wait $p2
write_cfg
check_eq "two crons at once: the slow job started once" "$(grep -c '^start' "$T_DIR/slow.txt")" 1
cat "$T_DIR/c1" "$T_DIR/c2" > "$T_DIR/both"
check_grep "the second cron says the job was locked" 'slow is locked by another mailroom' "$T_DIR/both"
mr job log slow --json --limit 2 > "$T_DIR/log"
check_grep "the skipped run is in the job log" '"outcome":"skipped-locked"' "$T_DIR/log"

# SIGKILL mid-run: a crashed run, and the next cron is not blocked
: > "$T_DIR/slow.txt"
SLOW_MS=20000 write_cfg
"$MAILROOM" --config "$cfg" job run slow > /dev/null 2>&1 &
victim=$!
for _ in $(seq 300); do grep -q '^start' "$T_DIR/slow.txt" 2>/dev/null && break; sleep 0.1; done
kill -9 $victim
wait $victim 2>/dev/null
mr job log slow --json --limit 1 > "$T_DIR/log"
check_grep "a killed run shows as crashed in the job log" '"outcome":"crashed"' "$T_DIR/log"
SLOW_MS=10 write_cfg
mr job run slow > "$T_DIR/out" 2>&1
check_eq "the next run is not blocked by the killed one" "$?" 0
mr job log slow --json --limit 5 > "$T_DIR/log"
check_grep "cron recorded the crash with the dead pid" "\"outcome\":\"crashed\",\"message\":\"the process (pid $victim) ended without finishing this run\"" "$T_DIR/log"

# lock groups: two jobs of one group never run at the same time
EXTRA="[job-g1]
plugin = probe
lock_group = mailbox
sleep_ms = 60000
release_file = $T_DIR/g1.go
file = $T_DIR/g1.txt
[job-g2]
plugin = probe
lock_group = mailbox
file = $T_DIR/g2.txt"
write_cfg
mr job run g1 > /dev/null 2>&1 &
pg=$!
for _ in $(seq 300); do grep -q '^start' "$T_DIR/g1.txt" 2>/dev/null && break; sleep 0.1; done
mr job run g2 > /dev/null 2> "$T_DIR/err"
check_eq "a job of a busy lock group is skipped (EX_TEMPFAIL)" "$?" 75
check_grep "and says which group" "lock group 'mailbox' is busy" "$T_DIR/err"
touch "$T_DIR/g1.go"
wait $pg
mr job run g2 > /dev/null 2>&1
check_eq "once the group is free the job runs" "$?" 0

# worker locks: max_workers = 2 lets two runs overlap, a third is refused
EXTRA="[job-w]
plugin = probe
max_workers = 2
sleep_ms = 60000
release_file = $T_DIR/w.go
file = $T_DIR/w.txt"
write_cfg
mr job run w > /dev/null 2>&1 &
pw1=$!
mr job run w > /dev/null 2>&1 &
pw2=$!
for _ in $(seq 300); do [ "$(grep -c '^start' "$T_DIR/w.txt" 2>/dev/null)" = 2 ] && break; sleep 0.1; done
check_eq "two workers run at once" "$(grep -c '^start' "$T_DIR/w.txt")" 2
mr job run w > /dev/null 2> "$T_DIR/err"
check_eq "a third worker is refused" "$?" 75
check_grep "because all workers are busy" 'all 2 workers of job w are busy' "$T_DIR/err"
touch "$T_DIR/w.go"
wait $pw1; wait $pw2
mr job log w --json > "$T_DIR/log"
check_grep "worker 1 ran" '"worker":1' "$T_DIR/log"
check_grep "worker 2 ran" '"worker":2' "$T_DIR/log"

# a failing job: logged as failed with its message, cron exits non-zero
EXTRA="[job-bad]
plugin = probe
fail = yes
file = $T_DIR/bad.txt"
write_cfg
mr job run bad > /dev/null 2> "$T_DIR/err"
check_eq "a failing job exits EX_SOFTWARE" "$?" 70
mr job log bad --json --limit 1 > "$T_DIR/log"
check_grep "the failure is in the job log with its message" '"outcome":"failed","message":"probe failed as configured"' "$T_DIR/log"
mr job run nosuch > /dev/null 2> "$T_DIR/err"
check_eq "an unknown job is a usage error" "$?" 64

# a deadline stops a run
EXTRA="[job-late]
plugin = probe
sleep_ms = 30000
max_runtime = 1s
file = $T_DIR/late.txt"
write_cfg
start=$(date +%s)
mr job run late > /dev/null 2>&1
took=$(( $(date +%s) - start ))
check "max_runtime stops a run within seconds (took ${took}s)" test "$took" -le 5
check_grep "the job saw the stop" '^stopped' "$T_DIR/late.txt"

# job-cleanup purges old rows
EXTRA="[job-cleanup]
job_log_max_age = 1d
spool_max_age = 1d"
write_cfg
mr send-test rcpt@example.net > /dev/null 2>&1
MAILROOM_FAKE_NOW=$(( $(date +%s) + 3 * 86400 )) mr job run cleanup > "$T_DIR/out" 2>&1
check_eq "job-cleanup runs" "$?" 0
check_grep "and reports what it purged" 'purged [1-9][0-9]* job runs, 1 spooled messages' "$T_DIR/out"
check_eq "the spool is empty after cleanup" "$(mr spool list --json | wc -l)" 0
# cron identity: require_user = yes
EXTRA=""
MAIN_EXTRA="require_user = yes"
SLOW_MS=10 write_cfg
printf 'right horse\n' > "$T_DIR/pw"
chmod 600 "$T_DIR/pw"
printf 'wrong horse\n' > "$T_DIR/badpw"
chmod 600 "$T_DIR/badpw"
mr user add cronuser --password-file "$T_DIR/pw" --grant send-mail > /dev/null 2>&1
check_eq "a cron user is added" "$?" 0
mr user add viewer --password-file "$T_DIR/pw" --grant view-contacts > /dev/null 2>&1
mr job run slow > /dev/null 2> "$T_DIR/err"
check_eq "without --user the job is refused (EX_CONFIG)" "$?" 78
check_grep "and the refusal says what is needed" 'needs --user NAME' "$T_DIR/err"
mr job run slow --user cronuser --password-file "$T_DIR/badpw" > /dev/null 2> "$T_DIR/err"
check_eq "a wrong password is refused (EX_NOPERM)" "$?" 77
mr job log slow --json --limit 1 > "$T_DIR/log"
check_grep "the refusal is in the job log" '"outcome":"failed","message":"refused: ' "$T_DIR/log"
mr job run slow --user viewer --password-file "$T_DIR/pw" > /dev/null 2> "$T_DIR/err"
check_eq "a user without the job's permission is refused" "$?" 77
check_grep "naming the permission" "send-mail" "$T_DIR/err"
before=$(grep -c '^end' "$T_DIR/slow.txt")
MAILROOM_PASSWORD='right horse' mr cron --user cronuser > /dev/null 2> "$T_DIR/err"
check_eq "cron runs as the user with MAILROOM_PASSWORD" "$?" 0
check_eq "and the job ran" "$(grep -c '^end' "$T_DIR/slow.txt")" $((before + 1))
chmod 644 "$T_DIR/pw"
mr cron --user cronuser --password-file "$T_DIR/pw" > /dev/null 2> "$T_DIR/err"
check "a password file others can read is refused" test $? -ne 0
check_grep "with a message that says so" 'chmod 600' "$T_DIR/err"
mr cron --user cronuser --password 'right horse' > /dev/null 2> "$T_DIR/err"
check_eq "a password on the command line is refused" "$?" 64
done_testing
